"""The HTTP hand-off (contract, section 4) against a real receiver on
loopback (httprecv.py): each accepted bundle is POSTed as multipart/form-data
(manifest.json, report.json, the files) with Idempotency-Key: <id>; a 2xx
moves it to sent/. With the receiver down, answering 500, hanging or
resetting the connection for a while, every bundle is still delivered once
it recovers, and kill -9 of the daemon mid-delivery loses nothing."""

import os
import re
import shutil
import time
import unittest

import httprecv
import qujatlib as q

FAST = dict(handoff="http", handoff_backoff_max_ms=300,
            handoff_timeout_ms=1500, scan_interval_ms=200)


class Handoff(q.SpoolTest):
    def setUp(self):
        super().setUp()
        self.recv = httprecv.Receiver()
        self.addCleanup(self.recv.close)
        q.spool_dirs(self.spool)

    def start(self, **settings):
        s = dict(FAST, handoff_url=self.recv.url)
        s.update(settings)
        return self.daemon(**s)

    def drop_many(self, prefix, n, seed=0):
        iins = q.iins(seed=seed)
        apps = ["%s-%02d" % (prefix, i) for i in range(n)]
        for a in apps:
            q.drop_complete(self.spool, a, "free_transport", next(iins),
                            seed=len(a) % 3)
        return apps

    def wait_sent(self, apps, timeout, d):
        q.wait_for(lambda: all(os.path.isdir(self.spool / "sent" / a)
                               for a in apps), timeout,
                   "%d bundles in sent/" % len(apps), d)

    def failed_twice(self, d, apps):
        log = d.log()
        return all(len(re.findall(r"\[%s\] delivery attempt \d+ failed"
                                  % re.escape(a), log)) >= 2 for a in apps)

    def check_all_delivered(self, apps):
        self.assertEqual(self.recv.errors, [])
        self.assertTrue(set(apps) <= self.recv.keys(),
                        "not delivered: %s" % (set(apps) - self.recv.keys()))
        for a in apps:
            self.assertFalse((self.spool / "outbox" / a).exists(), a)
            self.assertTrue((self.spool / "sent" / a).is_dir(), a)

    def test_parts_and_key(self):
        d = self.start()
        apps = self.drop_many("HO", 3)
        self.wait_sent(apps, 60, d)
        self.check_all_delivered(apps)
        last = {x.key: x for x in self.recv.deliveries}
        for a in apps:
            sent = self.spool / "sent" / a
            on_disk = {n: (sent / n).read_bytes() for n in os.listdir(sent)}
            got = last[a]
            self.assertEqual(got.order[:2], ["manifest.json", "report.json"])
            self.assertEqual(set(got.parts), set(on_disk))
            for n, b in on_disk.items():
                self.assertEqual(got.parts[n], b, "%s/%s differs" % (a, n))
            man = q.load_json(sent / "manifest.json")
            self.assertEqual(man["application_id"], a)
        self.assertIn("delivered", d.log())
        self.assertEqual(q.entries(self.spool / "outbox"), [])

    def test_faults_then_recovery(self):
        """Each fault for a while, then the receiver recovers: every bundle
        ends in sent/, none lost, each key seen."""
        d = self.start()
        for i, fault in enumerate(("down", "500", "hang", "reset")):
            with self.subTest(fault):
                t0 = time.monotonic()
                before = self.recv.count()
                if fault == "down":
                    self.recv.down()
                else:
                    self.recv.set_mode(fault)
                apps = self.drop_many("F%d" % i, 4, seed=10 + i)
                # Published to outbox/, and not delivered while it lasts.
                q.wait_for(lambda: all(os.path.isdir(self.spool / "outbox"
                                                     / a) for a in apps),
                           60, "bundles in outbox/", d)
                if fault != "down":
                    q.wait_for(lambda: self.recv.count(fault) - 0 >= 3 and
                               self.recv.count() - before >= 3, 20,
                               "failed attempts", d)
                else:
                    q.wait_for(lambda: d.log().count("failed") >= 4, 20,
                               "refused attempts", d)
                # Every bundle's delivery has failed twice (the daemon
                # logs each failed attempt), or one went through.
                q.wait_for(lambda: self.failed_twice(d, apps) or any(
                    (self.spool / "sent" / a).exists() for a in apps), 60,
                    "two failed attempts at each bundle", d)
                self.assertEqual([a for a in apps if
                                  (self.spool / "sent" / a).exists()], [],
                                 "delivered during the fault")
                t1 = time.monotonic()
                seen = self.recv.count() - before
                if fault == "down":
                    self.recv.up()
                self.recv.set_mode("ok")
                self.wait_sent(apps, 30, d)
                self.check_all_delivered(apps)
                print("\nhand-off fault %-5s: %.1f s of fault, %d attempts "
                      "reached the receiver; all %d delivered %.2f s after "
                      "recovery" % (fault, t1 - t0, seen, len(apps),
                                    time.monotonic() - t1))
        self.assertEqual(q.entries(self.spool / "outbox"), [])
        self.assertEqual(d.stop(), 0)

    def test_kill9_mid_delivery(self):
        self.recv.set_mode("slow")
        self.recv.slow_s = 0.5
        d = self.start(handoff_concurrency=2)
        apps = self.drop_many("K9", 8, seed=3)
        kills = 0
        for _ in range(3):
            q.wait_for(lambda: self.recv.count() > kills * 2, 60,
                       "a delivery in flight", d)
            time.sleep(0.2)
            d.kill9()
            kills += 1
            d.start()
        self.recv.set_mode("ok")
        self.wait_sent(apps, 60, d)
        self.check_all_delivered(apps)
        self.assertEqual(q.entries(self.spool / "outbox"), [])
        self.assertEqual(q.entries(self.spool / "active"), [])
        dup = self.recv.count() - len(set(x[0] for x in self.recv.attempts))
        print("\nhand-off kill -9 x%d: %d bundles, %d POSTs seen (%d repeated)"
              % (kills, len(apps), self.recv.count(), dup))

    def test_stop_abandons(self):
        """SIGTERM with a POST hanging: exit 0 within the stop timeout, the
        bundle stays in outbox/ and is delivered at the next start."""
        d = self.start(handoff_timeout_ms=60000, stop_timeout_ms=2000)
        self.recv.set_mode("hang")
        apps = self.drop_many("ST", 1)
        q.wait_for(lambda: self.recv.count("hang") >= 1, 60, "a POST", d)
        t0 = time.monotonic()
        self.assertEqual(d.stop(timeout=10), 0)
        self.assertLess(time.monotonic() - t0, 5)
        self.assertTrue((self.spool / "outbox" / apps[0]).is_dir())
        self.recv.set_mode("ok")
        d.start()
        self.wait_sent(apps, 30, d)
        self.check_all_delivered(apps)

    def test_rate(self):
        """Delivery rate from outbox/ to a loopback receiver: bundles made
        straight in outbox/ (as if accepted), delivered at start."""
        n = 200
        src = self.tmp / "one"
        data = q.scan_jpeg(seed=1)
        q.write_files(src, {"scan-1.jpg": data, "report.json": b"{}\n"},
                      {"application_id": "X", "documents": []})
        for i in range(n):
            shutil.copytree(src, self.spool / "outbox" / ("RT-%04d" % i))
        t0 = time.monotonic()
        d = self.start(handoff_concurrency=4)
        self.wait_sent(["RT-%04d" % i for i in range(n)], 120, d)
        dt = time.monotonic() - t0
        print("\nhand-off rate: %d bundles of %d KB to a loopback receiver "
              "in %.2f s: %.0f bundles/s (concurrency 4)"
              % (n, len(data) // 1024, dt, n / dt))
        self.assertEqual(len(self.recv.keys()), n)


if __name__ == "__main__":
    unittest.main()
