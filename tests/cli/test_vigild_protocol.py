"""test_vigild_protocol.py - vigild speaks clamd's protocol: every command,
both framings, sessions, streams, descriptors, exact replies and errors,
signals, configuration and daemon start-up.

Replies are compared byte for byte with what clamd 1.4.6 sends (see
clamav-compat.md section 4); a real vigild runs on a socket in a temporary
directory with a generated database.
"""
import array
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vigild_util import (EICAR, EICAR_NAME, Daemon, TempTree, check, connect, eq, finish,  # noqa: E402
                         free_port, instream, instream_bytes, query, recv_all, vigild_path)

VERSION = subprocess.run([vigild_path(), "--version"], capture_output=True, text=True).stdout.split()[1]
COMMANDS = ("SCAN QUIT RELOAD PING CONTSCAN VERSIONCOMMANDS VERSION END SHUTDOWN MULTISCAN FILDES "
            "STATS IDSESSION INSTREAM DETSTATSCLEAR DETSTATS ALLMATCHSCAN")


def fildes(sock, fd, cmd=b"zFILDES\0", together=False):
    s = connect(sock)
    try:
        if together:
            s.sendmsg([cmd + b"\0"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd]))])
        else:
            s.sendall(cmd)
            s.sendmsg([b"\0"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd]))])
        return recv_all(s)
    finally:
        s.close()


def session_replies(raw, term=b"\0"):
    """{id: reply} from an IDSESSION transcript."""
    out = {}
    for part in raw.split(term):
        if not part:
            continue
        m = re.match(rb"^(\d+): (.*)$", part, re.S)
        if check(m is not None, "session reply without id: %r" % part):
            out[int(m.group(1))] = m.group(2)
    return out


def basic(d, t):
    s = d.sock
    eq(query(s, b"zPING\0"), b"PONG\0", "zPING")
    eq(query(s, b"nPING\n"), b"PONG\n", "nPING")
    eq(query(s, b"nPING\r\n"), b"PONG\n", "nPING with CRLF")
    eq(query(s, b"PING"), b"PONG\n", "old-style PING")
    eq(query(s, b"PING\r\n"), b"PONG\n", "old-style PING CRLF")
    eq(query(s, b"zVERSION\0"), ("ClamAV %s\0" % VERSION).encode(), "VERSION without a daily db")
    eq(query(s, b"zVERSIONCOMMANDS\0"), ("ClamAV %s| COMMANDS: %s\0" % (VERSION, COMMANDS)).encode(),
       "VERSIONCOMMANDS")
    for cmd in (b"VERSIONCOMMANDS", b"INSTREAM", b"IDSESSION", b"END", b"STATS", b"ALLMATCHSCAN /x"):
        eq(query(s, cmd + b"\n"), b"UNKNOWN COMMAND\n", "unprefixed %r" % cmd)
    for cmd in (b"zFOO\0", b"zPING x\0", b"zSCAN\0", b"zPINGzPING\0", b"zEND\0"):
        eq(query(s, cmd), b"UNKNOWN COMMAND\0", "unknown %r" % cmd)
    eq(query(s, b"\x00\x01\x02garbage"), b"UNKNOWN COMMAND\n", "binary garbage")
    eq(query(s, b"zDETSTATS\0"), b"", "DETSTATS: no reply")
    st = query(s, b"zSTATS\0")
    check(st.startswith(b"POOLS: 1\n\nSTATE: VALID PRIMARY\nTHREADS: live ") and st.endswith(b"\nEND\0")
          and b"\nQUEUE: " in st and b"\nMEMSTATS: heap N/A mmap N/A used N/A free N/A releasable N/A pools 1 pools_used "
          in st, "STATS format: %r" % st[:200])
    eq(query(s, b"zRELOAD\0"), b"RELOADING\0", "RELOAD")


