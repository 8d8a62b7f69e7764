"""A full disk (contract section 1: a bundle ends in exactly one of
outbox/ or rejected/ whatever happens, a full disk included). The spool
is put on an 8 MB tmpfs (or, where tmpfs cannot be mounted, a loop-mounted
ext4 image); bundles are queued, the filesystem is filled to the last
byte, they are let into incoming/, and then the space is freed. While the
disk is full no bundle may be published half, refused for the daemon's
own trouble, or lost; the daemon says in its log and in STATUS= that the
disk is full and that it has stopped claiming; once space returns every
bundle is accepted, and incoming/ and active/ end empty."""

import errno
import os
import shutil
import subprocess
import tempfile
import unittest

import qujatlib as q
from qujatlib import VALID_IINS
from test_crash import Watcher
from test_systemd import NotifySocket

SIZE_MB = 8
N_EARLY, N_HELD, N_MID = 2, 4, 5
# Room left for the mid-run phase: over the daemon's 1 MiB reserve, so it
# claims, but short of what N_MID bundles of ~400 kB need.
LEAVE_MID = 1100 << 10


def try_mount(where):
    """Mounts a small filesystem at where; returns how, or raises SkipTest
    saying why neither way works here."""
    if os.geteuid() != 0:
        raise unittest.SkipTest("mounting a small filesystem needs root")
    why = []
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%dm,mode=0755"
                        % SIZE_MB, "tmpfs", str(where)], capture_output=True)
    if r.returncode == 0:
        return "tmpfs"
    why.append("tmpfs: " + r.stderr.decode(errors="replace").strip())
    img = str(where) + ".img"
    if shutil.which("mkfs.ext4"):
        with open(img, "wb") as f:
            f.truncate(SIZE_MB << 20)
        subprocess.run(["mkfs.ext4", "-q", "-F", img], capture_output=True)
        r = subprocess.run(["mount", "-o", "loop", img, str(where)],
                           capture_output=True)
        if r.returncode == 0:
            return "ext4 on a loop device"
        why.append("loop: " + r.stderr.decode(errors="replace").strip())
    else:
        why.append("loop: no mkfs.ext4")
    raise unittest.SkipTest("cannot mount a small filesystem here (%s)"
                            % "; ".join(why))


