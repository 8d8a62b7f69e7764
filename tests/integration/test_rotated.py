"""Rotated phone photos through the daemon: a bundle whose uploads fit the
budget is never refused for its size, even when the EXIF rotation makes
each upright copy a re-encode; and too_large means that nothing fits."""

import io
import os
import subprocess
import tempfile

from PIL import Image

import qujatlib as q


def phone_photo(w, h, orientation, seed, quality=72, **save):
    """A phone photo of a page on a table, stored w x h as the sensor
    reads it, with its EXIF orientation set by exiftool."""
    table = Image.effect_noise((w, h), 30 + seed).convert("RGB")
    table = Image.blend(table, Image.new("RGB", (w, h), (140, 100, 60)), 0.6)
    page = q.page_image(150, seed, mode="RGB").resize((w * 7 // 10,
                                                       h * 8 // 10))
    table.paste(page, (w * 15 // 100, h // 10))
    with tempfile.TemporaryDirectory() as d:
        f = os.path.join(d, "p.jpg")
        table.save(f, "JPEG", quality=quality, **save)
        subprocess.run(["exiftool", "-q", "-overwrite_original", "-n",
                        "-Orientation=%d" % orientation, f], check=True)
        with open(f, "rb") as fp:
            return fp.read()


class Rotated(q.SpoolTest):

    def drop(self, app, files):
        m = q.manifest_for(app, "home_schooling",
                           [(n, "vkk_conclusion") for n in files],
                           files=files)
        q.drop(self.spool, app, files, m)

    def assertUpright(self, out, entry, stored):
        with Image.open(out / entry["file"]) as im:
            self.assertEqual(im.size, stored.size[::-1], entry)
            self.assertEqual(im.getexif().get(0x0112, 1), 1, entry)

    def test_two_rotated_4000x3000_photos_under_budget_accepted(self):
        # 4000x3000 is not a whole number of MCUs: the upright copies
        # are re-encoded, at the photos' own quality
        files = {"page-%d.jpg" % i: phone_photo(4000, 3000, 6, i)
                 for i in (1, 2)}
        self.assertLess(sum(map(len, files.values())), 5000000)
        # the frames' upright copies are what this checks: their pages,
        # found, would go out flattened instead (test_flat.py)
        self.daemon(photo_pages="keep")
        self.drop("ROT-TWO", files)
        man, rep, out = self.assertAccepted("ROT-TWO", files, timeout=120)
        for e in man["documents"]:
            stored = Image.open(io.BytesIO(files[e["original_file"]]))
            self.assertUpright(out, e, stored)
            self.assertLessEqual(e["bytes"], 1.15 * len(
                files[e["original_file"]]), e)

    def test_uploads_that_fit_are_never_too_large(self):
        # Eleven rotated photos, progressive with optimised tables as
        # some phones and apps write them: each upright re-encode (baseline,
        # standard tables) is larger than its upload, so the keeps outgrow
        # a budget the uploads fit. The bundle needs a menu, and fits.
        files = {"p%02d.jpg" % i: phone_photo(1500, 1125, 6 + i % 3, i,
                                              progressive=True,
                                              optimize=True)
                 for i in range(11)}
        total = sum(map(len, files.values()))
        self.daemon(max_bundle_bytes=total + 1000)
        self.drop("ROT-ELEVEN", files)
        man, rep, out = self.assertAccepted("ROT-ELEVEN", files, timeout=120)
        self.assertLessEqual(sum(e["bytes"] for e in man["documents"]),
                             total + 1000)
        self.assertTrue(any(f["variant"] != "keep" for f in rep["files"]),
                        "the keeps fit: the test shows nothing")
        for e in man["documents"]:
            self.assertUpright(out, e, Image.open(io.BytesIO(
                files[e["original_file"]])))

    def test_too_large_only_when_the_smallest_variants_do_not_fit(self):
        files = {"p.jpg": phone_photo(2000, 1500, 6, 3)}
        self.daemon(max_bundle_bytes=20000)
        self.drop("ROT-TINY", files)
        ref = self.assertRefused("ROT-TINY", ["too_large"], files)
        self.reason(ref, "too_large", "p.jpg")
        with open(os.devnull, "wb") as fd3:
            r = subprocess.run([str(q.BUILD / "qujat-filter"), "--menu"],
                               input=files["p.jpg"], capture_output=True,
                               pass_fds=(3,), preexec_fn=lambda: os.dup2(
                                   fd3.fileno(), 3))
        sizes = [int(l.split()[2]) for l in r.stdout.decode().splitlines()
                 if l.startswith("variant ")]
        self.assertTrue(sizes, r.stdout)
        self.assertGreater(min(sizes), 20000, "a variant fits: %s" % sizes)
