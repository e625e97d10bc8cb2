"""vigild_util.py - shared helpers for the vigild integration tests.

Starts a real vigild (from VG_BUILDDIR) in the foreground on a socket in a
temporary directory, with a test database generated here (an .hdb line for
the EICAR test file), and talks the clamd protocol to it over real sockets.
Every server binds loopback or a Unix socket in the temporary directory;
everything is cleaned up by Daemon.stop() / TempTree.cleanup().
"""
import os
import resource
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

EICAR = (b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*")
EICAR_HDB = "44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test-Signature\n"
EICAR_NAME = "Eicar-Test-Signature.UNOFFICIAL"

_failures = []


def check(cond, what):
    """Record a failed check (the test goes on, and fails at the end)."""
    if not cond:
        _failures.append(what)
        print("FAIL:", what, flush=True)
    return cond


def eq(got, want, what):
    return check(got == want, "%s: got %r, want %r" % (what, got, want))


def finish(name):
    if _failures:
        print("%s: %d check(s) failed" % (name, len(_failures)))
        sys.exit(1)
    print("%s: all checks passed" % name)
    sys.exit(0)


def raise_nofile(n=8192):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(max(soft, n), hard) if hard != resource.RLIM_INFINITY else max(soft, n)
    if want > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def vigild_path():
    p = os.path.join(os.environ["VG_BUILDDIR"], "vigild")
    if not os.access(p, os.X_OK):
        print("vigild not built at", p)
        sys.exit(1)
    return p


class TempTree:
    """A temporary directory with the test database and sample files."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="vigild-test-")
        os.chmod(self.dir, 0o755)
        self.db = self.path("db")
        os.mkdir(self.db)
        self.write("db/test.hdb", EICAR_HDB)
        self.clean = self.write("files/clean.txt", "just some clean text\n")
        self.eicar = self.write("files/eicar.com", EICAR)
        self.tree = self.path("tree")
        self.write("tree/a.txt", "hello\n")
        self.write("tree/sub/b.txt", "world\n")
        self.tree_eicar = self.write("tree/sub/eicar.com", EICAR)

    def path(self, rel):
        return os.path.join(self.dir, rel)

    def write(self, rel, data):
        p = self.path(rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
        return p

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


class Daemon:
    """A vigild in the foreground with its own socket and log."""

    def __init__(self, tree, options=(), tcp=False, extra_conf="", name="vigild"):
        self.tree = tree
        self.sock = tree.path(name + ".sock")
        self.log = tree.path(name + ".log")
        self.conf = tree.path(name + ".conf")
        self.tcp_port = None
        lines = ["LocalSocket %s" % self.sock, "Database %s" % tree.db,
                 "LogFile %s" % self.log, "LogVerbose yes"]
        if tcp:
            self.tcp_port = free_port()
            lines += ["TCPSocket %d" % self.tcp_port, "TCPAddr 127.0.0.1"]
        lines += list(options)
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n" + extra_conf)
        self.proc = None

    def start(self, expect_ok=True):
        self.errfile = open(self.log + ".stderr", "wb")
        env = dict(os.environ)
        if env.get("VG_SANITIZE", "").upper() in ("ON", "1", "TRUE", "YES"):
            # ASan keeps freed memory in a quarantine (256 MiB by default),
            # which would read as growth in the memory checks; a small one
            # still catches use after free of recent allocations.
            env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=4:malloc_context_size=10"
        self.proc = subprocess.Popen([vigild_path(), "-F", "-c", self.conf], env=env,
                                     stdout=subprocess.DEVNULL, stderr=self.errfile)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                if ping(self.sock, timeout=1) == b"PONG\0":
                    return True
            except OSError:
                pass
            time.sleep(0.05)
        if expect_ok:
            with open(self.log + ".stderr", errors="replace") as f:
                err = f.read()
            print("vigild did not start:", err, self.read_log())
            self.stop()
            sys.exit(1)
        return False

    @property
    def pid(self):
        return self.proc.pid

    def read_log(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def nfds(self):
        return len(os.listdir("/proc/%d/fd" % self.pid))

    def rss_kib(self):
        with open("/proc/%d/status" % self.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        rc = self.proc.returncode
        self.errfile.close()
        self.proc = None
        return rc


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def connect(sock, timeout=10.0):
    if isinstance(sock, tuple):
        s = socket.create_connection(sock, timeout=timeout)
    else:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(sock)
    return s


def recv_all(s, limit=1 << 22):
    out = b""
    while len(out) < limit:
        try:
            d = s.recv(65536)
        except ConnectionResetError:
            break
        if not d:
            break
        out += d
    return out


def query(sock, data, timeout=10.0, shut=False):
    """Send data, read until the daemon closes; the whole reply."""
    s = connect(sock, timeout)
    try:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        if shut:
            s.shutdown(socket.SHUT_WR)
        return recv_all(s)
    finally:
        s.close()


def ping(sock, timeout=10.0):
    return query(sock, b"zPING\0", timeout)


def instream_bytes(data, chunk=8192, prefix=b"z"):
    out = [prefix + b"INSTREAM" + (b"\0" if prefix == b"z" else b"\n")]
    for i in range(0, len(data), chunk):
        part = data[i:i + chunk]
        out.append(struct.pack(">I", len(part)) + part)
    out.append(b"\0\0\0\0")
    return b"".join(out)


def instream(sock, data, timeout=10.0, chunk=8192):
    return query(sock, instream_bytes(data, chunk), timeout)
