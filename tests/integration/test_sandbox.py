"""The worker's walls, proved from outside: with the test-only evil-filter
as the configured worker (tests/evil_filter.c), an upload that makes it
open a file, connect a socket or run a program after it entered its
sandbox gets it killed by seccomp (SIGSYS, signal 31, in the daemon's
log), the bundle is refused with processing_failed naming the file, the
daemon runs on and accepts the next bundle, and nothing the worker tried
happened."""

import os
import signal
import unittest

import qujatlib as q
from qujatlib import VALID_IINS

KINDS = (b"OPEN", b"CONNECT", b"EXEC")


def evil(kind):
    return b"QUJAT-TEST-" + kind + b"\n" + b"\0" * 4096


class Sandbox(q.SpoolTest):
    def test_escapes_are_killed(self):
        d = self.evil_daemon(worker_retries=1)
        d.wait_started()
        apps = {}
        for k in KINDS:
            app = "SB-" + k.decode()
            files = {"certificate.pdf": evil(k)}
            q.drop(self.spool, app, files, q.manifest_for(
                app, "free_transport",
                [("certificate.pdf", "school_certificate")], files=files))
            apps[app] = files
        for app, files in apps.items():
            with self.subTest(app):
                ref = self.assertRefused(app, ["processing_failed"], files,
                                         timeout=30)
                self.assertEqual([r["code"] for r in ref["reasons"]],
                                 ["processing_failed"])
                self.reason(ref, "processing_failed", "certificate.pdf")
                self.assertFalse((self.spool / "outbox" / app).exists())
        self.assertTrue(d.alive(), "qujatd died with its workers")
        good = q.drop_complete(self.spool, "SB-after", "free_transport",
                               VALID_IINS[2])
        self.assertAccepted("SB-after", good)
        log = d.log()
        self.assertNotIn("sandbox escaped", log)
        sig = int(signal.SIGSYS)
        for app in apps:
            lines = [ln for ln in log.splitlines() if "[%s]" % app in ln
                     and "worker for" in ln]
            # each try (the first and its retry) died of SIGSYS
            self.assertEqual(
                sum("killed by signal %d" % sig in ln for ln in lines), 2,
                "%s: the worker was not killed by SIGSYS twice:\n%s"
                % (app, "\n".join(lines)))

    def test_landlock_refuses_paths(self):
        """The second wall on its own: after sandbox_landlock() and without
        seccomp (which would kill first), open() of a host file fails with
        EACCES. Skipped, saying so, only on a kernel without Landlock."""
        import subprocess
        abi = landlock_abi()
        if abi <= 0:
            self.skipTest("this kernel has no Landlock: seccomp is the "
                          "only wall")
        import tempfile
        with tempfile.TemporaryFile() as f:   # the worker preads fd 0
            f.write(b"QUJAT-TEST-LANDLOCK\n")
            f.seek(0)
            p = subprocess.run([str(q.EVIL_FILTER)], stdin=f,
                               capture_output=True, timeout=10)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(b"type text/x-landlock-held", p.stdout,
                      "landlock ABI %d did not refuse open(): %r"
                      % (abi, p.stdout))


def landlock_abi():
    """landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION):
    the ABI version, or -1 without Landlock (x86_64 and arm64 share 444)."""
    import ctypes
    import platform
    if platform.machine() not in ("x86_64", "aarch64"):
        return -1
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return int(libc.syscall(ctypes.c_long(444), None, ctypes.c_size_t(0),
                            ctypes.c_uint32(1)))


if __name__ == "__main__":
    unittest.main()
