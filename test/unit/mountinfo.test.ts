import { describe, expect, it } from "vitest";
import { LOCAL_FILESYSTEMS, filesystemOf, parseMountinfo } from "../../src/host/statfs.js";

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

  it("finds the mount holding a path: the longest mount point, not a name prefix", () => {
    expect(filesystemOf("/", mounts)).toBe("ext4");
    expect(filesystemOf("/var/log", mounts)).toBe("ext4");
    expect(filesystemOf("/var/lib/docker/volumes", mounts)).toBe("xfs");
    expect(filesystemOf("/var/lib/dockerfile", mounts)).toBe("ext4");
    expect(filesystemOf("/mnt/nfs share/data", mounts)).toBe("nfs4");
    expect(filesystemOf("/tmp/hang", mounts)).toBe("fuse");
    expect(filesystemOf("relative", mounts)).toBeNull();
  });

  it("only local filesystems skip the child with a timeout", () => {
    for (const local of ["ext4", "xfs", "overlay", "tmpfs"])
      expect(LOCAL_FILESYSTEMS.has(local)).toBe(true);
    for (const remote of ["nfs4", "cifs", "fuse", "fuse.sshfs", "ceph", "9p"])
      expect(LOCAL_FILESYSTEMS.has(remote)).toBe(false);
  });
});
