"""Every refusal code of the contract that needs no recompression, each
from a bundle made to trigger it, and a bundle with several problems at
once. Each refusal is checked whole: refusal.json as in the contract, all
three languages, the file or document named, the originals untouched."""

import os
import time
import unittest
from pathlib import Path

import qujatlib as q
from qujatlib import VALID_IINS, INVALID_IIN


def one_page(app_id, service="free_transport", typ="school_certificate",
             name="certificate.jpg", data=None, child=VALID_IINS[0], **kw):
    """(files, manifest) of a one-file bundle."""
    files = {name: q.scan_jpeg() if data is None else data}
    return files, q.manifest_for(app_id, service, [(name, typ)],
                                 child_iin=child, files=files, **kw)


class ManifestInvalid(q.SpoolTest):
    def test_no_manifest(self):
        self.daemon()
        files, _ = one_page("NOMAN-1")
        q.drop(self.spool, "NOMAN-1", files, None)
        self.assertRefused("NOMAN-1", ["manifest_invalid"], files)

    def test_not_json(self):
        self.daemon()
        for i, body in enumerate([b"{\"version\": 1, \"application_id\": ",
                                  b"\xff\xfe not utf-8 \x00",
                                  b"[]", b""]):
            app = "NOTJSON-%d" % i
            files, _ = one_page(app)
            q.drop(self.spool, app, files, body)
        for i in range(4):
            self.assertRefused("NOTJSON-%d" % i, ["manifest_invalid"],
                               files)

    def test_wrong_types(self):
        self.daemon()
        cases = {
            "documents-string": lambda m: m.update(documents="a.jpg"),
            "iin-number": lambda m: m["child"].update(iin=180512600157),
            "version-string": lambda m: m.update(version="1"),
            "no-institution": lambda m: m.pop("institution"),
            "no-child": lambda m: m.pop("child"),
            "bytes-string": lambda m: m["documents"][0].update(bytes="12"),
        }
        for name, change in cases.items():
            app = "WT-" + name
            files, m = one_page(app)
            change(m)
            q.drop(self.spool, app, files, m)
        for name in cases:
            self.assertRefused("WT-" + name, ["manifest_invalid"], files)

    def test_id_mismatch(self):
        self.daemon()
        files, m = one_page("ID-IN-MANIFEST")
        q.drop(self.spool, "ID-ON-DISK", files, m, dir_name="ID-ON-DISK")
        folder, path = self.result("ID-ON-DISK")
        self.assertEqual(folder, "rejected")
        # The bundle is known to the spool by its folder name.
        ref = q.check_refusal(self, path, "ID-ON-DISK", files)
        self.reason(ref, "manifest_invalid")


