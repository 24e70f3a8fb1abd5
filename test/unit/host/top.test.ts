import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parsePss, readTopProcesses } from "../../../src/host/top.js";
import { ProcFixture, proc } from "../../helpers/fixtures.js";

let fixture: ProcFixture;
afterEach(() => fixture?.cleanup());

const MiB = 2 ** 20;

describe("largest processes", () => {
  it("parses Pss from smaps_rollup", () => {
    expect(
      parsePss("00400000-7fff [rollup]\nRss:    2048 kB\nPss:    1024 kB\nPss_Anon: 10 kB\n"),
    ).toBe(1024 * 1024);
    expect(parsePss("Rss: 1 kB\n")).toBeNull();
  });

  it("orders by PSS where readable, RSS otherwise; reads argv it lacks; skips kernel threads", () => {
    fixture = new ProcFixture();
    // Three pool children: large RSS, mostly shared, so small PSS. One process with no
    // smaps_rollup (unreadable): it keeps its RSS.
    for (const pid of [10, 11, 12]) {
      fixture.add({ pid, ppid: 1, argv: ["python3", "-c", "worker"] });
      writeFileSync(
        join(fixture.root, String(pid), "smaps_rollup"),
        `Rss: ${600 * 1024} kB\nPss: ${100 * 1024} kB\n`,
      );
    }
    fixture.add({ pid: 20, ppid: 1, argv: ["postgres"] });
    writeFileSync(
      join(fixture.root, "20", "smaps_rollup"),
      `Rss: ${300 * 1024} kB\nPss: ${290 * 1024} kB\n`,
    );
    const processes = [
      proc({ pid: 10, rssBytes: 600 * MiB, argv: null }),
      proc({ pid: 11, rssBytes: 600 * MiB }),
      proc({ pid: 12, rssBytes: 600 * MiB }),
      proc({ pid: 20, rssBytes: 300 * MiB }),
      proc({ pid: 30, rssBytes: 200 * MiB }), // no /proc entry: gone since the scan
      proc({ pid: 2, rssBytes: 999 * MiB, kernelThread: true }),
    ];
    const top = readTopProcesses(processes, 3, fixture.root, (p) => (p.pid === 20 ? 12.5 : null));
    expect(top.map((t) => [t.pid, t.pssBytes === null ? null : t.pssBytes / MiB])).toEqual([
      [20, 290],
      [10, 100],
      [11, 100],
    ]);
    expect(top[0]!.cpuPercent).toBe(12.5);
    expect(top[1]!.argv).toEqual(["python3", "-c", "worker"]);
  });
});
