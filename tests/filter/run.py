#!/usr/bin/python3
"""tests/filter/run.py: qujat-filter on files made here, each report checked.

Builds JPEG, PNG, TIFF and PDF files (good, truncated, bit-flipped, over
limits, encrypted, disguised) in a temporary folder, runs the worker on
each under its real seccomp filter and checks the report, the exit status
and the output. With build/tests/evil-filter present, also checks that
the sandbox kills escapes. Usage: run.py [BUILD_DIR] (default: build, or
$QUJAT_BUILD); FILTER_CASE=TEXT runs only the engine checks whose names
contain TEXT (with every report case). Ends with "N passed, N failed".
"""
import hashlib, io, json, math, os, shutil, struct, subprocess, sys, tempfile, zipfile, zlib

from PIL import Image, ImageDraw

from fixtures import STAMP, draw_stamp, font
from pdfmake import build as pdf_build, stream as pdf_stream

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = sys.argv[1] if len(sys.argv) > 1 else os.environ.get(
    "QUJAT_BUILD", os.path.join(ROOT, "build"))
FILTER = os.path.join(BUILD, "qujat-filter")
EVIL = os.path.join(BUILD, "tests", "evil-filter")
results = {"passed": 0, "failed": 0}


def picture(mode="RGB", size=(1000, 1414)):
    """A page-sized picture (121 dpi on A4: above --low-dpi)."""
    im = Image.new("RGB", size, "white")
    d = ImageDraw.Draw(im)
    for i in range(0, size[0], 5):
        d.line((i, 0, size[0] - i, size[1]), fill=(i % 256, 100, 200))
    return im.convert(mode)


def save(im, fmt, **kw):
    b = io.BytesIO()
    im.save(b, fmt, **kw)
    return b.getvalue()


def picture_jpeg():
    return save(picture(), "JPEG")


def chunk(t, data):
    return struct.pack(">I", len(data)) + t + data + struct.pack(
        ">I", zlib.crc32(t + data) & 0xffffffff)


def png_raw(w, h, rows_by_pass, interlace):
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, interlace)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) +
            chunk(b"IDAT", zlib.compress(rows_by_pass)) + chunk(b"IEND", b""))


def png_interlaced(im):
    """Adam7 by hand: PIL writes no interlaced PNG."""
    w, h = im.size
    px = im.convert("RGB").load()
    data = b""
    for x0, y0, dx, dy in ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8),
                           (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
                           (0, 1, 1, 2)):
        for y in range(y0, h, dy):
            if x0 < w:
                data += b"\0" + b"".join(bytes(px[x, y])
                                         for x in range(x0, w, dx))
    return png_raw(w, h, data, 1)


def jpeg_dims(data, w, h):
    """A JPEG whose SOF0 header claims w x h."""
    i = data.index(b"\xff\xc0")
    return data[:i + 5] + struct.pack(">HH", h, w) + data[i + 9:]


