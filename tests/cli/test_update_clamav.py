"""test_update_clamav.py - `vigil update` from a ClamAV-layout mirror served
by nginx, with ClamAV's own signed test databases.

test.cvd version 1 is installed (verified through its .sign with the test
CA); then the mirror moves to version 6 and the client gets there through
test-2..6.cdiff (each with its .sign): nginx's log shows only a Range request
for the header of test.cvd and the cdiffs, the installed test.cld holds
exactly test-6.cvd's files, clamscan loads it and finds clam.exe as the
official Clamav.Test.File-6, and clamd, told to reload, finds it too.
Tampered cdiffs and CVDs, a wrong CA and an older mirror change nothing.
"""
import gzip
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import update_helpers as H  # noqa: E402

CLAM_EXE = "/usr/share/clamav-testfiles/clam.exe"
# ClamAV's test CA expires in March 2027: certificates are judged at a fixed
# date inside their validity (vigil's update clock; test builds only).
os.environ["VIGIL_NOW"] = "1767225600"
OFFICIAL_CA = os.path.join(H.CVD_DIR, "clamav-official.crt")


def members(path):
    """name -> bytes of a .cvd/.cld (512-byte header, then a gzip'd or plain tar)."""
    with open(path, "rb") as f:
        body = f.read()[512:]
    if body[:2] == b"\x1f\x8b":
        body = gzip.decompress(body)
    with tarfile.open(fileobj=io.BytesIO(body)) as t:
        return {m.name: t.extractfile(m).read() for m in t.getmembers()}


