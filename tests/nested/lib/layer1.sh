#!/bin/bash
# Runs in layer 1 (chrooted into the overlay of the host's root, as
# PID 1's child): reads the job the host wrote, gives the scenario its
# helpers and runs it. Usage: layer1.sh RESULTS_DIR. Exits with the
# scenario's status (77: skipped).
set -uo pipefail
out=$1
# shellcheck source=/dev/null
. "$out/job.env"
export HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LANG=C.UTF-8 TERM=dumb
export NIDO_SRC_DIR NIDO_BUILD_DIR NIDO_GUEST_DIR NIDO_SCENARIO
export NIDO_RESULTS=$out
export NIDO_WORK=/tmp/nido-work
mkdir -p "$NIDO_WORK" /root

read -r up _ </proc/uptime
echo "$up" >"$out/layer1-up"
echo "nido-l1: layer 1 up after ${up} s (kernel uptime); running $NIDO_SCENARIO"

cd "$NIDO_WORK" || exit 1
# The scenario runs in its own bash, with the helpers loaded first.
bash -c '. "$1/tests/nested/lib/scenario.sh" && . "$2"' layer1 \
	"$NIDO_SRC_DIR" "$NIDO_SCENARIO"
status=$?
read -r end _ </proc/uptime
echo "$end" >"$out/layer1-end"
exit $status
