"""tests/filter/test_tiff.py: TIFFs made by PIL or by hand: each becomes a
PDF, pages in order, its ICC profile once, 16-bit CMYK as RGB."""

import os, struct, subprocess, sys, unittest

from PIL import Image, ImageDraw

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixtures import (  # noqa: E402
    WorkerTest, a4_page, icc_profile, mean_diff, menu_is_exact, noisy,
    pdf_render, run_filter, save, write)


class TiffTest(WorkerTest):
    def test_multipage_tiff_with_a_g4_page_becomes_a_pdf_in_order(self):
        """Multi-page TIFF with a G4 page becomes a PDF, pages in order."""
        tmp = self.tmp
        p1 = a4_page(200)
        p2 = a4_page(200, stamp=False, seed=2).convert("L").point(
            lambda v: 255 if v > 128 else 0).convert("1")
        p3 = Image.new("RGB", p1.size, (250, 250, 250))
        ImageDraw.Draw(p3).rectangle((100, 100, 1500, 2000), fill=(10, 10, 10))
        tif = save(p1, "TIFF", compression="tiff_lzw", save_all=True,
                   append_images=[p2, p3], dpi=(200, 200))
        r, outs, why = menu_is_exact(tmp, tif, [])
        if why:
            self.fail(why)
        _, keep = run_filter(tmp, tif, [])
        for name, pdf in [("keep", keep)] + list(outs.items()):
            f = os.path.join(tmp, "o.pdf")
            write(f, pdf)
            n = subprocess.run(["qpdf", "--show-npages", f], capture_output=True,
                               text=True).stdout.strip()
            if n != "3":
                self.fail("%s: %s pages" % (name, n))
            lst = subprocess.run(["pdfimages", "-list", f], capture_output=True,
                                 text=True).stdout.split("\n")[2:5]
            kinds = [l.split()[8] for l in lst]
            if kinds != ["jpeg", "ccitt", "jpeg"]:
                self.fail("%s: page images %s" % (name, kinds))
            subprocess.run(["pdftoppm", "-r", "10", "-gray", f,
                            os.path.join(tmp, "pg")], check=True)
            means = [sum(Image.open(os.path.join(tmp, "pg-%d.pgm" % i))
                         .getdata()) / 1e3 for i in (1, 2, 3)]
            if not means[2] < means[0]:
                self.fail("%s: page order lost (%s)" % (name, means))

    def test_icc_profile_goes_into_the_pdf_once_for_the_colour_pages(self):
        """A TIFF's ICC profile goes into its PDF once, as ICCBased, for
        the colour pages."""
        tmp = self.tmp
        rgb = icc_profile(pad=2000)
        pages = [noisy(a4_page(200, seed=i), 6) for i in range(2)]
        tif = save(pages[0], "TIFF", compression="tiff_lzw", save_all=True,
                   append_images=pages[1:], dpi=(200, 200), icc_profile=rgb)
        r, outs, why = menu_is_exact(tmp, tif, [])
        if why:
            self.fail(why)
        _, keep = run_filter(tmp, tif, [])
        for name, pdf in [("keep", keep)] + list(outs.items()):
            colour = name == "keep" or name.endswith("c")
            want = (1, 2) if colour else (0, 0)
            got = (pdf.count(rgb), pdf.count(b"/ICCBased"))
            if got != want:
                self.fail("%s: profile %d times, ICCBased %d times" % ((name,) + got))
            if len(pdf_render(tmp, pdf, 10)) != 2:
                self.fail("%s does not render" % name)

    def test_16bit_cmyk_tiff_becomes_rgb_pages_that_look_like_it(self):
        """16-bit CMYK TIFF becomes RGB pages that look like it."""
        tmp = self.tmp
        page = noisy(a4_page(100), 6)
        w, h = page.size
        # 16 bits a sample (each byte twice: v * 257), little-endian
        raw = b"".join(bytes((v, v)) for v in page.convert("CMYK").tobytes())
        hdr = struct.pack("<2sHI", b"II", 42, 8)
        tags = [(256, 4, 1, w), (257, 4, 1, h), (258, 3, 4, 0), (259, 3, 1, 1),
                (262, 3, 1, 5), (273, 4, 1, 0), (277, 3, 1, 4),
                (278, 4, 1, h), (279, 4, 1, len(raw)), (284, 3, 1, 1)]
        ifd_len = 2 + 12 * len(tags) + 4
        bps_off = 8 + ifd_len
        data_off = bps_off + 8
        ifd = struct.pack("<H", len(tags))
        for t, ty, n, v in tags:
            v = bps_off if t == 258 else data_off if t == 273 else v
            ifd += struct.pack("<HHI", t, ty, n) + (struct.pack("<HH", v, 0)
                                                    if ty == 3 else struct.pack("<I", v))
        data = hdr + ifd + b"\0\0\0\0" + struct.pack("<4H", 16, 16, 16, 16) + raw
        r, outs, why = menu_is_exact(tmp, data, [])
        if why:
            self.fail(why)
        _, keep = run_filter(tmp, data, [])
        for name, pdf in [("keep", keep)] + list(outs.items()):
            got = pdf_render(tmp, pdf, 100)
            if len(got) != 1 or mean_diff(got[0], page) > 3:
                self.fail("%s does not look like the page (%.1f)" % (
                    name, mean_diff(got[0], page) if got else -1))
        # cut short: corrupt, with a reason
        r, _ = run_filter(tmp, data[:-5000], ["--menu"])
        if r["status"] != "corrupt" or not r.get("detail"):
            self.fail("cut short: %s %s" % (r["status"], r.get("detail")))


if __name__ == "__main__":
    unittest.main()
