#!/usr/bin/python3
"""bench_engine: qujat's engine against the tools a sysadmin would script.

On a generated corpus of six bundles (one per service, each over 5 MB:
300 and 600 dpi colour scans, a phone photo with EXIF rotation and GPS, a
grey PNG, a 3-page TIFF, scanned PDFs), runs `qujat compress` per bundle
and, per file, Ghostscript pdfwrite /ebook (PDF), ImageMagick convert
-resize -quality 75, jpegoptim --size (JPEG) and vips thumbnail, and
prints one table: bytes and whether each bundle fits 5 MB, SSIM against
the original (grey, common scale, worst page; computed here), whether the
blue stamp survived, OCR character error rate (tesseract rus+kaz) beside
the original's, wall and CPU seconds per megapixel and peak memory of one
process, with qujat's ratio to each peer; then, per class of scanned
PDF (DCT or Flate page images, 3 to 60 pages), qujat's CPU over gs
/ebook's and over the libjpeg-turbo floor's (djpeg -scale 1/2 | cjpeg -q
75 per page image), and its peak memory. Run: make bench-engine, or
    QUJAT_BUILD=$PWD/build /usr/bin/python3 tests/bench/bench_engine.py
(--pdf-classes: that last table alone).
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("QUJAT_BUILD", REPO / "build"))
BUDGET = 5000000
OCR = os.environ.get("QUJAT_BENCH_OCR", "1") != "0"
# PDFs are rendered at 300 dpi, and every page, image or PDF, is then
# brought to the common scale by the same area average (grey()). A PDF
# rendered straight at 100 dpi goes through pdftoppm's own downscaling,
# which an image compared with it does not: a TIFF made a PDF scored SSIM
# 0.89 that way, 0.98 this way.
RENDER_DPI = 300
# Debian's ImageMagick itself, not a wrapper earlier in PATH
CONVERT = "/usr/bin/convert" if os.path.exists("/usr/bin/convert") \
    else "convert"


def run(cmd, **kw):
    """(returncode, wall s, cpu s, peak RSS MB of the largest process).
    GNU time reports the peak: ru_maxrss of a child forked from this big
    Python process would start at this process's own size."""
    with tempfile.NamedTemporaryFile(mode="r") as tf:
        t0 = time.monotonic()
        p = subprocess.run(["/usr/bin/time", "-q", "-f", "%U %S %M", "-o",
                            tf.name] + cmd, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, **kw)
        wall = time.monotonic() - t0
        u, s, m = tf.read().split()[-3:]
    if p.returncode != 0 and p.stderr:
        sys.stderr.write("%s: %s\n" % (cmd[0], p.stderr.decode(
            errors="replace").strip()[:300]))
    return p.returncode, wall, float(u) + float(s), int(m) / 1024.0


def pages_of(path, dpi=100, color=False):
    """The pages of a file as a viewer shows them (EXIF orientation
    applied), as PIL images."""
    path = Path(path)
    head = path.read_bytes()[:8]
    if head.startswith(b"%PDF"):
        with tempfile.TemporaryDirectory() as t:
            subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(path),
                            t + "/p"], check=True)
            return [Image.open(p).convert("RGB") for p in
                    sorted(Path(t).glob("p*.png"))]
    im = Image.open(path)
    out = []
    for i in range(getattr(im, "n_frames", 1)):
        im.seek(i)
        out.append(ImageOps.exif_transpose(im.copy()).convert("RGB"))
    return out


def grey(img, width, like=None):
    """img in grey, width pixels wide and as high as `like` (the original)
    at that width: an output whose size was rounded a pixel differently
    (1754x2338 for 1754.4x2338.6) is stretched onto the original's grid,
    not compared with a one-row drift down the page."""
    ref = like or img
    h = max(1, round(ref.size[1] * width / ref.size[0]))
    return np.asarray(img.convert("L").resize((width, h), Image.BOX),
                      dtype=np.float64)


