"""The daemon's log: "<N>" priority prefixes only when stderr is the journal
(JOURNAL_STREAM names stderr's device and inode), a timestamp and the
level's name otherwise; at log_level "debug", the planner says which variant
it chose for each file and why."""

import os
import re
import subprocess
import unittest

import qujatlib as q

STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4} "
                   r"(emerg|alert|crit|error|warning|notice|info|debug): ")


class Logs(q.SpoolTest):
    def run_daemon(self, journal, app="LOG-1", **settings):
        """qujatd with stderr on a file; JOURNAL_STREAM names that file
        (journal) or another one. Returns the log's lines once app is
        published and the daemon stopped."""
        conf = self.conf(**settings)
        lp = self.tmp / "qujatd.log"
        other = os.stat(conf)
        with open(lp, "wb") as log:
            st = os.fstat(log.fileno()) if journal else other
            env = dict(os.environ, JOURNAL_STREAM="%d:%d" % (st.st_dev,
                                                             st.st_ino))
            for k in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"):
                env.pop(k, None)
            p = subprocess.Popen([str(q.QUJATD), "-c", str(conf), "--spool",
                                  str(self.spool)], stdin=subprocess.DEVNULL,
                                 stdout=log, stderr=log, env=env)
        try:
            q.wait_for(lambda: (self.spool / "incoming").is_dir(), 10,
                       "the spool")
            bundle_files = getattr(self, "files", None)
            if bundle_files:
                m = q.manifest_for(app, "home_schooling",
                                   [(n, "vkk_conclusion") for n in
                                    bundle_files], files=bundle_files)
                q.drop(self.spool, app, bundle_files, m)
            else:
                q.drop_complete(self.spool, app, "free_meals",
                                q.VALID_IINS[0])
            q.wait_result(self.spool, app, timeout=120)
        finally:
            p.terminate()
            p.wait(30)
        return lp.read_text().splitlines()

    def test_timestamps_outside_the_journal(self):
        lines = self.run_daemon(journal=False)
        self.assertTrue(lines)
        for l in lines:
            self.assertRegex(l, STAMP)
            self.assertNotRegex(l, r"^<\d>")
        self.assertTrue([l for l in lines if re.search(
            r" info: \[LOG-1\] accepted", l)], lines)

    def test_priority_prefix_in_the_journal(self):
        lines = self.run_daemon(journal=True)
        self.assertTrue(lines)
        for l in lines:
            self.assertRegex(l, r"^<[0-7]>")
            self.assertNotRegex(l, STAMP)
        self.assertTrue([l for l in lines if l.startswith(
            "<6>[LOG-1] accepted")], lines)

    def test_debug_says_what_the_planner_chose(self):
        self.files = {"page-%d.jpg" % i: q.scan_jpeg(dpi=300, seed=i,
                                                     quality=95, noise=20)
                      for i in range(2)}
        total = sum(len(b) for b in self.files.values())
        budget = total * 2 // 3
        lines = self.run_daemon(journal=False, app="LOG-PLAN",
                                log_level="debug", max_bundle_bytes=budget)
        plan = [l for l in lines if "[LOG-PLAN] plan: " in l]
        self.assertTrue(plan, "\n".join(lines))
        m = re.search(r"plan: (\d+) of (\d+) bytes, the least legible file "
                      r"at rank (\d+)", "\n".join(plan))
        self.assertTrue(m, plan)
        self.assertLessEqual(int(m.group(1)), budget)
        self.assertEqual(int(m.group(2)), budget)
        for name in self.files:
            chosen = [l for l in plan if "plan: '%s': " % name in l]
            self.assertEqual(len(chosen), 1, plan)
            self.assertRegex(chosen[0], r"': (keep|lossless|d\d+q\d+[cg]\w*), "
                             r"\d+ bytes, rank \d+ \(variant \d+ of \d+\): "
                             r"\w")
        # At info, none of it.
        self.spool = self.tmp / "spool2"
        lines = self.run_daemon(journal=False, app="LOG-PLAN",
                                max_bundle_bytes=budget)
        self.assertFalse([l for l in lines if "plan: " in l])


if __name__ == "__main__":
    unittest.main()