def truncated(data):
    return data[:len(data) * 2 // 3]


def flipped(data):
    b = bytearray(data)
    for k in range(len(b) // 3, len(b) // 3 + 64, 4):
        b[k] ^= 0x55
    return bytes(b)


def qpdf(args, data, tmp):
    src, dst = os.path.join(tmp, "in.pdf"), os.path.join(tmp, "out.pdf")
    open(src, "wb").write(data)
    subprocess.run(["qpdf"] + args[:1] + [src] if args == ["--empty"] else
                   ["qpdf"] + args + ["--", src, dst], check=True)
    return open(dst if args != ["--empty"] else src, "rb").read()


def cases(tmp):
    im = picture()
    jpg, png = save(im, "JPEG", quality=85), save(im, "PNG")
    tif3 = save(im, "TIFF", compression="tiff_lzw", save_all=True,
                append_images=[im.convert("L"), im.convert("1")])
    pdf3 = save(im, "PDF", save_all=True, append_images=[im, im])
    yield "jpeg baseline", jpg, [], "ok", "image/jpeg", "jpg"
    yield "jpeg progressive", save(im, "JPEG", progressive=True), [], "ok", "image/jpeg", "jpg"
    yield "jpeg grey", save(im.convert("L"), "JPEG"), [], "ok", "image/jpeg", "jpg"
    yield "jpeg cmyk", save(im.convert("CMYK"), "JPEG"), [], "ok", "image/jpeg", "jpg"
    yield "jpeg truncated", truncated(jpg), [], "corrupt", "image/jpeg", None
    yield "jpeg header only", jpg[:400], [], "corrupt", "image/jpeg", None
    yield "jpeg 65000x65000", jpeg_dims(jpg, 65000, 65000), ["--max-pixels", "100000000"], "limit", "image/jpeg", "pixels"
    yield "jpeg blank", save(Image.new("RGB", (200, 100), "white"), "JPEG"), [], "blank", "image/jpeg", None
    yield "png rgb", png, [], "ok", "image/png", "png"
    yield "png alpha", save(im.convert("RGBA"), "PNG"), [], "ok", "image/png", "png"
    yield "png palette", save(im.convert("P"), "PNG"), [], "ok", "image/png", "png"
    yield "png 16-bit", save(picture("L").convert("I").point(lambda v: v * 257), "PNG"), [], "ok", "image/png", "png"
    yield "png interlaced", png_interlaced(im), [], "ok", "image/png", "png"
    yield "png truncated", truncated(png), [], "corrupt", "image/png", None
    yield "png bit-flipped", flipped(png), [], "corrupt", "image/png", None
    yield "png 100000x100000", png_raw(100000, 100000, b"\0" * 1000, 0), ["--max-pixels", "100000000"], "limit", "image/png", "pixels"
    yield "png blank", save(Image.new("L", (200, 100), 255), "PNG"), [], "blank", "image/png", None
    yield "tiff lzw", save(im, "TIFF", compression="tiff_lzw"), [], "ok", "image/tiff", "tif"
    yield "tiff deflate", save(im, "TIFF", compression="tiff_adobe_deflate"), [], "ok", "image/tiff", "tif"
    yield "tiff g4", save(im.convert("1"), "TIFF", compression="group4"), [], "ok", "image/tiff", "tif"
    yield "tiff 3 pages", tif3, [], "ok", "image/tiff", "tif"
    yield "tiff over max-pages", tif3, ["--max-pages", "2"], "limit", "image/tiff", "pages"
    yield "tiff truncated", truncated(tif3), [], "corrupt", "image/tiff", None
    yield "tiff bit-flipped", flipped(tif3), [], "corrupt", "image/tiff", None
    yield "pdf 3 pages", pdf3, [], "ok", "application/pdf", "pdf"
    yield "pdf over max-pages", pdf3, ["--max-pages", "2"], "limit", "application/pdf", "pages"
    yield "pdf over max-objects", pdf3, ["--max-objects", "5"], "limit", "application/pdf", "objects"
    yield "pdf truncated", truncated(pdf3), [], "corrupt", "application/pdf", None
    yield "pdf no pages", qpdf(["--empty"], b"", tmp), [], "corrupt", "application/pdf", None
    yield "pdf user password", qpdf(["--encrypt", "user", "owner", "256"], pdf3, tmp), [], "encrypted", "application/pdf", None
    yield "pdf owner password only", qpdf(["--encrypt", "", "owner", "256"], pdf3, tmp), [], "ok", "application/pdf", "pdf"
    yield "over max-bytes", pdf3, ["--max-bytes", "1000"], "limit", "application/pdf", "bytes"
    z = io.BytesIO()
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("a.txt", "hello" * 100)
    yield "zip named pdf", z.getvalue(), [], "unsupported", "application/zip", None
    yield "elf named pdf", open("/bin/ls", "rb").read(), [], "unsupported", None, None
    yield "empty file", b"", [], "unsupported", None, None


def report(text):
    lines = text.decode("ascii").split("\n")
    assert lines[0] == "qujat-filter 1", "first line %r" % lines[0]
    assert lines[-2:] == ["end", ""], "last line"
    return dict(l.split(" ", 1) for l in lines[1:-2])


def check(name, ok, why):
    results["passed" if ok else "failed"] += 1
    print("%s: %s%s" % ("ok" if ok else "FAIL", name, "" if ok else ": " + why))


def run_case(tmp, name, data, args, status, mtype, extra):
    src, dst = os.path.join(tmp, "upload"), os.path.join(tmp, "output")
    open(src, "wb").write(data)
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        p = subprocess.run([FILTER] + args, stdin=fin, pass_fds=(3,),
                           capture_output=True, timeout=60,
                           preexec_fn=lambda: os.dup2(fout.fileno(), 3))
    if p.returncode != 0:
        return check(name, False, "exit %d: %s" % (p.returncode, p.stderr[:200]))
    try:
        r = report(p.stdout)
    except Exception as e:
        return check(name, False, "bad report: %s" % e)
    want = {"status": status}
    if mtype:
        want["type"] = mtype
    if status == "ok":
        want["ext"] = extra
    if status == "limit":
        want["limit"] = extra
    got = {k: r.get(k) for k in want}
    out = open(dst, "rb").read()
    if got != want:
        return check(name, False, "got %s, want %s (detail %s)" % (got, want, r.get("detail")))
    if r.get("sha256_in") != hashlib.sha256(data[:int(r["bytes_in"])]).hexdigest():
        return check(name, False, "sha256_in")
    if status == "ok" and r["sha256_out"] != hashlib.sha256(out).hexdigest():
        return check(name, False, "sha256_out is not the output's")
    if status == "ok" and mtype == "image/tiff":
        if not out.startswith(b"%PDF-") or r.get("out_type") != "application/pdf":
            return check(name, False, "a tiff did not become a pdf")
    elif status == "ok" and out != data:
        return check(name, False, "output is not the input")
    check(name, True, "")


# ---- the compression engine: keep, menu, variants (report.h) ----

def run_filter(tmp, data, args):
    """Runs the worker; returns (report dict with 'variants', output).
    The output is what bytes_out describes (keep, or --variant's); all of
    fd 3 (with --menu, the variants after keep) is in r["fd3"], and each
    variant line's OFFSET and EXT in r["where"][ID]."""
    src, dst = os.path.join(tmp, "upload"), os.path.join(tmp, "output")
    open(src, "wb").write(data)
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        p = subprocess.run([FILTER] + args, stdin=fin, pass_fds=(3,),
                           capture_output=True, timeout=120,
                           preexec_fn=lambda: os.dup2(fout.fileno(), 3))
    if p.returncode != 0:
        raise AssertionError("exit %d: %s" % (p.returncode, p.stderr[:300]))
    lines = p.stdout.decode("ascii").split("\n")
    assert lines[0] == "qujat-filter 1" and lines[-2:] == ["end", ""]
    r = {"variants": [], "where": {}}
    for l in lines[1:-2]:
        k, v = l.split(" ", 1)
        if k == "variant":
            f = v.split(" ")
            assert len(f) in (3, 5), "variant line %r" % l
            r["variants"].append((f[0], int(f[1]), int(f[2])))
            if len(f) == 5:
                r["where"][f[0]] = (int(f[3]), f[4])
        else:
            r[k] = v
    r["fd3"] = open(dst, "rb").read()
    return r, r["fd3"][:int(r.get("bytes_out", len(r["fd3"])))]




def a4_page(dpi, stamp=True, ink=(20, 20, 30), paper=(250, 250, 246),
            seed=1):
    """An A4 text page; with stamp, a blue stamp circle and a blue
    signature stroke."""
    import random
    rnd = random.Random(seed)
    w, h = int(8.27 * dpi + 0.5), int(11.69 * dpi + 0.5)
    im = Image.new("RGB", (w, h), paper)
    d = ImageDraw.Draw(im)
    f = font(max(8, dpi * 11 // 72))
    y = dpi
    while y < h * 0.7:
        d.text((dpi * 3 // 4, y), " ".join(
            "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz")
                    for _ in range(rnd.randint(2, 9))) for _ in range(10)),
            fill=ink, font=f)
        y += dpi * 11 // 48
    if stamp:
        draw_stamp(d, w, h, dpi)
    return im


def noisy(im, amount=8):
    n = Image.effect_noise(im.size, amount * 4).convert("RGB")
    return Image.blend(im, n, amount / 200.0)


def exif_bytes(orientation=None, gps=False, serial=False):
    e = Image.Exif()
    e[0x010F] = "QujatCam"
    if orientation is not None:
        e[0x0112] = orientation
    if gps:
        e[0x8825] = {1: "N", 2: (43.0, 14.0, 18.0), 3: "E",
                     4: (76.0, 53.0, 40.0)}
    if serial:
        e[0x8769] = {0xA431: "SN-123456789", 0xA420: "UNIQUE-ID-42"}
    return e.tobytes()


def blue_pixels(im, box):
    """Pixels in box that are clearly blue."""
    px = im.convert("RGB").crop(box).getdata()
    return sum(1 for r, g, b in px if b > 120 and b - r > 50 and b - g > 30)


def stamp_box(im):
    w, h = im.size
    cx, cy, r = int(w * STAMP[0]), int(h * STAMP[1]), int(w / 8.27 * 0.8)
    return (cx - r, cy - r, cx + r, cy + r)


def ecase(name):
    """Runs one engine check; an exception is a failure, not a crash."""
    def wrap(fn):
        def run(tmp):
            try:
                why = fn(tmp)
                check(name, why is None, why or "")
            except Exception as e:
                check(name, False, "%s: %s" % (type(e).__name__, e))
        ENGINE.append((name, run))
        return fn
    return wrap


ENGINE = []


def menu_is_exact(tmp, data, args):
    """The menu's sizes strictly decrease, ranks too, and each variant
    written with --variant has exactly the size the menu said."""
    r, keep = run_filter(tmp, data, args + ["--menu"])
    v = r["variants"]
    if r["status"] != "ok" or not v or v[0][0] != "keep":
        return r, None, "no menu: %s" % r
    if v[0][1] != len(keep):
        return r, None, "keep is %d bytes, menu says %d" % (len(keep), v[0][1])
    for a, b in zip(v, v[1:]):
        if not (b[1] < a[1] and b[2] < a[2]):
            return r, None, "menu not decreasing: %s then %s" % (a, b)
    outs = {}
    for vid, size, rank in v[1:]:
        rv, out = run_filter(tmp, data, args + ["--variant", vid])
        if len(out) != size or int(rv["bytes_out"]) != size:
            return r, None, "%s: menu %d, written %d" % (vid, size, len(out))
        if rv["sha256_out"] != hashlib.sha256(out).hexdigest():
            return r, None, "%s: sha256_out" % vid
        outs[vid] = out
    return r, outs, None


@ecase("engine: 300 dpi page with a stamp: exact menu, 150 dpi size, stamp blue")
def _(tmp):
    im = noisy(a4_page(300))
    r, outs, why = menu_is_exact(tmp, save(im, "JPEG", quality=92), [])
    if why:
        return why
    if r["color"] != "1" or r["dpi"] != "300":
        return "color %s dpi %s" % (r["color"], r["dpi"])
    v150 = [k for k in outs if k.startswith("d150")]
    if not v150 or not all(k.endswith("c") for k in outs):
        return "variants %s" % list(outs)
    o = Image.open(io.BytesIO(outs[v150[0]]))
    if abs(o.size[0] - 1240) > 2 or abs(o.size[1] - 1754) > 2:
        return "150 dpi variant is %s" % (o.size,)
    for k, out in outs.items():
        o = Image.open(io.BytesIO(out))
        n = blue_pixels(o, stamp_box(o))
        if n < 200:
            return "%s: the stamp lost its blue (%d blue pixels)" % (k, n)


@ecase("engine: 600 dpi page: top variant at 200 dpi, colour kept")
def _(tmp):
    im = a4_page(600)
    r, outs, why = menu_is_exact(tmp, save(im, "JPEG", quality=85), [])
    if why:
        return why
    top = r["variants"][1][0]
    o = Image.open(io.BytesIO(outs[top]))
    if top[:4] != "d200" or abs(o.size[0] - 1654) > 2 or o.mode != "RGB":
        return "%s is %s %s" % (top, o.size, o.mode)


@ecase("engine: text-only page goes grey")
def _(tmp):
    im = noisy(a4_page(300, stamp=False), 6)
    r, outs, why = menu_is_exact(tmp, save(im, "JPEG", quality=90), [])
    if why:
        return why
    if r["color"] != "0" or any(not k.endswith("g") for k in outs):
        return "color %s, variants %s" % (r["color"], list(outs))
    if any(Image.open(io.BytesIO(o)).mode != "L" for o in outs.values()):
        return "a variant is not greyscale"


@ecase("engine: photographed page, EXIF orientation 6: keep is upright")
def _(tmp):
    page = noisy(a4_page(200).rotate(1.5, fillcolor=(240, 240, 235),
                                     expand=False), 10)
    stored = page.transpose(Image.Transpose.ROTATE_90)  # as a phone keeps it
    data = save(stored, "JPEG", quality=90, exif=exif_bytes(6))
    r, keep = run_filter(tmp, data, [])
    o = Image.open(io.BytesIO(keep))
    if "rotated upright" not in r.get("transform", ""):
        return "transform %r" % r.get("transform")
    if o.getexif().get(0x0112, 1) != 1:
        return "orientation tag still %s" % o.getexif().get(0x0112)
    if o.size != page.size:
        return "keep is %s, upright page is %s" % (o.size, page.size)
    a = o.convert("L").resize((100, 141))
    b = page.convert("L").resize((100, 141))
    diff = sum(abs(x - y) for x, y in zip(a.getdata(), b.getdata())) / 14100
    return None if diff < 8 else "pixels differ from the upright page by %.1f" % diff


@ecase("engine: orientation 3 on a whole-MCU image is lossless")
def _(tmp):
    page = a4_page(112).crop((0, 0, 912, 1296))   # multiples of 16
    data = save(page.transpose(Image.Transpose.ROTATE_180), "JPEG",
                quality=90, exif=exif_bytes(3))
    r, keep = run_filter(tmp, data, [])
    o = Image.open(io.BytesIO(keep)).convert("L").resize((114, 162))
    b = page.convert("L").resize((114, 162))
    diff = sum(abs(x - y) for x, y in zip(o.getdata(), b.getdata())) / (114 * 162)
    if "rotated upright" not in r.get("transform", ""):
        return "transform %r" % r.get("transform")
    return None if diff < 4 else "not upright: diff %.1f" % diff


@ecase("engine: EXIF orientation 0 and 9 are treated as 1")
def _(tmp):
    page = a4_page(120)
    for o in (0, 9):
        r, keep = run_filter(tmp, save(page, "JPEG", exif=exif_bytes(o)), [])
        im = Image.open(io.BytesIO(keep))
        if r["status"] != "ok" or im.size != page.size:
            return "orientation %d: %s %s" % (o, r["status"], im.size)


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
    return open(f, "rb").read(), Image.open(io.BytesIO(ref))


@ecase("engine: phone photos 4000x3000, 4032x3024, 4080x3060 at every EXIF "
       "orientation: keep upright as ImageMagick shows it, at the source's "
       "quantisation (at most 1.05x the upload, not 1.6x)")
def _(tmp):
    shapes = [(4000, 3000, o) for o in range(2, 9)] + [
        (4032, 3024, 6), (4080, 3060, 6), (4080, 3060, 8)]
    for w, h, o in shapes:
        data, ref = phone_photo(tmp, w, h, o)
        r, keep = run_filter(tmp, data, [])
        im = Image.open(io.BytesIO(keep))
        if r["status"] != "ok" or "rotated upright" not in r["transform"]:
            return "%dx%d o%d: %s %r" % (w, h, o, r["status"],
                                         r.get("transform"))
        if im.size != ref.size or im.getexif().get(0x0112, 1) != 1:
            return "%dx%d o%d: keep %s, upright is %s" % (w, h, o, im.size,
                                                        ref.size)
        if len(keep) > 1.05 * len(data):
            return "%dx%d o%d: keep %d bytes from %d" % (w, h, o, len(keep),
                                                        len(data))
        d = mean_diff(im, ref)
        if d > 2.5:
            return "%dx%d o%d: differs from -auto-orient by %.1f" % (
                w, h, o, d)


@ecase("engine: an arithmetic-coded JPEG (cjpeg -arithmetic) is kept as "
       "Huffman codes, every pixel as djpeg shows it")
def _(tmp):
    ppm = os.path.join(tmp, "a.ppm")
    a4_page(120).save(ppm)
    data = subprocess.run(["cjpeg", "-arithmetic", "-quality", "85", ppm],
                          capture_output=True, check=True).stdout
    if data[2:].find(b"\xff\xc9") < 0:
        return "cjpeg wrote no arithmetic frame"
    r, keep = run_filter(tmp, data, [])
    if "arithmetic coding rewritten as Huffman" not in r.get("transform", ""):
        return "transform %r" % r.get("transform")
    if keep.find(b"\xff\xc9") >= 0 or keep.find(b"\xff\xca") >= 0:
        return "keep is still arithmetic-coded"
    want = subprocess.run(["djpeg", "-pnm"], input=data, capture_output=True,
                          check=True).stdout
    got = subprocess.run(["djpeg", "-pnm"], input=keep, capture_output=True,
                         check=True).stdout
    return None if got == want else "pixels differ from the upload's"


@ecase("engine: phone photo 4000x3000 with GPS and serials: all gone in keep")
def _(tmp):
    im = Image.effect_noise((4000, 3000), 40).convert("RGB")
    im = Image.blend(im, a4_page(300).resize((4000, 3000)), 0.6)
    data = save(im, "JPEG", quality=95,
                exif=exif_bytes(gps=True, serial=True))
    if not 3000000 < len(data) < 8000000:
        return "generated photo is %d bytes" % len(data)
    r, keep = run_filter(tmp, data + b"TRAILER" * 100, [])
    ex = Image.open(io.BytesIO(keep)).getexif()
    if ex.get_ifd(0x8825) or b"SN-123456789" in keep or b"UNIQUE-ID" in keep:
        return "GPS or serials kept"
    if b"TRAILER" in keep:
        return "trailing data kept"
    t = r.get("transform", "")
    if "GPS removed" not in t or "trailing data removed" not in t:
        return "transform %r" % t
    if ex.get(0x010F) != "QujatCam":
        return "harmless EXIF lost"


def icc_profile(pad=0, space=b"RGB "):
    """An sRGB profile (LittleCMS), padded to make it span several JPEG
    APP2 chunks, its colour space relabelled to make a CMYK one."""
    from PIL import ImageCms
    p = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    p = p + bytes(pad)
    return struct.pack(">I", len(p)) + p[4:16] + space + p[20:]


@ecase("engine: an ICC profile goes with the pixels it describes, never "
       "with others")
def _(tmp):
    rgb, grey = icc_profile(pad=70000), icc_profile(space=b"GRAY")
    page = noisy(a4_page(300))
    r, outs, why = menu_is_exact(tmp, save(page, "JPEG", quality=90,
                                           icc_profile=rgb), [])
    if why:
        return why
    for k, out in outs.items():
        got = Image.open(io.BytesIO(out)).info.get("icc_profile")
        if k.endswith("c") and got != rgb:
            return "%s: the two-chunk RGB profile is %s" % (
                k, "missing" if got is None else "changed")
        if k.endswith("g") and got is not None:
            return "%s: grey pixels carry the RGB profile" % k
    # re-encoded upright (edges not whole MCUs): keep has it all, too
    odd = page.resize((1001, 1415)).transpose(Image.Transpose.ROTATE_90)
    r, keep = run_filter(tmp, save(odd, "JPEG", quality=90, icc_profile=rgb,
                                   exif=exif_bytes(6)), [])
    if Image.open(io.BytesIO(keep)).info.get("icc_profile") != rgb:
        return "upright keep lost the profile (%s)" % r.get("transform")
    # a PNG's iCCP: grey pixels, grey profile
    png = save(noisy(a4_page(300, stamp=False)).convert("L"), "PNG",
               icc_profile=grey)
    r, outs, why = menu_is_exact(tmp, png, [])
    if why:
        return why
    jpgs = [o for o in outs.values() if o[:2] == b"\xff\xd8"]
    if not jpgs or any(Image.open(io.BytesIO(o)).info.get("icc_profile")
                       != grey for o in jpgs):
        return "PNG's grey profile not on its %d JPEG variants" % len(jpgs)
    # a CMYK profile never labels the RGB pixels made from CMYK
    cmyk = page.convert("CMYK")
    r, outs, why = menu_is_exact(tmp, save(cmyk, "JPEG", quality=90,
                                           icc_profile=icc_profile(
                                               space=b"CMYK")), [])
    if why:
        return why
    if any("icc_profile" in Image.open(io.BytesIO(o)).info
           for o in outs.values()):
        return "a CMYK profile labels RGB variants"


@ecase("engine: a JPEG just over its share gets a lossless (progressive) "
       "variant with the same pixels; further over, none")
def _(tmp):
    from PIL import ImageChops
    data = save(noisy(a4_page(200), 6), "JPEG", quality=95)
    for share, want in ((0.95, True), (0.6, False)):
        args = ["--target", str(int(len(data) * share))]
        r, outs, why = menu_is_exact(tmp, data, args)
        if why:
            return why
        if ("lossless" in outs) != want:
            return "share %.2f: variants %s" % (share, r["variants"])
    # asked for by name (the daemon's second run), it is made whatever
    # the target
    r, got = run_filter(tmp, data, ["--variant", "lossless"])
    out = Image.open(io.BytesIO(got))
    if r["transform"] != "jpeg lossless rewrite" or \
            not out.info.get("progressive"):
        return "lossless is not progressive"
    if ImageChops.difference(out.convert("RGB"), Image.open(
            io.BytesIO(data)).convert("RGB")).getbbox() is not None:
        return "lossless pixels differ from the original"


@ecase("engine: clean JPEG keep is byte-identical, no transform")
def _(tmp):
    data = save(a4_page(150), "JPEG", quality=80)
    r, keep = run_filter(tmp, data, [])
    return None if keep == data and "transform" not in r else "changed: %r" % r.get("transform")


@ecase("engine: multi-page TIFF with a G4 page becomes a PDF, pages in order")
def _(tmp):
    p1 = a4_page(200)
    p2 = a4_page(200, stamp=False, seed=2).convert("L").point(
        lambda v: 255 if v > 128 else 0).convert("1")
    p3 = Image.new("RGB", p1.size, (250, 250, 250))
    ImageDraw.Draw(p3).rectangle((100, 100, 1500, 2000), fill=(10, 10, 10))
    tif = save(p1, "TIFF", compression="tiff_lzw", save_all=True,
               append_images=[p2, p3], dpi=(200, 200))
    r, outs, why = menu_is_exact(tmp, tif, [])
    if why:
        return why
    _, keep = run_filter(tmp, tif, [])
    for name, pdf in [("keep", keep)] + list(outs.items()):
        f = os.path.join(tmp, "o.pdf")
        open(f, "wb").write(pdf)
        n = subprocess.run(["qpdf", "--show-npages", f], capture_output=True,
                           text=True).stdout.strip()
        if n != "3":
            return "%s: %s pages" % (name, n)
        lst = subprocess.run(["pdfimages", "-list", f], capture_output=True,
                             text=True).stdout.split("\n")[2:5]
        kinds = [l.split()[8] for l in lst]
        if kinds != ["jpeg", "ccitt", "jpeg"]:
            return "%s: page images %s" % (name, kinds)
        subprocess.run(["pdftoppm", "-r", "10", "-gray", f,
                        os.path.join(tmp, "pg")], check=True)
        means = [sum(Image.open(os.path.join(tmp, "pg-%d.pgm" % i))
                     .getdata()) / 1e3 for i in (1, 2, 3)]
        if not means[2] < means[0]:
            return "%s: page order lost (%s)" % (name, means)


@ecase("engine: a TIFF's ICC profile goes into its PDF once, as ICCBased, "
       "for the colour pages")
def _(tmp):
    rgb = icc_profile(pad=2000)
    pages = [noisy(a4_page(200, seed=i), 6) for i in range(2)]
    tif = save(pages[0], "TIFF", compression="tiff_lzw", save_all=True,
               append_images=pages[1:], dpi=(200, 200), icc_profile=rgb)
    r, outs, why = menu_is_exact(tmp, tif, [])
    if why:
        return why
    _, keep = run_filter(tmp, tif, [])
    for name, pdf in [("keep", keep)] + list(outs.items()):
        colour = name == "keep" or name.endswith("c")
        want = (1, 2) if colour else (0, 0)
        got = (pdf.count(rgb), pdf.count(b"/ICCBased"))
        if got != want:
            return "%s: profile %d times, ICCBased %d times" % ((name,) + got)
        if len(pdf_render(tmp, pdf, 10)) != 2:
            return "%s does not render" % name


@ecase("engine: blank page is blank, a light text page is not; a blank "
       "page among others is named")
def _(tmp):
    blank = noisy(Image.new("RGB", (1654, 2339), (245, 244, 240)), 4)
    r, _ = run_filter(tmp, save(blank, "JPEG", quality=85), [])
    if r["status"] != "blank":
        return "blank page: %s" % r["status"]
    light = noisy(a4_page(200, stamp=False, ink=(190, 190, 190)), 4)
    r, _ = run_filter(tmp, save(light, "JPEG", quality=85), [])
    if r["status"] != "ok":
        return "light page: %s" % r["status"]
    if "page" in r:
        return "a single image names a page: %s" % r["page"]
    # mostly dark (a black box over 60% of it): its median is dark, and
    # it is still not blank
    dark = noisy(Image.new("RGB", (1654, 2339), (245, 244, 240)), 4)
    ImageDraw.Draw(dark).rectangle((100, 100, 1500, 2000), fill=(12, 12, 12))
    r, _ = run_filter(tmp, save(dark, "JPEG", quality=85), [])
    if r["status"] != "ok":
        return "a page mostly black: %s" % r["status"]
    # one blank page among three (a duplex scan's empty back): the file
    # is refused and the report names the page, as TIFF and as PDF
    pages = [noisy(a4_page(200), 4), blank, noisy(a4_page(200, seed=3), 4)]
    tif = save(pages[0], "TIFF", compression="tiff_lzw", save_all=True,
               append_images=pages[1:], dpi=(200, 200))
    for name, data in (("tiff", tif), ("pdf", scan_pdf(pages, 200))):
        r, _ = run_filter(tmp, data, ["--menu"])
        if r["status"] != "blank" or r.get("page") != "2":
            return "%s with a blank page 2: %s page %s" % (
                name, r["status"], r.get("page"))
    # the same blank page under a text layer is not blank
    pdf = pdf_one_page(b"q 595.28 0 0 841.89 0 0 cm /Im0 Do Q\n"
                       b"BT /F1 12 Tf 72 72 Td (x) Tj ET\n",
                       [("Im0", pdf_image(blank))])
    r, _ = run_filter(tmp, pdf, ["--menu"])
    if r["status"] != "ok":
        return "text over blank: %s" % r["status"]
    # nor is one with an annotation (typed-in text, a signature's stamp)
    pdf = pdf_build([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Count 1 /Kids [3 0 R] >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.28 841.89] "
        b"/Resources << /XObject << /Im0 5 0 R >> >> /Contents 4 0 R "
        b"/Annots [6 0 R] >>",
        pdf_stream(b"", b"q 595.28 0 0 841.89 0 0 cm /Im0 Do Q\n"),
        pdf_image(blank),
        b"<< /Type /Annot /Subtype /FreeText /Rect [72 72 300 100] "
        b"/Contents (Kz) /DA (/Helv 12 Tf 0 g) >>"])
    r, _ = run_filter(tmp, pdf, ["--menu"])
    return None if r["status"] == "ok" else "annotated blank: %s" % r["status"]


@ecase("engine: 50 dpi page is lowres")
def _(tmp):
    r, _ = run_filter(tmp, save(a4_page(50), "JPEG"), [])
    return None if r["status"] == "lowres" else r["status"]


@ecase("engine: photo_3x4 keeps colour, variants sized by pixels")
def _(tmp):
    im = Image.new("RGB", (1200, 1600), (90, 120, 170))
    d = ImageDraw.Draw(im)
    d.ellipse((300, 300, 900, 1100), fill=(225, 180, 150))
    d.rectangle((200, 1100, 1000, 1600), fill=(40, 60, 110))
    im = noisy(im, 10)
    r, outs, why = menu_is_exact(tmp, save(im, "JPEG", quality=95), ["--photo"])
    if why:
        return why
    o = Image.open(io.BytesIO(list(outs.values())[0]))
    return None if o.size == (600, 800) and o.mode == "RGB" else "%s %s" % (o.size, o.mode)


@ecase("engine: CMYK and Adobe-inverted CMYK JPEGs convert to RGB")
def _(tmp):
    im = a4_page(200)
    ImageDraw.Draw(im).rectangle((100, 100, 600, 600), fill=(220, 30, 30))
    r, outs, why = menu_is_exact(tmp, save(im.convert("CMYK"), "JPEG",
                                           quality=90), [])
    if why:
        return why
    o = Image.open(io.BytesIO(list(outs.values())[0])).convert("RGB")
    red = o.getpixel((int(350 * o.size[0] / im.size[0]),) * 2)
    return None if red[0] > 150 and red[1] < 110 else "red became %s" % (red,)


@ecase("engine: PNG RGBA, interlaced and 16-bit give JPEG variants")
def _(tmp):
    im = noisy(a4_page(200), 6).convert("RGBA")
    for data in (save(im, "PNG"), png_interlaced(im.convert("RGB")),
                 save(im.convert("L").convert("I").point(lambda v: v * 257),
                      "PNG")):
        r, outs, why = menu_is_exact(tmp, data, [])
        if why:
            return why
        if not outs or any(o[:2] != b"\xff\xd8" for o in outs.values()):
            return "no JPEG variants"


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


@ecase("engine: few-colour PNG: a lossless variant, same pixels, smaller")
def _(tmp):
    from PIL import ImageChops
    for im, mode in ((certificate(), "RGB"), (certificate(alpha=True), "RGB"),
                     (certificate(smooth=False), "P")):
        data = save(im, "PNG", compress_level=1, dpi=(150, 150))
        r, outs, why = menu_is_exact(tmp, data, [])
        if why:
            return why
        v = {vid: (size, rank) for vid, size, rank in r["variants"]}
        if "lossless" not in v or v["lossless"][1] != 99:
            return "no lossless variant at rank 99: %s" % r["variants"]
        if r["where"]["lossless"][1] != "png":
            return "lossless is %s" % (r["where"]["lossless"],)
        out = Image.open(io.BytesIO(outs["lossless"]))
        if out.mode != mode or out.info.get("dpi", (0, 0))[0] < 149:
            return "lossless is %s with %s dpi" % (out.mode,
                                                 out.info.get("dpi"))
        if ImageChops.difference(out.convert("RGB"),
                                 on_white(im)).getbbox() is not None:
            return "lossless pixels differ from the original on white"
        rv, _ = run_filter(tmp, data, ["--variant", "lossless"])
        if rv["transform"] != "png lossless rewrite":
            return "transform %r" % rv["transform"]
    # many colours (a photo) or 16 bits: no lossless variant
    for data in (save(noisy(certificate(), 8), "PNG"),
                 save(certificate().convert("L").convert("I").point(
                     lambda x: x * 257), "PNG")):
        r, _ = run_filter(tmp, data, ["--menu"])
        if any(vid == "lossless" for vid, _, _ in r["variants"]):
            return "a lossless variant of %s" % r["variants"]


@ecase("engine: PNG keep drops text chunks and what follows IEND")
def _(tmp):
    from PIL import PngImagePlugin
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret-location")
    data = save(a4_page(120), "PNG", pnginfo=info) + b"PAYLOAD"
    r, keep = run_filter(tmp, data, [])
    if b"secret-location" in keep or b"PAYLOAD" in keep:
        return "kept"
    Image.open(io.BytesIO(keep)).load()


@ecase("engine: PNG 1x50000 is lowres, not a crash")
def _(tmp):
    im = Image.new("L", (1, 50000), 255)
    ImageDraw.Draw(im).line((0, 100, 0, 200), fill=0)
    r, _ = run_filter(tmp, save(im, "PNG"), ["--menu"])
    return None if r["status"] == "lowres" else r["status"]


@ecase("engine: 16-bit CMYK TIFF becomes RGB pages that look like it")
def _(tmp):
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
        return why
    _, keep = run_filter(tmp, data, [])
    for name, pdf in [("keep", keep)] + list(outs.items()):
        got = pdf_render(tmp, pdf, 100)
        if len(got) != 1 or mean_diff(got[0], page) > 3:
            return "%s does not look like the page (%.1f)" % (
                name, mean_diff(got[0], page) if got else -1)
    # cut short: corrupt, with a reason
    r, _ = run_filter(tmp, data[:-5000], ["--menu"])
    if r["status"] != "corrupt" or not r.get("detail"):
        return "cut short: %s %s" % (r["status"], r.get("detail"))


@ecase("engine: scanned PDF: keep is the PDF as is")
def _(tmp):
    pdf = save(a4_page(150), "PDF", resolution=150.0)
    r, keep = run_filter(tmp, pdf, ["--menu"])
    if keep != pdf or r["variants"][0] != ("keep", len(pdf), 100):
        return "keep changed the PDF"
    if r.get("out_type") != "application/pdf":
        return "out_type %s" % r.get("out_type")


@ecase("engine: PDF lossless rewrite is exact and keeps the pages; signed PDF only keep")
def _(tmp):
    pages = [a4_page(100, seed=i) for i in range(3)]
    pdf = save(pages[0], "PDF", resolution=100.0, save_all=True,
               append_images=pages[1:])
    r, outs, why = menu_is_exact(tmp, pdf, [])
    if why:
        return why
    # lossy variants follow (the page images recompressed): below.
    if [v[0] for v in r["variants"]][:2] != ["keep", "lossless"]:
        return "menu %s" % r["variants"]
    f = os.path.join(tmp, "o.pdf")
    open(f, "wb").write(outs["lossless"])
    n = subprocess.run(["qpdf", "--show-npages", f], capture_output=True,
                       text=True).stdout.strip()
    if n != "3":
        return "%s pages" % n
    signed = pdf[:-6] + b"% /Type /Sig /ByteRange [0 10 20 30]\n%%EOF\n"
    r, keep = run_filter(tmp, signed, ["--menu"])
    if len(r["variants"]) != 1 or keep != signed:
        return "signed PDF: %s" % r["variants"]


# ---- PDF page images (fmt_pdf.c, pdf_images.c, pdf_place.c) ----



def pdf_image(im, **kw):
    """An image XObject: DCT for 'jpeg', else Flate of the raw pixels;
    extra dictionary entries in kw['extra']."""
    cs = {"RGB": b"/DeviceRGB", "L": b"/DeviceGray", "CMYK": b"/DeviceCMYK"}[im.mode]
    if kw.get("jpeg", True):
        data, f = save(im, "JPEG", quality=92), b"/DCTDecode"
    else:
        data, f = zlib.compress(im.tobytes()), b"/FlateDecode"
    d = b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s " \
        b"/BitsPerComponent 8 /Filter %s %s" % (im.size[0], im.size[1], cs, f,
                                                kw.get("extra", b""))
    return pdf_stream(d, data)