def _box(a, k=7):
    c = np.cumsum(np.cumsum(np.pad(a, ((1, 0), (1, 0))), 0), 1)
    return (c[k:, k:] - c[:-k, k:] - c[k:, :-k] + c[:-k, :-k]) / (k * k)


def ssim(a, b):
    """Mean SSIM (7x7 box windows) of two grey images of one size."""
    h = min(a.shape[0], b.shape[0])
    a, b = a[:h], b[:h]
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    ma, mb = _box(a), _box(b)
    va = _box(a * a) - ma * ma
    vb = _box(b * b) - mb * mb
    cov = _box(a * b) - ma * mb
    s = ((2 * ma * mb + c1) * (2 * cov + c2)) / \
        ((ma * ma + mb * mb + c1) * (va + vb + c2))
    return float(s.mean())


def blue_pixels(img):
    a = np.asarray(img.convert("RGB").resize((827, round(
        img.size[1] * 827 / img.size[0]))), dtype=np.int32)
    r, g, b = a[..., 0], a[..., 1], a[..., 2]
    return int(((b - r > 45) & (b - g > 25)).sum())


def levenshtein(a, b):
    """Edit distance, one numpy row at a time (insertions by a running
    minimum), so pages of text take milliseconds."""
    bb = np.frombuffer(b.encode("utf-32-le"), dtype=np.uint32)
    idx = np.arange(len(bb) + 1)
    prev = idx.copy()
    for i, ch in enumerate(a, 1):
        cost = (bb != ord(ch)).astype(np.int64)
        t = np.empty_like(prev)
        t[0] = i
        t[1:] = np.minimum(prev[1:] + 1, prev[:-1] + cost)
        prev = np.minimum.accumulate(t - idx) + idx
    return int(prev[-1])


def cer(img, truth):
    with tempfile.NamedTemporaryFile(suffix=".png") as f:
        img.save(f.name)
        p = subprocess.run(["tesseract", f.name, "stdout", "-l", "rus+kaz",
                            "--psm", "4"], capture_output=True, text=True)
    got = " ".join(p.stdout.split())
    want = " ".join(" ".join(truth).split())
    return 100.0 * levenshtein(got, want) / max(1, len(want))


class Result:
    def __init__(self):
        self.bytes = 0
        self.handled = 0
        self.wall = self.cpu = 0.0
        self.peak = 0.0
        self.mp = 0.0
        self.ssims = []          # worst page per file
        self.stamps = [0, 0]     # kept, had
        self.cer = []            # (out - orig) per checked page
        self.fits = 0
        self.per_file = {}       # name -> (worst SSIM, bytes out)
        self.cost = {}           # name -> (wall s, cpu s) for that file


def megapixels(path):
    return sum(p.size[0] * p.size[1] for p in pages_of(path, dpi=200)) / 1e6


def is_a4(img):
    w, h = sorted(img.size)
    return abs(h / w / 2 ** 0.5 - 1) < 0.03


def evaluate(res, doc, src, out, orig_pages, orig_cer):
    if out is None or not Path(out).exists():
        return
    outp = pages_of(out, dpi=RENDER_DPI)
    if len(outp) != len(orig_pages):
        res.ssims.append(0.0)   # a page lost
        return
    # A photographed page that came out as the page (flattened: A4 where
    # the frame is not) is compared with the page as drawn, not with the
    # frame around it, which it no longer is.
    if doc.page is not None and is_a4(outp[0]) and not is_a4(orig_pages[0]):
        orig_pages = [doc.page]
    # A common scale: A4 at 100 dpi, or the smaller of the two images
    # (a photo_3x4 is meant to become 600x800).
    worst = min(ssim(grey(a, w), grey(b, w, a))
                for a, b in zip(orig_pages, outp)
                for w in [min(827, a.size[0], b.size[0])])
    res.ssims.append(worst)
    res.per_file[doc.name] = (worst, Path(out).stat().st_size)
    had = blue_pixels(orig_pages[0]) > 200
    if had:
        res.stamps[1] += 1
        res.stamps[0] += blue_pixels(outp[0]) > 0.3 * blue_pixels(
            orig_pages[0])
    if OCR and doc.truths and orig_cer is not None and not doc.photo:
        hi = outp[0]
        res.cer.append(cer(hi, doc.truths[0][0]) - orig_cer)


