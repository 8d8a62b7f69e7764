"""More than one host: two qujatd on two spools share one PostgreSQL store
(initdb and pg_ctl into a temporary folder, listening on a Unix socket
only). The same child and service submitted to both at the same moment,
many times over, gives exactly one accepted bundle each time; the other is
refused with duplicate_application. Skipped, saying why, where Debian's
PostgreSQL server is not installed (make deps installs postgresql-15)."""

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.parse

import qujatlib as q
from test_holds import (CHILD, SERVICE, Lifecycle, drop_decision, iins_in)

ROUNDS = 30


def pg_bindir():
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.path.exists(os.path.join(d, "initdb")):
            return d
    return None


class Postgres:
    """A throw-away cluster. initdb refuses to run as root, so as root the
    server runs as the `postgres` user the package created."""

    def __init__(self, bindir):
        self.bindir = bindir
        self.dir = tempfile.mkdtemp(prefix="qujat-pg-")
        os.chmod(self.dir, 0o755)
        self.data = os.path.join(self.dir, "data")
        self.sock = os.path.join(self.dir, "sock")
        os.mkdir(self.sock)
        self.prefix = []
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            os.chown(self.sock, pw.pw_uid, pw.pw_gid)
            self.prefix = ["runuser", "-u", "postgres", "--"]

    def run(self, *args, **kw):
        return subprocess.run(self.prefix + list(args), check=True,
                              capture_output=True, text=True, timeout=120,
                              **kw)

    def start(self):
        self.run(os.path.join(self.bindir, "initdb"), "-D", self.data,
                 "-U", "qujat", "--auth=trust", "-E", "UTF8",
                 "--no-sync")
        self.run(os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-w",
                 "-l", os.path.join(self.dir, "log"), "-o",
                 "-c listen_addresses='' -k %s -p 5432 -c fsync=off" %
                 self.sock, "start")

    def stop(self):
        try:
            self.run(os.path.join(self.bindir, "pg_ctl"), "-D", self.data,
                     "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def uri(self):
        return "postgresql:///postgres?host=%s&port=5432&user=qujat" % (
            urllib.parse.quote(self.sock, safe=""))

    def psql(self, sql):
        return self.run(os.path.join(self.bindir, "psql"), "-h", self.sock,
                        "-p", "5432", "-U", "qujat", "-d", "postgres",
                        "-Atc", sql).stdout.strip()


def share_key(src_spool, dst_spool, daemon):
    """Copies the first host's site key (made at its start) to another
    host's state folder, as an operator does."""
    src = src_spool / "state" / "site.key"
    q.wait_for(src.exists, 30, "the first host's site key", daemon)
    dst = dst_spool / "state" / "site.key"
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(src.read_bytes())
    dst.chmod(0o400)


@unittest.skipUnless(pg_bindir(), "PostgreSQL server not installed "
                     "(apt-get install postgresql-15): no two-host test")
class TwoHosts(q.SpoolTest):
    def setUp(self):
        super().setUp()
        self.pg = Postgres(pg_bindir())
        self.addCleanup(self.pg.stop)
        self.pg.start()

    def test_one_child_one_application(self):
        conf = self.conf(store=self.pg.uri, workers=1)
        spools = [self.spool, self.tmp / "spool2"]
        for s in spools:
            q.spool_dirs(s)
        hosts = []
        for s in spools:
            if hosts:       # every host of one store has the same key
                share_key(spools[0], s, hosts[0])
            d = q.Daemon(s, conf, self.tmp)
            self.daemons.append(d)
            hosts.append(d.start())
        iins = q.iins(seed=41)
        docs, files = q.complete_bundle("free_transport")
        pairs = []
        # Both bundles of a round are made first, then renamed into the
        # two incoming/ folders one right after the other.
        for i in range(ROUNDS):
            iin = next(iins)
            ids = ("PA-%03d" % i, "PB-%03d" % i)
            tmps = []
            for s, app in zip(spools, ids):
                m = q.manifest_for(app, "free_transport", docs,
                                   child_iin=iin, files=files)
                t = s / "incoming" / (".%s" % app)
                q.write_files(t, files, m)
                tmps.append((t, s / "incoming" / app))
            pairs.append((ids, tmps))
        t0 = time.monotonic()
        for ids, tmps in pairs:
            for t, final in tmps:
                os.rename(t, final)
            time.sleep(0.05)

        def all_done():
            return all(q.result_of(str(s), a)
                       for (ids, _) in pairs for s, a in zip(spools, ids))
        q.wait_for(all_done, 180, "all %d bundles decided" % (2 * ROUNDS),
                   hosts[0])
        dt = time.monotonic() - t0
        wins = [0, 0]
        for ids, _ in pairs:
            res = [q.result_of(str(s), a) for s, a in zip(spools, ids)]
            self.assertEqual(sorted(res), ["outbox", "rejected"],
                             "%s: %s" % (ids, res))
            loser = res.index("rejected")
            wins[1 - loser] += 1
            ref = q.load_json(spools[loser] / "rejected" / ids[loser] /
                              "refusal.json")
            self.assertEqual([r["code"] for r in ref["reasons"]],
                             ["duplicate_application"])
        rows = int(self.pg.psql("SELECT count(*) FROM qujat_hold"))
        self.assertEqual(rows, ROUNDS)
        print("\ntwo hosts, one PostgreSQL: %d rounds of the same child on "
              "both at once in %.1f s: %d accepted (host A %d, host B %d), "
              "%d refused duplicate_application, %d rows"
              % (ROUNDS, dt, sum(wins), wins[0], wins[1], ROUNDS, rows))
        for d in hosts:
            self.assertEqual(d.stop(), 0)

    def test_other_key_refused(self):
        """A second host with its own site key would let a child hold two
        places: it refuses to start, saying what to copy."""
        conf = self.conf(store=self.pg.uri)
        q.spool_dirs(self.spool)
        first = self.daemon(conf=conf)
        q.drop_complete(self.spool, "PK-0", "free_transport", q.VALID_IINS[0])
        self.assertEqual(self.result("PK-0", 60)[0], "outbox")
        other = q.Daemon(self.tmp / "spool2", conf, self.tmp)
        self.daemons.append(other)
        other.start()
        self.assertNotEqual(other.proc.wait(60), 0)
        self.assertIn("copy site.key", other.log())
        self.assertTrue(first.alive())

    def test_store_down_waits(self):
        """PostgreSQL stopped: the bundle waits in active/ and is decided
        once the server is back."""
        conf = self.conf(store=self.pg.uri)
        q.spool_dirs(self.spool)
        d = self.daemon(conf=conf)
        q.drop_complete(self.spool, "PD-0", "free_transport", q.VALID_IINS[0])
        self.assertEqual(self.result("PD-0", 60)[0], "outbox")
        self.pg.run(os.path.join(self.pg.bindir, "pg_ctl"), "-D",
                    self.pg.data, "-m", "fast", "-w", "stop")
        q.drop_complete(self.spool, "PD-1", "free_transport", q.VALID_IINS[1])
        q.wait_for(lambda: "cannot connect to PostgreSQL" in d.log(), 60,
                   "the store failure logged", d)
        self.assertIsNone(q.result_of(str(self.spool), "PD-1"))
        self.assertTrue((self.spool / "active" / "PD-1").is_dir())
        self.pg.run(os.path.join(self.pg.bindir, "pg_ctl"), "-D",
                    self.pg.data, "-w", "-l",
                    os.path.join(self.pg.dir, "log"), "-o",
                    "-c listen_addresses='' -k %s -p 5432 -c fsync=off"
                    % self.pg.sock, "start")
        self.assertEqual(self.result("PD-1", 60)[0], "outbox")


@unittest.skipUnless(pg_bindir(), "PostgreSQL server not installed "
                     "(apt-get install postgresql-15): no PostgreSQL holds")
class PostgresHolds(q.SpoolTest, Lifecycle):
    """The hold's lifecycle of test_holds with the store in PostgreSQL,
    and the upgrade of an earlier version's qujat_holds table."""

    def setUp(self):
        super().setUp()
        self.pg = Postgres(pg_bindir())
        self.addCleanup(self.pg.stop)
        self.pg.start()

    def store_settings(self):
        return {"store": self.pg.uri}

    def dump(self):
        return self.pg.psql("SELECT * FROM qujat_hold; "
                            "SELECT * FROM qujat_outcome")

    def test_accept_duplicate_decision_release(self):
        self.run_lifecycle()
        self.assertEqual(self.pg.psql("SELECT application_id || '=' || "
                                      "outcome FROM qujat_outcome ORDER BY 1"
                                      ).split(), ["HOLD-A=enrolled",
                                                  "HOLD-C=released"])
        self.assertEqual(self.pg.psql("SELECT application_id FROM "
                                      "qujat_hold"), "HOLD-D")
        for iin in q.VALID_IINS:
            self.assertNotIn(iin, self.dump())

    def test_upgrade_keeps_holds(self):
        """The table the earlier version made (qujat_holds, IINs in
        clear) is moved into qujat_hold, hashed, and dropped."""
        self.pg.psql(
            "CREATE TABLE qujat_holds (service text NOT NULL, child_iin "
            "text NOT NULL, application_id text NOT NULL, institution text, "
            "created timestamptz NOT NULL DEFAULT now(), PRIMARY KEY "
            "(service, child_iin)); INSERT INTO qujat_holds (service, "
            "child_iin, application_id, institution) VALUES ('%s', '%s', "
            "'OLD-1', '000140001239')" % (SERVICE, CHILD))
        d = self.daemon(conf=self.conf(store=self.pg.uri))
        self.assertRefused("UPG-1", ["duplicate_application"],
                           q.drop_complete(self.spool, "UPG-1", SERVICE,
                                           CHILD))
        self.assertEqual(self.pg.psql("SELECT to_regclass('qujat_holds')"),
                         "")
        self.assertNotIn(CHILD, self.dump())
        self.decided(drop_decision(self.spool, "OLD-1", "refused"), d)
        self.assertAccepted("UPG-2", q.drop_complete(self.spool, "UPG-2",
                                                     SERVICE, CHILD, seed=1))
        self.assertEqual(d.stop(), 0)
        self.assertEqual(iins_in(self.spool / "state", q.VALID_IINS), [])
        self.assertNotIn(CHILD, d.log())


if __name__ == "__main__":
    unittest.main()
