"""The Makefile as a sysadmin or packager uses it, in a fresh clone:
`make install PREFIX=/usr` after a plain `make` installs programs built for
/usr (the paths compiled in follow the prefix), `qujatd -t` then names the
worker that is not there, `make uninstall` removes what was installed,
`make CFLAGS=-O0` builds, `make test` and `make run` install no test
packages."""

import os
import shutil
import unittest

import qujatlib as q


run = q.run_cmd


class Install(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp, cls.src = q.fresh_clone("qujat-install-", ("git", "make"),
                                         ["-s", "-j2"])

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def make(self, *args):
        return run(["make", "-s", "--no-print-directory"] + list(args),
                   cwd=self.src, env=q.user_env())

    def test_install_prefix_after_plain_make(self):
        dest = self.tmp / "dest"
        r = self.make("install", "PREFIX=/usr", "DESTDIR=%s" % dest)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        qujatd = dest / "usr/sbin/qujatd"
        binary = qujatd.read_bytes()
        self.assertIn(b"/usr/libexec/qujat\0", binary.replace(
            b"/usr/libexec/qujat/", b"/usr/libexec/qujat\0"))
        self.assertNotIn(b"/usr/local/", binary)
        r = run([qujatd, "--help"])
        self.assertIn("default: /etc/qujat/qujat.conf", r.stdout)
        # The installed worker is under DESTDIR, not where the binary
        # looks for it: -t must say so rather than pass.
        r = run([qujatd, "-t", "-c", dest / "etc/qujat/qujat.conf"])
        if not os.path.exists("/usr/libexec/qujat/qujat-filter"):
            self.assertEqual(r.returncode, 1, r.stdout)
            self.assertIn("cannot run '/usr/libexec/qujat/qujat-filter' "
                          "(filter): No such file", r.stderr)
        # Pointing it at the installed worker makes it valid.
        conf = dest / "etc/qujat/qujat.conf"
        conf.write_text(conf.read_text() + 'filter = "%s";\n' %
                        (dest / "usr/libexec/qujat/qujat-filter"))
        r = run([qujatd, "-t", "-c", conf])
        self.assertEqual(r.returncode, 0, r.stderr)

        r = self.make("uninstall", "PREFIX=/usr", "DESTDIR=%s" % dest)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        left = sorted(str(p.relative_to(dest)) for p in dest.rglob("*")
                      if p.is_file())
        self.assertEqual(left, ["etc/qujat/messages.conf",
                                "etc/qujat/qujat.conf",
                                "etc/qujat/services.conf"])

    def test_caller_cflags_only_add(self):
        b = self.tmp / "o0"
        r = self.make("CFLAGS=-O0", "B=%s" % b, "%s/obj/daemon/plan.o" % b,
                      "%s/obj/daemon/conf.o" % b,
                      "%s/obj/filters/resample.o" % b)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_test_and_run_install_no_test_packages(self):
        r = self.make("-n", "test")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("apt-get", r.stdout)
        def wanted(target):
            out = self.make("-n", target).stdout
            return " ".join(l for l in out.splitlines() if "dpkg-query" in l)
        run_pkgs = wanted("run")
        self.assertIn("libuv1-dev", run_pkgs)
        for pkg in ("postgresql", "lintian", "tesseract", "cmocka",
                    "imagemagick", "python3-pil"):
            self.assertNotIn(pkg, run_pkgs)
        check_pkgs = wanted("check")
        for pkg in ("postgresql", "lintian", "libuv1-dev", "debhelper"):
            self.assertIn(pkg, check_pkgs)


if __name__ == "__main__":
    unittest.main()
