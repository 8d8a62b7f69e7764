"""tests/filter/test_tiff_real.py: TIFFs made the way the world makes them
(libtiff's tiffcp, tiffset and fax2tiff; a hand-built old-style JPEG),
each qujat output rendered by poppler and compared with the reference
decoder's pixels (tiff2rgba), its page aspect and its size."""

import io, os, struct, subprocess, sys, unittest

from PIL import Image, ImageChops, ImageDraw

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixtures import (  # noqa: E402
    WorkerTest, pdf_images_of, pdf_render, read, run_filter, write)


# EXIF's (and TIFF's) orientation, as a viewer turns the stored picture
TURN = {2: [Image.FLIP_LEFT_RIGHT], 3: [Image.ROTATE_180],
        4: [Image.FLIP_TOP_BOTTOM], 5: [Image.TRANSPOSE],
        6: [Image.ROTATE_270], 7: [Image.TRANSVERSE], 8: [Image.ROTATE_90]}


def tool(*args):
    subprocess.run(args, check=True, capture_output=True)


def page_picture(w=1240, h=1754, mode="RGB"):
    """An asymmetric page: a red block top left, bars of varying length."""
    im = Image.new("RGB", (w, h), (250, 250, 246))
    d = ImageDraw.Draw(im)
    d.rectangle((w // 12, h // 16, w // 3, h // 5), fill=(200, 30, 30))
    for y in range(h // 4, h - h // 10, h // 40):
        d.rectangle((w // 12, y, w // 12 + (y * 7) % (w * 2 // 3) + 40,
                     y + h // 120), fill=(20, 20, 30))
    if mode == "1":	# black ink on white paper, not dithered
        return im.convert("L").point(lambda v: 255 if v > 128 else 0).convert("1")
    return im.convert(mode)


def rgba_reference(tmp, tif):
    """The page as libtiff's tiff2rgba decodes it."""
    out = os.path.join(tmp, "ref.tif")
    tool("tiff2rgba", "-n", "-c", "none", tif, out)
    return Image.open(out).convert("RGB")


def diff(a, b):
    """Mean absolute difference of two pictures of one shape, compared at
    120 pixels on the long side: a pixel's shift or JPEG's ringing at a
    bar's edge counts little, a page turned wrongly counts a lot."""
    k = 120 / max(b.size)
    size = (max(1, round(b.width * k)), max(1, round(b.height * k)))
    a = a.convert("L").resize(size, Image.BOX)
    b = b.convert("L").resize(size, Image.BOX)
    h = ImageChops.difference(a, b).histogram()
    return sum(i * n for i, n in enumerate(h)) / (b.width * b.height)


def path(tmp, name):
    return os.path.join(tmp, name)


def published(tmp, tif, args=()):
    r, out = run_filter(tmp, read(tif), list(args))
    if r["status"] != "ok" or not out.startswith(b"%PDF-"):
        raise AssertionError("not published: %s %s" % (r["status"],
                                                      r.get("detail")))
    return r, out


def page_inches(tmp, pdf):
    f = path(tmp, "info.pdf")
    write(f, pdf)
    info = subprocess.run(["pdfinfo", f], capture_output=True, text=True,
                          check=True).stdout
    line = [l for l in info.split("\n") if l.startswith("Page size")][0]
    w, h = line.split(":")[1].split("pts")[0].split("x")
    return float(w) / 72, float(h) / 72


def fax(tmp, fine):
    """An A4 fax page as fax2tiff writes it: 1728 wide, 204 dpi across,
    98 (or 196 with fine) rows an inch, Group 3."""
    rows = 1145 if not fine else 2290
    im = page_picture(1728, rows * 2 if not fine else rows, "1")
    im = im.resize((1728, rows), Image.NEAREST)
    im.save(path(tmp, "fx.tif"), compression="group4")
    tool("tiffcp", "-c", "g3", "-r", "100000", path(tmp, "fx.tif"),
         path(tmp, "fx3.tif"))
    with Image.open(path(tmp, "fx3.tif")) as t:
        off, cnt = t.tag_v2[273][0], t.tag_v2[279][0]
    raw = read(path(tmp, "fx3.tif"))[off:off + cnt]
    write(path(tmp, "fx.g3"), raw)
    out = path(tmp, "fax.tif")
    tool("fax2tiff", "-M", "-R", "196" if fine else "98", "-o", out,
         path(tmp, "fx.g3"))
    return out


def turned_matches(tmp, tif, ref, o, enc, what):
    """qujat's PDF of tif: rendered like ref turned by o, its image
    still encoded enc, not larger than tif but for the PDF's frame."""
    r, out = published(tmp, tif)
    want = ref
    for t in TURN.get(o, []):
        want = want.transpose(t)
    got = pdf_render(tmp, out, 50)[0]
    if abs(got.width / got.height - want.width / want.height) > 0.02:
        return "%s, orientation %d: page %dx%d, want the shape of %dx%d" % (
            what, o, got.width, got.height, want.width, want.height)
    d = diff(got, want.resize(got.size, Image.BOX))
    if d > 10:
        return "%s, orientation %d: differs from the reference by %.1f" % (what, o, d)
    encs = [i[5] for i in pdf_images_of(tmp, out)]
    if encs != [enc]:
        return "%s, orientation %d: images %s, want %s" % (what, o, encs, enc)
    if len(out) > os.path.getsize(tif) + 1500:
        return "%s, orientation %d: %d bytes from %d" % (what, o, len(out), os.path.getsize(tif))
    return None


def ojpeg_tiff(im, stream=True, height=None):
    """An old-style JPEG TIFF (compression 6) as 1990s scanners wrote
    it: one strip, the whole JFIF stream at JPEGInterchangeFormat (tag
    513) with its length (514). No tool writes these any more. stream
    False leaves tags 513 and 514 out (the tables are nowhere libtiff's
    OJPEG can find them whole); height gives the TIFF another height than
    the JPEG's."""
    b = io.BytesIO()
    im.save(b, "JPEG", quality=85)
    jpg = b.getvalue()
    w, h = im.width, height or im.height
    spp = 3 if im.mode == "RGB" else 1
    tags = [(256, 4, [w]), (257, 4, [h]), (258, 3, [8] * spp), (259, 3, [6]),
            (262, 3, [6 if spp == 3 else 1]), (273, 4, ["jpeg"]),
            (277, 3, [spp]), (278, 4, [h]), (279, 4, [len(jpg)]),
            (284, 3, [1]), (512, 3, [1])]
    if stream:
        tags += [(513, 4, ["jpeg"]), (514, 4, [len(jpg)])]
    if spp == 3:
        tags.append((530, 3, [2, 2]))
    extra_at = 8 + 2 + 12 * len(tags) + 4
    values = [b"".join(struct.pack("<H" if t == 3 else "<I", v)
                       for v in vals if v != "jpeg") for _, t, vals in tags]
    jpeg_at = extra_at + sum(len(v) for v in values if len(v) > 4)
    ifd, extra = b"", b""
    for (tag, typ, vals), raw in zip(tags, values):
        if vals == ["jpeg"]:
            raw = struct.pack("<I", jpeg_at)
        if len(raw) > 4:
            field = struct.pack("<I", extra_at + len(extra))
            extra += raw
        else:
            field = raw.ljust(4, b"\0")
        ifd += struct.pack("<HHI", tag, typ, len(vals)) + field
    return (b"II*\0" + struct.pack("<IH", 8, len(tags)) + ifd + b"\0" * 4 +
            extra + jpg)


class RealTiffTest(WorkerTest):
    def test_orientation_2_to_8_turns_the_page_as_viewers_do(self):
        """Orientation 2..8 (tiffset 274) turns the page as viewers do."""
        tmp = self.tmp
        base = path(tmp, "base.tif")
        page_picture().save(path(tmp, "pic.tif"), compression="tiff_lzw",
                            dpi=(150, 150))
        tool("tiffcp", "-c", "lzw", path(tmp, "pic.tif"), base)
        ref = rgba_reference(tmp, base)
        for o in range(2, 9):
            tif = path(tmp, "o%d.tif" % o)
            tool("tiffcp", base, tif)
            tool("tiffset", "-s", "274", str(o), tif)
            want = ref
            for t in TURN[o]:
                want = want.transpose(t)
            r, out = published(tmp, tif)
            got = pdf_render(tmp, out, 50)[0]
            if abs(got.width / got.height - want.width / want.height) > 0.02:
                self.fail("orientation %d: page %dx%d, want the shape of %dx%d" % (
                    o, got.width, got.height, want.width, want.height))
            d = diff(got, want.resize((got.width, got.height), Image.BOX))
            if d > 10:
                self.fail("orientation %d: differs from the turned reference by %.1f" % (o, d))

    def test_g4_page_with_an_orientation_stays_g4_and_upright(self):
        """A G4 page with Orientation 6 and 3 stays G4 and upright."""
        tmp = self.tmp
        g4 = path(tmp, "g4.tif")
        page_picture(mode="1").save(path(tmp, "p.tif"), compression="group4")
        tool("tiffcp", "-c", "g4", path(tmp, "p.tif"), g4)
        ref = rgba_reference(tmp, g4)
        for o in (3, 6):
            tif = path(tmp, "g4o%d.tif" % o)
            tool("tiffcp", g4, tif)
            tool("tiffset", "-s", "274", str(o), tif)
            r, out = published(tmp, tif)
            if any(i[5] != "ccitt" for i in pdf_images_of(tmp, out)):
                self.fail("orientation %d: not a CCITT image: %s" % (o, pdf_images_of(tmp, out)))
            want = ref
            for t in TURN[o]:
                want = want.transpose(t)
            got = pdf_render(tmp, out, 50)[0]
            d = diff(got, want.resize((got.width, got.height), Image.BOX))
            if (got.width > got.height) != (o == 6) or d > 10:
                self.fail("orientation %d: %dx%d, differs by %.1f" % (o, got.width, got.height, d))

    def test_fax_pages_keep_their_a4_aspect(self):
        """Fax2tiff pages at 204x98 and 204x196 dpi keep their A4 aspect."""
        tmp = self.tmp
        for fine in (False, True):
            tif = fax(tmp, fine)
            with Image.open(tif) as t:
                xr, yr = (float(v) for v in (t.tag_v2[282], t.tag_v2[283]))
                w, h = t.size
            r, out = published(tmp, tif)
            pw, ph = page_inches(tmp, out)
            if abs(pw - w / xr) > 0.02 or abs(ph - h / yr) > 0.02:
                self.fail("%dx%d at %gx%g dpi: page %.2fx%.2f in, want %.2fx%.2f" % (
                    w, h, xr, yr, pw, ph, w / xr, h / yr))
            got = pdf_render(tmp, out, 60)[0]
            want = rgba_reference(tmp, tif).resize(got.size, Image.BOX)
            d = diff(got, want)
            if d > 10:
                self.fail("fax %gx%g: differs from tiff2rgba stretched by %.1f" % (xr, yr, d))
            if int(r["dpi"]) < 190:
                self.fail("fax %gx%g judged %s dpi" % (xr, yr, r["dpi"]))
            if len(out) > os.path.getsize(tif) * 1.1 + 2000:
                self.fail("fax %gx%g: %d bytes from %d" % (xr, yr, len(out), os.path.getsize(tif)))

    def test_grey_page_at_200x100dpi_is_stretched_to_its_aspect(self):
        """A grey page at 200x100 dpi is stretched to its aspect."""
        tmp = self.tmp
        im = page_picture(1654, 1170, "L")
        tif = path(tmp, "g.tif")
        im.save(path(tmp, "g0.tif"), compression="tiff_lzw")
        tool("tiffcp", "-c", "lzw", path(tmp, "g0.tif"), tif)
        tool("tiffset", "-s", "282", "200", tif)
        tool("tiffset", "-s", "283", "100", tif)
        tool("tiffset", "-s", "274", "8", tif)
        r, out = published(tmp, tif)
        pw, ph = page_inches(tmp, out)
        # turned by 8: 11.7 in across, 8.27 down
        if abs(pw - 1170 / 100) > 0.05 or abs(ph - 1654 / 200) > 0.05:
            self.fail("page %.2fx%.2f in, want 11.70x8.27" % (pw, ph))
        got = pdf_render(tmp, out, 40)[0]
        want = im.transpose(Image.ROTATE_90).resize(got.size, Image.BOX)
        d = diff(got, want)
        self.assertTrue(d < 10,
                        "differs by %.1f" % d)

    def test_old_style_jpeg_is_decoded_or_refused_unsupported(self):
        """Old-style JPEG (compression 6) decoded from its JPEG stream, or
        refused unsupported."""
        tmp = self.tmp
        im = page_picture()
        for mode in ("RGB", "L"):
            src = im.convert(mode)
            tif = path(tmp, "oj.tif")
            write(tif, ojpeg_tiff(src))
            r, out = published(tmp, tif)
            got = pdf_render(tmp, out, 50)[0]
            want = rgba_reference(tmp, tif).resize(got.size, Image.BOX)
            d, d0 = diff(got, want), diff(got, src.resize(got.size, Image.BOX))
            if d > 10 or d0 > 10:
                self.fail("%s: differs from tiff2rgba by %.1f, from the picture by %.1f" % (mode, d, d0))
        # the scan data only, its tables in no whole stream, and a stream
        # of another size: not decoded by libtiff's OJPEG, refused
        for name, data in (("no stream", ojpeg_tiff(im, stream=False)),
                           ("other size", ojpeg_tiff(im, height=1700))):
            for args in ([], ["--probe-only"]):
                r, out = run_filter(tmp, data, args)
                if r["status"] != "unsupported":
                    self.fail("%s %s: status %s (%s)" % (name, args, r["status"], r.get("detail")))

    def test_12bit_tiffs_are_read_as_8_bits(self):
        """12-bit TIFFs (ImageMagick -depth 12) are read, scaled to 8 bits."""
        tmp = self.tmp
        for mode in ("RGB", "L"):
            src = page_picture().convert(mode)
            src.save(path(tmp, "s.png"))
            tif = path(tmp, "d12.tif")
            tool("convert", path(tmp, "s.png"), "-depth", "12", "-compress", "lzw", tif)
            info = subprocess.run(["tiffinfo", tif], capture_output=True,
                                  text=True).stdout
            if "Bits/Sample: 12" not in info:
                self.fail("convert did not write 12 bits")
            r, out = published(tmp, tif)
            got = pdf_render(tmp, out, 50)[0]
            d = diff(got, src.resize(got.size, Image.BOX))
            if d > 10:
                self.fail("%s: differs from the picture by %.1f" % (mode, d))

    def test_jpeg_in_tiff_goes_in_as_its_own_dct_data_turned(self):
        """JPEG-in-TIFF (tiffcp -c jpeg) goes into the PDF as its own DCT
        data, turned by the page."""
        tmp = self.tmp
        for mode in ("RGB", "L"):
            page_picture().convert(mode).save(path(tmp, "s.tif"),
                                              compression="tiff_lzw", dpi=(150, 150))
            for rows in ("16", "2000"):	# many strips, and one
                base = path(tmp, "j.tif")
                tool("tiffcp", "-c", "jpeg:90", "-r", rows, path(tmp, "s.tif"), base)
                ref = rgba_reference(tmp, base)
                every = mode == "RGB" and rows == "16"
                for o in range(1, 9) if every else (1, 3, 6, 8):
                    tif = path(tmp, "jo.tif")
                    tool("tiffcp", base, tif)
                    tool("tiffset", "-s", "274", str(o), tif)
                    why = turned_matches(tmp, tif, ref, o, "jpeg",
                                         "%s %s rows a strip" % (mode, rows))
                    if why:
                        self.fail(why)

    def test_palette_tiffs_stay_indexed_turned_too(self):
        """Palette TIFFs (8 bits, and ImageMagick's fewer) stay Indexed in
        the PDF, turned too."""
        tmp = self.tmp
        page_picture().save(path(tmp, "s.png"))
        p8, p4 = path(tmp, "p8.tif"), path(tmp, "p4.tif")
        Image.open(path(tmp, "s.png")).convert("P", palette=Image.ADAPTIVE,
                                                colors=16).save(path(tmp, "p.tif"))
        tool("tiffcp", "-c", "lzw", path(tmp, "p.tif"), p8)
        tool("convert", path(tmp, "s.png"), "-colors", "16", "-depth", "4",
             "-compress", "zip", "-type", "palette", p4)
        info = subprocess.run(["tiffinfo", p4], capture_output=True, text=True).stdout
        if "Bits/Sample: 8" in info or "palette" not in info:
            self.fail("convert did not write a palette under 8 bits: %s" % info)
        for base in (p8, p4):
            ref = rgba_reference(tmp, base)
            for o in (1, 6):
                tif = path(tmp, "po.tif")
                tool("tiffcp", base, tif)
                tool("tiffset", "-s", "274", str(o), tif)
                why = turned_matches(tmp, tif, ref, o, "image", os.path.basename(base))
                if why:
                    self.fail(why)

    def test_jpeg_in_tiff_stored_as_rgb_looks_right(self):
        """JPEG-in-TIFF stored as RGB (tiffcp -c jpeg:r) looks right,
        whatever it becomes."""
        tmp = self.tmp
        page_picture().save(path(tmp, "s.tif"), compression="tiff_lzw", dpi=(150, 150))
        tif = path(tmp, "jr.tif")
        tool("tiffcp", "-c", "jpeg:r:90", "-r", "16", path(tmp, "s.tif"), tif)
        r, out = published(tmp, tif)
        got = pdf_render(tmp, out, 50)[0]
        d = diff(got, rgba_reference(tmp, tif).resize(got.size, Image.BOX))
        self.assertTrue(d < 10,
                        "differs from tiff2rgba by %.1f" % d)

    def test_dithered_bilevel_page_keeps_its_bits_when_g4_is_larger(self):
        """A dithered bilevel LZW page keeps its bits (Flate) when G4 would
        be larger."""
        tmp = self.tmp
        page_picture().convert("1").save(path(tmp, "d.tif"), dpi=(150, 150))
        tif, g4 = path(tmp, "dl.tif"), path(tmp, "dg4.tif")
        tool("tiffcp", "-c", "lzw", path(tmp, "d.tif"), tif)
        tool("tiffcp", "-c", "g4", path(tmp, "d.tif"), g4)
        ref = rgba_reference(tmp, tif)
        why = turned_matches(tmp, tif, ref, 1, "image", "dithered lzw")
        if why:
            self.fail(why)
        _, out = published(tmp, tif)
        _, out4 = published(tmp, g4)
        if len(out) >= len(out4):
            self.fail("lzw page %d bytes, its G4 page %d" % (len(out), len(out4)))


if __name__ == "__main__":
    unittest.main()
