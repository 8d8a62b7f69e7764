"""tests/filter/pdf_world.py: PDFs made the way the world makes them
(issue 11), for test_pdf_made.py here and the integration tests.

Text documents from Ghostscript and from the layout of FPDF/TCPDF (one
resource dictionary shared by every page), a signed text PDF whose
annotations draw small icons, CCITT G4 scans from libtiff's tiffcp and
tiff2pdf and from img2pdf, a scanner's mixed-raster page (a 600 ppi
stencil over a low-resolution background), bytes before %PDF-, and
cross-reference tables damaged as editors and truncated copies damage
them. The makers need only the tools; hand-made bytes come from
pdfmake.py."""
import io, os, re, subprocess, zlib

from PIL import Image, ImageDraw, ImageFont

import pdfmake

LOREM = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do."


def run_tool(args, tmp, inputs, out):
    """Runs a tool in tmp on files {name: bytes}; returns file out."""
    for n, b in inputs.items():
        with open(os.path.join(tmp, n), "wb") as f:
            f.write(b)
    subprocess.run(args, cwd=tmp, check=True, capture_output=True)
    with open(os.path.join(tmp, out), "rb") as f:
        return f.read()


def gs_text_pdf(tmp, pages=55, logo=True):
    """A text document through Ghostscript's pdfwrite from PostScript:
    `pages` pages of Helvetica, a 64x64 colour logo on page 1."""
    ps = ["%!PS", "/Helvetica findfont 11 scalefont setfont",
          "/logo 12288 string def",
          "0 1 12287 { logo exch dup 7 mul 255 and put } for"]
    ps.append("1 1 %d { /pg exch def" % pages)
    if logo:
        ps.append("pg 1 eq { gsave 60 760 translate 48 48 scale 64 64 8 "
                  "[64 0 0 -64 0 64] { logo } false 3 colorimage grestore } if")
    ps.append("72 720 moveto (Page ) show pg 10 string cvs show "
              "700 -14 100 { 72 exch moveto (%s) show } for showpage } for"
              % LOREM)
    return run_tool(["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER",
                  "-sDEVICE=pdfwrite", "-sOutputFile=t.pdf", "t.ps"], tmp,
                 {"t.ps": "\n".join(ps).encode()}, "t.pdf")


def gs_certificate_pdf(tmp):
    """A born-digital certificate through Ghostscript: a 100x141 colour
    background stretched over the page (12 ppi), the text over it."""
    ps = ["%!PS", "/bg 42300 string def",
          "0 1 42299 { bg exch dup 97 mod 40 add 255 and put } for",
          "gsave 595 842 scale 100 141 8 [100 0 0 -141 0 141] { bg } false 3 "
          "colorimage grestore", "/Helvetica findfont 14 scalefont setfont",
          "700 -20 100 { 72 exch moveto (%s) show } for showpage" % LOREM]
    return run_tool(["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER",
                  "-sDEVICE=pdfwrite", "-sOutputFile=t.pdf", "t.ps"], tmp,
                 {"t.ps": "\n".join(ps).encode()}, "t.pdf")


def ocr_scan_pdf(dpi, under=False):
    """A scan at dpi with its OCR text as tesseract and OCRmyPDF write
    it (after the image, invisible: 3 Tr), or, under, as "text under
    image" writes it (visible, drawn first, the image over it)."""
    im = bilevel_page(dpi).convert("L")
    jpg = io.BytesIO()
    im.save(jpg, "JPEG", quality=75)
    img = b"q 595.28 0 0 841.89 0 0 cm /Im0 Do Q\n"
    text = b"BT %s/F1 11 Tf 72 720 Td (%s) Tj ET\n" % (
        b"" if under else b"3 Tr ", LOREM.encode())
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Count 1 /Kids [3 0 R] >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.28 841.89] "
            b"/Resources << /XObject << /Im0 5 0 R >> /Font << /F1 6 0 R >> "
            b">> /Contents 4 0 R >>",
            pdfmake.stream(b"", text + img if under else img + text),
            pdfmake.stream(b"/Type /XObject /Subtype /Image /Width %d /Height %d "
                   b"/ColorSpace /DeviceGray /BitsPerComponent 8 "
                   b"/Filter /DCTDecode" % im.size, jpg.getvalue()),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    return pdfmake.build(objs, version=b"1.4")



def rgb_image(w, h, seed=0):
    im = Image.new("RGB", (w, h), (200, 40 + seed * 30, 60))
    ImageDraw.Draw(im).ellipse((2, 2, w - 3, h - 3), fill=(30, 60, 200))
    return pdfmake.stream(b"/Type /XObject /Subtype /Image /Width %d /Height %d "
                  b"/ColorSpace /DeviceRGB /BitsPerComponent 8 "
                  b"/Filter /FlateDecode" % (w, h), zlib.compress(im.tobytes()))


