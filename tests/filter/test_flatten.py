"""tests/filter/test_flatten.py: phone photos of a page (phone.py): found,
squared and evened with --flatten (flat.h), and what --flatten leaves
alone."""

import io, math, os, subprocess, sys, unittest

from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixtures import (  # noqa: E402
    WorkerTest, a4_page, blue_pixels, exif_bytes, menu_is_exact, noisy,
    run_filter, save, stamp_box)


def flat_menu(tmp, data, args=()):
    """The --flatten menu and the bytes of its top variant."""
    r, _ = run_filter(tmp, data, list(args) + ["--menu", "--flatten"])
    if r["status"] != "ok" or len(r["variants"]) < 2:
        return r, None, None
    vid = r["variants"][1][0]
    off, ext = r["where"][vid]
    return r, vid, r["fd3"][off:off + r["variants"][1][1]]


def ocr_lines(tmp, im):
    """The text lines tesseract (rus+kaz) reads on im, 8 letters or more."""
    f = os.path.join(tmp, "ocr.png")
    im.convert("L").save(f)
    p = subprocess.run(["tesseract", f, "-", "-l", "rus+kaz", "--psm", "4"],
                       capture_output=True, timeout=300)
    return [l.strip() for l in p.stdout.decode("utf-8", "replace").splitlines()
            if len(l.strip()) >= 8]


def lines_lost(ref, got):
    import difflib
    return [l for l in ref if not any(
        difflib.SequenceMatcher(None, l, g).ratio() >= 0.6 for g in got)]


