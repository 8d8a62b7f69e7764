"""tests/filter/test_png.py: PNGs: JPEG variants of RGBA, interlaced and
16-bit pictures, the lossless variant of a few-colour page, chunks keep
drops, orientation."""

import io, os, subprocess, sys, unittest, zlib

from PIL import Image, ImageDraw

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixtures import (  # noqa: E402
    WorkerTest, a4_page, chunk, exif_bytes, font, mean_diff,
    menu_is_exact, noisy, picture, png_interlaced, read, run_filter,
    save)


def certificate(size=(1240, 1754), alpha=False, smooth=True):
    """A page made on a computer: text, a blue ring, a red line: a few
    hundred colours antialiased (smooth), four without; with alpha, a
    transparent margin."""
    im = Image.new("RGBA", size, (255, 255, 255, 0 if alpha else 255))
    d = ImageDraw.Draw(im)
    d.fontmode = "L" if smooth else "1"
    d.rectangle((60, 60, size[0] - 60, size[1] - 60), fill="white")
    for i, y in enumerate(range(120, size[1] - 400, 40)):
        d.text((100, y), "Справка № %d: ребёнок обучается в школе" % i,
               fill=(0, 0, 0, 255), font=font(26))
    d.ellipse((800, 1300, 1100, 1600), outline=(30, 60, 200, 255), width=6)
    d.line((100, 1650, 700, 1650), fill=(200, 20, 20, 255), width=3)
    return im if alpha else im.convert("RGB")


def on_white(im):
    return Image.alpha_composite(Image.new("RGBA", im.size, "white"),
                                 im.convert("RGBA")).convert("RGB")


