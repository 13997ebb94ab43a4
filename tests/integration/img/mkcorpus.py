#!/usr/bin/env python3
"""Writes the malformed-image corpus: small qcow2 files, each broken in
one way, derived from a valid image (argv[1]: 1 MiB, 512 B clusters,
some data) into the directory argv[2]."""
import os
import struct
import sys

src, out = sys.argv[1], sys.argv[2]
base = open(src, 'rb').read()
os.makedirs(out, exist_ok=True)


def u32(b, off):
    return struct.unpack_from('>I', b, off)[0]


def u64(b, off):
    return struct.unpack_from('>Q', b, off)[0]


def put(name, data):
    with open(os.path.join(out, name), 'wb') as f:
        f.write(data)


def patch(name, *edits, data=None):
    b = bytearray(base if data is None else data)
    for off, fmt, val in edits:
        struct.pack_into(fmt, b, off, val)
    put(name, bytes(b))


l1 = u64(base, 40)
rt = u64(base, 48)
rb = u64(base, rt)
l2 = u64(base, l1) & 0x00fffffffffffe00

put('truncated-header.qcow2', base[:50])
put('truncated-v3-header.qcow2', base[:90])
put('magic-only.qcow2', base[:4])
patch('bad-version.qcow2', (4, '>I', 7))
patch('cluster-bits-8.qcow2', (20, '>I', 8))
patch('cluster-bits-40.qcow2', (20, '>I', 40))
patch('l1-beyond-eof.qcow2', (40, '>Q', 1 << 40))
patch('l1-unaligned.qcow2', (40, '>Q', l1 + 8))
patch('l1-size-huge.qcow2', (36, '>I', 0xffffffff))
patch('l1-too-small.qcow2', (36, '>I', 0))
patch('size-absurd.qcow2', (24, '>Q', 1 << 63))
patch('size-max.qcow2', (24, '>Q', (1 << 64) - 1))
patch('overlap-l1-reftable.qcow2', (40, '>Q', rt))
patch('overlap-l1-header.qcow2', (40, '>Q', 0))
patch('reftable-beyond-eof.qcow2', (48, '>Q', 1 << 50))
patch('reftable-clusters-huge.qcow2', (56, '>I', 0xffffffff))
patch('reftable-entry-unaligned.qcow2', (rt, '>Q', rb + 3))
patch('reftable-entry-zero-cluster.qcow2', (rt, '>Q', 512))
patch('refblock-at-header.qcow2', (rt, '>Q', 0x200))
patch('unknown-incompat.qcow2', (72, '>Q', 1 << 40))
patch('external-data-file.qcow2', (72, '>Q', 1 << 2))
patch('extended-l2.qcow2', (72, '>Q', 1 << 4))
patch('encrypted.qcow2', (32, '>I', 1))
patch('dirty.qcow2', (72, '>Q', 1))
patch('corrupt-bit.qcow2', (72, '>Q', 2))
patch('bad-compression-type.qcow2', (72, '>Q', 8), (104, '>B', 9))
patch('header-length-huge.qcow2', (100, '>I', 0xfffffff0))
patch('header-length-small.qcow2', (100, '>I', 8))
patch('ext-overrun.qcow2', (112, '>I', 0x12345678), (116, '>I', 0xffffff))
patch('backing-name-huge.qcow2', (8, '>Q', 200), (16, '>I', 0xffffffff))
patch('backing-name-beyond-cluster.qcow2', (8, '>Q', 500), (16, '>I', 100))
patch('snapshots-huge-count.qcow2', (60, '>I', 0xffffffff), (64, '>Q', l2))
patch('snapshots-garbage.qcow2', (60, '>I', 3), (64, '>Q', rt))
patch('snapshots-unaligned.qcow2', (60, '>I', 1), (64, '>Q', 7))
patch('l2-beyond-eof.qcow2', (l1, '>Q', (1 << 63) | (1 << 45)))
patch('l2-entry-beyond-eof.qcow2', (l2, '>Q', (1 << 63) | (1 << 50)))
patch('l2-entry-unaligned.qcow2', (l2, '>Q', (1 << 63) | 0x10200 | 0x600))
patch('l2-entry-points-at-header.qcow2', (l2, '>Q', (1 << 63) | 0))
patch('l2-entry-points-at-l1.qcow2', (l2, '>Q', (1 << 63) | l1))
patch('compressed-garbage.qcow2', (l2, '>Q', (1 << 62) | (3 << 55) | rt))
patch('compressed-beyond-eof.qcow2', (l2, '>Q', (1 << 62) | (5 << 55) | (1 << 40)))
patch('l1-entry-reserved-bits.qcow2', (l1, '>Q', u64(base, l1) | 0x1ff))
patch('refcount-order-7.qcow2', (96, '>I', 7))
# refcount overflow: 1-bit refcounts, two guest clusters on one host
# cluster (references 2, a width of 1 cannot hold it)
b = bytearray(base)
struct.pack_into('>I', b, 96, 0)   # refcount_order 0
put('refcount-overflow.qcow2', bytes(b))
b = bytearray(base)
struct.pack_into('>Q', b, l2 + 8, u64(base, l2))  # two refs, refcount 1
put('double-reference.qcow2', bytes(b))
# backing chains that loop
for name, target in (('loop-self.qcow2', 'loop-self.qcow2'),
                     ('loop-a.qcow2', 'loop-b.qcow2'),
                     ('loop-b.qcow2', 'loop-a.qcow2')):
    b = bytearray(base)
    nb = target.encode()
    struct.pack_into('>Q', b, 8, 480)
    struct.pack_into('>I', b, 16, len(nb))
    b[480:480 + len(nb)] = nb
    put(name, bytes(b))
put('empty.qcow2', b'')
put('zeros.bin', bytes(4096))