def pdf_one_page(content, xobjects, extra_objs=(), catalog_extra=b"",
                 media=(595.28, 841.89)):
    """Catalog 1, pages 2, page 3, content 4, then xobjects (name, obj)
    from 5 on, then extra_objs."""
    xo = b" ".join(b"/%s %d 0 R" % (n.encode(), 5 + i)
                   for i, (n, _) in enumerate(xobjects))
    objs = [b"<< /Type /Catalog /Pages 2 0 R %s>>" % catalog_extra,
            b"<< /Type /Pages /Count 1 /Kids [3 0 R] >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] "
            b"/Resources << /XObject << %s >> /Font << /F1 << /Type /Font "
            b"/Subtype /Type1 /BaseFont /Helvetica >> >> >> /Contents 4 0 R >>"
            % (media[0], media[1], xo),
            pdf_stream(b"", content)]
    return pdf_build(objs + [o for _, o in xobjects] + list(extra_objs))


def pdf_images_of(tmp, pdf):
    """pdfimages -list rows: (page, type, w, h, color, enc)."""
    f = os.path.join(tmp, "l.pdf")
    open(f, "wb").write(pdf)
    rows = subprocess.run(["pdfimages", "-list", f], capture_output=True,
                          text=True, check=True).stdout.split("\n")[2:]
    return [(int(c[0]), c[2], int(c[3]), int(c[4]), c[5], c[8])
            for c in (r.split() for r in rows if r.strip())]


