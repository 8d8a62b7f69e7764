"""tests/filter/test_pdf_made.py: PDFs made the way the world makes them
(pdf_world.py: Ghostscript, FPDF's layout, OCR layers, CCITT G4, bytes
before %PDF-, damaged cross-reference tables, img2pdf scans of many
pages)."""

import io, os, subprocess, sys, unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixtures import (  # noqa: E402
    FILTER, WorkerTest, a4_page, mean_diff, noisy, pdf_images_of,
    pdf_render, run_filter, scan_pdf, write)
from pdf_world import (  # noqa: E402
    editor_damaged, fpdf_text_pdf, gs_certificate_pdf, gs_text_pdf,
    img2pdf_g4, img2pdf_scan, junk_before, length_rewritten, mrc_pdf,
    ocr_scan_pdf, poppler_pages, qpdf_check, run_tool, signed_icons_pdf,
    tiff2pdf_g4, xref_truncated)


def dpi_of(r):
    return int(r.get("dpi", "-1"))


def peak_run(tmp, pdf, args):
    """(report, fd 3, peak RSS in bytes) of one worker run: its own
    ru_maxrss from wait4, not this process's children's."""
    src, dst = os.path.join(tmp, "upload"), os.path.join(tmp, "output")
    with open(src, "wb") as f:
        f.write(pdf)
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        p = subprocess.Popen([FILTER] + args, stdin=fin,
                             stdout=subprocess.PIPE, pass_fds=(3,),
                             preexec_fn=lambda: os.dup2(fout.fileno(), 3))
        rep = p.stdout.read().decode("ascii")
        p.stdout.close()
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = status
    assert status == 0, "worker exit status %d" % status
    r = {"variants": [], "where": {}}
    for line in rep.split("\n")[1:]:
        k, _, v = line.partition(" ")
        if k == "variant":
            f = v.split(" ")
            r["variants"].append((f[0], int(f[1])))
            if len(f) == 5:
                r["where"][f[0]] = int(f[3])
        elif k:
            r[k] = v
    with open(dst, "rb") as f:
        fd3 = f.read()
    return r, fd3, ru.ru_maxrss * 1024