class Refusals(q.SpoolTest):
    def test_service_unknown(self):
        self.daemon()
        files, m = one_page("SVC-1", service="free_pony_rides")
        q.drop(self.spool, "SVC-1", files, m)
        self.assertRefused("SVC-1", ["service_unknown"], files)

    def test_iin_invalid(self):
        self.daemon()
        cases = {"IIN-check": dict(child=INVALID_IIN),
                 "IIN-short": dict(child="12345678901"),
                 "IIN-letters": dict(child="18051260015x"),
                 "IIN-applicant": dict(applicant_iin=INVALID_IIN)}
        for app, kw in cases.items():
            files, m = one_page(app, **kw)
            q.drop(self.spool, app, files, m)
        for app in cases:
            self.assertRefused(app, ["iin_invalid"], files)

    def test_file_missing(self):
        self.daemon()
        files = {"page1.jpg": q.scan_jpeg()}
        m = q.manifest_for("MISS-1", "free_transport",
                           [("page1.jpg", "school_certificate"),
                            ("page2.jpg", "school_certificate")], files=files)
        q.drop(self.spool, "MISS-1", files, m)
        ref = self.assertRefused("MISS-1", ["file_missing"], files)
        self.reason(ref, "file_missing", "page2.jpg")

    def test_file_unlisted(self):
        self.daemon()
        files, m = one_page("UNL-1")
        files["extra-page.jpg"] = q.scan_jpeg(seed=2)
        q.drop(self.spool, "UNL-1", files, m)
        ref = self.assertRefused("UNL-1", ["file_unlisted"], files)
        self.reason(ref, "file_unlisted", "extra-page.jpg")

    def test_file_not_regular_symlink(self):
        """A symlink to a file outside the bundle is refused, and the
        daemon never copies what it points at anywhere in the spool."""
        self.daemon()
        marker = b"QUJAT-SECRET-MARKER-%d" % os.getpid()
        jpeg = q.scan_jpeg(dpi=160, seed=5)
        secret = (jpeg[:2] + b"\xff\xfe" + (len(marker) + 2).to_bytes(2, "big")
                  + marker + jpeg[2:])
        secret_path = self.tmp / "secret.jpg"
        secret_path.write_bytes(secret)
        files = {"certificate.jpg":
                 lambda p: os.symlink(secret_path, p)}
        m = q.manifest_for("LINK-1", "free_transport",
                           [("certificate.jpg", "school_certificate")])
        q.drop(self.spool, "LINK-1", files, m)
        ref = self.assertRefused("LINK-1", ["file_not_regular"])
        self.reason(ref, "file_not_regular", "certificate.jpg")
        # it arrived, as a link: one reason, not also "did not arrive"
        self.assertEqual([(r["code"], r.get("file")) for r in ref["reasons"]],
                         [("file_not_regular", "certificate.jpg")])
        self.assertEqual(secret_path.read_bytes(), secret)
        for root, dirs, names in os.walk(self.spool):
            for n in names:
                p = Path(root) / n
                if p.is_symlink() or not p.is_file():
                    continue
                self.assertFalse(marker in p.read_bytes(),
                                 "the symlink's target leaked into %s" % p)
        self.assertFalse((self.spool / "outbox" / "LINK-1").exists())

    def test_file_not_regular_fifo(self):
        """A FIFO must not hang the daemon: it is refused, and the next
        bundle is processed."""
        self.daemon()
        files = {"certificate.jpg": lambda p: os.mkfifo(p)}
        m = q.manifest_for("FIFO-1", "free_transport",
                           [("certificate.jpg", "school_certificate")])
        q.drop(self.spool, "FIFO-1", files, m)
        ref = self.assertRefused("FIFO-1", ["file_not_regular"], timeout=30)
        self.reason(ref, "file_not_regular", "certificate.jpg")
        self.assertNotIn("file_missing", [r["code"] for r in ref["reasons"]])
        good = q.drop_complete(self.spool, "FIFO-2", "free_transport",
                               VALID_IINS[2])
        self.assertAccepted("FIFO-2", good)

    def test_file_not_regular_folder(self):
        self.daemon()
        files = {"page1.jpg": q.scan_jpeg(),
                 "pages": lambda p: (p.mkdir(),
                                     (p / "page2.jpg").write_bytes(
                                         q.scan_jpeg(seed=1)))}
        m = q.manifest_for("DIR-1", "free_transport",
                           [("page1.jpg", "school_certificate"),
                            ("pages", "school_certificate")],
                           files={"page1.jpg": files["page1.jpg"]})
        q.drop(self.spool, "DIR-1", files, m)
        ref = self.assertRefused("DIR-1", ["file_not_regular"])
        self.reason(ref, "file_not_regular", "pages")
        self.assertNotIn("file_missing", [r["code"] for r in ref["reasons"]])

    def test_type_unsupported(self):
        self.daemon()
        files = {"scan.pdf": q.zip_bytes(), "photo.jpg": q.executable_bytes()}
        m = q.manifest_for("TYPE-1", "free_transport",
                           [("scan.pdf", "school_certificate"),
                            ("photo.jpg", "school_certificate")], files=files)
        q.drop(self.spool, "TYPE-1", files, m)
        ref = self.assertRefused("TYPE-1", ["type_unsupported"], files)
        self.reason(ref, "type_unsupported", "scan.pdf")
        self.reason(ref, "type_unsupported", "photo.jpg")

    def test_jpeg_of_a_kind_not_decoded_is_unsupported_not_corrupt(self):
        # A 12-bit JPEG (SOF1, precision 12) and a lossless one (SOF3), as
        # medical devices write them: djpeg cannot show either, and they
        # are not damaged. Made from a real JPEG by changing its frame.
        base = q.scan_jpeg(160, 3)
        sof = base.index(b"\xff\xc0")
        twelve = bytearray(base)
        twelve[sof + 1], twelve[sof + 4] = 0xC1, 12
        lossless = bytearray(base)
        lossless[sof + 1] = 0xC3
        self.daemon()
        for app, data in (("KIND-12", twelve), ("KIND-LL", lossless)):
            files, m = one_page(app, data=bytes(data))
            q.drop(self.spool, app, files, m)
        for app in ("KIND-12", "KIND-LL"):
            ref = self.assertRefused(app, ["type_unsupported"])
            self.assertNotIn("file_corrupt", [r["code"] for r in
                                              ref["reasons"]])
            r = self.reason(ref, "type_unsupported")
            self.assertIn("12 bits per colour channel", r["message"]["en"])
            self.assertIn("12 бит", r["message"]["ru"])

    def test_file_corrupt(self):
        self.daemon()
        trunc = q.truncated_jpeg()
        files, m = one_page("CORRUPT-trunc", data=trunc)
        q.drop(self.spool, "CORRUPT-trunc", files, m)
        files2, m2 = one_page("CORRUPT-sha")
        m2["documents"][0]["sha256"] = q.sha256(b"something else")
        q.drop(self.spool, "CORRUPT-sha", files2, m2)
        files3, m3 = one_page("CORRUPT-bytes")
        m3["documents"][0]["bytes"] += 1
        q.drop(self.spool, "CORRUPT-bytes", files3, m3)
        for app, f in (("CORRUPT-trunc", files), ("CORRUPT-sha", files2),
                       ("CORRUPT-bytes", files3)):
            ref = self.assertRefused(app, ["file_corrupt"], f)
            self.reason(ref, "file_corrupt", "certificate.jpg")

    def test_jpeg_cut_short(self):
        """A scan whose upload lost its last bytes: published whole when
        only its last rows are missing (as djpeg shows it), refused as
        incomplete, in words that say so, when more is missing."""
        self.daemon()
        whole = q.scan_jpeg(seed=3)
        cases = {"CUT-end": whole[:-2], "CUT-rows": whole[:-300],
                 "CUT-half": whole[:len(whole) // 2]}
        for i, (app, data) in enumerate(cases.items()):
            files, m = one_page(app, data=data, child=VALID_IINS[i])
            q.drop(self.spool, app, files, m)
        for app in ("CUT-end", "CUT-rows"):
            files, _ = one_page(app, data=cases[app])
            man, _, out = self.assertAccepted(app, files)
            pub = (out / man["documents"][0]["file"]).read_bytes()
            self.assertTrue(pub.endswith(b"\xff\xd9"), app)
            self.assertRegex(man["documents"][0].get("transform", ""),
                             "end of file rebuilt|incomplete", app)
        files, _ = one_page("CUT-half", data=cases["CUT-half"])
        ref = self.assertRefused("CUT-half", ["file_corrupt"], files)
        msg = self.reason(ref, "file_corrupt", "certificate.jpg")["message"]
        self.assertIn("incomplete", msg["en"])
        self.assertIn("неполный", msg["ru"])
        self.assertIn("толық емес", msg["kk"])

    def test_pdf_encrypted(self):
        self.daemon()
        files, m = one_page("ENC-1", name="certificate.pdf",
                            data=q.encrypted_pdf())
        q.drop(self.spool, "ENC-1", files, m)
        ref = self.assertRefused("ENC-1", ["pdf_encrypted"], files)
        self.reason(ref, "pdf_encrypted", "certificate.pdf")

    def test_limit_max_files(self):
        self.daemon(max_files=3)
        files = {"p%d.jpg" % i: q.scan_jpeg(seed=i) for i in range(4)}
        m = q.manifest_for("LIM-files", "free_transport",
                           [(n, "school_certificate") for n in files],
                           files=files)
        q.drop(self.spool, "LIM-files", files, m)
        self.assertRefused("LIM-files", ["limit_exceeded"], files)
        # Three files are within the limit.
        del files["p3.jpg"]
        m = q.manifest_for("LIM-files-ok", "free_transport",
                           [(n, "school_certificate") for n in files],
                           child_iin=VALID_IINS[2], files=files)
        q.drop(self.spool, "LIM-files-ok", files, m)
        self.assertAccepted("LIM-files-ok", files)

    def test_limit_max_pixels(self):
        self.daemon(max_pixels=1000000)
        files, m = one_page("LIM-pixels")     # 1324x1871 pixels
        q.drop(self.spool, "LIM-pixels", files, m)
        ref = self.assertRefused("LIM-pixels", ["limit_exceeded"], files)
        msg = self.reason(ref, "limit_exceeded", "certificate.jpg")["message"]
        # a count for people, not 1000000
        self.assertIn("1\u00a0000\u00a0000 пикселей", msg["ru"])
        self.assertIn("1,000,000 pixels", msg["en"])

    def test_limit_file_bytes(self):
        self.daemon(max_file_bytes=60000)
        files, m = one_page("LIM-bytes")
        q.drop(self.spool, "LIM-bytes", files, m)
        ref = self.assertRefused("LIM-bytes", ["limit_exceeded"], files)
        msg = self.reason(ref, "limit_exceeded", "certificate.jpg")["message"]
        self.assertIn("0,06\u00a0Мбайт шегінен", msg["kk"])
        self.assertIn("превышает 0,06\u00a0МБ", msg["ru"])
        self.assertIn("over 0.06\u00a0MB", msg["en"])

    def test_document_missing(self):
        self.daemon()
        # home_schooling needs vkk_conclusion; this bundle carries another.
        files, m = one_page("DOC-vkk", service="home_schooling",
                            typ="pmpc_conclusion")
        q.drop(self.spool, "DOC-vkk", files, m)
        ref = self.assertRefused("DOC-vkk", ["document_missing"], files)
        r = self.reason(ref, "document_missing")
        self.assertEqual(r.get("document"), "vkk_conclusion")
        # the home-schooling conclusion, with its recommendations, quoted
        self.assertIn("тіркелмеген: «Үйде оқыту бойынша ұсынымдары бар",
                      q.norm(r["message"]["kk"]))

    def test_document_missing_one_of(self):
        """An "a|b" entry reads as one of two, not "a / b"."""
        self.daemon()
        files = {"photo.jpg": q.photo_jpeg(), "f065.jpg": q.scan_jpeg()}
        m = q.manifest_for("DOC-052", "school_admission",
                           [("photo.jpg", "photo_3x4"),
                            ("f065.jpg", "med_065u")], files=files)
        q.drop(self.spool, "DOC-052", files, m)
        ref = self.assertRefused("DOC-052", ["document_missing"], files)
        (r,) = ref["reasons"]
        self.assertEqual(r["document"], "med_052_2u|med_026u3")
        msg = {k: q.norm(v) for k, v in r["message"].items()}
        self.assertIn("«Бала денсаулығының паспорты, № 052-2/у нысаны» "
                      "немесе «Бала денсаулығының паспорты, № 026/у-3 "
                      "нысаны»", msg["kk"])
        self.assertIn("один из следующих: «Паспорт здоровья ребёнка ф. № "
                      "052-2/у» или «Паспорт здоровья ребёнка ф. № "
                      "026/у-3»", msg["ru"])
        self.assertIn("one of: “Child health passport, form 052-2/u” or "
                      "“Child health passport, form 026/u-3”", msg["en"])

    def test_document_missing_category(self):
        """free_meals and summer_camp need one of the five category (G1)
        documents; the message lists all five."""
        self.daemon()
        files, m = one_page("DOC-meals", service="free_meals",
                            typ="birth_certificate")
        q.drop(self.spool, "DOC-meals", files, m)
        files2, m2 = one_page("DOC-camp", service="summer_camp",
                              typ="medical_079u", child=VALID_IINS[2])
        q.drop(self.spool, "DOC-camp", files2, m2)
        for app, f in (("DOC-meals", files), ("DOC-camp", files2)):
            ref = self.assertRefused(app, ["document_missing"], f)
            r = self.reason(ref, "document_missing")
            for i, lang in enumerate(q.LANGS):
                for typ in q.G1:
                    self.assertIn(q.norm(q.DOC_NAMES[typ][i]),
                                  q.norm(r["message"][lang]),
                                  "%s: the %s text does not list %s"
                                  % (app, lang, typ))
            self.assertFalse(any(x["code"] == "document_missing" and
                                 x.get("document") == "medical_079u"
                                 for x in ref["reasons"]))

    def test_duplicate_application(self):
        self.daemon()
        child, other = VALID_IINS[0], VALID_IINS[3]
        first = q.drop_complete(self.spool, "DUP-1", "home_schooling", child)
        self.assertAccepted("DUP-1", first)
        second = q.drop_complete(self.spool, "DUP-2", "home_schooling", child,
                                 seed=3)
        self.assertRefused("DUP-2", ["duplicate_application"], second)
        # Another service for the same child is another application.
        third = q.drop_complete(self.spool, "DUP-3", "free_transport", child)
        self.assertAccepted("DUP-3", third)
        # A refused bundle holds nothing: after a refusal for `other`, a
        # good bundle for `other` is accepted.
        files, m = one_page("DUP-4", service="home_schooling",
                            typ="pmpc_conclusion", child=other)
        q.drop(self.spool, "DUP-4", files, m)
        self.assertRefused("DUP-4", ["document_missing"], files)
        fifth = q.drop_complete(self.spool, "DUP-5", "home_schooling", other)
        self.assertAccepted("DUP-5", fifth)

    def test_too_large(self):
        # No legible A4 page fits in 5000 bytes, whatever recompression does.
        self.daemon(max_bundle_bytes=5000)
        files, m = one_page("BIG-1")
        q.drop(self.spool, "BIG-1", files, m)
        self.assertRefused("BIG-1", ["too_large"], files)

    def test_several_problems(self):
        """All reasons are listed, not just the first."""
        self.daemon()
        files = {"vkk.pdf": q.zip_bytes(),
                 "unlisted.jpg": q.scan_jpeg(seed=4)}
        m = q.manifest_for("MANY-1", "school_admission",
                           [("vkk.pdf", "med_065u"),
                            ("absent.jpg", "med_065u")],
                           child_iin=INVALID_IIN, files=files)
        q.drop(self.spool, "MANY-1", files, m)
        ref = self.assertRefused("MANY-1", [
            "iin_invalid", "file_missing", "file_unlisted",
            "type_unsupported", "document_missing"], files)
        self.reason(ref, "file_missing", "absent.jpg")
        self.reason(ref, "file_unlisted", "unlisted.jpg")
        self.reason(ref, "type_unsupported", "vkk.pdf")
        missing = {r.get("document") for r in ref["reasons"]
                   if r["code"] == "document_missing"}
        self.assertTrue(any("photo_3x4" in (x or "") for x in missing),
                        missing)
        self.assertTrue(any("med_052_2u" in (x or "") for x in missing),
                        missing)


def evil(kind, pad=4096):
    return b"QUJAT-TEST-" + kind + b"\n" + b"\0" * pad


class ProcessingFailed(q.SpoolTest):
    def drop_evil(self, app, kind):
        files, m = one_page(app, name="certificate.pdf", data=evil(kind))
        q.drop(self.spool, app, files, m)
        return files

    def check_failed(self, app, files, timeout):
        ref = self.assertRefused(app, ["processing_failed"], files,
                                 timeout=timeout)
        self.reason(ref, "processing_failed", "certificate.pdf")

    def test_crash(self):
        d = self.evil_daemon()
        files = self.drop_evil("EVIL-crash", b"CRASH")
        self.check_failed("EVIL-crash", files, 30)
        self.assertTrue(d.alive())
        good = q.drop_complete(self.spool, "EVIL-after-crash",
                               "free_transport", VALID_IINS[1])
        self.assertAccepted("EVIL-after-crash", good)

    def test_hang(self):
        d = self.evil_daemon()
        t0 = time.monotonic()
        files = self.drop_evil("EVIL-hang", b"HANG")
        # Two tries of 2 s each, plus scheduling slack.
        self.check_failed("EVIL-hang", files, 30)
        self.assertGreaterEqual(time.monotonic() - t0, 2.0,
                                "refused before the worker's deadline")
        self.assertTrue(d.alive())
        good = q.drop_complete(self.spool, "EVIL-after-hang",
                               "free_transport", VALID_IINS[1])
        self.assertAccepted("EVIL-after-hang", good)

    def test_bundle_out_of_time(self):
        """Workers that hang past the bundle's own deadline: one reason for
        the application (processing_failed_bundle), not one per file."""
        self.evil_daemon(bundle_timeout_ms=1500, file_timeout_ms=60000)
        files = {"a.pdf": evil(b"HANG"), "b.pdf": evil(b"HANG", 4097)}
        m = q.manifest_for("EVIL-late", "free_transport",
                           [(n, "school_certificate") for n in files],
                           files=files)
        q.drop(self.spool, "EVIL-late", files, m)
        ref = self.assertRefused("EVIL-late", ["processing_failed"], files,
                                 timeout=30)
        (r,) = ref["reasons"]
        self.assertNotIn("file", r)
        self.assertIn("in the time allowed", r["message"]["en"])
        self.assertIn("за отведённое время", r["message"]["ru"])

    def test_sandbox_escape_attempts(self):
        """A worker that tries to open a file, connect or exec after it
        entered its sandbox is killed, and the bundle refused."""
        d = self.evil_daemon()
        kinds = (b"OPEN", b"CONNECT", b"EXEC")
        allfiles = {}
        for i, k in enumerate(kinds):
            allfiles[k] = self.drop_evil("EVIL-" + k.decode(), k)
        for k in kinds:
            self.check_failed("EVIL-" + k.decode(), allfiles[k], 30)
        self.assertTrue(d.alive())


if __name__ == "__main__":
    unittest.main()
