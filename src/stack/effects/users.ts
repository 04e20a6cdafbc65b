// /etc/passwd and /etc/group (what base-passwd and adduser would leave): root, the CNB user and
// nobody; and the CNB user's home, owned by it.
import type { Rootfs } from "../staging-rootfs.js";
import type { StackDefinition, UserIds } from "../stack-file.js";

export function writeUsers(root: Rootfs, def: StackDefinition, ids: UserIds): void {
  const shell = root.exists("usr/bin/bash") ? "/bin/bash" : root.exists("usr/bin/sh") ? "/bin/sh" : "/usr/sbin/nologin";
  const u = def.user;
  const passwd = [
    `root:x:0:0:root:/root:${shell}`,
    `${u.name}:x:${ids.uid}:${ids.gid}:CNB user:/${u.home}:${shell}`,
    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin",
  ];
  const group = ["root:x:0:", `${u.group}:x:${ids.gid}:`, "nogroup:x:65534:"];
  root.writeFile("etc/passwd", `${passwd.join("\n")}\n`, 0o644);
  root.writeFile("etc/group", `${group.join("\n")}\n`, 0o644);
  root.mkdir(u.home, 0o755);
  root.setOwner(u.home, ids.uid, ids.gid);
}