def pdf_render(tmp, pdf, dpi):
    """Each page rendered by pdftoppm, as PIL images."""
    f, pre = os.path.join(tmp, "r.pdf"), os.path.join(tmp, "rp")
    open(f, "wb").write(pdf)
    for old in os.listdir(tmp):
        if old.startswith("rp-"):
            os.remove(os.path.join(tmp, old))
    subprocess.run(["pdftoppm", "-r", str(dpi), f, pre], check=True)
    names = sorted(n for n in os.listdir(tmp) if n.startswith("rp-"))
    return [Image.open(os.path.join(tmp, n)).convert("RGB") for n in names]


def pdf_text(tmp, pdf):
    f = os.path.join(tmp, "t.pdf")
    open(f, "wb").write(pdf)
    return subprocess.run(["pdftotext", f, "-"], capture_output=True,
                          text=True).stdout


def scan_pdf(pages, dpi=300):
    return save(pages[0], "PDF", save_all=True, append_images=pages[1:],
                resolution=float(dpi))


def mean_diff(a, b):
    """Mean grey difference of two pictures brought to 100 x 141."""
    a, b = a.convert("L").resize((100, 141)), b.convert("L").resize((100, 141))
    return sum(abs(x - y) for x, y in zip(a.getdata(), b.getdata())) / 14100


