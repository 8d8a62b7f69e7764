"""The spool's trust boundary (contract section 1, "Who may touch what";
issue 12). The daemon, the producer and the consumer run as three uids
(made by qujatlib.parties()); the producer is a forked process that holds
fds on its bundle across the take. From the take on it has no say: what is
checked, published and kept is the daemon's own copy. Every bundle ends,
whatever its names, entries or modes; the machine's shortages are never a
refusal; the worker's word on its output is not taken."""

import errno
import os
import resource
import signal
import stat
import subprocess
import unittest
from pathlib import Path

import qujatlib as q
from qujatlib import VALID_IINS

SERVICE = "home_schooling"
HTML = b"<html><body><script>alert('p1')</script></body></html>\n"


# --- what the producer does, as its own uid (qujatlib.Party) -------------------

def make_bundle(state, spool, app_id, files, manifest, dir_name=None,
                mode=None):
    """The producer protocol, keeping an fd on the folder and on each file
    (opened before the rename, so they outlive the take)."""
    inc = Path(spool) / "incoming"
    name = dir_name or app_id
    tmp = inc / (".%s.tmp" % name[:200])
    q.write_files(tmp, files, manifest)
    os.chmod(tmp, 0o770)       # as `qujat submit`: the daemon removes it
    state[app_id] = {"dir": os.open(tmp, os.O_RDONLY | os.O_DIRECTORY),
                     "files": {n: os.open(tmp / n, os.O_RDWR)
                               for n, d in files.items()
                               if isinstance(d, bytes)}}
    if mode is not None:
        os.chmod(tmp, mode)
    os.rename(tmp, inc / name)


def attack(state, app_id):
    """Through the fds held across the take: a .qujat-out of its own with
    an HTML file named p1.png and a forged report, an extra file, and each
    upload rewritten. Returns what the kernel let it do (its own folder)."""
    st = state[app_id]
    done = []
    dfd = st["dir"]
    try:
        os.mkdir(".qujat-out", dir_fd=dfd)
        w = os.open(".qujat-out", os.O_RDONLY | os.O_DIRECTORY, dir_fd=dfd)
        for n, data in (("p1.png", HTML), ("report.json",
                        b'{"decision": "accepted", "forged": true}')):
            fd = os.open(n, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=w)
            os.write(fd, data)
            os.close(fd)
        done.append(".qujat-out")
    except OSError as e:
        done.append("no .qujat-out: %s" % e)
    for n in ("evil.html", "refusal.json"):
        try:
            fd = os.open(n, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=dfd)
            os.write(fd, HTML)
            os.close(fd)
            done.append(n)
        except OSError:
            pass
    for fd in st["files"].values():
        os.pwrite(fd, HTML, 0)
        done.append("rewrote a file")
    return done


def try_paths(state, spool, app_id):
    """Every way by path into what the daemon keeps: each errno name."""
    sp = Path(spool)
    out = {}
    tries = {
        "originals/.qujat-out": lambda: os.mkdir(sp / "originals" / app_id /
                                                 ".qujat-out"),
        "active/": lambda: os.listdir(sp / "active"),
        "outbox/": lambda: os.listdir(sp / "outbox"),
        "rejected/refusal.json": lambda: open(sp / "rejected" / app_id /
                                              "refusal.json", "r+b"),
        "rejected/new": lambda: open(sp / "rejected" / app_id / "x", "wb"),
    }
    for k, fn in tries.items():
        try:
            fn()
            out[k] = "ok"
        except OSError as e:
            out[k] = errno.errorcode.get(e.errno, str(e.errno))
    return out


def read_rejected(state, spool, app_id):
    """What a producer reads of its refusal."""
    return (Path(spool) / "rejected" / app_id / "refusal.json").read_bytes()


def plant(state, spool, name, kind):
    """A non-folder in incoming/."""
    p = Path(spool) / "incoming" / name
    if kind == "symlink":
        os.symlink("/etc/passwd", p)
    else:
        p.write_bytes(b"not a bundle\n")


