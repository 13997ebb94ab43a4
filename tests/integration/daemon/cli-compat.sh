#!/usr/bin/env bash
# Where scripts parse virsh's output, nido's matches it. The expected
# texts below are what virsh 9.0 (Debian 12's libvirt-clients, run on
# its test:///default driver) prints for the same situation: table
# widths, headers, dashes, empty lines, -q, domstats numbers and filters,
# blkdeviotune's keys, help, version; and the verbs a virsh user reaches
# for: --domain, domid/domname/domuuid, define --validate, undefine
# --remove-all-storage, edit, start --console, start --paused and destroy
# --graceful.
. "$(dirname "$0")/lib.sh"

# t_exact DESC EXPECTED CMD...: CMD succeeds and its stdout is EXPECTED
# (trailing empty lines included: the x keeps them).
t_exact() {
	local desc=$1 want=$2 out
	shift 2
	if out=$("$@" 2>/dev/null && echo x) && [ "${out%x}" = "$want" ]; then
		ok "$desc"
	else
		not_ok "$desc" "expected:" "$want" "got:" "${out%x}"
	fi
}

start_daemon
cat >"$tmp/alpha.xml" <<XML
<domain type='kvm'>
  <name>alpha</name>
  <title>The alpha box</title>
  <memory unit='MiB'>32</memory>
  <vcpu>1</vcpu>
  <os>
    <kernel>$GUEST_IDLE</kernel>
  </os>
  <devices>
    <serial type='pty'/>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='$tmp/alpha.img'/>
      <target dev='vda' bus='virtio'/>
      <iotune>
        <read_bytes_sec>1000</read_bytes_sec>
        <write_iops_sec>20</write_iops_sec>
      </iotune>
    </disk>
  </devices>
</domain>
XML
truncate -s 1M "$tmp/alpha.img"
domain_xml beta /nonexistent/vmlinuz >"$tmp/beta.xml"

# -q: no message, no header, no empty line (virsh -q).
t_exact "define -q prints nothing" "" "$NIDO" -q define "$tmp/alpha.xml"
t_exact "define prints virsh's line and an empty line" \
	"Domain 'beta' defined from $tmp/beta.xml

" "$NIDO" define "$tmp/beta.xml"
"$NIDO" autostart beta >/dev/null

t_exact "list --all: virsh's table" \
	" Id   Name    State
------------------------
 -    alpha   shut off
 -    beta    shut off

" "$NIDO" list --all
t_exact "list --all --title: the title column" \
	" Id   Name    State      Title
----------------------------------------
 -    alpha   shut off   The alpha box
 -    beta    shut off   

" "$NIDO" list --all --title
t_exact "list -q: rows only, widths from the rows" \
	" -   alpha   shut off
 -   beta    shut off
" "$NIDO" -q list --all
t_exact "list --name --all" "alpha
beta

" "$NIDO" list --name --all
uuid=$("$NIDO" domuuid alpha)
t_exact "list --uuid --name --all: uuid, then name" "$uuid alpha
$("$NIDO" domuuid beta) beta

" "$NIDO" list --uuid --name --all
t_exact "list --id --all: only active domains have ids" "
" "$NIDO" list --id --all
t_err "list --table --name" "Options --table and --name are mutually exclusive" \
	"$NIDO" list --table --name
t_exact "list --autostart --all" " Id   Name   State
-----------------------
 -    beta   shut off

" "$NIDO" list --autostart --all
t_exact "list --no-autostart --inactive" " Id   Name    State
------------------------
 -    alpha   shut off

" "$NIDO" list --no-autostart --inactive
t "list --state-shutoff lists inactive domains" cmp <("$NIDO" list --all) <("$NIDO" list --state-shutoff)
t_exact "list --transient --all: none" " Id   Name   State
--------------------

" "$NIDO" list --transient --all
t_exact "list --persistent --state-other --all: none" " Id   Name   State
--------------------

" "$NIDO" list --persistent --state-other --all

# domstats: libvirt's numbers, --state, filters, blank line between domains.
t_exact "domstats --state: shut off is 5, reason unknown 0" \
	"Domain: 'alpha'
  state.state=5
  state.reason=0

Domain: 'beta'
  state.state=5
  state.reason=0

" "$NIDO" domstats --state
t_exact "domstats --list-active: nothing" "
" "$NIDO" domstats --list-active
t_exact "domstats --raw --state --list-inactive beta" \
	"Domain: 'beta'
  state.state=5
  state.reason=0

" "$NIDO" domstats --raw --state --list-inactive beta
t_out "domstats --block: the block group only" \
	"$(printf "Domain: 'alpha'\n  block.count=1\n  block.0.name=vda")" \
	"$NIDO" domstats --block alpha
