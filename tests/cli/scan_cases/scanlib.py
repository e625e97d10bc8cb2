"""scanlib.py - shared helpers of the `vigil scan` integration tests.

Builds test trees from a small setup language, generates the EICAR test file
and a matching .hdb database, runs vigil and the real clamscan, and
normalises their output for comparison. Used by tests/cli/test_scan_*.py.
"""
import hashlib
import os
import re
import shutil
import socket
import stat
import subprocess
import tempfile
import zipfile

# The standard 68-byte EICAR test file, assembled at run time so that no
# file in the repository contains it whole.
EICAR = (b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" +
         b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*")
EICAR_MD5 = "44d88612fea8a8f36de82e1278abb02f"
EICAR_NAME = "Eicar-Test-Signature"
FOUND = EICAR_NAME + ".UNOFFICIAL FOUND"

assert len(EICAR) == 68 and hashlib.md5(EICAR).hexdigest() == EICAR_MD5

# Lines vigil prints where clamscan 1.4.6 prints nothing (docs/CLI.md,
# "Differences from clamscan"). Dropped before comparing with clamscan; the
# cases assert them on their own.
VIGIL_ONLY = [
    re.compile(rb".*: Not supported file type$"),
    re.compile(rb".*: Symbolic link loop$"),
    re.compile(rb".*: Directory loop$"),
    re.compile(rb".*: Broken symbolic link$"),
    re.compile(rb".*: Excluded \(MaxDirRecursion\)$"),
    re.compile(rb"^Incomplete files: \d+$"),
]
# Summary lines that differ by nature (version, clock, engine internals).
VARYING = re.compile(rb"^(Engine version|Time|Start Date|End Date|Data scanned): ")


def vigil_path():
    path = os.environ.get("VIGIL")
    if not path or not os.access(path, os.X_OK):
        raise SystemExit("VIGIL is not set to the vigil binary (run through ctest)")
    return path


def clamscan_path():
    path = shutil.which("clamscan")
    if path is None:
        raise SystemExit("clamscan is not installed (scripts/setup-deps.sh test installs it)")
    return path


class Tree:
    """A temporary directory, world-readable so that tests can also run the
    scanners as an unprivileged user; removed by cleanup()."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="vigil-scan-")
        os.chmod(self.root, 0o755)
        self.db_dir = os.path.join(self.root, "db")
        os.mkdir(self.db_dir)
        self.db = os.path.join(self.db_dir, "eicar.hdb")
        with open(self.db, "w") as f:
            f.write("%s:68:%s\n" % (EICAR_MD5, EICAR_NAME))
        self.work = os.path.join(self.root, "work")
        os.mkdir(self.work)
        self.sockets = []

    def path(self, rel):
        """Absolute path of rel (str or bytes) inside the work directory."""
        if isinstance(rel, bytes):
            return os.path.join(os.fsencode(self.work), rel)
        return os.path.join(self.work, rel)

    def write(self, rel, data, mode=0o644):
        p = self.path(rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
        os.chmod(p, mode)
        return p

    def cleanup(self):
        for s in self.sockets:
            s.close()
        # make everything removable again (tests chmod things to 000);
        # descriptor-based, as trees may be deeper than PATH_MAX
        for _, dirnames, _, dirfd in os.fwalk(self.root):
            for d in dirnames:
                try:
                    st = os.stat(d, dir_fd=dirfd, follow_symlinks=False)
                    if stat.S_ISDIR(st.st_mode):
                        os.chmod(d, 0o755, dir_fd=dirfd)
                except OSError:
                    pass
        shutil.rmtree(self.root, ignore_errors=True)


def unescape(text, subst):
    """Placeholders ({eicar}, {tmp}, {db}, ...) and \\n, \\t, \\xHH, \\\\ escapes."""
    out = bytearray()
    i = 0
    raw = text.encode()
    while i < len(raw):
        c = raw[i:i + 1]
        if c == b"{":
            j = raw.find(b"}", i)
            key = raw[i + 1:j].decode() if j > 0 else None
            if key in subst:
                out += subst[key]
                i = j + 1
                continue
        if c == b"\\" and i + 1 < len(raw):
            n = raw[i + 1:i + 2]
            if n == b"n":
                out += b"\n"
            elif n == b"t":
                out += b"\t"
            elif n == b"\\":
                out += b"\\"
            elif n == b"x":
                out.append(int(raw[i + 2:i + 4], 16))
                i += 2
            else:
                out += c + n
            i += 2
            continue
        out += c
        i += 1
    return bytes(out)


def setup(tree, lines, subst):
    """Run the setup language, one command per line:

        file PATH [CONTENT]      CONTENT with placeholders and escapes
        bytes PATH N [BYTE]      N copies of BYTE (hex, default 41)
        mkdir PATH
        fifo PATH
        socket PATH              a bound Unix socket (kept open)
        symlink PATH TARGET
        chmod MODE PATH          octal mode
        deep PATH N              PATH/l1/.../lN, a file fK in each level K
        zip PATH MEMBER SOURCE   a zip archive holding SOURCE (a tree path) as MEMBER
    """
    for line in lines:
        parts = line.split(" ", 2)
        cmd = parts[0]
        if cmd == "file":
            tree.write(unescape(parts[1], {}), unescape(parts[2], subst) if len(parts) > 2 else b"")
        elif cmd == "bytes":
            rest = parts[2].split()
            byte = bytes([int(rest[1], 16)]) if len(rest) > 1 else b"A"
            tree.write(parts[1], byte * int(rest[0]))
        elif cmd == "mkdir":
            os.makedirs(tree.path(parts[1]), exist_ok=True)
        elif cmd == "fifo":
            os.makedirs(os.path.dirname(tree.path(parts[1])), exist_ok=True)
            os.mkfifo(tree.path(parts[1]))
        elif cmd == "socket":
            os.makedirs(os.path.dirname(tree.path(parts[1])), exist_ok=True)
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.bind(tree.path(parts[1]))
            tree.sockets.append(s)
        elif cmd == "symlink":
            os.makedirs(os.path.dirname(tree.path(parts[1])), exist_ok=True)
            os.symlink(parts[2], tree.path(parts[1]))
        elif cmd == "chmod":
            os.chmod(tree.path(parts[2]), int(parts[1], 8))
        elif cmd == "deep":
            p = tree.path(parts[1])
            for k in range(1, int(parts[2]) + 1):
                p = os.path.join(p, "l%d" % k)
                os.makedirs(p, exist_ok=True)
                with open(os.path.join(p, "f%d" % k), "w") as f:
                    f.write("level %d\n" % k)
        elif cmd == "zip":
            member, source = parts[2].split(" ", 1)
            with open(tree.path(source), "rb") as f:
                data = f.read()
            with zipfile.ZipFile(tree.path(parts[1]), "w", zipfile.ZIP_DEFLATED) as z:
                z.writestr(member, data)
        else:
            raise ValueError("unknown setup command: " + line)


def as_user(user, argv):
    """argv run as an unprivileged user (root ignores permission bits)."""
    if user is None:
        return argv
    group = "nogroup" if user == "nobody" else user
    return ["setpriv", "--reuid=" + user, "--regid=" + group, "--clear-groups", "--"] + argv


def run(argv, cwd, stdin=b"", user=None, timeout=300):
    return subprocess.run(as_user(user, argv), cwd=cwd, input=stdin, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=timeout)


def normalise(stdout, vigil):
    """Lines of a scanner's stdout reduced to what both scanners must agree on."""
    out = []
    for line in stdout.split(b"\n"):
        if VARYING.match(line):
            continue
        # the ratio depends on how much each engine scans (Data scanned)
        line = re.sub(rb"^(Data read: .* MB) \(ratio [^)]*\)$", rb"\1", line)
        if vigil:
            if any(r.match(line) for r in VIGIL_ONLY):
                continue
            line = re.sub(rb": OK \(incomplete: [^)]*\)$", b": OK", line)
        out.append(line)
    return out


def stderr_key_lines(stderr):
    """The stderr lines both scanners print the same way."""
    keep = []
    for line in stderr.split(b"\n"):
        if line.startswith(b"WARNING: "):
            keep.append(line)
        elif line.endswith(b": No such file or directory") and not line.startswith(
                (b"ERROR: ", b"LibClamAV ")):
            keep.append(line)  # perror() of a path that cannot be reached
    return keep
