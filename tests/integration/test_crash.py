"""kill -9 at random moments while bundles stream in: every bundle ends in
exactly one of outbox/ and rejected/, and a consumer never sees a
half-published bundle (contract, section 1, daemon guarantees)."""

import json
import os
import random
import threading
import time
import unittest

import qujatlib as q

N_BUNDLES = 100
N_KILLS = 8


def check_visible(spool, app):
    """Returns a problem with the published app, or None."""
    for folder in ("outbox", "sent"):
        path = os.path.join(spool, folder, app)
        if os.path.isdir(path):
            try:
                man = q.load_json(os.path.join(path, "manifest.json"))
                q.load_json(os.path.join(path, "report.json"))
            except (OSError, ValueError) as e:
                return "%s/%s: %s" % (folder, app, e)
            for d in man.get("documents", []):
                p = os.path.join(path, d["file"])
                try:
                    size = os.lstat(p).st_size
                except OSError as e:
                    return "%s/%s: %s" % (folder, app, e)
                if size != d.get("bytes"):
                    return "%s/%s/%s: %d bytes, manifest says %s" % (
                        folder, app, d["file"], size, d.get("bytes"))
            return None
    path = os.path.join(spool, "rejected", app)
    try:
        ref = q.load_json(os.path.join(path, "refusal.json"))
    except (OSError, ValueError) as e:
        return "rejected/%s: %s" % (app, e)
    if ref.get("application_id") != app or not ref.get("reasons"):
        return "rejected/%s: bad refusal.json" % app
    return None


class Watcher(threading.Thread):
    """Lists outbox/ and rejected/ over and over, as a consumer would, and
    checks every bundle it sees is complete."""

    def __init__(self, spool):
        super().__init__(daemon=True)
        self.spool = str(spool)
        self.problems = []
        self.checked = 0
        self.halt = threading.Event()

    def run(self):
        while not self.halt.is_set():
            for folder in ("outbox", "rejected"):
                for app in q.entries(os.path.join(self.spool, folder)):
                    p = check_visible(self.spool, app)
                    self.checked += 1
                    if p:
                        self.problems.append(p)


