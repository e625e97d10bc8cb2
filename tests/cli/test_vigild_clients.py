"""test_vigild_clients.py - real clamd clients talk to vigild unchanged.

Each client is the one users run today, installed from Debian or npm by
scripts/setup-deps.sh, pointed at a vigild on a temporary socket (or a
loopback port): clamdscan (Debian clamdscan, through a clamd.conf that
names vigild's socket), python3-pyclamd, the npm clamscan module (node),
Perl ClamAV::Client, and vigil's own client (`vigil scan --daemon`). Each
must report a clean file, the EICAR file, a directory and a stream right.
"""
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vigild_util import EICAR, EICAR_NAME, Daemon, TempTree, check, eq, finish  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd, **kw):
    kw.setdefault("timeout", 120)
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def body(out):
    """clamdscan output without the summary's timing lines."""
    return [l for l in out.splitlines() if l and not l.startswith(("Time:", "Start Date:", "End Date:"))]


def clamdscan_like(t, d, prog, label):
    """prog: argv prefix of a clamdscan-compatible client. Returns the
    outputs by case, for comparing two clients."""
    found = "%s: %s FOUND" % (t.eicar, EICAR_NAME)
    tree_found = "%s: %s FOUND" % (t.tree_eicar, EICAR_NAME)
    outs = {}
    cases = [
        ("clean", [t.clean], 0, ["%s: OK" % t.clean]),
        ("eicar", [t.eicar], 1, [found]),
        ("dir", [t.tree], 1, [tree_found]),
        ("multiscan dir", ["-m", t.tree], 1, [tree_found]),
        ("stream eicar", ["--stream", t.eicar], 1, [found]),
        ("stream clean", ["--stream", t.clean], 0, ["%s: OK" % t.clean]),
        ("stream dir", ["--stream", t.tree], 1, [tree_found]),
        ("fdpass eicar", ["--fdpass", t.eicar], 1, [found]),
        ("fdpass dir, session", ["--fdpass", "-m", t.tree], 1, [tree_found]),
        ("stream dir, session", ["--stream", "-m", t.tree], 1, [tree_found]),
        ("infected only", ["-i", t.tree], 1, [tree_found]),
        ("two arguments", [t.clean, t.eicar], 1, ["%s: OK" % t.clean, found]),
    ]
    for name, args, rc, want in cases:
        r = run(prog + ["--no-summary"] + args)
        outs[name] = (r.returncode, body(r.stdout))
        eq(r.returncode, rc, "%s %s: exit status (stderr %r)" % (label, name, r.stderr))
        eq(sorted(body(r.stdout)), sorted(want), "%s %s: output" % (label, name))
    with open(t.eicar, "rb") as f:
        r = run(prog + ["--no-summary", "-"], stdin=f)
    outs["stdin"] = (r.returncode, [re.sub(r"fd\[\d+\]", "fd[N]", l) for l in body(r.stdout)])
    eq(r.returncode, 1, "%s stdin: exit status" % label)
    check(re.fullmatch(r"(fd\[\d+\]|stream): " + re.escape(EICAR_NAME) + " FOUND", r.stdout.strip() or "-"),
          "%s stdin: %r" % (label, r.stdout))
    # the summary
    r = run(prog + [t.tree, t.clean])
    lines = r.stdout.splitlines()
    check("----------- SCAN SUMMARY -----------" in lines and "Infected files: 1" in lines
          and any(re.fullmatch(r"Time: \d+\.\d{3} sec \(\d+ m \d+ s\)", l) for l in lines)
          and any(l.startswith("End Date:   ") for l in lines), "%s summary: %r" % (label, r.stdout))
    r = run(prog + ["--no-summary", t.path("nonexistent")])
    eq(r.returncode, 2, "%s missing file: exit status" % label)
    check("Can't access file" in r.stderr, "%s missing file message: %r" % (label, r.stderr))
    r = run(prog + [t.path("nonexistent"), t.eicar])
    eq(r.returncode, 1, "%s infection beats errors" % label)
    check("Total errors: 1" in r.stdout.splitlines(), "%s summary counts errors: %r" % (label, r.stdout))
    return outs


def test_clamdscan(t, d):
    conf = t.write("clamdscan.conf", "LocalSocket %s\n" % d.sock)
    return clamdscan_like(t, d, ["clamdscan", "-c", conf], "clamdscan")


def test_dclient(t, d, reference):
    vigil = os.environ["VIGIL"]
    r = run([vigil, "scan", "--daemon", "--help"])
    if not check(r.returncode == 0 and "vigild" in r.stdout,
                 "`vigil scan --daemon` must run the daemon client (dclient_main); got %r %r"
                 % (r.stdout[:200], r.stderr[:200])):
        return
    outs = clamdscan_like(t, d, [vigil, "scan", "--daemon", "--socket", d.sock], "vigil scan --daemon")
    for name, ref in reference.items():
        eq(outs.get(name), ref, "vigil scan --daemon prints what clamdscan prints: %s" % name)
    r = run([vigil, "scan", "--daemon", "--socket", d.sock, "--ping"])
    eq((r.returncode, r.stdout), (0, "PONG\n"), "vigil scan --daemon --ping")
    r = run([vigil, "scan", "--daemon", "--tcp", "127.0.0.1:%d" % d.tcp_port, "--no-summary", "--stream",
             t.eicar])
    eq((r.returncode, body(r.stdout)), (1, ["%s: %s FOUND" % (t.eicar, EICAR_NAME)]), "dclient over TCP")


