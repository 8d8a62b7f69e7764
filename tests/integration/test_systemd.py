"""qujatd under systemd: the sd_notify protocol (on a socket of the test's
own), the single-instance lock, `qujatd -t`, and the unit, sysusers and
tmpfiles files checked with systemd's own tools."""

import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import unittest
from pathlib import Path

import qujatlib as q


class NotifySocket:
    """An AF_UNIX datagram socket collecting sd_notify messages, each as
    (monotonic time, {key: value}, bundle_claimed_at_receipt)."""

    def __init__(self, path, watch=None):
        self.path = str(path)
        self.watch = watch          # a path whose absence is recorded
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.1)
        self.msgs = []
        self.lock = threading.Lock()
        self.halt = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.halt.is_set():
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            now = time.monotonic()
            gone = self.watch is not None and not os.path.exists(self.watch)
            kv = {}
            for line in data.decode("utf-8", "replace").split("\n"):
                if "=" in line:
                    k, v = line.split("=", 1)
                    kv[k] = v
            with self.lock:
                self.msgs.append((now, kv, gone))

    def close(self):
        self.halt.set()
        self.thread.join(5)
        self.sock.close()

    def snapshot(self):
        with self.lock:
            return list(self.msgs)

    def wait(self, key, value=None, start=0, timeout=15, daemon=None):
        """Waits for a message at index >= start carrying key (=value);
        returns its index."""
        def find():
            for i, (t, kv, g) in enumerate(self.snapshot()[start:], start):
                if key in kv and (value is None or kv[key] == value):
                    return i + 1
            return None
        return q.wait_for(find, timeout, "%s=%s from qujatd" % (
            key, value or "*"), daemon) - 1


