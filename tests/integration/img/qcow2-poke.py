#!/usr/bin/env python3
"""Writes bits of a qcow2 image by hand, for the check tests.

  qcow2-poke.py IMG copied l1|l2 INDEX set|clear   the COPIED flag of L1
                                                  entry INDEX, or of entry
                                                  INDEX of the first L2 table
  qcow2-poke.py IMG refcount CLUSTER VALUE        a 16-bit refcount
"""
import struct
import sys


def u(fmt, f, off):
    f.seek(off)
    return struct.unpack(fmt, f.read(struct.calcsize(fmt)))[0]


def main():
    path, what = sys.argv[1], sys.argv[2]
    with open(path, 'r+b') as f:
        cbits = u('>I', f, 20)
        if what == 'copied':
            l1_off = u('>Q', f, 40)
            idx = int(sys.argv[4])
            if sys.argv[3] == 'l1':
                pos = l1_off + 8 * idx
            else:
                pos = (u('>Q', f, 40 + 0) and
                       (u('>Q', f, l1_off) & 0x00fffffffffffe00)) + 8 * idx
            ent = u('>Q', f, pos)
            ent = ent | 1 << 63 if sys.argv[5] == 'set' else ent & ~(1 << 63)
            f.seek(pos)
            f.write(struct.pack('>Q', ent))
        elif what == 'refcount':
            if u('>I', f, 96) != 4:
                sys.exit('only 16-bit refcounts')
            cl, val = int(sys.argv[3]), int(sys.argv[4])
            per = (1 << cbits) // 2
            rt = u('>Q', f, 48)
            rb = u('>Q', f, rt + 8 * (cl // per))
            f.seek(rb + 2 * (cl % per))
            f.write(struct.pack('>H', val))
        else:
            sys.exit(__doc__)


main()
