"""tests/filter/test_report.py: the worker's report (report.h) on files of
every kind: good, truncated, bit-flipped, over the limits, encrypted,
disguised. Each case checks the status, the type, the extension or the
limit named, sha256_in, and the output: the input itself, or a PDF for a
TIFF, with its sha256_out. One test per row of CASES."""

import hashlib, io, os, re, shutil, struct, subprocess, sys, tempfile, unittest, \
    zipfile

from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixtures import (  # noqa: E402
    FILTER, WorkerTest, picture, png_interlaced, png_raw, qpdf, read,
    save, write)


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


class Inputs:
    """The pictures and documents the cases are made of, drawn once."""

    def __init__(self, tmp):
        self.tmp = tmp
        im = self.im = picture()
        self.jpg, self.png = save(im, "JPEG", quality=85), save(im, "PNG")
        self.tif3 = save(im, "TIFF", compression="tiff_lzw", save_all=True,
                         append_images=[im.convert("L"), im.convert("1")])
        self.pdf3 = save(im, "PDF", save_all=True, append_images=[im, im])


def zip_file():
    z = io.BytesIO()
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("a.txt", "hello" * 100)
    return z.getvalue()


# name, the upload made from Inputs i, the worker's arguments, and the
# report wanted: status, type, then ext (ok) or the limit named (limit)
CASES = [
    ("jpeg baseline", lambda i: i.jpg, [], "ok", "image/jpeg", "jpg"),
    ("jpeg progressive", lambda i: save(i.im, "JPEG", progressive=True), [], "ok", "image/jpeg", "jpg"),
    ("jpeg grey", lambda i: save(i.im.convert("L"), "JPEG"), [], "ok", "image/jpeg", "jpg"),
    ("jpeg cmyk", lambda i: save(i.im.convert("CMYK"), "JPEG"), [], "ok", "image/jpeg", "jpg"),
    ("jpeg truncated", lambda i: truncated(i.jpg), [], "corrupt", "image/jpeg", None),
    ("jpeg header only", lambda i: i.jpg[:400], [], "corrupt", "image/jpeg", None),
    ("jpeg 65000x65000", lambda i: jpeg_dims(i.jpg, 65000, 65000), ["--max-pixels", "100000000"], "limit", "image/jpeg", "pixels"),
    ("jpeg blank", lambda i: save(Image.new("RGB", (200, 100), "white"), "JPEG"), [], "blank", "image/jpeg", None),
    ("png rgb", lambda i: i.png, [], "ok", "image/png", "png"),
    ("png alpha", lambda i: save(i.im.convert("RGBA"), "PNG"), [], "ok", "image/png", "png"),
    ("png palette", lambda i: save(i.im.convert("P"), "PNG"), [], "ok", "image/png", "png"),
    ("png 16-bit", lambda i: save(picture("L").convert("I").point(lambda v: v * 257), "PNG"), [], "ok", "image/png", "png"),
    ("png interlaced", lambda i: png_interlaced(i.im), [], "ok", "image/png", "png"),
    ("png truncated", lambda i: truncated(i.png), [], "corrupt", "image/png", None),
    ("png bit-flipped", lambda i: flipped(i.png), [], "corrupt", "image/png", None),
    ("png 100000x100000", lambda i: png_raw(100000, 100000, b"\0" * 1000, 0), ["--max-pixels", "100000000"], "limit", "image/png", "pixels"),
    ("png blank", lambda i: save(Image.new("L", (200, 100), 255), "PNG"), [], "blank", "image/png", None),
    ("tiff lzw", lambda i: save(i.im, "TIFF", compression="tiff_lzw"), [], "ok", "image/tiff", "tif"),
    ("tiff deflate", lambda i: save(i.im, "TIFF", compression="tiff_adobe_deflate"), [], "ok", "image/tiff", "tif"),
    ("tiff g4", lambda i: save(i.im.convert("1"), "TIFF", compression="group4"), [], "ok", "image/tiff", "tif"),
    ("tiff 3 pages", lambda i: i.tif3, [], "ok", "image/tiff", "tif"),
    ("tiff over max-pages", lambda i: i.tif3, ["--max-pages", "2"], "limit", "image/tiff", "pages"),
    ("tiff truncated", lambda i: truncated(i.tif3), [], "corrupt", "image/tiff", None),
    ("tiff bit-flipped", lambda i: flipped(i.tif3), [], "corrupt", "image/tiff", None),
    ("pdf 3 pages", lambda i: i.pdf3, [], "ok", "application/pdf", "pdf"),
    ("pdf over max-pages", lambda i: i.pdf3, ["--max-pages", "2"], "limit", "application/pdf", "pages"),
    ("pdf over max-objects", lambda i: i.pdf3, ["--max-objects", "5"], "limit", "application/pdf", "objects"),
    ("pdf truncated", lambda i: truncated(i.pdf3), [], "corrupt", "application/pdf", None),
    ("pdf no pages", lambda i: qpdf(["--empty"], b"", i.tmp), [], "corrupt", "application/pdf", None),
    ("pdf user password", lambda i: qpdf(["--encrypt", "user", "owner", "256"], i.pdf3, i.tmp), [], "encrypted", "application/pdf", None),
    ("pdf owner password only", lambda i: qpdf(["--encrypt", "", "owner", "256"], i.pdf3, i.tmp), [], "ok", "application/pdf", "pdf"),
    ("over max-bytes", lambda i: i.pdf3, ["--max-bytes", "1000"], "limit", "application/pdf", "bytes"),
    ("zip named pdf", lambda i: zip_file(), [], "unsupported", "application/zip", None),
    ("elf named pdf", lambda i: read("/bin/ls"), [], "unsupported", None, None),
    ("empty file", lambda i: b"", [], "unsupported", None, None),
]


