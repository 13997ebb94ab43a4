#!/usr/bin/env bash
# What a virsh user reaches for first: 'man nido', 'man nidod' and
# 'man nido-vmm' as 'meson install' installs them (built from data/man
# and the programs' own help), and the bash completion it installs,
# driven as bash drives it (COMP_WORDS, COMP_CWORD, then COMPREPLY) for
# a verb, an option and a domain name from the daemon.
. "$(dirname "$0")/lib.sh"

dest=$tmp/dest
if ! out=$(meson install -C "$build" --no-rebuild --destdir "$dest" 2>&1); then
	not_ok "meson install" "$out"
	done_testing
	exit
fi
mandir=$(find "$dest" -type d -path '*/share/man' | head -n1)
t "meson install puts nido.1, nido-vmm.1 and nidod.8 in the man directory" \
	test -f "$mandir/man1/nido.1" -a -f "$mandir/man1/nido-vmm.1" -a -f "$mandir/man8/nidod.8"
for page in nido nidod nido-vmm; do
	if out=$(MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings -M "$mandir" "$page" 2>&1 >/dev/null) &&
		[ -z "$out" ]; then
		ok "man $page renders without a warning"
	else
		not_ok "man $page renders without a warning" "$out"
	fi
done
page=$(MANWIDTH=200 man -M "$mandir" nido 2>/dev/null)
missing=
for verb in $("$NIDO" help | awk '/^    [a-z]/ { print $1 }'); do
	grep -q "^ *$verb " <<<"$page" || missing="$missing $verb"
done
if [ -z "$missing" ] && [[ $page == *"[--domain] <string>"* ]]; then
	ok "man nido has every command of 'nido help', with its options"
else
	not_ok "man nido has every command of 'nido help', with its options" "missing:$missing"
fi
t_out "man nido: -q" "-q, --quiet" \
	env MANWIDTH=80 man -M "$mandir" nido
t_out "man nidod: its synopsis is nidod --help" \
	"$("$NIDOD" --help | head -n1)" env MANWIDTH=200 man -M "$mandir" nidod
t_out "man nido-vmm: its synopsis is nido-vmm --help" \
	"$("$NIDO_VMM" --help 2>&1 | head -n1)" env MANWIDTH=200 man -M "$mandir" nido-vmm

comp=$(find "$dest" -path '*/bash-completion/completions/nido' | head -n1)
t "meson install puts the bash completion in bash-completion/completions" test -f "$comp"

# complete WORDS...: the completions bash would offer for the last word.
complete_words() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_nido; printf "%s\n" "${COMPREPLY[@]}" | LC_ALL=C sort' sh "$comp" "$@"
}

start_daemon
for d in alpha alpine beta; do
	domain_xml "$d" /nonexistent/vmlinuz >"$tmp/$d.xml"
	"$NIDO" define "$tmp/$d.xml" >/dev/null
done
t_out "a verb prefix" "$(printf 'domblklist\ndomdisplay\ndomfsfreeze\ndomfsthaw\ndomid\ndomif-getlink\ndomif-setlink\ndomifaddr\ndomiflist\ndomifstat\ndominfo\ndomjobinfo\ndommemstat\ndomname\ndomstate\ndomstats\ndomuuid')" \
	complete_words "$NIDO" dom
t_out "an option prefix" "$(printf -- '--state-other\n--state-paused\n--state-running\n--state-shutoff')" \
	complete_words "$NIDO" list --st
t_out "another verb's options" "--remove-all-storage" complete_words "$NIDO" undefine --re
t_out "a domain name" "$(printf 'alpha\nalpine')" complete_words "$NIDO" start al
t_out "a domain after --domain, on the connection given" "beta" \
	complete_words "$NIDO" -c nido:///session dominfo --domain b
t_out "help completes verbs" "schedinfo" complete_words "$NIDO" help sch
t_out "event's options" "$(printf -- '--timeout\n--timestamp')" \
	complete_words "$NIDO" event --tim
t_out "event --event completes the event types" \
	"$(printf 'io-error\nio-error-reason')" complete_words "$NIDO" event --event io
t_out "event completes a domain name" "beta" complete_words "$NIDO" event b
done_testing
