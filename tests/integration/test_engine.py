"""The compression engine through the daemon: over-budget bundles fit,
pages stay legible (pixel size of the chosen dpi, the blue stamp still
blue, upright, every page in order), and what cannot be legible is refused
(blank_page, resolution_too_low, too_large)."""

import io
import json
import re

from PIL import Image, ImageChops, ImageDraw

import qujatlib as q

A4_W_IN = 210 / 25.4


def colour_scan(dpi, seed, quality=95):
    """A colour A4 scan with a blue stamp, noisy like a real scanner."""
    img = q.page_image(dpi, seed, noise=12, mode="RGB")
    return q._save(img, "JPEG", quality=quality, dpi=(dpi, dpi))


def blue_pixels(img):
    img = img.convert("RGB").resize((400, round(400 * img.size[1] /
                                                img.size[0])))
    return sum(1 for r, g, b in img.getdata() if b - r > 60 and b - g > 40)


class Engine(q.SpoolTest):

    def drop_docs(self, app, files, **settings):
        """Starts the daemon (with settings) and drops files as one
        home_schooling bundle, each a vkk_conclusion."""
        self.daemon(**settings)
        m = q.manifest_for(app, "home_schooling",
                           [(n, "vkk_conclusion") for n in files],
                           files=files)
        q.drop(self.spool, app, files, m)

    def over_budget(self, app, files):
        docs = [(n, "vkk_conclusion") for n in files]
        m = q.manifest_for(app, "home_schooling", docs, files=files)
        self.assertGreater(sum(len(b) for b in files.values()), 5000000)
        q.drop(self.spool, app, files, m)

    def test_over_budget_bundle_fits(self):
        files = {"page-%d.jpg" % i: colour_scan(300, 40 + i) for i in range(3)}
        files["page-3.jpg"] = colour_scan(600, 50, quality=92)
        self.daemon()
        self.over_budget("ENG-FIT", files)
        man, rep, out = self.assertAccepted("ENG-FIT", files, timeout=120)
        total = sum(e["bytes"] for e in man["documents"])
        self.assertLessEqual(total, 5000000)
        self.assertEqual(total, sum((out / e["file"]).stat().st_size
                                    for e in man["documents"]))
        for e in rep["files"]:
            self.assertEqual(e["action"], "recompressed", e)
            m = re.match(r"d(\d+)q(\d+)([cg])$", e["variant"])
            self.assertTrue(m, e["variant"])
            dpi = int(m.group(1))
            self.assertGreaterEqual(dpi, 150)
            with Image.open(out / e["file"]) as img:
                want = round(A4_W_IN * dpi)
                self.assertLessEqual(abs(img.size[0] - want), 2,
                                     "%s is %s px wide, %d dpi wants %d" % (
                                         e["file"], img.size, dpi, want))
                self.assertEqual(m.group(3), "c", "a stamped page went grey")
                self.assertGreater(blue_pixels(img), 50,
                                   "the blue stamp of %s is gone" % e["file"])

    def test_phone_photos_flattened(self):
        # photo_pages = "flatten": an over-budget bundle of phone photos
        # of pages on a table becomes flat A4 pages, and the report says
        # so: each file's keep is its flattened page at the top rung (the
        # frame is never offered), or a smaller variant of that page.
        import math
        import sys
        sys.path.insert(0, str(q.REPO / "tests" / "filter"))
        import phone
        page, _ = phone.text_page(200)
        files = {}
        for i, kind in enumerate(("dark", "light", "dark")):
            data, _ = phone.phone(page, kind=kind, angle=1.5 - i,
                                  size=(2250, 3000), quality=95)
            files["photo-%d.jpg" % i] = data
        self.daemon(photo_pages="flatten")
        self.over_budget("ENG-FLAT", files)
        man, rep, out = self.assertAccepted("ENG-FLAT", files, timeout=180)
        flat = rep["files"]
        self.assertEqual(len(flat), 3, flat)
        self.assertLess(rep["bytes_out"], sum(map(len, files.values())) / 3)
        for e in flat:
            self.assertTrue(e["variant"] == "keep" or
                            e["variant"].endswith("f"), e)
            self.assertTrue(e["transform"].startswith(
                "page found, flattened, background evened, jpeg"), e)
            with Image.open(out / e["file"]) as img:
                w, h = img.size
                self.assertLess(abs(h / w / math.sqrt(2) - 1), 0.03,
                                "%s is %dx%d" % (e["file"], w, h))

    def test_few_colour_png_stays_lossless(self):
        # A certificate made on a computer, stored uncompressed (as some
        # portals' export tools do): 26 MB. Its lossless rewrite fits, so
        # it passes with every pixel as it was, as a PNG.
        page = Image.new("RGB", (2480, 3508), "white")
        d = ImageDraw.Draw(page)
        for i, y in enumerate(range(200, 3200, 50)):
            d.text((150, y), "Анықтама / Справка %d" % i, fill=(0, 0, 0),
                   font=q._font(36))
        d.ellipse((1700, 2700, 2200, 3200), outline=(30, 60, 200), width=8)
        files = {"cert.png": q._save(page, "PNG", compress_level=0)}
        self.daemon()
        self.over_budget("ENG-PNG", files)
        man, rep, out = self.assertAccepted("ENG-PNG", files, timeout=120)
        e = rep["files"][0]
        self.assertEqual(e["variant"], "lossless", e)
        self.assertEqual(man["documents"][0]["file"], "cert.png")
        with Image.open(out / "cert.png") as img:
            self.assertEqual(img.format, "PNG")
            self.assertIsNone(ImageChops.difference(
                img.convert("RGB"), page).getbbox(), "pixels changed")

    def test_signed_pdf_that_cannot_fit_says_why(self):
        # A signature's byte range: the PDF may never be rewritten, so
        # the refusal names it and says why it cannot shrink.
        pdf = q.scan_pdf(dpi=300, seed=71, pages=2)
        signed = pdf[:-6] + b"% /Type /Sig /ByteRange [0 10 20 30]\n%%EOF\n"
        files = {"signed.pdf": signed}
        self.drop_docs("ENG-SIG", files, max_bundle_bytes=len(signed) // 2)
        ref = self.assertRefused("ENG-SIG", ["too_large"], files, timeout=120)
        msg = self.reason(ref, "too_large", "signed.pdf")["message"]
        self.assertIn("signature", msg["en"])
        self.assertIn("подпис", msg["ru"])
        self.assertIn("қолтаңба", msg["kk"])

    def test_just_over_budget_stays_lossless(self):
        # 5% over: the progressive rewrite (8-9% smaller) makes every file
        # fit with its pixels untouched, so nothing is downsampled.
        files = {"page-%d.jpg" % i: colour_scan(300, 80 + i)
                 for i in range(2)}
        total = sum(len(b) for b in files.values())
        self.drop_docs("ENG-LL", files, max_bundle_bytes=int(total / 1.05))
        man, rep, out = self.assertAccepted("ENG-LL", files, timeout=120)
        variants = sorted(e["variant"] for e in rep["files"])
        self.assertIn("lossless", variants)
        self.assertLessEqual(set(variants), {"keep", "lossless"}, variants)
        for e in rep["files"]:
            with Image.open(out / e["file"]) as got, \
                    Image.open(io.BytesIO(files[e["file"]])) as orig:
                self.assertEqual(bool(got.info.get("progressive")),
                                 e["variant"] == "lossless")
                self.assertIsNone(ImageChops.difference(
                    got.convert("RGB"), orig.convert("RGB")).getbbox())

    def test_small_bundle_unchanged(self):
        files = {"page.jpg": q.scan_jpeg(dpi=160, seed=3)}
        self.drop_docs("ENG-KEEP", files)
        man, rep, out = self.assertAccepted("ENG-KEEP", files)
        self.assertEqual((out / "page.jpg").read_bytes(), files["page.jpg"])
        self.assertEqual(rep["files"][0]["action"], "passed")

    def test_tiff_becomes_pdf_in_order(self):
        tif = q.scan_tiff(dpi=200, seed=5, pages=3)
        files = {"scan.tif": tif}
        self.drop_docs("ENG-TIF", files)
        man, rep, out = self.assertAccepted("ENG-TIF", files)
        doc = man["documents"][0]
        self.assertEqual(doc["file"], "scan.pdf")
        self.assertEqual(doc["media_type"], "application/pdf")
        data = (out / "scan.pdf").read_bytes()
        self.assertTrue(data.startswith(b"%PDF"))
        self.assertEqual(rep["files"][0]["pages"], 3)
        self.assertEqual(len(re.findall(rb"/Type\s*/Page[^s]", data)), 3)

    def test_blank_page_refused(self):
        blank = q._save(Image.new("L", (1240, 1754), 250), "JPEG",
                        quality=90, dpi=(150, 150))
        files = {"blank.jpg": blank, "page.jpg": q.scan_jpeg(dpi=160, seed=1)}
        self.drop_docs("ENG-BLANK", files)
        ref = self.assertRefused("ENG-BLANK", ["blank_page"], files)
        self.assertEqual(self.reason(ref, "blank_page")["file"], "blank.jpg")

    def test_blank_page_in_a_document_named(self):
        page = q.page_image(150, 9, 6, "L")
        empty = Image.new("L", page.size, 248)
        tif = q._save(page, "TIFF", compression="tiff_lzw", save_all=True,
                      append_images=[empty, page], dpi=(150, 150))
        files = {"scan.tif": tif}
        self.drop_docs("ENG-BLANK2", files)
        ref = self.assertRefused("ENG-BLANK2", ["blank_page"], files)
        msg = self.reason(ref, "blank_page", "scan.tif")["message"]
        self.assertIn("Page 2 of", msg["en"])
        self.assertIn("Страница 2", msg["ru"])
        self.assertIn("2-беті", msg["kk"])

    def test_low_resolution_refused(self):
        low = q._save(q.page_image(50, 2, 0, "L"), "JPEG", quality=90)
        files = {"tiny.jpg": low}
        self.drop_docs("ENG-LOW", files)
        ref = self.assertRefused("ENG-LOW", ["resolution_too_low"], files)
        self.assertIn("150", ref["reasons"][0]["message"]["ru"])

    def test_nothing_legible_fits(self):
        # a one-page scan and a three-page one: the latter takes most room
        # even at its smallest, so the refusal names it
        files = {"page.jpg": colour_scan(300, 60),
                 "pages.tif": q.scan_tiff(300, 61, pages=3)}
        self.drop_docs("ENG-BIG", files, max_bundle_bytes=60000)
        ref = self.assertRefused("ENG-BIG", ["too_large"], files, timeout=120)
        r = self.reason(ref, "too_large", "pages.tif")
        for lang, text in r["message"].items():
            self.assertIn("pages.tif", text, lang)
            self.assertIn({"kk": "0,06\u00a0Мбайт", "ru": "0,06\u00a0МБ",
                           "en": "0.06\u00a0MB"}[lang], text, lang)