class Crash(q.SpoolTest):
    def test_take_cut_short_is_finished_at_start(self):
        # A kill -9 after a take renamed the producer's folder aside but
        # before it removed it leaves incoming/.qujat-taken.<ino>.<n>: the
        # next start removes it, and leaves the producer's own dot names.
        q.spool_dirs(self.spool)
        aside = self.spool / "incoming" / ".qujat-taken.12345.0"
        (aside / "sub").mkdir(parents=True)
        (aside / "sub" / "scan.jpg").write_bytes(q.scan_jpeg())
        mine = self.spool / "incoming" / ".upload-in-progress"
        mine.mkdir()
        (mine / "a.jpg").write_bytes(b"half")
        d = self.daemon()
        q.wait_for(lambda: "ready:" in d.log(), 30, "ready", d)
        self.assertFalse(aside.exists())
        self.assertEqual((mine / "a.jpg").read_bytes(), b"half")

    def test_bundle_an_earlier_version_left_in_active_ends(self):
        # The earlier version claimed by renaming the producer's folder
        # into active/: no take record. At start it goes back to
        # incoming/, is taken like any other, and ends.
        q.spool_dirs(self.spool)
        files = {"p1.jpg": q.scan_jpeg(seed=1)}
        m = q.manifest_for("OLD-1", "free_transport",
                           [("p1.jpg", "school_certificate")], files=files)
        q.write_files(self.spool / "active" / "OLD-1", files, m)
        self.daemon()
        self.assertAccepted("OLD-1", files)
        self.assertEqual(os.listdir(self.spool / "active"), [])

    def test_kill9_stream(self):
        seed = int(os.environ.get("QUJAT_SEED", time.time()))
        print("\ntest_kill9_stream: QUJAT_SEED=%d" % seed)
        rnd = random.Random(seed)
        q.spool_dirs(self.spool)
        iins = q.iins(seed=23)
        expect = {}                 # app -> "outbox" | "rejected"
        plan = []
        for i in range(N_BUNDLES):
            app = "CR-%03d" % i
            if i % 5 == 4:          # a refused one: no vkk_conclusion
                files = {"scan.jpg": q.scan_jpeg(seed=i % 3)}
                m = q.manifest_for(app, "home_schooling",
                                   [("scan.jpg", "pmpc_conclusion")],
                                   child_iin=next(iins), files=files)
                expect[app] = "rejected"
            else:
                files = {"p1.jpg": q.scan_jpeg(seed=i % 3),
                         "p2.pdf": q.minimal_pdf("page %d" % i)}
                m = q.manifest_for(app, "home_schooling",
                                   [("p1.jpg", "vkk_conclusion"),
                                    ("p2.pdf", "vkk_conclusion")],
                                   child_iin=next(iins), files=files)
                expect[app] = "outbox"
            plan.append((app, files, m))

        # A third before the first start, the rest while the daemon runs.
        for app, files, m in plan[:N_BUNDLES // 3]:
            q.drop(self.spool, app, files, m)
        rest = plan[N_BUNDLES // 3:]

        def produce():
            for app, files, m in rest:
                q.drop(self.spool, app, files, m)
                time.sleep(rnd.uniform(0.02, 0.08))
        producer = threading.Thread(target=produce, daemon=True)
        watcher = Watcher(self.spool)
        d = self.daemon(start=False)
        in_flight = []             # bundles in active/ at each kill
        watcher.start()
        try:
            d.start()
            producer.start()
            for k in range(N_KILLS):
                # Chaos, not synchronisation: kill at a random moment.
                time.sleep(0.05 if k == 0 else rnd.uniform(0.1, 0.8))
                self.assertTrue(d.alive(), "qujatd died by itself")
                d.kill9()
                in_flight.append(len(os.listdir(self.spool / "active")))
                d.start()
            producer.join(60)
            self.assertFalse(producer.is_alive())

            def done():
                return all(q.result_of(str(self.spool), a) for a in expect)
            q.wait_for(done, 240, "all %d bundles" % N_BUNDLES, d)
            # A SIGTERM before main() has run is the kernel's default
            # action, not the daemon's: stop the last run once it is up.
            # (A run killed before it was ready logged no "ready:": look
            # at the last run's own log, not at a count over all runs.)
            q.wait_for(lambda: "ready:" in d.logfiles[-1].read_text(
                errors="replace"), 30, "the last restart ready", d)
            self.assertEqual(d.stop(), 0)
        finally:
            watcher.halt.set()
            watcher.join(30)

        print("test_kill9_stream: in active/ at each kill: %s; %d checks "
              "by the watcher" % (in_flight, watcher.checked))
        self.assertEqual(watcher.problems, [],
                         "a consumer saw incomplete bundles")
        self.assertGreater(watcher.checked, 0)
        listing = {f: sorted(os.listdir(self.spool / f))
                   for f in ("incoming", "active", "outbox", "rejected")}
        self.assertEqual(listing["incoming"], [])
        self.assertEqual(listing["active"], [])
        self.assertEqual(sorted(listing["outbox"] + listing["rejected"]),
                         sorted(expect), "lost, doubled or stray bundles")
        wrong = {a: q.result_of(str(self.spool), a) for a in expect
                 if q.result_of(str(self.spool), a) != expect[a]}
        detail = {a: [r["code"] for r in q.load_json(
            self.spool / "rejected" / a / "refusal.json")["reasons"]]
            for a in wrong if wrong[a] == "rejected"}
        self.assertEqual(wrong, {}, "bundles that ended in the wrong place "
                         "(refusal codes: %s)" % json.dumps(detail))
        for app, files, m in plan:
            if expect[app] == "outbox":
                q.check_accepted(self, self.spool, app, files)
            else:
                ref = q.check_refusal(self, self.spool / "rejected" / app,
                                      app, files)
                self.assertEqual([r["code"] for r in ref["reasons"]],
                                 ["document_missing"])


if __name__ == "__main__":
    unittest.main()
