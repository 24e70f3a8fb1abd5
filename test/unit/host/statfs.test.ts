import { describe, expect, it } from "vitest";
import { LOCAL_FILESYSTEMS, mountTypeAt, parseMountinfo } from "../../../src/host/statfs.js";

const MOUNTINFO = [
  "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw",
  "23 22 0:21 / /proc rw,nosuid shared:2 - proc proc rw",
  "40 22 0:35 / /var/lib/docker rw - xfs /dev/vdb rw",
  "41 22 0:36 / /mnt/nfs\\040share rw master:3 - nfs4 server:/export rw,vers=4.2",
  "42 22 0:37 / /tmp/hang rw - fuse cleanup-hang rw,user_id=0",
  "43 40 0:38 / /var/lib/docker/overlay2/x/merged rw - overlay overlay rw",
].join("\n");

describe("which mounts are statfs'ed directly", () => {
  const mounts = parseMountinfo(MOUNTINFO);

  it("parses mount points (octal escapes decoded) and filesystem types", () => {
    expect(mounts.map((m) => [m.mountPoint, m.fsType])).toEqual([
      ["/", "ext4"],
      ["/proc", "proc"],
      ["/var/lib/docker", "xfs"],
      ["/mnt/nfs share", "nfs4"],
      ["/tmp/hang", "fuse"],
      ["/var/lib/docker/overlay2/x/merged", "overlay"],
    ]);
  });

  it("trusts only an exact mount point for a direct statfs (a path below may be a symlink)", () => {
    expect(mountTypeAt("/", mounts)).toBe("ext4");
    expect(mountTypeAt("/var/lib/docker", mounts)).toBe("xfs");
    expect(mountTypeAt("/var/log", mounts)).toBeNull(); // under /, but maybe a symlink elsewhere
    expect(mountTypeAt("/mnt/nfs share", mounts)).toBe("nfs4");
    expect(mountTypeAt("/tmp/hang", mounts)).toBe("fuse");
  });

  it("only local filesystems skip the child with a timeout", () => {
    for (const local of ["ext4", "xfs", "overlay", "tmpfs"])
      expect(LOCAL_FILESYSTEMS.has(local)).toBe(true);
    for (const remote of ["nfs4", "cifs", "fuse", "fuse.sshfs", "ceph", "9p"])
      expect(LOCAL_FILESYSTEMS.has(remote)).toBe(false);
  });
});
