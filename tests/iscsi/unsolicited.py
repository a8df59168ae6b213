#!/usr/bin/env python3
# tests/iscsi/unsolicited.py HOST INITIATOR TARGET: InitialR2T=No against
# netrootd's target. A 16 KiB WRITE(10) with 1 KiB of immediate data, then
# unsolicited Data-Out (TTT ffffffff) up to FirstBurstLength (8 KiB), then
# the rest on the target's R2T; READ(10) gives the 16 KiB back. Prints:
#   negotiated: InitialR2T=No FirstBurstLength=8192
#   r2t: offset 8192 length 8192
#   write: status 0
#   read: same
import socket, struct, sys

HOST, INIT, TGT = sys.argv[1], sys.argv[2], sys.argv[3]

def pad(b):
    return b + b"\0" * (-len(b) % 4)

s = socket.create_connection((HOST, 3260), timeout=10)
def exact(n):
    b = b""
    while len(b) < n:
        x = s.recv(n - len(b))
        if not x:
            raise EOFError
        b += x
    return b
def recv():
    h = exact(48)
    n = int.from_bytes(h[5:8], "big")
    d = exact(n + (-n % 4))[:n] if n else b""
    return h, d

kv = ("InitiatorName=%s\0TargetName=%s\0SessionType=Normal\0AuthMethod=None\0InitialR2T=No\0"
      "ImmediateData=Yes\0FirstBurstLength=8192\0MaxBurstLength=65536\0" % (INIT, TGT)).encode()
bhs = bytearray(48)
bhs[0] = 0x43; bhs[1] = 0x87
bhs[5:8] = len(kv).to_bytes(3, "big")
bhs[8:14] = bytes([0x40, 0, 0, 0x0a, 0x0b, 0x0c])
struct.pack_into(">I", bhs, 24, 1)
s.sendall(bytes(bhs) + pad(kv))
h, d = recv()
keys = dict(p.split("=", 1) for p in d.decode().split("\0") if "=" in p)
print("negotiated: InitialR2T=%s FirstBurstLength=%s" % (keys.get("InitialR2T"), keys.get("FirstBurstLength")))

data = bytes((i * 13 + 7) & 0xFF for i in range(16384))
cdb = bytes([0x2A, 0]) + struct.pack(">I", 200) + bytes([0]) + struct.pack(">H", 32) + bytes([0])
cmd = bytearray(48)
cmd[0] = 0x01; cmd[1] = 0x20                    # W, no F: unsolicited Data-Out follows
cmd[5:8] = (1024).to_bytes(3, "big")
struct.pack_into(">IIII", cmd, 16, 0x100, 16384, 2, 1)
cmd[32:42] = cdb
s.sendall(bytes(cmd) + data[:1024])
# unsolicited: 1024..8192 in two Data-Out PDUs, the last with F
for i, (off, ln) in enumerate(((1024, 4096), (5120, 3072))):
    do = bytearray(48)
    do[0] = 0x05; do[1] = 0x80 if off + ln == 8192 else 0
    do[5:8] = ln.to_bytes(3, "big")
    struct.pack_into(">IIIII", do, 16, 0x100, 0xFFFFFFFF, 0, 0, 0)
    struct.pack_into(">II", do, 36, i, off)
    s.sendall(bytes(do) + data[off:off + ln])
h, d = recv()
if h[0] & 0x3F == 0x31:                         # R2T
    ttt, = struct.unpack(">I", h[20:24])
    r2tsn, off, ln = struct.unpack(">III", h[36:48])
    print("r2t: offset %d length %d" % (off, ln))
    do = bytearray(48)
    do[0] = 0x05; do[1] = 0x80
    do[5:8] = ln.to_bytes(3, "big")
    struct.pack_into(">IIIII", do, 16, 0x100, ttt, 0, 0, 0)
    struct.pack_into(">II", do, 36, 0, off)
    s.sendall(bytes(do) + data[off:off + ln])
    h, d = recv()
else:
    print("r2t: none (opcode %02x)" % (h[0] & 0x3F))
print("write: status %d" % h[3])
rd = bytearray(48)
rd[0] = 0x01; rd[1] = 0xC0
struct.pack_into(">IIII", rd, 16, 0x101, 16384, 3, 1)
rd[32:42] = bytes([0x28, 0]) + struct.pack(">I", 200) + bytes([0]) + struct.pack(">H", 32) + bytes([0])
s.sendall(bytes(rd))
got = b""
while True:
    h, d = recv()
    if h[0] & 0x3F != 0x25:
        break
    got += d
    if h[1] & 0x01:
        break
print("read: %s" % ("same" if got == data else "differs (%d bytes)" % len(got)))
