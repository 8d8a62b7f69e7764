"""tests/filter/fixtures.py: what the worker's test modules (test_*.py
here) share: where qujat-filter is, WorkerTest (a fresh folder per test),
running the worker and reading its report, the pictures and pages they
draw (a text page with its blue stamp, noise, EXIF), and reading a PDF
back (pdfimages, pdftoppm). Hand-made PDF bytes come from pdfmake.py.

Every tool a test runs is in the Makefile's TEST_PACKAGES (make deps): a
missing one fails the test, never skips it."""

import ctypes, hashlib, io, os, shutil, struct, subprocess, tempfile, unittest, zlib

from PIL import Image, ImageDraw, ImageFont

import pdfmake

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("QUJAT_BUILD", os.path.join(ROOT, "build"))
FILTER = os.path.join(BUILD, "qujat-filter")
EVIL = os.path.join(BUILD, "tests", "evil-filter")

# make deps installs fonts-dejavu-core: without it a test fails, never
# silently draws another page with PIL's bitmap font
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

# the stamp's centre, as a fraction of the page (stamp_box)
STAMP = (0.66, 0.80)


LIBC = ctypes.CDLL(None)


class WorkerTest(unittest.TestCase):
    """A test of the worker: self.tmp is a folder of its own, removed
    after the test. A worker not built fails the class, never skips it."""

    @classmethod
    def setUpClass(cls):
        if not os.access(FILTER, os.X_OK):
            raise AssertionError("no %s: run make first (or set QUJAT_BUILD)"
                                 % FILTER)

    def setUp(self):
        # PIL's noise (Image.effect_noise, noisy()) draws from C's rand():
        # each test starts it afresh, so that what it draws does not
        # depend on the tests run before it in the same process
        LIBC.srand(1)
        self.tmp = tempfile.mkdtemp(prefix="qujat-filter-test.")
        self.addCleanup(shutil.rmtree, self.tmp)


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def font(size):
    return ImageFont.truetype(FONT, size)


def draw_stamp(d, w, h, dpi):
    """A blue stamp circle at STAMP and a blue signature stroke on the
    w x h page being drawn with d (an ImageDraw)."""
    cx, cy, r = int(w * STAMP[0]), int(h * STAMP[1]), dpi * 3 // 4
    d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=(30, 60, 200),
              width=max(2, dpi // 40))
    d.line([(dpi, int(h * 0.85)), (dpi * 2, int(h * 0.85) - dpi // 3),
            (dpi * 3, int(h * 0.85))], fill=(20, 30, 150),
           width=max(1, dpi // 100))


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


def qpdf(args, data, tmp):
    src, dst = os.path.join(tmp, "in.pdf"), os.path.join(tmp, "out.pdf")
    write(src, data)
    subprocess.run(["qpdf"] + args[:1] + [src] if args == ["--empty"] else
                   ["qpdf"] + args + ["--", src, dst], check=True)
    return read(dst if args != ["--empty"] else src)


def run_filter(tmp, data, args):
    """Runs the worker; returns (report dict with 'variants', output).
    The output is what bytes_out describes (keep, or --variant's); all of
    fd 3 (with --menu, the variants after keep) is in r["fd3"], and each
    variant line's OFFSET and EXT in r["where"][ID]."""
    src, dst = os.path.join(tmp, "upload"), os.path.join(tmp, "output")
    write(src, data)
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
    r["fd3"] = read(dst)
    return r, r["fd3"][:int(r.get("bytes_out", len(r["fd3"])))]


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


def icc_profile(pad=0, space=b"RGB "):
    """An sRGB profile (LittleCMS), padded to make it span several JPEG
    APP2 chunks, its colour space relabelled to make a CMYK one."""
    from PIL import ImageCms
    p = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    p = p + bytes(pad)
    return struct.pack(">I", len(p)) + p[4:16] + space + p[20:]


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
    return pdfmake.stream(d, data)


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
            pdfmake.stream(b"", content)]
    return pdfmake.build(objs + [o for _, o in xobjects] + list(extra_objs))


def pdf_images_of(tmp, pdf):
    """pdfimages -list rows: (page, type, w, h, color, enc)."""
    f = os.path.join(tmp, "l.pdf")
    write(f, pdf)
    rows = subprocess.run(["pdfimages", "-list", f], capture_output=True,
                          text=True, check=True).stdout.split("\n")[2:]
    return [(int(c[0]), c[2], int(c[3]), int(c[4]), c[5], c[8])
            for c in (r.split() for r in rows if r.strip())]


def pdf_render(tmp, pdf, dpi):
    """Each page rendered by pdftoppm, as PIL images."""
    f, pre = os.path.join(tmp, "r.pdf"), os.path.join(tmp, "rp")
    write(f, pdf)
    for old in os.listdir(tmp):
        if old.startswith("rp-"):
            os.remove(os.path.join(tmp, old))
    subprocess.run(["pdftoppm", "-r", str(dpi), f, pre], check=True)
    names = sorted(n for n in os.listdir(tmp) if n.startswith("rp-"))
    return [Image.open(os.path.join(tmp, n)).convert("RGB") for n in names]


def scan_pdf(pages, dpi=300):
    return save(pages[0], "PDF", save_all=True, append_images=pages[1:],
                resolution=float(dpi))


def mean_diff(a, b):
    """Mean grey difference of two pictures brought to 100 x 141."""
    a, b = a.convert("L").resize((100, 141)), b.convert("L").resize((100, 141))
    return sum(abs(x - y) for x, y in zip(a.getdata(), b.getdata())) / 14100