def scans(d, t):
    s = d.sock
    eq(query(s, ("zSCAN %s\0" % t.clean).encode()), ("%s: OK\0" % t.clean).encode(), "SCAN clean")
    eq(query(s, ("nSCAN %s\n" % t.eicar).encode()), ("%s: %s FOUND\n" % (t.eicar, EICAR_NAME)).encode(),
       "SCAN eicar, n-framing")
    eq(query(s, ("SCAN %s" % t.eicar).encode()), ("%s: %s FOUND\n" % (t.eicar, EICAR_NAME)).encode(),
       "old-style SCAN")
    two = t.write("tree/zz/eicar2.com", EICAR)
    found_lines = sorted([("%s: %s FOUND" % (t.tree_eicar, EICAR_NAME)).encode(),
                          ("%s: %s FOUND" % (two, EICAR_NAME)).encode()])
    r = query(s, ("zSCAN %s\0" % t.tree).encode())
    check(r.count(b"FOUND") == 1 and r.endswith(b" FOUND\0") and b": OK" not in r,
          "SCAN of a directory stops at the first virus: %r" % r)
    for cmd in ("CONTSCAN", "MULTISCAN"):
        r = query(s, ("z%s %s\0" % (cmd, t.tree)).encode())
        eq(sorted(x for x in r.split(b"\0") if x), found_lines, "%s of a directory" % cmd)
    r = query(s, ("zALLMATCHSCAN %s\0" % t.eicar).encode())
    eq(r, ("%s: %s FOUND\0" % (t.eicar, EICAR_NAME)).encode(), "ALLMATCHSCAN")
    os.unlink(two)
    os.rmdir(t.path("tree/zz"))
    clean_dir = t.path("cleandir")
    t.write("cleandir/x.txt", "x")
    t.write("cleandir/empty", "")
    for cmd in ("SCAN", "CONTSCAN", "MULTISCAN"):
        eq(query(s, ("z%s %s\0" % (cmd, clean_dir)).encode()), ("%s: OK\0" % clean_dir).encode(),
           "%s of a clean directory" % cmd)
    empty = t.path("emptydir")
    os.mkdir(empty)
    eq(query(s, ("zSCAN %s\0" % empty).encode()), ("%s: OK\0" % empty).encode(), "SCAN empty dir")
    eq(query(s, ("zSCAN %s\0" % t.path("cleandir/empty")).encode()),
       ("%s: OK\0" % t.path("cleandir/empty")).encode(), "SCAN empty file")
    eq(query(s, b"zSCAN /nonexistent/x\0"),
       b"/nonexistent/x: File path check failure: No such file or directory. ERROR\0", "SCAN missing")
    eq(query(s, b"zSCAN relative\0"),
       b"relative: File path check failure: No such file or directory. ERROR\0", "SCAN relative")
    eq(query(s, b"nSCAN  /x\n"), b" /x: File path check failure: No such file or directory. ERROR\n",
       "argument starts after one separator")
    eq(query(s, b"zSCAN /dev/null\0"), b"/dev/null: Not supported file type ERROR\0/dev/null: OK\0",
       "SCAN of a device (as clamd 1.4.6)")
    # replies name the resolved path; the final OK names the argument
    dotted = t.path("tree/../files/eicar.com")
    eq(query(s, ("zCONTSCAN %s\0" % dotted).encode()), ("%s: %s FOUND\0" % (t.eicar, EICAR_NAME)).encode(),
       "resolved path in replies")
    link = t.path("tree/link.com")
    os.symlink(t.eicar, link)
    r = query(s, ("zCONTSCAN %s\0" % t.tree).encode())
    check(b"link.com" not in r, "symlinks inside a walk are not followed by default: %r" % r)
    eq(query(s, ("zSCAN %s\0" % link).encode()), ("%s: %s FOUND\0" % (t.eicar, EICAR_NAME)).encode(),
       "a symlink given as the argument is resolved")
    os.unlink(link)
    if os.getuid() == 0:
        return
    locked = t.write("locked.txt", "secret")
    os.chmod(locked, 0)
    eq(query(s, ("zSCAN %s\0" % locked).encode()), ("%s: Access denied. ERROR\0" % locked).encode(),
       "access denied")


