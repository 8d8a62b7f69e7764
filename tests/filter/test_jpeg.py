"""tests/filter/test_jpeg.py: JPEGs: the menu of a page (sizes, colour,
dpi), EXIF orientation and metadata, ICC profiles, lossless rewrites,
and JPEGs with libjpeg's warnings or cut short."""

import io, os, subprocess, sys, unittest

from PIL import Image, ImageDraw

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixtures import (  # noqa: E402
    WorkerTest, a4_page, blue_pixels, exif_bytes, icc_profile,
    mean_diff, menu_is_exact, noisy, picture, read, run_filter, save,
    stamp_box, write)


def phone_photo(tmp, w, h, orientation, quality=72):
    """A phone photo of a page on a table, w x h as the sensor stores it,
    JPEG at quality with the EXIF orientation set by exiftool, as a phone
    writes it. Returns (bytes, upright reference pixels as ImageMagick's
    -auto-orient shows them)."""
    page = a4_page(150).resize((w * 7 // 10, h * 8 // 10))
    table = Image.effect_noise((w, h), 30).convert("RGB")
    table = Image.blend(table, Image.new("RGB", (w, h), (140, 100, 60)), 0.6)
    table.paste(page, (w * 15 // 100, h // 10))
    f = os.path.join(tmp, "phone.jpg")
    table.save(f, "JPEG", quality=quality)
    subprocess.run(["exiftool", "-q", "-overwrite_original", "-n",
                    "-Orientation=%d" % orientation, f], check=True)
    ref = subprocess.run(["convert", f, "-auto-orient", "ppm:-"],
                         capture_output=True, check=True).stdout
    return read(f), Image.open(io.BytesIO(ref))


def djpeg(tmp, data):
    """libjpeg-turbo's djpeg (the reference decoder) on data: (picture,
    its warnings)."""
    src = os.path.join(tmp, "ref.jpg")
    write(src, data)
    p = subprocess.run(["djpeg", "-dct", "int", "-ppm", src],
                       capture_output=True, timeout=60)
    if p.returncode not in (0, 2):
        raise AssertionError("djpeg exit %d: %s" % (p.returncode, p.stderr))
    return Image.open(io.BytesIO(p.stdout)), p.stderr.decode()


def cjpeg(tmp, im, *args):
    """im through cjpeg, as a camera or a scanner's software writes it."""
    src = os.path.join(tmp, "in.ppm")
    im.convert("RGB").save(src)
    return subprocess.run(["cjpeg"] + list(args) + [src], check=True,
                          capture_output=True, timeout=60).stdout


def photo_10mp():
    """A 10 MP (3648x2736) photo-like picture, cheap to make."""
    im = picture(size=(912, 684)).resize((3648, 2736), Image.BILINEAR)
    return noisy(im, 6)


def same_as_djpeg(tmp, out, upload, tol=1.0):
    """out decodes, without a warning, to what djpeg shows of upload
    (mean difference at most tol, per sample)."""
    got, warn = djpeg(tmp, out)
    if warn:
        return "the output has warnings: %s" % warn.strip()
    want = djpeg(tmp, upload)[0]
    if got.size != want.size:
        return "output %s, djpeg %s" % (got.size, want.size)
    from PIL import ImageChops, ImageStat
    diff = ImageChops.difference(got.convert("RGB"), want.convert("RGB"))
    d = max(ImageStat.Stat(diff).mean)
    # the worst 64-row band: the rows where the data stopped
    band = max(max(ImageStat.Stat(diff.crop((0, y, got.width, min(got.height, y + 64)))).mean)
               for y in range(0, got.height, 64))
    return None if d <= tol and band <= 8 * tol + 1 else \
        "differs from djpeg by %.2f (worst band %.2f)" % (d, band)


def junk_before_marker(data, marker, n=2):
    """data with n junk bytes before its first marker `marker`, as some
    cameras' and editors' writers leave them (djpeg: "N extraneous bytes
    before marker"; before EOI the entropy decoder reads a few as bits)."""
    i = data.index(b"\xff" + bytes([marker]), 2)
    return data[:i] + b"\x00\x11" * (n // 2) + data[i:]


class JpegTest(WorkerTest):
    def test_stamped_300dpi_page_has_an_exact_menu_150dpi_variants_and_a_blue_stamp(self):
        """300 dpi page with a stamp: exact menu, 150 dpi size, stamp blue."""
        tmp = self.tmp
        im = noisy(a4_page(300))
        r, outs, why = menu_is_exact(tmp, save(im, "JPEG", quality=92), [])
        if why:
            self.fail(why)
        if r["color"] != "1" or r["dpi"] != "300":
            self.fail("color %s dpi %s" % (r["color"], r["dpi"]))
        v150 = [k for k in outs if k.startswith("d150")]
        if not v150 or not all(k.endswith("c") for k in outs):
            self.fail("variants %s" % list(outs))
        o = Image.open(io.BytesIO(outs[v150[0]]))
        if abs(o.size[0] - 1240) > 2 or abs(o.size[1] - 1754) > 2:
            self.fail("150 dpi variant is %s" % (o.size,))
        for k, out in outs.items():
            o = Image.open(io.BytesIO(out))
            n = blue_pixels(o, stamp_box(o))
            if n < 200:
                self.fail("%s: the stamp lost its blue (%d blue pixels)" % (k, n))

    def test_600dpi_page_tops_at_200dpi_in_colour(self):
        """600 dpi page: top variant at 200 dpi, colour kept."""
        tmp = self.tmp
        im = a4_page(600)
        r, outs, why = menu_is_exact(tmp, save(im, "JPEG", quality=85), [])
        if why:
            self.fail(why)
        top = r["variants"][1][0]
        o = Image.open(io.BytesIO(outs[top]))
        if top[:4] != "d200" or abs(o.size[0] - 1654) > 2 or o.mode != "RGB":
            self.fail("%s is %s %s" % (top, o.size, o.mode))

    def test_text_only_page_goes_grey(self):
        """Text-only page goes grey."""
        tmp = self.tmp
        im = noisy(a4_page(300, stamp=False), 6)
        r, outs, why = menu_is_exact(tmp, save(im, "JPEG", quality=90), [])
        if why:
            self.fail(why)
        if r["color"] != "0" or any(not k.endswith("g") for k in outs):
            self.fail("color %s, variants %s" % (r["color"], list(outs)))
        if any(Image.open(io.BytesIO(o)).mode != "L" for o in outs.values()):
            self.fail("a variant is not greyscale")

    def test_photographed_page_with_orientation_6_is_kept_upright(self):
        """Photographed page, EXIF orientation 6: keep is upright."""
        tmp = self.tmp
        page = noisy(a4_page(200).rotate(1.5, fillcolor=(240, 240, 235),
                                         expand=False), 10)
        stored = page.transpose(Image.Transpose.ROTATE_90)  # as a phone keeps it
        data = save(stored, "JPEG", quality=90, exif=exif_bytes(6))
        r, keep = run_filter(tmp, data, [])
        o = Image.open(io.BytesIO(keep))
        if "rotated upright" not in r.get("transform", ""):
            self.fail("transform %r" % r.get("transform"))
        if o.getexif().get(0x0112, 1) != 1:
            self.fail("orientation tag still %s" % o.getexif().get(0x0112))
        if o.size != page.size:
            self.fail("keep is %s, upright page is %s" % (o.size, page.size))
        a = o.convert("L").resize((100, 141))
        b = page.convert("L").resize((100, 141))
        diff = sum(abs(x - y) for x, y in zip(a.getdata(), b.getdata())) / 14100
        self.assertTrue(diff < 8,
                        "pixels differ from the upright page by %.1f" % diff)

    def test_orientation_3_on_whole_mcus_is_lossless(self):
        """Orientation 3 on a whole-MCU image is lossless."""
        tmp = self.tmp
        page = a4_page(112).crop((0, 0, 912, 1296))   # multiples of 16
        data = save(page.transpose(Image.Transpose.ROTATE_180), "JPEG",
                    quality=90, exif=exif_bytes(3))
        r, keep = run_filter(tmp, data, [])
        o = Image.open(io.BytesIO(keep)).convert("L").resize((114, 162))
        b = page.convert("L").resize((114, 162))
        diff = sum(abs(x - y) for x, y in zip(o.getdata(), b.getdata())) / (114 * 162)
        if "rotated upright" not in r.get("transform", ""):
            self.fail("transform %r" % r.get("transform"))
        self.assertTrue(diff < 4,
                        "not upright: diff %.1f" % diff)

    def test_orientation_0_and_9_are_treated_as_1(self):
        """EXIF orientation 0 and 9 are treated as 1."""
        tmp = self.tmp
        page = a4_page(120)
        for o in (0, 9):
            r, keep = run_filter(tmp, save(page, "JPEG", exif=exif_bytes(o)), [])
            im = Image.open(io.BytesIO(keep))
            if r["status"] != "ok" or im.size != page.size:
                self.fail("orientation %d: %s %s" % (o, r["status"], im.size))

    def test_rotated_phone_photo_is_upright_and_not_larger(self):
        """Phone photos 4000x3000, 4032x3024, 4080x3060 at every EXIF
        orientation: keep upright as ImageMagick shows it, at the
        source's quantisation (at most 1.05x the upload, not 1.6x)."""
        tmp = self.tmp
        shapes = [(4000, 3000, o) for o in range(2, 9)] + [
            (4032, 3024, 6), (4080, 3060, 6), (4080, 3060, 8)]
        for w, h, o in shapes:
            data, ref = phone_photo(tmp, w, h, o)
            r, keep = run_filter(tmp, data, [])
            im = Image.open(io.BytesIO(keep))
            if r["status"] != "ok" or "rotated upright" not in r["transform"]:
                self.fail("%dx%d o%d: %s %r" % (w, h, o, r["status"],
                                             r.get("transform")))
            if im.size != ref.size or im.getexif().get(0x0112, 1) != 1:
                self.fail("%dx%d o%d: keep %s, upright is %s" % (w, h, o, im.size,
                                                            ref.size))
            if len(keep) > 1.05 * len(data):
                self.fail("%dx%d o%d: keep %d bytes from %d" % (w, h, o, len(keep),
                                                            len(data)))
            d = mean_diff(im, ref)
            if d > 2.5:
                self.fail("%dx%d o%d: differs from -auto-orient by %.1f" % (
                    w, h, o, d))

    def test_arithmetic_coding_is_kept_as_huffman_with_the_same_pixels(self):
        """An arithmetic-coded JPEG (cjpeg -arithmetic) is kept as Huffman
        codes, every pixel as djpeg shows it."""
        tmp = self.tmp
        ppm = os.path.join(tmp, "a.ppm")
        a4_page(120).save(ppm)
        data = subprocess.run(["cjpeg", "-arithmetic", "-quality", "85", ppm],
                              capture_output=True, check=True).stdout
        if data[2:].find(b"\xff\xc9") < 0:
            self.fail("cjpeg wrote no arithmetic frame")
        r, keep = run_filter(tmp, data, [])
        if "arithmetic coding rewritten as Huffman" not in r.get("transform", ""):
            self.fail("transform %r" % r.get("transform"))
        if keep.find(b"\xff\xc9") >= 0 or keep.find(b"\xff\xca") >= 0:
            self.fail("keep is still arithmetic-coded")
        want = subprocess.run(["djpeg", "-pnm"], input=data, capture_output=True,
                              check=True).stdout
        got = subprocess.run(["djpeg", "-pnm"], input=keep, capture_output=True,
                             check=True).stdout
        self.assertTrue(got == want,
                        "pixels differ from the upload's")

    def test_gps_serials_and_trailing_data_are_removed_from_keep(self):
        """Phone photo 4000x3000 with GPS and serials: all gone in keep."""
        tmp = self.tmp
        im = Image.effect_noise((4000, 3000), 40).convert("RGB")
        im = Image.blend(im, a4_page(300).resize((4000, 3000)), 0.6)
        data = save(im, "JPEG", quality=95,
                    exif=exif_bytes(gps=True, serial=True))
        if not 3000000 < len(data) < 8000000:
            self.fail("generated photo is %d bytes" % len(data))
        r, keep = run_filter(tmp, data + b"TRAILER" * 100, [])
        ex = Image.open(io.BytesIO(keep)).getexif()
        if ex.get_ifd(0x8825) or b"SN-123456789" in keep or b"UNIQUE-ID" in keep:
            self.fail("GPS or serials kept")
        if b"TRAILER" in keep:
            self.fail("trailing data kept")
        t = r.get("transform", "")
        if "GPS removed" not in t or "trailing data removed" not in t:
            self.fail("transform %r" % t)
        if ex.get(0x010F) != "QujatCam":
            self.fail("harmless EXIF lost")

    def test_icc_profile_goes_only_with_the_pixels_it_describes(self):
        """An ICC profile goes with the pixels it describes, never with
        others."""
        tmp = self.tmp
        rgb, grey = icc_profile(pad=70000), icc_profile(space=b"GRAY")
        page = noisy(a4_page(300))
        r, outs, why = menu_is_exact(tmp, save(page, "JPEG", quality=90,
                                               icc_profile=rgb), [])
        if why:
            self.fail(why)
        for k, out in outs.items():
            got = Image.open(io.BytesIO(out)).info.get("icc_profile")
            if k.endswith("c") and got != rgb:
                self.fail("%s: the two-chunk RGB profile is %s" % (
                    k, "missing" if got is None else "changed"))
            if k.endswith("g") and got is not None:
                self.fail("%s: grey pixels carry the RGB profile" % k)
        # re-encoded upright (edges not whole MCUs): keep has it all, too
        odd = page.resize((1001, 1415)).transpose(Image.Transpose.ROTATE_90)
        r, keep = run_filter(tmp, save(odd, "JPEG", quality=90, icc_profile=rgb,
                                       exif=exif_bytes(6)), [])
        if Image.open(io.BytesIO(keep)).info.get("icc_profile") != rgb:
            self.fail("upright keep lost the profile (%s)" % r.get("transform"))
        # a PNG's iCCP: grey pixels, grey profile
        png = save(noisy(a4_page(300, stamp=False)).convert("L"), "PNG",
                   icc_profile=grey)
        r, outs, why = menu_is_exact(tmp, png, [])
        if why:
            self.fail(why)
        jpgs = [o for o in outs.values() if o[:2] == b"\xff\xd8"]
        if not jpgs or any(Image.open(io.BytesIO(o)).info.get("icc_profile")
                           != grey for o in jpgs):
            self.fail("PNG's grey profile not on its %d JPEG variants" % len(jpgs))
        # a CMYK profile never labels the RGB pixels made from CMYK
        cmyk = page.convert("CMYK")
        r, outs, why = menu_is_exact(tmp, save(cmyk, "JPEG", quality=90,
                                               icc_profile=icc_profile(
                                                   space=b"CMYK")), [])
        if why:
            self.fail(why)
        if any("icc_profile" in Image.open(io.BytesIO(o)).info
               for o in outs.values()):
            self.fail("a CMYK profile labels RGB variants")

    def test_jpeg_just_over_its_share_gets_a_lossless_variant(self):
        """A JPEG just over its share gets a lossless (progressive) variant
        with the same pixels; further over, none."""
        tmp = self.tmp
        from PIL import ImageChops
        data = save(noisy(a4_page(200), 6), "JPEG", quality=95)
        for share, want in ((0.95, True), (0.6, False)):
            args = ["--target", str(int(len(data) * share))]
            r, outs, why = menu_is_exact(tmp, data, args)
            if why:
                self.fail(why)
            if ("lossless" in outs) != want:
                self.fail("share %.2f: variants %s" % (share, r["variants"]))
        # asked for by name (the daemon's second run), it is made whatever
        # the target
        r, got = run_filter(tmp, data, ["--variant", "lossless"])
        out = Image.open(io.BytesIO(got))
        if r["transform"] != "jpeg lossless rewrite" or \
                not out.info.get("progressive"):
            self.fail("lossless is not progressive")
        if ImageChops.difference(out.convert("RGB"), Image.open(
                io.BytesIO(data)).convert("RGB")).getbbox() is not None:
            self.fail("lossless pixels differ from the original")

    def test_clean_jpeg_is_kept_byte_identical(self):
        """Clean JPEG keep is byte-identical, no transform."""
        tmp = self.tmp
        data = save(a4_page(150), "JPEG", quality=80)
        r, keep = run_filter(tmp, data, [])
        self.assertTrue(keep == data and "transform" not in r,
                        "changed: %r" % r.get("transform"))

    def test_photo_3x4_keeps_colour_and_is_sized_by_pixels(self):
        """Photo_3x4 keeps colour, variants sized by pixels."""
        tmp = self.tmp
        im = Image.new("RGB", (1200, 1600), (90, 120, 170))
        d = ImageDraw.Draw(im)
        d.ellipse((300, 300, 900, 1100), fill=(225, 180, 150))
        d.rectangle((200, 1100, 1000, 1600), fill=(40, 60, 110))
        im = noisy(im, 10)
        r, outs, why = menu_is_exact(tmp, save(im, "JPEG", quality=95), ["--photo"])
        if why:
            self.fail(why)
        o = Image.open(io.BytesIO(list(outs.values())[0]))
        self.assertTrue(o.size == (600, 800) and o.mode == "RGB",
                        "%s %s" % (o.size, o.mode))

    def test_cmyk_and_inverted_cmyk_become_rgb(self):
        """CMYK and Adobe-inverted CMYK JPEGs convert to RGB."""
        tmp = self.tmp
        im = a4_page(200)
        ImageDraw.Draw(im).rectangle((100, 100, 600, 600), fill=(220, 30, 30))
        r, outs, why = menu_is_exact(tmp, save(im.convert("CMYK"), "JPEG",
                                               quality=90), [])
        if why:
            self.fail(why)
        o = Image.open(io.BytesIO(list(outs.values())[0])).convert("RGB")
        red = o.getpixel((int(350 * o.size[0] / im.size[0]),) * 2)
        self.assertTrue(red[0] > 150 and red[1] < 110,
                        "red became %s" % (red,))

    def test_jpeg_cut_short_with_eoi_appended_is_corrupt_in_every_mode(self):
        """A page JPEG cut short (EOI appended) is corrupt in every mode."""
        tmp = self.tmp
        data = save(noisy(a4_page(200)), "JPEG", quality=90)
        cut = data[:len(data) // 2] + b"\xff\xd9"
        for args in ([], ["--menu"], ["--menu", "--target", "1000"],
                     ["--probe-only"], ["--variant", "d150q70g"]):
            r, out = run_filter(tmp, cut, args)
            if r["status"] != "corrupt":
                self.fail("%s: %s (%s)" % (args, r["status"], r.get("detail")))
            if out:
                self.fail("%s: %d bytes written" % (args, len(out)))

    def test_junk_before_a_marker_is_dropped_as_djpeg_shows_it(self):
        """Jpeg with junk before a marker: accepted, junk dropped, as djpeg
        shows it."""
        tmp = self.tmp
        clean = cjpeg(tmp, picture(), "-quality", "85")
        for marker, where in ((0xDB, "header"), (0xD9, "end")):
            data = junk_before_marker(clean, marker, 2 if where == "header" else 16)
            if "extraneous bytes" not in djpeg(tmp, data)[1]:
                self.fail("%s: djpeg does not warn" % where)
            for args in (["--probe-only"], []):
                r, out = run_filter(tmp, data, args)
                if r["status"] != "ok":
                    self.fail("%s %s: %s (%s)" % (where, args, r["status"], r.get("detail")))
            if where == "header" and out != clean:
                self.fail("header junk is still in keep")
            why = same_as_djpeg(tmp, out, data, 0)
            if why:
                self.fail("%s: %s" % (where, why))

    def test_10mp_jpeg_cut_short_is_accepted_whole_or_refused_incomplete(self):
        """10 MP jpeg cut short: last rows missing accepted whole, more
        refused incomplete."""
        tmp = self.tmp
        im = photo_10mp()
        for mode in ("baseline", "progressive"):
            data = cjpeg(tmp, im, "-quality", "85", *(["-progressive"] if mode == "progressive" else []))
            # a progressive JPEG's last eighth is its final refinements: the
            # rows past the cut are all there, a little less sharp
            for cut, want in ((2, "ok"), (len(data) // 1000, "ok"),
                              (len(data) // 8, "ok" if mode == "progressive" else "corrupt"),
                              (len(data) // 2, "corrupt")):
                part = data[:len(data) - cut]
                if "Premature end" not in djpeg(tmp, part)[1]:
                    self.fail("%s -%d: djpeg does not warn" % (mode, cut))
                r, out = run_filter(tmp, part, ["--photo"])
                rp, _ = run_filter(tmp, part, ["--probe-only", "--photo"])
                if r["status"] != want or rp["status"] != want:
                    self.fail("%s -%d bytes: %s / probe %s, want %s (%s)" % (
                        mode, cut, r["status"], rp["status"], want, r.get("detail")))
                if want == "corrupt":
                    if "incomplete" not in r.get("detail", "") or r.get("incomplete") != "1":
                        self.fail("%s -%d: detail %s" % (mode, cut, r.get("detail")))
                    continue
                if not out.endswith(b"\xff\xd9"):
                    self.fail("%s -%d: keep is not a whole JPEG" % (mode, cut))
                if cut > 2 and "incomplete" not in r.get("transform", ""):
                    self.fail("%s -%d: transform %r" % (mode, cut, r.get("transform")))
                why = same_as_djpeg(tmp, out, part, 1.0)
                if why:
                    self.fail("%s -%d: %s" % (mode, cut, why))
                # cut short and padded with zeros to its size, as a failed
                # copy leaves it: the zeros are no picture
                r, padded = run_filter(tmp, part + bytes(cut), ["--photo"])
                if r["status"] != "ok" or same_as_djpeg(tmp, padded, part, 1.0):
                    self.fail("%s -%d padded: %s (%s)" % (mode, cut, r["status"], r.get("detail")))


if __name__ == "__main__":
    unittest.main()