def test_pyclamd(t, d):
    import pyclamd
    for label, cd in (("unix", pyclamd.ClamdUnixSocket(filename=d.sock)),
                      ("tcp", pyclamd.ClamdNetworkSocket(host="127.0.0.1", port=d.tcp_port))):
        eq(cd.ping(), True, "pyclamd %s ping" % label)
        check(cd.version().startswith("ClamAV "), "pyclamd %s version: %r" % (label, cd.version()))
        eq(cd.scan_file(t.clean), None, "pyclamd %s clean file" % label)
        eq(cd.scan_file(t.eicar), {t.eicar: ("FOUND", EICAR_NAME)}, "pyclamd %s eicar" % label)
        eq(cd.contscan_file(t.tree), {t.tree_eicar: ("FOUND", EICAR_NAME)}, "pyclamd %s directory" % label)
        eq(cd.multiscan_file(t.tree), {t.tree_eicar: ("FOUND", EICAR_NAME)}, "pyclamd %s multiscan" % label)
        eq(cd.scan_stream(EICAR), {"stream": ("FOUND", EICAR_NAME)}, "pyclamd %s stream eicar" % label)
        eq(cd.scan_stream(b"clean bytes " * 1000), None, "pyclamd %s stream clean" % label)
        eq(cd.scan_stream(b"x" * 8192), None, "pyclamd %s stream of a chunk multiple" % label)
        check(cd.stats().startswith("POOLS: 1"), "pyclamd %s stats" % label)


def test_node(t, d):
    mod = os.path.join(HERE, "node", "node_modules", "clamscan")
    if not check(os.path.isdir(mod), "npm clamscan module missing in tests/cli/node: run scripts/setup-deps.sh"):
        return
    r = run(["node", os.path.join(HERE, "node", "scan.js"), d.sock, t.clean, t.eicar, t.tree])
    if not check(r.returncode == 0, "node clamscan: %r" % r.stderr):
        return
    out = json.loads(r.stdout)
    check(out["version"].startswith("ClamAV "), "node version: %r" % out["version"])
    eq((out["clean"]["isInfected"], out["clean"]["viruses"]), (False, []), "node clean file")
    eq((out["eicar"]["isInfected"], out["eicar"]["viruses"]), (True, [EICAR_NAME]), "node eicar")
    eq((out["dir"]["badFiles"], out["dir"]["viruses"]), ([t.tree_eicar], [EICAR_NAME]), "node directory")
    eq(sorted(out["dir"]["goodFiles"]), sorted([t.path("tree/a.txt"), t.path("tree/sub/b.txt")]),
       "node directory clean files")
    eq((out["streamEicar"]["isInfected"], out["streamEicar"]["viruses"]), (True, [EICAR_NAME]), "node stream")
    eq(out["streamClean"]["isInfected"], False, "node clean stream")


PERL = r'''
use strict; use warnings; use ClamAV::Client;
my ($sock, $clean, $eicar, $dir) = @ARGV;
my $c = ClamAV::Client->new(socket_name => $sock);
print "ping=", ($c->ping ? 1 : 0), "\n";
print "version=", $c->version, "\n";
my @r = $c->scan_path($clean); print "clean=", (defined $r[1] ? $r[1] : "none"), "\n";
@r = $c->scan_path($eicar); print "eicar=$r[0] $r[1]\n";
@r = $c->scan_path($dir); print "dir=$r[0] $r[1]\n";
my %all = $c->scan_path_complete($dir); print "complete=", join(",", map { "$_ $all{$_}" } sort keys %all), "\n";
open(my $fh, '<', $eicar) or die; print "stream=", ($c->scan_stream($fh) // "none"), "\n";
open($fh, '<', $clean) or die; print "stream_clean=", ($c->scan_stream($fh) // "none"), "\n";
my $data = "clean scalar"; print "scalar=", ($c->scan_scalar(\$data) // "none"), "\n";
'''


def test_perl(t, d):
    r = run(["perl", "-e", PERL, d.sock, t.clean, t.eicar, t.tree])
    if not check(r.returncode == 0, "perl ClamAV::Client: %r" % r.stderr):
        return
    got = dict(l.split("=", 1) for l in r.stdout.splitlines())
    eq(got.get("ping"), "1", "perl ping")
    check(got.get("version", "").startswith("ClamAV "), "perl version")
    eq(got.get("clean"), "none", "perl clean file")
    eq(got.get("eicar"), "%s %s" % (t.eicar, EICAR_NAME), "perl eicar")
    eq(got.get("dir"), "%s %s" % (t.tree_eicar, EICAR_NAME), "perl directory")
    eq(got.get("complete"), "%s %s" % (t.tree_eicar, EICAR_NAME), "perl directory (CONTSCAN)")
    eq(got.get("stream"), EICAR_NAME, "perl stream (legacy STREAM)")
    eq(got.get("stream_clean"), "none", "perl clean stream")
    eq(got.get("scalar"), "none", "perl scalar")


def main():
    for tool in ("clamdscan", "node", "perl"):
        if shutil.which(tool) is None:
            print("%s is not installed: run scripts/setup-deps.sh" % tool)
            sys.exit(1)
    t = TempTree()
    d = Daemon(t, ["LegacyStream yes"], tcp=True)
    try:
        d.start()
        reference = test_clamdscan(t, d)
        test_pyclamd(t, d)
        test_node(t, d)
        test_perl(t, d)
        test_dclient(t, d, reference)
        check(d.alive(), "daemon alive after every client")
    finally:
        eq(d.stop(), 0, "clean exit")
        t.cleanup()
    finish("test_vigild_clients")


if __name__ == "__main__":
    main()
