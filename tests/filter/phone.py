"""tests/filter/phone.py: phone photos of a page on a table, made here.

A drawn page (run.py's a4_page, whose text and stamp are known) is put in
perspective (PIL's PERSPECTIVE transform) onto a dark wooden or a light
cloth table, lit unevenly (a gradient times a vignette), dimmed for low
light, with sensor noise, saved as a phone's JPEG with its EXIF
orientation. Also the controls: a page larger than the frame, a flatbed
scan with a lid shadow, a photo that is not a document.
"""
import io, math, random

from PIL import Image, ImageChops, ImageDraw, ImageFilter

from fixtures import draw_stamp, font

FRAME = (3000, 4000)        # upright, as a 12 MP phone shows it

WORDS = ("справка выдана ученику школы города Алматы для предъявления по "
         "месту требования заявление родителя о приёме ребёнка в первый "
         "класс медицинская карта свидетельство рождении адрес проживания "
         "анықтама мектеп оқушысы берілді ата-ананың өтініші бала сыныпқа "
         "қабылдау туралы мекенжайы тұрғылықты құжат").split()


def text_page(dpi=200, seed=1, stamp=True):
    """An A4 page of Russian and Kazakh lines (returned too, the truth for
    OCR), a blue stamp and a blue signature where run.py's a4_page puts
    them."""
    rnd = random.Random(seed)
    w, h = int(8.27 * dpi + 0.5), int(11.69 * dpi + 0.5)
    im = Image.new("RGB", (w, h), (250, 250, 246))
    d = ImageDraw.Draw(im)
    f = font(dpi * 12 // 72)
    lines, y = [], dpi
    while y < h * 0.68:
        words = []
        while len(" ".join(words)) < 52:
            words.append(rnd.choice(WORDS))
        lines.append(" ".join(words))
        d.text((dpi * 3 // 4, y), lines[-1], fill=(20, 20, 30), font=f)
        y += dpi * 12 // 40
    if stamp:
        draw_stamp(d, w, h, dpi)
    return im, lines


def solve(src, dst):
    """PIL PERSPECTIVE coefficients taking points dst (output) to src."""
    import numpy as np
    a, b = [], []
    for (x, y), (u, v) in zip(dst, src):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        b += [u, v]
    return tuple(np.linalg.solve(np.array(a, float), np.array(b, float)))


def table(kind, size, seed=3):
    """A dark wooden or a light cloth table top."""
    rnd = random.Random(seed)
    w, h = size
    small = Image.effect_noise((w // 8, h // 8), 60).convert("L")
    if kind == "dark":
        grain = small.resize((w // 8, 8)).resize((w, h), Image.BILINEAR)
        base = Image.new("RGB", size, (92, 58, 34))
        tint = Image.merge("RGB", [grain.point(lambda v: v // 3)] * 3)
        im = ImageChops.add(base, tint, 1, -20)
    else:
        weave = small.resize((w, h), Image.NEAREST).filter(
            ImageFilter.GaussianBlur(2))
        base = Image.new("RGB", size, (196, 176, 150))
        tint = Image.merge("RGB", [weave.point(lambda v: v // 5)] * 3)
        im = ImageChops.add(base, tint, 1, -12)
    d = ImageDraw.Draw(im)
    for _ in range(6):      # knots, stains
        x, y = rnd.randrange(w), rnd.randrange(h)
        r = rnd.randrange(20, 90)
        d.ellipse((x - r, y - r // 2, x + r, y + r // 2),
                  fill=tuple(max(0, c - 25) for c in im.getpixel((x, y))))
    return im


def corners(size, angle=2.0, keystone=0.08, fill=0.78, shift=(0, 0)):
    """Where the page's corners land in the frame: its height fill of the
    frame's, turned by angle degrees, its top keystone narrower."""
    w, h = size
    ph = h * fill
    pw = ph / math.sqrt(2)
    cx, cy = w / 2 + shift[0], h / 2 + shift[1]
    pts = [(-pw / 2 * (1 - keystone), -ph / 2), (pw / 2 * (1 - keystone), -ph / 2),
           (pw / 2 * (1 + keystone / 3), ph / 2),
           (-pw / 2 * (1 + keystone / 3), ph / 2)]
    a = math.radians(angle)
    return [(cx + x * math.cos(a) - y * math.sin(a),
             cy + x * math.sin(a) + y * math.cos(a)) for x, y in pts]


def place(page, back, quad):
    """page drawn into back at quad (TL, TR, BR, BL)."""
    pw, ph = page.size
    c = solve([(0, 0), (pw, 0), (pw, ph), (0, ph)], quad)
    warped = page.convert("RGBA").transform(back.size, Image.PERSPECTIVE, c,
                                            Image.BILINEAR)
    back.paste(warped, (0, 0), warped)
    return back


def light(im, low=False, seed=5):
    """Uneven light: a side gradient times a vignette; low light dims it
    all and adds more noise. Made at 1/8 scale, then spread."""
    w, h = im.size
    sw, sh = w // 8, h // 8
    g = Image.linear_gradient("L").resize((sw, sh)).rotate(
        90 + seed * 7 % 40, expand=False, fillcolor=128)
    v = Image.radial_gradient("L").resize((sw, sh))
    lo, hi = (0.45, 0.70) if low else (0.72, 1.0)
    gain = ImageChops.multiply(g.point(lambda x: int(255 * (lo + (hi - lo) * x / 255))),
                               v.point(lambda x: int(255 - x * 0.35)))
    gain = gain.resize((w, h), Image.BILINEAR)
    out = ImageChops.multiply(im, Image.merge("RGB", [gain] * 3))
    n = Image.effect_noise((w // 2, h // 2), 14 if low else 8).resize(
        (w, h), Image.NEAREST)
    return ImageChops.add(out, Image.merge("RGB", [n] * 3), 1, -128)


def phone(page, kind="dark", angle=2.0, keystone=0.08, low=False,
          orientation=1, fill=0.78, shift=(0, 0), quality=85, exif=None,
          size=FRAME):
    """A JPEG as a phone stores it (rotated for orientation 6 or 8, the
    tag saying so) and the page's corners in the upright frame."""
    q = corners(size, angle, keystone, fill, shift)
    im = light(place(page, table(kind, size), q), low)
    if orientation == 6:
        im = im.transpose(Image.Transpose.ROTATE_90)
    elif orientation == 8:
        im = im.transpose(Image.Transpose.ROTATE_270)
    b = io.BytesIO()
    kw = {"exif": exif(orientation)} if exif else {}
    im.save(b, "JPEG", quality=quality, **kw)
    return b.getvalue(), q


def lid_scan(page):
    """A flatbed scan: the page fills the image, a dark lid shadow along
    its left edge."""
    w, h = page.size
    shade = Image.linear_gradient("L").rotate(90).resize((w // 14, h))
    im = page.copy()
    dark = Image.new("RGB", shade.size, (30, 30, 30))
    im.paste(dark, (0, 0), shade.point(lambda x: 255 - x))
    return im


def scene(size=FRAME):
    """A photo that is not a document: sky, a field, a house, a sun."""
    w, h = size
    im = Image.new("RGB", size, (110, 160, 220))
    d = ImageDraw.Draw(im)
    d.rectangle((0, h * 0.6, w, h), fill=(70, 140, 60))
    d.rectangle((w * 0.3, h * 0.4, w * 0.6, h * 0.65), fill=(180, 90, 60))
    d.polygon([(w * 0.25, h * 0.4), (w * 0.45, h * 0.28), (w * 0.65, h * 0.4)],
              fill=(120, 40, 30))
    d.ellipse((w * 0.75, h * 0.08, w * 0.9, h * 0.2), fill=(255, 250, 210))
    return light(im)
