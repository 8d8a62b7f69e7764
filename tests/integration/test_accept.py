"""Accepted bundles: what outbox/<id>/ and originals/<id>/ hold (contract,
section 3)."""

import io
import json
import unittest

import qujatlib as q


class Accept(q.SpoolTest):
    def test_each_service(self):
        """A complete bundle of each of the six services is accepted."""
        self.daemon()
        iins = q.iins(seed=11)
        dropped = {}
        for i, service in enumerate(sorted(q.COMPLETE)):
            app = "OK-%s" % service
            dropped[app] = q.drop_complete(self.spool, app, service,
                                           next(iins), seed=i)
        for app, files in dropped.items():
            man, rep, out = self.assertAccepted(app, files, timeout=120)
            service = app[3:]
            self.assertEqual(man["service"], service)
            self.assertEqual(rep["warnings"], [],
                             "%s: no warning expected" % app)
            for f in rep["files"]:
                self.assertGreater(f["width"], 0, f)
                self.assertGreater(f["height"], 0, f)
                self.assertEqual(f["pages"], 1, f)
                self.assertEqual(f["type"], "image/jpeg", f)

    def test_formats(self):
        """JPEG, PNG, multi-page TIFF, a scanned PDF and a text PDF are all
        accepted; each published name's extension follows its type."""
        self.daemon()
        files = {"p1.jpg": q.scan_jpeg(seed=1), "p2.png": q.scan_png(seed=2),
                 "p3.tif": q.scan_tiff(seed=3), "p4.pdf": q.scan_pdf(seed=4),
                 "p5.pdf": q.minimal_pdf()}
        m = q.manifest_for("FMT-1", "home_schooling",
                           [(n, "vkk_conclusion") for n in files],
                           files=files)
        q.drop(self.spool, "FMT-1", files, m)
        man, rep, out = self.assertAccepted("FMT-1", files, timeout=120)
        byorig = {f["original_file"]: f for f in rep["files"]}
        self.assertEqual(byorig["p3.tif"]["pages"], 2)
        self.assertEqual(byorig["p1.jpg"]["type"], "image/jpeg")
        self.assertEqual(byorig["p2.png"]["type"], "image/png")
        self.assertEqual(byorig["p3.tif"]["type"], "image/tiff")
        self.assertEqual(byorig["p4.pdf"]["type"], "application/pdf")

    def test_extension_follows_content(self):
        """A .png that is really a JPEG is published as .jpg."""
        self.daemon()
        files = {"scan.png": q.scan_jpeg(seed=6)}
        m = q.manifest_for("EXT-1", "free_transport",
                           [("scan.png", "school_certificate")], files=files)
        q.drop(self.spool, "EXT-1", files, m)
        man, rep, out = self.assertAccepted("EXT-1", files)
        (e,) = man["documents"]
        self.assertEqual(e["original_file"], "scan.png")
        self.assertEqual(e["media_type"], "image/jpeg")
        self.assertRegex(e["file"], r"(?i)\.jpe?g$")
        self.assertFalse((out / "scan.png").exists())

    def test_unlisted_type_is_a_warning(self):
        """A document type the service does not list is accepted, with a
        warning in report.json."""
        self.daemon()
        files = {"cert.jpg": q.scan_jpeg(seed=1),
                 "birth.jpg": q.scan_jpeg(seed=2)}
        m = q.manifest_for("WARN-1", "free_transport",
                           [("cert.jpg", "school_certificate"),
                            ("birth.jpg", "birth_certificate")], files=files)
        q.drop(self.spool, "WARN-1", files, m)
        man, rep, out = self.assertAccepted("WARN-1", files)
        self.assertTrue(rep["warnings"], "no warning in report.json")
        text = json.dumps(rep["warnings"], ensure_ascii=False)
        self.assertTrue("birth_certificate" in text or "birth.jpg" in text,
                        "the warning names neither the type nor the file: "
                        + text)
        # support staff read it to the parent: the text in three languages
        (w,) = rep["warnings"]
        self.assertEqual(w["code"], "document_not_in_checklist")
        self.assertEqual(sorted(w["message"]), ["en", "kk", "ru"])
        self.assertIn("«birth.jpg» файлы («Баланың туу туралы куәлігі»)",
                      w["message"]["kk"])
        self.assertIn("«birth.jpg» («Свидетельство о рождении ребёнка»)",
                      w["message"]["ru"])
        self.assertIn("“birth.jpg” (“Birth certificate”) is not required",
                      w["message"]["en"])

    def hidden_data_bundle(self, app):
        payload = b"PK\x03\x04polyglot-payload" * 64
        files = {"photo.jpg": q.photo_jpeg(gps=True),
                 "f065.jpg": q.scan_jpeg(seed=1) + payload,
                 "f052.jpg": q.scan_jpeg(seed=2)}
        m = q.manifest_for(app, "school_admission",
                           [("photo.jpg", "photo_3x4"),
                            ("f065.jpg", "med_065u"),
                            ("f052.jpg", "med_052_2u")], files=files)
        q.drop(self.spool, app, files, m)
        man, rep, out = self.assertAccepted(app, files)
        return {e["original_file"]: e for e in man["documents"]}, out

    def test_gps_dropped(self):
        """GPS in a photo's EXIF is dropped on the way, and the entry says
        so in `transform`; the original keeps it."""
        from PIL import Image
        self.daemon()
        self.assertTrue(Image.open(io.BytesIO(q.photo_jpeg(gps=True)))
                        .getexif().get_ifd(0x8825))
        ent, out = self.hidden_data_bundle("GPS-1")
        photo = (out / ent["photo.jpg"]["file"]).read_bytes()
        exif = Image.open(io.BytesIO(photo)).getexif()
        self.assertFalse(exif.get_ifd(0x8825), "GPS kept in the photo")
        self.assertTrue(ent["photo.jpg"].get("transform"),
                        "no transform for the photo whose GPS was dropped")

    def test_trailing_data_dropped(self):
        """Bytes after a JPEG's end-of-image marker are dropped, and the
        entry says so in `transform`; the original keeps them."""
        self.daemon()
        ent, out = self.hidden_data_bundle("TRAIL-1")
        page = (out / ent["f065.jpg"]["file"]).read_bytes()
        self.assertFalse(b"polyglot-payload" in page,
                         "the bytes after the end-of-image marker were kept")
        self.assertTrue(ent["f065.jpg"].get("transform"),
                        "no transform for the page whose trailer was dropped")
        self.assertFalse(ent["f052.jpg"].get("transform"),
                         "a clean page reported as changed")

if __name__ == "__main__":
    unittest.main()