def streams(d, t):
    s = d.sock
    eq(instream(s, b"clean data"), b"stream: OK\0", "INSTREAM clean")
    eq(instream(s, EICAR), ("stream: %s FOUND\0" % EICAR_NAME).encode(), "INSTREAM eicar")
    eq(instream(s, EICAR, chunk=1), ("stream: %s FOUND\0" % EICAR_NAME).encode(), "INSTREAM 1-byte chunks")
    eq(query(s, instream_bytes(EICAR, prefix=b"n")), ("stream: %s FOUND\n" % EICAR_NAME).encode(),
       "nINSTREAM")
    eq(query(s, b"zINSTREAM\0\0\0\0\0"), b"stream: OK\0", "empty stream")
    # StreamMaxLength 1M: exactly at the quota passes, one byte more does not
    eq(query(s, b"zINSTREAM\0" + struct.pack(">I", 1 << 20) + b"\0" * (1 << 20) + b"\0\0\0\0"),
       b"stream: OK\0", "stream of exactly StreamMaxLength")
    eq(query(s, b"zINSTREAM\0" + struct.pack(">I", (1 << 20) + 1)), b"INSTREAM size limit exceeded. ERROR\0",
       "chunk over StreamMaxLength, refused at its header")
    eq(query(s, b"zINSTREAM\0" + struct.pack(">I", 1 << 19) + b"\0" * (1 << 19) +
             struct.pack(">I", (1 << 19) + 1)), b"INSTREAM size limit exceeded. ERROR\0",
       "quota counted over chunks")
    eq(query(s, b"zINSTREAM\0\xff\xff\xff\xff"), b"INSTREAM size limit exceeded. ERROR\0",
       "chunk length 0xFFFFFFFF")
    # Bytes that come after the reply (pyclamd ends a stream whose length is
    # a multiple of its chunk size with a second terminator) must not meet
    # a closed socket: the daemon shuts its side, the client reads the
    # reply and end of file, and its late send still succeeds.
    c = connect(s)
    c.sendall(instream_bytes(EICAR))
    eq(recv_all(c), ("stream: %s FOUND\0" % EICAR_NAME).encode(), "reply, then end of file")
    try:
        c.sendall(b"\0\0\0\0")
        late = "accepted"
    except (BrokenPipeError, ConnectionResetError) as e:
        late = repr(e)
    eq(late, "accepted", "a send after the reply and end of file (lingering close)")
    c.close()
    # legacy STREAM (LegacyStream yes): a data port on loopback
    c = connect(s)
    c.sendall(b"STREAM\n")
    line = b""
    while not line.endswith(b"\n"):
        line += c.recv(1)
    m = re.fullmatch(rb"PORT (\d+)\n", line)
    if check(m is not None, "STREAM answers PORT n: %r" % line):
        data = socket.create_connection(("127.0.0.1", int(m.group(1))), timeout=10)
        data.sendall(EICAR)
        data.close()
        eq(recv_all(c), ("stream: %s FOUND\n" % EICAR_NAME).encode(), "legacy STREAM eicar")
    c.close()
    # descriptors
    fd = os.open(t.eicar, os.O_RDONLY)
    r = fildes(s, fd)
    check(re.fullmatch(rb"fd\[\d+\]: " + EICAR_NAME.encode() + rb" FOUND\0", r) is not None, "FILDES eicar: %r" % r)
    r = fildes(s, fd, together=True)
    check(re.fullmatch(rb"fd\[\d+\]: " + EICAR_NAME.encode() + rb" FOUND\0", r) is not None,
          "FILDES with the descriptor on the command: %r" % r)
    os.close(fd)
    fd = os.open(t.clean, os.O_RDONLY)
    r = fildes(s, fd, cmd=b"nFILDES\n")
    check(re.fullmatch(rb"fd\[\d+\]: OK\n", r) is not None, "nFILDES clean: %r" % r)
    os.close(fd)
    rp, wp = os.pipe()
    r = fildes(s, rp)
    check(re.fullmatch(rb"fd\[\d+\]: Not a regular file ERROR\0", r) is not None, "FILDES pipe: %r" % r)
    os.close(rp)
    os.close(wp)
    eq(query(s, b"zFILDES\0x"), b"No file descriptor received. ERROR\0", "FILDES without descriptor")
    fd = os.open(t.clean, os.O_RDONLY)
    c = connect(s)
    c.sendmsg([b"zVERSION"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd]))])
    r = recv_all(c)
    c.close()
    os.close(fd)
    check(b"PROTOCOL ERROR: ancillary data sent without FILDES. ERROR" in r, "descriptor without FILDES: %r" % r)


