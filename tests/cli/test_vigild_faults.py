"""test_vigild_faults.py - hostile and broken clients against vigild.

Each case must get an error reply or a close within a second, the daemon
must not crash, and afterwards its open descriptors (/proc/<pid>/fd) and
resident memory (/proc/<pid>/status) must be back at the baseline taken
after a warm-up round. Cases: an oversized INSTREAM, a chunk length of
0xFFFFFFFF, a command over 1 KiB, binary garbage, a half-close and a reset
in the middle of a stream, two descriptors at once, and a client that never
reads its replies. Loops are bounded; everything runs on a Unix socket in a
temporary directory.
"""
import array
import os
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vigild_util import (EICAR, EICAR_NAME, Daemon, TempTree, check, connect, eq, finish,  # noqa: E402
                         instream, ping, recv_all)

LIMIT = 1.0   # seconds: the bound for an error or a close
ROUNDS = 5


def timed(fn):
    t0 = time.monotonic()
    r = fn()
    return r, time.monotonic() - t0


def answer_or_close(s, timeout=5.0):
    """Read until the daemon closes; (data, seconds)."""
    s.settimeout(timeout)
    t0 = time.monotonic()
    out = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            out += d
    except ConnectionResetError:
        pass
    except socket.timeout:
        out += b"<no close>"
    return out, time.monotonic() - t0


def oversized(sock):
    s = connect(sock)
    t0 = time.monotonic()
    s.sendall(b"zINSTREAM\0")
    try:
        for _ in range(64):  # 64 x 32 KiB = 2 MiB against StreamMaxLength 1M
            s.sendall(struct.pack(">I", 32768) + b"A" * 32768)
    except (BrokenPipeError, ConnectionResetError):
        pass
    out, _ = answer_or_close(s)
    s.close()
    return out, time.monotonic() - t0


def huge_chunk(sock):
    s = connect(sock)
    t0 = time.monotonic()
    s.sendall(b"zINSTREAM\0\xff\xff\xff\xff")
    out, _ = answer_or_close(s)
    s.close()
    return out, time.monotonic() - t0


def long_command(sock, data):
    s = connect(sock)
    t0 = time.monotonic()
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass
    out, _ = answer_or_close(s)
    s.close()
    return out, time.monotonic() - t0


def half_close(sock):
    s = connect(sock)
    s.sendall(b"zINSTREAM\0" + struct.pack(">I", 1000) + b"0123456789")
    time.sleep(0.05)
    t0 = time.monotonic()
    s.shutdown(socket.SHUT_WR)
    out, _ = answer_or_close(s)
    s.close()
    return out, time.monotonic() - t0


def reset(sock):
    s = connect(sock)
    s.sendall(b"zINSTREAM\0" + struct.pack(">I", 100000) + b"x" * 5000)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def reset_tcp(addr):
    s = socket.create_connection(addr, timeout=5)
    s.sendall(b"zINSTREAM\0" + struct.pack(">I", 100000) + b"x" * 5000)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def two_fds(sock, path):
    a, b = os.open(path, os.O_RDONLY), os.open(path, os.O_RDONLY)
    s = connect(sock)
    t0 = time.monotonic()
    s.sendmsg([b"zFILDES\0\0"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [a, b]))])
    out, _ = answer_or_close(s)
    s.close()
    os.close(a)
    os.close(b)
    return out, time.monotonic() - t0


def never_reads(sock):
    """Pipeline STATS requests and never read a reply; returns the seconds
    from the moment our sends block until the daemon closes."""
    s = connect(sock)
    s.sendall(b"zIDSESSION\0")
    s.setblocking(False)
    req = b"zSTATS\0" * 512
    blocked_at = None
    for _ in range(2000):  # bounded: 1,024,000 requests at most
        try:
            s.send(req)
        except BlockingIOError:
            blocked_at = time.monotonic()
            break
        except (BrokenPipeError, ConnectionResetError):
            blocked_at = time.monotonic()
            break
    if blocked_at is None:
        s.close()
        return None
    p = select.poll()
    p.register(s, select.POLLHUP | select.POLLERR)
    closed = False
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not closed:
        for _, ev in p.poll(100):
            if ev & (select.POLLHUP | select.POLLERR):
                closed = True
    took = time.monotonic() - blocked_at
    s.close()
    return took if closed else None


