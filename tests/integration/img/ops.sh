#!/usr/bin/env bash
# nido img snapshot, commit, rebase, map, measure, compare: outcomes
# checked against qemu-img on the same files.
. "$(dirname "$0")/lib.sh"
have_qemu || { echo "1..0 # SKIP qemu-utils not installed"; exit 0; }

# snapshot
"$N" img create -q -f qcow2 s.qcow2 16M
"$IO" s.qcow2 'write -P 1 0 1M'
t "snapshot -c creates" bash -c "$N img snapshot -c one s.qcow2 && qcheck s.qcow2"
"$IO" s.qcow2 'write -P 2 512k 1M'
t "snapshot -c second" bash -c "$N img snapshot -c two s.qcow2 && qcheck s.qcow2"
t "snapshot -l lists both like qemu-img" diff <(qemu-img snapshot -l s.qcow2) <("$N" img snapshot -l s.qcow2)
t_rc "snapshot -c with a taken name fails" 1 "$N" img snapshot -c one s.qcow2
t_rc "snapshot -a of an unknown name fails" 1 "$N" img snapshot -a nope s.qcow2
t "snapshot -a one restores its content" bash -c "$N img snapshot -a one s.qcow2 && qcheck s.qcow2 && $IO -r s.qcow2 'read -P 1 0 1M' 'read -P 0 1M 1M'"
t "snapshot -a two by id restores its content" bash -c "$N img snapshot -a 2 s.qcow2 && qcheck s.qcow2 && $IO -r s.qcow2 'read -P 1 0 512k' 'read -P 2 512k 1M'"
t "snapshot -d one" bash -c "$N img snapshot -d one s.qcow2 && qcheck s.qcow2 && ! qemu-img snapshot -l s.qcow2 | grep -q ' one '"
t "snapshot -d two leaves no snapshot and no leak" bash -c "$N img snapshot -d two s.qcow2 && qcheck s.qcow2 && [ -z \"\$(qemu-img snapshot -l s.qcow2)\" ]"
t "the data survives deleting snapshots" "$IO" -r s.qcow2 'read -P 1 0 512k' 'read -P 2 512k 1M'

# commit
"$N" img create -q -f qcow2 cb.qcow2 8M
"$IO" cb.qcow2 'write -P 1 0 8M'
"$N" img create -q -f qcow2 -b cb.qcow2 -F qcow2 ct.qcow2
"$IO" ct.qcow2 'write -P 2 1M 1M' 'zero 4M 64k'
t "commit writes the child into its base" bash -c "$N img commit ct.qcow2 | grep -q 'Image committed.' && qcheck cb.qcow2 ct.qcow2 && $IO -r cb.qcow2 'read -P 1 0 1M' 'read -P 2 1M 1M' 'read -P 0 4M 64k' 'read -P 1 5M 3M'"
t "commit empties the child" bash -c "[ \"\$(qemu-img map --output=json ct.qcow2 | grep -c '\"depth\": 0')\" = 0 ] && $IO -r ct.qcow2 'read -P 2 1M 1M'"

# rebase
"$N" img create -q -f qcow2 old.qcow2 4M
"$IO" old.qcow2 'write -P 5 0 4M'
"$N" img create -q -f qcow2 new.qcow2 4M
"$IO" new.qcow2 'write -P 5 0 2M' 'write -P 6 2M 2M'
"$N" img create -q -f qcow2 -b old.qcow2 -F qcow2 kid.qcow2
"$IO" kid.qcow2 'write -P 7 0 64k'
t "rebase (safe) keeps the content" bash -c "$N img rebase -b new.qcow2 -F qcow2 kid.qcow2 && qcheck kid.qcow2 && qemu-img info kid.qcow2 | grep -q 'backing file: new.qcow2' && $IO -r kid.qcow2 'read -P 7 0 64k' 'read -P 5 64k 4000k'"
t "rebase (safe) copied only what differs" bash -c "[ \$(qemu-img map --output=json kid.qcow2 | grep '\"depth\": 0' | wc -l) -ge 1 ] && qemu-img map --output=json kid.qcow2 | grep -q '\"start\": 65536, \"length\": 2031616, \"depth\": 1'"
t "rebase -u only changes the name" bash -c "$N img rebase -u -b old.qcow2 -F qcow2 kid.qcow2 && qcheck kid.qcow2 && qemu-img info kid.qcow2 | grep -q 'backing file: old.qcow2'"
t "rebase -b '' flattens" bash -c "$N img rebase -b '' kid.qcow2 && qcheck kid.qcow2 && ! qemu-img info kid.qcow2 | grep -q 'backing file' && $IO -r kid.qcow2 'read -P 7 0 64k' 'read -P 5 64k 4000k'"

