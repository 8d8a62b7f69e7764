"""tests/filter/test_legibility.py: what the worker judges before the menu:
a blank page (alone or among others) and a page of too few pixels."""

import os, sys, unittest

from PIL import Image, ImageDraw

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixtures import (  # noqa: E402
    WorkerTest, a4_page, noisy, pdf_image, pdf_one_page, run_filter,
    save, scan_pdf)
import pdfmake  # noqa: E402


class LegibilityTest(WorkerTest):
    def test_blank_page_is_blank_and_named_among_others(self):
        """Blank page is blank, a light text page is not; a blank page
        among others is named."""
        tmp = self.tmp
        blank = noisy(Image.new("RGB", (1654, 2339), (245, 244, 240)), 4)
        r, _ = run_filter(tmp, save(blank, "JPEG", quality=85), [])
        if r["status"] != "blank":
            self.fail("blank page: %s" % r["status"])
        light = noisy(a4_page(200, stamp=False, ink=(190, 190, 190)), 4)
        r, _ = run_filter(tmp, save(light, "JPEG", quality=85), [])
        if r["status"] != "ok":
            self.fail("light page: %s" % r["status"])
        if "page" in r:
            self.fail("a single image names a page: %s" % r["page"])
        # mostly dark (a black box over 60% of it): its median is dark, and
        # it is still not blank
        dark = noisy(Image.new("RGB", (1654, 2339), (245, 244, 240)), 4)
        ImageDraw.Draw(dark).rectangle((100, 100, 1500, 2000), fill=(12, 12, 12))
        r, _ = run_filter(tmp, save(dark, "JPEG", quality=85), [])
        if r["status"] != "ok":
            self.fail("a page mostly black: %s" % r["status"])
        # one blank page among three (a duplex scan's empty back): the file
        # is refused and the report names the page, as TIFF and as PDF
        pages = [noisy(a4_page(200), 4), blank, noisy(a4_page(200, seed=3), 4)]
        tif = save(pages[0], "TIFF", compression="tiff_lzw", save_all=True,
                   append_images=pages[1:], dpi=(200, 200))
        for name, data in (("tiff", tif), ("pdf", scan_pdf(pages, 200))):
            r, _ = run_filter(tmp, data, ["--menu"])
            if r["status"] != "blank" or r.get("page") != "2":
                self.fail("%s with a blank page 2: %s page %s" % (
                    name, r["status"], r.get("page")))
        # the same blank page under a text layer is not blank
        pdf = pdf_one_page(b"q 595.28 0 0 841.89 0 0 cm /Im0 Do Q\n"
                           b"BT /F1 12 Tf 72 72 Td (x) Tj ET\n",
                           [("Im0", pdf_image(blank))])
        r, _ = run_filter(tmp, pdf, ["--menu"])
        if r["status"] != "ok":
            self.fail("text over blank: %s" % r["status"])
        # nor is one with an annotation (typed-in text, a signature's stamp)
        pdf = pdfmake.build([
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Count 1 /Kids [3 0 R] >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.28 841.89] "
            b"/Resources << /XObject << /Im0 5 0 R >> >> /Contents 4 0 R "
            b"/Annots [6 0 R] >>",
            pdfmake.stream(b"", b"q 595.28 0 0 841.89 0 0 cm /Im0 Do Q\n"),
            pdf_image(blank),
            b"<< /Type /Annot /Subtype /FreeText /Rect [72 72 300 100] "
            b"/Contents (Kz) /DA (/Helv 12 Tf 0 g) >>"])
        r, _ = run_filter(tmp, pdf, ["--menu"])
        self.assertTrue(r["status"] == "ok",
                        "annotated blank: %s" % r["status"])

    def test_50dpi_page_is_lowres(self):
        """50 dpi page is lowres."""
        tmp = self.tmp
        r, _ = run_filter(tmp, save(a4_page(50), "JPEG"), [])
        self.assertTrue(r["status"] == "lowres",
                        r["status"])


if __name__ == "__main__":
    unittest.main()
