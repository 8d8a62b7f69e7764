"""The hold's lifecycle (contract section 5, services.md rule 1), on a real
daemon: a decision from the case system (decisions/<id>.json) releases a
child's place, `qujat release` does the same for an operator, a bad
decision file is moved to decisions/bad/ while the daemon runs on, a hold
expires after hold_days, a store made by the earlier version (IINs in
clear) is upgraded without losing a hold, and no file under state/ nor
any log line holds an IIN."""

import json
import os
import sqlite3
import subprocess
import time
from pathlib import Path

import qujatlib as q
from qujatlib import VALID_IINS

CHILD = VALID_IINS[0]
SERVICE = "free_transport"


def drop_decision(spool, app_id, outcome="enrolled", body=None, name=None):
    """Writes decisions/<app_id>.json as the case system does: a dot name,
    fsync, one rename."""
    d = Path(spool) / "decisions"
    tmp = d / (".%s.%d" % (app_id, os.getpid()))
    data = body if body is not None else json.dumps(
        {"application_id": app_id, "outcome": outcome}).encode()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    os.write(fd, data)
    os.fsync(fd)
    os.close(fd)
    final = d / (name or "%s.json" % app_id)
    os.rename(tmp, final)
    return final


def iins_in(folder, iins):
    """(file, IIN) for every file under folder holding an IIN's bytes."""
    found = []
    for root, _, names in os.walk(folder):
        for n in names:
            data = (Path(root) / n).read_bytes()
            found += [(n, i) for i in iins if i.encode() in data or
                      i.encode() in n.encode()]
    return found


def release(conf, spool, app_id):
    return subprocess.run([str(q.QUJAT), "release", app_id, "-c", str(conf),
                           "--spool", str(spool)], capture_output=True,
                          text=True, timeout=60)


class Lifecycle:
    """The flow of issue 15, for a store given by self.store_conf()."""

    def store_settings(self):
        return {}

    def accept(self, app, seed=0, name_prefix=""):
        docs, files = q.complete_bundle(SERVICE, seed)
        if name_prefix:
            files = {name_prefix + n: b for n, b in files.items()}
            docs = [(name_prefix + n, t) for n, t in docs]
        m = q.manifest_for(app, SERVICE, docs, child_iin=CHILD, files=files)
        q.drop(self.spool, app, files, m)
        return files

    def decided(self, path, d):
        q.wait_for(lambda: not path.exists(), 30,
                   "%s taken by the daemon" % path.name, d)

    def run_lifecycle(self):
        conf = self.conf(**self.store_settings())
        d = self.daemon(conf=conf)
        self.assertAccepted("HOLD-A", self.accept("HOLD-A"))
        self.assertRefused("HOLD-B", ["duplicate_application"],
                           self.accept("HOLD-B", 1))
        dec = drop_decision(self.spool, "HOLD-A", "enrolled")
        self.decided(dec, d)
        self.assertFalse((self.spool / "decisions" / "bad" /
                          "HOLD-A.json").exists(), d.log())
        q.wait_for(lambda: "[HOLD-A] decision 'enrolled': hold released"
                   in d.log(), 30, "the release logged", d)
        self.assertAccepted("HOLD-C", self.accept("HOLD-C", 2))
        # the same decision again changes nothing and is not "bad"
        r = release(conf, self.spool, "HOLD-C")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("released", r.stdout)
        r = release(conf, self.spool, "HOLD-NOBODY")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no application 'HOLD-NOBODY'", r.stderr)
        # a file name carrying the IIN, as parents' scanners name them
        files = self.accept("HOLD-D", 3, name_prefix=CHILD + "_")
        self.assertAccepted("HOLD-D", files)
        self.assertEqual(d.stop(), 0)
        state = self.spool / "state"
        self.assertTrue((state / "site.key").is_file())
        self.assertEqual((state / "site.key").stat().st_mode & 0o777, 0o400)
        self.assertEqual(iins_in(state, VALID_IINS), [])
        self.assertNotIn(CHILD, d.log())
        return d


