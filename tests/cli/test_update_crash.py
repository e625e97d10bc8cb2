"""test_update_crash.py - an install killed at any step leaves a complete
database, old or new, never a mix; a full disk during staging leaves the old.

For each step of `vigil update` (download, verify, stage, fsync, rename,
switch, reload) the test-only hook VIGIL_TEST_PAUSE stops the process
there, and it is killed with SIGKILL. Then `current` must name a complete
generation (every file listed in GENERATION, with its size and SHA-256, and
nothing else), of the old release before the switch and of the new one
after it, and vigil must load it and scan with it. The next run finishes
the job and leaves no debris. Twice round all steps. The repository is
served by nginx; the full disk is a small tmpfs mounted by the test.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import update_helpers as H  # noqa: E402

STEPS = ["download", "verify", "stage", "fsync", "rename", "switch", "reload"]
OLD_AFTER_KILL = {"download", "verify", "stage", "fsync", "rename"}


class Crash(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        try:
            cls._setup()
        except BaseException:
            cls.tearDownClass()  # no server or temporary directory outlives a failed set-up
            raise

    @classmethod
    def _setup(cls):
        cls.base = tempfile.mkdtemp(prefix="vigil-crash-")
        cls.www = os.path.join(cls.base, "www")
        os.makedirs(cls.www)
        cls.nginx = H.Nginx(cls.base, cls.www)
        cls.repo = os.path.join(cls.www, "repo")
        cls.key = os.path.join(cls.base, "k1")
        H.run(["db", "keygen", cls.key], check=0)
        cls.release = 0
        cls.publish(cls)

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "nginx", None):
            cls.nginx.stop()
        if getattr(cls, "base", None):
            shutil.rmtree(cls.base, ignore_errors=True)

    def publish(self, extra_lines=0):
        """Release n+1: daily detects samples 1..n+1; main stays the same."""
        Crash.release += 1  # one counter for the class: releases only grow
        src = os.path.join(self.base, "src-%d" % self.release)
        main = os.path.join(self.base, "src-main")
        os.makedirs(src)
        os.makedirs(main, exist_ok=True)
        with open(os.path.join(main, "main.hdb"), "w") as f:
            f.write(H.hdb_line(b"main shard sample\n" * 9, "Crash.Main"))
        with open(os.path.join(src, "daily.hdb"), "w") as f:
            for i in range(1, self.release + 1):
                f.write(H.hdb_line(self.sample_data(i), "Crash.Sample.%d" % i))
            for i in range(extra_lines):
                f.write("%032x:%d:Crash.Filler.%d\n" % (i * 7919 + 1, 1000 + i, i))
        H.run(["db", "publish", self.repo, "--key", self.key + ".key", "--shard", "main=" + main,
               "--shard", "daily=" + src], check=0)

    @staticmethod
    def sample_data(i):
        return ("crash test sample %d\n" % i).encode() * 25

    def sample(self, i):
        p = os.path.join(self.base, "sample-%d" % i)
        if not os.path.exists(p):
            with open(p, "wb") as f:
                f.write(self.sample_data(i))
        return p

    def update_args(self, state):
        return ["update", "--state", state, "--root", os.path.join(self.repo, "root", "1.root"),
                "--mirror", self.nginx.url("repo")]

    def installed_release(self, state):
        """Check the current generation is complete and loads; return its release."""
        cur = os.path.join(state, "db", "current")
        H.check_generation(cur)
        with open(os.path.join(cur, "GENERATION")) as f:
            release = int([l for l in f.read().split("\n") if l.startswith("manifest ")][0].split()[1])
        # vigil loads it and it detects exactly the samples of that release.
        rc, out, err = H.run(["scan", "-d", cur, self.sample(release), self.sample(release + 1)])
        self.assertEqual(rc, 1, out + err)
        self.assertIn("Crash.Sample.%d" % release, out)
        self.assertIn("sample-%d: OK" % (release + 1), out)
        return release

    def kill_at(self, state, step):
        env = dict(os.environ, VIGIL_TEST_PAUSE=step)
        p = subprocess.Popen([H.VIGIL] + self.update_args(state), env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
        seen = []
        try:
            for _ in range(200):  # bounded: the pause line comes within a few lines
                line = p.stderr.readline()
                if not line:
                    break
                seen.append(line)
                if "test pause at " + step in line:
                    break
            self.assertIn("vigil: test pause at %s\n" % step, seen, "".join(seen))
        finally:
            p.send_signal(signal.SIGKILL)
            p.wait()
            p.stderr.close()
        self.assertEqual(p.returncode, -signal.SIGKILL)

    def test_kill_at_every_step(self):
        state = os.path.join(self.base, "client")
        H.run(self.update_args(state), check=0)
        for rnd in range(2):
            for step in STEPS:
                old = self.installed_release(state)
                self.publish()
                self.kill_at(state, step)
                after = self.installed_release(state)
                self.assertEqual(after, old if step in OLD_AFTER_KILL else old + 1,
                                 "round %d, killed at %s" % (rnd, step))
                prev = os.path.join(state, "db", "previous")
                if os.path.islink(prev):
                    H.check_generation(prev)
                # The next run completes the update and cleans up.
                rc, out, err = H.run(self.update_args(state))
                self.assertEqual(rc, 0, out + err)
                self.assertEqual(self.installed_release(state), self.release)
                debris = [n for n in os.listdir(os.path.join(state, "db")) if n.startswith(".staging")
                          or n.startswith(".link")]
                self.assertEqual(debris, [])
                gens = [n for n in os.listdir(os.path.join(state, "db")) if n.startswith("gen-")]
                self.assertLessEqual(len(gens), 3, gens)

    def test_z_full_disk_while_staging(self):
        self.assertEqual(os.geteuid(), 0, "the full-disk case mounts a tmpfs and needs root")
        disk = os.path.join(self.base, "disk")
        os.makedirs(disk)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", disk], check=True)
        try:
            state = os.path.join(disk, "client")
            H.run(self.update_args(state), check=0)
            old = self.installed_release(state)
            before = H.snapshot(state)
            self.publish(extra_lines=6000)  # a release that cannot fit
            rc, out, err = H.run(self.update_args(state))
            self.assertNotEqual(rc, 0, out + err)
            self.assertIn("No space left on device", err)
            self.assertEqual(H.snapshot(state), before)
            self.assertEqual(self.installed_release(state), old)
        finally:
            subprocess.run(["umount", disk], check=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
