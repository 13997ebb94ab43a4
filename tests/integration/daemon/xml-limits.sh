#!/usr/bin/env bash
# Hostile definitions: entity amplification (a DOCTYPE is refused, in
# element and attribute variants, at once, while the daemon keeps serving
# and stays small); the size limit checked on what is stored, so that
# every definition accepted is reloaded by a restarted daemon; apostrophes
# that no longer grow sixfold; the temporary files of a killed define
# removed when the next daemon starts.
. "$(dirname "$0")/lib.sh"

# Nested entities, LEVELS deep, each ten of the one below: 10^LEVELS
# copies of 11 bytes from under 1 KB of XML (8: 1.1 GB).
levels=${NIDO_TEST_ENTITY_LEVELS:-8}
# laughs NAME USE: a domain whose USE (an element or attribute) holds &aN;
laughs() {
	local i decl="<!ENTITY a0 'lollollollol'>"
	for ((i = 1; i <= levels; i++)); do
		decl+="<!ENTITY a$i '$(printf "&a$((i - 1));%.0s" $(seq 10))'>"
	done
	printf "<?xml version='1.0'?>\n<!DOCTYPE domain [%s]>\n" "$decl"
	printf "<domain type='kvm'><name>%s</name><memory>32768</memory>" "$1"
	printf "<os><kernel>/k</kernel></os>%s</domain>\n" "$2"
}
use_elem="<description>&a$levels;</description>"
use_attr="<devices><disk type='file'><source file='&a$levels;'/><target dev='vda'/></disk></devices>"
laughs elem "$use_elem" >"$tmp/elem.xml"
laughs attr "$use_attr" >"$tmp/attr.xml"
# big NAME CHARS COUNT: a one-line domain with COUNT times CHARS in its
# description.
big() {
	printf "<domain type='kvm'><name>%s</name><memory>32768</memory>" "$1"
	printf "<os><kernel>/k</kernel></os><description>"
	head -c "$3" /dev/zero | tr '\0' "$2"
	printf "</description></domain>"
}

start_daemon
t_err "entities in an element: refused, naming the DOCTYPE" \
	"line 2: a document type declaration (<!DOCTYPE>) is not allowed: nido refuses DTDs and entities" \
	"$NIDO" define "$tmp/elem.xml"
t_err "entities in an attribute: refused too" \
	"a document type declaration (<!DOCTYPE>) is not allowed" \
	"$NIDO" define "$tmp/attr.xml"
printf "<!DOCTYPE domain SYSTEM '/etc/shadow'>\n" >"$tmp/ext.xml"
domain_xml ext /k >>"$tmp/ext.xml"
t_err "an external DTD: refused" "(<!DOCTYPE>) is not allowed" \
	"$NIDO" define "$tmp/ext.xml"

# Several clients send the attack at once; another one lists meanwhile.
pids=()
for i in 1 2 3 4; do
	"$NIDO" define "$tmp/attr.xml" >/dev/null 2>&1 &
	pids+=($!)
	"$NIDO" define "$tmp/elem.xml" >/dev/null 2>&1 &
	pids+=($!)
done
t_out "another client's list answers meanwhile" " Id   Name   State" \
	timeout 60 "$NIDO" list --all
for p in "${pids[@]}"; do wait "$p"; done
t "nothing was defined" test -z "$("$NIDO" list --all --name)"
hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$(daemon_pid)/status")
if [ "${hwm:-999999}" -lt 200000 ]; then
	ok "nidod's peak memory stayed small (${hwm} KiB)"
else
	not_ok "nidod's peak memory stayed small" "VmHWM ${hwm:-?} KiB"
fi
t "no definition file was written" sh -c "! ls -A '$NIDO_STATE_DIR/domains' | grep -v '^autostart$' | grep -q ."

# The size limit is checked on the form that is stored.
big gt '>' 300000 >"$tmp/gt.xml"
t_err "a definition over 1 MiB as stored is refused, saying so" \
	"the definition of domain 'gt' is 1200" "$NIDO" define "$tmp/gt.xml"
t_err "naming the limit" "bytes as stored, more than the limit of 1048576" \
	"$NIDO" define "$tmp/gt.xml"
big apos "'" 700000 >"$tmp/apos.xml"
t_out "700 KB of apostrophes define" "Domain 'apos' defined" \
	"$NIDO" define "$tmp/apos.xml"
size=$(stat -c %s "$NIDO_STATE_DIR/domains/apos.xml")
t "and are stored as they are (${size} bytes)" test "$size" -lt 710000
# A definition exactly at the limit as stored: measure the rest first.
big edge x 1 >"$tmp/edge.xml"
"$NIDO" define "$tmp/edge.xml" >/dev/null
n=$((1048576 - $(stat -c %s "$NIDO_STATE_DIR/domains/edge.xml") + 1))
big edge x "$n" >"$tmp/edge.xml"
t_out "a definition of exactly 1 MiB as stored defines" "Domain 'edge' defined" \
	"$NIDO" define "$tmp/edge.xml"
t "it is 1048576 bytes on disk" test "$(stat -c %s "$NIDO_STATE_DIR/domains/edge.xml")" -eq 1048576
big edge x "$((n + 1))" >"$tmp/edge1.xml"
t_err "one byte more is refused" "is 1048577 bytes as stored" \
	"$NIDO" define "$tmp/edge1.xml"

# What a killed define leaves: a temporary file next to the definitions.
stop_daemon KILL
printf '<domain' >"$NIDO_STATE_DIR/domains/.lost.xml.tmp-Xy12Ab"
printf 'mine' >"$NIDO_STATE_DIR/domains/.notes.tmp-keep"
start_daemon
t_out "after a restart, the definition at the limit is back" " -    edge   shut off" \
	"$NIDO" list --all
t_out "and the apostrophes" " -    apos   shut off" "$NIDO" list --all
xs=$("$NIDO" dumpxml edge | tr -cd x | wc -c)
t "the definition at the limit reloads whole ($xs x)" test "$xs" -ge "$n"
t "nothing was skipped" sh -c "! grep -q 'larger than' '$tmp/nidod.log'"
t "the temporary file of a killed define is removed" \
	test ! -e "$NIDO_STATE_DIR/domains/.lost.xml.tmp-Xy12Ab"
t "a file that is not one is kept" test -e "$NIDO_STATE_DIR/domains/.notes.tmp-keep"
t "the removal is logged" grep -q "removed 1 temporary file left in '$NIDO_STATE_DIR/domains'" \
	"$tmp/nidod.log"
done_testing
