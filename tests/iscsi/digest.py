#!/usr/bin/env python3
# tests/iscsi/digest.py HOST INITIATOR TARGET: CRC32C header and data
# digests against netrootd's target, with a CRC32C of its own (a table, not
# netrootd's code). Prints one "name: result" line per step:
#   negotiated: HeaderDigest and DataDigest both CRC32C
#   write: a WRITE(10) with immediate data, digests right -> GOOD
#   read: READ(10) of it -> Data-In whose header and data digests check
#   bad-data: a WRITE whose data digest is wrong -> Reject reason 02, closed
#   after-bad-data: that block was not written (read back on a new login)
#   bad-header: a PDU whose header digest is wrong -> closed, no answer
import socket, struct, sys

HOST, INIT, TGT = sys.argv[1], sys.argv[2], sys.argv[3]

T = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
    T.append(c)

def crc32c(b):
    c = 0xFFFFFFFF
    for x in b:
        c = T[(c ^ x) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF

def le(v):
    return struct.pack("<I", v)

def pad(b):
    return b + b"\0" * (-len(b) % 4)

class Conn:
    def __init__(self, isid):
        self.s = socket.create_connection((HOST, 3260), timeout=10)
        self.dig = False
        self.cmdsn = 1
        self.itt = 1
        kv = ("InitiatorName=%s\0TargetName=%s\0SessionType=Normal\0AuthMethod=None\0"
              "HeaderDigest=CRC32C,None\0DataDigest=CRC32C,None\0ImmediateData=Yes\0"
              "InitialR2T=Yes\0MaxRecvDataSegmentLength=262144\0" % (INIT, TGT)).encode()
        bhs = bytearray(48)
        bhs[0] = 0x43; bhs[1] = 0x87
        bhs[5:8] = len(kv).to_bytes(3, "big")
        bhs[8:14] = isid
        struct.pack_into(">I", bhs, 24, self.cmdsn)
        self.s.sendall(bytes(bhs) + pad(kv))
        h, data = self.recv()
        self.keys = dict(p.split("=", 1) for p in data.decode().split("\0") if "=" in p)
        self.status = (h[36], h[37])
        self.dig = True

    def recv(self):
        h = self.exact(48)
        if self.dig:
            d = self.exact(4)
            if d != le(crc32c(h)):
                raise ValueError("header digest of an answer is wrong")
        n = int.from_bytes(h[5:8], "big")
        data = self.exact(n + (-n % 4)) if n else b""
        if n and self.dig:
            d = self.exact(4)
            if d != le(crc32c(data)):
                raise ValueError("data digest of an answer is wrong")
        return h, data[:n]

    def exact(self, n):
        b = b""
        while len(b) < n:
            x = self.s.recv(n - len(b))
            if not x:
                raise EOFError
            b += x
        return b

    def cmd(self, cdb, data=b"", edtl=0, read=False, bad_data=False, bad_header=False):
        bhs = bytearray(48)
        bhs[0] = 0x01
        bhs[1] = 0x80 | (0x40 if read else 0) | (0x20 if data else 0)
        bhs[5:8] = len(data).to_bytes(3, "big")
        struct.pack_into(">IIII", bhs, 16, self.itt, edtl, self.cmdsn, 1)
        bhs[32:32 + len(cdb)] = cdb
        self.itt += 1
        self.cmdsn += 1
        hd = crc32c(bytes(bhs)) ^ (1 if bad_header else 0)
        pdu = bytes(bhs) + le(hd)
        if data:
            dd = crc32c(pad(data)) ^ (1 if bad_data else 0)
            pdu += pad(data) + le(dd)
        self.s.sendall(pdu)

def rw10(op, lba, n):
    return bytes([op, 0]) + struct.pack(">I", lba) + bytes([0]) + struct.pack(">H", n) + bytes([0])

block = bytes((i * 7 + 3) & 0xFF for i in range(512))

c = Conn(bytes([0x40, 0, 0, 0xd1, 0x91, 0x01]))
print("negotiated: %s/%s status %d/%d" % (c.keys.get("HeaderDigest"), c.keys.get("DataDigest"), *c.status))
c.cmd(rw10(0x2A, 100, 1), data=block, edtl=512)
h, _ = c.recv()
print("write: opcode %02x status %d" % (h[0] & 0x3F, h[3]))
c.cmd(rw10(0x28, 100, 1), edtl=512, read=True)
got = b""
while True:
    h, d = c.recv()
    if h[0] & 0x3F == 0x25:
        got += d
        if h[1] & 0x01:
            break
    else:
        break
print("read: %s" % ("same" if got == block else "differs (%d bytes)" % len(got)))
c.cmd(rw10(0x2A, 101, 1), data=block, edtl=512, bad_data=True)
try:
    h, d = c.recv()
    r = "opcode %02x reason %02x" % (h[0] & 0x3F, h[2])
except (EOFError, ConnectionResetError):
    r = "no answer"
try:
    c.s.settimeout(5)
    closed = c.s.recv(1) == b""
except ConnectionResetError:
    closed = True
except socket.timeout:
    closed = False
print("bad-data: %s, closed %s" % (r, closed))
c = Conn(bytes([0x40, 0, 0, 0xd1, 0x91, 0x02]))
c.cmd(rw10(0x28, 101, 1), edtl=512, read=True)
h, d = c.recv()
print("after-bad-data: %s" % ("not written" if d != block else "WRITTEN"))
c.cmd(rw10(0x28, 100, 1), edtl=512, read=True, bad_header=True)
try:
    c.s.settimeout(5)
    x = c.s.recv(100)
    print("bad-header: %s" % ("closed, no answer" if x == b"" else "answered"))
except ConnectionResetError:
    print("bad-header: closed, no answer")
except socket.timeout:
    print("bad-header: still open after 5 s")
