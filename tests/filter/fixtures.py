"""tests/filter/fixtures.py: what run.py's case modules (pdf_world.py,
tiff_real.py, phone.py) and run.py itself draw the same way: the font of
a page's text, and the blue stamp and signature of a page. Hand-made PDF
bytes come from pdfmake.py."""

from PIL import ImageFont

# make deps installs fonts-dejavu-core: without it a test fails, never
# silently draws another page with PIL's bitmap font
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

# the stamp's centre, as a fraction of the page (run.py's stamp_box)
STAMP = (0.66, 0.80)


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
