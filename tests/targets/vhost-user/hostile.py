#!/usr/bin/env python3
"""Hostile vhost-user front-end for mosaic-vhost-user.

Starts the back-end (rng, then blk on a scratch file), and over its UNIX socket:
  * sends malformed or invalid messages, one connection each, and requires that the back-end
    rejects each one with a line on stderr naming the reason and closes the connection;
  * between and after them performs good handshakes and drives a real split virtqueue from
    Python (descriptor table, available ring, used ring in a memfd shared with the back-end),
    so the back-end is shown to keep running and to serve correct data afterwards;
  * checks virtio-blk request validation (sector range, alignment, unknown type, GET_ID) and a
    driver that breaks the ring rules (head index out of range: queue broken, error eventfd
    signalled, connection kept).
Expected values are worked out from the specs in the comments, not read back from the back-end.
Usage: hostile.py PATH-TO-mosaic-vhost-user
"""
import mmap
import os
import select
import socket
import struct
import subprocess
import sys
import tempfile
import time

# vhost-user requests (QEMU docs/interop/vhost-user.rst).
GET_FEATURES, SET_FEATURES, SET_OWNER = 1, 2, 3
SET_MEM_TABLE, SET_VRING_NUM, SET_VRING_ADDR, SET_VRING_BASE, GET_VRING_BASE = 5, 8, 9, 10, 11
SET_VRING_KICK, SET_VRING_CALL, SET_VRING_ERR = 12, 13, 14
GET_PROTOCOL_FEATURES, SET_PROTOCOL_FEATURES, GET_QUEUE_NUM, SET_VRING_ENABLE = 15, 16, 17, 18
GET_CONFIG, SET_CONFIG = 24, 25
VERSION, REPLY, NEED_REPLY = 0x1, 0x4, 0x8
F_INDIRECT, F_EVENT_IDX, F_PROTOCOL, F_VERSION_1, F_PACKED = 1 << 28, 1 << 29, 1 << 30, 1 << 32, 1 << 34
P_MQ, P_REPLY_ACK, P_CONFIG = 1 << 0, 1 << 3, 1 << 9
# Offered features worked out from the device definitions: transport bits INDIRECT_DESC (28),
# EVENT_IDX (29), VERSION_1 (32), RING_PACKED (34) plus PROTOCOL_FEATURES (30); blk adds
# SEG_MAX (2), FLUSH (9), CONFIG_WCE (11) (virtio 1.2 5.2.3).
RNG_FEATURES = F_INDIRECT | F_EVENT_IDX | F_PROTOCOL | F_VERSION_1 | F_PACKED  # 0x570000000
BLK_FEATURES = RNG_FEATURES | (1 << 2) | (1 << 9) | (1 << 11)  # 0x570000a04
assert RNG_FEATURES == 0x570000000 and BLK_FEATURES == 0x570000A04

MEM_SIZE = 1 << 20
GPA = 0x100000           # guest-physical base of the one region
UVA = 0x7F0000000000     # front-end "user address" of the same region
QSIZE = 8
DESC, AVAIL, USED, BUFS = GPA, GPA + 0x80, GPA + 0xC0, GPA + 0x1000  # split layout (2.7.1)

failures = []
checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print("  FAIL: " + what)


class Backend:
    def __init__(self, binary, args, workdir, name):
        self.sock = os.path.join(workdir, name + ".sock")
        self.log = os.path.join(workdir, name + ".log")
        self.logf = open(self.log, "w")
        self.proc = subprocess.Popen([binary, "--socket", self.sock] + args, stderr=self.logf)
        for _ in range(200):
            if os.path.exists(self.sock):
                break
            time.sleep(0.02)

    def log_lines(self):
        with open(self.log) as f:
            return f.read().splitlines()

    def stop(self):
        self.proc.terminate()
        rc = self.proc.wait(timeout=10)
        self.logf.close()
        return rc


