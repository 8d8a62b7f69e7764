"""The operator's tool: `qujat check` (a dry run that touches no spool) and
`qujat status` (the queues, for a person)."""

import json
import os
import re
import subprocess
import unittest

import qujatlib as q


def tree(path):
    """{relative path: (mode, size, mtime_ns)} of everything under path."""
    out = {}
    for root, dirs, files in os.walk(path):
        for n in dirs + files:
            p = os.path.join(root, n)
            st = os.lstat(p)
            out[os.path.relpath(p, path)] = (st.st_mode, st.st_size,
                                             st.st_mtime_ns)
    return out


class Cli(q.SpoolTest):
    def qujat(self, *args, timeout=120):
        return subprocess.run([str(q.QUJAT)] + [str(a) for a in args],
                              cwd=q.REPO, capture_output=True, text=True,
                              timeout=timeout)

    def bundle(self, name, files, manifest):
        d = self.tmp / "bundles" / name
        q.write_files(d, files, manifest)
        return d

    def test_check(self):
        # The configuration's spool is one of the test's own, so anything
        # written to it shows.
        conf = self.conf(spool=str(self.spool))
        q.spool_dirs(self.spool)
        docs, files = q.complete_bundle("school_admission")
        good = self.bundle("CHK-good", files, q.manifest_for(
            "CHK-good", "school_admission", docs, files=files))
        bad_files = {"scan.pdf": q.zip_bytes()}
        bad = self.bundle("CHK-bad", bad_files, q.manifest_for(
            "CHK-bad", "school_admission", [("scan.pdf", "med_065u")],
            child_iin=q.INVALID_IIN, files=bad_files))
        before = (tree(self.spool), tree(good), tree(bad))

        r = self.qujat("check", good, "-c", conf)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("accepted", r.stdout.lower())

        r = self.qujat("check", bad, "-c", conf)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        out = r.stdout + r.stderr
        for code in ("iin_invalid", "type_unsupported", "document_missing"):
            self.assertIn(code, out)
        self.assertIn("scan.pdf", out)

        # Also with the repository's configuration, as the brief shows it;
        # its spool (/var/spool/qujat) is not made either.
        var_spool = os.path.exists("/var/spool/qujat")
        r = self.qujat("check", good, "-c", q.CONF)
        self.assertEqual(os.path.exists("/var/spool/qujat"), var_spool)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

        self.assertEqual((tree(self.spool), tree(good), tree(bad)), before,
                         "qujat check changed a spool or a bundle")

    def test_status(self):
        q.spool_dirs(self.spool)
        for i in range(3):
            q.drop_complete(self.spool, "ST-%d" % i, "free_transport",
                            q.VALID_IINS[i])
        r = self.qujat("status", "--spool", self.spool)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        counts = {}
        for line in r.stdout.lower().splitlines():
            for f in q.FOLDERS:
                if re.search(r"\b%s\b" % f, line):
                    counts[f] = re.findall(r"\b\d+\b", line)
        self.assertEqual(set(counts), set(q.FOLDERS),
                         "not every folder listed:\n" + r.stdout)
        self.assertIn("3", counts["incoming"], r.stdout)
        for f in ("active", "outbox", "rejected"):
            self.assertIn("0", counts[f], r.stdout)

    def test_budget_sizes(self):
        # The budget as bytes or with a unit; the table shows what it read.
        f = self.tmp / "scan.jpg"
        f.write_bytes(q.scan_jpeg(seed=3))
        for arg, want in (("5000000", 5000000), ("5MB", 5000000),
                          ("4.5MiB", 4718592), ("800kB", 800000),
                          ("2GiB", 2147483648)):
            out = self.tmp / ("out-" + arg)
            r = self.qujat("compress", f, "-o", out, "--budget", arg)
            self.assertEqual(r.returncode, 0, arg + r.stdout + r.stderr)
            self.assertIn("(budget %d)" % want, r.stdout, arg)
        for arg in ("-5", "0", "0.1", "5XB", "MB", "5 MB", "1e30"):
            r = self.qujat("compress", f, "-o", self.tmp / "bad", "--budget",
                           arg)
            self.assertEqual(r.returncode, 2, arg + r.stdout)
            self.assertIn("--budget '%s': not a size above zero" % arg,
                          r.stderr)
        self.assertFalse((self.tmp / "bad").exists())

    def test_lang_refused(self):
        d = self.bundle("CHK-lang", {}, q.manifest_for(
            "CHK-lang", "school_admission", []))
        r = self.qujat("check", d, "--lang", "de")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--lang 'de': the reasons are in kk, ru and en only",
                      r.stderr)
        r = self.qujat("check", d, "--lang", "ru")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertRegex(r.stdout, "[а-яА-Я]")

    def test_no_spool_is_created(self):
        typo = self.tmp / "spoool"
        docs, files = q.complete_bundle("free_meals")
        d = self.bundle("CLI-typo", files, q.manifest_for(
            "CLI-typo", "free_meals", docs, files=files))
        for args in (["status", "--spool", typo],
                     ["submit", d, "--spool", typo]):
            r = self.qujat(*args)
            self.assertEqual(r.returncode, 1, r.stdout)
            self.assertIn("no spool at '%s'" % typo, r.stderr)
            self.assertIn("does not exist", r.stderr)
            self.assertFalse(typo.exists(), args)
            self.assertNotIn("incoming", r.stdout)
        # Half a spool (no incoming/) is not made whole either.
        typo.mkdir()
        r = self.qujat("submit", d, "--spool", typo)
        self.assertEqual(r.returncode, 1)
        self.assertIn("'%s/incoming' does not exist" % typo, r.stderr)
        self.assertEqual(os.listdir(typo), [])

    def test_check_folder_name_is_the_id(self):
        docs, files = q.complete_bundle("school_admission")
        d = self.bundle("renamed-copy", files, q.manifest_for(
            "CHK-real", "school_admission", docs, files=files))
        r = self.qujat("check", d, "--json")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        ref = json.loads(r.stdout)
        self.assertEqual(ref["application_id"], "renamed-copy")
        self.assertIn("manifest_invalid",
                      [x["code"] for x in ref["reasons"]])
        good = self.bundle("CHK-real", files, q.manifest_for(
            "CHK-real", "school_admission", docs, files=files))
        r = self.qujat("check", str(good) + "/", "--json")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(json.loads(r.stdout)["application_id"], "CHK-real")

    def test_errors_say_why(self):
        for path, why in (("/nonexistent", "No such file or directory"),
                          ("/etc/passwd", "not a folder")):
            r = self.qujat("check", path)
            self.assertEqual(r.returncode, 1)
            self.assertIn("cannot check '%s': %s" % (path, why), r.stderr)
        r = self.qujat("frobnicate")
        self.assertEqual(r.returncode, 2)
        self.assertIn("'frobnicate' is not a command", r.stderr)

    def test_help_and_version(self):
        own = {"submit": ("--spool",), "check": ("--json", "--lang"),
               "status": ("--spool",),
               "compress": ("--output", "--budget", "--photo", "--json")}
        for cmd, opts in own.items():
            r = self.qujat(cmd, "--help")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertTrue(r.stdout.startswith("usage: qujat " + cmd))
            for o in opts + ("--config",):
                self.assertIn(o, r.stdout, cmd)
            others = {o for v in own.values() for o in v} - set(opts)
            for o in others:
                self.assertNotIn(o + " ", r.stdout, cmd)
        r = self.qujat("status", "--json")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--json is not an option of this command", r.stderr)
        version = re.match(r"qujat \(([^)-]+)\)",
                           (q.REPO / "debian/changelog").read_text()).group(1)
        for prog in (q.QUJAT, q.QUJATD):
            r = subprocess.run([str(prog), "--version"], capture_output=True,
                               text=True, timeout=10)
            self.assertEqual(r.returncode, 0)
            self.assertEqual(r.stdout, "%s %s\n" % (prog.name, version))


if __name__ == "__main__":
    unittest.main()