def table_in_band(im, frac=0.02):
    """The share of the outer band's pixels that look like a table, not
    paper: dark, or coloured."""
    im = im.convert("RGB")
    w, h = im.size
    bw, bh = max(2, int(w * frac)), max(2, int(h * frac))
    small = im.resize((w // 2, h // 2))
    px = small.load()
    n = bad = 0
    for y in range(small.size[1]):
        for x in range(small.size[0]):
            if bw // 2 <= x < small.size[0] - bw // 2 and \
                    bh // 2 <= y < small.size[1] - bh // 2:
                continue
            r, g, b = px[x, y]
            n += 1
            bad += (r + g + b) / 3 < 170 or max(r, g, b) - min(r, g, b) > 40
    return bad / n


FLAT_PAGE = {}


def flat_reference(tmp):
    """The drawn page and the lines tesseract reads on it, once."""
    if not FLAT_PAGE:
        import phone
        page, _ = phone.text_page(200)
        FLAT_PAGE["page"] = page
        FLAT_PAGE["lines"] = ocr_lines(tmp, page)
    return FLAT_PAGE["page"], FLAT_PAGE["lines"]


def unflattened(tmp, data, args=()):
    """None when --flatten changes nothing: the same status, the same
    menu (IDs, sizes, ranks) as without it."""
    a, _ = run_filter(tmp, data, list(args) + ["--menu"])
    b, _ = run_filter(tmp, data, list(args) + ["--menu", "--flatten"])
    if a["status"] != b["status"] or a["variants"] != b["variants"]:
        return "with --flatten %s %s, without %s %s" % (
            b["status"], b["variants"][:3], a["status"], a["variants"][:3])
    return None


class FlattenTest(WorkerTest):
    def assert_page_found(self, **kw):
        """A phone photo of the page (phone.phone's kw, 2250x3000 unless
        kw says): one upright A4 page, no table in its band, stamp blue,
        every line read, --variant writing the same bytes."""
        import phone
        tmp = self.tmp
        page, ref = flat_reference(tmp)
        if len(ref) < 10:
            self.fail("tesseract reads only %d lines of the flat page" % len(ref))
        args = dict({"size": (2250, 3000)}, **kw)
        data, _ = phone.phone(page, exif=exif_bytes, **args)
        r, vid, out = flat_menu(tmp, data)
        if out is None or not vid.endswith("f"):
            self.fail("page not found: %s" % (r.get("variants"),))
        o = Image.open(io.BytesIO(out))
        w, h = o.size
        if h < w or abs(h / w / math.sqrt(2) - 1) > 0.03:
            self.fail("%s is %dx%d" % (vid, w, h))
        t = table_in_band(o)
        if t > 0.01:
            self.fail("%.1f%% of the band is table" % (t * 100))
        if blue_pixels(o, stamp_box(o)) < 200:
            self.fail("the stamp lost its blue")
        lost = lines_lost(ref, ocr_lines(tmp, o))
        if lost:
            self.fail("%d of %d lines lost, first %r" % (len(lost), len(ref),
                                                         lost[0]))
        rv, again = run_filter(tmp, data, ["--flatten", "--variant", vid])
        if again != out:
            self.fail("--variant %s wrote other bytes" % vid)
        if not rv.get("transform", "").startswith(
                "page found, flattened, background evened, jpeg"):
            self.fail("transform %r" % rv.get("transform"))

    def test_page_on_a_dark_table_is_found_upright_and_read(self):
        """Dark table, orientation 1."""
        self.assert_page_found(kind="dark", angle=2.0, keystone=0.08)

    def test_page_on_a_light_table_turned_by_orientation_6_is_found(self):
        """Light table, orientation 6, -3.5 degrees."""
        self.assert_page_found(kind="light", angle=-3.5, keystone=0.12,
                               orientation=6)

    def test_page_on_a_dark_table_in_low_light_orientation_8_is_found(self):
        """Dark table, low light, orientation 8, 4 degrees."""
        self.assert_page_found(kind="dark", low=True, angle=4.0,
                               orientation=8)

    def test_page_on_a_light_table_in_low_light_is_found(self):
        """Light table, low light, orientation 1."""
        self.assert_page_found(kind="light", low=True, angle=-1.0,
                               keystone=0.05)

    def test_page_lying_sideways_is_found_upright(self):
        """Lying sideways, orientation 1."""
        self.assert_page_found(kind="dark", angle=90, keystone=0.05,
                               fill=1.1, size=(3000, 2250))

    def test_page_lying_sideways_the_other_way_orientation_6_is_found(self):
        """Lying sideways the other way, orientation 6."""
        self.assert_page_found(kind="light", angle=-91, keystone=0.05,
                               fill=1.1, size=(3000, 2250), orientation=6)

    def test_every_flattened_variant_is_exact_and_named_so(self):
        """Phone photo of a page: every flattened variant is exact and
        named so; without --flatten the menu is as before."""
        tmp = self.tmp
        import phone
        page, _ = flat_reference(tmp)
        data, _ = phone.phone(page, kind="dark", size=(2250, 3000))
        r, outs, why = menu_is_exact(tmp, data, ["--flatten"])
        if why:
            self.fail(why)
        if not all(k.endswith("f") for k in outs):
            self.fail("variants %s" % list(outs))
        plain, _ = run_filter(tmp, data, ["--menu"])
        if any(v[0].endswith("f") for v in plain["variants"]):
            self.fail("flattened without --flatten: %s" % plain["variants"])

    def test_cut_off_page_3x4_photo_lid_shadow_and_scene_are_left_alone(self):
        """--flatten leaves alone a page larger than the frame, a 3x4
        photo, a flatbed scan with a lid shadow, a photo of a scene."""
        tmp = self.tmp
        import phone
        page, _ = flat_reference(tmp)
        cut, _ = phone.phone(page, kind="dark", fill=1.08, size=(1500, 2000))
        photo, _ = phone.phone(page, kind="dark", size=(1500, 2000))
        lid = save(phone.lid_scan(noisy(a4_page(200), 6)), "JPEG", quality=85)
        scene = save(phone.scene((1500, 2000)), "JPEG", quality=85)
        for name, data, args in (("cut off", cut, []), ("3x4", photo, ["--photo"]),
                                 ("lid shadow", lid, []), ("scene", scene, [])):
            why = unflattened(tmp, data, args)
            if why:
                self.fail("%s: %s" % (name, why))

    def test_bad_input_is_as_without_flatten(self):
        """--flatten on bad input: tiny, huge, panorama, uniform, no
        contrast: as without it, never a crash."""
        tmp = self.tmp
        page, _ = flat_reference(tmp)
        tiny = save(page.resize((83, 117)), "JPEG")
        huge = Image.new("RGB", (6000, 8000), (70, 45, 30))
        huge.paste(page.resize((3300, 4667)), (1300, 1600))
        pano = Image.new("RGB", (8000, 1500), (70, 45, 30))
        pano.paste(page.resize((900, 1273)), (3500, 110))
        grey = Image.new("RGB", (1500, 2000), (128, 128, 128))
        white = Image.new("RGB", (1500, 2000), (236, 236, 232))
        white.paste(noisy(page.resize((1000, 1414)), 4), (250, 290))
        for name, data in (("tiny", tiny), ("panorama", save(pano, "JPEG")),
                           ("uniform", save(grey, "JPEG")),
                           ("white on white", save(white, "JPEG")),
                           ("png", save(page.resize((1240, 1754)), "PNG"))):
            why = unflattened(tmp, data)
            if why:
                self.fail("%s: %s" % (name, why))
        r, vid, out = flat_menu(tmp, save(huge, "JPEG", quality=80))
        if r["status"] != "ok" or out is None:
            self.fail("huge: %s" % r["status"])
        o = Image.open(io.BytesIO(out))
        if vid.endswith("f") and abs(o.size[1] / o.size[0] / math.sqrt(2) - 1) > 0.03:
            self.fail("huge: %s is %s" % (vid, o.size))


if __name__ == "__main__":
    unittest.main()
