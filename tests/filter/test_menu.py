"""tests/filter/test_menu.py: the menu in fd 3 (report.h: OFFSET, EXT,
--target) and the plan qujat compress makes of the menus."""

import json, os, subprocess, sys, unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixtures import (  # noqa: E402
    BUILD, ROOT, WorkerTest, a4_page, noisy, run_filter, save, scan_pdf,
    write)


def best_worst(menus, budget):
    """The highest legibility the least legible file can have within
    budget, by trying every combination of the full menus."""
    import itertools
    best = -1
    for combo in itertools.product(*menus):
        if sum(v[1] for v in combo) <= budget:
            best = max(best, min(v[2] for v in combo))
    return best


def target_stops_menu(tmp, data):
    """--target the third variant's size: the menu is the full one's first
    three, menu_partial 1, the same bytes; --target 1 (nothing fits): keep
    and the two smallest variants, partial (the ones above were not
    made)."""
    full, _ = run_filter(tmp, data, ["--menu"])
    v = full["variants"]
    if len(v) < 4:
        return "short menu: %s" % v
    r, _ = run_filter(tmp, data, ["--menu", "--target", str(v[2][1])])
    if r["variants"] != v[:3] or r.get("menu_partial") != "1":
        return "--target %d: %s, partial %s" % (v[2][1], r["variants"],
                                                r.get("menu_partial"))
    for vid, size, rank in v[1:3]:
        o, f = r["where"][vid], full["where"][vid]
        if r["fd3"][o[0]:o[0] + size] != full["fd3"][f[0]:f[0] + size]:
            return "%s differs from the full menu's" % vid
    r, _ = run_filter(tmp, data, ["--menu", "--target", "1"])
    if r["variants"] != v[:1] + v[-2:] or r.get("menu_partial") != "1":
        return "--target 1 (nothing fits): %s %s" % (r["variants"],
                                                     r.get("menu_partial"))
    return None


def menu_offsets_exact(tmp, data, args, ext):
    """With --menu, keep is at 0 and each variant's bytes sit at its
    OFFSET in fd 3, back to back, exactly what --variant ID writes."""
    r, keep = run_filter(tmp, data, args + ["--menu"])
    fd3, where = r["fd3"], r["where"]
    if r["status"] != "ok" or len(r["variants"]) < 3:
        return r, "no menu: %s" % r
    if where.get("keep") != (0, r["out_ext"]) or fd3[:len(keep)] != keep:
        return r, "keep at %s" % (where.get("keep"),)
    end = 0
    for vid, size, rank in r["variants"]:
        if vid not in where:
            return r, "%s: no OFFSET" % vid
        off, e = where[vid]
        if off != end:
            return r, "%s at %d, the previous ends at %d" % (vid, off, end)
        end = off + size
        if vid == "keep":
            continue
        if e != ext:
            return r, "%s: ext %s, want %s" % (vid, e, ext)
        rv, out = run_filter(tmp, data, args + ["--variant", vid])
        if fd3[off:end] != out:
            return r, "%s: fd 3 [%d, %d) is not what --variant writes" % (
                vid, off, end)
    if end != len(fd3):
        return r, "fd 3 has %d bytes, the variants end at %d" % (len(fd3), end)
    return r, None


class MenuTest(WorkerTest):
    def test_compress_gives_the_worst_page_the_best_legibility_the_menus_allow(self):
        """qujat compress gives the worst page the best legibility the full
        menus allow, even when a share cut a menu short."""
        tmp = self.tmp
        qujat = os.path.join(BUILD, "qujat")
        # A PDF already at q75 (shrinks little) beside a q95 JPEG (shrinks a
        # lot): shares by input bytes cut the JPEG's menu too early.
        pages = [noisy(a4_page(300, seed=i), 6) for i in range(3)]
        files = {"doc.pdf": save(pages[0], "PDF", resolution=300.0, quality=75,
                                 save_all=True, append_images=pages[1:]),
                 "scan.jpg": save(noisy(a4_page(300, seed=7), 6), "JPEG",
                                  quality=95)}
        menus = []
        for name, data in files.items():
            write(os.path.join(tmp, name), data)
            r, _ = run_filter(tmp, data, ["--menu"])
            menus.append(r["variants"])
        total = sum(len(d) for d in files.values())
        env = dict(os.environ)
        env.setdefault("QUJAT_CONF", os.path.join(ROOT, "conf", "qujat.conf"))
        for share in (0.2, 0.25, 0.3, 0.4):
            budget = int(total * share)
            want = best_worst(menus, budget)
            out = os.path.join(tmp, "plan%d" % budget)
            p = subprocess.run([qujat, "compress"] +
                               [os.path.join(tmp, n) for n in files] +
                               ["-o", out, "--budget", str(budget), "--json"],
                               capture_output=True, text=True, timeout=300,
                               env=env)
            rep = json.loads(p.stdout)
            if want < 0:
                if rep["decision"] == "accepted":
                    self.fail("budget %d: accepted, nothing fits" % budget)
                continue
            got = min(f["legibility"] for f in rep["files"])
            if rep["bytes_out"] > budget or got != want:
                self.fail("budget %d: worst %d (best %d), %d bytes: %s" % (
                    budget, got, want, rep["bytes_out"],
                    [(f["file"], f["variant"]) for f in rep["files"]]))

    def test_jpeg_variants_sit_at_their_offset_in_fd3(self):
        """JPEG variants in fd 3 at their OFFSET, same bytes as --variant."""
        tmp = self.tmp
        data = save(noisy(a4_page(300)), "JPEG", quality=90)
        why = menu_offsets_exact(tmp, data, [], "jpg")[1]
        if why:
            self.fail(why)

    def test_tiff_variants_sit_at_their_offset_in_fd3_as_pdfs(self):
        """2-page TIFF variants in fd 3 at their OFFSET, as PDFs."""
        tmp = self.tmp
        a, b = noisy(a4_page(200, seed=3)), noisy(a4_page(200, stamp=False, seed=4))
        data = save(a, "TIFF", compression="tiff_lzw", save_all=True,
                    append_images=[b])
        why = menu_offsets_exact(tmp, data, [], "pdf")[1]
        if why:
            self.fail(why)

    def test_target_stops_the_jpeg_menu_partial(self):
        """--target stops after the first variant that small, menu_partial
        1."""
        tmp = self.tmp
        why = target_stops_menu(tmp, save(noisy(a4_page(300)), "JPEG",
                                           quality=90))
        if why:
            self.fail(why)

    def test_pdf_variants_sit_at_their_offset_in_fd3(self):
        """PDF variants in fd 3 at their OFFSET, same bytes as --variant."""
        tmp = self.tmp
        data = scan_pdf([noisy(a4_page(300, seed=7), 6)])
        why = menu_offsets_exact(tmp, data, [], "pdf")[1]
        if why:
            self.fail(why)

    def test_target_stops_the_pdf_menu_partial(self):
        """PDF --target stops after the first variant that small,
        menu_partial 1."""
        tmp = self.tmp
        why = target_stops_menu(tmp, scan_pdf([noisy(a4_page(300, seed=8),
                                                       6)]))
        if why:
            self.fail(why)


if __name__ == "__main__":
    unittest.main()
