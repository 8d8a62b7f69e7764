"""bench_take: what taking a bundle into the daemon's own copy costs
(take.h): every upload of the engine benchmark's corpus (photos, scans,
PDFs, a TIFF) up to about 44 MB in one bundle, submitted N times to a qujatd on
a temporary spool; the daemon's "claimed" line says how many bytes it
copied and how long the take took. Prints the median and the worst.

    QUJAT_BUILD=build python3 tests/bench/bench_take.py [N]
"""

import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus            # noqa: E402
import qujatlib as q     # noqa: E402


TARGET = 44 * 10**6


def main(n):
    docs = [d for ds in corpus.make_docs().values() for d in ds]
    files, total = {}, 0
    for d in docs:
        if total + len(d.data) <= TARGET:
            files[d.name] = d.data
            total += len(d.data)
    tmp = Path(tempfile.mkdtemp(prefix="qujat-bench-take-"))
    conf = q.write_conf(tmp / "qujat.conf", workers=1)
    log = tmp / "qujatd.log"
    with open(log, "wb") as lf:
        d = subprocess.Popen([str(q.QUJATD), "-c", str(conf), "--spool",
                              str(tmp / "spool")], stdout=lf, stderr=lf)
    try:
        for i in range(n):
            app = "BENCH-%03d" % i
            m = q.manifest_for(app, "home_schooling",
                               [(k, "vkk_conclusion") for k in files],
                               child_iin=q.VALID_IINS[i % 4], files=files)
            q.drop(tmp / "spool", app, files, m)
            q.wait_for(lambda: "[%s] claimed" % app in log.read_text(),
                       120, "the take of %s" % app)
        text = log.read_text()
    finally:
        d.terminate()
        d.wait(60)
        shutil.rmtree(tmp, ignore_errors=True)
    got = [(int(c), float(ms)) for c, ms in re.findall(
        r"claimed: .* copied=(\d+) take_ms=([0-9.]+)", text)]
    ms = [x[1] for x in got]
    print("bundle: %d files (%s), %d bytes" % (
        len(files), " ".join(sorted(files)), total))
    print("take: median %.1f ms, worst %.1f ms over %d; copied %d bytes "
          "(%.2f of the bundle) per bundle" % (
              statistics.median(ms), max(ms), len(ms), got[0][0],
              got[0][0] / total))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