def sessions(d, t):
    s = d.sock
    fd = os.open(t.eicar, os.O_RDONLY)
    c = connect(s)
    c.sendall(b"zIDSESSION\0zPING\0" + ("zSCAN %s\0" % t.eicar).encode() + instream_bytes(EICAR) +
              b"nVERSION\n" + ("zSCAN %s\0" % t.clean).encode() + b"zFILDES\0")
    c.sendmsg([b"\0"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd]))])
    c.sendall(b"zSTATS\0zEND\0")
    raw = recv_all(c)
    c.close()
    os.close(fd)
    # "5: ClamAV ...\n" ends with \n: split on both terminators
    parts = {}
    for m in re.finditer(rb"(\d+): (.*?)[\0\n](?=\d+: |$)", raw, re.S):
        parts[int(m.group(1))] = m.group(2)
    eq(parts.get(1), b"PONG", "session PING")
    eq(parts.get(2), ("%s: %s FOUND" % (t.eicar, EICAR_NAME)).encode(), "session SCAN")
    eq(parts.get(3), ("stream: %s FOUND" % EICAR_NAME).encode(), "session INSTREAM")
    eq(parts.get(4), ("ClamAV %s" % VERSION).encode(), "session nVERSION")
    eq(parts.get(5), ("%s: OK" % t.clean).encode(), "session SCAN clean")
    check(re.fullmatch(rb"fd\[\d+\]: " + EICAR_NAME.encode() + rb" FOUND", parts.get(6, b"")) is not None,
          "session FILDES: %r" % parts.get(6))
    check(parts.get(7, b"").startswith(b"POOLS: 1"), "session STATS prefixed once: %r" % parts.get(7, b"")[:40])
    r = query(s, b"zIDSESSION\0zPING\0zCONTSCAN /tmp\0zPING\0")
    eq(r, b"1: PONG\0" + b"2: Command invalid inside IDSESSION. ERROR\0", "CONTSCAN inside a session")
    eq(query(s, b"zIDSESSION\0zIDSESSION\0"), b"1: Command invalid inside IDSESSION. ERROR\0",
       "IDSESSION inside a session")
    eq(query(s, b"zIDSESSION\0PING\n"),
       b"1: Only nCMDS\\n and zCMDS\\0 are accepted inside IDSESSION. ERROR\n", "old style in a session")
    eq(query(s, b"zIDSESSION\0zEND\0"), b"", "empty session")
    eq(query(s, b"zIDSESSION\0zPING\0zEND\0zPING\0"), b"1: PONG\0", "nothing after END")
    eq(query(s, b"zIDSESSION\0zPING\0zPING\0", shut=True), b"1: PONG\0002: PONG\0",
       "a session whose client shuts its side gets its replies")
    # many requests in flight: every id answered exactly once
    n = 300
    c = connect(s)
    c.sendall(b"zIDSESSION\0" + b"".join((("zSCAN %s\0" % (t.eicar if i % 3 == 0 else t.clean)).encode())
                                          for i in range(n)) + b"zEND\0")
    got = session_replies(recv_all(c))
    c.close()
    eq(sorted(got), list(range(1, n + 1)), "300 pipelined requests answered once each")
    bad = [i for i, v in got.items() if v != (("%s: %s FOUND" % (t.eicar, EICAR_NAME)) if (i - 1) % 3 == 0
                                              else ("%s: OK" % t.clean)).encode()]
    eq(bad, [], "pipelined replies match their requests")


def timeouts(t):
    d = Daemon(t, ["CommandReadTimeout 1", "ReadTimeout 1"], name="timeouts")
    d.start()
    c = connect(d.sock)
    t0 = time.time()
    r = recv_all(c)
    c.close()
    eq(r, b"COMMAND READ TIMED OUT\n", "no command within CommandReadTimeout")
    check(time.time() - t0 < 5, "command read timeout took %.1fs" % (time.time() - t0))
    c = connect(d.sock)
    c.sendall(b"zINSTREAM\0\0\0\0\x10abc")
    eq(recv_all(c), b"COMMAND READ TIMED OUT\n", "stream stalled past ReadTimeout")
    c.close()
    eq(d.stop(), 0, "clean exit")