def text_content(page):
    lines = [b"BT /F1 11 Tf 72 720 Td (Page %d) Tj ET" % page]
    for i, y in enumerate(range(700, 100, -14)):
        lines.append(b"BT /F1 11 Tf 72 %d Td (%s %d) Tj ET"
                     % (y, LOREM.encode(), i))
    return b"\n".join(lines) + b"\n"


def fpdf_text_pdf(pages=55):
    """FPDF's and TCPDF's layout: every page's /Resources is one shared
    dictionary naming every font and image of the document; the 60x30
    logo (listed first, object 3) is drawn on page 1 only."""
    n0 = 6          # 1 catalog, 2 pages, 3 logo, 4 font, 5 resources
    kids = b" ".join(b"%d 0 R" % (n0 + 2 * i) for i in range(pages))
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Count %d /Kids [%s] >>" % (pages, kids),
            rgb_image(60, 30),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            b"<< /ProcSet [/PDF /Text /ImageC] /Font << /F1 4 0 R >> "
            b"/XObject << /I1 3 0 R >> >>"]
    for p in range(pages):
        content = text_content(p + 1)
        if p == 0:
            content = b"q 90 0 0 45 450 770 cm /I1 Do Q\n" + content
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.28 "
                    b"841.89] /Resources 5 0 R /Contents %d 0 R >>"
                    % (n0 + 2 * p + 1))
        objs.append(pdfmake.stream(b"", content))
    return pdfmake.build(objs, version=b"1.4")