if "$NIDO" domstats --block alpha | grep -q state; then
	not_ok "domstats --block leaves the state out"
else
	ok "domstats --block leaves the state out"
fi

t_exact "blkdeviotune: virsh's twenty keys in its order" \
	"total_bytes_sec: 0
read_bytes_sec : 1000
write_bytes_sec: 0
total_iops_sec : 0
read_iops_sec  : 0
write_iops_sec : 20
total_bytes_sec_max: 0
read_bytes_sec_max: 0
write_bytes_sec_max: 0
total_iops_sec_max: 0
read_iops_sec_max: 0
write_iops_sec_max: 0
size_iops_sec  : 0
group_name     : 
total_bytes_sec_max_length: 0
read_bytes_sec_max_length: 0
write_bytes_sec_max_length: 0
total_iops_sec_max_length: 0
read_iops_sec_max_length: 0
write_iops_sec_max_length: 0

" "$NIDO" blkdeviotune alpha vda

# Help, option syntax and errors as virsh's.
t_out "help: grouped commands" "$(printf 'Grouped commands:\n\n Domain Management (help keyword '"'domain'"'):')" \
	"$NIDO" help
t_out "help lists domstats under monitoring" \
	"$(printf '    domstats                       get statistics about one or multiple domains')" \
	"$NIDO" help monitor
t_exact "help domid: NAME, SYNOPSIS, OPTIONS" "  NAME
    domid - convert a domain name or UUID to domain id

  SYNOPSIS
    domid <domain>

  OPTIONS
    [--domain] <string>  domain name, id or uuid


" "$NIDO" help domid
t "VERB --help is help VERB" cmp <("$NIDO" help destroy) <("$NIDO" destroy --help)
t_out "help start: its options" "    --console        attach to console after creation" \
	"$NIDO" help start
t_err "help of nothing" "error: command or command group 'nosuch' doesn't exist" \
	"$NIDO" help nosuch
t_err "an unknown option" "error: command 'list' doesn't support option --foo" \
	"$NIDO" list --foo
t_err "a missing domain" "error: command 'dominfo' requires <domain> option" \
	"$NIDO" dominfo
t_err "an extra argument" "error: unexpected data 'extra'" "$NIDO" domstate alpha extra
t_err "'=' after a flag" "error: invalid '=' after option --all" "$NIDO" list --all=1
t_out "--domain NAME" "Name:           alpha" "$NIDO" dominfo --domain alpha
t_out "--domain=NAME" "shut off" "$NIDO" domstate --domain=alpha
t_exact "domid of an inactive domain" "-

" "$NIDO" domid alpha
t_exact "domname by UUID" "alpha

" "$NIDO" domname "$uuid"
t_exact "version, shaped as virsh's" \
	"Compiled against library: nido $("$NIDO" --version | cut -d' ' -f2)
Using library: nido $("$NIDO" --version | cut -d' ' -f2)
Using API: nido $("$NIDO" --version | cut -d' ' -f2)
Running hypervisor: nido-vmm $("$NIDO" --version | cut -d' ' -f2)

" "$NIDO" version

# define --validate: what would be a warning is an error.
sed 's|<devices>|<devices><bogus/>|' "$tmp/beta.xml" | sed 's|>beta<|>gamma<|' >"$tmp/gamma.xml"
t_err "define --validate refuses an unknown element" \
	"error: failed to define domain from '$tmp/gamma.xml': XML document failed to validate against nido's domain schema: line 8: <devices>: unknown device <bogus>" \
	"$NIDO" define --validate "$tmp/gamma.xml"
t_err "nothing was defined" "failed to get domain 'gamma'" "$NIDO" dominfo gamma
t_out "define without --validate warns and defines" "warning: line 8: <devices>: unknown device <bogus> ignored" \
	"$NIDO" define "$tmp/gamma.xml"
"$NIDO" undefine gamma >/dev/null

# edit: $EDITOR, "not changed", validation, and virsh's question.
t_exact "edit, unchanged" "Domain 'alpha' XML configuration not changed.

" env EDITOR=true "$NIDO" edit alpha
t_exact "edit through \$VISUAL with arguments" "Domain 'beta' XML configuration edited.

" env EDITOR=false VISUAL="sed -i s/32768/65536/" "$NIDO" edit beta
t_out "the edit is defined" "<memory unit='KiB'>65536</memory>" "$NIDO" dumpxml beta
cat >"$tmp/editor" <<'SH'
#!/bin/sh
# 1st run: an unknown element and a change; later runs: the element goes
n=$(cat "$1.count" 2>/dev/null || echo 0)
echo $((n + 1)) >"$1.count"
if [ "$n" = 0 ]; then
	sed -i 's|<devices>|<devices><bogus/>|; s|65536|131072|' "$1"
