"""Phone photos of a page through the daemon (issue 14): with the default
photo_pages = "flatten" a bundle that fits the budget goes out with the
page found, squared and evened, not the frame; with photo_pages = "keep"
it goes as uploaded. The upload is in originals/ either way."""

import io
import math
import sys

from PIL import Image

import qujatlib as q

sys.path.insert(0, str(q.REPO / "tests" / "filter"))
import phone  # noqa: E402

PAGE = {}


def photo(**kw):
    """A 2250x3000 phone photo of a stamped A4 page on a table."""
    if not PAGE:
        PAGE["page"], _ = phone.text_page(200)
    args = dict(dict(kind="dark", angle=1.5, size=(2250, 3000)), **kw)
    return phone.phone(PAGE["page"], **args)[0]


class Flat(q.SpoolTest):

    def drop(self, app, files):
        m = q.manifest_for(app, "home_schooling",
                           [(n, "vkk_conclusion") for n in files],
                           files=files)
        q.drop(self.spool, app, files, m)

    def entry(self, rep, name):
        return next(f for f in rep["files"] if f["original_file"] == name)

    def test_fitting_photo_flattened_by_default(self):
        files = {"page.jpg": photo(), "page-light.jpg": photo(
            kind="light", angle=-2.0, low=True)}
        self.assertLess(sum(map(len, files.values())), 5000000)
        self.daemon()
        self.drop("FLAT-DEFAULT", files)
        man, rep, out = self.assertAccepted("FLAT-DEFAULT", files,
                                            timeout=120)
        for e in man["documents"]:
            f = self.entry(rep, e["original_file"])
            self.assertTrue(f.get("transform", "").startswith(
                "page found, flattened, background evened, jpeg"), f)
            with Image.open(out / e["file"]) as im:
                w, h = im.size
                self.assertLess(abs(h / w / math.sqrt(2) - 1), 0.03,
                                "%s is %dx%d, not A4" % (e["file"], w, h))
            self.assertLess(e["bytes"], len(files[e["original_file"]]), e)

    def test_fitting_photo_kept_with_keep(self):
        files = {"page.jpg": photo()}
        self.daemon(photo_pages="keep")
        self.drop("FLAT-KEEP", files)
        man, rep, out = self.assertAccepted("FLAT-KEEP", files, timeout=120)
        e = man["documents"][0]
        f = self.entry(rep, "page.jpg")
        self.assertNotIn("flattened", f.get("transform", ""), f)
        with Image.open(out / e["file"]) as im, \
                Image.open(io.BytesIO(files["page.jpg"])) as up:
            self.assertEqual(im.size, up.size)

    def test_photo_3x4_never_flattened(self):
        # a photograph of the child is never looked at as a page, even
        # when it shows one; the page beside it is
        files = {"photo.jpg": photo(), "page.jpg": photo(kind="light")}
        self.daemon()
        m = q.manifest_for("FLAT-PHOTO", "home_schooling",
                           [("photo.jpg", "photo_3x4"),
                            ("page.jpg", "vkk_conclusion")], files=files)
        q.drop(self.spool, "FLAT-PHOTO", files, m)
        man, rep, out = self.assertAccepted("FLAT-PHOTO", files, timeout=120)
        self.assertNotIn("flattened", self.entry(rep, "photo.jpg").get(
            "transform", ""))
        self.assertIn("flattened", self.entry(rep, "page.jpg").get(
            "transform", ""))