def signed_icons_pdf():
    """A signed text page: three 24x24 icons in the page's resources are
    drawn by its annotations' appearances, not its content; a /Sig field
    with a /ByteRange."""
    icons = [rgb_image(24, 24, i) for i in range(3)]
    # 1 catalog, 2 pages, 3 page, 4 content, 5 font, 6-8 icons, 9-11
    # appearances, 12-14 annotations, 15 signature value
    xo = b" ".join(b"/Ic%d %d 0 R" % (i, 6 + i) for i in range(3))
    annots = b" ".join(b"%d 0 R" % (12 + i) for i in range(3))
    objs = [b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [14 0 R] "
            b"/SigFlags 3 >> >>",
            b"<< /Type /Pages /Count 1 /Kids [3 0 R] >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.28 841.89] "
            b"/Resources << /Font << /F1 5 0 R >> /XObject << %s >> >> "
            b"/Annots [%s] /Contents 4 0 R >>" % (xo, annots),
            pdfmake.stream(b"", text_content(1)),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    objs += icons
    for i in range(3):
        objs.append(pdfmake.stream(b"/Type /XObject /Subtype /Form /BBox [0 0 24 24] "
                           b"/Resources << /XObject << /I %d 0 R >> >>"
                           % (6 + i), b"q 24 0 0 24 0 0 cm /I Do Q"))
    for i in range(3):
        extra = (b"/FT /Sig /T (Signature1) /V 15 0 R /F 132 " if i == 2
                 else b"/Subtype /Text ")
        objs.append(b"<< /Type /Annot %s/Subtype /Widget /P 3 0 R "
                    b"/Rect [%d 60 %d 84] /AP << /N %d 0 R >> >>"
                    % (extra, 400 + 30 * i, 424 + 30 * i, 9 + i))
    objs.append(b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter "
                b"/adbe.pkcs7.detached /ByteRange [0 10 20 30] "
                b"/Contents <00> >>")
    return pdfmake.build(objs, version=b"1.4")


def bilevel_page(dpi, seed=0):
    """An A4 bilevel text page (mode 1) at dpi."""
    w, h = int(8.27 * dpi + 0.5), int(11.69 * dpi + 0.5)
    im = Image.new("1", (w, h), 1)
    d = ImageDraw.Draw(im)
    f = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                           dpi * 11 // 72)
    for i, y in enumerate(range(dpi, h - dpi, dpi * 11 // 48)):
        d.text((dpi * 3 // 4, y), "%s %d %d" % (LOREM, seed, i), fill=0,
               font=f)
    return im


def g4_tiff(tmp, dpi=600):
    """A bilevel A4 page, G4-compressed by libtiff's tiffcp, one strip."""
    raw = io.BytesIO()
    bilevel_page(dpi).save(raw, "TIFF", dpi=(dpi, dpi))
    return run_tool(["tiffcp", "-c", "g4", "-r", "100000", "in.tif", "g4.tif"],
                 tmp, {"in.tif": raw.getvalue()}, "g4.tif")


def g4_strip(tif):
    """The G4 data and size of a one-strip TIFF."""
    im = Image.open(io.BytesIO(tif))
    off, n = im.tag_v2[273], im.tag_v2[279]
    off, n = (off[0] if isinstance(off, tuple) else off,
              n[0] if isinstance(n, tuple) else n)
    return tif[off:off + n], im.size


def mrc_pdf(tmp, dpi=600):
    """A scanner's mixed-raster page: a 60x85 JPEG background covering
    the page, then the text as a CCITT G4 /ImageMask at dpi covering it
    too (the background first: its object number is the lower)."""
    data, (w, h) = g4_strip(g4_tiff(tmp, dpi))
    bg = io.BytesIO()
    Image.new("RGB", (60, 85), (236, 230, 214)).save(bg, "JPEG", quality=80)
    content = (b"q 595.28 0 0 841.89 0 0 cm /Bg Do Q\n"
               b"q 0.1 0.1 0.3 rg 595.28 0 0 841.89 0 0 cm /Fg Do Q\n")
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Count 1 /Kids [3 0 R] >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.28 841.89] "
            b"/Resources << /XObject << /Bg 5 0 R /Fg 6 0 R >> >> "
            b"/Contents 4 0 R >>",
            pdfmake.stream(b"", content),
            pdfmake.stream(b"/Type /XObject /Subtype /Image /Width 60 /Height 85 "
                   b"/ColorSpace /DeviceRGB /BitsPerComponent 8 "
                   b"/Filter /DCTDecode", bg.getvalue()),
            pdfmake.stream(b"/Type /XObject /Subtype /Image /Width %d /Height %d "
                   b"/ImageMask true /BitsPerComponent 1 /Filter "
                   b"/CCITTFaxDecode /DecodeParms << /K -1 /Columns %d "
                   b"/Rows %d >>" % (w, h, w, h), data)]
    return pdfmake.build(objs, version=b"1.4")


def tiff2pdf_g4(tmp, dpi=600):
    return run_tool(["tiff2pdf", "-o", "o.pdf", "g4.tif"], tmp,
                 {"g4.tif": g4_tiff(tmp, dpi)}, "o.pdf")


def img2pdf_g4(tmp, dpi=600):
    return run_tool(["img2pdf", "-o", "o.pdf", "g4.tif"], tmp,
                 {"g4.tif": g4_tiff(tmp, dpi)}, "o.pdf")


def img2pdf_scan(tmp, pages):
    """A colour scan through img2pdf: each page a JPEG (PIL images)."""
    names = {}
    for i, p in enumerate(pages):
        b = io.BytesIO()
        p.save(b, "JPEG", quality=90, dpi=(300, 300))
        names["p%d.jpg" % i] = b.getvalue()
    return run_tool(["img2pdf", "-o", "o.pdf"] + sorted(names), tmp, names,
                 "o.pdf")


def junk_before(pdf, n):
    """n bytes before %PDF-: a mail gateway's or a scanner's header."""
    head = b"".join(b"X-Scanner-Job: %08d\r\n" % i for i in range(n // 24 + 1))
    return head[:n] + pdf


def editor_damaged(pdf):
    """What a text editor or a CRLF conversion of the header does: a
    line inserted after the header, every xref offset now wrong."""
    nl = pdf.index(b"\n", pdf.index(b"\n") + 1) + 1
    return pdf[:nl] + b"% edited\n" + pdf[nl:]


def xref_truncated(pdf):
    """The xref table cut after its first entries (a copy that lost its
    last block and was closed by hand): the remaining entries lie."""
    x = pdf.rindex(b"\nxref") + 1
    size = int(re.search(rb"/Size (\d+)", pdf[x:]).group(1))
    root = int(re.search(rb"/Root (\d+) 0 R", pdf[x:]).group(1))
    return pdf[:x] + pdfmake.xref([15], x, root, size=size, count=size)


def length_rewritten(pdf, value):
    """The first image's /Length rewritten in place (a tool that edited
    the dictionary): the stream's length lies, or names an object the
    file lacks, and every xref offset after it moved."""
    return re.sub(rb"(/Subtype\s*/Image[^>]*?/Length\s*)\d+|"
                  rb"(/Length\s*)\d+(?=[^>]*/Subtype\s*/Image)",
                  lambda m: (m.group(1) or m.group(2)) + value, pdf, count=1)


def qpdf_check(tmp, pdf):
    """qpdf --check's exit status and its output."""
    f = os.path.join(tmp, "chk.pdf")
    with open(f, "wb") as o:
        o.write(pdf)
    p = subprocess.run(["qpdf", "--check", f], capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def poppler_pages(tmp, pdf):
    """pdfinfo's page count and its complaints."""
    f = os.path.join(tmp, "info.pdf")
    with open(f, "wb") as o:
        o.write(pdf)
    p = subprocess.run(["pdfinfo", f], capture_output=True, text=True)
    m = re.search(r"^Pages:\s+(\d+)", p.stdout, re.M)
    return (int(m.group(1)) if m else 0), p.stderr