def disabled_commands(t):
    d = Daemon(t, ["EnableShutdownCommand no", "EnableReloadCommand no", "EnableVersionCommand no",
                   "EnableStatsCommand no", "AllowAllMatchScan no", "LegacyStream no"], name="disabled")
    d.start()
    for cmd in (b"zSHUTDOWN\0", b"zRELOAD\0", b"zVERSION\0", b"zSTATS\0"):
        eq(query(d.sock, cmd), b"COMMAND UNAVAILABLE\0", "disabled %r" % cmd)
    eq(query(d.sock, ("zALLMATCHSCAN %s\0" % t.eicar).encode()),
       ("%s: ALLMATCHSCAN command disabled by clamd configuration. ERROR\0" % t.eicar).encode(),
       "AllowAllMatchScan no")
    eq(query(d.sock, b"STREAM\n"), b"UNKNOWN COMMAND\n", "legacy STREAM off")
    check(d.alive(), "still serving after a refused SHUTDOWN")
    eq(d.stop(), 0, "clean exit")


def exclude_and_walk_limits(t):
    d = Daemon(t, ["ExcludePath /skipme/", "MaxDirectoryRecursion 1"], name="excl")
    d.start()
    skipped = t.write("walk/skipme/eicar.com", EICAR)
    deep = t.write("walk/a/b/eicar.com", EICAR)
    r = query(d.sock, ("zCONTSCAN %s\0" % t.path("walk")).encode())
    check(b"skipme/eicar.com: Excluded" in r and deep.encode() not in r and skipped.encode() + b": Eicar" not in r,
          "ExcludePath and MaxDirectoryRecursion: %r" % r)
    eq(d.stop(), 0, "clean exit")


def signals_and_shutdown(d, t):
    # SIGHUP reopens the log file (rotation)
    os.rename(d.log, d.log + ".1")
    d.proc.send_signal(signal.SIGHUP)
    deadline = time.time() + 10
    while time.time() < deadline and not os.path.exists(d.log):
        time.sleep(0.05)
    check(os.path.exists(d.log), "SIGHUP reopens LogFile")
    d.proc.send_signal(signal.SIGUSR2)
    deadline = time.time() + 10
    while time.time() < deadline and "correctly reloaded" not in d.read_log():
        time.sleep(0.05)
    check("Database correctly reloaded" in d.read_log(), "SIGUSR2 reloads")
    # SHUTDOWN: clean exit, socket removed
    eq(query(d.sock, b"zSHUTDOWN\0"), b"", "SHUTDOWN: no reply")
    try:
        d.proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        pass
    eq(d.stop(), 0, "SHUTDOWN exits cleanly")
    check(not os.path.exists(d.sock), "socket file removed at exit")


def config_errors(t):
    bad = t.write("bad.conf", "LocalSocket %s\nNoSuchOption yes\n" % t.path("bad.sock"))
    r = subprocess.run([vigild_path(), "-F", "-c", bad], capture_output=True, text=True, timeout=30)
    eq(r.returncode, 2, "unknown option: exit status")
    check("bad.conf:2: unknown option 'NoSuchOption'" in r.stderr, "unknown option names file:line: %r" % r.stderr)
    ex = t.write("example.conf", "Example\nLocalSocket %s\n" % t.path("ex.sock"))
    r = subprocess.run([vigild_path(), "-F", "-c", ex], capture_output=True, text=True, timeout=30)
    check(r.returncode == 2 and "example.conf:1" in r.stderr, "Example line refused: %r" % r.stderr)
    sz = t.write("size.conf", "StreamMaxLength lots\n")
    r = subprocess.run([vigild_path(), "-F", "-c", sz], capture_output=True, text=True, timeout=30)
    check(r.returncode == 2 and "StreamMaxLength expects a size" in r.stderr, "bad size: %r" % r.stderr)
    # a database that does not load: start-up fails and says why
    baddb = t.write("baddb/broken.hdb", "not a signature\n")
    r = subprocess.run([vigild_path(), "-F", "-s", t.path("bdb.sock"), "-d", os.path.dirname(baddb)],
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 2 and "Can't load the database" in r.stderr, "broken database at start: %r" % r.stderr)
    # the Debian clamd.conf loads (every clamd option is known)
    if os.path.exists("/etc/clamav/clamd.conf"):
        r = subprocess.run([vigild_path(), "-F", "-c", "/etc/clamav/clamd.conf", "-o", "LocalSocket " +
                            t.path("deb.sock"), "-d", "/nonexistent-db", "-l", t.path("deb.log"),
                            "-o", "User root"], capture_output=True, text=True, timeout=60)
        check("unknown option" not in r.stderr, "Debian's clamd.conf parses: %r" % r.stderr)


