"""test_vigild_reload.py - reloading under load loses no scan; a broken
database on reload leaves the old one serving.

Four clients keep a mixed load going (INSTREAM, SCAN, CONTSCAN, MULTISCAN,
FILDES, IDSESSION, clean and infected) while the database is reloaded 100
times (RELOAD and SIGUSR2): every single reply must be the right one. Then
the database is broken: the reload fails, the log says why, and the old
database keeps detecting. Then a new signature is added: after the reload
it is detected. Bounded loops, a Unix socket in a temporary directory.
"""
import array
import hashlib
import os
import signal
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vigild_util import (EICAR, EICAR_HDB, EICAR_NAME, Daemon, TempTree, check, connect, eq,  # noqa: E402
                         finish, instream, instream_bytes, query, recv_all)

RELOADS = 100
CLIENTS = 4


def fildes(sock, path):
    fd = os.open(path, os.O_RDONLY)
    try:
        s = connect(sock)
        s.sendall(b"zFILDES\0")
        s.sendmsg([b"\0"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd]))])
        r = recv_all(s)
        s.close()
        return r
    finally:
        os.close(fd)


class Load:
    def __init__(self, d, t):
        self.d, self.t = d, t
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.done = 0
        self.failures = []
        found = ("%s: %s FOUND" % (t.eicar, EICAR_NAME)).encode()
        tree_found = ("%s: %s FOUND" % (t.tree_eicar, EICAR_NAME)).encode()
        s = d.sock
        self.cases = [
            ("INSTREAM eicar", lambda: instream(s, EICAR), ("stream: %s FOUND\0" % EICAR_NAME).encode()),
            ("INSTREAM clean", lambda: instream(s, b"clean " * 5000), b"stream: OK\0"),
            ("SCAN eicar", lambda: query(s, ("zSCAN %s\0" % t.eicar).encode()), found + b"\0"),
            ("SCAN clean", lambda: query(s, ("zSCAN %s\0" % t.clean).encode()), ("%s: OK\0" % t.clean).encode()),
            ("CONTSCAN tree", lambda: query(s, ("zCONTSCAN %s\0" % t.tree).encode()), tree_found + b"\0"),
            ("MULTISCAN tree", lambda: query(s, ("zMULTISCAN %s\0" % t.tree).encode()), tree_found + b"\0"),
            ("FILDES eicar", lambda: fildes(s, t.eicar), None),
            ("IDSESSION", lambda: query(s, b"zIDSESSION\0" + instream_bytes(EICAR) + ("zSCAN %s\0" % t.clean)
                                        .encode() + b"zEND\0"), None),
        ]

    def check_reply(self, name, got, want):
        if want is not None:
            return got == want
        if name == "FILDES eicar":
            return got.startswith(b"fd[") and got.endswith((": %s FOUND\0" % EICAR_NAME).encode())
        parts = sorted(x for x in got.split(b"\0") if x)
        return parts == sorted([("1: stream: %s FOUND" % EICAR_NAME).encode(),
                                ("2: %s: OK" % self.t.clean).encode()])

    def run(self, k):
        i = k
        for _ in range(1000000):  # bounded; stops when told
            if self.stop.is_set():
                return
            name, fn, want = self.cases[i % len(self.cases)]
            i += 1
            try:
                got = fn()
            except OSError as e:
                got = ("<%s>" % e).encode()
            ok = self.check_reply(name, got, want)
            with self.lock:
                self.done += 1
                if not ok:
                    self.failures.append((name, got))


def wait_log(d, text, count, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if d.read_log().count(text) >= count:
            return True
        time.sleep(0.05)
    return False


def main():
    t = TempTree()
    d = Daemon(t, ["MaxThreads 4", "SelfCheck 0"])
    try:
        d.start()
        load = Load(d, t)
        threads = [threading.Thread(target=load.run, args=(k,)) for k in range(CLIENTS)]
        for th in threads:
            th.start()
        time.sleep(0.5)
        for i in range(RELOADS):
            if i % 10 == 9:
                d.proc.send_signal(signal.SIGUSR2)
            else:
                eq(query(d.sock, b"zRELOAD\0"), b"RELOADING\0", "RELOAD %d" % i)
            time.sleep(0.03)
        check(wait_log(d, "Database correctly reloaded", 1), "reloads happened")
        time.sleep(1.0)
        load.stop.set()
        for th in threads:
            th.join(120)
        reloads = d.read_log().count("Database correctly reloaded")
        print("%d requests during %d reload requests (%d reloads ran, the rest merged); %d failed"
              % (load.done, RELOADS, reloads, len(load.failures)))
        check(load.done >= 100, "sustained load: %d requests" % load.done)
        eq(load.failures[:5], [], "zero failed scans during reloads")
        check("reload failed" not in d.read_log(), "no failed reload")

        # A corrupt database on reload: the old one keeps serving.
        before = d.read_log().count("Database reload failed")
        with open(os.path.join(t.db, "test.hdb"), "a") as f:
            f.write("this is not a signature line\n")
        eq(query(d.sock, b"zRELOAD\0"), b"RELOADING\0", "RELOAD of a broken database")
        check(wait_log(d, "Database reload failed", before + 1), "broken reload logged")
        line = [l for l in d.read_log().splitlines() if "Database reload failed" in l][-1:]
        check(line and "test.hdb" in line[0], "the log names the broken file: %r" % line)
        eq(instream(d.sock, EICAR), ("stream: %s FOUND\0" % EICAR_NAME).encode(), "old database still detects")
        eq(query(d.sock, ("zSCAN %s\0" % t.eicar).encode()), ("%s: %s FOUND\0" % (t.eicar, EICAR_NAME)).encode(),
           "old database still scans paths")

        # A good new database: switched to.
        fresh = b"a file that only the new database knows about\n"
        t.write("db/test.hdb", EICAR_HDB + "%s:%d:Vigil-Test-New\n" % (hashlib.md5(fresh).hexdigest(), len(fresh)))
        eq(instream(d.sock, fresh), b"stream: OK\0", "not known before the reload")
        n_ok = d.read_log().count("Database correctly reloaded")
        eq(query(d.sock, b"zRELOAD\0"), b"RELOADING\0", "RELOAD of the fixed database")
        check(wait_log(d, "Database correctly reloaded", n_ok + 1), "fixed database reloaded")
        eq(instream(d.sock, fresh), b"stream: Vigil-Test-New.UNOFFICIAL FOUND\0", "new signature after reload")
        eq(instream(d.sock, EICAR), ("stream: %s FOUND\0" % EICAR_NAME).encode(), "old signature kept")
        check(d.alive(), "daemon alive")
    finally:
        eq(d.stop(), 0, "clean exit")
        t.cleanup()
    finish("test_vigild_reload")


if __name__ == "__main__":
    main()
