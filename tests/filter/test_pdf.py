"""tests/filter/test_pdf.py: PDFs: keep, the lossless rewrite and the
page-image variants (fmt_pdf.c, pdf_images.c, pdf_place.c): colour,
placement, text layers, signatures, Indexed, masked and CMYK images,
stream filters, encryption, bytes after %EOF, Flate bombs, and qujat
compress on a scan."""

import io, json, os, subprocess, sys, unittest, zipfile, zlib

from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixtures import (  # noqa: E402
    BUILD, ROOT, WorkerTest, a4_page, blue_pixels, mean_diff,
    menu_is_exact, noisy, pdf_image, pdf_images_of, pdf_one_page,
    pdf_render, qpdf, read, run_filter, save, scan_pdf, stamp_box, write)
import pdfmake  # noqa: E402


def pdf_text(tmp, pdf):
    f = os.path.join(tmp, "t.pdf")
    write(f, pdf)
    return subprocess.run(["pdftotext", f, "-"], capture_output=True,
                          text=True).stdout


def pdf_indexed(im, bits, base=b"/DeviceRGB", hival=None):
    """An Indexed image XObject over base: im quantised to 2**bits colours
    (grey levels for /DeviceGray), the lookup as a hex string, the indexes
    packed bits to a sample, Flate."""
    n = 1 << bits
    grey = base == b"/DeviceGray"
    q = (im.convert("L") if grey else im).quantize(n)
    pal = q.getpalette()[:3 * n]
    lut = bytes(pal[0::3]) if grey else bytes(pal)   # grey: R = G = B
    idx = q.tobytes()
    rows = []
    for y in range(q.size[1]):
        row = idx[y * q.size[0]:(y + 1) * q.size[0]]
        acc, out = 0, bytearray()
        for x, v in enumerate(row):
            acc = (acc << bits) | min(v, n - 1)
            if (x + 1) * bits % 8 == 0:
                out.append(acc & 0xFF)
                acc = 0
        if q.size[0] * bits % 8:
            out.append((acc << (8 - q.size[0] * bits % 8)) & 0xFF)
        rows.append(bytes(out))
    hv = n - 1 if hival is None else hival
    d = b"/Type /XObject /Subtype /Image /Width %d /Height %d " \
        b"/ColorSpace [/Indexed %s %d <%s>] /BitsPerComponent %d " \
        b"/Filter /FlateDecode" % (q.size[0], q.size[1], base, hv,
                                   lut[:(hv + 1) * (1 if grey else 3)]
                                   .hex().encode(), bits)
    return pdfmake.stream(d, zlib.compress(b"".join(rows))), q.convert("RGB")


def gs_render(tmp, pdf, dpi):
    """Each page rendered by Ghostscript, as PIL images."""
    f, pre = os.path.join(tmp, "g.pdf"), os.path.join(tmp, "gp")
    write(f, pdf)
    subprocess.run(["gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE",
                    "-sDEVICE=ppmraw", "-r%d" % dpi,
                    "-sOutputFile=%s-%%d.ppm" % pre, f], check=True)
    names = sorted(n for n in os.listdir(tmp) if n.startswith("gp-"))
    out = [Image.open(os.path.join(tmp, n)).convert("RGB") for n in names]
    for n in names:
        os.remove(os.path.join(tmp, n))
    return out


def lzw_encode(data):
    """PDF LZW (EarlyChange 1), MSB first."""
    table = {bytes([i]): i for i in range(256)}
    nxt, bits, nbits, out, w = 258, 0, 0, bytearray(), b""

    def put(code):
        nonlocal bits, nbits
        # the decoder's table is one entry behind the encoder's
        size = 9 if nxt < 512 else 10 if nxt < 1024 else 11 if nxt < 2048 else 12
        bits, nbits = bits << size | code, nbits + size
        while nbits >= 8:
            out.append(bits >> (nbits - 8) & 255)
            nbits -= 8
    put(256)
    for c in data:
        wc = w + bytes([c])
        if wc in table:
            w = wc
            continue
        put(table[w])
        w = bytes([c])
        if nxt < 4095:
            table[wc], nxt = nxt, nxt + 1
        else:
            put(256)
            table, nxt = {bytes([i]): i for i in range(256)}, 258
    put(table[w])
    put(257)
    if nbits:
        out.append(bits << (8 - nbits) & 255)
    return bytes(out)


