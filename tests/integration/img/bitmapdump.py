#!/usr/bin/env python3
"""Prints each persistent bitmap of a qcow2 image: name, flags,
granularity and the offsets of its set bits' granules (the tests compare
what nido and QEMU record).

  bitmapdump.py IMG
"""
import struct
import sys


def be(fmt, buf, off):
    return struct.unpack_from('>' + fmt, buf, off)[0]


def main():
    img = open(sys.argv[1], 'rb').read()
    cs, size = 1 << be('I', img, 20), be('Q', img, 24)
    pos = be('I', img, 100)
    while pos + 8 <= cs:
        typ, ln = be('I', img, pos), be('I', img, pos + 4)
        if typ == 0:
            return
        if typ == 0x23852875:
            break
        pos += 8 + (ln + 7) // 8 * 8
    else:
        return
    count, doff = be('I', img, pos + 8), be('Q', img, pos + 24)
    for _ in range(count):
        toff, tsize, flags = be('Q', img, doff), be('I', img, doff + 8), be('I', img, doff + 12)
        gbits, nsize, extra = img[doff + 17], be('H', img, doff + 18), be('I', img, doff + 20)
        name = img[doff + 24 + extra:doff + 24 + extra + nsize].decode()
        bits = bytearray()
        for i in range(tsize):
            ent = be('Q', img, toff + 8 * i)
            off = ent & 0x00fffffffffffe00
            if off:
                bits += img[off:off + cs]
            else:
                bits += (b'\xff' if ent & 1 else b'\0') * cs
        granules = (size + (1 << gbits) - 1) >> gbits
        set_ = [i << gbits for i in range(granules) if bits[i // 8] >> (i % 8) & 1]
        print(name, 'flags=%d' % flags, 'granularity=%d' % (1 << gbits), set_)
        doff += (24 + extra + nsize + 7) // 8 * 8


main()