@ecase("pdf: 300 dpi colour scan, 3 pages: exact menu, 150 dpi images, pages in order, stamp blue")
def _(tmp):
    a4 = (0, 0, 2480, 3508)     # A4 at 300 dpi, as scanners make it
    pages = [noisy(a4_page(300, seed=i).crop(a4), 6) for i in range(3)]
    pages[1] = noisy(a4_page(300, seed=1, stamp=False).crop(a4), 6)  # grey
    pdf = scan_pdf(pages)
    r, outs, why = menu_is_exact(tmp, pdf, [])
    if why:
        return why
    if r["color"] != "1" or r["dpi"] != "300":
        return "color %s dpi %s" % (r["color"], r["dpi"])
    ids = [v[0] for v in r["variants"]]
    if ids[:2] != ["keep", "lossless"] or not all(
            i.endswith("c") for i in ids[2:]) or len(ids) < 5:
        return "menu %s" % ids
    v150 = [k for k in outs if k.startswith("d150")][0]
    imgs = pdf_images_of(tmp, outs[v150])
    if [(p, w, h) for p, _, w, h, _, _ in imgs] != [(1, 1240, 1754), (2, 1240, 1754), (3, 1240, 1754)]:
        return "%s images %s" % (v150, imgs)
    if [c for _, _, _, _, c, _ in imgs] != ["rgb", "gray", "rgb"]:
        return "%s colours %s (page 2 has no colour)" % (v150, imgs)
    if any(e != "jpeg" for *_, e in imgs):
        return "not DCT: %s" % imgs
    for vid in (v150, ids[2]):
        got = pdf_render(tmp, outs[vid], 75)
        if len(got) != 3:
            return "%s: %d pages" % (vid, len(got))
        for i, (g, p) in enumerate(zip(got, pages)):
            others = [mean_diff(g, q) for q in pages]
            if others.index(min(others)) != i or others[i] > 6:
                return "%s page %d: diffs %s" % (vid, i + 1, others)
        hi = pdf_render(tmp, outs[vid], 150)[0]
        n = blue_pixels(hi, stamp_box(hi))
        if n < 200:
            return "%s: the stamp lost its blue (%d blue pixels)" % (vid, n)


@ecase("pdf: text-only scan goes grey")
def _(tmp):
    pdf = scan_pdf([noisy(a4_page(300, stamp=False, seed=i), 6) for i in range(2)])
    r, outs, why = menu_is_exact(tmp, pdf, [])
    if why:
        return why
    lossy = [v for v in outs if v != "lossless"]
    if r["color"] != "0" or not lossy or any(not k.endswith("g") for k in lossy):
        return "color %s, variants %s" % (r["color"], list(outs))
    for k in lossy:
        if any(c != "gray" for _, _, _, _, c, _ in pdf_images_of(tmp, outs[k])):
            return "%s is not grey" % k


@ecase("pdf: text layer kept; image placed by cm sized from it")
def _(tmp):
    # A 200 dpi A4 scan drawn on the top half of the page (on half the
    # width): 400 dpi as placed, so 150 dpi is 620x877 pixels.
    im = noisy(a4_page(200), 6)
    content = (b"q 297.64 0 0 420.94 0 420.94 cm /Im0 Do Q\n"
               b"BT /F1 18 Tf 72 200 Td (Qujat text layer 42) Tj ET\n")
    pdf = pdf_one_page(content, [("Im0", pdf_image(im))])
    r, outs, why = menu_is_exact(tmp, pdf, [])
    if why:
        return why
    v150 = [k for k in outs if k.startswith("d150")]
    if not v150:
        return "no 150 dpi variant: %s" % list(outs)
    imgs = pdf_images_of(tmp, outs[v150[0]])
    if abs(imgs[0][2] - 620) > 1 or abs(imgs[0][3] - 877) > 1:
        return "placed image at 150 dpi is %s" % (imgs[0],)
    for k, out in outs.items():
        if "Qujat text layer 42" not in pdf_text(tmp, out):
            return "%s lost the text layer" % k


@ecase("pdf: signed (ByteRange or /Sig field) gets only keep")
def _(tmp):
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
            return "%s: %s %s" % (name, r["status"], r["variants"])
        r, out = run_filter(tmp, data, ["--variant", "d150q55c"])
        if r["status"] == "ok":
            return "%s: a variant was written" % name
    r, _ = run_filter(tmp, sigfield.replace(b"/FT /Sig", b"/FT /Tx "), ["--menu"])
    if len(r["variants"]) < 3:
        return "unsigned twin: %s" % r["variants"]


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
    return pdf_stream(d, zlib.compress(b"".join(rows))), q.convert("RGB")


@ecase("pdf: Indexed scans (8-bit RGB, 4-bit grey) are re-encoded in their "
       "base colours; out-of-range indexes clamp")