def settle(d, want_fds, timeout=10.0):
    deadline = time.monotonic() + timeout
    n = d.nfds()
    while time.monotonic() < deadline and n != want_fds:
        time.sleep(0.05)
        n = d.nfds()
    return n


def stable_nfds(d):
    """The descriptor count once connections closing from earlier cases are gone."""
    prev = d.nfds()
    for _ in range(50):
        time.sleep(0.1)
        n = d.nfds()
        if n == prev:
            return n
        prev = n
    return prev


def round_of_faults(d, t, label, measure):
    s = d.sock
    out, secs = oversized(s)
    eq(out, b"INSTREAM size limit exceeded. ERROR\0", "%s: oversized INSTREAM reply" % label)
    measure.append(("oversized INSTREAM", secs))
    out, secs = huge_chunk(s)
    eq(out, b"INSTREAM size limit exceeded. ERROR\0", "%s: chunk 0xFFFFFFFF" % label)
    measure.append(("chunk 0xFFFFFFFF", secs))
    out, secs = long_command(s, b"zSCAN /" + b"A" * 2000)
    eq(out, b"Command too long. ERROR\0", "%s: z-command over 1 KiB" % label)
    measure.append(("command over 1 KiB", secs))
    out, secs = long_command(s, b"SCAN /" + b"B" * 3000)
    eq(out, b"Command too long. ERROR\n", "%s: old-style command over 1 KiB" % label)
    measure.append(("old-style command over 1 KiB", secs))
    garbage = b"\x01" + os.urandom(4095)
    out, secs = long_command(s, garbage)
    check(out in (b"UNKNOWN COMMAND\n", b"Command too long. ERROR\n", b""), "%s: garbage reply %r" % (label, out))
    measure.append(("binary garbage", secs))
    out, secs = long_command(s, b"z" + os.urandom(2047).replace(b"\0", b"\1"))
    eq(out, b"Command too long. ERROR\0", "%s: z-garbage without a terminator" % label)
    measure.append(("z-garbage", secs))
    out, secs = half_close(s)
    check(b"<no close>" not in out, "%s: half-close mid-stream ends the connection: %r" % (label, out))
    measure.append(("half-close mid-stream", secs))
    base = stable_nfds(d)
    reset(s)
    reset_tcp(("127.0.0.1", d.tcp_port))
    t0 = time.monotonic()
    n = settle(d, base, timeout=5)
    eq(n, base, "%s: descriptors released after resets mid-stream" % label)
    measure.append(("reset mid-stream", time.monotonic() - t0))
    out, secs = two_fds(s, t.eicar)
    eq(out, b"No file descriptor received. ERROR\0", "%s: two descriptors are both refused" % label)
    measure.append(("two descriptors", secs))
    took = never_reads(s)
    if check(took is not None, "%s: a client that never reads is closed" % label):
        measure.append(("never reads replies", took))
    # meanwhile and after, others are served
    eq(ping(s), b"PONG\0", "%s: PING after the faults" % label)
    eq(instream(s, EICAR), ("stream: %s FOUND\0" % EICAR_NAME).encode(), "%s: INSTREAM after" % label)


def main():
    t = TempTree()
    d = Daemon(t, ["StreamMaxLength 1M", "MaxOutputBuffer 256K"], tcp=True)
    try:
        d.start()
        warm = []
        round_of_faults(d, t, "warm-up", warm)
        base_fds = stable_nfds(d)
        base_rss = d.rss_kib()
        measure = []
        for i in range(ROUNDS):
            round_of_faults(d, t, "round %d" % (i + 1), measure)
        check(d.alive(), "no crash")
        fds = settle(d, base_fds)
        eq(fds, base_fds, "descriptors back to the baseline")
        rss = d.rss_kib()
        print("RSS: baseline %d KiB, after %d rounds %d KiB" % (base_rss, ROUNDS, rss))
        check(rss <= base_rss + 8192, "memory back to baseline: %d KiB -> %d KiB" % (base_rss, rss))
        worst = {}
        for name, secs in measure:
            worst[name] = max(worst.get(name, 0), secs)
        for name, secs in sorted(worst.items()):
            print("%-32s worst %.3f s" % (name, secs))
            check(secs <= LIMIT, "%s: error or close within %.1f s (took %.3f s)" % (name, LIMIT, secs))
    finally:
        eq(d.stop(), 0, "clean exit")
        t.cleanup()
    finish("test_vigild_faults")


if __name__ == "__main__":
    main()
