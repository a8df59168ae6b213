#!/usr/bin/env python3
"""A scriptable TFTP client for tests/tftp: it behaves like the clients the
server must serve (the Raspberry Pi bootloaders' probe-and-abort and
tsize-then-re-request, lock-step at blksize 1024/1468, windows) and like the
hostile ones (duplicate ACKs, a packet from another port mid-transfer).

  tftpc.py SERVER NAME [options]      prints one line:
    ok bytes=N sha256=H data=N dupdata=N port=P      or
    error code=N msg=TEXT                            (exit 0 either way)
    fail WHY                                         (exit 1: a protocol error)

Options: --blksize N --tsize --window N --timeout S --mode M --out FILE
  --abort-after-oack   read the OACK, answer ERROR 0 "Early terminate" (the Pi's probe)
  --dup-acks           send every ACK twice; a server that resends on a
                       duplicate ACK (sorcerer's apprentice) shows as dupdata > 0
  --wrong-tid          after block 1, send an ACK from another port: it must
                       get ERROR 5 and the transfer must go on
  --stall              read the first packet and stop answering (the transfer
                       stays open on the server until its resends run out)
  --wrq                a write request instead (with --in: send that file,
                       lock-step; with --stall: send block 1, then nothing)
  --in FILE            the file to send with --wrq
  --raw HEX            send these bytes as the request instead of building one
  --wait S             give up after S seconds without a packet (default 5)
"""
import argparse
import hashlib
import socket
import struct
import sys


def print_error(pkt):
    """An ERROR packet as the result line."""
    code = struct.unpack("!H", pkt[2:4])[0]
    print("error code=%d msg=%s" % (code, pkt[4:].split(b"\0")[0].decode("latin-1")))