def report(text):
    lines = text.decode("ascii").split("\n")
    assert lines[0] == "qujat-filter 1", "first line %r" % lines[0]
    assert lines[-2:] == ["end", ""], "last line"
    return dict(l.split(" ", 1) for l in lines[1:-2])


class ReportTest(WorkerTest):
    """test_<case>_is_<status> for each row of CASES."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.inputs_dir = tempfile.mkdtemp(prefix="qujat-filter-test.")
        cls.addClassCleanup(shutil.rmtree, cls.inputs_dir)
        cls.inputs = Inputs(cls.inputs_dir)

    def check_case(self, make, args, status, mtype, extra):
        tmp = self.tmp
        data = make(self.inputs)
        src, dst = os.path.join(tmp, "upload"), os.path.join(tmp, "output")
        write(src, data)
        with open(src, "rb") as fin, open(dst, "wb") as fout:
            p = subprocess.run([FILTER] + args, stdin=fin, pass_fds=(3,),
                               capture_output=True, timeout=60,
                               preexec_fn=lambda: os.dup2(fout.fileno(), 3))
        if p.returncode != 0:
            self.fail("exit %d: %s" % (p.returncode, p.stderr[:200]))
        try:
            r = report(p.stdout)
        except Exception as e:
            self.fail("bad report: %s" % e)
        want = {"status": status}
        if mtype:
            want["type"] = mtype
        if status == "ok":
            want["ext"] = extra
        if status == "limit":
            want["limit"] = extra
        got = {k: r.get(k) for k in want}
        out = read(dst)
        if got != want:
            self.fail("got %s, want %s (detail %s)" % (got, want, r.get("detail")))
        if r.get("sha256_in") != hashlib.sha256(data[:int(r["bytes_in"])]).hexdigest():
            self.fail("sha256_in")
        if status == "ok" and r["sha256_out"] != hashlib.sha256(out).hexdigest():
            self.fail("sha256_out is not the output's")
        if status == "ok" and mtype == "image/tiff":
            if not out.startswith(b"%PDF-") or r.get("out_type") != "application/pdf":
                self.fail("a tiff did not become a pdf")
        elif status == "ok" and out != data:
            self.fail("output is not the input")


def case_test(name, make, args, status, mtype, extra):
    def test(self):
        self.check_case(make, args, status, mtype, extra)
    test.__name__ = "test_%s_is_%s" % (re.sub(r"[^a-z0-9]+", "_", name), status)
    test.__doc__ = "%s: %s%s." % (name, status, " (%s)" % " ".join(args) if args else "")
    return test


for _case in CASES:
    _test = case_test(*_case)
    assert not hasattr(ReportTest, _test.__name__), _test.__name__
    setattr(ReportTest, _test.__name__, _test)


if __name__ == "__main__":
    unittest.main()
