"""What the daemon publishes, as a viewer and an operator see it: a
recompressed JPEG carries the JFIF density its transform says (a viewer
shows the page at its size); a bundle's folder in rejected/ (or sent/,
originals/) has the time it arrived there as its mtime, and retention
counts from it."""

import os
import re
import time

from PIL import Image

import qujatlib as q

DAY = 86400


class Output(q.SpoolTest):
    def test_recompressed_jpeg_density_is_its_dpi(self):
        files = {"page-%d.jpg" % i: q.scan_jpeg(dpi=300, seed=i, quality=95,
                                                noise=20) for i in range(2)}
        budget = sum(len(b) for b in files.values()) // 3
        self.daemon(max_bundle_bytes=budget)
        m = q.manifest_for("OUT-DPI", "home_schooling",
                           [(n, "vkk_conclusion") for n in files],
                           files=files)
        q.drop(self.spool, "OUT-DPI", files, m)
        folder, path = q.wait_result(self.spool, "OUT-DPI", timeout=120)
        self.assertEqual(folder, "outbox")
        man = q.load_json(path / "manifest.json")
        seen = 0
        for e in man["documents"]:
            t = re.search(r"(\d+)dpi", e.get("transform", ""))
            if not t or not e["file"].endswith(".jpg"):
                continue
            seen += 1
            dpi = int(t.group(1))
            with Image.open(path / e["file"]) as img:
                self.assertEqual(img.info.get("jfif_unit"), 1, e)
                self.assertEqual(img.info.get("jfif_density"), (dpi, dpi), e)
                # A4 at that density: 8.27 inches wide.
                self.assertAlmostEqual(img.size[0] / dpi, 8.27, delta=0.05)
        self.assertGreater(seen, 0, man)

    def test_arrival_time_is_the_folders_mtime(self):
        d = self.daemon(rejected_retention_days=90)
        d.wait_started()
        # An upload made 100 days ago (its folder's mtime), refused now.
        files = {"scan.jpg": q.scan_jpeg(seed=5)}
        m = q.manifest_for("OUT-OLD", "free_meals",
                           [("scan.jpg", "med_065u")],
                           child_iin=q.INVALID_IIN, files=files)
        staged = self.tmp / "staged" / "OUT-OLD"
        q.write_files(staged, files, m)
        old = time.time() - 100 * DAY
        os.utime(staged, (old, old))
        t0 = time.time()
        os.rename(staged, self.spool / "incoming" / "OUT-OLD")
        folder, path = q.wait_result(self.spool, "OUT-OLD", daemon=d)
        self.assertEqual(folder, "rejected")
        mtime = path.stat().st_mtime
        self.assertGreaterEqual(mtime, t0 - 1)
        self.assertLessEqual(mtime, time.time() + 1)

        # An operator ages it with touch; the next start's sweep removes it.
        d.stop()
        aged = time.time() - 91 * DAY
        os.utime(path, (aged, aged))
        d.start()
        q.wait_for(lambda: not path.exists(), 30,
                   "rejected/OUT-OLD removed by retention", d)
        q.wait_for(lambda: "retention: removed from rejected/ after 91 days"
                   in d.log(), 10, "the retention log line", d)