def oack_options(pkt):
    """An OACK's options: lower-case names to their (bytes) values."""
    opts = pkt[2:].split(b"\0")
    return dict(zip([x.decode().lower() for x in opts[0::2]], opts[1::2]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("server")
    ap.add_argument("name")
    ap.add_argument("--blksize", type=int)
    ap.add_argument("--tsize", action="store_true")
    ap.add_argument("--window", type=int)
    ap.add_argument("--timeout", type=int)
    ap.add_argument("--mode", default="octet")
    ap.add_argument("--out")
    ap.add_argument("--abort-after-oack", action="store_true")
    ap.add_argument("--dup-acks", action="store_true")
    ap.add_argument("--wrong-tid", action="store_true")
    ap.add_argument("--wrq", action="store_true")
    ap.add_argument("--stall", action="store_true")
    ap.add_argument("--raw")
    ap.add_argument("--in", dest="infile")
    ap.add_argument("--wait", type=float, default=5.0)
    a = ap.parse_args()

    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", 0))
    s.settimeout(a.wait)
    if a.raw is not None:
        req = bytes.fromhex(a.raw)
    else:
        req = struct.pack("!H", 2 if a.wrq else 1) + a.name.encode("latin-1") + b"\0" + a.mode.encode() + b"\0"
        for key, val in (("blksize", a.blksize), ("tsize", 0 if a.tsize else None),
                         ("windowsize", a.window), ("timeout", a.timeout)):
            if val is not None:
                req += key.encode() + b"\0" + str(val).encode() + b"\0"
    s.sendto(req, (a.server, 69))
    if a.wrq and a.raw is None:
        return put(s, a, req)
    blksize = 512
    window = 1
    expect = 1          # next block wanted (32-bit)
    got = bytearray()
    ndata = dupdata = 0
    peer = None
    seen = set()
    tid_done = False
    since_ack = 0
    while True:
        try:
            pkt, src = s.recvfrom(70000)
        except socket.timeout:
            print("fail no packet for %.1f s (got %d bytes)" % (a.wait, len(got)))
            return 1
        if peer is None:
            peer = src
            if a.stall:
                print("ok stalled port=%d" % peer[1])
                return 0
        elif src != peer:
            print("fail a packet from %s:%d mid-transfer (the server's TID is %s:%d)" % (src + peer))
            return 1
        op = struct.unpack("!H", pkt[:2])[0]
        if op == 5:
            print_error(pkt)
            return 0
        if op == 6:
            o = oack_options(pkt)
            if "blksize" in o:
                blksize = int(o["blksize"])
            if "windowsize" in o:
                window = int(o["windowsize"])
            if a.abort_after_oack:
                s.sendto(struct.pack("!HH", 5, 0) + b"Early terminate\0", peer)
                print("ok bytes=0 sha256=- data=0 dupdata=0 port=%d tsize=%s" %
                      (peer[1], o.get("tsize", b"-").decode()))
                return 0
            s.sendto(struct.pack("!HH", 4, 0), peer)
            continue
        if op != 3:
            print("fail opcode %d" % op)
            return 1
        blk = struct.unpack("!H", pkt[2:4])[0]
        data = pkt[4:]
        ndata += 1
        n = expect + ((blk - expect) & 0xffff)      # the 32-bit block it is
        if ((blk - expect) & 0xffff) > 0x8000:
            n = expect - ((expect - blk) & 0xffff)
        if n < expect:
            dupdata += 1
            continue
        if n != expect:
            continue        # a later block of a window whose start was lost: wait for the resend
        got += data
        expect += 1
        since_ack += 1
        last = len(data) < blksize
        if last or since_ack == window:
            ack = struct.pack("!HH", 4, blk)
            s.sendto(ack, peer)
            if a.dup_acks:
                s.sendto(ack, peer)
            since_ack = 0
        if a.wrong_tid and not tid_done:
            tid_done = True
            o = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            o.settimeout(a.wait)
            o.sendto(struct.pack("!HH", 4, blk), peer)
            try:
                e, _ = o.recvfrom(600)
            except socket.timeout:
                print("fail no ERROR 5 for a packet from another port")
                return 1
            if struct.unpack("!HH", e[:4]) != (5, 5):
                print("fail wrong answer to another port: %r" % e[:40])
                return 1
        if last:
            break
    # after the last ACK the server must not send more
    s.settimeout(0.3)
    try:
        while True:
            pkt, src = s.recvfrom(70000)
            if pkt[:2] == b"\0\3":
                dupdata += 1
    except socket.timeout:
        pass
    if a.out:
        with open(a.out, "wb") as f:
            f.write(got)
    print("ok bytes=%d sha256=%s data=%d dupdata=%d port=%d" %
          (len(got), hashlib.sha256(got).hexdigest(), ndata, dupdata, peer[1]))
    return 0


def put(s, a, req):
    """The write side: wait for ACK 0 or the OACK, then send DATA lock-step."""
    data = open(a.infile, "rb").read() if a.infile else b""
    blksize = 512
    peer = None
    n = 0               # the last block sent (0: none)
    sent_last = False
    while True:
        try:
            pkt, src = s.recvfrom(70000)
        except socket.timeout:
            print("fail no answer for %.1f s after block %d" % (a.wait, n))
            return 1
        if peer is None:
            peer = src
        op = struct.unpack("!H", pkt[:2])[0]
        if op == 5:
            print_error(pkt)
            return 0
        if op == 6:
            o = oack_options(pkt)
            if "blksize" in o:
                blksize = int(o["blksize"])
        elif op == 4:
            blk = struct.unpack("!H", pkt[2:4])[0]
            if blk != (n & 0xffff):
                continue        # a duplicate ACK
            if sent_last:
                print("ok bytes=%d sha256=%s port=%d" % (len(data), hashlib.sha256(data).hexdigest(), peer[1]))
                return 0
        else:
            print("fail opcode %d" % op)
            return 1
        if a.stall and n == 1:
            print("ok stalled port=%d" % peer[1])
            return 0
        chunk = data[n * blksize:(n + 1) * blksize]
        n += 1
        sent_last = len(chunk) < blksize
        s.sendto(struct.pack("!HH", 3, n & 0xffff) + chunk, peer)


if __name__ == "__main__":
    sys.exit(main())
