# shellcheck shell=bash
# Helpers of the container tests: the daemon tests' helpers (a private
# nidod, TAP), a busybox root file system owned by the containers' id
# range, and container XML.
. "$(dirname "${BASH_SOURCE[0]}")/../daemon/lib.sh"

# The containers' default range (src/ct/ct.h: CT_IDS_DEFAULT_BASE), or the
# second range of user nido in /etc/subuid when there is one.
CT_BASE=$(awk -F: '$1 == "nido" { n++; if (n == 2) { print $2; exit } }' /etc/subuid 2>/dev/null)
CT_BASE=${CT_BASE:-$((0x6e6a0000))}

ct_usable() {
	[ "$(id -u)" -eq 0 ] && [ -x /bin/busybox ] &&
		[ -e /proc/self/ns/user ] && [ -d /sys/fs/cgroup ]
}

# images_usable: what a container on an image file needs besides
# ct_usable (e2fsprogs to make one, loop devices).
images_usable() {
	ct_usable && command -v mke2fs >/dev/null && [ -e /dev/loop-control ]
}

# attached FILE: FILE is on a loop device; released FILE: it is not.
attached() { losetup -n -O NAME -j "$1" | grep -q .; }
released() { ! attached "$1"; }

# make_rootfs DIR: busybox and its applets, the usual directories, owned
# by the container's root (an unprivileged container's files are).
make_rootfs() {
	local d=$1 a
	mkdir -p "$d"/{bin,sbin,etc,proc,sys,dev,tmp,root,out}
	cp /bin/busybox "$d/bin/busybox"
	for a in $(/bin/busybox --list); do
		[ -e "$d/bin/$a" ] || ln -s busybox "$d/bin/$a"
	done
	ln -sf ../bin/busybox "$d/sbin/init"
	echo "root:x:0:0:root:/root:/bin/sh" >"$d/etc/passwd"
	echo "root:x:0:" >"$d/etc/group"
	chown -R "$CT_BASE:$CT_BASE" "$d"
	chmod 1777 "$d/tmp"
}

# ct_xml NAME ROOT INIT [ARG...]: a container running INIT ARGs; extra
# top-level XML in $CT_EXTRA, extra devices in $CT_DEVICES.
ct_xml() {
	local name=$1 root=$2 init=$3 a
	shift 3
	echo "<domain type='lxc'>"
	echo "  <name>$name</name>"
	echo "  <memory unit='MiB'>${CT_MEM:-128}</memory>"
	echo "  <os><type>exe</type><init>$init</init>"
	for a in "$@"; do
		printf '    <initarg>%s</initarg>\n' "$(printf '%s' "$a" |
			sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g')"
	done
	echo "  </os>"
	echo "  ${CT_EXTRA:-}"
	echo "  <devices>"
	echo "    <filesystem type='mount'><source dir='$root'/><target dir='/'/></filesystem>"
	echo "    ${CT_DEVICES:-}"
	echo "    <console type='pty'/>"
	echo "  </devices>"
	echo "</domain>"
}

ct_pid() { # domain: its init's pid on the host
	vm_pid "$1"
}

# The directories of the container's cgroups, from its run-time record.
ct_cgroups() {
	python3 -c '
import json, sys
print("\n".join(json.load(open(sys.argv[1])).get("cgroups", [])))' \
		"$NIDO_RUNTIME_DIR/domains/$1.json"
}

# ct_cg DOMAIN CONTROLLER: the directory of the domain's cgroup with that
# controller's files: its v1 hierarchy's, else the v2 one (cgroup v2
# alone: tests/nested/scenarios/ct-cgroup2.sh).
ct_cg() {
	local d
	for d in $(ct_cgroups "$1"); do
		case $d in */"$2"/nido/*) echo "$d" && return ;; esac
	done
	for d in $(ct_cgroups "$1"); do
		[ -e "$d/cgroup.controllers" ] && echo "$d" && return
	done
}

# ct_mem_limit DOMAIN: its memory limit in bytes (v1 memory.limit_in_bytes,
# v2 memory.max).
ct_mem_limit() {
	local d
	d=$(ct_cg "$1" memory)
	if [ -e "$d/memory.max" ]; then cat "$d/memory.max"; else cat "$d/memory.limit_in_bytes"; fi
}
