"""Metrics (design.md, Operations): the Prometheus text file parses (a small
parser of the text format below: HELP/TYPE lines, samples `name{labels}
value`) and its numbers match the spool; `qujat status` shows the same."""

import math
import os
import re
import subprocess
import time
import unittest

import httprecv
import qujatlib as q

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)')
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def parse_prom(text):
    """{(name, frozenset(labels)): value}; raises ValueError on any line
    outside the text format, a sample without a TYPE, a duplicate, or a
    counter that is negative or not finite."""
    types, help_, out = {}, {}, {}
    if not text.endswith("\n"):
        raise ValueError("no final newline")
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 3 and parts[1] == "TYPE":
                if parts[2] in types or len(parts) != 4 or \
                        parts[3] not in TYPES:
                    raise ValueError("%d: bad TYPE: %r" % (n, line))
                types[parts[2]] = parts[3]
            elif len(parts) >= 3 and parts[1] == "HELP":
                help_[parts[2]] = parts[3] if len(parts) > 3 else ""
            continue
        m = SAMPLE.match(line)
        if not m:
            raise ValueError("%d: not a sample: %r" % (n, line))
        name, _, lab, val = m.groups()
        labels = {}
        pos = 0
        while lab and pos < len(lab):
            lm = LABEL.match(lab, pos)
            if not lm:
                raise ValueError("%d: bad labels: %r" % (n, lab))
            labels[lm.group(1)] = lm.group(2)
            pos = lm.end()
        if name not in types:
            raise ValueError("%d: %s has no TYPE line before it" % (n, name))
        if name not in help_:
            raise ValueError("%d: %s has no HELP line" % (n, name))
        v = float(val)
        if types[name] == "counter" and (v < 0 or not math.isfinite(v)):
            raise ValueError("%d: counter %s is %s" % (n, name, val))
        key = (name, frozenset(labels.items()))
        if key in out:
            raise ValueError("%d: duplicate sample %s" % (n, line))
        out[key] = v
    return out


def get(m, name, **labels):
    return m[(name, frozenset(labels.items()))]


class Metrics(q.SpoolTest):
    def test_parser_rejects(self):
        for bad in ("x 1\n", "# TYPE x counter\n# HELP x h\nx -1\n",
                    "# TYPE x gauge\n# HELP x h\nx{a=b} 1\n",
                    "# TYPE x gauge\n# HELP x h\nx 1"):
            with self.subTest(bad):
                with self.assertRaises(ValueError):
                    parse_prom(bad)

    def test_matches_spool(self):
        recv = httprecv.Receiver()
        self.addCleanup(recv.close)
        q.spool_dirs(self.spool)
        d = self.daemon(handoff="http", handoff_url=recv.url,
                        handoff_backoff_max_ms=300)
        prom = self.spool / "state" / "qujat.prom"
        q.wait_for(prom.exists, 10, "the metrics file at start", d)
        parse_prom(prom.read_text())
        self.assertEqual(os.stat(prom).st_mode & 0o777, 0o644)

        iins = q.iins(seed=7)
        ok = ["MA-%d" % i for i in range(3)]
        for a in ok:
            q.drop_complete(self.spool, a, "free_transport", next(iins))
        # Refused: a document missing; and a bad IIN.
        files = {"scan.jpg": q.scan_jpeg(seed=2)}
        m = q.manifest_for("MR-0", "home_schooling",
                           [("scan.jpg", "pmpc_conclusion")],
                           child_iin=next(iins), files=files)
        q.drop(self.spool, "MR-0", files, m)
        m = q.manifest_for("MR-1", "free_transport",
                           [("scan.jpg", "school_certificate")],
                           child_iin=q.INVALID_IIN, files=files)
        q.drop(self.spool, "MR-1", files, m)
        for a in ok:
            q.wait_for(lambda: q.result_of(str(self.spool), a) == "sent",
                       60, "%s in sent/" % a, d)
        for a in ("MR-0", "MR-1"):
            self.assertEqual(self.result(a, 60)[0], "rejected")
        self.assertEqual(d.stop(), 0)           # writes a last time

        text = prom.read_text()
        met = parse_prom(text)
        for f in q.FOLDERS:
            self.assertEqual(get(met, "qujat_bundles", folder=f),
                             len(q.entries(self.spool / f)), f)
            self.assertGreaterEqual(
                get(met, "qujat_oldest_bundle_age_seconds", folder=f), 0)
        self.assertEqual(get(met, "qujat_bundles_accepted_total"), 3)
        self.assertEqual(get(met, "qujat_bundles_rejected_total"), 2)
        codes = {}
        for a in ("MR-0", "MR-1"):
            ref = q.load_json(self.spool / "rejected" / a / "refusal.json")
            for r in ref["reasons"]:
                codes[r["code"]] = codes.get(r["code"], 0) + 1
        for code in q.CODES:
            self.assertEqual(get(met, "qujat_refusal_reasons_total",
                                 code=code), codes.get(code, 0), code)
        out = 0
        for a in ok:
            man = q.load_json(self.spool / "sent" / a / "manifest.json")
            out += sum(doc["bytes"] for doc in man["documents"])
        self.assertEqual(get(met, "qujat_bytes_out_total"), out)
        self.assertGreater(get(met, "qujat_bytes_in_total"), 0)
        self.assertEqual(get(met, "qujat_deliveries_total"), 3)
        self.assertEqual(get(met, "qujat_deliveries_attempted_total"),
                         recv.count())
        self.assertEqual(get(met, "qujat_deliveries_failed_total"), 0)
        self.assertEqual(get(met, "qujat_budget_bytes"), 5000000)
        self.assertEqual(get(met, "qujat_worker_failures_total"), 0)

        r = subprocess.run([str(q.QUJAT), "status", "-c", str(d.conf),
                            "--spool", str(self.spool)],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"(?m)^sent\s+3\s")
        self.assertRegex(r.stdout, r"(?m)^qujat_bundles_accepted_total\s+3$")
        self.assertRegex(r.stdout, r'(?m)^qujat_refusal_reasons_total'
                         r'\{code="iin_invalid"\}\s+1$')

    def test_worker_failures_counted(self):
        d = self.evil_daemon(file_timeout_ms=500)
        files = {"certificate.pdf": b"QUJAT-TEST-HANG\n" + b"\0" * 64}
        m = q.manifest_for("MW-0", "free_transport",
                           [("certificate.pdf", "school_certificate")],
                           files=files)
        q.drop(self.spool, "MW-0", files, m)
        self.assertEqual(self.result("MW-0", 60)[0], "rejected")
        self.assertEqual(d.stop(), 0)
        met = parse_prom((self.spool / "state" / "qujat.prom").read_text())
        self.assertEqual(get(met, "qujat_worker_timeouts_total"), 2)
        self.assertEqual(get(met, "qujat_refusal_reasons_total",
                             code="processing_failed"), 1)


if __name__ == "__main__":
    unittest.main()
