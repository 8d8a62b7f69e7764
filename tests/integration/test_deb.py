"""`make deb`: the package builds, holds the binaries, the unit, the man
pages and the configuration (as conffiles, with state_dir where the unit's
StateDirectory= is), depends on its runtime libraries, and lintian finds
no error in it."""

import re
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

import qujatlib as q


@unittest.skipUnless(shutil.which("dpkg-deb") and shutil.which("make"),
                     "no dpkg-deb")
class Deb(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        r = subprocess.run(["make", "-s", "--no-print-directory",
                            "B=%s" % q.BUILD, "deb"], cwd=q.REPO,
                           capture_output=True, text=True, timeout=600)
        if r.returncode != 0:
            raise AssertionError("make deb failed:\n" + r.stdout + r.stderr)
        debs = sorted(q.BUILD.glob("qujat_*_amd64.deb"))
        if not debs:
            raise AssertionError("make deb made no build/qujat_*_amd64.deb")
        cls.deb = debs[-1]

    def dpkg(self, *args):
        return subprocess.run(["dpkg-deb"] + list(args) + [str(self.deb)],
                              capture_output=True, text=True, timeout=60,
                              check=True).stdout

    def test_contents(self):
        names = {l.split()[-1].lstrip(".") for l in
                 self.dpkg("--contents").splitlines()}
        for want in ("/usr/sbin/qujatd", "/usr/bin/qujat",
                     "/usr/libexec/qujat/qujat-filter",
                     "/lib/systemd/system/qujatd.service",
                     "/usr/lib/sysusers.d/qujat.conf",
                     "/usr/lib/tmpfiles.d/qujat.conf",
                     "/usr/share/man/man8/qujatd.8.gz",
                     "/usr/share/man/man1/qujat.1.gz",
                     "/usr/share/man/man5/qujat.conf.5.gz",
                     "/etc/qujat/qujat.conf", "/etc/qujat/services.conf",
                     "/etc/qujat/messages.conf",
                     "/usr/share/doc/qujat/copyright"):
            self.assertIn(want, names)

    def test_control(self):
        control = self.dpkg("--field")
        deps = re.search(r"(?m)^Depends: (.*)$", control).group(1)
        for lib in ("libuv1", "libcurl4", "libpq5", "libsqlite3-0",
                    "libqpdf", "libseccomp2", "systemd"):
            self.assertIn(lib, deps)
        conffiles = subprocess.run(["dpkg-deb", "--info", str(self.deb), "conffiles"],
                                   capture_output=True, text=True,
                                   check=True).stdout.split()
        self.assertEqual(sorted(conffiles),
                         ["/etc/qujat/messages.conf", "/etc/qujat/qujat.conf",
                          "/etc/qujat/services.conf"])
        post = subprocess.run(["dpkg-deb", "--info", str(self.deb),
                               "postinst"], capture_output=True, text=True,
                              check=True).stdout
        for want in ("systemd-sysusers", "systemd-tmpfiles",
                     "daemon-reload"):
            self.assertIn(want, post)

    def test_installed_files_agree(self):
        with tempfile.TemporaryDirectory() as d:
            subprocess.run(["dpkg-deb", "-x", str(self.deb), d], check=True)
            root = Path(d)
            conf = (root / "etc/qujat/qujat.conf").read_text()
            self.assertRegex(conf, r'(?m)^state_dir = "/var/lib/qujat";')
            unit = (root / "lib/systemd/system/qujatd.service").read_text()
            self.assertIn("StateDirectory=qujat", unit)
            self.assertIn("ExecStart=/usr/sbin/qujatd -c "
                          "/etc/qujat/qujat.conf", unit)
            tmpfiles = (root / "usr/lib/tmpfiles.d/qujat.conf").read_text()
            self.assertIn("/var/lib/qujat", tmpfiles)
            r = subprocess.run([str(root / "usr/sbin/qujatd"), "-t", "-c",
                                str(root / "etc/qujat/qujat.conf")],
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 0, r.stderr)

    @unittest.skipUnless(shutil.which("lintian"), "lintian not installed")
    def test_lintian(self):
        r = subprocess.run(["lintian", "--no-tag-display-limit",
                            str(self.deb)], capture_output=True, text=True,
                           timeout=300)
        errors = [l for l in r.stdout.splitlines() if l.startswith("E:")]
        print("\nlintian: %d lines, %d errors" % (
            len(r.stdout.splitlines()), len(errors)))
        self.assertEqual(errors, [], r.stdout)


if __name__ == "__main__":
    unittest.main()