def daemonized(t):
    sock, pidf = t.path("bg.sock"), t.path("bg.pid")
    r = subprocess.run([vigild_path(), "-s", sock, "-d", t.db, "-p", pidf, "-l", t.path("bg.log")],
                       capture_output=True, text=True, timeout=60)
    eq(r.returncode, 0, "daemonizing parent exits 0 once serving")
    eq(query(sock, b"zPING\0"), b"PONG\0", "daemonized vigild serves at once")
    pid = int(open(pidf).read())
    os.kill(pid, signal.SIGTERM)
    deadline = time.time() + 20
    while time.time() < deadline and os.path.exists("/proc/%d" % pid):
        time.sleep(0.05)
    check(not os.path.exists(pidf) and not os.path.exists(sock), "pid file and socket removed on SIGTERM")


def socket_activation(t):
    """systemd passes the listening socket (LISTEN_FDS), as vigild.socket does."""
    sock = t.path("sd.sock")
    p = subprocess.Popen(["systemd-socket-activate", "-l", sock, vigild_path(), "-F", "-d", t.db,
                          "-l", t.path("sd.log")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 20
        while time.time() < deadline and not os.path.exists(sock):
            time.sleep(0.05)
        eq(query(sock, b"zPING\0", timeout=30), b"PONG\0", "socket activation: first client served")
        eq(instream(sock, EICAR), ("stream: %s FOUND\0" % EICAR_NAME).encode(), "socket activation: INSTREAM")
        check("Received 1 file descriptor(s) from systemd" in open(t.path("sd.log")).read(),
              "socket activation logged")
    finally:
        p.send_signal(signal.SIGTERM)
        try:
            eq(p.wait(timeout=30), 0, "socket-activated vigild exits cleanly")
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def tcp(t):
    d = Daemon(t, [], tcp=True, name="tcp")
    d.start()
    addr = ("127.0.0.1", d.tcp_port)
    eq(query(addr, b"zPING\0"), b"PONG\0", "PING over TCP")
    eq(instream(addr, EICAR), ("stream: %s FOUND\0" % EICAR_NAME).encode(), "INSTREAM over TCP")
    check(re.search(r"instream\(127\.0\.0\.1@\d+\): Eicar-Test-Signature.UNOFFICIAL FOUND", d.read_log()),
          "TCP stream logged as instream(ip@port)")
    eq(query(addr, b"zFILDES\0x"), b"No file descriptor received. ERROR\0", "FILDES over TCP")
    eq(d.stop(), 0, "clean exit")


def main():
    t = TempTree()
    d = Daemon(t, ["StreamMaxLength 1M", "LegacyStream yes"])
    try:
        d.start()
        basic(d, t)
        scans(d, t)
        streams(d, t)
        sessions(d, t)
        check(d.alive(), "daemon alive after the protocol cases")
        check("ERROR" not in "\n".join(l for l in d.read_log().splitlines()
                                       if "Database reload failed" in l), "no failed reloads")
        signals_and_shutdown(d, t)
        timeouts(t)
        disabled_commands(t)
        exclude_and_walk_limits(t)
        config_errors(t)
        daemonized(t)
        socket_activation(t)
        tcp(t)
    finally:
        d.stop()
        t.cleanup()
    finish("test_vigild_protocol")


if __name__ == "__main__":
    main()
