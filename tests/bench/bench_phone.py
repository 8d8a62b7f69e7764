#!/usr/bin/python3
"""bench_phone: phone photos of a page, flattened or not.

Makes 12 MP phone photos of A4 pages with known Russian and Kazakh text
(tests/filter/phone.py: dark, light, grey and white tables, the phone's
shadow, keystone, rotation, normal and low light, EXIF orientations 1, 6
and 8), runs qujat-filter's menu on
each with and without --flatten, takes the best variant within a page's
share of the budget (SHARE bytes, as the planner would), and prints per
photo: whether the sheet was found, bytes, OCR character error rate of
the output against the drawn text beside the upload's (tesseract rus+kaz),
whether the stamp kept its blue, and the worker's CPU seconds and peak
memory; and the CPU of the run a bundle that fits gets (no menu: the page
itself) beside `vips thumbnail` of the same file. Run: make bench, or
    QUJAT_BUILD=$PWD/build /usr/bin/python3 tests/bench/bench_phone.py
"""

import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageOps

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "filter"))
import phone  # noqa: E402
from bench_engine import levenshtein  # noqa: E402

REPO = HERE.parents[1]
BUILD = Path(os.environ.get("QUJAT_BUILD", REPO / "build"))
FILTER = BUILD / "qujat-filter"
SHARE = int(os.environ.get("QUJAT_BENCH_SHARE", "350000"))

CASES = [
    ("dark, o1", dict(kind="dark", angle=2.0, keystone=0.08)),
    ("dark, o6", dict(kind="dark", angle=-1.5, keystone=0.12,
                      orientation=6)),
    ("light, o8", dict(kind="light", angle=3.0, keystone=0.06,
                       orientation=8)),
    ("light, o1", dict(kind="light", angle=-4.0, keystone=0.10)),
    ("dark low, o6", dict(kind="dark", low=True, angle=1.0,
                          orientation=6)),
    ("light low, o1", dict(kind="light", low=True, angle=-2.5,
                           keystone=0.09)),
    ("grey, o1", dict(kind="grey", angle=1.5, keystone=0.07)),
    ("white, o6", dict(kind="white", angle=-3.0, keystone=0.05,
                       orientation=6)),
    ("dark shadow, o1", dict(kind="dark", shade=1, angle=-2.0,
                             keystone=0.10)),
    ("light shadow low, o8", dict(kind="light", shade=3, low=True,
                                  angle=3.5, orientation=8)),
]


def exif(orientation):
    e = Image.Exif()
    e[0x0112] = orientation
    return e.tobytes()


def worker(data, args):
    """The report, fd 3, and the worker's CPU seconds and peak RSS (MB),
    as /usr/bin/time measures them (a child forked from this Python
    would count the interpreter's pages in its own peak)."""
    with tempfile.TemporaryFile() as fin, tempfile.TemporaryFile() as fout:
        fin.write(data)
        fin.seek(0)
        p = subprocess.run(["/usr/bin/time", "-f", "QUJAT-TIME %U %S %M",
                            str(FILTER)] + args, stdin=fin,
                           capture_output=True, pass_fds=(3,),
                           preexec_fn=lambda: os.dup2(fout.fileno(), 3))
        fout.seek(0)
        fd3 = fout.read()
    t = [l for l in p.stderr.decode().splitlines()
         if l.startswith("QUJAT-TIME")][-1].split()
    rep, variants = {}, []
    for line in p.stdout.decode().splitlines()[1:-1]:
        k, v = line.split(" ", 1)
        if k == "variant":
            f = v.split()
            variants.append((f[0], int(f[1]), int(f[3]) if len(f) > 3 else 0))
        else:
            rep[k] = v
    return rep, variants, fd3, float(t[1]) + float(t[2]), int(t[3]) / 1024


def within(variants, fd3, share):
    """The best variant within share (else the smallest), its bytes."""
    pick = next((v for v in variants if v[1] <= share), variants[-1])
    return pick[0], fd3[pick[2]:pick[2] + pick[1]]


def vips_cpu(data):
    """CPU seconds of `vips thumbnail` making a 200 dpi A4's height of
    the same file: the floor a sysadmin's script would pay."""
    with tempfile.NamedTemporaryFile(suffix=".jpg") as f, \
            tempfile.TemporaryDirectory() as d:
        f.write(data)
        f.flush()
        p = subprocess.run(["/usr/bin/time", "-f", "QUJAT-TIME %U %S",
                            "vips", "thumbnail", f.name,
                            os.path.join(d, "t.jpg"), "2339"],
                           capture_output=True)
    t = [l for l in p.stderr.decode().splitlines()
         if l.startswith("QUJAT-TIME")][-1].split()
    return float(t[1]) + float(t[2])


def cer(img, truth):
    with tempfile.NamedTemporaryFile(suffix=".png") as f:
        img.convert("L").save(f.name)
        p = subprocess.run(["tesseract", f.name, "stdout", "-l", "rus+kaz",
                            "--psm", "4"], capture_output=True, text=True)
    got = " ".join(p.stdout.split())
    want = " ".join(" ".join(truth).split())
    return levenshtein(got, want) / max(1, len(want))


def blue(img):
    px = img.convert("RGB").resize((400, 566)).getdata()
    return sum(1 for r, g, b in px if b > 120 and b - r > 50 and b - g > 30)


def row(label, kw, page, truth):
    data, _ = phone.phone(page, exif=exif, **kw)
    upload = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    cells = [label, "%d" % (len(data) // 1000), "%.3f" % cer(upload, truth)]
    for args in (["--menu", "--flatten"], ["--menu"]):
        rep, v, fd3, cpu, rss = worker(data, args + ["--target",
                                                     str(SHARE)])
        vid, out = within(v, fd3, SHARE)
        o = Image.open(io.BytesIO(out))
        cells += [vid, "%d" % (len(out) // 1000), "%.3f" % cer(o, truth),
                  "yes" if blue(o) > 20 else "NO", "%.2f" % cpu,
                  "%.0f" % rss]
    # the daemon's run for a bundle that fits: no menu, the page itself
    _, _, _, cpu, rss = worker(data, ["--flatten"])
    vips = vips_cpu(data)
    cells[9:9] = ["%.2f" % cpu, "%.2f" % vips, "%.0f" % rss]
    return cells


def main():
    page, truth = phone.text_page(200)
    hdr = ["photo", "kB in", "CER in",
           "flat: variant", "kB", "CER", "stamp", "cpu s", "MB",
           "fits: cpu s", "vips s", "MB",
           "frame: variant", "kB", "CER", "stamp", "cpu s", "MB"]
    rows = [row(label, kw, page, truth) for label, kw in CASES]
    widths = [max(len(str(x)) for x in col) for col in zip(hdr, *rows)]
    print("phone photos, 12 MP, share %d bytes per page; 'flat': "
          "--menu --flatten, 'fits': --flatten with no menu (a bundle "
          "under budget: the page at the top rung), beside `vips "
          "thumbnail` of the file to 2339 px; 'frame': --menu without "
          "--flatten (variant IDs ending in f: the sheet was found)" % SHARE)
    for r in [hdr] + rows:
        print("  ".join(str(x).rjust(w) for x, w in zip(r, widths)))
    print("reproduce: QUJAT_BUILD=%s /usr/bin/python3 %s" % (
        BUILD, Path(__file__).relative_to(REPO)))


if __name__ == "__main__":
    main()