def rl_encode(data):
    out, i = bytearray(), 0
    while i < len(data):
        j = i
        while j < len(data) and j - i < 128 and data[j] == data[i]:
            j += 1
        if j - i >= 3:
            out += bytes([257 - (j - i), data[i]])
            i = j
        else:
            n = min(128, len(data) - i)
            out += bytes([n - 1]) + data[i:i + n]
            i += n
    return bytes(out + b"\x80")


class PdfTest(WorkerTest):
    def test_scanned_pdf_is_kept_as_it_is(self):
        """Scanned PDF: keep is the PDF as is."""
        tmp = self.tmp
        pdf = save(a4_page(150), "PDF", resolution=150.0)
        r, keep = run_filter(tmp, pdf, ["--menu"])
        if keep != pdf or r["variants"][0] != ("keep", len(pdf), 100):
            self.fail("keep changed the PDF")
        if r.get("out_type") != "application/pdf":
            self.fail("out_type %s" % r.get("out_type"))

    def test_lossless_rewrite_keeps_the_pages_and_a_signed_pdf_gets_only_keep(self):
        """PDF lossless rewrite is exact and keeps the pages; signed PDF
        only keep."""
        tmp = self.tmp
        pages = [a4_page(100, seed=i) for i in range(3)]
        pdf = save(pages[0], "PDF", resolution=100.0, save_all=True,
                   append_images=pages[1:])
        r, outs, why = menu_is_exact(tmp, pdf, [])
        if why:
            self.fail(why)
        # lossy variants follow (the page images recompressed): below.
        if [v[0] for v in r["variants"]][:2] != ["keep", "lossless"]:
            self.fail("menu %s" % r["variants"])
        f = os.path.join(tmp, "o.pdf")
        write(f, outs["lossless"])
        n = subprocess.run(["qpdf", "--show-npages", f], capture_output=True,
                           text=True).stdout.strip()
        if n != "3":
            self.fail("%s pages" % n)
        signed = pdf[:-6] + b"% /Type /Sig /ByteRange [0 10 20 30]\n%%EOF\n"
        r, keep = run_filter(tmp, signed, ["--menu"])
        if len(r["variants"]) != 1 or keep != signed:
            self.fail("signed PDF: %s" % r["variants"])

    def test_300dpi_colour_scan_has_150dpi_images_pages_in_order_and_a_blue_stamp(self):
        """300 dpi colour scan, 3 pages: exact menu, 150 dpi images, pages
        in order, stamp blue."""
        tmp = self.tmp
        a4 = (0, 0, 2480, 3508)     # A4 at 300 dpi, as scanners make it
        pages = [noisy(a4_page(300, seed=i).crop(a4), 6) for i in range(3)]
        pages[1] = noisy(a4_page(300, seed=1, stamp=False).crop(a4), 6)  # grey
        pdf = scan_pdf(pages)
        r, outs, why = menu_is_exact(tmp, pdf, [])
        if why:
            self.fail(why)
        if r["color"] != "1" or r["dpi"] != "300":
            self.fail("color %s dpi %s" % (r["color"], r["dpi"]))
        ids = [v[0] for v in r["variants"]]
        if ids[:2] != ["keep", "lossless"] or not all(
                i.endswith("c") for i in ids[2:]) or len(ids) < 5:
            self.fail("menu %s" % ids)
        v150 = [k for k in outs if k.startswith("d150")][0]
        imgs = pdf_images_of(tmp, outs[v150])
        if [(p, w, h) for p, _, w, h, _, _ in imgs] != [(1, 1240, 1754), (2, 1240, 1754), (3, 1240, 1754)]:
            self.fail("%s images %s" % (v150, imgs))
        if [c for _, _, _, _, c, _ in imgs] != ["rgb", "gray", "rgb"]:
            self.fail("%s colours %s (page 2 has no colour)" % (v150, imgs))
        if any(e != "jpeg" for *_, e in imgs):
            self.fail("not DCT: %s" % imgs)
        for vid in (v150, ids[2]):
            got = pdf_render(tmp, outs[vid], 75)
            if len(got) != 3:
                self.fail("%s: %d pages" % (vid, len(got)))
            for i, (g, p) in enumerate(zip(got, pages)):
                others = [mean_diff(g, q) for q in pages]
                if others.index(min(others)) != i or others[i] > 6:
                    self.fail("%s page %d: diffs %s" % (vid, i + 1, others))
            hi = pdf_render(tmp, outs[vid], 150)[0]
            n = blue_pixels(hi, stamp_box(hi))
            if n < 200:
                self.fail("%s: the stamp lost its blue (%d blue pixels)" % (vid, n))

    def test_text_only_scan_goes_grey(self):
        """Text-only scan goes grey."""
        tmp = self.tmp
        pdf = scan_pdf([noisy(a4_page(300, stamp=False, seed=i), 6) for i in range(2)])
        r, outs, why = menu_is_exact(tmp, pdf, [])
        if why:
            self.fail(why)
        lossy = [v for v in outs if v != "lossless"]
        if r["color"] != "0" or not lossy or any(not k.endswith("g") for k in lossy):
            self.fail("color %s, variants %s" % (r["color"], list(outs)))
        for k in lossy:
            if any(c != "gray" for _, _, _, _, c, _ in pdf_images_of(tmp, outs[k])):
                self.fail("%s is not grey" % k)

    def test_text_layer_is_kept_and_the_image_sized_from_its_placement(self):
        """Text layer kept; image placed by cm sized from it."""
        tmp = self.tmp
        im = noisy(a4_page(200), 6)
        content = (b"q 297.64 0 0 420.94 0 420.94 cm /Im0 Do Q\n"
                   b"BT /F1 18 Tf 72 200 Td (Qujat text layer 42) Tj ET\n")
        pdf = pdf_one_page(content, [("Im0", pdf_image(im))])
        r, outs, why = menu_is_exact(tmp, pdf, [])
        if why:
            self.fail(why)
        v150 = [k for k in outs if k.startswith("d150")]
        if not v150:
            self.fail("no 150 dpi variant: %s" % list(outs))
        imgs = pdf_images_of(tmp, outs[v150[0]])
        if abs(imgs[0][2] - 620) > 1 or abs(imgs[0][3] - 877) > 1:
            self.fail("placed image at 150 dpi is %s" % (imgs[0],))
        for k, out in outs.items():
            if "Qujat text layer 42" not in pdf_text(tmp, out):
                self.fail("%s lost the text layer" % k)

    def test_signed_pdf_gets_only_keep(self):
        """Signed (ByteRange or /Sig field) gets only keep."""
        tmp = self.tmp
        pdf = scan_pdf([noisy(a4_page(300), 6)])
        signed = pdf[:-6] + b"% /Type /Sig /ByteRange [0 10 20 30]\n%%EOF\n"
        im = noisy(a4_page(300), 6)
        field = (b"<< /FT /Sig /T (Sig1) /V << /Type /Sig /Filter "
                 b"/Adobe.PPKLite >> /Rect [0 0 0 0] /Subtype /Widget >>")
        sigfield = pdf_one_page(b"q 595.28 0 0 841.89 0 0 cm /Im0 Do Q\n",
                                [("Im0", pdf_image(im))], [field],
                                b"/AcroForm << /Fields [6 0 R] /SigFlags 3 >> ")
        for name, data in (("ByteRange", signed), ("Sig field", sigfield)):
            r, keep = run_filter(tmp, data, ["--menu"])
            if r["status"] != "ok" or len(r["variants"]) != 1 or keep != data:
                self.fail("%s: %s %s" % (name, r["status"], r["variants"]))
            r, out = run_filter(tmp, data, ["--variant", "d150q55c"])
            if r["status"] == "ok":
                self.fail("%s: a variant was written" % name)
        r, _ = run_filter(tmp, sigfield.replace(b"/FT /Sig", b"/FT /Tx "), ["--menu"])
        if len(r["variants"]) < 3:
            self.fail("unsigned twin: %s" % r["variants"])

    def test_indexed_scans_are_reencoded_in_their_base_colours(self):
        """Indexed scans (8-bit RGB, 4-bit grey) are re-encoded in their
        base colours; out-of-range indexes clamp."""
        tmp = self.tmp
        page = noisy(a4_page(300), 6)
        rgb8, want8 = pdf_indexed(page, 8)
        grey4, want4 = pdf_indexed(page, 4, b"/DeviceGray")
        # 4 bits, hival 7, stored without a filter (large, so worth
        # re-encoding): the left half index 3, the right half 12, which takes
        # colour 7 (yellow), not 0 (blue)
        lut = b"".join(bytes((i * 36, i * 36, 255 - i * 36)) for i in range(8))
        clamp = pdfmake.stream(b"/Type /XObject /Subtype /Image /Width 1240 "
                           b"/Height 1754 /ColorSpace [/Indexed /DeviceRGB 7 "
                           b"<%s>] /BitsPerComponent 4" % lut.hex().encode(),
                           bytes([0x33] * 310 + [0xCC] * 310) * 1754)
        full = b"q 595.28 0 0 841.89 0 0 cm /%s Do Q\n"
        objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Count 3 /Kids [3 0 R 4 0 R 5 0 R] >>"]
        names = [b"A", b"B", b"C"]
        for i, n in enumerate(names):
            objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.28 "
                        b"841.89] /Resources << /XObject << /%s %d 0 R >> >> "
                        b"/Contents %d 0 R >>" % (n, 6 + i, 9 + i))
        objs += [rgb8, grey4, clamp] + [pdfmake.stream(b"", full % n) for n in names]
        pdf = pdfmake.build(objs)
        r, outs, why = menu_is_exact(tmp, pdf, [])
        if why:
            self.fail(why)
        top = [v for v, _, _ in r["variants"] if v.startswith("d200")]
        if not top or top[0] not in outs:
            self.fail("no 200 dpi variant: %s" % r["variants"])
        top = top[0]
        rows = pdf_images_of(tmp, outs[top])
        if [(c[1], c[4], c[5]) for c in rows] != [
                ("image", "rgb", "jpeg"), ("image", "gray", "jpeg"),
                ("image", "rgb", "jpeg")]:
            self.fail("images %s" % rows)
        before, after = pdf_render(tmp, pdf, 50), pdf_render(tmp, outs[top], 50)
        for i, (a, b) in enumerate(zip(before, after)):
            d = mean_diff(a, b)
            if d > 3:
                self.fail("page %d differs by %.1f after re-encoding" % (i + 1, d))
        # a lookup shorter than hival + 1 colours: left exactly as it is
        q = page.quantize(256)
        d = b"/Type /XObject /Subtype /Image /Width %d /Height %d " \
            b"/ColorSpace [/Indexed /DeviceRGB 255 <%s>] /BitsPerComponent 8 " \
            b"/Filter /FlateDecode" % (q.size[0], q.size[1],
                                       bytes(q.getpalette()[:30]).hex().encode())
        short = pdf_one_page(b"q 595.28 0 0 841.89 0 0 cm /Im0 Do Q\n",
                             [("Im0", pdfmake.stream(d, zlib.compress(q.tobytes())))])
        r, _ = run_filter(tmp, short, ["--menu"])
        if r["status"] != "ok" or [v for v, _, _ in r["variants"]
                                   if v not in ("keep", "lossless")]:
            self.fail("a short lookup was judged or re-encoded: %s %s" % (
                r["status"], r["variants"]))
        # the renderer's view of page A is what the palette says
        if mean_diff(before[0], want8.resize(before[0].size)) > 3:
            self.fail("the test's own page A is not what it drew")
        w, h = after[2].size
        right = after[2].crop((w * 3 // 4 - 5, h // 2 - 5, w * 3 // 4 + 5,
                               h // 2 + 5)).resize((1, 1), Image.BOX).getpixel((0, 0))
        if abs(right[0] - 252) > 12 or right[2] > 20:
            self.fail("page C's clamped half is %s, not colour 7" % (right,))

    def test_smask_flate_cmyk_1bit_and_16bit_images_are_left_as_they_are(self):
        """Images with /SMask, Flate CMYK, 1-bit and 16-bit left as they
        are."""
        tmp = self.tmp
        rgb = noisy(a4_page(200), 6)
        mask = Image.new("L", rgb.size, 255)
        cmyk = noisy(a4_page(200, seed=3), 6).convert("CMYK")
        bits = a4_page(200, seed=4).convert("1")
        smask = pdfmake.stream(b"/Type /XObject /Subtype /Image /Width %d /Height %d "
                           b"/ColorSpace /DeviceGray /BitsPerComponent 8 "
                           b"/Filter /FlateDecode" % rgb.size,
                           zlib.compress(mask.tobytes()))
        g16 = Image.new("L", (400, 566), 200)
        full = b"q 595.28 0 0 841.89 0 0 cm /%s Do Q\n"
        objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Count 5 /Kids [3 0 R 4 0 R 5 0 R 6 0 R 7 0 R] >>"]
        names = ["Sm", "Cm", "Bw", "Sx", "Ok"]
        for i, n in enumerate(names):
            objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.28 841.89] "
                        b"/Resources << /XObject << /%s %d 0 R >> >> /Contents %d 0 R >>"
                        % (n.encode(), 8 + i, 13 + i))
        bw = pdfmake.stream(b"/Type /XObject /Subtype /Image /Width %d /Height %d "
                        b"/ColorSpace /DeviceGray /BitsPerComponent 1 "
                        b"/Filter /FlateDecode" % bits.size,
                        zlib.compress(bits.tobytes()))
        s16 = pdfmake.stream(b"/Type /XObject /Subtype /Image /Width 400 /Height 566 "
                         b"/ColorSpace /DeviceGray /BitsPerComponent 16 "
                         b"/Filter /FlateDecode",
                         zlib.compress(g16.tobytes() * 2))
        objs += [pdf_image(rgb, jpeg=False, extra=b"/SMask 18 0 R"),
                 pdf_image(cmyk, jpeg=False, extra=b"/Decode [1 0 1 0 1 0 1 0]"),
                 bw, s16,
                 pdf_image(rgb)]
        objs += [pdfmake.stream(b"", full % n.encode() if n != "Sx" else
                            b"q 200 0 0 283 72 72 cm /Sx Do Q\n") for n in names]
        objs.append(smask)
        pdf = pdfmake.build(objs)
        r, outs, why = menu_is_exact(tmp, pdf, [])
        if why:
            self.fail(why)
        before = pdf_images_of(tmp, pdf)
        lossy = [k for k in outs if k != "lossless"]
        if not lossy:
            self.fail("no lossy variant: %s" % r["variants"])
        after = pdf_images_of(tmp, outs[lossy[-1]])
        if len(after) != 6 or after[:5] != before[:5]:
            self.fail("changed:\n%s\n%s" % (before, after))
        if after[5][5] != "jpeg" or after[5][2] >= rgb.size[0]:
            self.fail("the plain image was not recompressed: %s" % (after[5],))
        f = os.path.join(tmp, "c.pdf")
        write(f, outs[lossy[-1]])
        if subprocess.run(["qpdf", "--check", f], capture_output=True).returncode:
            self.fail("qpdf --check fails")

    def test_cmyk_dct_scans_stay_cmyk_in_poppler_and_ghostscript(self):
        """CMYK DCT scans (Adobe's, with and without /Decode) stay CMYK and
        look the same in poppler and Ghostscript."""
        tmp = self.tmp
        page = noisy(a4_page(200), 6)
        inverted = scan_pdf([page.convert("CMYK")], 200)   # PIL: Adobe + /Decode
        # the same Adobe JPEG without /Decode: viewers show it as stored
        plain = pdf_one_page(b"q 595.28 0 0 841.89 0 0 cm /Im0 Do Q\n",
                             [("Im0", pdf_image(page.convert("CMYK")))])
        for name, pdf in (("inverted", inverted), ("plain", plain)):
            r, outs, why = menu_is_exact(tmp, pdf, [])
            if why:
                self.fail("%s: %s" % (name, why))
            lossy = [k for k in outs if k != "lossless"]
            if not lossy:
                self.fail("%s: no lossy variant: %s" % (name, r["variants"]))
            for k in lossy[:1] + lossy[-1:]:
                rows = pdf_images_of(tmp, outs[k])
                if [(c[4], c[5]) for c in rows] != [("cmyk", "jpeg")]:
                    self.fail("%s %s: images %s" % (name, k, rows))
                for render in (pdf_render, gs_render):
                    a, b = render(tmp, pdf, 40), render(tmp, outs[k], 40)
                    d = mean_diff(a[0], b[0])
                    if d > 3:
                        self.fail("%s %s: %s sees it differ by %.1f" % (
                            name, k, render.__name__, d))

    def test_blank_scan_is_blank_unless_it_has_text_and_50dpi_is_lowres(self):
        """Blank scan is blank; with a text layer it is not; 50 dpi is
        lowres."""
        tmp = self.tmp
        blank = noisy(Image.new("RGB", (1654, 2339), (245, 244, 240)), 4)
        r, _ = run_filter(tmp, scan_pdf([blank, blank], 200), ["--menu"])
        if r["status"] != "blank":
            self.fail("blank scan: %s" % r["status"])
        pdf = pdf_one_page(b"q 595.28 0 0 841.89 0 0 cm /Im0 Do Q\n"
                           b"BT /F1 12 Tf 72 72 Td (x) Tj ET\n",
                           [("Im0", pdf_image(blank))])
        r, _ = run_filter(tmp, pdf, [])
        if r["status"] != "ok":
            self.fail("blank scan with text: %s" % r["status"])
        r, _ = run_filter(tmp, scan_pdf([a4_page(50)], 50), [])
        self.assertTrue(r["status"] == "lowres",
                        "50 dpi: %s" % r["status"])

    def test_qujat_compress_fits_a_3_page_scan_into_1mb(self):
        """qujat compress fits a 3-page scan into 1 MB, output opens."""
        tmp = self.tmp
        qujat = os.path.join(BUILD, "qujat")
        if not os.access(qujat, os.X_OK):
            self.fail("no %s" % qujat)
        src, out = os.path.join(tmp, "scan.pdf"), os.path.join(tmp, "cout")
        write(src, scan_pdf([noisy(a4_page(300, seed=i), 6)
                                        for i in range(3)]))
        env = dict(os.environ)
        env.setdefault("QUJAT_CONF", os.path.join(ROOT, "conf", "qujat.conf"))
        p = subprocess.run([qujat, "compress", src, "-o", out, "--budget",
                            "1000000", "--json"], capture_output=True, text=True,
                           timeout=300, env=env)
        got = os.path.join(out, "scan.pdf")
        if p.returncode or not os.path.exists(got):
            self.fail("exit %d: %s" % (p.returncode, (p.stdout + p.stderr)[-300:]))
        data = read(got)
        if len(data) > 1000000:
            self.fail("%d bytes" % len(data))
        rep = json.loads(p.stdout)
        if rep["decision"] != "accepted" or rep["bytes_out"] != len(data):
            self.fail("report: %s" % {k: rep[k] for k in ("decision", "bytes_out")})
        n = len(pdf_render(tmp, data, 20))
        self.assertTrue(n == 3,
                        "%d pages" % n)

    def test_bytes_after_the_last_eof_are_cut(self):
        """Bytes after the last %%EOF cut (updates and signed ranges kept)."""
        tmp = self.tmp
        pdf = pdf_one_page(b"BT /F1 24 Tf 72 720 Td (Cut) Tj ET", [])
        z = io.BytesIO()
        with zipfile.ZipFile(z, "w") as zf:
            zf.writestr("x.txt", "payload " * 50)
        body = pdf[:-6]                      # without "%%EOF\n"
        for eol in (b"\n", b"\r\n", b"\r"):
            doc = body + b"%%EOF" + eol
            r, keep = run_filter(tmp, doc + z.getvalue(), [])
            if r["status"] != "ok" or keep != doc:
                self.fail("eol %r: %s, keep %d of %d" % (eol, r["status"], len(keep),
                                                     len(doc)))
            if "trailing data removed" not in r.get("transform", ""):
                self.fail("eol %r: transform %r" % (eol, r.get("transform")))
        r, keep = run_filter(tmp, pdf, [])
        if keep != pdf or "transform" in r:
            self.fail("clean PDF changed: %r" % r.get("transform"))
        # an incremental update after the first %%EOF is the document
        upd = pdf + b"5 0 obj\n(update)\nendobj\n%%EOF\n"
        r, keep = run_filter(tmp, upd + z.getvalue(), ["--menu"])
        if keep != upd or r["fd3"][:len(upd)] != upd or b"PK\x03\x04" in r["fd3"]:
            self.fail("update: keep %d of %d, payload in fd 3 %s" % (
                len(keep), len(upd), b"PK\x03\x04" in r["fd3"]))
        # signed: cut only when the signed ranges end before the cut
        signed = pdf[:-6] + b"% /Type /Sig /ByteRange [0 10 20 30]\n%%EOF\n"
        r, keep = run_filter(tmp, signed + z.getvalue(), ["--menu"])
        if keep != signed or len(r["variants"]) != 1:
            self.fail("signed: keep %d of %d, %s" % (len(keep), len(signed),
                                                  r["variants"]))
        over = pdf[:-6] + b"%% /ByteRange [0 10 20 %d]\n%%EOF\n" % (len(pdf) + 400)
        r, keep = run_filter(tmp, over + z.getvalue(), [])
        if keep != over + z.getvalue():
            self.fail("a signature over the payload was cut")

    def test_lzw_runlength_ascii85_asciihex_and_predictors_decode_as_in_qpdf(self):
        """Streams through LZW, RunLength, ASCII85, ASCIIHex, PNG
        predictors decode as in QPDF."""
        tmp = self.tmp
        import base64
        im = noisy(a4_page(150, seed=9), 6).resize((620, 877))
        w, h = im.size
        raw = im.tobytes()
        rows = b"".join(b"\x02" + bytes((raw[y * w * 3 + k] - (raw[(y - 1) * w * 3 + k] if y else 0)) & 255
                                        for k in range(w * 3)) for y in range(h))
        png = zlib.compress(rows)
        content = b"q 595.28 0 0 841.89 0 0 cm /Im0 Do Q\n"

        def paeth(a, b, c):
            pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
            return a if pa <= pb and pa <= pc else b if pb <= pc else c

        def png_rows(t_of):
            """Rows filtered by PNG type t_of(y) (0-4), 3 bytes a pixel."""
            out, stride = [], w * 3
            for y in range(h):
                cur = raw[y * stride:(y + 1) * stride]
                up = raw[(y - 1) * stride:y * stride] if y else bytes(stride)
                t = t_of(y)
                f = bytearray([t])
                for k in range(stride):
                    a = cur[k - 3] if k >= 3 else 0
                    b, c = up[k], up[k - 3] if k >= 3 else 0
                    pred = (0, a, b, (a + b) // 2, paeth(a, b, c))[t]
                    f.append((cur[k] - pred) & 255)
                out.append(bytes(f))
            return zlib.compress(b"".join(out))
        cases = {
            "flate png predictor": (b"", content, b"/FlateDecode /DecodeParms << /Predictor 12 "
                                    b"/Colors 3 /Columns %d >>" % w, png),
            "flate png predictor, every row type (Paeth on 3-byte pixels)": (
                b"", content, b"/FlateDecode /DecodeParms << /Predictor 15 "
                b"/Colors 3 /Columns %d >>" % w, png_rows(lambda y: (4, 4, 1, 2, 3, 0)[y % 6])),
            "lzw + a85 content, rl image": (b"/Filter [/ASCII85Decode /LZWDecode]",
                                            base64.a85encode(lzw_encode(content)) + b"~>",
                                            b"/RunLengthDecode", rl_encode(raw)),
            "ahx content, lzw image": (b"/Filter /ASCIIHexDecode", content.hex().encode() + b">",
                                       b"/LZWDecode", lzw_encode(raw)),
        }
        for name, (cf, cdata, imf, imdata) in cases.items():
            img = pdfmake.stream(b"/Type /XObject /Subtype /Image /Width %d /Height %d "
                             b"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter %s"
                             % (w, h, imf), imdata)
            pdf = pdf_one_page(b"", [("Im0", img)]).replace(
                b"<<  /Length %d >>\nstream\n\nendstream" % 0,
                pdfmake.stream(cf, cdata))
            # the xref is off now: QPDF recovers it, as it does for any upload
            r, outs, why = menu_is_exact(tmp, pdf, ["--low-dpi", "50"])
            if why:
                self.fail("%s: %s" % (name, why))
            if int(r.get("dpi", 0)) != 75:
                self.fail("%s: dpi %s (content or image not read)" % (name, r.get("dpi")))
            lossy = [v for v, _, _ in r["variants"] if v.startswith("d")]
            if not lossy:
                self.fail("%s: image not recompressed: %s" % (name, r["variants"]))
            d = mean_diff(pdf_render(tmp, outs[lossy[0]], 30)[0], im)
            if d > 12:
                self.fail("%s: rendered variant differs by %.1f" % (name, d))

    def test_owner_password_pdf_is_recompressed_and_stays_encrypted(self):
        """Owner password only: recompressed, still encrypted with the same
        restrictions, same pages."""
        tmp = self.tmp
        pages = [noisy(a4_page(300, seed=i), 6) for i in range(2)]
        pdf = qpdf(["--encrypt", "", "secret", "256", "--print=none",
                    "--modify=none"], scan_pdf(pages), tmp)
        r, outs, why = menu_is_exact(tmp, pdf, [])
        if why:
            self.fail(why)
        lossy = [k for k in outs if k != "lossless"]
        if not lossy:
            self.fail("no lossy variant: %s" % r["variants"])

        def encryption(data):
            f = os.path.join(tmp, "e.pdf")
            write(f, data)
            return subprocess.run(["qpdf", "--show-encryption", f],
                                  capture_output=True, text=True).stdout
        want = encryption(pdf)
        if "R = 6" not in want or "print high resolution: not allowed" not in want:
            self.fail("the test's own file: %s" % want)
        for k in lossy[:1] + lossy[-1:]:
            if encryption(outs[k]) != want:
                self.fail("%s: encryption %s" % (k, encryption(outs[k])))
            a, b = pdf_render(tmp, pdf, 30), pdf_render(tmp, outs[k], 30)
            if len(b) != 2 or max(mean_diff(x, y) for x, y in zip(a, b)) > 3:
                self.fail("%s: pages differ" % k)

    def test_flate_bombs_hit_the_stream_limit_quickly(self):
        """Flate bombs in content, form and image: limit stream, quickly."""
        tmp = self.tmp
        import time
        bomb = zlib.compress(b"\0" * (64 << 20), 9)
        content = pdfmake.stream(b"/Filter /FlateDecode", bomb)
        form = pdfmake.stream(b"/Type /XObject /Subtype /Form /BBox [0 0 10 10] "
                          b"/Filter /FlateDecode", bomb)
        image = pdfmake.stream(b"/Type /XObject /Subtype /Image /Width 100 /Height 100 "
                           b"/ColorSpace /DeviceGray /BitsPerComponent 8 "
                           b"/Filter [/FlateDecode /FlateDecode]", zlib.compress(bomb))
        # Flate alone: the engine's decode or its open-time check bounds
        # it (the probe leaves it), drawn or only named
        flate = pdfmake.stream(b"/Type /XObject /Subtype /Image /Width 100 /Height 100 "
                           b"/ColorSpace /DeviceGray /BitsPerComponent 8 "
                           b"/Filter /FlateDecode", bomb)
        ok = pdf_one_page(b"BT /F1 24 Tf 72 720 Td (x) Tj ET", [])
        for name, pdf in (
                ("content", ok.replace(pdfmake.stream(b"", b"BT /F1 24 Tf 72 720 Td (x) Tj ET"),
                                       content)),
                ("form", pdf_one_page(b"/Fm0 Do", [("Fm0", form)])),
                ("image", pdf_one_page(b"q 100 0 0 100 0 0 cm /Im0 Do Q", [("Im0", image)])),
                ("drawn Flate image", pdf_one_page(b"q 40 0 0 40 0 0 cm /Im0 Do Q",
                                                   [("Im0", flate)])),
                ("Flate image not drawn", pdf_one_page(b"BT /F1 24 Tf 72 720 Td (x) Tj ET",
                                                       [("Im0", flate)]))):
            for args in (["--probe-only"], [], ["--menu"]):
                t = time.time()
                r, out = run_filter(tmp, pdf, args + ["--max-stream-bytes", "4000000"])
                if r["status"] != "limit" or r.get("limit") != "stream" or out:
                    self.fail("%s %s: %s %s" % (name, args, r["status"], r.get("limit")))
                if time.time() - t > 5:
                    self.fail("%s: %.1f s" % (name, time.time() - t))


if __name__ == "__main__":
    unittest.main()
