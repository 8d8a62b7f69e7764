#!/usr/bin/python3
"""tests/filter/run.py: qujat-filter on files made here, each report checked.

Builds JPEG, PNG, TIFF and PDF files (good, truncated, bit-flipped, over
limits, encrypted, disguised) in a temporary folder, runs the worker on
each under its real seccomp filter and checks the report, the exit status
and the output. With build/tests/evil-filter present, also checks that
the sandbox kills escapes. Usage: run.py [BUILD_DIR] (default: build, or
$QUJAT_BUILD). Ends with the line "N passed, N failed".
"""
import hashlib, io, os, shutil, struct, subprocess, sys, tempfile, zipfile, zlib

from PIL import Image, ImageDraw

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = sys.argv[1] if len(sys.argv) > 1 else os.environ.get(
    "QUJAT_BUILD", os.path.join(ROOT, "build"))
FILTER = os.path.join(BUILD, "qujat-filter")
EVIL = os.path.join(BUILD, "tests", "evil-filter")
results = {"passed": 0, "failed": 0}


def picture(mode="RGB", size=(320, 240)):
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
    yield "png 16-bit", save(picture("I"), "PNG"), [], "ok", "image/png", "png"
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
    if status == "ok" and (out != data or r["sha256_out"] != hashlib.sha256(out).hexdigest()):
        return check(name, False, "output is not the input")
    check(name, True, "")


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
        if os.access(EVIL, os.X_OK):
            run_evil(tmp)
    finally:
        shutil.rmtree(tmp)
    print("%d passed, %d failed" % (results["passed"], results["failed"]))
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
