#!/usr/bin/env python3
"""Hostile variants of a qcow2 image with persistent bitmaps.

  mkbitmaps.py GOOD.qcow2 OUTDIR

GOOD must be a qcow2 v3 image with two bitmaps (qemu-img bitmap --add),
the first with data clusters. Writes OUTDIR/bitmaps-NAME.qcow2, one per
variant: the bitmaps extension and directory with bad counts, sizes,
offsets, flags, names and tables (what the reader must refuse or report
without crashing), and GOOD itself as bitmaps-ok.qcow2.
"""
import os
import struct
import sys

EXT_BITMAPS = 0x23852875


def be(fmt, buf, off):
    return struct.unpack_from('>' + fmt, buf, off)[0]


def find_ext(img):
    """Offset of the bitmaps extension's data, and its length."""
    pos = be('I', img, 100)  # header_length
    while pos + 8 <= len(img):
        typ, ln = be('I', img, pos), be('I', img, pos + 4)
        if typ == 0:
            break
        if typ == EXT_BITMAPS:
            return pos + 8, ln
        pos += 8 + (ln + 7) // 8 * 8
    sys.exit('no bitmaps extension')


def entries(img, dir_off, count):
    """Offsets of the directory entries."""
    out, pos = [], dir_off
    for _ in range(count):
        out.append(pos)
        extra, nsize = be('I', img, pos + 20), be('H', img, pos + 18)
        pos += (24 + extra + nsize + 7) // 8 * 8
    return out


def main():
    good, outdir = sys.argv[1], sys.argv[2]
    img = bytearray(open(good, 'rb').read())
    cs = 1 << be('I', img, 20)
    ext, _ = find_ext(img)
    count, dsize, doff = be('I', img, ext), be('Q', img, ext + 8), be('Q', img, ext + 16)
    e0, e1 = entries(img, doff, count)
    t0 = be('Q', img, e0)
    variants = {
        'ok': [],
        'count-zero': [('I', ext, 0)],
        'count-huge': [('I', ext, 70000)],
        'count-more': [('I', ext, count + 1)],
        'count-fewer': [('I', ext, count - 1)],
        'reserved': [('I', ext + 4, 1)],
        'dir-size-zero': [('Q', ext + 8, 0)],
        'dir-size-huge': [('Q', ext + 8, 1 << 40)],
        'dir-size-short': [('Q', ext + 8, 30)],
        'dir-beyond-eof': [('Q', ext + 16, 1 << 40)],
        'dir-unaligned': [('Q', ext + 16, doff + 8)],
        'dir-at-zero': [('Q', ext + 16, 0)],
        'name-zero': [('H', e0 + 18, 0)],
        'name-huge': [('H', e0 + 18, 0xffff)],
        'extra-huge': [('I', e0 + 20, 0xffffffff)],
        'flags-reserved': [('I', e0 + 12, 0x80000002)],
        'type-2': [('B', e0 + 16, 2)],
        'granularity-8': [('B', e0 + 17, 8)],
        'granularity-40': [('B', e0 + 17, 40)],
        'table-beyond-eof': [('Q', e0, 1 << 40)],
        'table-unaligned': [('Q', e0, t0 + 8)],
        'table-at-zero': [('Q', e0, 0)],
        'table-size-wrong': [('I', e0 + 8, be('I', img, e0 + 8) + 1)],
        'table-size-huge': [('I', e0 + 8, 0xffffffff)],
        'same-names': [('raw', e1 + 24, img[e0 + 24:e0 + 24 + be('H', img, e0 + 18)]),
                       ('H', e1 + 18, be('H', img, e0 + 18))],
        'name-nul': [('B', e0 + 24, 0)],
        'table-entry-reserved': [('Q', t0, be('Q', img, t0) | 0x2)],
        'table-entry-beyond-eof': [('Q', t0, (1 << 40) & ~(cs - 1))],
        'table-entry-unaligned': [('Q', t0, (be('Q', img, t0) | 0x200) & ~1)],
        'ext-short': [('I', ext - 4, 8)],
        'autoclear-clear': [('Q', 88, be('Q', img, 88) & ~1)],
    }
    for name, edits in variants.items():
        v = bytearray(img)
        for fmt, off, val in edits:
            if fmt == 'raw':
                v[off:off + len(val)] = val
            else:
                struct.pack_into('>' + fmt, v, off, val)
        with open(os.path.join(outdir, f'bitmaps-{name}.qcow2'), 'wb') as f:
            f.write(v)


main()
