"""`make deb` from a fresh clone: Debian's tooling (dpkg-buildpackage and
debhelper) builds a package that holds the binaries, the unit, the man
pages and the configuration (as conffiles), depends on its runtime
libraries, passes lintian, whose maintainer scripts create the users and
the spool in a temporary root, stop the daemon on remove, and on purge
remove only empty folders and say where the data was left; the package is
rebuilt when a packaged file changes."""

import os
import re
import shutil
import tempfile
import unittest
from pathlib import Path

import qujatlib as q

TOOLS = ("git", "make", "dpkg-buildpackage", "dh", "dpkg-deb")


run = q.run_cmd


class Deb(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp, cls.src = q.fresh_clone(
            "qujat-deb-", TOOLS, ["-s", "--no-print-directory", "deb"])
        debs = sorted((cls.src / "build").glob("qujat_*_amd64.deb"))
        if len(debs) != 1:
            raise AssertionError("make deb made %s" % debs)
        cls.deb = debs[0]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def info(self, *args):
        return run(["dpkg-deb"] + list(args), check=True).stdout

    def test_contents(self):
        names = {l.split()[-1].lstrip(".") for l in
                 self.info("--contents", self.deb).splitlines()}
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
                     "/usr/share/doc/qujat/README.md",
                     "/usr/share/doc/qujat/copyright"):
            self.assertIn(want, names)
        # Nothing of the build, no /usr/local.
        self.assertFalse([n for n in names if "/local" in n or
                          "build" in n], names)

    def test_control(self):
        control = self.info("--field", self.deb)
        deps = re.search(r"(?m)^Depends: (.*)$", control).group(1)
        self.assertNotRegex(deps, r"(^|, )\s*,")
        for lib in ("libuv1", "libcurl4", "libpq5", "libsqlite3-0",
                    "libqpdf", "libseccomp2", "libmagic1", "systemd"):
            self.assertIn(lib, deps)
        version = re.search(r"(?m)^Version: (.*)$", control).group(1)
        r = run([self.src / ("build/deb-src/qujat-%s/build/qujatd" %
                             version), "--version"])
        self.assertEqual(r.stdout.strip(), "qujatd " + version)
        conffiles = self.info("--info", self.deb, "conffiles").split()
        self.assertEqual(sorted(conffiles),
                         ["/etc/qujat/messages.conf", "/etc/qujat/qujat.conf",
                          "/etc/qujat/services.conf"])

    def test_maintainer_scripts(self):
        post = self.info("--info", self.deb, "postinst")
        for want in ("systemd-sysusers", "systemd-tmpfiles",
                     "daemon-reload", "deb-systemd-invoke"):
            self.assertIn(want, post)
        prerm = self.info("--info", self.deb, "prerm")
        self.assertRegex(prerm, r"\"\$1\" = remove.*\n.*"
                         r"deb-systemd-invoke stop 'qujatd.service'")
        self.assertNotIn("read ", self.info("--info", self.deb, "postrm"))

    @unittest.skipUnless(shutil.which("lintian"), "lintian not installed")
    def test_lintian(self):
        r = run(["lintian", "--tag-display-limit", "0", "-I", self.deb],
                timeout=600)
        tags = [l for l in r.stdout.splitlines() if re.match(r"[EWIX]: ", l)]
        self.assertEqual(tags, [], r.stdout)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_rebuilt_when_packaged_files_change(self):
        q_run = lambda: run(["make", "-q", "deb"], cwd=self.src,
                            env=q.user_env()).returncode
        self.assertEqual(q_run(), 0, "make deb is not up to date after "
                         "make deb")
        old = self.deb.stat().st_mtime - 10
        for f in ("debian/postrm", "debian/control", "conf/qujat.conf",
                  "conf/messages.conf", "systemd/qujat.sysusers",
                  "systemd/qujat.tmpfiles", "systemd/qujatd.service.in",
                  "man/qujatd.8", "daemon/conf.c"):
            p = self.src / f
            st = p.stat()
            os.utime(p, None)
            try:
                self.assertEqual(q_run(), 1, "a new %s does not remake "
                                 "the package" % f)
            finally:
                os.utime(p, (st.st_atime, old))

    def stubs(self, root):
        """A PATH folder where the init-system commands only log, so the
        scripts touch nothing outside root."""
        d = root.parent / "stubs"
        d.mkdir(exist_ok=True)
        for n in ("deb-systemd-helper", "deb-systemd-invoke", "systemctl"):
            (d / n).write_text("#!/bin/sh\necho %s \"$@\" >> %s/calls\n" %
                               (n, d))
            (d / n).chmod(0o755)
        return d

    def script(self, root, name, *args):
        path = root.parent / name
        path.write_text(self.info("--info", self.deb, name))
        env = dict(os.environ, DPKG_ROOT=str(root),
                   PATH="%s:%s" % (self.stubs(root), os.environ["PATH"]))
        return run(["sh", "-e", path] + list(args), env=env, timeout=60)

    @unittest.skipUnless(shutil.which("systemd-sysusers") and
                         shutil.which("systemd-tmpfiles"), "no systemd tools")
    def test_install_and_purge_in_a_root(self):
        with tempfile.TemporaryDirectory() as d:
            root = Path(d) / "root"
            root.mkdir()
            run(["dpkg-deb", "-x", self.deb, root], check=True)
            (root / "etc/passwd").write_text(
                "root:x:0:0:root:/root:/bin/sh\n")
            (root / "etc/group").write_text("root:x:0:\n")
            r = self.script(root, "postinst", "configure")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            users = re.findall(r"(?m)^u\s+(\S+)",
                               (root / "usr/lib/sysusers.d/qujat.conf")
                               .read_text())
            passwd = (root / "etc/passwd").read_text()
            for u in users:
                self.assertRegex(passwd, r"(?m)^%s:" % re.escape(u))
            spool = root / "var/spool/qujat"
            for f in q.FOLDERS:
                self.assertTrue((spool / f).is_dir(), f)
            self.assertTrue((root / "var/lib/qujat").is_dir())
            conf = (root / "etc/qujat/qujat.conf").read_text()
            self.assertRegex(conf, r'(?m)^state_dir = "/var/lib/qujat";')
            unit = (root / "lib/systemd/system/qujatd.service").read_text()
            self.assertIn("ExecStart=/usr/sbin/qujatd -c "
                          "/etc/qujat/qujat.conf", unit)

            # A bundle left in the outbox, then purge: the empty folders
            # go, the bundle stays, and the script says where.
            (spool / "outbox/KZ-1").mkdir()
            (spool / "outbox/KZ-1/scan.jpg").write_bytes(b"x")
            r = self.script(root, "postrm", "purge")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("kept /var/spool/qujat (1 files", r.stdout)
            self.assertTrue((spool / "outbox/KZ-1/scan.jpg").exists())
            self.assertFalse((spool / "incoming").exists())
            self.assertFalse((root / "var/lib/qujat").exists())
            self.assertNotIn("/var/lib/qujat", r.stdout)

    def test_extracted_daemon_checks_its_configuration(self):
        with tempfile.TemporaryDirectory() as d:
            run(["dpkg-deb", "-x", self.deb, d], check=True)
            root = Path(d)
            # The installed worker is beside nothing in this root: -t
            # names the missing program unless the package is installed.
            r = run([root / "usr/sbin/qujatd", "-t", "-c",
                     root / "etc/qujat/qujat.conf"], timeout=30)
            if os.path.exists("/usr/libexec/qujat/qujat-filter"):
                self.assertEqual(r.returncode, 0, r.stderr)
            else:
                self.assertEqual(r.returncode, 1)
                self.assertIn("cannot run '/usr/libexec/qujat/qujat-filter'"
                              " (filter)", r.stderr)


if __name__ == "__main__":
    unittest.main()
