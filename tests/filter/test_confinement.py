"""tests/filter/test_confinement.py: the worker's sandbox (sandbox.c) kills
what escapes it. build/tests/evil-filter (make's TEST_PROGS) narrows
itself as qujat-filter does, then does what its input says: crash, open
a file, connect, exec, hang; any other input goes to the real worker. A
missing evil-filter fails these tests, never skips them."""

import os, signal, subprocess, sys, unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixtures import (  # noqa: E402
    EVIL, WorkerTest, picture, save, write)


class SandboxTest(WorkerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not os.access(EVIL, os.X_OK):
            raise AssertionError("no %s: run make %s first" % (EVIL, EVIL))

    def evil(self, data, args=(), timeout=30):
        src = os.path.join(self.tmp, "evil")
        write(src, data)
        with open(src, "rb") as fin:
            return subprocess.run([EVIL] + list(args), stdin=fin,
                                  capture_output=True, timeout=timeout)

    def assert_killed(self, what, want):
        p = self.evil(b"QUJAT-TEST-" + what.encode() + b"\n")
        self.assertEqual(p.returncode, want, "exit %d, want %d: %s" % (
            p.returncode, want, p.stdout[:200]))

    def test_crash_is_a_crash(self):
        """A crash (abort) is seen as one: SIGABRT."""
        self.assert_killed("CRASH", -signal.SIGABRT)

    def test_open_is_killed(self):
        """open() is not in the seccomp allowlist: SIGSYS."""
        self.assert_killed("OPEN", -signal.SIGSYS)

    def test_connect_is_killed(self):
        """connect() is not in the seccomp allowlist: SIGSYS."""
        self.assert_killed("CONNECT", -signal.SIGSYS)

    def test_exec_is_killed(self):
        """exec() is not in the seccomp allowlist: SIGSYS."""
        self.assert_killed("EXEC", -signal.SIGSYS)

    def test_hang_hangs(self):
        """A hang is one (the daemon's deadline is what ends it)."""
        with self.assertRaises(subprocess.TimeoutExpired, msg="did not hang"):
            self.evil(b"QUJAT-TEST-HANG\n", timeout=1)

    def test_other_input_goes_to_the_real_worker(self):
        """Any other input: the real worker's report, status ok."""
        p = self.evil(save(picture(), "JPEG"), ["--probe-only"])
        self.assertTrue(p.returncode == 0 and b"\nstatus ok\n" in p.stdout,
                        "exit %d" % p.returncode)


if __name__ == "__main__":
    unittest.main()
