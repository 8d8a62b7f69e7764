#!/usr/bin/python3
"""seeds.py: writes the seed corpus of every fuzz harness (tests/fuzz/).

Usage: seeds.py OUTDIR. Makes OUTDIR/<harness>/ for manifest, report,
conf, jpeg, png, tiff, pdf and detect, each with small valid inputs made
here (PIL for images, by hand and with the qpdf tool for PDFs) so the
fuzzers start from inputs that reach deep into each parser. Nothing is
fetched; the same run writes the same files.
"""
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

from PIL import Image, ImageDraw

REPO = Path(__file__).resolve().parents[2]
# The tests' one writer of hand-made PDFs.
sys.path.insert(0, str(REPO / "tests" / "filter"))
import pdfmake  # noqa: E402


def picture(mode="RGB", size=(48, 32)):
    im = Image.new("RGB", size, "white")
    d = ImageDraw.Draw(im)
    for i in range(0, size[0], 3):
        d.line((i, 0, size[0] - i, size[1]), fill=(i * 5 % 256, 90, 200))
    return im.convert(mode)


def save(im, fmt, **kw):
    b = io.BytesIO()
    im.save(b, fmt, **kw)
    return b.getvalue()


def sheet_photo():
    """A page on a dark table, large enough (240x320) for the sheet finder
    (flat.h) to find it and flatten it."""
    im = Image.new("RGB", (240, 320), (80, 50, 30))
    page = Image.new("RGB", (150, 212), (245, 245, 240))
    d = ImageDraw.Draw(page)
    for y in range(20, 160, 8):
        d.line((15, y, 135, y), fill=(20, 20, 30), width=2)
    d.ellipse((90, 165, 120, 195), outline=(30, 60, 200), width=2)
    im.paste(page.rotate(3, expand=True, fillcolor=(80, 50, 30)), (40, 45))
    return im


def jpegs():
    exif = Image.Exif()
    exif[0x010F] = "Cam"
    exif[0x0112] = 6
    exif[0x8825] = {1: "N", 2: (43.0, 14.0, 18.0)}
    return {
        "rgb.jpg": save(picture(), "JPEG", quality=80),
        "grey.jpg": save(picture("L"), "JPEG"),
        "cmyk.jpg": save(picture("CMYK"), "JPEG"),
        "progressive.jpg": save(picture(), "JPEG", progressive=True),
        "exif.jpg": save(picture(), "JPEG", exif=exif.tobytes()),
        "444.jpg": save(picture(), "JPEG", subsampling=0, quality=95),
        "trailing.jpg": save(picture("L"), "JPEG") + b"<script>x</script>",
        "sheet.jpg": save(sheet_photo(), "JPEG", quality=80),
    }


def pngs():
    pal = picture().convert("P", palette=Image.ADAPTIVE, colors=16)
    return {
        "rgb.png": save(picture(), "PNG"),
        "rgba.png": save(picture("RGBA"), "PNG"),
        "grey.png": save(picture("L"), "PNG"),
        "bilevel.png": save(picture("1"), "PNG"),
        "palette.png": save(pal, "PNG"),
        "interlaced.png": save(picture(), "PNG", interlace=1),
        "grey16.png": save(picture("L").convert("I"), "PNG"),
        "text.png": save(picture("L"), "PNG", pnginfo=_pnginfo()),
        "sheet.png": save(sheet_photo(), "PNG"),
    }


def _pnginfo():
    from PIL import PngImagePlugin
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "seed")
    info.add_itxt("Title", "құжат", lang="kk")
    return info


def tiffs():
    pages = [picture("L"), picture("L", (40, 40))]
    return {
        "raw.tif": save(picture(), "TIFF"),
        "lzw.tif": save(picture("L"), "TIFF", compression="tiff_lzw"),
        "packbits.tif": save(picture(), "TIFF", compression="packbits"),
        "deflate.tif": save(picture(), "TIFF", compression="tiff_adobe_deflate"),
        "g4.tif": save(picture("1"), "TIFF", compression="group4"),
        "jpeg.tif": save(picture(), "TIFF", compression="jpeg"),
        "pages.tif": save(pages[0], "TIFF", compression="tiff_lzw",
                          save_all=True, append_images=pages[1:]),
        "cmyk.tif": save(picture("CMYK"), "TIFF"),
    }


def pdf_by_hand(objs):
    return pdfmake.build(objs, version=b"1.4")


def text_pdf(flate=False):
    content = b"BT /F1 24 Tf 72 720 Td (Certificate) Tj ET"
    filt = b""
    if flate:
        content, filt = zlib.compress(content), b" /Filter /FlateDecode"
    return pdf_by_hand([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d%s >>\nstream\n" % (len(content), filt) + content +
        b"\nendstream",
    ])


def indexed_pdf():
    """A page drawn by one 4-bit Indexed image (8 colours, hival 7) that
    covers it at 384 dpi: the engine expands and re-encodes it."""
    lut = b"".join(bytes((i * 36, 255 - i * 36, 128)) for i in range(8))
    lut = lut.hex().encode()
    data = zlib.compress(bytes((x // 8 + y // 16) % 8 << 4 | (x + y) // 4 % 8
                               for y in range(256) for x in range(128)))
    content = b"q 48 0 0 48 0 0 cm /Im Do Q\n"
    return pdf_by_hand([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 48 48] "
        b"/Resources << /XObject << /Im 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /XObject /Subtype /Image /Width 256 /Height 256 "
        b"/ColorSpace [/Indexed /DeviceRGB 7 <" + lut + b">] "
        b"/BitsPerComponent 4 /Filter /FlateDecode /Length %d >>\nstream\n"
        % len(data) + data + b"\nendstream",
        b"<< /Length %d >>\nstream\n" % len(content) + content +
        b"\nendstream",
    ])