class Conn:
    def __init__(self, backend):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(5)
        self.s.connect(backend.sock)

    def send(self, req, payload=b"", flags=VERSION, fds=(), size=None):
        hdr = struct.pack("<III", req, flags, len(payload) if size is None else size)
        data = hdr + payload
        if fds:
            socket.send_fds(self.s, [data], list(fds))
        else:
            self.s.sendall(data)

    def recv_reply(self, req):
        hdr = self._recv(12)
        r, flags, size = struct.unpack("<III", hdr)
        assert r == req and flags == VERSION | REPLY, (r, flags)
        return self._recv(size)

    def _recv(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.s.recv(n - len(buf))
            if not chunk:
                raise EOFError
            buf += chunk
        return buf

    def u64(self, req, value, flags=VERSION, fds=()):
        self.send(req, struct.pack("<Q", value), flags, fds)

    def state(self, req, index, num, flags=VERSION):
        self.send(req, struct.pack("<II", index, num), flags)

    def get_u64(self, req):
        self.send(req)
        return struct.unpack("<Q", self.recv_reply(req))[0]

    def closed_by_peer(self):
        """True if the back-end closed the connection (EOF; ignore a failed REPLY_ACK)."""
        try:
            while True:
                if not self.s.recv(4096):
                    return True
        except (socket.timeout, ConnectionResetError):
            return False

    def close(self):
        self.s.close()


class Guest:
    """One memfd region, shared with the back-end, holding a split ring of QSIZE entries."""

    def __init__(self):
        self.fd = os.memfd_create("guest-ram")
        os.ftruncate(self.fd, MEM_SIZE)
        self.mem = mmap.mmap(self.fd, MEM_SIZE)
        self.avail_idx = 0
        self.last_used = 0
        self.kick = os.eventfd(0, os.EFD_NONBLOCK)
        self.call = os.eventfd(0, os.EFD_NONBLOCK)
        self.err = os.eventfd(0, os.EFD_NONBLOCK)

    def off(self, gpa):
        return gpa - GPA

    def w(self, gpa, fmt, *v):
        struct.pack_into(fmt, self.mem, self.off(gpa), *v)

    def r(self, gpa, fmt):
        return struct.unpack_from(fmt, self.mem, self.off(gpa))

    def region(self, gpa=GPA, size=MEM_SIZE, uva=UVA, offset=0):
        return struct.pack("<QQQQ", gpa, size, uva, offset)

    def submit(self, pieces, head=0, kick=True):
        """pieces: [(gpa, len, writable)], chained from descriptor `head` on."""
        for i, (addr, length, writable) in enumerate(pieces):
            nxt = i + 1 < len(pieces)
            flags = (1 if nxt else 0) | (2 if writable else 0)  # NEXT 1, WRITE 2 (2.7.5)
            self.w(DESC + 16 * (head + i), "<QIHH", addr, length, flags, head + i + 1 if nxt else 0)
        self.w(AVAIL + 4 + 2 * (self.avail_idx % QSIZE), "<H", head)
        self.avail_idx = (self.avail_idx + 1) & 0xFFFF
        self.w(AVAIL + 2, "<H", self.avail_idx)  # x86 TSO: stores are seen in order
        if kick:
            os.eventfd_write(self.kick, 1)

    def wait_used(self):
        ready, _, _ = select.select([self.call], [], [], 5)
        if not ready:
            return None
        os.eventfd_read(self.call)
        (used_idx,) = self.r(USED + 2, "<H")
        if used_idx == self.last_used:
            return None
        uid, ulen = self.r(USED + 4 + 8 * (self.last_used % QSIZE), "<II")
        self.last_used = (self.last_used + 1) & 0xFFFF
        return uid, ulen


def handshake(c, g, features, protocol):
    """A good QEMU-like start-up of queue 0; returns nothing, asserts replies."""
    check(c.get_u64(GET_FEATURES) & features == features, "GET_FEATURES offers the bits we ack")
    c.u64(SET_FEATURES, features)
    c.get_u64(GET_PROTOCOL_FEATURES)
    c.u64(SET_PROTOCOL_FEATURES, protocol)
    c.send(SET_OWNER, flags=VERSION | NEED_REPLY)
    check(c.recv_reply(SET_OWNER) == struct.pack("<Q", 0), "REPLY_ACK 0 for SET_OWNER")
    c.send(SET_MEM_TABLE, struct.pack("<II", 1, 0) + g.region(), VERSION | NEED_REPLY, [g.fd])
    check(c.recv_reply(SET_MEM_TABLE) == struct.pack("<Q", 0), "REPLY_ACK 0 for SET_MEM_TABLE")
    c.state(SET_VRING_NUM, 0, QSIZE)
    c.state(SET_VRING_BASE, 0, 0)
    c.send(SET_VRING_ADDR, struct.pack("<IIQQQQ", 0, 0, UVA + (DESC - GPA), UVA + (USED - GPA),
                                       UVA + (AVAIL - GPA), 0))
    c.u64(SET_VRING_CALL, 0, fds=[g.call])
    c.u64(SET_VRING_ERR, 0, fds=[g.err])
    c.u64(SET_VRING_KICK, 0, fds=[g.kick])
    c.state(SET_VRING_ENABLE, 0, 1)


def good_rng_session(be, label):
    """Handshake, then two real rng requests through the split ring and GET_VRING_BASE."""
    g = Guest()
    c = Conn(be)
    handshake(c, g, F_VERSION_1 | F_PROTOCOL, P_REPLY_ACK)
    # Ring states: the ring starts upon the first kick, not before. A buffer made available
    # without a kick must stay untouched (used idx 0) until the kick.
    g.submit([(BUFS, 64, True)], head=0, kick=False)
    time.sleep(0.2)
    check(g.r(USED + 2, "<H") == (0,), f"{label}: nothing served before the first kick")
    for n in range(2):
        if n == 0:
            os.eventfd_write(g.kick, 1)
        else:
            g.submit([(BUFS + 64 * n, 64, True)], head=n)
        used = g.wait_used()
        # 5.4: the device fills the writable buffer; used.len = 64, id = head.
        check(used == (n, 64), f"{label}: rng request {n} used element {used} == ({n}, 64)")
        data = bytes(g.mem[g.off(BUFS + 64 * n):g.off(BUFS + 64 * n) + 64])
        check(data != bytes(64), f"{label}: rng request {n} buffer filled")
    c.state(GET_VRING_BASE, 0, 0)
    # Two buffers consumed from base 0: next avail index 2.
    check(c.recv_reply(GET_VRING_BASE) == struct.pack("<II", 0, 2), f"{label}: GET_VRING_BASE = 2")
    c.close()


def expect_reject(be, label, reason, action, features=F_VERSION_1 | F_PROTOCOL, protocol=P_REPLY_ACK,
                  preamble=False, ack_failure=False):
    """Run `action(conn, guest)` on a fresh connection; require EOF and a new 'rejected' line
    containing `reason` on the back-end's stderr."""
    before = len(be.log_lines())
    g = Guest()
    c = Conn(be)
    if preamble:
        handshake(c, g, features, protocol)
    action(c, g)
    if ack_failure:
        hdr = c._recv(12)
        r, flags, size = struct.unpack("<III", hdr)
        ack = struct.unpack("<Q", c._recv(size))[0]
        check(flags == VERSION | REPLY and ack != 0, f"{label}: failed REPLY_ACK (got {ack})")
    closed = c.closed_by_peer()
    c.close()
    new = [l for l in be.log_lines()[before:] if "rejected" in l]
    ok = closed and len(new) == 1 and reason in new[0]
    check(ok, f"{label}: closed={closed} log={new}")
    if ok:
        print(f"  rejected as expected: {label}: {new[0].split('): ', 1)[1]}")


def rng_cases(be):
    mt = lambda *regions: struct.pack("<II", len(regions), 0) + b"".join(regions)
    cases = [
        ("version 2 header", "header flags", lambda c, g: c.send(GET_FEATURES, flags=0x2)),
        ("reply flag from front-end", "header flags", lambda c, g: c.send(GET_FEATURES, flags=VERSION | REPLY)),
        ("payload size 100000", "payload of 100000 bytes", lambda c, g: c.send(SET_OWNER, size=100000)),
        ("unknown request 99", "not supported", lambda c, g: c.send(99)),
        ("SET_FEATURES with 4 bytes", "payload of 4 bytes, expected 8",
         lambda c, g: c.send(SET_FEATURES, b"\0\0\0\0")),
        ("GET_FEATURES with a payload", "expected 0", lambda c, g: c.send(GET_FEATURES, b"\0" * 8)),
        ("SET_OWNER carrying a descriptor", "1 file descriptors, expected 0",
         lambda c, g: c.send(SET_OWNER, fds=[g.kick])),
        ("SET_FEATURES bit 1 not offered", "were not offered", lambda c, g: c.u64(SET_FEATURES, F_VERSION_1 | 2)),
        ("RING_PACKED without VERSION_1", "without VERSION_1", lambda c, g: c.u64(SET_FEATURES, F_PACKED)),
        ("SET_PROTOCOL_FEATURES MQ not offered", "were not offered",
         lambda c, g: c.u64(SET_PROTOCOL_FEATURES, P_MQ)),
        ("SET_VRING_ENABLE without protocol features", "without VHOST_USER_F_PROTOCOL_FEATURES",
         lambda c, g: (c.u64(SET_FEATURES, F_VERSION_1), c.state(SET_VRING_ENABLE, 0, 1))),
        ("GET_CONFIG without CONFIG (rng)", "without the CONFIG protocol feature",
         lambda c, g: c.send(GET_CONFIG, struct.pack("<III", 0, 8, 0) + bytes(8))),
        ("GET_CONFIG size field disagrees with payload", "expected 20",
         lambda c, g: c.send(GET_CONFIG, struct.pack("<III", 0, 8, 0))),
        ("truncated message", "in the middle of a message",
         lambda c, g: (c.send(SET_FEATURES, b"\0\0\0\0", size=8), c.s.shutdown(socket.SHUT_WR))),
        ("memory table with 0 regions", "0 regions", lambda c, g: c.send(SET_MEM_TABLE, mt())),
        ("memory table with 9 regions", "9 regions",
         lambda c, g: c.send(SET_MEM_TABLE, struct.pack("<II", 9, 0) + g.region() * 8, fds=[g.fd] * 8)),
        ("memory table region larger than its file", "beyond the file",
         lambda c, g: c.send(SET_MEM_TABLE, mt(g.region(size=2 * MEM_SIZE)), fds=[g.fd])),
        ("memory table offset past the file end", "beyond the file",
         lambda c, g: c.send(SET_MEM_TABLE, mt(g.region(size=MEM_SIZE // 2, offset=MEM_SIZE)), fds=[g.fd])),
        ("memory table region wrapping 2^64", "wraps around",
         lambda c, g: c.send(SET_MEM_TABLE, mt(g.region(gpa=2**64 - 4096)), fds=[g.fd])),
        ("memory table region of size 0", "empty", lambda c, g: c.send(SET_MEM_TABLE, mt(g.region(size=0)), fds=[g.fd])),
        ("memory table 2 regions, 1 descriptor", "1 file descriptors, expected 2",
         lambda c, g: c.send(SET_MEM_TABLE, mt(g.region(size=4096), g.region(gpa=0, size=4096, uva=1 << 40)), fds=[g.fd])),
        ("memory table overlapping regions", "overlap",
         lambda c, g: c.send(SET_MEM_TABLE, mt(g.region(size=8192), g.region(gpa=GPA + 4096, size=4096, uva=1 << 40)),
                             fds=[g.fd, g.fd])),
        ("memory table descriptor not a file", "beyond the file",
         lambda c, g: c.send(SET_MEM_TABLE, mt(g.region()), fds=[g.kick])),
        ("split ring size 100", "not a power of 2", lambda c, g: c.state(SET_VRING_NUM, 0, 100)),
        ("ring size 0", "size 0", lambda c, g: c.state(SET_VRING_NUM, 0, 0)),
        ("ring size 65536", "size 65536", lambda c, g: c.state(SET_VRING_NUM, 0, 65536)),
        ("queue index 1 of a 1-queue device", "queue index 1", lambda c, g: c.state(SET_VRING_NUM, 1, 8)),
        ("kick with reserved bits", "reserved bits", lambda c, g: c.u64(SET_VRING_KICK, 0x1000, fds=[g.kick])),
        ("kick without descriptor and without the no-fd bit", "0 file descriptors, expected 1",
         lambda c, g: c.u64(SET_VRING_KICK, 0)),
        ("kick in polling mode", "polling mode", lambda c, g: c.u64(SET_VRING_KICK, 0x100)),
        ("kick before the ring is configured", "not configured",
         lambda c, g: c.u64(SET_VRING_KICK, 0, fds=[g.kick])),
        ("ring address before any memory table", "no memory table",
         lambda c, g: (c.state(SET_VRING_NUM, 0, 8), c.send(SET_VRING_ADDR, struct.pack("<IIQQQQ", 0, 0, UVA, UVA, UVA, 0)))),
    ]
    for label, reason, action in cases:
        expect_reject(be, label, reason, action)

    def ring_addr(desc, used, avail, flags=0):
        return lambda c, g: c.send(SET_VRING_ADDR, struct.pack("<IIQQQQ", 0, flags, desc, used, avail, 0),
                                   VERSION | NEED_REPLY)

    u = lambda gpa: UVA + (gpa - GPA)
    # After a valid handshake (memory table mapped, ring running): the ring is stopped first
    # with GET_VRING_BASE, then re-addressed with bad addresses. NEED_REPLY is set, so the
    # back-end must answer with a failed REPLY_ACK before closing.
    bad_addrs = [
        ("descriptor table outside guest memory", "descriptor area", ring_addr(UVA + 2 * MEM_SIZE, u(USED), u(AVAIL))),
        ("used ring straddling the region end", "device area", ring_addr(u(DESC), UVA + MEM_SIZE - 8, u(AVAIL))),
        ("avail ring below the region", "driver area", ring_addr(u(DESC), u(USED), UVA - 64)),
        ("misaligned descriptor table", "rings rejected", ring_addr(u(DESC) + 8, u(USED), u(AVAIL))),
        ("logging flag without LOG_ALL", "logging", ring_addr(u(DESC), u(USED), u(AVAIL), flags=1)),
    ]
    for label, reason, act in bad_addrs:
        def action(c, g, act=act):
            c.state(GET_VRING_BASE, 0, 0)
            c.recv_reply(GET_VRING_BASE)
            act(c, g)
        expect_reject(be, label, reason, action, preamble=True, ack_failure=True)

    expect_reject(be, "SET_VRING_NUM while the ring runs", "is running",
                  lambda c, g: c.state(SET_VRING_NUM, 0, 16), preamble=True)
    expect_reject(be, "SET_FEATURES change while the ring runs", "while queue 0 runs",
                  lambda c, g: c.u64(SET_FEATURES, F_VERSION_1 | F_PROTOCOL | F_EVENT_IDX), preamble=True)

    # A driver that breaks the ring rules: head index 9 >= queue size 8. The queue breaks
    # (VQ_EHEAD), the error eventfd fires, the connection stays usable.
    before = len(be.log_lines())
    g = Guest()
    c = Conn(be)
    handshake(c, g, F_VERSION_1 | F_PROTOCOL, P_REPLY_ACK)
    g.w(AVAIL + 4, "<H", 9)
    g.w(AVAIL + 2, "<H", 1)
    os.eventfd_write(g.kick, 1)
    ready, _, _ = select.select([g.err], [], [], 5)
    check(bool(ready), "bad head index: error eventfd signalled")
    c.state(GET_VRING_BASE, 0, 0)
    check(c.recv_reply(GET_VRING_BASE) == struct.pack("<II", 0, 0), "broken queue: connection still answers")
    c.close()
    new = [l for l in be.log_lines()[before:] if "broken" in l]
    check(len(new) == 1 and "head index out of range" in new[0], f"bad head index logged: {new}")
    if new:
        print("  driver fault reported: " + new[0].split(": ", 1)[1])


def blk_cases(be, image):
    # Backing file: 64 KiB = 128 sectors; sector s holds bytes (s + i) & 0xff.
    g = Guest()
    c = Conn(be)
    handshake(c, g, F_VERSION_1 | F_PROTOCOL, P_REPLY_ACK | P_CONFIG)
    c.send(GET_CONFIG, struct.pack("<III", 0, 60, 0) + bytes(60))
    cfg = c.recv_reply(GET_CONFIG)
    # virtio_blk_config (5.2.4): capacity le64 at 0 = 65536 / 512 = 128; seg_max le32 at 12;
    # blk_size le32 at 20 = 512; writeback u8 at 32.
    cap, = struct.unpack_from("<Q", cfg, 12)
    check(cap == 128, f"blk GET_CONFIG capacity {cap} == 128")
    check(struct.unpack_from("<I", cfg, 12 + 20)[0] == 512, "blk GET_CONFIG blk_size 512")
    HDR, DATA, ST = BUFS, BUFS + 0x100, BUFS + 0x2000

    def request(rtype, sector, data_len, write_data=None, head=0):
        g.w(HDR, "<IIQ", rtype, 0, sector)
        g.mem[g.off(ST)] = 0xFF
        pieces = [(HDR, 16, False)]
        if write_data is not None:
            g.mem[g.off(DATA):g.off(DATA) + len(write_data)] = write_data
            pieces.append((DATA, len(write_data), False))
        elif data_len:
            pieces.append((DATA, data_len, True))
        pieces.append((ST, 1, True))
        g.submit(pieces, head=head)
        used = g.wait_used()
        return used, g.mem[g.off(ST)]

    expect = bytes(((3 + i) & 0xFF) for i in range(512))
    used, st = request(0, 3, 512)  # IN sector 3: status OK (0), used len = 512 data + 1 status
    check(st == 0 and used == (0, 513), f"blk IN sector 3: status {st}, used {used}")
    check(bytes(g.mem[g.off(DATA):g.off(DATA) + 512]) == expect, "blk IN sector 3 data")
    used, st = request(1, 127, 0, write_data=b"\xab" * 512)  # OUT last sector: OK, used len 1
    check(st == 0 and used == (0, 1), f"blk OUT sector 127: status {st}, used {used}")
    with open(image, "rb") as f:
        f.seek(127 * 512)
        check(f.read(512) == b"\xab" * 512, "blk OUT reached the backing file")
    used, st = request(0, 127, 1024)  # sectors 127..128: beyond capacity -> IOERR (1)
    check(st == 1 and used == (0, 1), f"blk IN past the end: status {st}, used {used}")
    used, st = request(0, 2**63, 512)  # sector * 512 overflows 64 bits -> IOERR
    check(st == 1, f"blk IN huge sector: status {st}")
    used, st = request(0, 0, 100)  # not a whole sector -> IOERR
    check(st == 1, f"blk IN 100 bytes: status {st}")
    used, st = request(99, 0, 0)  # unknown type -> UNSUPP (2)
    check(st == 2 and used == (0, 1), f"blk unknown type: status {st}, used {used}")
    used, st = request(8, 0, 20)  # GET_ID: 20 bytes, serial NUL-padded; used len 21
    serial = bytes(g.mem[g.off(DATA):g.off(DATA) + 20])
    check(st == 0 and used == (0, 21) and serial == b"mosaic-vu-blk".ljust(20, b"\0"),
          f"blk GET_ID: status {st}, used {used}, serial {serial!r}")
    used, st = request(4, 0, 0)  # FLUSH -> OK
    check(st == 0, f"blk FLUSH: status {st}")
    c.close()
    expect_reject(be, "blk SET_CONFIG of the read-only capacity", "read-only",
                  lambda c, g: c.send(SET_CONFIG, struct.pack("<III", 0, 8, 0) + b"\1" * 8),
                  protocol=P_REPLY_ACK | P_CONFIG, preamble=True)
    expect_reject(be, "blk GET_CONFIG beyond the config space", "beyond 256",
                  lambda c, g: c.send(GET_CONFIG, struct.pack("<III", 250, 10, 0) + bytes(10)),
                  protocol=P_REPLY_ACK | P_CONFIG, preamble=True)


def main():
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory() as work:
        t0 = time.time()
        rng = Backend(binary, ["--rng"], work, "rng")
        good_rng_session(rng, "first connection")
        rng_cases(rng)
        good_rng_session(rng, "after all rejections")
        rc = rng.stop()
        check(rc == 0, f"rng back-end exit status {rc} after SIGTERM")
        check(not rng.proc.returncode and not os.path.exists(rng.sock), "rng socket removed at shutdown")

        image = os.path.join(work, "disk.img")
        with open(image, "wb") as f:
            f.write(b"".join(bytes(((s + i) & 0xFF) for i in range(512)) for s in range(128)))
        blk = Backend(binary, ["--blk", image], work, "blk")
        blk_cases(blk, image)
        rc = blk.stop()
        check(rc == 0, f"blk back-end exit status {rc} after SIGTERM")
        rejected = sum("rejected" in l for l in rng.log_lines() + blk.log_lines())
        print(f"vhost-user hostile: {checks} checks, {len(failures)} failed, {rejected} messages "
              f"rejected, {time.time() - t0:.1f} s")
        if failures:
            for log in (rng.log, blk.log):
                print("--- " + log)
                print(open(log).read()[-3000:])
            sys.exit(1)


if __name__ == "__main__":
    main()
