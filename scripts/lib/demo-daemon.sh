# shellcheck shell=bash
# What the main job's parts on a daemon of their own share: sourced with
# $build set and `demo_daemon KIND DOMAIN`, it makes a scratch directory
# ($work) for nidod's state and run time, the nido/show/die helpers, and
# a cleanup at exit that destroys DOMAIN, stops nidod and removes $work;
# then starts nidod (session mode) and waits for its socket.
nido() { "$build/src/cli/nido" "$@"; }
show() { echo "\$ nido $*"; nido "$@"; }
die() { echo "demo: error: $*" >&2; exit 1; }

demo_daemon() { # KIND DOMAIN
	work=$(mktemp -d "/tmp/nido-demo-$1.XXXXXX")
	chmod 755 "$work"
	export NIDO_STATE_DIR=$work/state NIDO_RUNTIME_DIR=$work/run
	demo_domain=$2
	nidod_pid=
	trap demo_cleanup EXIT
	"$build/src/daemon/nidod" --session --log-file "$work/nidod.log" &
	nidod_pid=$!
	for _ in $(seq 100); do
		[ -S "$NIDO_RUNTIME_DIR/nidod.sock" ] && break
		sleep 0.1
	done
	[ -S "$NIDO_RUNTIME_DIR/nidod.sock" ] || die "nidod did not start ($work/nidod.log)"
}

demo_cleanup() {
	nido destroy "$demo_domain" >/dev/null 2>&1 || true
	[ -z "$nidod_pid" ] || { kill "$nidod_pid" 2>/dev/null; wait "$nidod_pid" 2>/dev/null || true; }
	rm -rf "$work"
}
