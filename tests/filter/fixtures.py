"""tests/filter/fixtures.py: what run.py's case modules (pdf_world.py,
tiff_real.py, phone.py) and run.py itself draw and build the same way: a
classic PDF from its objects, the font of a page's text, and the blue
stamp and signature of a page."""

from PIL import ImageFont

# make deps installs fonts-dejavu-core: without it a test fails, never
# silently draws another page with PIL's bitmap font
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

# the stamp's centre, as a fraction of the page (run.py's stamp_box)
STAMP = (0.66, 0.80)


def font(size):
    return ImageFont.truetype(FONT, size)


def pdf_build(objs, trailer_extra=b"", root=1, version=b"1.5"):
    """A classic PDF from objects 1..n (bytes, without 'obj'); root is the
    catalog's number."""
    out, offs = b"%PDF-" + version + b"\n%\xe2\xe3\xcf\xd3\n", []
    for i, o in enumerate(objs, 1):
        offs.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    x = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offs)
    return out + b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n" \
        b"%%%%EOF\n" % (len(objs) + 1, root, trailer_extra, x)


def pdf_stream(dict_, data):
    return b"<< %s /Length %d >>\nstream\n" % (dict_, len(data)) + data + \
        b"\nendstream"


def draw_stamp(d, w, h, dpi):
    """A blue stamp circle at STAMP and a blue signature stroke on the
    w x h page being drawn with d (an ImageDraw)."""
    cx, cy, r = int(w * STAMP[0]), int(h * STAMP[1]), dpi * 3 // 4
    d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=(30, 60, 200),
              width=max(2, dpi // 40))
    d.line([(dpi, int(h * 0.85)), (dpi * 2, int(h * 0.85) - dpi // 3),
            (dpi * 3, int(h * 0.85))], fill=(20, 30, 150),
           width=max(1, dpi // 100))