def peer_cmds(tool, src, outdir, share):
    """The command a sysadmin would use for src, and its output path."""
    name = Path(src).name
    stem, ext = os.path.splitext(name)
    head = Path(src).read_bytes()[:4]
    is_pdf, is_tif = head == b"%PDF", head[:2] in (b"II", b"MM")
    is_jpg = head[:2] == b"\xff\xd8"
    im_dpi = 300
    if not is_pdf:
        w = Image.open(src).size[0]
        im_dpi = max(w, Image.open(src).size[1] * 210 / 297) / 8.27
    pct = min(100.0, 100.0 * 200 / im_dpi)
    if tool == "gs" and is_pdf:
        out = outdir / name
        return ["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER",
                "-sDEVICE=pdfwrite", "-dPDFSETTINGS=/ebook",
                "-sOutputFile=%s" % out, str(src)], out
    if tool == "convert" and not is_pdf:
        # Debian's ImageMagick policy forbids writing PDF: a multi-page
        # TIFF stays a TIFF, with JPEG inside.
        out = outdir / (stem + (".tif" if is_tif else ".jpg"))
        return [CONVERT, str(src), "-auto-orient", "-resize", "%.1f%%" % pct,
                "-quality", "75"] + (["-compress", "jpeg"] if is_tif else []) \
            + [str(out)], out
    if tool == "jpegoptim" and is_jpg:
        out = outdir / name
        return ["jpegoptim", "-q", "--strip-all", "--size=%dk" % max(
            20, share // 1000), "--dest=%s" % outdir, str(src)], out
    if tool == "vips" and not is_pdf and not is_tif:
        out = outdir / (stem + ".jpg")
        w = max(64, int(Image.open(src).size[0] * pct / 100))
        return ["vips", "thumbnail", str(src), "%s[Q=75,strip]" % out,
                str(w), "--size", "down"], out
    return None, None


TOOLS = ("qujat", "gs", "convert", "jpegoptim", "vips")


def bench(root):
    bundles = corpus.make_docs()
    results = {t: Result() for t in TOOLS}
    for service, docs in bundles.items():
        src = corpus.write(root / "in" / service, docs)
        total_in = sum(len(d.data) for d in docs)
        print("%-18s %d files, %.1f MB in" % (service, len(docs),
                                              total_in / 1e6), flush=True)
        origs = [pages_of(s, dpi=RENDER_DPI) for s in src]
        orig_cer = [cer(o[0], d.truths[0][0])
                    if OCR and d.truths and not d.photo else None
                    for o, d in zip(origs, docs)]
        mps = [megapixels(s) for s in src]
        for tool in TOOLS:
            r = results[tool]
            outdir = root / tool / service
            outdir.mkdir(parents=True)
            outs = run_tool(tool, r, src, docs, outdir, total_in, mps)
            size = sum(Path(o).stat().st_size if o and Path(o).exists()
                       else len(d.data) for o, d in zip(outs, docs))
            r.bytes += size
            r.fits += size <= BUDGET
            for d, s, o, op, oc in zip(docs, src, outs, origs, orig_cer):
                evaluate(r, d, s, o, op, oc)
    return results


def run_tool(tool, r, src, docs, outdir, total_in, mps):
    if tool == "qujat":
        photos = [s for s, d in zip(src, docs) if d.photo]
        pages = [s for s, d in zip(src, docs) if not d.photo]
        outs = {}
        for group, extra in ((pages, []), (photos, ["--photo"])):
            if not group:
                continue
            budget = BUDGET * sum(len(Path(g).read_bytes()) for g in group) \
                // total_in if photos and pages else BUDGET
            rc, wall, cpu, peak = run([str(BUILD / "qujat"), "compress"] +
                                      [str(g) for g in group] +
                                      ["-o", str(outdir), "--budget",
                                       str(budget), "--json"] + extra)
            r.wall += wall
            r.cpu += cpu
            r.peak = max(r.peak, peak)
            for g in group:
                hits = [p for p in outdir.iterdir()
                        if p.stem == Path(g).stem]
                outs[g] = hits[0] if hits else None
        r.mp += sum(mps)
        r.handled += len(src)
        time_each(r, src, docs, outdir.parent / (outdir.name + "-each"),
                  total_in)
        return [outs.get(s) for s in src]
    outs = []
    for s, d, mp in zip(src, docs, mps):
        share = BUDGET * len(d.data) // total_in
        cmd, out = peer_cmds(tool, s, outdir, share)
        if cmd is None:
            outs.append(None)
            continue
        rc, wall, cpu, peak = run(cmd)
        r.wall += wall
        r.cpu += cpu
        r.peak = max(r.peak, peak)
        r.mp += mp
        r.handled += 1
        r.cost[d.name] = (wall, cpu)
        outs.append(out if rc == 0 else None)
    return outs


def time_each(r, src, docs, outdir, total_in):
    """qujat on each file alone, with the file's share of the budget (as
    the peers get it), so that its cost can be set against each peer's on
    exactly the files that peer handles."""
    outdir.mkdir(parents=True)
    for s, d in zip(src, docs):
        share = BUDGET * len(d.data) // total_in
        rc, wall, cpu, _ = run([str(BUILD / "qujat"), "compress", str(s),
                                "-o", str(outdir), "--budget", str(share),
                                "--json"] + (["--photo"] if d.photo else []))
        r.cost[d.name] = (wall, cpu)


def versions():
    v = {}
    for tool, cmd in (("gs", ["gs", "--version"]),
                      ("convert", [CONVERT, "-version"]),
                      ("jpegoptim", ["jpegoptim", "--version"]),
                      ("vips", ["vips", "--version"]),
                      ("tesseract", ["tesseract", "--version"])):
        try:
            p = subprocess.run(cmd, capture_output=True, text=True)
            v[tool] = (p.stdout or p.stderr).splitlines()[0].strip()
        except (OSError, IndexError):
            v[tool] = "missing"
    return v


def table(results):
    q = results["qujat"]
    rows = []
    hdr = ("tool", "files", "fits", "MB out", "SSIM med", "SSIM min",
           "stamps", "OCR +pp max", "wall s/MP", "cpu s/MP", "peak MB",
           "qujat/peer wall", "qujat/peer cpu")
    for t in TOOLS:
        r = results[t]
        if not r.handled:
            continue
        w = r.wall / max(r.mp, 1e-9)
        c = r.cpu / max(r.mp, 1e-9)
        # qujat's cost on the same files as this peer, each alone
        same = [n for n in r.cost if n in q.cost]
        qw = sum(q.cost[n][0] for n in same)
        qc = sum(q.cost[n][1] for n in same)
        pw = sum(r.cost[n][0] for n in same)
        pc = sum(r.cost[n][1] for n in same)
        rows.append((t, "%d" % r.handled, "%d/6" % r.fits,
                     "%.1f" % (r.bytes / 1e6),
                     "%.3f" % statistics.median(r.ssims) if r.ssims else "-",
                     "%.3f" % min(r.ssims) if r.ssims else "-",
                     "%d/%d" % tuple(r.stamps),
                     "%.1f" % max(r.cer) if r.cer else "-",
                     "%.3f" % w, "%.3f" % c, "%.0f" % r.peak,
                     "%.2f" % (qw / pw) if t != "qujat" and pw else "1",
                     "%.2f" % (qc / pc) if t != "qujat" and pc else "1"))
    widths = [max(len(str(x)) for x in col) for col in zip(hdr, *rows)]
    for row in [hdr] + rows:
        print("  ".join(str(x).rjust(w) for x, w in zip(row, widths)))


def per_file_table(results):
    """Worst-page SSIM and kB out per file, for each tool that handled it."""
    names = list(results["qujat"].per_file)
    print("\nper file: worst-page SSIM / kB out ('-': the tool does not "
          "take this file; a photographed page that came out as an A4 page, "
          "flattened, is set against the page as drawn, not its frame)")
    print("%-18s" % "file" + "".join("%18s" % t for t in TOOLS))
    for n in names:
        cells = []
        for t in TOOLS:
            v = results[t].per_file.get(n)
            cells.append("%18s" % ("%.3f / %d" % (v[0], v[1] // 1000)
                                   if v else "-"))
        print("%-18s" % n + "".join(cells))
    print("\nper file: CPU seconds (qujat: the file alone, with its share "
          "of the budget)")
    print("%-18s" % "file" + "".join("%18s" % t for t in TOOLS))
    for n in names:
        print("%-18s" % n + "".join(
            "%18s" % ("%.3f" % results[t].cost[n][1]
                      if n in results[t].cost else "-") for t in TOOLS))


# Scanned PDFs by class: (name, pages, how the page images are stored:
# JPEG q75 or PNG, through img2pdf). Pages repeat three drawn ones: what
# costs is decoding, not drawing.
PDF_CLASSES = (("scan DCT, 3 pages", 3, "jpg"),
               ("scan Flate, 3 pages", 3, "png"),
               ("scan DCT, 20 pages", 20, "jpg"),
               ("scan DCT, 60 pages", 60, "jpg"))


FLOOR_RUNS = 10


def floor_cmd(tmp, pdf, obj, k, kind):
    """The libjpeg-turbo floor for one page image: djpeg -scale 1/2 |
    cjpeg -q 75 on its JPEG; for a Flate image (no JPEG to decode) its
    inflate (zlib-flate) and cjpeg -q 75 of the half-size pixels."""
    raw = tmp / ("img%d.raw" % k)
    with open(raw, "wb") as f:
        subprocess.run(["qpdf", "--show-object=%d" % obj,
                        "--raw-stream-data", str(pdf)], stdout=f,
                       check=True)
    if kind == "jpg":
        return "djpeg -scale 1/2 %s | cjpeg -quality 75 >/dev/null" % raw
    return ("zlib-flate -uncompress < %s >/dev/null && "
            "cjpeg -quality 75 %s >/dev/null" % (raw, tmp / ("img%d.ppm" % k)))


def class_pdf(tmp, pages, kind, drawn):
    names = []
    for i, im in enumerate(drawn):
        n = tmp / ("p%d.%s" % (i, kind))
        if kind == "jpg":
            im.save(n, "JPEG", quality=75, dpi=(300, 300))
        else:
            im.save(n, "PNG", dpi=(300, 300))
        names.append(str(n))
    pdf = tmp / ("%s%d.pdf" % (kind, pages))
    subprocess.run(["img2pdf", "-o", str(pdf)] +
                   [names[k % len(names)] for k in range(pages)], check=True)
    return pdf


def pdf_classes(root):
    """Per scanned-PDF class: qujat's CPU over gs /ebook's and over the
    floor's (summed over the page images), qujat's peak RSS, with each
    command. The budget is a third of the file, so every page is
    recompressed."""
    # a scanner's noise, lighter than the bundles' (a 60-page q75 scan
    # stays under the 52 MB file limit, as the 33 MB one)
    drawn = [corpus.scanned(corpus.page(300, 70 + i)[0], 80 + i, noise=12)
             for i in range(3)]
    rows = []
    for name, npages, kind in PDF_CLASSES:
        tmp = root / ("class-%s-%d" % (kind, npages))
        tmp.mkdir(parents=True)
        pdf = class_pdf(tmp, npages, kind, drawn)
        share = pdf.stat().st_size // 3
        (tmp / "q").mkdir()
        (tmp / "gs").mkdir()
        qcmd = [str(BUILD / "qujat"), "compress", str(pdf), "-o",
                str(tmp / "q"), "--budget", str(share), "--json"]
        _, _, qcpu, qpeak = run(qcmd)
        gcmd, _ = peer_cmds("gs", pdf, tmp / "gs", share)
        _, _, gcpu, _ = run(gcmd)
        fcpu, fc = 0.0, "-"
        pages = subprocess.run(["qpdf", "--show-pages", "--with-images",
                                str(pdf)], capture_output=True,
                               text=True).stdout
        objs = [int(line.split(":")[1].split()[0]) for line in
                pages.splitlines() if line.strip().startswith("/Im")]
        done = {}
        for k, obj in enumerate(objs):
            key = (k % 3)
            if key not in done:     # the same pixels cost the same
                if kind == "png":
                    half = drawn[key].resize((drawn[key].size[0] // 2,
                                              drawn[key].size[1] // 2),
                                             Image.BOX)
                    half.save(tmp / ("img%d.ppm" % k))
                fc = floor_cmd(tmp, pdf, obj, k, kind)
                # GNU time counts in 10 ms: a page image's floor, some
                # 20 ms, is timed over FLOOR_RUNS runs
                done[key] = run(["sh", "-c", "for i in $(seq %d); do %s; "
                                 "done" % (FLOOR_RUNS, fc)])[2] / FLOOR_RUNS
            fcpu += done[key]
        rows.append((name, "%.1f" % (pdf.stat().st_size / 1e6),
                     "%.2f" % qcpu, "%.2f" % gcpu, "%.2f" % fcpu,
                     "%.2f" % (qcpu / gcpu) if gcpu else "-",
                     "%.2f" % (qcpu / fcpu) if fcpu else "-",
                     "%.0f" % qpeak))
        print("  %s: %s\n    gs: %s\n    floor, per page image: %s" % (
            name, " ".join(qcmd), " ".join(gcmd), fc), flush=True)
    hdr = ("class", "MB in", "qujat cpu s", "gs cpu s", "floor cpu s",
           "qujat/gs", "qujat/floor", "qujat peak MB")
    widths = [max(len(str(x)) for x in col) for col in zip(hdr, *rows)]
    for row in [hdr] + rows:
        print("  ".join(str(x).rjust(w) for x, w in zip(row, widths)))


def main():
    keep = os.environ.get("QUJAT_BENCH_KEEP")
    if sys.argv[1:] == ["--pdf-classes"]:
        root = Path(tempfile.mkdtemp(prefix="qujat-bench-pdf-"))
        try:
            print("scanned PDFs by class, budget a third of the file:")
            pdf_classes(root)
            print("reproduce: QUJAT_BUILD=%s /usr/bin/python3 %s "
                  "--pdf-classes" % (BUILD, Path(__file__).relative_to(REPO)))
        finally:
            shutil.rmtree(root, ignore_errors=True)
        return
    root = Path(tempfile.mkdtemp(prefix="qujat-bench-engine-"))
    try:
        results = bench(root)
        print()
        print("engine benchmark: 6 bundles (one per service), budget %d "
              "bytes; 'fits' counts bundles whose files add up to at most "
              "the budget (files a tool cannot handle count as they are)"
              % BUDGET)
        table(results)
        print("qujat/peer: qujat's time over the peer's on exactly the "
              "files that peer handles, each file run alone with its share "
              "of the budget (below 1: qujat is faster)")
        per_file_table(results)
        print("\nscanned PDFs by class, budget a third of the file:")
        pdf_classes(root)
        print("versions: %s" % json.dumps(versions(), ensure_ascii=False))
        print("reproduce: QUJAT_BUILD=%s /usr/bin/python3 %s" % (
            BUILD, Path(__file__).relative_to(REPO)))
    finally:
        if keep:
            print("kept %s" % root)
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