else
	sed -i 's|<bogus/>||' "$1"
fi
SH
chmod +x "$tmp/editor"
t_err "a refused edit without a terminal fails" "error: Failed." \
	env EDITOR="$tmp/editor" "$NIDO" edit beta </dev/null
t_out "and changes nothing" "<memory unit='KiB'>65536</memory>" "$NIDO" dumpxml beta
if command -v script >/dev/null; then
	edit_tty() { # editor keys...
		local editor=$1
		shift
		(sleep 1; for k in "$@"; do printf '%s' "$k"; sleep 0.5; done; sleep 1) |
			EDITOR="$editor" TMPDIR="$tmp" timeout 30 script -qfec "$NIDO edit beta" /dev/null 2>&1
	}
	out=$(edit_tty "$tmp/editor" '?' y)
	if [[ $out == *"Failed. Try again? [y,n,i,f,?]: "* && $out == *"y - yes, start editor again"* &&
		$out == *"Domain 'beta' XML configuration edited."* ]]; then
		ok "a refused edit asks; ? explains, y edits again"
	else
		not_ok "a refused edit asks; ? explains, y edits again" "$out"
	fi
	t_out "the second edit is defined" "<memory unit='KiB'>131072</memory>" "$NIDO" dumpxml beta
	out=$(edit_tty "$tmp/editor" n)
	if [[ $out == *"Try again?"* && $out != *"edited"* ]] &&
		"$NIDO" dumpxml beta | grep -q 131072 && ! "$NIDO" dumpxml beta | grep -q bogus; then
		ok "n throws the edit away"
	else
		not_ok "n throws the edit away" "$out"
	fi
	sed 's|65536|131072|; s|131072|262144|2' "$tmp/editor" >"$tmp/editor2"
	chmod +x "$tmp/editor2"
	out=$(edit_tty "$tmp/editor2" i)
	if [[ $out == *"warning: line"*"<bogus> ignored"* && $out == *"XML configuration edited."* ]] &&
		"$NIDO" dumpxml beta | grep -q 262144; then
		ok "i defines without validation, with the warnings"
	else
		not_ok "i defines without validation, with the warnings" "$out"
	fi
else
	skip "a refused edit asks; ? explains, y edits again" "no script(1)"
fi

# undefine --remove-all-storage: the disks' files, not what is shared.
domain_xml store "$GUEST_IDLE" "
    <disk type='file'><source file='$tmp/own.img'/><target dev='vda'/></disk>
    <disk type='file'><source file='$tmp/ro.img'/><target dev='vdb'/><readonly/></disk>
    <disk type='file'><source file='$tmp/shared.img'/><target dev='vdc'/><shareable/></disk>
    <disk type='file'><source file='$tmp/alpha.img'/><target dev='vdd'/></disk>
    <disk type='file'><source file='$tmp/link.img'/><target dev='vde'/></disk>" >"$tmp/store.xml"
touch "$tmp/own.img" "$tmp/ro.img" "$tmp/shared.img" "$tmp/target.img"
ln -s "$tmp/target.img" "$tmp/link.img"
"$NIDO" define "$tmp/store.xml" >/dev/null 2>&1
t_exact "undefine --remove-all-storage says what it removed and kept" \
	"Domain 'store' has been undefined
Volume 'vda'($tmp/own.img) removed.
Volume 'vdb'($tmp/ro.img) not removed: it is read-only.
Volume 'vdc'($tmp/shared.img) not removed: it is shareable.
Volume 'vdd'($tmp/alpha.img) not removed: another domain uses it.
Volume 'vde'($tmp/link.img) not removed: it is not a regular file.

" "$NIDO" undefine --remove-all-storage store
t "its own image is gone" test ! -e "$tmp/own.img"
t "the others are there" test -e "$tmp/ro.img" -a -e "$tmp/shared.img" -a -e "$tmp/alpha.img" -a -e "$tmp/target.img" -a -L "$tmp/link.img"
t_err "a domain without its image file" "failed to get domain 'store'" "$NIDO" dominfo store

# Column widths count characters, not bytes (a UTF-8 title).
domain_xml uni /nonexistent/vmlinuz | sed 's|</name>|</name><title>ÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉ</title>|' >"$tmp/uni.xml"
"$NIDO" define "$tmp/uni.xml" >/dev/null
t_exact "a UTF-8 title is as wide as its characters" \
	" Id   Name    State      Title