class Notify(q.SpoolTest):
    def start_notified(self, watchdog_usec=1000000, watch=None, **settings):
        self.sockpath = self.tmp / "notify.sock"
        ns = NotifySocket(self.sockpath, watch)
        self.addCleanup(ns.close)
        env = {"NOTIFY_SOCKET": str(self.sockpath)}
        if watchdog_usec:
            env["WATCHDOG_USEC"] = str(watchdog_usec)
        d = self.daemon(env=env, **settings)
        return d, ns

    def test_ready_after_first_scan(self):
        """READY=1 comes after the first scan: a STATUS= sent with it (or
        before it) already counts the bundle that was waiting. (Whether
        incoming/SD-0 is gone when READY=1 arrives here is no proof either
        way: the claim may land between the send and our receipt.)"""
        q.spool_dirs(self.spool)
        q.drop_complete(self.spool, "SD-0", "free_transport", q.VALID_IINS[0])
        d, ns = self.start_notified()
        i_ready = ns.wait("READY", "1", daemon=d)
        msgs = [m[1] for m in ns.snapshot()]
        status = [m["STATUS"] for m in msgs[:i_ready + 1] if "STATUS" in m]
        self.assertEqual(self.result("SD-0", 30)[0], "outbox")
        self.assertTrue(any(re.search(r"[1-9]", x) for x in status),
                        "READY=1 was not preceded by (or sent with) a STATUS= "
                        "counting the waiting bundle: messages %r"
                        % msgs[:6])

    def test_watchdog_and_status(self):
        """WATCHDOG=1 often enough for WATCHDOG_USEC=1s; STATUS= with the
        queue depth."""
        d, ns = self.start_notified()
        i = ns.wait("READY", "1", daemon=d)
        q.wait_for(lambda: sum(1 for m in ns.snapshot()[i:]
                               if m[1].get("WATCHDOG") == "1") >= 4,
                   10, "four watchdog pings", d)
        pings = [m[0] for m in ns.snapshot() if m[1].get("WATCHDOG") == "1"]
        gaps = [b - a for a, b in zip(pings, pings[1:])]
        self.assertLess(max(gaps), 1.0, "watchdog gaps %s" % gaps)
        statuses = [m[1]["STATUS"] for m in ns.snapshot() if "STATUS" in m[1]]
        self.assertTrue(statuses, "no STATUS= sent")
        self.assertTrue(any(re.search(r"\d", x) for x in statuses),
                        "no queue depth in STATUS=: %r" % statuses)

    def reload(self, d, ns):
        """SIGHUP; checks RELOADING=1 with MONOTONIC_USEC, then READY=1."""
        mark = len(ns.snapshot())
        t_hup = time.clock_gettime(time.CLOCK_MONOTONIC)
        d.signal(signal.SIGHUP)
        i_rl = ns.wait("RELOADING", "1", start=mark, daemon=d)
        kv = ns.snapshot()[i_rl][1]
        self.assertIn("MONOTONIC_USEC", kv,
                      "RELOADING=1 without MONOTONIC_USEC in the same message")
        self.assertLess(abs(int(kv["MONOTONIC_USEC"]) - t_hup * 1e6), 5e6,
                        "MONOTONIC_USEC is not CLOCK_MONOTONIC now")
        ns.wait("READY", "1", start=i_rl + 1, daemon=d)

    def test_reload(self):
        """A good reload puts the new configuration in force; a bad one is
        refused and logged, and the one in force stays."""
        conf = self.tmp / "qujat.conf"
        q.write_conf(conf)
        d, ns = self.start_notified(conf=conf)
        ns.wait("READY", "1", daemon=d)
        q.drop_complete(self.spool, "SD-0", "free_transport",
                        q.VALID_IINS[0])
        self.assertEqual(self.result("SD-0", 30)[0], "outbox")

        q.write_conf(conf, max_bundle_bytes=5000)
        self.reload(d, ns)
        q.drop_complete(self.spool, "SD-1", "free_transport",
                        q.VALID_IINS[1])
        self.assertRefused("SD-1", ["too_large"])

        conf.write_text(conf.read_text() + "\nno_such_key = 1;\n")
        self.reload(d, ns)
        q.wait_for(lambda: "no_such_key" in d.log(), 10,
                   "the bad key logged", d)
        q.drop_complete(self.spool, "SD-2", "free_transport",
                        q.VALID_IINS[2])
        self.assertRefused("SD-2", ["too_large"])
        self.assertTrue(d.alive())

    def test_stop(self):
        """SIGTERM: STOPPING=1 and exit status 0 within the stop timeout,
        even with a bundle in flight (left in active/ for the next start,
        or finished)."""
        d, ns = self.start_notified(stop_timeout_ms=2000,
                                    filter=str(q.EVIL_FILTER),
                                    file_timeout_ms=60000)
        ns.wait("READY", "1", daemon=d)
        files = {"certificate.pdf": b"QUJAT-TEST-HANG\n" + b"\0" * 64}
        m = q.manifest_for("SD-HANG", "free_transport",
                           [("certificate.pdf", "school_certificate")],
                           files=files)
        q.drop(self.spool, "SD-HANG", files, m)
        q.wait_for(lambda: os.path.exists(self.spool / "active" / "SD-HANG"),
                   10, "SD-HANG claimed", d)
        mark = len(ns.snapshot())
        t0 = time.monotonic()
        d.signal(signal.SIGTERM)
        ns.wait("STOPPING", "1", start=mark, timeout=10)
        rc = d.proc.wait(2 + 5)
        self.assertEqual(rc, 0)
        self.assertLess(time.monotonic() - t0, 7)
        self.assertEqual(q.result_of(str(self.spool), "SD-HANG"), None)
        self.assertTrue((self.spool / "active" / "SD-HANG").is_dir())

    def test_second_daemon_refused(self):
        first, ns = self.start_notified(watchdog_usec=0)
        ns.wait("READY", "1", daemon=first)
        second = self.daemon()
        rc = second.proc.wait(15)
        self.assertNotEqual(rc, 0, "a second qujatd ran on the same spool")
        self.assertIn(str(first.pid), second.log(),
                      "the refusal does not name the first daemon's pid")
        self.assertTrue(first.alive())


