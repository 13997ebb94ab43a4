#!/usr/bin/env python3
# spice-link.py HOST PORT | spice-link.py PATH: a SPICE client's link
# message for the main channel, and the server's answer as
# "MAGIC MAJOR error CODE" (SPICE's link protocol).
import socket
import struct
import sys

if len(sys.argv) == 2:
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(20)
    s.connect(sys.argv[1])
else:
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=20)
mess = struct.pack("<IBBIII", 0, 1, 0, 0, 0, 18)
s.sendall(struct.pack("<4sIII", b"REDQ", 2, 2, len(mess)) + mess)
d = b""
while len(d) < 20:
    b = s.recv(20 - len(d))
    if not b:
        break
    d += b
magic, major, minor, size, err = struct.unpack("<4sIIII", d)
print("%s %d error %d" % (magic.decode("latin-1"), major, err))
