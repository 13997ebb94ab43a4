#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes the seeds of fuzz_nbd.c into nbd-corpus/: byte 0 the open
(1: read-write), then what an NBD server says, honest or lying."""
import os
import struct
import sys

NBDMAGIC, IHAVEOPT = 0x4E42444D41474943, 0x49484156454F5054
REP_MAGIC, SIMPLE = 0x0003E889045565A9, 0x67446698
GO, EXPORT_NAME = 7, 1
ERR = 1 << 31


def greeting(flags=3):
    return struct.pack(">QQH", NBDMAGIC, IHAVEOPT, flags)


def rep(typ, data=b"", opt=GO):
    return struct.pack(">QIII", REP_MAGIC, opt, typ, len(data)) + data


def info_export(size=1 << 20, tflags=1 | 4 | 32 | 64):
    return rep(3, struct.pack(">HQH", 0, size, tflags))


def info_bs(mn=1, pref=4096, mx=32 << 20):
    return rep(3, struct.pack(">HIII", 3, mn, pref, mx))


def simple(cookie, err=0, data=b"", magic=SIMPLE):
    return struct.pack(">IIQ", magic, err, cookie) + data


def session(size=1 << 20, tflags=1 | 4 | 32 | 64, bs=info_bs()):
    return greeting() + bs + info_export(size, tflags) + rep(1)


def reads_writes():
    return (simple(1, data=b"\xab" * 4096) + simple(2) + simple(3)
            + simple(4) + simple(5))


SEEDS = {
    "ro-read": b"\0" + session() + simple(1, data=b"x" * 4096),
    "rw-all": b"\1" + session() + reads_writes(),
    "rw-no-zeroes-cmd": b"\1" + session(tflags=1 | 4) + simple(1, data=bytes(4096))
    + simple(2) + simple(3) + simple(4),
    "align-512": b"\1" + session(bs=info_bs(512, 4096, 65536)) + reads_writes(),
    "small-export": b"\1" + session(size=1024) + simple(1, data=bytes(1024))
    + simple(2) + simple(3) + simple(4) + simple(5),
    "export-name": b"\0" + greeting() + rep(ERR | 1)
    + struct.pack(">QH", 1 << 20, 1) + bytes(124) + simple(1, data=bytes(4096)),
    "export-name-nozeroes": b"\0" + greeting() + rep(ERR | 1)
    + struct.pack(">QH", 8192, 3) + simple(1, data=bytes(4096)),
    "unknown-export": b"\0" + greeting() + rep(ERR | 6, b"no such export"),
    "tls-required": b"\0" + greeting() + rep(ERR | 5, b"TLS"),
    "oldstyle": b"\0" + struct.pack(">QQQI", NBDMAGIC, 0x00420281861253, 1 << 20, 1) + bytes(124),
    "not-fixed": b"\0" + greeting(0),
    "bad-rep-magic": b"\0" + greeting() + b"\0" * 20,
    "huge-rep": b"\0" + greeting() + struct.pack(">QIII", REP_MAGIC, GO, 3, 0xFFFFFFFF),
    "wrong-option": b"\0" + greeting() + rep(1, opt=9),
    "ack-no-size": b"\0" + greeting() + rep(1),
    "bad-block-size": b"\0" + greeting() + info_bs(3, 4096, 1 << 20) + info_export() + rep(1),
    "size-unaligned": b"\0" + greeting() + info_bs(512) + info_export(1000) + rep(1),
    "no-has-flags": b"\0" + greeting() + info_export(tflags=0) + rep(1),
    "read-only-rw": b"\1" + greeting() + info_export(tflags=3) + rep(1),
    "size-2-63": b"\0" + greeting() + info_export(size=1 << 63) + rep(1),
    "wrong-cookie": b"\0" + session() + simple(7, data=bytes(4096)),
    "structured": b"\0" + session() + simple(1, magic=0x668E33EF),
    "read-error": b"\1" + session() + simple(1, err=5) + simple(2, err=28)
    + simple(3, err=1) + simple(4, err=95) + simple(5, err=999),
    "short-read": b"\0" + session() + simple(1, data=b"x" * 100),
}


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(sys.argv[0])), "nbd-corpus")
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    for name, text in {"uri-tcp": "nbd://host:10810/exp", "uri-unix":
                       "nbd+unix:///a%20b?socket=/tmp/s", "uri-v6":
                       "nbd+tcp://[::1]/"}.items():
        with open(os.path.join(out, name), "w") as f:
            f.write(text)


main()