def fill(path, leave=0):
    """Writes zeros to path until the filesystem refuses more, then gives
    back `leave` bytes."""
    chunk = bytes(64 << 10)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        while True:
            try:
                os.write(fd, chunk)
            except OSError as e:
                if e.errno != errno.ENOSPC:
                    raise
                if len(chunk) == 1:
                    break
                chunk = chunk[:len(chunk) // 2]
        os.ftruncate(fd, max(0, os.fstat(fd).st_size - leave))
        os.fsync(fd)
    finally:
        os.close(fd)


class DiskFull(q.SpoolTest):
    def setUp(self):
        super().setUp()
        self.mnt = self.tmp / "mnt"
        self.mnt.mkdir()
        self.how = try_mount(self.mnt)
        self.addCleanup(self.unmount)
        self.spool = self.mnt / "spool"

    def unmount(self):
        self._cleanup()         # the daemons first: they hold the mount
        subprocess.run(["umount", "-l", str(self.mnt)], capture_output=True)

    def bundle(self, app, seed, big=False):
        data = (q.scan_jpeg(seed=seed) if big else
                q.scan_jpeg(dpi=110, seed=seed, quality=60))
        docs, files = [("certificate.jpg", "school_certificate")], {
            "certificate.jpg": data}
        return files, q.manifest_for(app, "free_transport", docs,
                                     child_iin=self.iins.pop(), files=files)

    def hold(self, apps, big=False, seed=0):
        """Bundles written while there is room, hidden from the daemon."""
        held = {}
        inc = self.spool / "incoming"
        for i, app in enumerate(apps):
            held[app], m = self.bundle(app, seed + i, big)
            q.write_files(inc / (".hold-" + app), held[app], m)
        return held

    def release(self, held):
        inc = self.spool / "incoming"
        for app in held:
            os.rename(inc / (".hold-" + app), inc / app)

    def test_fill_and_free(self):
        self.iins = [x for _, x in zip(range(N_EARLY + N_HELD + N_MID),
                                       q.iins(seed=31))]
        sock = self.tmp / "notify.sock"
        ns = NotifySocket(sock)
        self.addCleanup(ns.close)
        d = self.daemon(env={"NOTIFY_SOCKET": str(sock)})
        d.wait_started()
        print("\ntest_fill_and_free: spool on %s of %d MB" % (self.how,
                                                              SIZE_MB))
        early = {}
        for i in range(N_EARLY):
            app = "DF-early-%d" % i
            early[app], m = self.bundle(app, i)
            q.drop(self.spool, app, early[app], m)
        for app, files in early.items():
            self.assertAccepted(app, files)
        held = self.hold(["DF-held-%d" % i for i in range(N_HELD)], seed=10)
        filler = self.spool / "filler"
        fill(filler)
        watcher = Watcher(self.spool)
        watcher.start()
        self.addCleanup(watcher.halt.set)
        self.release(held)
        log_at = len(d.log())
        status_at = len(ns.snapshot())
        # Full: the daemon says so, publishes nothing half, refuses nothing.
        q.wait_for(lambda: "full" in d.log()[log_at:].lower() or
                   "no space" in d.log()[log_at:].lower(), 30,
                   "the full disk in the log", d)
        q.wait_for(lambda: any("full" in kv.get("STATUS", "").lower()
                               for _, kv, _ in ns.snapshot()[status_at:]),
                   30, "STATUS= saying the disk is full", d)
        # The daemon has seen every held bundle and left it in incoming/:
        # a scan after the renames counts them all waiting, none taken.
        waiting = "0 in progress, %d waiting in incoming" % N_HELD
        q.wait_for(lambda: any("full" in kv.get("STATUS", "").lower() and
                               waiting in kv.get("STATUS", "")
                               for _, kv, _ in ns.snapshot()[status_at:]),
                   30, "STATUS= saying %r" % waiting, d)
        for app in held:
            self.assertIsNone(q.result_of(str(self.spool), app),
                              "%s was published while the disk was full"
                              % app)
        # Space returns: everything goes through.
        os.unlink(filler)
        for app, files in held.items():
            self.assertAccepted(app, files, timeout=60)
        # Mid-run: room to claim, not to finish; the workers' writes fail.
        mid = self.hold(["DF-mid-%d" % i for i in range(N_MID)], big=True,
                        seed=20)
        fill(filler, leave=LEAVE_MID)
        log_at = len(d.log())
        self.release(mid)
        q.wait_for(lambda: any("worker for" in ln and "filesystem is full"
                               in ln for ln in
                               d.log()[log_at:].splitlines()), 30,
                   "a worker that ran out of room mid-run", d)
        os.unlink(filler)
        for app, files in mid.items():
            self.assertAccepted(app, files, timeout=60)
        held.update(mid)
        watcher.halt.set()
        watcher.join(10)
        self.assertEqual(watcher.problems, [], "a consumer saw a "
                         "half-published bundle")
        self.assertTrue(d.alive())
        for app in list(early) + list(held):
            places = [f for f in ("outbox", "rejected", "active", "incoming")
                      if (self.spool / f / app).exists()]
            self.assertEqual(places, ["outbox"], app)
        self.assertEqual(q.entries(self.spool / "active"), [])
        self.assertEqual(q.entries(self.spool / "incoming"), [])
        q.wait_for(lambda: any("full" not in kv.get("STATUS", "full").lower()
                               for _, kv, _ in ns.snapshot()[status_at:][-1:]),
                   15, "STATUS= no longer saying the disk is full", d)


if __name__ == "__main__":
    unittest.main()