def red_corner(im):
    """Which corner of im holds the red block: tl, tr, bl or br."""
    im = im.convert("RGB")
    w, h = im.size
    spots = {"tl": (w // 20, h // 20), "tr": (w - 1 - w // 20, h // 20),
             "bl": (w // 20, h - 1 - h // 20), "br": (w - 1 - w // 20, h - 1 - h // 20)}
    red = [k for k, xy in spots.items() if im.getpixel(xy)[0] > 200 and im.getpixel(xy)[1] < 80]
    return red[0] if len(red) == 1 else None


class PngTest(WorkerTest):
    def test_rgba_interlaced_and_16bit_pngs_give_jpeg_variants(self):
        """PNG RGBA, interlaced and 16-bit give JPEG variants."""
        tmp = self.tmp
        im = noisy(a4_page(200), 6).convert("RGBA")
        for data in (save(im, "PNG"), png_interlaced(im.convert("RGB")),
                     save(im.convert("L").convert("I").point(lambda v: v * 257),
                          "PNG")):
            r, outs, why = menu_is_exact(tmp, data, [])
            if why:
                self.fail(why)
            if not outs or any(o[:2] != b"\xff\xd8" for o in outs.values()):
                self.fail("no JPEG variants")

    def test_few_colour_png_gets_a_smaller_lossless_variant(self):
        """Few-colour PNG: a lossless variant, same pixels, smaller."""
        tmp = self.tmp
        from PIL import ImageChops
        for im, mode in ((certificate(), "RGB"), (certificate(alpha=True), "RGB"),
                         (certificate(smooth=False), "P")):
            data = save(im, "PNG", compress_level=1, dpi=(150, 150))
            r, outs, why = menu_is_exact(tmp, data, [])
            if why:
                self.fail(why)
            v = {vid: (size, rank) for vid, size, rank in r["variants"]}
            if "lossless" not in v or v["lossless"][1] != 99:
                self.fail("no lossless variant at rank 99: %s" % r["variants"])
            if r["where"]["lossless"][1] != "png":
                self.fail("lossless is %s" % (r["where"]["lossless"],))
            out = Image.open(io.BytesIO(outs["lossless"]))
            if out.mode != mode or out.info.get("dpi", (0, 0))[0] < 149:
                self.fail("lossless is %s with %s dpi" % (out.mode,
                                                     out.info.get("dpi")))
            if ImageChops.difference(out.convert("RGB"),
                                     on_white(im)).getbbox() is not None:
                self.fail("lossless pixels differ from the original on white")
            rv, _ = run_filter(tmp, data, ["--variant", "lossless"])
            if rv["transform"] != "png lossless rewrite":
                self.fail("transform %r" % rv["transform"])
        # many colours (a photo) or 16 bits: no lossless variant
        for data in (save(noisy(certificate(), 8), "PNG"),
                     save(certificate().convert("L").convert("I").point(
                         lambda x: x * 257), "PNG")):
            r, _ = run_filter(tmp, data, ["--menu"])
            if any(vid == "lossless" for vid, _, _ in r["variants"]):
                self.fail("a lossless variant of %s" % r["variants"])

    def test_keep_drops_text_chunks_and_what_follows_iend(self):
        """PNG keep drops text chunks and what follows IEND."""
        tmp = self.tmp
        from PIL import PngImagePlugin
        info = PngImagePlugin.PngInfo()
        info.add_text("Comment", "secret-location")
        data = save(a4_page(120), "PNG", pnginfo=info) + b"PAYLOAD"
        r, keep = run_filter(tmp, data, [])
        if b"secret-location" in keep or b"PAYLOAD" in keep:
            self.fail("kept")
        Image.open(io.BytesIO(keep)).load()

    def test_1x50000_png_is_lowres_not_a_crash(self):
        """PNG 1x50000 is lowres, not a crash."""
        tmp = self.tmp
        im = Image.new("L", (1, 50000), 255)
        ImageDraw.Draw(im).line((0, 100, 0, 200), fill=0)
        r, _ = run_filter(tmp, save(im, "PNG"), ["--menu"])
        self.assertTrue(r["status"] == "lowres",
                        r["status"])

    def test_orientation_is_applied_as_browsers_do(self):
        """PNG orientation: eXIf before IDAT applied as browsers do;
        ImageMagick's after IDAT and text chunks not."""
        tmp = self.tmp
        from PIL import ImageOps
        im = picture(size=(1600, 1200))
        ImageDraw.Draw(im).rectangle((0, 0, 320, 240), fill=(230, 0, 0))
        src = os.path.join(tmp, "o.png")
        im.save(src)
        subprocess.run(["exiftool", "-q", "-overwrite_original", "-Orientation=6", "-n", src],
                       check=True, timeout=60)
        data = read(src)
        if data.find(b"eXIf") < 0 or data.find(b"eXIf") > data.find(b"IDAT"):
            self.fail("exiftool wrote no eXIf before IDAT")
        want = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
        for args in ([], ["--menu"]):
            r, out = run_filter(tmp, data, args)
            got = Image.open(io.BytesIO(out))
            if r["status"] != "ok" or got.size != (1200, 1600) or b"eXIf" in out:
                self.fail("%s: %s %s" % (args, r["status"], got.size))
            if "rotated upright" not in r.get("transform", ""):
                self.fail("transform %r" % r.get("transform"))
            if red_corner(got) != red_corner(want) or mean_diff(got, want) > 0.5:
                self.fail("%s: not as a browser shows it (%s, %s)" % (args, red_corner(got), red_corner(want)))
        for vid, _, _ in r["variants"][1:2]:
            rv, out = run_filter(tmp, data, ["--variant", vid])
            if red_corner(Image.open(io.BytesIO(out))) != red_corner(want):
                self.fail("%s is not upright" % vid)
        # ImageMagick's PNG of an oriented JPEG: eXIf after IDAT, which
        # neither ImageMagick (-auto-orient) nor a browser applies
        jpg, png = os.path.join(tmp, "o.jpg"), os.path.join(tmp, "im.png")
        im.save(jpg, exif=exif_bytes(6))
        subprocess.run(["convert", jpg, png], check=True, timeout=60)
        data = read(png)
        shown = subprocess.run(["convert", png, "-auto-orient", "-format", "%wx%h", "info:"],
                               capture_output=True, check=True, timeout=60).stdout
        r, out = run_filter(tmp, data, [])
        if shown != b"1600x1200" or Image.open(io.BytesIO(out)).size != (1600, 1200):
            self.fail("ImageMagick's PNG: shown %s, published %s" % (
                shown, Image.open(io.BytesIO(out)).size))
        # older ImageMagick's "Raw profile type exif" zTXt: hex EXIF that no
        # viewer reads for orientation; dropped, the pixels as they are
        raw = exif_bytes(6)    # "Exif\0\0" and the TIFF block, as IM stores it
        hexed = raw.hex().encode()
        text = b"\nexif\n%8d\n" % len(raw) + b"\n".join(
            hexed[i:i + 72] for i in range(0, len(hexed), 72)) + b"\n"
        plain = save(im, "PNG")
        i = plain.index(b"IDAT") - 4
        data = plain[:i] + chunk(b"zTXt", b"Raw profile type exif\0\0" +
                                 zlib.compress(text)) + plain[i:]
        r, out = run_filter(tmp, data, [])
        got = Image.open(io.BytesIO(out))
        if r["status"] != "ok" or got.size != (1600, 1200) or b"zTXt" in out:
            self.fail("text chunk orientation: %s %s" % (r["status"], got.size))


if __name__ == "__main__":
    unittest.main()
