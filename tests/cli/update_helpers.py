"""update_helpers.py - shared pieces of the update tests (not a test itself).

Real peers only: nginx (Debian's) serves the repositories, clamd and
clamscan load what vigil installs. Everything lives in one temporary
directory per test file and listens on 127.0.0.1.
"""
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import http.server
import socketserver

VIGIL = os.environ.get("VIGIL", "vigil")
SHARED = os.environ.get("VG_SHARED", "")
CVD_DIR = os.path.join(SHARED, "data", "clamav-test", "cvd")
TEST_CA = os.path.join(CVD_DIR, "clamav-test.crt")
NGINX = "/usr/sbin/nginx"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(pred, what, limit=300):
    """Poll pred() up to limit times, 0.1 s apart (bounded, not a timing assertion)."""
    for _ in range(limit):
        if pred():
            return
        time.sleep(0.1)
    raise AssertionError("gave up waiting for " + what)


def run(args, env=None, check=None, timeout=300):
    """Run vigil with args; returns (rc, stdout, stderr)."""
    e = dict(os.environ)
    if env:
        e.update(env)
    p = subprocess.run([VIGIL] + list(args), capture_output=True, text=True, env=e, timeout=timeout)
    if check is not None and p.returncode != check:
        raise AssertionError("vigil %s: exit %d, expected %d\nstdout: %s\nstderr: %s"
                             % (" ".join(args), p.returncode, check, p.stdout, p.stderr))
    return p.returncode, p.stdout, p.stderr


class Server:
    """A process the tests start: killed if it never comes up."""

    def _wait(self, pred, what, limit):
        try:
            wait_for(pred, what, limit)
        except BaseException:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
            raise


