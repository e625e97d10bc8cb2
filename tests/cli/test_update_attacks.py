"""test_update_attacks.py - `vigil update` against a real web server (nginx)
serving a good repository and a malicious mirror for each attack of the
TUF threat model. Every attack must be refused with a message naming it,
leave the installed database and the trust state byte-identical, and leave
the running daemon (Debian's clamd, loading what vigil installs) on its old
database; so must vigild, the project's own daemon. Good updates, key rotation, mirror failover and rollback are
checked too.
"""
import hashlib
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import update_helpers as H  # noqa: E402

DAY = 86400


class Repo:
    """The publisher's side: keys, signature sources, releases."""

    def __init__(self, base):
        self.base = base
        self.keys = os.path.join(base, "keys")
        os.makedirs(self.keys)
        for k in ("k1", "k2", "k3", "k4", "evil"):
            H.run(["db", "keygen", os.path.join(self.keys, k)], check=0)
        self.samples = {}
        for name in "ABCDZ":
            p = os.path.join(base, "sample-" + name)
            data = ("vigil update test sample %s\n" % name).encode() * 40
            with open(p, "wb") as f:
                f.write(data)
            self.samples[name] = p

    def key(self, k):
        return os.path.join(self.keys, k + ".key")

    def pub(self, k):
        return os.path.join(self.keys, k + ".pub")

    def sources(self, tag, names):
        """A directory with one .hdb detecting the given samples."""
        d = os.path.join(self.base, "src", tag)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, tag.split("-")[0] + ".hdb"), "w") as f:
            for n in names:
                with open(self.samples[n], "rb") as s:
                    f.write(H.hdb_line(s.read(), "Vigil.Test." + n))
        return d

    def publish(self, repo, args, env=None):
        return H.run(["db", "publish", repo] + args, env=env, check=0)


