"""The operator's tool: `qujat check` (a dry run that touches no spool) and
`qujat status` (the queues, for a person)."""

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

if __name__ == "__main__":
    unittest.main()