class Nginx(Server):
    """nginx with its own prefix, serving root on a free port."""

    def __init__(self, base, root):
        self.prefix = os.path.join(base, "nginx")
        os.makedirs(os.path.join(self.prefix, "tmp"), exist_ok=True)
        self.root = root
        self.port = free_port()
        conf = os.path.join(self.prefix, "nginx.conf")
        with open(conf, "w") as f:
            f.write("""
user root;
worker_processes 1;
pid %(p)s/nginx.pid;
error_log %(p)s/error.log;
events { worker_connections 64; }
http {
    log_format upd '$request_method $uri $status $body_bytes_sent "$http_range"';
    access_log %(p)s/access.log upd;
    client_body_temp_path %(p)s/tmp/body;
    proxy_temp_path %(p)s/tmp/proxy;
    fastcgi_temp_path %(p)s/tmp/fastcgi;
    uwsgi_temp_path %(p)s/tmp/uwsgi;
    scgi_temp_path %(p)s/tmp/scgi;
    default_type application/octet-stream;
    server {
        listen 127.0.0.1:%(port)d;
        root %(root)s;
        location / { }
    }
}
""" % {"p": self.prefix, "port": self.port, "root": root})
        self.proc = subprocess.Popen([NGINX, "-p", self.prefix, "-c", conf, "-g", "daemon off;"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._wait(self._up, "nginx to listen", 300)

    def _up(self):
        if self.proc.poll() is not None:
            raise AssertionError("nginx exited: " + self.proc.stderr.read().decode())
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            return True
        except OSError:
            return False

    def url(self, path=""):
        return "http://127.0.0.1:%d/%s" % (self.port, path)

    def log(self):
        with open(os.path.join(self.prefix, "access.log")) as f:
            return f.read()

    def clear_log(self):
        # nginx keeps the file open: truncate in place.
        open(os.path.join(self.prefix, "access.log"), "w").close()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stderr.close()


class Trickle:
    """A deliberately slow or endless HTTP server (python's http.server).

    mode "slow": sends the file at path one byte per second;
    mode "endless": streams zeros without end (no Content-Length).
    Everything else is served from root normally.
    """

    def __init__(self, root, slow_suffix, mode):
        outer = self
        self.stop_flag = threading.Event()

        class H(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *a, **kw):
                super().__init__(*a, directory=root, **kw)

            def log_message(self, *a):
                pass

            def do_GET(self):
                if not self.path.endswith(slow_suffix):
                    return super().do_GET()
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.end_headers()
                try:
                    if mode == "slow":
                        with open(os.path.join(root, self.path.lstrip("/")), "rb") as f:
                            data = f.read()
                        for i in range(len(data)):
                            if outer.stop_flag.is_set():
                                return
                            self.wfile.write(data[i:i + 1])
                            self.wfile.flush()
                            time.sleep(1)
                    else:
                        chunk = b"\0" * 65536
                        for _ in range(100000):
                            if outer.stop_flag.is_set():
                                return
                            self.wfile.write(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = S(("127.0.0.1", 0), H)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path=""):
        return "http://127.0.0.1:%d/%s" % (self.port, path)

    def stop(self):
        self.stop_flag.set()
        self.server.shutdown()
        self.server.server_close()


class Daemon(Server):
    """A clamd-protocol daemon (the parts both share)."""

    def command(self, cmd):
        s = socket.socket(socket.AF_UNIX)
        try:
            s.settimeout(30)
            s.connect(self.sock)
            s.sendall(cmd)
            out = b""
            while True:
                d = s.recv(4096)
                if not d:
                    break
                out += d
                if b"\0" in d:
                    break
            return out.rstrip(b"\0").decode()
        except OSError:
            return None
        finally:
            s.close()

    def scan(self, path):
        return self.command(b"zSCAN " + path.encode() + b"\0")

    def log(self):
        try:
            with open(self.logfile) as f:
                return f.read()
        except OSError:
            return ""

    def reloads(self):
        """The log lines about database loading (scan results are logged
        too, after the reply, so they are left out)."""
        return [l for l in self.log().split("\n") if "databases" in l.lower() or "reload" in l.lower()]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Vigild(Daemon):
    """vigild from the build tree on a Unix socket, loading db_dir."""

    def __init__(self, base, db_dir):
        self.dir = os.path.join(base, "vigild")
        os.makedirs(self.dir, exist_ok=True)
        self.sock = os.path.join(self.dir, "vigild.sock")
        self.logfile = os.path.join(self.dir, "vigild.log")
        exe = os.path.join(os.path.dirname(os.path.abspath(VIGIL)), "vigild")
        self.proc = subprocess.Popen([exe, "-F", "-d", db_dir, "-s", self.sock, "-l", self.logfile,
                                      "-o", "SelfCheck 3600"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._wait(self._up, "vigild to listen", 1200)

    def _up(self):
        if self.proc.poll() is not None:
            raise AssertionError("vigild exited:\n" + self.log())
        return self.command(b"zPING\0") == "PONG"


class Clamd(Daemon):
    """Debian's clamd on a Unix socket, loading db_dir (a path through the
    `current` symlink, so RELOAD picks up a new generation)."""

    def __init__(self, base, db_dir):
        self.dir = os.path.join(base, "clamd")
        os.makedirs(self.dir, exist_ok=True)
        self.sock = os.path.join(self.dir, "clamd.sock")
        self.logfile = os.path.join(self.dir, "clamd.log")
        conf = os.path.join(self.dir, "clamd.conf")
        with open(conf, "w") as f:
            f.write("Foreground yes\nLocalSocket %s\nDatabaseDirectory %s\nLogFile %s\nLogTime no\n"
                    "SelfCheck 3600\nPidFile %s/clamd.pid\nBytecode no\n"
                    % (self.sock, db_dir, self.logfile, self.dir))
        self.proc = subprocess.Popen(["clamd", "-c", conf], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        self._wait(self._up, "clamd to listen", 1200)

    def _up(self):
        if self.proc.poll() is not None:
            raise AssertionError("clamd exited:\n" + self.log())
        return self.command(b"zPING\0") == "PONG"

def snapshot(*dirs):
    """Every file (bytes), symlink (target) and directory name under dirs,
    except the lock file: what "byte-identical" compares."""
    out = {}
    for d in dirs:
        for top, subdirs, files in os.walk(d):
            for name in subdirs + files:
                p = os.path.join(top, name)
                rel = os.path.relpath(p, os.path.dirname(d))
                if name == ".lock":
                    continue
                if os.path.islink(p):
                    out[rel] = ("link", os.readlink(p))
                elif os.path.isdir(p):
                    out[rel] = ("dir",)
                else:
                    with open(p, "rb") as f:
                        out[rel] = ("file", hashlib.sha256(f.read()).hexdigest())
    return out


def check_generation(gen_dir):
    """A generation directory is complete: GENERATION parses and lists
    exactly the other files, each with its size and SHA-256."""
    with open(os.path.join(gen_dir, "GENERATION")) as f:
        lines = f.read().split("\n")
    assert lines[0] == "vigil-generation 1", lines[0]
    assert lines[-1] == "" and lines[-2] == "end", "GENERATION incomplete"
    listed = {}
    for line in lines[3:-2]:
        w = line.split(" ")
        assert w[0] == "file" and len(w) == 6, line
        listed[w[1]] = (int(w[2]), w[3])
    present = set(os.listdir(gen_dir)) - {"GENERATION"}
    assert present == set(listed), "files %s, listed %s" % (sorted(present), sorted(listed))
    for name, (size, sha) in listed.items():
        with open(os.path.join(gen_dir, name), "rb") as f:
            data = f.read()
        assert len(data) == size and hashlib.sha256(data).hexdigest() == sha, name + " damaged"
    return listed


def hdb_line(data, name):
    return "%s:%d:%s\n" % (hashlib.md5(data).hexdigest(), len(data), name)


def flip_bit(path, offset, bit=0):
    with open(path, "r+b") as f:
        f.seek(offset)
        b = f.read(1)
        f.seek(offset)
        f.write(bytes([b[0] ^ (1 << bit)]))


def read_text(path):
    with open(path) as f:
        return f.read()


def copytree(src, dst):
    shutil.copytree(src, dst, symlinks=True)