class ClamavMirror(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        try:
            cls._setup()
        except BaseException:
            cls.tearDownClass()  # no server or temporary directory outlives a failed set-up
            raise

    @classmethod
    def _setup(cls):
        cls.base = tempfile.mkdtemp(prefix="vigil-clamav-")
        cls.www = os.path.join(cls.base, "www")
        os.makedirs(cls.www)
        cls.nginx = H.Nginx(cls.base, cls.www)
        cls.v1 = cls.mirror(cls, "v1", 1)
        cls.state = os.path.join(cls.base, "client")
        rc, out, err = cls.update(cls, "v1")
        assert rc == 0, out + err
        cls.state_v1 = os.path.join(cls.base, "client-v1")
        H.copytree(cls.state, cls.state_v1)
        cls.db = os.path.join(cls.state, "db")
        cls.clamd = H.Clamd(cls.base, os.path.join(cls.db, "current"))

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "clamd", None):
            cls.clamd.stop()
        if getattr(cls, "nginx", None):
            cls.nginx.stop()
        if getattr(cls, "base", None):
            shutil.rmtree(cls.base, ignore_errors=True)

    def mirror(self, name, version, cdiffs=True, sign=True):
        """A ClamAV mirror at `version`: test.cvd, its .sign, the cdiffs up to it."""
        d = os.path.join(self.www, name)
        if os.path.exists(d):
            shutil.rmtree(d)
        os.makedirs(d)
        shutil.copy(os.path.join(H.CVD_DIR, "test-%d.cvd" % version), os.path.join(d, "test.cvd"))
        if sign:
            shutil.copy(os.path.join(H.CVD_DIR, "test-%d.cvd.sign" % version), d)
        for v in range(2, version + 1 if cdiffs else 2):
            shutil.copy(os.path.join(H.CVD_DIR, "test-%d.cdiff" % v), d)
            if sign:
                shutil.copy(os.path.join(H.CVD_DIR, "test-%d.cdiff.sign" % v), d)
        return d

    def update(self, mirror, state=None, ca=H.TEST_CA, extra=()):
        return H.run(["update", "--state", state or self.state, "--clamav-mirror", self.nginx.url(mirror),
                      "--clamav-db", "test", "--clamav-certs", ca, "--format", "sources"] + list(extra))

    def installed(self, state=None):
        cur = os.path.join(state or self.state, "db", "current")
        H.check_generation(cur)
        return os.path.join(cur, "test.cld")

    def refused(self, mirror, message, state, ca=H.TEST_CA, rc_want=1):
        before = H.snapshot(state)
        rc, out, err = self.update(mirror, state=state, ca=ca)
        self.assertEqual(rc, rc_want, out + err)
        self.assertIn(message, err)
        self.assertEqual(H.snapshot(state), before)

    def test_1_chain_to_v6_by_cdiffs(self):
        self.assertEqual(members(self.installed())["test.info"],
                         members(os.path.join(H.CVD_DIR, "test-1.cvd"))["test.info"])
        self.mirror("v6", 6)
        self.nginx.clear_log()
        rc, out, err = self.update("v6", extra=["--notify-clamd", self.clamd.sock])
        self.assertEqual(rc, 0, out + err)
        self.assertIn("version 6 verified", err)
        log = self.nginx.log()
        requests = [l for l in log.split("\n") if l.startswith("GET ")]
        cvd = [l for l in requests if l.startswith("GET /v6/test.cvd ")]
        self.assertEqual(len(cvd), 1, log)
        self.assertIn('"bytes=0-511"', cvd[0])              # only the header, as freshclam does
        self.assertIn(" 206 ", cvd[0])
        for v in range(2, 7):
            self.assertTrue(any(l.startswith("GET /v6/test-%d.cdiff 200" % v) for l in requests), log)
            self.assertTrue(any(l.startswith("GET /v6/test-%d.cdiff.sign 200" % v) for l in requests), log)
        # Exactly test-6.cvd's files.
        self.assertEqual(members(self.installed()), members(os.path.join(H.CVD_DIR, "test-6.cvd")))
        # ClamAV loads it as an official database.
        p = subprocess.run(["clamscan", "--no-summary", "-d", os.path.join(self.db, "current"), CLAM_EXE],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("clam.exe: Clamav.Test.File-6 FOUND", p.stdout)
        H.wait_for(lambda: (self.clamd.scan(CLAM_EXE) or "").endswith("Clamav.Test.File-6 FOUND"),
                   "clamd to reload", limit=600)
        # Up to date now; an older mirror is ignored and changes nothing.
        rc, out, err = self.update("v6")
        self.assertEqual(rc, 0, out + err)
        self.assertIn("up to date", out)
        self.mirror("v5", 5)
        before = H.snapshot(self.state)
        rc, out, err = self.update("v5")
        self.assertEqual(rc, 0, out + err)
        self.assertIn("older than the 6 installed before", err)
        self.assertEqual(H.snapshot(self.state), before)

    def test_2_flipped_cdiff_and_cvd(self):
        d = self.mirror("flip-both", 2)
        H.flip_bit(os.path.join(d, "test-2.cdiff"), 100, 2)
        H.flip_bit(os.path.join(d, "test.cvd"), 4000, 2)
        self.refused("flip-both", "test-2.cdiff", self.state_v1)

    def test_3_flipped_cdiff_falls_back_to_whole_cvd(self):
        state = os.path.join(self.base, "client-fallback")
        H.copytree(self.state_v1, state)
        d = self.mirror("flip-cdiff", 2)
        H.flip_bit(os.path.join(d, "test-2.cdiff"), 100, 2)
        rc, out, err = self.update("flip-cdiff", state=state)
        self.assertEqual(rc, 0, out + err)
        self.assertIn("incremental update failed", err)
        self.assertEqual(members(self.installed(state)), members(os.path.join(H.CVD_DIR, "test-2.cvd")))

    def test_4_legacy_signatures_only(self):
        """No .sign files: the legacy RSA dsig of the CVD and cdiffs is enough;
        a flipped bit in the unsigned case is still caught."""
        state = os.path.join(self.base, "client-legacy")
        H.copytree(self.state_v1, state)
        d = self.mirror("legacy-bad", 3, sign=False)
        H.flip_bit(os.path.join(d, "test-3.cdiff"), 300, 0)
        H.flip_bit(os.path.join(d, "test.cvd"), 200, 0)       # in the header's text
        self.refused("legacy-bad", "test-3.cdiff", state)
        self.mirror("legacy", 3, sign=False)
        rc, out, err = self.update("legacy", state=state)
        self.assertEqual(rc, 0, out + err)
        self.assertEqual(members(self.installed(state)), members(os.path.join(H.CVD_DIR, "test-3.cvd")))

    def test_5_wrong_ca(self):
        """The .sign files are checked against the CA given: ClamAV's official
        CA did not sign the test files, so everything is refused."""
        self.mirror("wrongca", 4)
        self.refused("wrongca", "does not verify", self.state_v1, ca=OFFICIAL_CA)

    def test_6_whole_cvd_tampered(self):
        """A fresh client (nothing installed) gets the whole CVD: a flipped bit
        anywhere in it, or in its .sign, is refused."""
        for what, off in (("test.cvd", 50), ("test.cvd", 6000), ("test-1.cvd.sign", 700)):
            state = os.path.join(self.base, "client-fresh")
            shutil.rmtree(state, ignore_errors=True)
            d = self.mirror("fresh-bad", 1)
            H.flip_bit(os.path.join(d, what), off, 1)
            rc, out, err = self.update("fresh-bad", state=state)
            self.assertEqual(rc, 1, what + ": " + out + err)
            self.assertFalse(os.path.exists(os.path.join(state, "db", "current")), what)


if __name__ == "__main__":
    unittest.main(verbosity=2)