------------------------------------------
 -    alpha   shut off   The alpha box
 -    beta    shut off   
 -    uni     shut off   ÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉ

" "$NIDO" list --all --title
"$NIDO" undefine uni >/dev/null

if ! kvm_usable; then
	skip "running domains" "/dev/kvm or nido-vmm not usable here"
	done_testing
	exit
fi

out=$(printf 'hello-77' | timeout 20 "$NIDO" start --console alpha 2>&1)
if [[ $out == *"Domain 'alpha' started"*"Connected to domain 'alpha'"*hello-77* ]]; then
	ok "start --console starts, then connects the console"
else
	not_ok "start --console starts, then connects the console" "$out"
fi
t_exact "domstats --state: running (booted) is 1 1" "Domain: 'alpha'
  state.state=1
  state.reason=1

" "$NIDO" domstats --state alpha
t_exact "domid of a running domain" "1

" "$NIDO" domid alpha
t_exact "domname by id" "alpha

" "$NIDO" domname 1
"$NIDO" suspend alpha >/dev/null
t_exact "paused (user) is 3 1; --list-paused" "Domain: 'alpha'
  state.state=3
  state.reason=1

" "$NIDO" domstats --state --list-paused
t_exact "list --state-paused" " Id   Name    State
----------------------
 1    alpha   paused

" "$NIDO" list --state-paused
t_exact "list --state-running: none" " Id   Name   State
--------------------

" "$NIDO" list --state-running
"$NIDO" resume alpha >/dev/null
t_exact "running (unpaused) is 1 5; --list-running --list-persistent" "Domain: 'alpha'
  state.state=1
  state.reason=5

" "$NIDO" domstats --state --list-running --list-persistent
t_err "undefine --remove-all-storage of a running domain" \
	"error: storage volume deletion is supported only on stopped domains" \
	"$NIDO" undefine --remove-all-storage alpha
t "its image is still there" test -e "$tmp/alpha.img"
t_out "and its definition" "Persistent:     yes" "$NIDO" dominfo alpha
"$NIDO" destroy alpha >/dev/null
t_exact "shut off (destroyed) is 5 2" "Domain: 'alpha'
  state.state=5
  state.reason=2

" "$NIDO" domstats --state alpha
sed 's|>alpha<|>tran<|; /<title>/d; /<uuid>/d; /<disk/,/<\/disk>/d' "$tmp/alpha.xml" >"$tmp/tran.xml"
"$NIDO" create "$tmp/tran.xml" >/dev/null
t_out "list --transient" " 2    tran   running" "$NIDO" list --transient
t_exact "domstats --list-transient --state" "Domain: 'tran'
  state.state=1
  state.reason=1

" "$NIDO" domstats --list-transient --state
"$NIDO" destroy tran >/dev/null
t_out "start --paused" "Domain 'alpha' started" "$NIDO" start --paused alpha
t_out "it is paused (user), as libvirt's" "paused (user)" \
	"$NIDO" domstate --reason alpha
t_exact "domstats: paused (user) is 3 1" "Domain: 'alpha'
  state.state=3
  state.reason=1

" "$NIDO" domstats --state alpha
t_out "resume runs it" "Domain 'alpha' resumed" "$NIDO" resume alpha
t_out "running (unpaused)" "running (unpaused)" "$NIDO" domstate --reason alpha
# A nido-vmm that cannot act on SIGTERM (stopped): a graceful destroy
# fails and leaves the domain running; a plain one kills it.
vmm_pid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pid"])' \
	"$NIDO_RUNTIME_DIR/domains/alpha.json")
kill -STOP "$vmm_pid"
t_err "destroy --graceful of a nido-vmm that ignores SIGTERM fails" \
	"failed to terminate nido-vmm (pid $vmm_pid) with SIGTERM" \
	"$NIDO" destroy --graceful alpha
t_out "and the domain runs on" "running" "$NIDO" domstate alpha
kill -CONT "$vmm_pid"
"$NIDO" destroy alpha >/dev/null
"$NIDO" start alpha >/dev/null
t_out "destroy --graceful" "Domain 'alpha' destroyed" \
	"$NIDO" destroy --graceful alpha
t_out "shut off (destroyed)" "shut off (destroyed)" \
	"$NIDO" domstate --reason alpha
t_out "create --paused" "Domain 'tran' created" \
	"$NIDO" create --paused "$tmp/tran.xml"
t_out "a transient domain paused (user)" "paused (user)" \
	"$NIDO" domstate --reason tran
"$NIDO" destroy tran >/dev/null
t_err "gone when destroyed" "failed to get domain 'tran'" "$NIDO" domstate tran
done_testing