class Attacks(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        try:
            cls._setup()
        except BaseException:
            cls.tearDownClass()  # no server or temporary directory outlives a failed set-up
            raise

    @classmethod
    def _setup(cls):
        cls.base = tempfile.mkdtemp(prefix="vigil-upd-")
        cls.www = os.path.join(cls.base, "www")
        os.makedirs(cls.www)
        cls.nginx = H.Nginx(cls.base, cls.www)
        cls.repo = r = Repo(cls.base)
        cls.pub = os.path.join(cls.base, "pub")
        cls.signers = ["--key", r.key("k1"), "--key", r.key("k2"), "--trust-key", r.pub("k3"), "--threshold", "2"]
        # Release 1: main detects A; daily detects Z. Release 2: daily adds B.
        # Release 3: daily adds C. A snapshot of the repository after each
        # release is a mirror serving that release.
        main = r.sources("main", ["A"])
        r.publish(cls.pub, cls.signers + ["--shard", "main=" + main, "--shard", "daily=" + r.sources("daily-1", "Z")])
        H.copytree(cls.pub, os.path.join(cls.www, "r1"))
        r.publish(cls.pub, cls.signers + ["--shard", "daily=" + r.sources("daily-2", "ZB")])
        H.copytree(cls.pub, os.path.join(cls.www, "r2"))
        r.publish(cls.pub, cls.signers + ["--shard", "daily=" + r.sources("daily-3", "ZBC")])
        H.copytree(cls.pub, os.path.join(cls.www, "r3"))
        with open(os.path.join(cls.www, "r3", "manifest")) as f:
            cls.r3_created = int([l for l in f.read().split("\n") if l.startswith("created ")][0].split()[1])
        # A fork: the same keys publish a different history after release 1.
        fork = os.path.join(cls.base, "fork")
        H.copytree(os.path.join(cls.www, "r1"), fork)
        r.publish(fork, cls.signers + ["--shard", "daily=" + r.sources("daily-f2", "ZD")])
        H.copytree(fork, os.path.join(cls.www, "fork2"))
        r.publish(fork, cls.signers + ["--shard", "daily=" + r.sources("daily-f3", "ZDC")])
        H.copytree(fork, os.path.join(cls.www, "fork3"))
        # Key rotation after release 3: {k1,k2,k3} -> {k2,k3,k4}, threshold 2,
        # the new root signed by k2, k4 (new) and k1 (old).
        rot = os.path.join(cls.base, "rot")
        H.copytree(cls.pub, rot)
        r.publish(rot, ["--key", r.key("k2"), "--key", r.key("k4"), "--trust-key", r.pub("k3"), "--threshold", "2",
                        "--old-key", r.key("k1"), "--shard", "daily=" + r.sources("daily-4", "ZBCD")])
        H.copytree(rot, os.path.join(cls.www, "rot"))
        # The live client: release 2 installed, clamd loading it.
        cls.state = os.path.join(cls.base, "client")
        cls.root1 = os.path.join(cls.www, "r1", "root", "1.root")
        H.run(["update", "--state", cls.state, "--root", cls.root1, "--format", "sources",
               "--mirror", cls.nginx.url("r2")], check=0)
        cls.db = os.path.join(cls.state, "db")
        cls.clamd = H.Clamd(cls.base, os.path.join(cls.db, "current"))
        cls.vigild = H.Vigild(cls.base, os.path.join(cls.db, "current"))
        cls.daemons = (cls.clamd, cls.vigild)

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "vigild", None):
            cls.vigild.stop()
        if getattr(cls, "clamd", None):
            cls.clamd.stop()
        if getattr(cls, "nginx", None):
            cls.nginx.stop()
        if getattr(cls, "base", None):
            shutil.rmtree(cls.base, ignore_errors=True)

    # ---------------------------------------------------------------- tools

    def mirror(self, name, src="r3"):
        """A fresh copy of a good mirror, to be made malicious."""
        d = os.path.join(self.www, name)
        if os.path.exists(d):
            shutil.rmtree(d)
        H.copytree(os.path.join(self.www, src), d)
        return d

    def update(self, mirrors, env=None, extra=(), state=None, notify=True):
        args = ["update", "--state", state or self.state, "--format", "sources"]
        if notify:
            for dmn in self.daemons:
                args += ["--notify-clamd", dmn.sock]
        for m in mirrors:
            args += ["--mirror", m]
        return H.run(args + list(extra), env=env)

    def refused(self, mirror, message, env=None, extra=(), state=None):
        """The attack is refused, names itself, and changes nothing."""
        state = state or self.state
        before = H.snapshot(state)
        logs_before = [dmn.reloads() for dmn in self.daemons]
        rc, out, err = self.update([mirror], env=env, extra=extra, state=state)
        self.assertEqual(rc, 1, "attack was not refused:\n" + out + err)
        self.assertIn(message, err)
        self.assertEqual(H.snapshot(state), before, "installed database or trust state changed")
        self.assertEqual([dmn.reloads() for dmn in self.daemons], logs_before, "a daemon reloaded")
        if state == self.state:
            # Release 2 detects B but not C (C arrives with release 3).
            for dmn in self.daemons:
                self.assertTrue(self.detects("B", dmn))
                self.assertTrue(dmn.scan(self.repo.samples["C"]).endswith(": OK"))
        return err

    def detects(self, name, dmn):
        """The daemon reports sample `name` (as Vigil.Test.<name>, unofficial)."""
        res = dmn.scan(self.repo.samples[name]) or ""
        return "Vigil.Test.%s" % name in res and res.endswith("FOUND")

    def key_id(self, k):
        with open(self.repo.pub(k)) as f:
            return hashlib.sha256(bytes.fromhex(f.read().split()[1])).hexdigest()

    def manifest_lines(self, d):
        with open(os.path.join(d, "manifest")) as f:
            return f.read().split("\n")

    def write_manifest(self, d, lines):
        with open(os.path.join(d, "manifest"), "w") as f:
            f.write("\n".join(lines))

    def shard_file(self, d, shard):
        for n in os.listdir(os.path.join(d, "shards")):
            if n.startswith(shard + "-"):
                p = os.path.join(d, "shards", n)
                # only the one the manifest lists (the previous may still be there)
                if any(n[len(shard) + 1:-7] in l for l in self.manifest_lines(d)):
                    return p
        raise AssertionError("no shard " + shard)

    # -------------------------------------------------------------- attacks

    def test_01_wrong_key(self):
        d = os.path.join(self.www, "wrongkey")
        for _ in range(3):  # a newer release number than the client has
            self.repo.publish(d, ["--key", self.repo.key("evil"), "--shard",
                                  "daily=" + self.repo.sources("daily-evil", "ZBCA")])
        self.refused(self.nginx.url("wrongkey"), "0 valid signatures by keys of root version 1")
        # A root/2.root of the attacker's own does not help.
        shutil.copy(os.path.join(d, "root", "1.root"), os.path.join(d, "root", "2.root"))
        self.refused(self.nginx.url("wrongkey"), "root version 2")

    def test_02_bad_signature(self):
        d = self.mirror("badsig")
        lines = self.manifest_lines(d)
        sig = [i for i, l in enumerate(lines) if l.startswith("sig ")][1]
        w = lines[sig].split(" ")
        w[2] = "".join("%x" % ((int(c, 16) + 1) % 16) for c in w[2])
        lines[sig] = " ".join(w)
        self.write_manifest(d, lines)
        self.refused(self.nginx.url("badsig"), "does not verify")

    def test_03_flipped_bit_manifest(self):
        d = self.mirror("flipmanifest")
        body = H.read_text(os.path.join(d, "manifest")).encode()
        H.flip_bit(os.path.join(d, "manifest"), body.index(b"expires ") + 9, 0)
        self.refused(self.nginx.url("flipmanifest"), "0 valid signatures")

    def test_04_flipped_bit_shard(self):
        d = self.mirror("flipshard")
        p = self.shard_file(d, "daily")
        H.flip_bit(p, os.path.getsize(p) // 2, 3)
        self.refused(self.nginx.url("flipshard"), "differs from the manifest (tampered)")

    def test_05_length_mismatch(self):
        d = self.mirror("short")
        p = self.shard_file(d, "daily")
        with open(p, "r+b") as f:
            f.truncate(os.path.getsize(p) - 1)
        self.refused(self.nginx.url("short"), "the manifest lists")

    def test_06_endless_data_nginx(self):
        d = self.mirror("endless")
        p = self.shard_file(d, "daily")
        size = os.path.getsize(p)
        with open(p, "ab") as f:
            f.write(b"\0" * (9 * size))  # 10x the listed size
        self.nginx.clear_log()
        self.refused(self.nginx.url("endless"), "more than the %d bytes listed (endless data)" % size)

    def test_07_endless_data_stream(self):
        d = self.mirror("endless2")
        t = H.Trickle(d, ".tar.gz", "endless")
        try:
            self.refused(t.url(), "(endless data)")
        finally:
            t.stop()

    def test_08_rollback(self):
        self.mirror("rollback", "r1")
        self.refused(self.nginx.url("rollback"), "older than the installed version 2 (rollback attack)")

    def test_09_same_version_other_content(self):
        self.mirror("equivocate", "fork2")
        self.refused(self.nginx.url("equivocate"), "same version, different content")

    def test_10_freeze(self):
        self.mirror("freeze", "r3")
        later = {"VIGIL_NOW": str(self.r3_created + 8 * DAY)}  # manifests expire after 7 days
        self.refused(self.nginx.url("freeze"), "expired", env=later)
        self.refused(self.nginx.url("freeze"), "refusing a frozen repository", env=later)

    def test_11_mix_and_match(self):
        d = self.mirror("mix")
        shutil.copy(os.path.join(self.www, "r2", "log"), os.path.join(d, "log"))
        self.refused(self.nginx.url("mix"), "release log")
        # Release 3's manifest with release 2's daily shard under its name.
        d = self.mirror("mix2")
        src = self.shard_file(os.path.join(self.www, "r2"), "daily")
        shutil.copy(src, self.shard_file(d, "daily"))
        self.refused(self.nginx.url("mix2"), "shard daily")

    def test_12_forked_log(self):
        self.mirror("forked", "fork3")
        self.refused(self.nginx.url("forked"), "forked its history")

    def test_13_missing_signature(self):
        d = self.mirror("nosig")
        self.write_manifest(d, [l for l in self.manifest_lines(d) if not l.startswith("sig ")])
        self.refused(self.nginx.url("nosig"), "not signed")

    def test_14_slow_retrieval(self):
        d = self.mirror("slow")
        t = H.Trickle(d, "/manifest", "slow")
        try:
            err = self.refused(t.url(), "timed out", extra=["--timeout", "3"])
            self.assertIn("manifest", err)
        finally:
            t.stop()

    def test_15_rotation_one_signature_too_few(self):
        d = self.mirror("rot-weak", "rot")
        p = os.path.join(d, "root", "2.root")
        lines = H.read_text(p).split("\n")
        # Drop the signature of k1 (the old key that made the threshold).
        k1id = self.key_id("k1")
        kept = [l for l in lines if not l.startswith("sig " + k1id)]
        self.assertEqual(len(kept), len(lines) - 1)
        with open(p, "w") as f:
            f.write("\n".join(kept))
        self.refused(self.nginx.url("rot-weak"), "1 valid signature by keys of the trusted root version 1, 2 needed")

    def test_16_rotation_signed_by_new_keys_only(self):
        d = self.mirror("rot-new", "rot")
        p = os.path.join(d, "root", "2.root")
        lines = H.read_text(p).split("\n")
        ids = {self.key_id("k1"), self.key_id("k2")}
        with open(p, "w") as f:
            f.write("\n".join(l for l in lines if not (l.startswith("sig ") and l.split()[1] in ids)))
        self.refused(self.nginx.url("rot-new"), "by keys of the trusted root version 1")

    # ------------------------------------------------------- good behaviour

    def test_20_rotation(self):
        """A client follows a properly signed key rotation; afterwards
        manifests signed by the retired key set are refused."""
        state = os.path.join(self.base, "client-rot")
        H.copytree(self.state, state)
        rc, out, err = self.update([self.nginx.url("rot")], state=state, notify=False)
        self.assertEqual(rc, 0, out + err)
        self.assertIn("trusting root version 2", err)
        self.assertIn("release 4", out)
        before = H.snapshot(state)
        rc, out, err = self.update([self.nginx.url("r3")], state=state, notify=False)
        self.assertEqual(rc, 1)
        self.assertIn("1 valid signature by keys of root version 2, 2 needed", err)
        self.assertEqual(H.snapshot(state), before)

    def test_21_mix_and_match_across_roots(self):
        """The root is renewed with the same keys; a manifest made for the
        old root still carries valid signatures, and is refused all the same."""
        renew = os.path.join(self.base, "renew")
        H.copytree(self.pub, renew)
        self.repo.publish(renew, self.signers + ["--rotate-root", "--shard",
                                                 "daily=" + self.repo.sources("daily-r4", "ZBCA")])
        H.copytree(renew, os.path.join(self.www, "renew"))
        state = os.path.join(self.base, "client-renew")
        H.copytree(self.state, state)
        rc, out, err = self.update([self.nginx.url("renew")], state=state, notify=False)
        self.assertEqual(rc, 0, out + err)
        self.assertIn("trusting root version 2", err)
        before = H.snapshot(state)
        rc, out, err = self.update([self.nginx.url("r3")], state=state, notify=False)
        self.assertEqual(rc, 1)
        self.assertIn("made for root version 1, but the trusted root is version 2 (mix-and-match)", err)
        self.assertEqual(H.snapshot(state), before)

    def test_30_failover_update_reload_rollback(self):
        """Bad mirror first, good one second: the good release is installed,
        only the changed shard is downloaded, clamd reloads; rollback brings
        the old database back and clamd reloads again."""
        bad = self.mirror("failover-bad")
        p = self.shard_file(bad, "daily")
        H.flip_bit(p, 10, 1)
        self.nginx.clear_log()
        rc, out, err = self.update([self.nginx.url("failover-bad"), self.nginx.url("r3")])
        self.assertEqual(rc, 0, out + err)
        self.assertIn("failover-bad", err)
        self.assertIn("release 3", out)
        log = self.nginx.log()
        good_gets = [l for l in log.split("\n") if " /r3/shards/" in l]
        self.assertEqual(len(good_gets), 1, log)          # only daily changed
        self.assertIn("/r3/shards/daily-", good_gets[0])
        for dmn in self.daemons:
            H.wait_for(lambda: self.detects("C", dmn), "daemon to reload release 3", limit=600)
        H.check_generation(os.path.join(self.db, "current"))
        # Up to date now.
        rc, out, err = self.update([self.nginx.url("r3")])
        self.assertEqual(rc, 0, out + err)
        self.assertIn("up to date", out)
        # Rollback: release 2 again, and it is not reinstalled over the rollback.
        rc, out, err = H.run(["db", "rollback", "--state", self.state, "--notify-clamd", self.clamd.sock,
                              "--notify-clamd", self.vigild.sock])
        self.assertEqual(rc, 0, out + err)
        for dmn in self.daemons:
            H.wait_for(lambda: (dmn.scan(self.repo.samples["C"]) or "").endswith(": OK"),
                       "daemon to reload release 2", limit=600)
        rc, out, err = self.update([self.nginx.url("r3")])
        self.assertEqual(rc, 0, out + err)
        self.assertIn("up to date", out)
        for dmn in self.daemons:
            self.assertTrue(dmn.scan(self.repo.samples["C"]).endswith(": OK"))
        # Older releases are still refused after a rollback.
        self.refused(self.nginx.url("r1"), "rollback attack")
        # Forward again for the tests that follow (unittest runs them in name order).
        rc, out, err = H.run(["db", "rollback", "--state", self.state])
        self.assertEqual(rc, 0, out + err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
