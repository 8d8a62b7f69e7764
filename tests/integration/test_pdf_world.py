"""PDFs made the way the world makes them (issue 11), through the daemon:
born-digital text documents are never refused resolution_too_low for a
logo or an icon, a PDF after a header's junk bytes is a PDF, and a scan
with a damaged cross-reference table is recompressed to fit. The files
come from tests/filter/pdf_world.py."""

import os
import sys
import tempfile

import qujatlib as q

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "filter"))
import pdf_world  # noqa: E402


class PdfWorld(q.SpoolTest):

    def drop_docs(self, app, files, **settings):
        self.daemon(**settings)
        m = q.manifest_for(app, "home_schooling",
                           [(n, "vkk_conclusion") for n in files],
                           files=files)
        q.drop(self.spool, app, files, m)

    def test_text_documents_accepted(self):
        with tempfile.TemporaryDirectory() as tmp:
            gs = pdf_world.gs_text_pdf(tmp)
        files = {"fpdf.pdf": pdf_world.fpdf_text_pdf(),
                 "signed.pdf": pdf_world.signed_icons_pdf(),
                 "gs.pdf": pdf_world.junk_before(gs, 14)}
        self.drop_docs("PDFW-TEXT", files)
        man, rep, out = self.assertAccepted("PDFW-TEXT", files)
        by = {e["original_file"]: e for e in rep["files"]}
        for name in files:
            self.assertEqual(by[name]["dpi"], 0, by[name])
        doc = {e["original_file"]: e for e in man["documents"]}
        self.assertIn("leading data removed", doc["gs.pdf"]["transform"])
        self.assertTrue((out / doc["gs.pdf"]["file"]).read_bytes()
                        .startswith(b"%PDF-"))
        self.assertEqual((out / doc["signed.pdf"]["file"]).read_bytes(),
                         files["signed.pdf"])

    def test_damaged_xref_scan_recompressed(self):
        with tempfile.TemporaryDirectory() as tmp:
            scan = pdf_world.img2pdf_scan(tmp, [q.page_image(300, 3, 6,
                                                             "RGB")])
        files = {"scan.pdf": pdf_world.length_rewritten(scan, b"1000")}
        self.drop_docs("PDFW-XREF", files,
                       max_bundle_bytes=len(files["scan.pdf"]) // 2)
        man, rep, _ = self.assertAccepted("PDFW-XREF", files, timeout=120)
        e = rep["files"][0]
        self.assertEqual(e["action"], "recompressed", e)
        self.assertTrue(e["variant"].startswith("d"), e)
        self.assertLessEqual(man["documents"][0]["bytes"],
                             len(files["scan.pdf"]) // 2)
