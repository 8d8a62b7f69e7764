"""Many bundles at once, and a bundle whose inotify event was lost: the scan,
not the event, is the truth (design.md, Processes)."""

import os
import signal
import time
import unittest

import qujatlib as q

N_BURST = 1000


def max_queued_events():
    with open("/proc/sys/fs/inotify/max_queued_events") as f:
        return int(f.read())


class Burst(q.SpoolTest):
    def drop_small(self, app, iin):
        files = {"certificate.pdf": q.minimal_pdf("Certificate %s" % app)}
        m = q.manifest_for(app, "free_transport",
                           [("certificate.pdf", "school_certificate")],
                           child_iin=iin, files=files)
        q.drop(self.spool, app, files, m)

    def test_thousand_at_once(self):
        q.spool_dirs(self.spool)
        iins = q.iins(seed=31)
        apps = ["BURST-%04d" % i for i in range(N_BURST)]
        half = N_BURST // 2
        for app in apps[:half]:
            self.drop_small(app, next(iins))
        t0 = time.monotonic()
        d = self.daemon()
        for app in apps[half:]:
            self.drop_small(app, next(iins))

        def count():
            return (len(q.entries(self.spool / "outbox")) +
                    len(q.entries(self.spool / "rejected")))
        q.wait_for(lambda: count() >= N_BURST, 300,
                   "%d bundles processed" % N_BURST, d, interval=0.5)
        took = time.monotonic() - t0
        print("\ntest_thousand_at_once: %d bundles in %.1f s (%.0f/s)"
              % (N_BURST, took, N_BURST / took))
        self.assertEqual(sorted(q.entries(self.spool / "outbox")), apps,
                         "refused: %s" % q.entries(self.spool / "rejected"))
        self.assertEqual(os.listdir(self.spool / "incoming"), [])
        self.assertEqual(os.listdir(self.spool / "active"), [])
        self.assertEqual(d.stop(), 0)

    def test_missed_inotify_event(self):
        """The daemon is stopped while more events than inotify queues
        happen in incoming/, then a bundle arrives: its own event is lost
        in the overflow. A daemon that acts on the names in events (and
        skips the dot-file noise) loses it unless its rescan timer finds
        it; one that rescans on any event finds it at once."""
        d = self.daemon(scan_interval_ms=2000)
        self.drop_small("INO-0", q.VALID_IINS[0])
        self.result("INO-0", 30)            # the watch is surely set up
        inc = self.spool / "incoming"
        d.signal(signal.SIGSTOP)
        try:
            for i in range(max_queued_events() + 1000):
                p = inc / (".noise-%d" % i)
                os.close(os.open(p, os.O_WRONLY | os.O_CREAT, 0o644))
                os.unlink(p)
            self.drop_small("INO-1", q.VALID_IINS[1])
        finally:
            d.signal(signal.SIGCONT)
        folder, _ = self.result("INO-1", 30)
        self.assertEqual(folder, "outbox")
        self.assertTrue(d.alive())


if __name__ == "__main__":
    unittest.main()
