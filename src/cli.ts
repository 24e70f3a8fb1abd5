#!/usr/bin/env node
// The `cleanup` binary. The exit code is set here, from main()'s mapping, and nowhere else.
import { main } from "./main.js";

process.exitCode = await main(process.argv);
