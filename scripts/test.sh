#!/bin/sh
# The test command (README, Tests; .ci/run runs exactly this): installs the Debian packages the
# tests run for real, the locked npm dependencies, then builds and runs the whole suite.
# Arguments go to vitest: scripts/test.sh test/integration/deb.test.ts
set -eu
cd "$(dirname "$0")/.."
scripts/install-test-deps.sh
npm ci --no-audit --no-fund
npm test -- "$@"
