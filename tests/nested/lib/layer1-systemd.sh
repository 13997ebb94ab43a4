#!/bin/bash
# Layer 1 under systemd ("# nested-init: systemd"): the scenario's
# service (nido-layer1.service, written by initramfs/layer1-init) runs
# layer1.sh, then does what the initramfs's finish does under busybox:
# the status and dmesg into the results folder, and a forced reset
# (QEMU runs with -no-reboot, so it exits). Usage: layer1-systemd.sh OUT.
out=$1
status=0
bash "$(dirname "$0")/layer1.sh" "$out" </dev/null || status=$?
echo "$status" >"$out/status"
dmesg >"$out/dmesg.txt" 2>/dev/null
journalctl -b --no-pager >"$out/journal.txt" 2>/dev/null
echo "nido-l1: status $status"
sync
systemctl reboot --force --force
