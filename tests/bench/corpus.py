"""corpus: realistic upload bundles for the engine benchmark, made here.

Each page is an A4 document with Russian and Kazakh text (the ground truth
is kept for OCR), a blue round stamp and a blue signature, scanned or
photographed: paper tint, noise, a little skew, EXIF rotation and GPS on
phone photos. Every bundle is over 5 MB, as parents upload them.
"""

import io
import math
import random
import struct
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

A4_MM = (210.0, 297.0)
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

WORDS = ("Анықтама берілді оқушыға мектепте оқитыны туралы білім беру "
         "ұйымының басшысы қолы мөрі күні нөмірі Справка выдана ученику "
         "в том что он действительно обучается в школе директор подпись "
         "печать дата номер заключение комиссии здоровья ребёнка "
         "Қазақстан Республикасы Алматы қаласы Астана").split()


def _font(px):
    try:
        return ImageFont.truetype(FONT, px)
    except OSError:
        return ImageFont.load_default()


def page(dpi, seed):
    """(RGB image, text lines, stamp box in page fractions)."""
    rnd = random.Random(seed)
    w, h = (int(round(mm / 25.4 * dpi)) for mm in A4_MM)
    img = Image.new("RGB", (w, h), (247, 244, 236))
    d = ImageDraw.Draw(img)
    size = max(8, int(dpi * 0.16))          # about 11.5 pt
    font = _font(size)
    lines, y = [], int(dpi * 0.9)
    while y < h - dpi * 2.6:
        limit = w - int(dpi * 1.8) - rnd.randint(0, w // 4)
        line = rnd.choice(WORDS)
        while True:
            nxt = line + " " + rnd.choice(WORDS)
            if d.textlength(nxt, font=font) > limit:
                break
            line = nxt
        d.text((int(dpi * 0.9), y), line, font=font, fill=(25, 25, 30))
        lines.append(line)
        y += int(size * 1.9)
    cx, cy, r = int(w * 0.68), int(h - dpi * 1.5), int(dpi * 0.8)
    blue = (30, 60, 170)
    for k in range(3):
        d.ellipse((cx - r + k * 3, cy - r + k * 3, cx + r - k * 3,
                   cy + r - k * 3), outline=blue, width=max(2, dpi // 60))
    d.ellipse((cx - r * 0.62, cy - r * 0.62, cx + r * 0.62, cy + r * 0.62),
              outline=blue, width=max(2, dpi // 80))
    d.text((cx - r * 0.5, cy - size // 2), "МӨР ПЕЧАТЬ", font=_font(
        int(size * 0.8)), fill=blue)
    pts = [(int(w * 0.25 + t * dpi * 0.02),
            int(h - dpi * 1.4 + math.sin(t / 3.0) * dpi * 0.12))
           for t in range(60)]
    d.line(pts, fill=(20, 40, 150), width=max(2, dpi // 100))
    stamp = ((cx - r) / w, (cy - r) / h, (cx + r) / w, (cy + r) / h)
    return img, lines, stamp


def scanned(img, seed, noise=40.0):
    rnd = random.Random(seed)
    g = Image.effect_noise(img.size, noise).convert("L")
    n = Image.merge("RGB", (g, g, g))
    out = Image.blend(img, n, 0.10)
    return out.rotate(rnd.uniform(-0.6, 0.6), resample=Image.BICUBIC,
                      fillcolor=(247, 244, 236))


def photographed(img, seed, size=(3000, 4000)):
    """A phone photo of the page: slight perspective, shade, noise."""
    rnd = random.Random(seed)
    bg = Image.new("RGB", size, (96, 86, 74))
    p = img.resize((int(size[0] * 0.86), int(size[0] * 0.86 * 297 / 210)),
                   Image.BILINEAR)
    p = p.rotate(rnd.uniform(-3, 3), expand=True, fillcolor=(96, 86, 74))
    bg.paste(p, ((size[0] - p.size[0]) // 2, (size[1] - p.size[1]) // 2))
    shade = Image.linear_gradient("L").resize(size).point(
        lambda v: 200 + v // 5)
    bg = Image.composite(bg, Image.new("RGB", size, (0, 0, 0)), shade)
    g = Image.effect_noise(size, 40).convert("L")
    return Image.blend(bg, Image.merge("RGB", (g, g, g)), 0.10)


def exif_rotated_gps(orientation=6):
    """EXIF bytes with an orientation and a GPS position."""
    ex = Image.Exif()
    ex[0x0112] = orientation
    ex[0x010F] = "PhoneMaker"
    ex[0xA431] = "SN-99887766"
    gps = ex.get_ifd(0x8825)
    gps[1], gps[2] = "N", (43.0, 14.0, 18.0)
    gps[3], gps[4] = "E", (76.0, 53.0, 40.0)
    return ex.tobytes()


def jpeg(img, q=92, **kw):
    b = io.BytesIO()
    img.save(b, "JPEG", quality=q, **kw)
    return b.getvalue()


def tiff(pages, compression="tiff_lzw", dpi=300):
    b = io.BytesIO()
    pages[0].save(b, "TIFF", save_all=True, append_images=pages[1:],
                  compression=compression, dpi=(dpi, dpi))
    return b.getvalue()


def pdf(pages, dpi=300, q=90):
    b = io.BytesIO()
    pages[0].save(b, "PDF", save_all=True, append_images=pages[1:],
                  resolution=dpi, quality=q)
    return b.getvalue()


class Doc:
    """One uploaded file: bytes, its pages' truth, and how to read it."""

    def __init__(self, name, data, truths, photo=False, upright=None,
                 page=None):
        self.name, self.data, self.truths = name, data, truths
        self.photo = photo
        self.upright = upright   # degrees a viewer must turn the pixels
        self.page = page         # a photographed page: the page as drawn


def make_docs(seed=1):
    """The uploads of six bundles, one per service, each over 5 MB."""
    out = {}
    pg = [page(300, seed + i) for i in range(6)]
    pg600 = page(600, seed + 50)
    out["school_admission"] = [
        Doc("photo.jpg", jpeg(photographed(pg[0][0], 1, (2400, 3200)),
            q=95, exif=exif_rotated_gps(1)), [], photo=True),
        Doc("med065.jpg", jpeg(scanned(pg600[0], 2), q=92),
            [(pg600[1], pg600[2])]),
        Doc("med052.png", _png(scanned(pg[1][0], 3).convert("L")),
            [(pg[1][1], pg[1][2])]),
    ]
    rot = photographed(pg[2][0], 4).rotate(90, expand=True)
    rot2 = photographed(pg[5][0], 7).rotate(90, expand=True)
    out["free_transport"] = [
        Doc("school-cert.jpg", jpeg(rot, q=96, exif=exif_rotated_gps(6)),
            [(pg[2][1], pg[2][2])], upright=6, page=pg[2][0]),
        Doc("school-cert-2.jpg", jpeg(rot2, q=96, exif=exif_rotated_gps(6)),
            [(pg[5][1], pg[5][2])], upright=6, page=pg[5][0]),
    ]
    out["free_meals"] = [
        Doc("asp.tif", tiff([scanned(p[0], 5 + i) for i, p in
                             enumerate(pg[3:6])]),
            [(p[1], p[2]) for p in pg[3:6]]),
    ]
    out["summer_camp"] = [
        Doc("income.pdf", pdf([scanned(p[0], 9 + i) for i, p in
                               enumerate(pg[0:3])], q=92),
            [(p[1], p[2]) for p in pg[0:3]]),
        Doc("med079.jpg", jpeg(scanned(pg[4][0], 12), q=95),
            [(pg[4][1], pg[4][2])]),
    ]
    out["home_schooling"] = [
        Doc("vkk-%d.jpg" % i, jpeg(scanned(pg[i][0], 20 + i), q=95),
            [(pg[i][1], pg[i][2])]) for i in range(3)
    ]
    out["special_education"] = [
        Doc("pmpc.pdf", pdf([scanned(p[0], 30 + i) for i, p in
                             enumerate(pg[3:6])], q=95),
            [(p[1], p[2]) for p in pg[3:6]]),
    ]
    return out


def _png(img):
    b = io.BytesIO()
    img.save(b, "PNG")
    return b.getvalue()


DOC_TYPE = {
    "photo.jpg": "photo_3x4", "med065.jpg": "med_065u",
    "med052.png": "med_052_2u", "school-cert.jpg": "school_certificate",
    "school-cert-2.jpg": "school_certificate",
    "asp.tif": "asp_certificate", "income.pdf": "income_documents",
    "med079.jpg": "medical_079u", "pmpc.pdf": "pmpc_conclusion",
}


def doc_type(name):
    return DOC_TYPE.get(name, "vkk_conclusion")


def write(root, docs):
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    for d in docs:
        (root / d.name).write_bytes(d.data)
    return [root / d.name for d in docs]


__all__ = ["make_docs", "write", "doc_type", "Doc", "struct"]