class PdfWorldTest(WorkerTest):
    def test_55_page_text_pdfs_are_ok_with_no_resolution_to_judge(self):
        """55-page text PDFs (Ghostscript; FPDF's shared resources, logo
        drawn on page 1) are ok, no resolution to judge."""
        tmp = self.tmp
        for name, pdf in (("gs", gs_text_pdf(tmp)), ("fpdf", fpdf_text_pdf())):
            n, err = poppler_pages(tmp, pdf)
            if n != 55:
                self.fail("%s: pdfinfo says %d pages: %s" % (name, n, err))
            for args in ([], ["--menu"], ["--menu", "--low-dpi", "150"]):
                r, _ = run_filter(tmp, pdf, args)
                if r["status"] != "ok" or dpi_of(r) != 0:
                    self.fail("%s %s: %s, dpi %s (%s)" % (
                        name, args, r["status"], r.get("dpi"), r.get("detail")))

    def test_backgrounds_are_not_judged_and_ocr_layer_scans_are(self):
        """A certificate's 12 ppi background under its text is not judged;
        a 50 dpi scan under an OCR layer (invisible, or text under the
        image) is lowres, at 300 dpi ok."""
        tmp = self.tmp
        r, _ = run_filter(tmp, gs_certificate_pdf(tmp), ["--menu"])
        if r["status"] != "ok" or dpi_of(r) != 0:
            self.fail("certificate: %s, dpi %s" % (r["status"], r.get("dpi")))
        for under in (False, True):
            for dpi, want in ((50, "lowres"), (300, "ok")):
                r, _ = run_filter(tmp, ocr_scan_pdf(dpi, under), [])
                if r["status"] != want or abs(dpi_of(r) - dpi) > 2:
                    self.fail("ocr %d dpi (under %s): %s, dpi %s" % (
                        dpi, under, r["status"], r.get("dpi")))

    def test_signed_text_pdf_with_icon_annotations_is_kept_whole(self):
        """Signed text PDF whose annotations draw 24 px icons is ok, kept
        whole, no resolution to judge."""
        tmp = self.tmp
        pdf = signed_icons_pdf()
        if poppler_pages(tmp, pdf)[0] != 1:
            self.fail("pdfinfo cannot read it")
        r, keep = run_filter(tmp, pdf, ["--menu"])
        if r["status"] != "ok" or dpi_of(r) != 0 or r.get("signed") != "1":
            self.fail("%s, dpi %s, signed %s (%s)" % (
                r["status"], r.get("dpi"), r.get("signed"), r.get("detail")))
        self.assertTrue(keep == pdf and len(r["variants"]) == 1,
                        "not kept whole: %s" % r["variants"])

    def test_ccitt_g4_at_600ppi_is_600dpi(self):
        """CCITT G4 at 600 ppi (tiffcp+tiff2pdf, img2pdf, a mixed-raster
        stencil over a 60 px background) is 600 dpi."""
        tmp = self.tmp
        for name, pdf in (("tiff2pdf", tiff2pdf_g4(tmp)),
                          ("img2pdf", img2pdf_g4(tmp)),
                          ("mrc", mrc_pdf(tmp))):
            px = pdf_render(tmp, pdf, 50)
            if len(px) != 1 or px[0].convert("L").getextrema()[0] > 100:
                self.fail("%s: poppler shows no text" % name)
            r, _ = run_filter(tmp, pdf, ["--menu"])
            if r["status"] != "ok" or abs(dpi_of(r) - 600) > 6:
                self.fail("%s: %s, dpi %s (%s)" % (name, r["status"],
                                                r.get("dpi"), r.get("detail")))
        r, _ = run_filter(tmp, mrc_pdf(tmp, 75), [])
        self.assertTrue(r["status"] == "lowres",
                        "a 75 ppi stencil over its background: %s" % r["status"])

    def test_up_to_1000_bytes_before_the_header_are_dropped(self):
        """14 and 1000 bytes before %PDF- are a PDF (its header kept, the
        bytes before dropped and said), 2000 are not."""
        tmp = self.tmp
        text = gs_text_pdf(tmp, pages=2)
        scan = img2pdf_scan(tmp, [noisy(a4_page(150), 6)])
        for name, pdf in (("text", text), ("scan", scan)):
            want = pdf_render(tmp, pdf, 30)
            for n in (14, 1000):
                up = junk_before(pdf, n)
                if poppler_pages(tmp, up)[0] == 0:
                    self.fail("%s %d: poppler cannot read it" % (name, n))
                r, keep = run_filter(tmp, up, ["--menu"])
                if r["status"] != "ok" or r.get("type") != "application/pdf":
                    self.fail("%s %d: %s %s" % (name, n, r["status"], r.get("type")))
                if not keep.startswith(b"%PDF-") or len(keep) > len(up) or \
                        "leading data removed" not in r.get("transform", ""):
                    self.fail("%s %d: keep %r..., transform %r" % (
                        name, n, keep[:8], r.get("transform")))
                got = pdf_render(tmp, keep, 30)
                if len(got) != len(want) or any(
                        mean_diff(a, b) > 0.5 for a, b in zip(got, want)):
                    self.fail("%s %d: keep renders differently" % (name, n))
            up = junk_before(pdf, 2000)
            f = os.path.join(tmp, "far.pdf")
            write(f, up)
            p = subprocess.run(["pdftoppm", "-r", "10", f, os.path.join(
                tmp, "far")], capture_output=True, text=True)
            if "May not be a PDF file" not in p.stderr:
                self.fail("poppler no longer warns at 2000 bytes: follow it")
            r, _ = run_filter(tmp, up, [])
            if r["status"] != "unsupported":
                self.fail("%s 2000: %s" % (name, r["status"]))

    def test_scans_with_a_damaged_xref_get_recompressed_variants(self):
        """A scan with a damaged xref (an edited header, a truncated table,
        a /Length that lies or names a lost object) that QPDF recovers
        gets recompressed variants."""
        tmp = self.tmp
        pages = [noisy(a4_page(200, seed=i), 6) for i in range(2)]
        scan = img2pdf_scan(tmp, pages)
        for name, pdf in (("edited", editor_damaged(scan_pdf(pages, 200))),
                          ("truncated", xref_truncated(scan_pdf(pages, 200))),
                          ("img2pdf edited", editor_damaged(scan)),
                          ("length lies", length_rewritten(scan, b"1000")),
                          ("length lost", length_rewritten(scan, b"99 0 R"))):
            rc, out = qpdf_check(tmp, pdf)
            # warnings (3), every one recovered: the file is damaged
            if "WARNING" not in out or rc != 3:
                self.fail("%s: qpdf --check %d: %s" % (name, rc, out[-300:]))
            if poppler_pages(tmp, pdf)[0] != 2:
                self.fail("%s: poppler cannot read it" % name)
            r, _ = run_filter(tmp, pdf, ["--menu"])
            lossy = [v for v in r["variants"] if v[0].startswith("d")]
            if r["status"] != "ok" or not lossy or dpi_of(r) < 190:
                self.fail("%s: %s, variants %s, dpi %s" % (
                    name, r["status"], r["variants"], r.get("dpi")))
            vid, size, _ = lossy[-1]
            off = r["where"][vid][0]
            out = r["fd3"][off:off + size]
            imgs = pdf_images_of(tmp, out)
            if len(imgs) != 2 or any(w >= pages[0].size[0]
                                     for _, _, w, _, _, _ in imgs):
                self.fail("%s: %s left images as they were: %s" % (
                    name, vid, imgs))
            want = pdf_render(tmp, pdf, 40)
            got = pdf_render(tmp, out, 40)
            if len(got) != 2 or any(mean_diff(a, b) > 3
                                    for a, b in zip(got, want)):
                self.fail("%s: %s renders differently" % (name, vid))

    def test_40_page_scan_menu_takes_no_more_memory_than_10_pages(self):
        """A 40-page 300 dpi scan's menu takes no more memory beyond its
        input than a 10-page one's (pages encoded one at a time, the
        upload not copied), and a variant not written to fd 3 has the
        size the menu said."""
        tmp = self.tmp
        page = noisy(a4_page(300), 6)
        b = io.BytesIO()
        page.save(b, "JPEG", quality=75, dpi=(300, 300))
        names = {"p.jpg": b.getvalue()}
        args = ["--menu", "--max-bytes", "200000000", "--memory-mb", "512"]
        extra = {}
        for n in (10, 40):
            pdf = run_tool(["img2pdf", "-o", "o.pdf"] + ["p.jpg"] * n, tmp,
                        names, "o.pdf")
            r, fd3, peak = peak_run(tmp, pdf, args)
            lossy = [v for v in r["variants"] if v[0].startswith("d")]
            if r.get("status") != "ok" or r.get("pages") != str(n) or \
                    len(lossy) < 3:
                self.fail("%d pages: %s, variants %s" % (
                    n, r.get("status"), r["variants"]))
            extra[n] = peak - len(pdf)
        if extra[40] > 1.5 * extra[10]:
            self.fail("peak beyond the input: %d MB at 10 pages, %d MB at 40" % (
                extra[10] >> 20, extra[40] >> 20))
        unwritten = [v for v in lossy if v[0] not in r["where"]]
        if not unwritten or lossy[-1][0] not in r["where"]:
            self.fail("40 pages: every variant or none in fd 3: %s" % r["where"])
        vid, size = unwritten[0]
        rv, out, _ = peak_run(tmp, pdf, args + ["--variant", vid])
        if len(out) != size or rv.get("bytes_out") != str(size):
            self.fail("%s: menu %d, written %d" % (vid, size, len(out)))


if __name__ == "__main__":
    unittest.main()
