"""How many times each file goes through the worker (report.json's
"tries": every run, passes and retries): once for a file under budget or
a bundle far over it; a second time only for a file whose cut menu binds
the plan, which the debug log names."""

import re

import qujatlib as q
from test_rotated import phone_photo


def scan(seed, noise, mode, quality=95):
    return q._save(q.page_image(300, seed, noise, mode), "JPEG",
                   quality=quality)


class Passes(q.SpoolTest):

    def run_bundle(self, app, files, **settings):
        settings.setdefault("log_level", "debug")
        d = self.daemon(**settings)
        m = q.manifest_for(app, "home_schooling",
                           [(n, "vkk_conclusion") for n in files],
                           files=files)
        q.drop(self.spool, app, files, m)
        man, rep, out = self.assertAccepted(app, files, timeout=180)
        return {f["original_file"]: f for f in rep["files"]}, d.log()

    def assertOnePassEach(self, by_file, log):
        for name, f in by_file.items():
            self.assertEqual(f["tries"], 1, "%s: %s" % (name, f))
            self.assertIn("'%s': pass 1: " % name, log)
            self.assertNotIn("'%s': pass 2: " % name, log)

    def test_one_fitting_file_one_pass(self):
        files = {"vkk.jpg": q.scan_jpeg(seed=3)}
        by_file, log = self.run_bundle("PASS-ONE", files)
        self.assertEqual(by_file["vkk.jpg"]["variant"], "keep")
        self.assertOnePassEach(by_file, log)
        self.assertIn("'vkk.jpg': pass 1: keep", log)

    def test_over_budget_cut_menu_suffices(self):
        # one 6 MB colour scan for 5 MB: its menu cut at the budget holds
        # its plan
        files = {"noisy.jpg": scan(1, 40, "RGB")}
        self.assertGreater(len(files["noisy.jpg"]), 5000000)
        by_file, log = self.run_bundle("PASS-CUT", files)
        self.assertNotEqual(by_file["noisy.jpg"]["variant"], "keep")
        self.assertOnePassEach(by_file, log)
        self.assertIn("'noisy.jpg': pass 1: a cut menu", log)

    def test_over_budget_one_pass(self):
        # 5.9 MB of 300 dpi scans for 5 MB: the whole menus at once
        files = {"a.jpg": scan(2, 2, "L"), "b.jpg": scan(3, 2, "L"),
                 "c.jpg": scan(4, 12, "RGB", 92)}
        self.assertGreater(sum(map(len, files.values())), 5000000)
        by_file, log = self.run_bundle("PASS-OVER", files)
        self.assertTrue(any(f["variant"] != "keep"
                            for f in by_file.values()), by_file)
        self.assertOnePassEach(by_file, log)

    def test_far_over_budget_one_pass(self):
        # 7.8 MB for 1 MB: a noisy colour scan and a clean grey one, which
        # shrink differently; the cut menus reach far enough for both
        files = {"noisy.jpg": scan(1, 40, "RGB"), "clean.jpg": scan(2, 2,
                                                                   "L")}
        by_file, log = self.run_bundle("PASS-FAR", files,
                                       max_bundle_bytes=1000000)
        self.assertTrue(all(f["variant"] != "keep"
                            for f in by_file.values()), by_file)
        self.assertOnePassEach(by_file, log)

    def assertAskedAgainAsLogged(self, by_file, log):
        again = sorted(re.findall(r"plan: '([^']+)': (?:its menu was cut|"
                                  r"keep alone was asked)", log))
        twice = sorted(n for n, f in by_file.items() if f["tries"] == 2)
        self.assertEqual(twice, again, by_file)
        self.assertTrue(all(f["tries"] <= 2 for f in by_file.values()),
                        by_file)
        for name in twice:
            self.assertIn("'%s': pass 2: " % name, log)
        return twice

    def test_keeps_outgrow_uploads(self):
        # test_rotated's eleven photos whose upright keeps outgrow the
        # budget their uploads fit: the menus come with the first pass,
        # cut at each file's share (the lossless rewrite's reach); a file
        # is asked again only when its cut menu binds the plan (22 runs
        # before: keep alone for every file, then its menu)
        files = {"p%02d.jpg" % i: phone_photo(1500, 1125, 6 + i % 3, i,
                                              progressive=True,
                                              optimize=True)
                 for i in range(11)}
        total = sum(map(len, files.values()))
        by_file, log = self.run_bundle("PASS-ROT", files,
                                       max_bundle_bytes=total + 1000)
        self.assertTrue(any(f["variant"] != "keep"
                            for f in by_file.values()), by_file)
        for name in files:
            self.assertIn("'%s': pass 1: a cut menu" % name, log)
        self.assertAskedAgainAsLogged(by_file, log)

    def test_whole_menus_far_over_budget(self):
        # A 3-page scan and two rotated photos at 80% of their bytes: past
        # 112% of the budget each file is asked for its whole menu at
        # once, and the plan needs nothing more
        files = {"scan.pdf": q.scan_pdf(300, 5, pages=3),
                 "ph0.jpg": phone_photo(2000, 1500, 6, 0, quality=92),
                 "ph1.jpg": phone_photo(2000, 1500, 6, 1, quality=92)}
        budget = sum(map(len, files.values())) * 8 // 10
        by_file, log = self.run_bundle("PASS-WHOLE", files,
                                       max_bundle_bytes=budget)
        self.assertOnePassEach(by_file, log)
        for name in files:
            self.assertIn("'%s': pass 1: the whole menu" % name, log)

    def test_no_menu_asked_again_for_a_refused_bundle(self):
        # test_keeps_outgrow_uploads's bundle and a JPEG cut short: the
        # bundle is refused whatever the plan, so no file is asked again
        files = {"p%02d.jpg" % i: phone_photo(1500, 1125, 6 + i % 3, i,
                                              progressive=True,
                                              optimize=True)
                 for i in range(11)}
        budget = sum(map(len, files.values())) + 1000
        files["cut.jpg"] = q.truncated_jpeg()
        d = self.daemon(log_level="debug", max_bundle_bytes=budget)
        m = q.manifest_for("PASS-REFUSED", "home_schooling",
                           [(n, "vkk_conclusion") for n in files],
                           files=files)
        q.drop(self.spool, "PASS-REFUSED", files, m)
        self.assertRefused("PASS-REFUSED", ["file_corrupt"], files,
                           timeout=180)
        log = d.log()
        self.assertIn("plan: none: a file is refused", log)
        for name in files:
            self.assertIn("'%s': pass 1: " % name, log)
            self.assertNotIn("'%s': pass 2: " % name, log)
