#!/usr/bin/env bash
# Container templates (docs/containers.md, "Root file systems"): nido
# ct-template-unpack unpacks a root file system tarball (.tar.gz and
# .tar.xz, as LXC's and Proxmox's templates come) into a directory with
# every owner moved into the containers' id range (or the one given),
# file modes (set-user-id too) and symbolic links kept, device nodes
# skipped; a container starts on it. Hostile archives (an absolute name,
# "..", an owner outside the range) are refused, and none (a path
# through a symbolic link the archive made) writes outside.
. "$(dirname "$0")/lib.sh"

if ! ct_usable; then
	echo "1..0 # SKIP containers need root, busybox-static and user namespaces"
	exit 0
fi
chmod 755 "$tmp"
# the template: a busybox tree owned by root (0) with a user's file, a
# set-user-id program, a symbolic link and a device node, as a
# container's tarball is
python3 - "$tmp" <<'PY'
import io, os, sys, tarfile
tmp = sys.argv[1]
def add(t, name, typ=tarfile.REGTYPE, data=b"", mode=0o644, uid=0, gid=0, link=""):
    i = tarfile.TarInfo(name)
    i.type, i.mode, i.uid, i.gid, i.linkname = typ, mode, uid, gid, link
    i.uname = i.gname = "ignored-name"
    if typ == tarfile.CHRTYPE:
        i.devmajor, i.devminor = 1, 3
    i.size = len(data)
    t.addfile(i, io.BytesIO(data) if data else None)
def template(path, mode):
    with tarfile.open(path, mode) as t:
        add(t, "./", tarfile.DIRTYPE, mode=0o755)
        for d in ["bin", "sbin", "etc", "proc", "sys", "dev", "tmp", "root", "out", "home", "home/user"]:
            add(t, "./" + d, tarfile.DIRTYPE, mode=0o755, uid=1000 if d == "home/user" else 0, gid=1000 if d == "home/user" else 0)
        add(t, "./bin/busybox", data=open("/bin/busybox", "rb").read(), mode=0o755)
        for a in ["sh", "id", "stat", "cat", "sleep", "ls"]:
            add(t, "./bin/" + a, tarfile.SYMTYPE, link="busybox")
        add(t, "./bin/su-like", data=b"#!/bin/sh\n", mode=0o4755)
        add(t, "./home/user/notes", data=b"mine\n", uid=1000, gid=1000)
        add(t, "./etc/passwd", data=b"root:x:0:0:root:/root:/bin/sh\n")
        add(t, "./dev/null", tarfile.CHRTYPE, mode=0o666)
template(tmp + "/tpl.tar.gz", "w:gz")
template(tmp + "/tpl.tar.xz", "w:xz")
def hostile(name, entries):
    with tarfile.open(tmp + "/" + name, "w:gz") as t:
        for e in entries:
            add(t, *e)
hostile("abs.tar.gz", [("/tmp/ct-template-abs-escape", tarfile.REGTYPE, b"x")])
hostile("dotdot.tar.gz", [("./ok", tarfile.DIRTYPE, b"", 0o755), ("./ok/../../dotdot-escape", tarfile.REGTYPE, b"x")])
hostile("symlink.tar.gz", [("./out-link", tarfile.SYMTYPE, b"", 0o777, 0, 0, tmp + "/outside"), ("./out-link/planted", tarfile.REGTYPE, b"x")])
hostile("foreign.tar.gz", [("./far", tarfile.REGTYPE, b"x", 0o644, 70000, 0)])
PY
mkdir -p "$tmp/outside"
base=$CT_BASE

t_out "unpack a .tar.gz template" "Template '$tmp/tpl.tar.gz' unpacked into '$tmp/gz': " \
	"$NIDO" ct-template-unpack "$tmp/tpl.tar.gz" "$tmp/gz"
t_out "... saying that the device node was skipped" "1 device nodes skipped" \
	"$NIDO" ct-template-unpack "$tmp/tpl.tar.gz" "$tmp/gz"
t_out "the root directory belongs to the container's root ($base)" "$base:$base 755" \
	stat -c '%u:%g %a' "$tmp/gz"
t_out "files owned by 0 in the template are owned by $base" "$base:$base" \
	stat -c '%u:%g' "$tmp/gz/bin/busybox"
t_out "a user's file (1000) is owned by $((base + 1000))" "$((base + 1000)):$((base + 1000))" \
	stat -c '%u:%g' "$tmp/gz/home/user/notes"
t_out "the set-user-id bit is kept" "4755" stat -c '%a' "$tmp/gz/bin/su-like"
t_out "symbolic links are kept" "busybox" readlink "$tmp/gz/bin/sh"
t "no device node was made" test ! -e "$tmp/gz/dev/null"
t_out "unpack the .tar.xz one with a range given" "owned from uid 200000 and gid 300000" \
	"$NIDO" ct-template-unpack "$tmp/tpl.tar.xz" "$tmp/xz" --uid-base 200000 --gid-base 300000
t_out "... its owners from that range" "201000:301000" stat -c '%u:%g' "$tmp/xz/home/user/notes"

start_daemon
ct_xml tpl "$tmp/gz" /bin/sh -c 'id -u >/out/uid; cat /home/user/notes >/out/notes; while :; do sleep 1; done' >"$tmp/tpl.xml"
"$NIDO" define "$tmp/tpl.xml" >/dev/null
t_out "a container starts on the unpacked template" "Domain 'tpl' started" "$NIDO" start tpl
t "its init runs and reads the user's file" wait_for 30 grep -qx mine "$tmp/gz/out/notes"
t_out "... as root inside" "0" cat "$tmp/gz/out/uid"
"$NIDO" destroy tpl >/dev/null

t_err "an absolute name is refused" "abs-escape" \
	"$NIDO" ct-template-unpack "$tmp/abs.tar.gz" "$tmp/abs"
t "... and nothing is written there" test ! -e /tmp/ct-template-abs-escape
t_err "a name with '..' is refused" "dotdot-escape" \
	"$NIDO" ct-template-unpack "$tmp/dotdot.tar.gz" "$tmp/dotdot"
t "... and nothing is written outside" test ! -e "$tmp/dotdot-escape"
"$NIDO" ct-template-unpack "$tmp/symlink.tar.gz" "$tmp/symlink" >/dev/null 2>&1
t "a path through a symbolic link the archive made writes nothing where it points" \
	test ! -e "$tmp/outside/planted"
t "... (libarchive replaced the link by a directory of the container's root)" \
	test "$(stat -c '%F %u' "$tmp/symlink/out-link")" = "directory $base"
t_err "an owner outside the range is refused, naming the entry" \
	"'./far': owner 70000:0 is outside the container's id range" \
	"$NIDO" ct-template-unpack "$tmp/foreign.tar.gz" "$tmp/foreign"
t_err "a template that is not there is an error naming it" "$tmp/nothing.tar.gz" \
	"$NIDO" ct-template-unpack "$tmp/nothing.tar.gz" "$tmp/nothing"
t_err "an invalid --uid-base is refused" "invalid --uid-base 'x'" \
	"$NIDO" ct-template-unpack "$tmp/tpl.tar.gz" "$tmp/bad" --uid-base x
done_testing