# map
qemu-img create -q -f qcow2 mb.qcow2 16M
qemu-io -c 'write -P 1 0 1M' -c 'write -P 1 5M 64k' mb.qcow2 >/dev/null
qemu-img create -q -f qcow2 -b mb.qcow2 -F qcow2 mt.qcow2
qemu-io -c 'write -P 2 512k 1M' -c 'write -z 8M 1M' -c 'discard 0 64k' mt.qcow2 >/dev/null
t "map --output=json equals qemu-img's" diff <(qemu-img map --output=json mt.qcow2) <("$N" img map --output=json mt.qcow2)
t "map (human) equals qemu-img's" diff <(qemu-img map mt.qcow2) <("$N" img map mt.qcow2)
qemu-img convert -c -O qcow2 mt.qcow2 mc.qcow2
t "map of compressed clusters equals qemu-img's" diff <(qemu-img map --output=json mc.qcow2) <("$N" img map --output=json mc.qcow2)
"$N" img create -q -f raw mr.raw 4M
"$IO" -f raw mr.raw 'write -P 3 1M 1M'
t "map of a raw file equals qemu-img's" diff <(qemu-img map -f raw --output=json mr.raw) <("$N" img map -f raw --output=json mr.raw)

# measure
t "measure --size equals qemu-img's" diff <(qemu-img measure -O qcow2 --size 10G) <("$N" img measure -O qcow2 --size 10G)
t "measure 512 B clusters equals qemu-img's" diff <(qemu-img measure -O qcow2 -o cluster_size=512 --size 100M) <("$N" img measure -O qcow2 -o cluster_size=512 --size 100M)
t "measure an image equals qemu-img's" diff <(qemu-img measure -O qcow2 mt.qcow2) <("$N" img measure -O qcow2 mt.qcow2)
t "measure --output=json equals qemu-img's" diff <(qemu-img measure --output=json -O qcow2 mt.qcow2) <("$N" img measure --output=json -O qcow2 mt.qcow2)
t "measure -O raw equals qemu-img's" diff <(qemu-img measure -O raw mt.qcow2) <("$N" img measure -O raw mt.qcow2)

# compare
"$N" img convert -O raw mt.qcow2 mt.raw
t_rc "compare identical images: 0" 0 "$N" img compare mt.qcow2 mt.raw
t "compare says so like qemu-img" diff <(qemu-img compare mt.qcow2 mt.raw) <("$N" img compare mt.qcow2 mt.raw)
"$IO" -f raw mt.raw 'write -P 9 3000000 1'
t_rc "compare different images: 1" 1 "$N" img compare mt.qcow2 mt.raw
t "compare names the offset like qemu-img" diff <(qemu-img compare mt.qcow2 mt.raw) <("$N" img compare mt.qcow2 mt.raw)
t_rc "compare with a missing image: 2" 2 "$N" img compare mt.qcow2 nothere.raw
"$N" img create -q -f raw big.raw 32M
"$N" img convert -O raw mt.qcow2 mt2.raw
"$IO" -f raw big.raw 'write -P 0 0 1M'
dd if=mt2.raw of=big.raw conv=notrunc status=none
t "compare of sizes that differ, zero tail: 0 like qemu-img" diff <(qemu-img compare mt2.raw big.raw; echo $?) <("$N" img compare mt2.raw big.raw; echo $?)

# bench
"$N" img create -q -f qcow2 bq.qcow2 64M
t "bench -w writes and passes check" bash -c "$N img bench -w -c 2000 -s 4k bq.qcow2 | grep -q 'Run completed' && qcheck bq.qcow2"
t "bench --random reads" bash -c "$N img bench --random -c 2000 -s 4k bq.qcow2 | grep -q 'Run completed'"
done_testing