def submit(state, args):
    """`qujat submit` as the producer."""
    r = subprocess.run([str(q.QUJAT)] + args, capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


def as_dir(p):
    os.mkdir(p)


def as_symlink(p):
    os.symlink("/etc/passwd", p)


def as_fifo(p):
    os.mkfifo(p)


FUNCS = {f.__name__: f for f in (make_bundle, attack, try_paths, plant,
                                 submit, read_rejected)}


def children(pid):
    """The pids of pid's children (its workers)."""
    out = []
    for t in Path("/proc/%d/task" % pid).iterdir():
        try:
            out += [int(x) for x in (t / "children").read_text().split()]
        except OSError:
            pass
    return out


@unittest.skipUnless(os.geteuid() == 0, "the three parties need root to "
                     "make their users")
class Trust(q.SpoolTest):
    def setUp(self):
        super().setUp()
        self.ids = q.parties()
        os.chmod(self.tmp, 0o755)
        self.spool.mkdir()
        uid, gid, _ = self.ids["daemon"]
        os.chown(self.spool, uid, gid)
        self.portal = q.Party(self.ids["submit"], FUNCS)
        self.child = q.iins(30)
        self.addCleanup(self.portal.close)

    def qujatd(self, evil=False, limit=None, **settings):
        settings.setdefault("submit_group", q.PARTY_GROUPS["submit"])
        settings.setdefault("receive_group", q.PARTY_GROUPS["receive"])
        popen = q.as_party(self.ids["daemon"])
        if limit:
            popen["preexec_fn"] = lambda: resource.setrlimit(
                resource.RLIMIT_NOFILE, (limit, limit))
        if evil:
            d = self.evil_daemon(popen=popen, **settings)
        else:
            d = self.daemon(popen=popen, **settings)
        d.wait_started()
        return d

    def bundle(self, app, seed=0, docs_extra=(), **kw):
        docs, files = q.complete_bundle(SERVICE, seed)
        for name, data in docs_extra:
            docs.append((name, "vkk_conclusion"))
            files[name] = data
        m = q.manifest_for(app, SERVICE, docs, child_iin=next(self.child),
                           files=files)
        self.portal.call("make_bundle", str(self.spool), app, files, m,
                         kw.get("dir_name"), kw.get("mode"))
        return files

    def taken(self, app, d):
        q.wait_for(lambda: (self.spool / "active" / app).is_dir() and
                   not (self.spool / "incoming" / app).exists(), 30,
                   "%s taken" % app, d)

    def test_rights(self):
        """Each folder has the contract's owner, group and mode."""
        self.qujatd()
        gid = {"daemon": self.ids["daemon"][1], **self.ids["gids"]}
        for f, (mode, party) in q.RIGHTS.items():
            st = os.stat(self.spool / f)
            self.assertEqual(oct(stat.S_IMODE(st.st_mode)), oct(mode), f)
            self.assertEqual(st.st_uid, self.ids["daemon"][0], f)
            self.assertEqual(st.st_gid, gid[party], f)

    def test_fd_attacks_across_take(self):
        """A producer holding fds on its bundle across the take changes
        nothing the daemon checks, publishes or keeps, and a restart
        publishes nothing twice. Both workers, held by hanging uploads until
        the test kills them, keeps both bundles waiting while it attacks."""
        d = self.qujatd(evil=True, workers=2, worker_retries=0,
                        file_timeout_ms=120000)
        gate = {"gate1.jpg": b"QUJAT-TEST-HANG\n",
                "gate2.jpg": b"QUJAT-TEST-HANG\n"}
        self.portal.call("make_bundle", str(self.spool), "T-GATE", gate,
                         q.manifest_for("T-GATE", SERVICE,
                                        [(n, "vkk_conclusion")
                                         for n in gate]))
        q.wait_for(lambda: len(children(d.pid)) == 2, 30,
                   "the gate's two workers", d)
        # 0750: the daemon cannot remove the folder it took, so the
        # producer's fds still lead to a live folder to attack through
        good = self.bundle("T-GOOD", seed=1, mode=0o750)
        docs, bad = [("scan.jpg", "med_065u")], {"scan.jpg": q.scan_jpeg()}
        self.portal.call("make_bundle", str(self.spool), "T-BAD", bad,
                         q.manifest_for("T-BAD", SERVICE, docs,
                                        child_iin=VALID_IINS[2]), None, 0o750)
        self.taken("T-GOOD", d)
        self.taken("T-BAD", d)
        for app in ("T-GOOD", "T-BAD"):
            done = self.portal.call("attack", app)
            self.assertIn(".qujat-out", done, "the test's attack did not run")
        for pid in children(d.pid):
            os.kill(pid, signal.SIGKILL)
        self.assertRefused("T-GATE", ["processing_failed"])
        _, _, out = self.assertAccepted("T-GOOD", good)
        self.assertEqual(sorted(os.listdir(out)), sorted(
            q.entries(out)), "a dot entry in outbox")
        for n in os.listdir(out):
            self.assertNotIn(b"<html", (out / n).read_bytes(), n)
        rep = q.load_json(out / "report.json")
        self.assertNotIn("forged", rep)
        orig = self.spool / "originals" / "T-GOOD"
        self.assertEqual(set(os.listdir(orig)), set(good) | {"manifest.json"})
        for n, data in good.items():
            self.assertEqual(q.sha256((orig / n).read_bytes()),
                             q.sha256(data), n)
        ref = self.assertRefused("T-BAD", ["document_missing"], files=bad)
        self.assertEqual([r["code"] for r in ref["reasons"]],
                         ["document_missing"])
        before = self.portal.call("read_rejected", str(self.spool), "T-BAD")
        for app in ("T-GOOD", "T-BAD"):
            self.portal.call("attack", app)
            tried = self.portal.call("try_paths", str(self.spool), app)
            for k, v in tried.items():
                if not (app == "T-GOOD" and k.startswith("rejected")):
                    self.assertEqual(v, "EACCES", "%s %s" % (app, k))
        self.assertEqual(before, self.portal.call(
            "read_rejected", str(self.spool), "T-BAD"))
        self.assertIsNone(q.load_json(self.spool / "rejected" / "T-BAD" /
                                      "refusal.json").get("forged"))
        # A restart resumes only what the daemon wrote: nothing twice.
        self.assertEqual(d.stop(), 0)
        d.start()
        after = self.bundle("T-AFTER", seed=3)
        self.assertAccepted("T-AFTER", after)
        self.assertEqual(q.entries(self.spool / "outbox"),
                         ["T-AFTER", "T-GOOD"])
        self.assertNotIn("publication finished", d.log())

    def test_every_bundle_ends(self):
        """Each input that used to stay in active/ for ever ends, and the
        non-folders in incoming/ get one log line each."""
        d = self.qujatd()
        long_name = "x" * 255                    # + ".jpg" is 259 bytes
        cases = {}
        files = self.bundle("E-LONG", seed=1, docs_extra=[
            (long_name, q.scan_jpeg(seed=9))])
        cases["E-LONG"] = ("accepted", files)
        kinds = {"file": b"x", "folder": as_dir, "symlink": as_symlink,
                 "fifo": as_fifo}
        for i, (kind, data) in enumerate(kinds.items()):
            app = "E-DOT-%s" % kind
            docs, files = q.complete_bundle(SERVICE, i)
            m = q.manifest_for(app, SERVICE, docs, files=files,
                               child_iin=next(self.child))
            files[".qujat-out"] = data
            self.portal.call("make_bundle", str(self.spool), app, files, m)
            cases[app] = (["file_unlisted"] if kind == "file" else
                          ["file_not_regular"], None)
        docs, files = q.complete_bundle(SERVICE, 5)
        m = q.manifest_for("E-REFUSAL", SERVICE, docs, files=files,
                           child_iin=next(self.child))
        files["refusal.json"] = b'{"decision": "accepted"}'
        self.portal.call("make_bundle", str(self.spool), "E-REFUSAL", files, m)
        cases["E-REFUSAL"] = (["file_unlisted"], None)
        self.portal.call("plant", str(self.spool), "E-LINK", "symlink")
        self.portal.call("plant", str(self.spool), "E-PLAIN", "file")
        files = self.bundle("E-0555", seed=6, mode=0o555)
        cases["E-0555"] = ("accepted", files)
        self.bundle("E-0000", seed=7, mode=0)
        cases["E-0000"] = (["manifest_invalid"], None)
        for app, (want, files) in cases.items():
            with self.subTest(app):
                if want == "accepted":
                    self.assertAccepted(app, files)
                else:
                    self.assertRefused(app, want)
        man = q.load_json(self.spool / "outbox" / "E-LONG" / "manifest.json")
        names = [e["file"] for e in man["documents"]]
        self.assertTrue(all(len(n.encode()) <= 255 for n in names), names)
        # A 250-byte name that is no id, twice: both refused, the second
        # beside the first.
        bad = "y" * 250
        for k in range(2):
            docs, files = q.complete_bundle(SERVICE, 8)
            self.portal.call("make_bundle", str(self.spool), "E-N%d" % k,
                             files, q.manifest_for(bad, SERVICE, docs),
                             bad)
            q.wait_for(lambda: len([n for n in os.listdir(
                self.spool / "rejected") if n.startswith(bad[:200])]) == k + 1,
                60, "refusal %d of the 250-byte name" % (k + 1), d)
        log = d.log()
        for name in ("E-LINK", "E-PLAIN"):
            self.assertEqual(log.count("'incoming/%s' is not a folder" % name),
                             1, log)
        self.assertEqual(q.entries(self.spool / "active"), [])
        self.assertNotIn("retried in", log)

    def test_fd_limit(self):
        """1024 fds, 8 workers, 16 bundles of 40 files (all held open, as
        they were, would be 1280 fds): none refused (the
        files are opened when their worker runs, not all at the take)."""
        d = self.qujatd(limit=1024, workers=8)
        apps, child = {}, q.iins(12)
        for i in range(16):
            app = "F-%02d" % i
            docs, files = q.complete_bundle(SERVICE, i)
            for k in range(39):     # small pages: vector PDFs
                docs.append(("p%02d.pdf" % k, "vkk_conclusion"))
                files["p%02d.pdf" % k] = q.minimal_pdf("Page %d" % k)
            self.portal.call("make_bundle", str(self.spool), app, files,
                             q.manifest_for(app, SERVICE, docs, files=files,
                                            child_iin=next(child)))
            apps[app] = files
        for app, files in apps.items():
            with self.subTest(app):
                self.assertAccepted(app, files, timeout=900)
        self.assertNotIn("file_not_regular", d.log())

    def test_lying_worker(self):
        """A worker that writes 12 MB and says 1000 bytes is measured: its
        output over the budget is refused, never published."""
        self.qujatd(evil=True, file_timeout_ms=30000)
        files = {"scan.jpg": b"QUJAT-TEST-LIE\n"}
        self.portal.call("make_bundle", str(self.spool), "L-1", files,
                         q.manifest_for("L-1", SERVICE,
                                        [("scan.jpg", "vkk_conclusion")]))
        self.assertRefused("L-1", ["too_large"])
        self.assertFalse((self.spool / "outbox" / "L-1").exists())

    def test_publish_retried(self):
        """An outbox/ the daemon cannot write: the accepted bundle waits
        and is published once it can, never refused."""
        d = self.qujatd()
        os.chmod(self.spool / "outbox", 0o500)
        files = self.bundle("P-1", seed=2)
        q.wait_for(lambda: "cannot publish" in d.log(), 60,
                   "the failed publication", d)
        os.chmod(self.spool / "outbox", 0o770)
        self.assertAccepted("P-1", files, timeout=60)

    def test_submit(self):
        """`qujat submit` by a member of the producer's group, and by root,
        makes bundles the daemon takes; a linked manifest is refused."""
        self.qujatd()
        for who, app in (("portal", "S-PORTAL"), ("root", "S-ROOT")):
            src = self.tmp / app
            docs, files = q.complete_bundle(SERVICE, 1)
            q.write_files(src, files, q.manifest_for(
                app, SERVICE, docs, child_iin=VALID_IINS[
                    0 if who == "root" else 1]))
            args = ["submit", str(src), "--spool", str(self.spool)]
            if who == "portal":
                os.chmod(src, 0o755)
                rc, out = self.portal.call("submit", args)
            else:
                r = subprocess.run([str(q.QUJAT)] + args, capture_output=True,
                                   text=True, umask=0o077)
                rc, out = r.returncode, r.stdout + r.stderr
            self.assertEqual(rc, 0, out)
            self.assertAccepted(app, files)
        src = self.tmp / "S-LINK"
        docs, files = q.complete_bundle(SERVICE, 1)
        q.write_files(src, files, None)
        (self.tmp / "elsewhere.json").write_text("{}")
        os.symlink(self.tmp / "elsewhere.json", src / "manifest.json")
        r = subprocess.run([str(q.QUJAT), "submit", str(src), "--spool",
                            str(self.spool)], capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn("symbolic link", r.stderr)


if __name__ == "__main__":
    unittest.main()