def qpdf(src, *args):
    if not shutil.which("qpdf"):
        return None
    with tempfile.TemporaryDirectory() as d:
        a, b = os.path.join(d, "a.pdf"), os.path.join(d, "b.pdf")
        Path(a).write_bytes(src)
        r = subprocess.run(["qpdf", *args, a, b], capture_output=True)
        return Path(b).read_bytes() if r.returncode in (0, 3) else None


def pdfs():
    base = text_pdf()
    two = save(picture("L"), "PDF", save_all=True,
               append_images=[picture("L", (30, 30))])
    out = {
        "text.pdf": base,
        "flate.pdf": text_pdf(flate=True),
        "image.pdf": save(picture(), "PDF"),
        "pages.pdf": two,
        "indexed.pdf": indexed_pdf(),
        # Adobe CMYK DCT with /Decode, drawn at 300 dpi: re-encoded raw
        "cmyk.pdf": save(picture("CMYK", (200, 200)), "PDF",
                         resolution=300.0),
    }
    for name, args in (("objstm.pdf", ["--object-streams=generate"]),
                       ("linear.pdf", ["--linearize"]),
                       ("rc4.pdf", ["--encrypt", "", "o", "128", "--"]),
                       ("aes.pdf", ["--encrypt", "u", "o", "256", "--"])):
        b = qpdf(base, *args)
        if b:
            out[name] = b
    return out


def manifests():
    m = {
        "version": 1, "application_id": "KZ-EDU-2026-000123",
        "service": "home_schooling",
        "submitted_at": "2026-11-24T09:15:00+05:00", "locale": "kk",
        "child": {"iin": "180512600157"},
        "applicant": {"iin": "850101300124"},
        "institution": {"id": "000140001239", "name": "No. 12"},
        "documents": [
            {"file": "vkk-page1.jpg", "type": "vkk_conclusion",
             "bytes": 3912044, "sha256": "9F2C" + "0" * 60},
            {"file": "vkk-page2.jpg", "type": "vkk_conclusion"}],
    }
    bad = json.loads(json.dumps(m))
    bad["child"]["iin"] = "180512600158"
    bad["service"] = "pony_rides"
    bad["documents"].append({"file": "../x\u00e9.jpg", "type": "nope",
                             "bytes": -1})
    bad["documents"].append({"file": "vkk-page1.jpg", "type": 3})
    school = json.loads(json.dumps(m))
    school["service"] = "school_admission"
    school["documents"] = [{"file": "photo.jpg", "type": "photo_3x4"}]
    return {
        "valid.json": json.dumps(m, indent=1).encode(),
        "faults.json": json.dumps(bad, ensure_ascii=False).encode(),
        "school.json": json.dumps(school).encode(),
        "nested.json": b'{"a":' * 20 + b"1" + b"}" * 20,
    }


def reports():
    sha = "0123456789abcdef" * 4
    head = "qujat-filter 1\n"
    ok = (head + "status ok\ntype image/jpeg\next jpg\nwidth 10\nheight 20\n"
          "pages 1\nbytes_in 100\nsha256_in %s\nbytes_out 90\n"
          "sha256_out %s\nout_type image/jpeg\nout_ext jpg\ndpi 150\n"
          "color 1\nvariant keep 90 100\nvariant q60-150 50 60\n"
          "transform trailing data removed\nms 5\nend\n" % (sha, sha))
    lim = (head + "status limit\nlimit pixels\ntype image/png\nwidth 1\n"
           "height 1\npages 1\ndetail over the pixels limit\nend\n")
    cor = head + "status corrupt\ntype application/pdf\ndetail pdf: x\nend\n"
    return {"ok.txt": ok.encode(), "limit.txt": lim.encode(),
            "corrupt.txt": cor.encode(),
            "lowres.txt": (head + "status lowres\ntype image/tiff\nend\n")
            .encode()}


def confs():
    text = (REPO / "conf" / "qujat.conf").read_bytes()
    return {
        "qujat.conf": text,
        "small.conf": b'workers = 2;\nlog_level = "debug";\n'
                      b'limits = { max_files = 3; max_pixels = 1000L; };\n',
        "bad.conf": b'limits = { max_files = "x"; nope = 1; };\n',
    }


def others():
    return {
        "gif.gif": save(picture("P"), "GIF"),
        "bmp.bmp": save(picture(), "BMP"),
        "html.jpg": b"<!DOCTYPE html><html><body>x</body></html>\n",
        "svg.jpg": b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/'
                   b'2000/svg"><script>alert(1)</script></svg>\n',
        "elf.bin": b"\x7fELF\x02\x01\x01" + b"\0" * 57,
        "zip.zip": b"PK\x03\x04" + b"\0" * 26,
    }


def main():
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "build-fuzz/seeds")
    sets = {"manifest": manifests(), "report": reports(), "conf": confs(),
            "jpeg": jpegs(), "png": pngs(), "tiff": tiffs(), "pdf": pdfs()}
    sets["detect"] = dict(others())
    for k in ("jpeg", "png", "tiff", "pdf"):
        sets["detect"].update(("%s-%s" % (k, n), b)
                              for n, b in list(sets[k].items())[:3])
    for harness, files in sets.items():
        d = out / harness
        d.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (d / name).write_bytes(data)
    print("seeds: %s" % ", ".join("%s %d" % (h, len(f))
                                 for h, f in sets.items()))


if __name__ == "__main__":
    main()