def _(tmp):
    page = noisy(a4_page(300), 6)
    rgb8, want8 = pdf_indexed(page, 8)
    grey4, want4 = pdf_indexed(page, 4, b"/DeviceGray")
    # 4 bits, hival 7, stored without a filter (large, so worth
    # re-encoding): the left half index 3, the right half 12, which takes
    # colour 7 (yellow), not 0 (blue)
    lut = b"".join(bytes((i * 36, i * 36, 255 - i * 36)) for i in range(8))
    clamp = pdf_stream(b"/Type /XObject /Subtype /Image /Width 1240 "
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
    objs += [rgb8, grey4, clamp] + [pdf_stream(b"", full % n) for n in names]
    pdf = pdf_build(objs)
    r, outs, why = menu_is_exact(tmp, pdf, [])
    if why:
        return why
    top = [v for v, _, _ in r["variants"] if v.startswith("d200")]
    if not top or top[0] not in outs:
        return "no 200 dpi variant: %s" % r["variants"]
    top = top[0]
    rows = pdf_images_of(tmp, outs[top])
    if [(c[1], c[4], c[5]) for c in rows] != [
            ("image", "rgb", "jpeg"), ("image", "gray", "jpeg"),
            ("image", "rgb", "jpeg")]:
        return "images %s" % rows
    before, after = pdf_render(tmp, pdf, 50), pdf_render(tmp, outs[top], 50)
    for i, (a, b) in enumerate(zip(before, after)):
        d = mean_diff(a, b)
        if d > 3:
            return "page %d differs by %.1f after re-encoding" % (i + 1, d)
    # a lookup shorter than hival + 1 colours: left exactly as it is
    q = page.quantize(256)
    d = b"/Type /XObject /Subtype /Image /Width %d /Height %d " \
        b"/ColorSpace [/Indexed /DeviceRGB 255 <%s>] /BitsPerComponent 8 " \
        b"/Filter /FlateDecode" % (q.size[0], q.size[1],
                                   bytes(q.getpalette()[:30]).hex().encode())
    short = pdf_one_page(b"q 595.28 0 0 841.89 0 0 cm /Im0 Do Q\n",
                         [("Im0", pdf_stream(d, zlib.compress(q.tobytes())))])
    r, _ = run_filter(tmp, short, ["--menu"])
    if r["status"] != "ok" or [v for v, _, _ in r["variants"]
                               if v not in ("keep", "lossless")]:
        return "a short lookup was judged or re-encoded: %s %s" % (
            r["status"], r["variants"])
    # the renderer's view of page A is what the palette says
    if mean_diff(before[0], want8.resize(before[0].size)) > 3:
        return "the test's own page A is not what it drew"
    w, h = after[2].size
    right = after[2].crop((w * 3 // 4 - 5, h // 2 - 5, w * 3 // 4 + 5,
                           h // 2 + 5)).resize((1, 1), Image.BOX).getpixel((0, 0))
    if abs(right[0] - 252) > 12 or right[2] > 20:
        return "page C's clamped half is %s, not colour 7" % (right,)


@ecase("pdf: images with /SMask, Flate CMYK, 1-bit and 16-bit left as they are")
def _(tmp):
    rgb = noisy(a4_page(200), 6)
    mask = Image.new("L", rgb.size, 255)
    cmyk = noisy(a4_page(200, seed=3), 6).convert("CMYK")
    bits = a4_page(200, seed=4).convert("1")
    smask = pdf_stream(b"/Type /XObject /Subtype /Image /Width %d /Height %d "
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
    bw = pdf_stream(b"/Type /XObject /Subtype /Image /Width %d /Height %d "
                    b"/ColorSpace /DeviceGray /BitsPerComponent 1 "
                    b"/Filter /FlateDecode" % bits.size,
                    zlib.compress(bits.tobytes()))
    s16 = pdf_stream(b"/Type /XObject /Subtype /Image /Width 400 /Height 566 "
                     b"/ColorSpace /DeviceGray /BitsPerComponent 16 "
                     b"/Filter /FlateDecode",
                     zlib.compress(g16.tobytes() * 2))
    objs += [pdf_image(rgb, jpeg=False, extra=b"/SMask 18 0 R"),
             pdf_image(cmyk, jpeg=False, extra=b"/Decode [1 0 1 0 1 0 1 0]"),
             bw, s16,
             pdf_image(rgb)]
    objs += [pdf_stream(b"", full % n.encode() if n != "Sx" else
                        b"q 200 0 0 283 72 72 cm /Sx Do Q\n") for n in names]
    objs.append(smask)
    pdf = pdf_build(objs)
    r, outs, why = menu_is_exact(tmp, pdf, [])
    if why:
        return why
    before = pdf_images_of(tmp, pdf)
    lossy = [k for k in outs if k != "lossless"]
    if not lossy:
        return "no lossy variant: %s" % r["variants"]
    after = pdf_images_of(tmp, outs[lossy[-1]])
    if len(after) != 6 or after[:5] != before[:5]:
        return "changed:\n%s\n%s" % (before, after)
    if after[5][5] != "jpeg" or after[5][2] >= rgb.size[0]:
        return "the plain image was not recompressed: %s" % (after[5],)
    f = os.path.join(tmp, "c.pdf")
    open(f, "wb").write(outs[lossy[-1]])
    if subprocess.run(["qpdf", "--check", f], capture_output=True).returncode:
        return "qpdf --check fails"


def gs_render(tmp, pdf, dpi):
    """Each page rendered by Ghostscript, as PIL images."""
    f, pre = os.path.join(tmp, "g.pdf"), os.path.join(tmp, "gp")
    open(f, "wb").write(pdf)
    subprocess.run(["gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE",
                    "-sDEVICE=ppmraw", "-r%d" % dpi,
                    "-sOutputFile=%s-%%d.ppm" % pre, f], check=True)
    names = sorted(n for n in os.listdir(tmp) if n.startswith("gp-"))
    out = [Image.open(os.path.join(tmp, n)).convert("RGB") for n in names]
    for n in names:
        os.remove(os.path.join(tmp, n))
    return out


@ecase("pdf: CMYK DCT scans (Adobe's, with and without /Decode) stay CMYK "
       "and look the same in poppler and Ghostscript")
def _(tmp):
    page = noisy(a4_page(200), 6)
    inverted = scan_pdf([page.convert("CMYK")], 200)   # PIL: Adobe + /Decode
    # the same Adobe JPEG without /Decode: viewers show it as stored
    plain = pdf_one_page(b"q 595.28 0 0 841.89 0 0 cm /Im0 Do Q\n",
                         [("Im0", pdf_image(page.convert("CMYK")))])
    for name, pdf in (("inverted", inverted), ("plain", plain)):
        r, outs, why = menu_is_exact(tmp, pdf, [])
        if why:
            return "%s: %s" % (name, why)
        lossy = [k for k in outs if k != "lossless"]
        if not lossy:
            return "%s: no lossy variant: %s" % (name, r["variants"])
        for k in lossy[:1] + lossy[-1:]:
            rows = pdf_images_of(tmp, outs[k])
            if [(c[4], c[5]) for c in rows] != [("cmyk", "jpeg")]:
                return "%s %s: images %s" % (name, k, rows)
            for render in (pdf_render, gs_render):
                a, b = render(tmp, pdf, 40), render(tmp, outs[k], 40)
                d = mean_diff(a[0], b[0])
                if d > 3:
                    return "%s %s: %s sees it differ by %.1f" % (
                        name, k, render.__name__, d)


@ecase("pdf: blank scan is blank; with a text layer it is not; 50 dpi is lowres")
def _(tmp):
    blank = noisy(Image.new("RGB", (1654, 2339), (245, 244, 240)), 4)
    r, _ = run_filter(tmp, scan_pdf([blank, blank], 200), ["--menu"])
    if r["status"] != "blank":
        return "blank scan: %s" % r["status"]
    pdf = pdf_one_page(b"q 595.28 0 0 841.89 0 0 cm /Im0 Do Q\n"
                       b"BT /F1 12 Tf 72 72 Td (x) Tj ET\n",
                       [("Im0", pdf_image(blank))])
    r, _ = run_filter(tmp, pdf, [])
    if r["status"] != "ok":
        return "blank scan with text: %s" % r["status"]
    r, _ = run_filter(tmp, scan_pdf([a4_page(50)], 50), [])
    return None if r["status"] == "lowres" else "50 dpi: %s" % r["status"]


@ecase("pdf: qujat compress fits a 3-page scan into 1 MB, output opens")
def _(tmp):
    qujat = os.path.join(BUILD, "qujat")
    if not os.access(qujat, os.X_OK):
        return "no %s" % qujat
    src, out = os.path.join(tmp, "scan.pdf"), os.path.join(tmp, "cout")
    open(src, "wb").write(scan_pdf([noisy(a4_page(300, seed=i), 6)
                                    for i in range(3)]))
    env = dict(os.environ)
    env.setdefault("QUJAT_CONF", os.path.join(ROOT, "conf", "qujat.conf"))
    p = subprocess.run([qujat, "compress", src, "-o", out, "--budget",
                        "1000000", "--json"], capture_output=True, text=True,
                       timeout=300, env=env)
    got = os.path.join(out, "scan.pdf")
    if p.returncode or not os.path.exists(got):
        return "exit %d: %s" % (p.returncode, (p.stdout + p.stderr)[-300:])
    data = open(got, "rb").read()
    if len(data) > 1000000:
        return "%d bytes" % len(data)
    rep = json.loads(p.stdout)
    if rep["decision"] != "accepted" or rep["bytes_out"] != len(data):
        return "report: %s" % {k: rep[k] for k in ("decision", "bytes_out")}
    n = len(pdf_render(tmp, data, 20))
    return None if n == 3 else "%d pages" % n


def best_worst(menus, budget):
    """The highest legibility the least legible file can have within
    budget, by trying every combination of the full menus."""
    import itertools
    best = -1
    for combo in itertools.product(*menus):
        if sum(v[1] for v in combo) <= budget:
            best = max(best, min(v[2] for v in combo))
    return best


@ecase("plan: qujat compress gives the worst page the best legibility the "
       "full menus allow, even when a share cut a menu short")
def _(tmp):
    qujat = os.path.join(BUILD, "qujat")
    # A PDF already at q75 (shrinks little) beside a q95 JPEG (shrinks a
    # lot): shares by input bytes cut the JPEG's menu too early.
    pages = [noisy(a4_page(300, seed=i), 6) for i in range(3)]
    files = {"doc.pdf": save(pages[0], "PDF", resolution=300.0, quality=75,
                             save_all=True, append_images=pages[1:]),
             "scan.jpg": save(noisy(a4_page(300, seed=7), 6), "JPEG",
                              quality=95)}
    menus = []
    for name, data in files.items():
        open(os.path.join(tmp, name), "wb").write(data)
        r, _ = run_filter(tmp, data, ["--menu"])
        menus.append(r["variants"])
    total = sum(len(d) for d in files.values())
    env = dict(os.environ)
    env.setdefault("QUJAT_CONF", os.path.join(ROOT, "conf", "qujat.conf"))
    for share in (0.2, 0.25, 0.3, 0.4):
        budget = int(total * share)
        want = best_worst(menus, budget)
        out = os.path.join(tmp, "plan%d" % budget)
        p = subprocess.run([qujat, "compress"] +
                           [os.path.join(tmp, n) for n in files] +
                           ["-o", out, "--budget", str(budget), "--json"],
                           capture_output=True, text=True, timeout=300,
                           env=env)
        rep = json.loads(p.stdout)
        if want < 0:
            if rep["decision"] == "accepted":
                return "budget %d: accepted, nothing fits" % budget
            continue
        got = min(f["legibility"] for f in rep["files"])
        if rep["bytes_out"] > budget or got != want:
            return "budget %d: worst %d (best %d), %d bytes: %s" % (
                budget, got, want, rep["bytes_out"],
                [(f["file"], f["variant"]) for f in rep["files"]])


# ---- the menu in fd 3 (report.h: OFFSET, EXT, --target) ----

def target_stops_menu(tmp, data):
    """--target the third variant's size: the menu is the full one's first
    three, menu_partial 1, the same bytes; --target 1 (nothing fits): the
    whole menu, not partial."""
    full, _ = run_filter(tmp, data, ["--menu"])
    v = full["variants"]
    if len(v) < 4:
        return "short menu: %s" % v
    r, _ = run_filter(tmp, data, ["--menu", "--target", str(v[2][1])])
    if r["variants"] != v[:3] or r.get("menu_partial") != "1":
        return "--target %d: %s, partial %s" % (v[2][1], r["variants"],
                                                r.get("menu_partial"))
    for vid, size, rank in v[1:3]:
        o, f = r["where"][vid], full["where"][vid]
        if r["fd3"][o[0]:o[0] + size] != full["fd3"][f[0]:f[0] + size]:
            return "%s differs from the full menu's" % vid
    r, _ = run_filter(tmp, data, ["--menu", "--target", "1"])
    if r["variants"] != v or "menu_partial" in r:
        return "--target 1 (nothing fits): %s %s" % (r["variants"],
                                                     r.get("menu_partial"))
    return None


def menu_offsets_exact(tmp, data, args, ext):
    """With --menu, keep is at 0 and each variant's bytes sit at its
    OFFSET in fd 3, back to back, exactly what --variant ID writes."""
    r, keep = run_filter(tmp, data, args + ["--menu"])
    fd3, where = r["fd3"], r["where"]
    if r["status"] != "ok" or len(r["variants"]) < 3:
        return r, "no menu: %s" % r
    if where.get("keep") != (0, r["out_ext"]) or fd3[:len(keep)] != keep:
        return r, "keep at %s" % (where.get("keep"),)
    end = 0
    for vid, size, rank in r["variants"]:
        if vid not in where:
            return r, "%s: no OFFSET" % vid
        off, e = where[vid]
        if off != end:
            return r, "%s at %d, the previous ends at %d" % (vid, off, end)
        end = off + size
        if vid == "keep":
            continue
        if e != ext:
            return r, "%s: ext %s, want %s" % (vid, e, ext)
        rv, out = run_filter(tmp, data, args + ["--variant", vid])
        if fd3[off:end] != out:
            return r, "%s: fd 3 [%d, %d) is not what --variant writes" % (
                vid, off, end)
    if end != len(fd3):
        return r, "fd 3 has %d bytes, the variants end at %d" % (len(fd3), end)
    return r, None


@ecase("menu: JPEG variants in fd 3 at their OFFSET, same bytes as --variant")
def _(tmp):
    data = save(noisy(a4_page(300)), "JPEG", quality=90)
    return menu_offsets_exact(tmp, data, [], "jpg")[1]


@ecase("menu: 2-page TIFF variants in fd 3 at their OFFSET, as PDFs")
def _(tmp):
    a, b = noisy(a4_page(200, seed=3)), noisy(a4_page(200, stamp=False, seed=4))
    data = save(a, "TIFF", compression="tiff_lzw", save_all=True,
                append_images=[b])
    return menu_offsets_exact(tmp, data, [], "pdf")[1]


@ecase("menu: --target stops after the first variant that small, menu_partial 1")
def _(tmp):
    return target_stops_menu(tmp, save(noisy(a4_page(300)), "JPEG",
                                       quality=90))


@ecase("engine: a page JPEG cut short (EOI appended) is corrupt in every mode")
def _(tmp):
    data = save(noisy(a4_page(200)), "JPEG", quality=90)
    cut = data[:len(data) // 2] + b"\xff\xd9"
    for args in ([], ["--menu"], ["--menu", "--target", "1000"],
                 ["--probe-only"], ["--variant", "d150q70g"]):
        r, out = run_filter(tmp, cut, args)
        if r["status"] != "corrupt":
            return "%s: %s (%s)" % (args, r["status"], r.get("detail"))
        if out:
            return "%s: %d bytes written" % (args, len(out))
    return None


@ecase("menu: PDF variants in fd 3 at their OFFSET, same bytes as --variant")
def _(tmp):
    data = scan_pdf([noisy(a4_page(300, seed=7), 6)])
    return menu_offsets_exact(tmp, data, [], "pdf")[1]


@ecase("menu: PDF --target stops after the first variant that small, menu_partial 1")
def _(tmp):
    return target_stops_menu(tmp, scan_pdf([noisy(a4_page(300, seed=8),
                                                   6)]))


@ecase("pdf: bytes after the last %%EOF cut (updates and signed ranges kept)")
def _(tmp):
    pdf = pdf_one_page(b"BT /F1 24 Tf 72 720 Td (Cut) Tj ET", [])
    z = io.BytesIO()
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("x.txt", "payload " * 50)
    body = pdf[:-6]                      # without "%%EOF\n"
    for eol in (b"\n", b"\r\n", b"\r"):
        doc = body + b"%%EOF" + eol
        r, keep = run_filter(tmp, doc + z.getvalue(), [])
        if r["status"] != "ok" or keep != doc:
            return "eol %r: %s, keep %d of %d" % (eol, r["status"], len(keep),
                                                 len(doc))
        if "trailing data removed" not in r.get("transform", ""):
            return "eol %r: transform %r" % (eol, r.get("transform"))
    r, keep = run_filter(tmp, pdf, [])
    if keep != pdf or "transform" in r:
        return "clean PDF changed: %r" % r.get("transform")
    # an incremental update after the first %%EOF is the document
    upd = pdf + b"5 0 obj\n(update)\nendobj\n%%EOF\n"
    r, keep = run_filter(tmp, upd + z.getvalue(), ["--menu"])
    if keep != upd or r["fd3"][:len(upd)] != upd or b"PK\x03\x04" in r["fd3"]:
        return "update: keep %d of %d, payload in fd 3 %s" % (
            len(keep), len(upd), b"PK\x03\x04" in r["fd3"])
    # signed: cut only when the signed ranges end before the cut
    signed = pdf[:-6] + b"% /Type /Sig /ByteRange [0 10 20 30]\n%%EOF\n"
    r, keep = run_filter(tmp, signed + z.getvalue(), ["--menu"])
    if keep != signed or len(r["variants"]) != 1:
        return "signed: keep %d of %d, %s" % (len(keep), len(signed),
                                              r["variants"])
    over = pdf[:-6] + b"%% /ByteRange [0 10 20 %d]\n%%EOF\n" % (len(pdf) + 400)
    r, keep = run_filter(tmp, over + z.getvalue(), [])
    if keep != over + z.getvalue():
        return "a signature over the payload was cut"
    return None


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


@ecase("pdf: streams through LZW, RunLength, ASCII85, ASCIIHex, PNG predictors decode as in QPDF")
def _(tmp):
    import base64
    im = noisy(a4_page(150, seed=9), 6).resize((620, 877))
    w, h = im.size
    raw = im.tobytes()
    rows = b"".join(b"\x02" + bytes((raw[y * w * 3 + k] - (raw[(y - 1) * w * 3 + k] if y else 0)) & 255
                                    for k in range(w * 3)) for y in range(h))
    png = zlib.compress(rows)
    content = b"q 595.28 0 0 841.89 0 0 cm /Im0 Do Q\n"
    cases = {
        "flate png predictor": (b"", content, b"/FlateDecode /DecodeParms << /Predictor 12 "
                                b"/Colors 3 /Columns %d >>" % w, png),
        "lzw + a85 content, rl image": (b"/Filter [/ASCII85Decode /LZWDecode]",
                                        base64.a85encode(lzw_encode(content)) + b"~>",
                                        b"/RunLengthDecode", rl_encode(raw)),
        "ahx content, lzw image": (b"/Filter /ASCIIHexDecode", content.hex().encode() + b">",
                                   b"/LZWDecode", lzw_encode(raw)),
    }
    for name, (cf, cdata, imf, imdata) in cases.items():
        img = pdf_stream(b"/Type /XObject /Subtype /Image /Width %d /Height %d "
                         b"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter %s"
                         % (w, h, imf), imdata)
        pdf = pdf_one_page(b"", [("Im0", img)]).replace(
            b"<<  /Length %d >>\nstream\n\nendstream" % 0,
            pdf_stream(cf, cdata))
        # the xref is off now: QPDF recovers it, as it does for any upload
        r, outs, why = menu_is_exact(tmp, pdf, ["--low-dpi", "50"])
        if why:
            return "%s: %s" % (name, why)
        if int(r.get("dpi", 0)) != 75:
            return "%s: dpi %s (content or image not read)" % (name, r.get("dpi"))
        lossy = [v for v, _, _ in r["variants"] if v.startswith("d")]
        if not lossy:
            return "%s: image not recompressed: %s" % (name, r["variants"])
        d = mean_diff(pdf_render(tmp, outs[lossy[0]], 30)[0], im)
        if d > 12:
            return "%s: rendered variant differs by %.1f" % (name, d)
    return None


@ecase("pdf: owner password only: recompressed, still encrypted with the "
       "same restrictions, same pages")
def _(tmp):
    pages = [noisy(a4_page(300, seed=i), 6) for i in range(2)]
    pdf = qpdf(["--encrypt", "", "secret", "256", "--print=none",
                "--modify=none"], scan_pdf(pages), tmp)
    r, outs, why = menu_is_exact(tmp, pdf, [])
    if why:
        return why
    lossy = [k for k in outs if k != "lossless"]
    if not lossy:
        return "no lossy variant: %s" % r["variants"]

    def encryption(data):
        f = os.path.join(tmp, "e.pdf")
        open(f, "wb").write(data)
        return subprocess.run(["qpdf", "--show-encryption", f],
                              capture_output=True, text=True).stdout
    want = encryption(pdf)
    if "R = 6" not in want or "print high resolution: not allowed" not in want:
        return "the test's own file: %s" % want
    for k in lossy[:1] + lossy[-1:]:
        if encryption(outs[k]) != want:
            return "%s: encryption %s" % (k, encryption(outs[k]))
        a, b = pdf_render(tmp, pdf, 30), pdf_render(tmp, outs[k], 30)
        if len(b) != 2 or max(mean_diff(x, y) for x, y in zip(a, b)) > 3:
            return "%s: pages differ" % k


@ecase("pdf: Flate bombs in content, form and image: limit stream, quickly")
def _(tmp):
    import time
    bomb = zlib.compress(b"\0" * (64 << 20), 9)
    content = pdf_stream(b"/Filter /FlateDecode", bomb)
    form = pdf_stream(b"/Type /XObject /Subtype /Form /BBox [0 0 10 10] "
                      b"/Filter /FlateDecode", bomb)
    image = pdf_stream(b"/Type /XObject /Subtype /Image /Width 100 /Height 100 "
                       b"/ColorSpace /DeviceGray /BitsPerComponent 8 "
                       b"/Filter [/FlateDecode /FlateDecode]", zlib.compress(bomb))
    ok = pdf_one_page(b"BT /F1 24 Tf 72 720 Td (x) Tj ET", [])
    for name, pdf in (
            ("content", ok.replace(pdf_stream(b"", b"BT /F1 24 Tf 72 720 Td (x) Tj ET"),
                                   content)),
            ("form", pdf_one_page(b"/Fm0 Do", [("Fm0", form)])),
            ("image", pdf_one_page(b"q 100 0 0 100 0 0 cm /Im0 Do Q", [("Im0", image)]))):
        for args in (["--probe-only"], ["--menu"]):
            t = time.time()
            r, out = run_filter(tmp, pdf, args + ["--max-stream-bytes", "4000000"])
            if r["status"] != "limit" or r.get("limit") != "stream" or out:
                return "%s %s: %s %s" % (name, args, r["status"], r.get("limit"))
            if time.time() - t > 5:
                return "%s: %.1f s" % (name, time.time() - t)
    return None


# ---- JPEGs with libjpeg warnings, and cut short (issue 11 item 5) ----

def djpeg(tmp, data):
    """libjpeg-turbo's djpeg (the reference decoder) on data: (picture,
    its warnings)."""
    src = os.path.join(tmp, "ref.jpg")
    open(src, "wb").write(data)
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


@ecase("engine: jpeg with junk before a marker: accepted, junk dropped, as djpeg shows it")
def _(tmp):
    clean = cjpeg(tmp, picture(), "-quality", "85")
    for marker, where in ((0xDB, "header"), (0xD9, "end")):
        data = junk_before_marker(clean, marker, 2 if where == "header" else 16)
        if "extraneous bytes" not in djpeg(tmp, data)[1]:
            return "%s: djpeg does not warn" % where
        for args in (["--probe-only"], []):
            r, out = run_filter(tmp, data, args)
            if r["status"] != "ok":
                return "%s %s: %s (%s)" % (where, args, r["status"], r.get("detail"))
        if where == "header" and out != clean:
            return "header junk is still in keep"
        why = same_as_djpeg(tmp, out, data, 0)
        if why:
            return "%s: %s" % (where, why)
    return None


@ecase("engine: 10 MP jpeg cut short: last rows missing accepted whole, more refused incomplete")
def _(tmp):
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
                return "%s -%d: djpeg does not warn" % (mode, cut)
            r, out = run_filter(tmp, part, ["--photo"])
            rp, _ = run_filter(tmp, part, ["--probe-only", "--photo"])
            if r["status"] != want or rp["status"] != want:
                return "%s -%d bytes: %s / probe %s, want %s (%s)" % (
                    mode, cut, r["status"], rp["status"], want, r.get("detail"))
            if want == "corrupt":
                if "incomplete" not in r.get("detail", "") or r.get("incomplete") != "1":
                    return "%s -%d: detail %s" % (mode, cut, r.get("detail"))
                continue
            if not out.endswith(b"\xff\xd9"):
                return "%s -%d: keep is not a whole JPEG" % (mode, cut)
            if cut > 2 and "incomplete" not in r.get("transform", ""):
                return "%s -%d: transform %r" % (mode, cut, r.get("transform"))
            why = same_as_djpeg(tmp, out, part, 1.0)
            if why:
                return "%s -%d: %s" % (mode, cut, why)
            # cut short and padded with zeros to its size, as a failed
            # copy leaves it: the zeros are no picture
            r, padded = run_filter(tmp, part + bytes(cut), ["--photo"])
            if r["status"] != "ok" or same_as_djpeg(tmp, padded, part, 1.0):
                return "%s -%d padded: %s (%s)" % (mode, cut, r["status"], r.get("detail"))
    return None


# ---- PNG orientation (issue 11 item 6) ----

def red_corner(im):
    """Which corner of im holds the red block: tl, tr, bl or br."""
    im = im.convert("RGB")
    w, h = im.size
    spots = {"tl": (w // 20, h // 20), "tr": (w - 1 - w // 20, h // 20),
             "bl": (w // 20, h - 1 - h // 20), "br": (w - 1 - w // 20, h - 1 - h // 20)}
    red = [k for k, xy in spots.items() if im.getpixel(xy)[0] > 200 and im.getpixel(xy)[1] < 80]
    return red[0] if len(red) == 1 else None


@ecase("engine: PNG orientation: eXIf before IDAT applied as browsers do; ImageMagick's after IDAT and text chunks not")
def _(tmp):
    from PIL import ImageOps
    im = picture(size=(1600, 1200))
    ImageDraw.Draw(im).rectangle((0, 0, 320, 240), fill=(230, 0, 0))
    src = os.path.join(tmp, "o.png")
    im.save(src)
    subprocess.run(["exiftool", "-q", "-overwrite_original", "-Orientation=6", "-n", src],
                   check=True, timeout=60)
    data = open(src, "rb").read()
    if data.find(b"eXIf") < 0 or data.find(b"eXIf") > data.find(b"IDAT"):
        return "exiftool wrote no eXIf before IDAT"
    want = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    for args in ([], ["--menu"]):
        r, out = run_filter(tmp, data, args)
        got = Image.open(io.BytesIO(out))
        if r["status"] != "ok" or got.size != (1200, 1600) or b"eXIf" in out:
            return "%s: %s %s" % (args, r["status"], got.size)
        if "rotated upright" not in r.get("transform", ""):
            return "transform %r" % r.get("transform")
        if red_corner(got) != red_corner(want) or mean_diff(got, want) > 0.5:
            return "%s: not as a browser shows it (%s, %s)" % (args, red_corner(got), red_corner(want))
    for vid, _, _ in r["variants"][1:2]:
        rv, out = run_filter(tmp, data, ["--variant", vid])
        if red_corner(Image.open(io.BytesIO(out))) != red_corner(want):
            return "%s is not upright" % vid
    # ImageMagick's PNG of an oriented JPEG: eXIf after IDAT, which
    # neither ImageMagick (-auto-orient) nor a browser applies
    jpg, png = os.path.join(tmp, "o.jpg"), os.path.join(tmp, "im.png")
    im.save(jpg, exif=exif_bytes(6))
    subprocess.run(["convert", jpg, png], check=True, timeout=60)
    data = open(png, "rb").read()
    shown = subprocess.run(["convert", png, "-auto-orient", "-format", "%wx%h", "info:"],
                           capture_output=True, check=True, timeout=60).stdout
    r, out = run_filter(tmp, data, [])
    if shown != b"1600x1200" or Image.open(io.BytesIO(out)).size != (1600, 1200):
        return "ImageMagick's PNG: shown %s, published %s" % (
            shown, Image.open(io.BytesIO(out)).size)
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
        return "text chunk orientation: %s %s" % (r["status"], got.size)
    return None


# PDFs and TIFFs made the way the world makes them (issue 11)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pdf_world  # noqa: E402
import tiff_real  # noqa: E402
pdf_world.register(sys.modules[__name__])
tiff_real.register(globals())


# ---- phone photos of a page: found, squared, evened (flat.h) ----

def flat_menu(tmp, data, args=()):
    """The --flatten menu and the bytes of its top variant."""
    r, _ = run_filter(tmp, data, list(args) + ["--menu", "--flatten"])
    if r["status"] != "ok" or len(r["variants"]) < 2:
        return r, None, None
    vid = r["variants"][1][0]
    off, ext = r["where"][vid]
    return r, vid, r["fd3"][off:off + r["variants"][1][1]]


def ocr_lines(tmp, im):
    """The text lines tesseract (rus+kaz) reads on im, 8 letters or more."""
    f = os.path.join(tmp, "ocr.png")
    im.convert("L").save(f)
    p = subprocess.run(["tesseract", f, "-", "-l", "rus+kaz", "--psm", "4"],
                       capture_output=True, timeout=300)
    return [l.strip() for l in p.stdout.decode("utf-8", "replace").splitlines()
            if len(l.strip()) >= 8]


def lines_lost(ref, got):
    import difflib
    return [l for l in ref if not any(
        difflib.SequenceMatcher(None, l, g).ratio() >= 0.6 for g in got)]


def table_in_band(im, frac=0.02):
    """The share of the outer band's pixels that look like a table, not
    paper: dark, or coloured."""
    im = im.convert("RGB")
    w, h = im.size
    bw, bh = max(2, int(w * frac)), max(2, int(h * frac))
    small = im.resize((w // 2, h // 2))
    px = small.load()
    n = bad = 0
    for y in range(small.size[1]):
        for x in range(small.size[0]):
            if bw // 2 <= x < small.size[0] - bw // 2 and \
                    bh // 2 <= y < small.size[1] - bh // 2:
                continue
            r, g, b = px[x, y]
            n += 1
            bad += (r + g + b) / 3 < 170 or max(r, g, b) - min(r, g, b) > 40
    return bad / n


FLAT_PAGE = {}


def flat_reference(tmp):
    """The drawn page and the lines tesseract reads on it, once."""
    if not FLAT_PAGE:
        import phone
        page, _ = phone.text_page(200)
        FLAT_PAGE["page"] = page
        FLAT_PAGE["lines"] = ocr_lines(tmp, page)
    return FLAT_PAGE["page"], FLAT_PAGE["lines"]


PHONE_CASES = [
    ("dark table, o1", dict(kind="dark", angle=2.0, keystone=0.08)),
    ("light table, o6, -3.5 deg", dict(kind="light", angle=-3.5,
                                       keystone=0.12, orientation=6)),
    ("dark table, low light, o8, 4 deg", dict(kind="dark", low=True,
                                              angle=4.0, orientation=8)),
    ("light table, low light, o1", dict(kind="light", low=True, angle=-1.0,
                                        keystone=0.05)),
    ("lying sideways, o1", dict(kind="dark", angle=90, keystone=0.05,
                                fill=1.1, size=(3000, 2250))),
    ("lying sideways the other way, o6", dict(
        kind="light", angle=-91, keystone=0.05, fill=1.1, size=(3000, 2250),
        orientation=6)),
]


def phone_case(label, kw):
    @ecase("engine: phone photo of a page, %s: one upright A4 page, no table "
           "in its band, stamp blue, every line read" % label)
    def _(tmp):
        import phone
        page, ref = flat_reference(tmp)
        if len(ref) < 10:
            return "tesseract reads only %d lines of the flat page" % len(ref)
        args = dict({"size": (2250, 3000)}, **kw)
        data, _ = phone.phone(page, exif=exif_bytes, **args)
        r, vid, out = flat_menu(tmp, data)
        if out is None or not vid.endswith("f"):
            return "page not found: %s" % (r.get("variants"),)
        o = Image.open(io.BytesIO(out))
        w, h = o.size
        if h < w or abs(h / w / math.sqrt(2) - 1) > 0.03:
            return "%s is %dx%d" % (vid, w, h)
        t = table_in_band(o)
        if t > 0.01:
            return "%.1f%% of the band is table" % (t * 100)
        if blue_pixels(o, stamp_box(o)) < 200:
            return "the stamp lost its blue"
        lost = lines_lost(ref, ocr_lines(tmp, o))
        if lost:
            return "%d of %d lines lost, first %r" % (len(lost), len(ref),
                                                      lost[0])
        rv, again = run_filter(tmp, data, ["--flatten", "--variant", vid])
        if again != out:
            return "--variant %s wrote other bytes" % vid
        if not rv.get("transform", "").startswith(
                "page found, flattened, background evened, jpeg"):
            return "transform %r" % rv.get("transform")


for _label, _kw in PHONE_CASES:
    phone_case(_label, _kw)


@ecase("engine: phone photo of a page: every flattened variant is exact "
       "and named so; without --flatten the menu is as before")
def _(tmp):
    import phone
    page, _ = flat_reference(tmp)
    data, _ = phone.phone(page, kind="dark", size=(2250, 3000))
    r, outs, why = menu_is_exact(tmp, data, ["--flatten"])
    if why:
        return why
    if not all(k.endswith("f") for k in outs):
        return "variants %s" % list(outs)
    plain, _ = run_filter(tmp, data, ["--menu"])
    if any(v[0].endswith("f") for v in plain["variants"]):
        return "flattened without --flatten: %s" % plain["variants"]


def unflattened(tmp, data, args=()):
    """None when --flatten changes nothing: the same status, the same
    menu (IDs, sizes, ranks) as without it."""
    a, _ = run_filter(tmp, data, list(args) + ["--menu"])
    b, _ = run_filter(tmp, data, list(args) + ["--menu", "--flatten"])
    if a["status"] != b["status"] or a["variants"] != b["variants"]:
        return "with --flatten %s %s, without %s %s" % (
            b["status"], b["variants"][:3], a["status"], a["variants"][:3])
    return None


@ecase("engine: --flatten leaves alone a page larger than the frame, a 3x4 "
       "photo, a flatbed scan with a lid shadow, a photo of a scene")
def _(tmp):
    import phone
    page, _ = flat_reference(tmp)
    cut, _ = phone.phone(page, kind="dark", fill=1.08, size=(1500, 2000))
    photo, _ = phone.phone(page, kind="dark", size=(1500, 2000))
    lid = save(phone.lid_scan(noisy(a4_page(200), 6)), "JPEG", quality=85)
    scene = save(phone.scene((1500, 2000)), "JPEG", quality=85)
    for name, data, args in (("cut off", cut, []), ("3x4", photo, ["--photo"]),
                             ("lid shadow", lid, []), ("scene", scene, [])):
        why = unflattened(tmp, data, args)
        if why:
            return "%s: %s" % (name, why)


@ecase("engine: --flatten on bad input: tiny, huge, panorama, uniform, no "
       "contrast: as without it, never a crash")
def _(tmp):
    page, _ = flat_reference(tmp)
    tiny = save(page.resize((83, 117)), "JPEG")
    huge = Image.new("RGB", (6000, 8000), (70, 45, 30))
    huge.paste(page.resize((3300, 4667)), (1300, 1600))
    pano = Image.new("RGB", (8000, 1500), (70, 45, 30))
    pano.paste(page.resize((900, 1273)), (3500, 110))
    grey = Image.new("RGB", (1500, 2000), (128, 128, 128))
    white = Image.new("RGB", (1500, 2000), (236, 236, 232))
    white.paste(noisy(page.resize((1000, 1414)), 4), (250, 290))
    for name, data in (("tiny", tiny), ("panorama", save(pano, "JPEG")),
                       ("uniform", save(grey, "JPEG")),
                       ("white on white", save(white, "JPEG")),
                       ("png", save(page.resize((1240, 1754)), "PNG"))):
        why = unflattened(tmp, data)
        if why:
            return "%s: %s" % (name, why)
    r, vid, out = flat_menu(tmp, save(huge, "JPEG", quality=80))
    if r["status"] != "ok" or out is None:
        return "huge: %s" % r["status"]
    o = Image.open(io.BytesIO(out))
    if vid.endswith("f") and abs(o.size[1] / o.size[0] / math.sqrt(2) - 1) > 0.03:
        return "huge: %s is %s" % (vid, o.size)


def run_engine(tmp):
    only = os.environ.get("FILTER_CASE", "")
    for name, fn in ENGINE:
        if only in name:
            fn(tmp)


def run_evil(tmp):
    src = os.path.join(tmp, "evil")
    for what, want in (("CRASH", -6), ("OPEN", -31), ("CONNECT", -31), ("EXEC", -31)):
        open(src, "wb").write(b"QUJAT-TEST-" + what.encode() + b"\n")
        with open(src, "rb") as fin:
            p = subprocess.run([EVIL], stdin=fin, capture_output=True, timeout=30)
        check("evil %s" % what.lower(), p.returncode == want,
              "exit %d, want %d: %s" % (p.returncode, want, p.stdout[:200]))
    open(src, "wb").write(b"QUJAT-TEST-HANG\n")
    with open(src, "rb") as fin:
        try:
            subprocess.run([EVIL], stdin=fin, capture_output=True, timeout=1)
            check("evil hang", False, "did not hang")
        except subprocess.TimeoutExpired:
            check("evil hang", True, "")
    open(src, "wb").write(picture_jpeg())
    with open(src, "rb") as fin:
        p = subprocess.run([EVIL, "--probe-only"], stdin=fin,
                           capture_output=True, timeout=30)
    check("evil passes others to the real worker", p.returncode == 0 and
          b"\nstatus ok\n" in p.stdout, "exit %d" % p.returncode)


def main():
    if not os.access(FILTER, os.X_OK):
        sys.exit("no %s: run make %s first" % (FILTER, FILTER))
    tmp = tempfile.mkdtemp(prefix="qujat-filter-test.")
    try:
        for case in cases(tmp):
            run_case(tmp, *case)
        run_engine(tmp)
        if os.access(EVIL, os.X_OK):
            run_evil(tmp)
    finally:
        shutil.rmtree(tmp)
    print("%d passed, %d failed" % (results["passed"], results["failed"]))
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