class ConfigCheck(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(self.enterContext(
            __import__("tempfile").TemporaryDirectory(prefix="qujat-it-")))

    def check(self, conf):
        return subprocess.run([str(q.QUJATD), "-t", "-c", str(conf)],
                              cwd=q.REPO, capture_output=True, text=True,
                              timeout=30)

    def test_good(self):
        r = self.check(q.CONF)
        self.assertEqual(r.returncode, 0, r.stderr)
        conf = q.write_conf(self.tmp / "v.conf", max_files=3, workers=2)
        r = self.check(conf)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_bad(self):
        base = q.write_conf(self.tmp / "base.conf").read_text()
        lines = base.split("\n")
        n_limits = next(i for i, l in enumerate(lines)
                        if l.strip().startswith("max_files")) + 1
        cases = {
            "unknown-key": (base + "\nno_such_key = 1;\n",
                            len(lines) + 1, "no_such_key"),
            "wrong-type": (base.replace("max_bundle_bytes = 5000000;",
                                        'max_bundle_bytes = "5 MB";'),
                           next(i for i, l in enumerate(lines)
                                if l.startswith("max_bundle_bytes")) + 1,
                           "max_bundle_bytes"),
            "unknown-limit": ("\n".join(
                lines[:n_limits] + ["  max_ponies = 3;"] + lines[n_limits:]),
                n_limits + 1, "max_ponies"),
            "syntax": (base + "\nworkers = ;\n", len(lines) + 1, None),
        }
        for name, (text, line, word) in cases.items():
            with self.subTest(name):
                conf = self.tmp / (name + ".conf")
                conf.write_text(text)
                r = self.check(conf)
                self.assertNotEqual(r.returncode, 0, name)
                self.assertIn("%s:%d" % (conf, line), r.stderr,
                              "%s: the message does not give FILE:LINE" % name)
                if word:
                    self.assertIn(word, r.stderr)


def fill_unit(dest, sbindir, sysconfdir):
    text = (q.REPO / "systemd" / "qujatd.service.in").read_text()
    text = text.replace("@SBINDIR@", str(sbindir))
    text = text.replace("@SYSCONFDIR@", str(sysconfdir))
    self_path = Path(dest) / "qujatd.service"
    self_path.write_text(text)
    return self_path


@unittest.skipUnless(shutil.which("systemd-analyze"), "no systemd-analyze")
class Unit(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(self.enterContext(
            __import__("tempfile").TemporaryDirectory(prefix="qujat-it-")))
        shutil.copy(q.CONF, self.tmp / "qujat.conf")
        self.unit = fill_unit(self.tmp, q.BUILD, self.tmp)

    def test_directives(self):
        text = self.unit.read_text()
        self.assertNotRegex(text, r"@[A-Z]+@")
        for want in ("Type=notify", "NotifyAccess=main", "WatchdogSec=30",
                     "ExecStartPre=%s/qujatd -t -c %s/qujat.conf"
                     % (q.BUILD, self.tmp),
                     "ExecReload=/bin/kill -HUP $MAINPID", "User=qujat",
                     "OOMPolicy=continue", "KillMode=mixed",
                     "TimeoutStopSec=30", "ReadWritePaths=/var/spool/qujat",
                     "SupplementaryGroups=qujat-submit qujat-receive",
                     "LimitNOFILE=65536"):
            self.assertIn(want, text)

    def test_verify(self):
        r = subprocess.run(["systemd-analyze", "verify", str(self.unit)],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        ours = [l for l in (r.stdout + r.stderr).splitlines()
                if "qujatd.service" in l]
        self.assertEqual(ours, [], "systemd-analyze verify complains")

    def test_security(self):
        r = subprocess.run(["systemd-analyze", "security", "--offline=true",
                            "--no-pager", str(self.unit)],
                           capture_output=True, text=True, timeout=60)
        m = re.search(r"Overall exposure level for qujatd\.service: "
                      r"([0-9.]+)", r.stdout)
        self.assertTrue(m, r.stdout + r.stderr)
        print("\nsystemd-analyze security --offline: %s" % m.group(1))
        self.assertLessEqual(float(m.group(1)), 2.0)

    def test_sysusers_and_tmpfiles(self):
        root = self.tmp / "root"
        (root / "etc").mkdir(parents=True)
        r = subprocess.run(["systemd-sysusers", "--root", str(root),
                            str(q.REPO / "systemd" / "qujat.sysusers")],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        passwd = (root / "etc" / "passwd").read_text()
        self.assertRegex(passwd, r"(?m)^qujat:x:\d+:\d+:qujat document "
                         r"daemon:/var/spool/qujat:")
        uid = int(re.search(r"(?m)^qujat:x:(\d+):", passwd).group(1))
        group = (root / "etc" / "group").read_text()
        gids = {}
        for party, name in (("daemon", "qujat"), ("submit", "qujat-submit"),
                            ("receive", "qujat-receive")):
            m = re.search(r"(?m)^%s:x:(\d+):(.*)$" % name, group)
            self.assertTrue(m, "no group %s in %s" % (name, group))
            gids[party] = int(m.group(1))
            if party != "daemon":
                self.assertIn("qujat", m.group(2).split(","),
                              "qujat is not a member of %s" % name)
        r = subprocess.run(["systemd-tmpfiles", "--root", str(root),
                            "--create",
                            str(q.REPO / "systemd" / "qujat.tmpfiles")],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        for f, (mode, party) in q.RIGHTS.items():
            st = os.stat(root / "var/spool/qujat" / f)
            self.assertEqual(oct(st.st_mode & 0o7777), oct(mode), f)
            self.assertEqual(st.st_uid, uid, f)
            self.assertEqual(st.st_gid, gids[party], f)


if __name__ == "__main__":
    unittest.main()