class SqliteHolds(q.SpoolTest, Lifecycle):
    def test_accept_duplicate_decision_release(self):
        """A accepted, B refused duplicate, decision for A, C accepted,
        `qujat release C`, D accepted; no IIN in state/ or the log."""
        self.run_lifecycle()
        db = sqlite3.connect(self.spool / "state" / "store.sqlite")
        outcomes = dict(db.execute("SELECT application_id, outcome FROM "
                                   "qujat_outcome"))
        self.assertEqual(outcomes, {"HOLD-A": "enrolled",
                                    "HOLD-C": "released"})
        (held,) = db.execute("SELECT application_id FROM qujat_hold").fetchall()
        self.assertEqual(held, ("HOLD-D",))

    def test_log_masks_iin_in_file_names(self):
        """A worker that crashes on '<IIN>_vkk.pdf': the lines that name
        the file mask the IIN to its last four digits."""
        d = self.evil_daemon()
        name = CHILD + "_vkk.pdf"
        files = {name: b"QUJAT-TEST-CRASH\n" + b"\0" * 4096}
        m = q.manifest_for("MASK-1", SERVICE, [(name, "school_certificate")],
                           child_iin=CHILD, files=files)
        q.drop(self.spool, "MASK-1", files, m)
        self.assertRefused("MASK-1", ["processing_failed"], files, timeout=30)
        log = d.log()
        self.assertIn("'********%s_vkk.pdf'" % CHILD[-4:], log)
        self.assertNotIn(CHILD, log)

    def test_bad_decisions_moved_aside(self):
        d = self.daemon()
        self.assertAccepted("BAD-A", q.drop_complete(self.spool, "BAD-A",
                                                     SERVICE, CHILD))
        bad = {
            "BAD-A.json": b"{\"application_id\": \"BAD-A\", ",   # cut short
            "NOSUCH.json": None,                                # unknown id
            "BAD-X.json": json.dumps({"application_id": "BAD-A",
                                      "outcome": "enrolled"}).encode(),
            "notes.txt": b"hello",
        }
        for name, body in bad.items():
            app = name.split(".")[0]
            drop_decision(self.spool, app, "enrolled", body=body, name=name)
        drop_decision(self.spool, "BAD-A", "admitted", name="BAD-A.json.1")
        link = self.spool / "decisions" / "LINK.json"
        os.symlink("/etc/passwd", link)
        # a file still being written is left alone
        pending = self.spool / "decisions" / "BAD-A.json.tmp"
        pending.write_bytes(b"{")
        names = set(bad) | {"BAD-A.json.1", "LINK.json"}
        badd = self.spool / "decisions" / "bad"
        q.wait_for(lambda: names <= set(os.listdir(badd)), 30,
                   "the bad decisions in decisions/bad/", d)
        self.assertTrue(d.alive())
        self.assertTrue(pending.exists())
        self.assertTrue((badd / "LINK.json").is_symlink())
        # each is logged once moved: wait for the lines, not the files
        whys = ("not a JSON object", "no such application",
                "its application_id is not its file name's",
                "not named <application_id>.json", "not a regular file")
        q.wait_for(lambda: all(w in d.log() for w in whys), 30,
                   "a line for each bad decision", d)
        # none of them released BAD-A; a good decision then does
        self.assertRefused("BAD-B", ["duplicate_application"],
                           q.drop_complete(self.spool, "BAD-B", SERVICE,
                                           CHILD, seed=1))
        # the same name again: the first bad one is kept, renamed aside
        drop_decision(self.spool, "BAD-A", body=b"[]")
        q.wait_for(lambda: len([n for n in os.listdir(badd)
                                if n.startswith("BAD-A.json@")]) == 1, 30,
                   "a second bad BAD-A.json renamed aside", d)
        self.decided(drop_decision(self.spool, "BAD-A", "withdrawn"), d)
        self.assertAccepted("BAD-C", q.drop_complete(self.spool, "BAD-C",
                                                     SERVICE, CHILD, seed=2))

    def test_hold_expires(self):
        """hold_days 0: a hold expires at once; the next application for
        the same child is accepted, and the daemon prunes the old row."""
        text = (q.REPO / "conf" / "services.conf").read_text()
        text = text.replace("  free_transport = {\n",
                            "  free_transport = {\n    hold_days = 0;\n", 1)
        svc = self.tmp / "services.conf"
        svc.write_text(text)
        self.daemon(services_file=str(svc))
        self.assertAccepted("EXP-A", q.drop_complete(self.spool, "EXP-A",
                                                     SERVICE, CHILD))
        # a service with the default 365 days still holds
        self.assertAccepted("EXP-H", q.drop_complete(
            self.spool, "EXP-H", "home_schooling", CHILD))
        self.assertRefused("EXP-H2", ["duplicate_application"],
                           q.drop_complete(self.spool, "EXP-H2",
                                           "home_schooling", CHILD, seed=1))
        self.assertAccepted("EXP-B", q.drop_complete(self.spool, "EXP-B",
                                                     SERVICE, CHILD, seed=1))
        db = sqlite3.connect(self.spool / "state" / "store.sqlite")
        held = sorted(r[0] for r in db.execute(
            "SELECT application_id FROM qujat_hold"))
        self.assertEqual(held, ["EXP-B", "EXP-H"])

    def test_upgrade_keeps_holds(self):
        """A store.sqlite made by the earlier version (table `holds`, the
        IIN in clear) is upgraded on start: the hold still refuses a
        second application, then its decision releases it; no IIN is left
        in any file of state/."""
        state = self.spool / "state"
        state.mkdir(parents=True)
        db = sqlite3.connect(state / "store.sqlite")
        db.executescript(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
            "CREATE TABLE IF NOT EXISTS holds (service TEXT NOT NULL,"
            " child_iin TEXT NOT NULL, application_id TEXT NOT NULL,"
            " institution TEXT, created INTEGER NOT NULL,"
            " PRIMARY KEY (service, child_iin));")
        now = int(time.time())
        db.executemany("INSERT INTO holds VALUES (?, ?, ?, ?, ?)", [
            (SERVICE, CHILD, "OLD-1", "000140001239", now - 86400),
            ("home_schooling", VALID_IINS[2], "OLD-2", "000140001239", now)])
        db.commit()
        db.close()
        self.assertTrue(iins_in(state, [CHILD]))
        d = self.daemon()
        self.assertRefused("UPG-1", ["duplicate_application"],
                           q.drop_complete(self.spool, "UPG-1", SERVICE,
                                           CHILD))
        self.assertIn("2 holds kept", d.log())
        self.decided(drop_decision(self.spool, "OLD-1", "refused"), d)
        self.assertAccepted("UPG-2", q.drop_complete(self.spool, "UPG-2",
                                                     SERVICE, CHILD, seed=1))
        self.assertRefused("UPG-3", ["duplicate_application"],
                           q.drop_complete(self.spool, "UPG-3",
                                           "home_schooling", VALID_IINS[2]))
        self.assertEqual(d.stop(), 0)
        self.assertEqual(iins_in(state, VALID_IINS), [])


if __name__ == "__main__":
    import unittest
    unittest.main()
