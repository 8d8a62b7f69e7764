#!/usr/bin/python3
"""bench_passes: how many times qujatd sends each file of a big bundle
through the worker, and what the bundle costs.

Makes issue 13's bundle: four 12 MP phone photos of pages in low light
(4000x3000 as the sensor reads them, EXIF orientation 6, as most phones
store a portrait shot: tests/filter/phone.py) and a 10-page 300 dpi scanned
colour dossier (tests/bench/corpus.py), about 45 MB for the 5 MB budget.
Drops it RUNS times into a qujatd on a temporary spool (2 workers) and
prints per run the wall time from the drop to outbox/ and the CPU of the
daemon and its workers (/proc: utime, stime and the reaped children's),
and per file its worker runs: counted by a wrapper that logs each start of
qujat-filter with the file on its fd 0, and report.json's "tries"; and
the CPU those runs take replayed one at a time, each worker alone (on a
busy machine the wall time says more about the neighbours). With
--before DIR the same for the qujatd and qujat-filter built in DIR (an
earlier commit's build), beside. Run: make bench, or
    QUJAT_BUILD=$PWD/build /usr/bin/python3 tests/bench/bench_passes.py \
        [--before DIR] [RUNS]
"""

import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "filter"))
sys.path.insert(0, str(HERE.parent / "integration"))
import corpus            # noqa: E402
import phone             # noqa: E402
import qujatlib as q     # noqa: E402

WRAPPER = """#!/bin/sh
echo "$(/usr/bin/readlink /proc/$$/fd/0) $*" >> '%s'
exec '%s' "$@"
"""


def exif6():
    from PIL import Image
    e = Image.Exif()
    e[0x0112] = 6
    return e.tobytes()


def make_bundle():
    """{name: bytes}: the four photos and the dossier."""
    files = {}
    for i in range(4):
        pg, _ = phone.text_page(dpi=200, seed=10 + i)
        files["photo-%d.jpg" % i], _ = phone.phone(
            pg, kind="dark" if i % 2 else "light", low=True,
            angle=1.0 + i, orientation=6, quality=95,
            exif=lambda o: exif6())
    pages = [corpus.scanned(corpus.page(300, 40 + i)[0], 60 + i)
             for i in range(10)]
    files["dossier.pdf"] = corpus.pdf(pages, q=90)
    return files


def cpu_seconds(pid):
    """(utime + stime, cutime + cstime) of pid, in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        t = [int(x) / os.sysconf("SC_CLK_TCK")
             for x in f.read().rsplit(")", 1)[1].split()[11:15]]
    return t[0] + t[1], t[2] + t[3]


def run(build, files, runs, tmp):
    """[(wall s, (daemon, workers) CPU s, {file: runs counted},
    {file: tries}, bytes out, take ms, {file: worker ms},
    [(file, qujat-filter's arguments)] in the order they started)]"""
    build = Path(build).resolve()
    starts = tmp / "starts.log"
    wrap = tmp / "filter.sh"
    wrap.write_text(WRAPPER % (starts, build / "qujat-filter"))
    wrap.chmod(0o755)
    conf = q.write_conf(tmp / "qujat.conf", workers=2, filter=str(wrap))
    spool = tmp / "spool"
    with open(tmp / "qujatd.log", "wb") as lf:
        d = subprocess.Popen([str(build / "qujatd"), "-c", str(conf),
                              "--spool", str(spool)], cwd=q.REPO,
                             stdin=subprocess.DEVNULL, stdout=lf, stderr=lf)
    out = []
    try:
        q.wait_for(lambda: (spool / "outbox").is_dir(), 10, "qujatd up")
        time.sleep(0.5)
        for k in range(runs):
            app = "PASSES-%02d" % k
            m = q.manifest_for(app, "home_schooling",
                               [(n, "vkk_conclusion") for n in files],
                               child_iin=q.VALID_IINS[k % 4], files=files)
            stage = tmp / "stage"
            q.write_files(stage / app, files, m)
            starts.write_text("")
            c0, t0 = cpu_seconds(d.pid), time.monotonic()
            os.rename(stage / app, spool / "incoming" / app)
            q.wait_for(lambda: (spool / "outbox" / app).exists() or
                       (spool / "rejected" / app).exists(), 300,
                       "the result of %s" % app)
            wall = time.monotonic() - t0
            time.sleep(0.2)    # the last worker's reaping
            c1 = cpu_seconds(d.pid)
            cpu = (c1[0] - c0[0], c1[1] - c0[1])
            counted = {n: 0 for n in files}
            passes = []
            for line in starts.read_text().splitlines():
                path, args = line.split(" ", 1)
                counted[os.path.basename(path)] += 1
                passes.append((os.path.basename(path), args.split()))
            rep = json.loads((spool / "outbox" / app / "report.json")
                             .read_text())
            tries = {f["original_file"]: f.get("tries") for f in
                     rep["files"]}
            ms = {f["original_file"]: f["ms"] for f in rep["files"]}
            take = re.findall(r"\[%s\] claimed: .* take_ms=([0-9.]+)" % app,
                              (tmp / "qujatd.log").read_text())
            out.append((wall, cpu, counted, tries, rep["bytes_out"],
                        float(take[0]) if take else -1, ms, passes))
    finally:
        d.terminate()
        d.wait(60)
    return out


def replay(build, files, passes):
    """{file: CPU seconds}: the passes of a run again, one at a time,
    each worker alone (qujat-filter with the daemon's arguments)."""
    cpu = {n: 0.0 for n in files}
    with tempfile.TemporaryDirectory(prefix="qujat-bench-passes-") as t:
        for name, args in passes:
            src, out = Path(t) / name, Path(t) / "out"
            src.write_bytes(files[name])
            with open(src, "rb") as fin, open(out, "wb") as fout:
                r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                subprocess.run([str(Path(build) / "qujat-filter")] + args,
                               stdin=fin, stdout=subprocess.DEVNULL,
                               pass_fds=(3,),
                               preexec_fn=lambda: os.dup2(fout.fileno(), 3))
                r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[name] += (r1.ru_utime - r0.ru_utime + r1.ru_stime -
                          r0.ru_stime)
    return cpu


def show(label, build, res, files):
    wall = statistics.median(r[0] for r in res)
    cpu = statistics.median(r[1][0] + r[1][1] for r in res)
    counted = res[-1][2]
    print("%s (%s): wall %.2f s (runs: %s), CPU %.2f s (runs, daemon + "
          "workers: %s), %d bytes out, take %.0f ms" % (
              label, build, wall, " ".join("%.2f" % r[0] for r in res),
              cpu, " ".join("%.2f+%.2f" % r[1] for r in res), res[-1][4],
              res[-1][5]))
    alone = replay(build, files, res[-1][7])
    print("  %-14s %10s %6s %6s %10s %10s" % (
        "file", "bytes", "runs", "tries", "worker ms", "alone CPU"))
    for n in files:
        print("  %-14s %10d %6d %6s %10d %10.2f" % (
            n, len(files[n]), counted[n], res[-1][3].get(n),
            res[-1][6].get(n, -1), alone[n]))
    print("  %-14s %10d %6d %6s %10s %10.2f" % (
        "total", sum(map(len, files.values())), sum(counted.values()), "",
        "", sum(alone.values())))
    return wall, cpu, sum(counted.values())


def main(argv):
    before = None
    if argv[:1] == ["--before"]:
        before, argv = argv[1], argv[2:]
    runs = int(argv[0]) if argv else 3
    files = make_bundle()
    print("bundle: %s, %d bytes; budget 5000000; %d cores, load %.1f" % (
        " ".join("%s %d" % (n, len(b)) for n, b in files.items()),
        sum(map(len, files.values())), os.cpu_count(),
        os.getloadavg()[0]))
    got = {}
    for label, build in (("before", before), ("after", q.BUILD)):
        if build is None:
            continue
        tmp = Path(tempfile.mkdtemp(prefix="qujat-bench-passes-"))
        try:
            got[label] = show(label, build, run(build, files, runs, tmp),
                              files)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    if "before" in got:
        b, a = got["before"], got["after"]
        print("after/before: wall %.2f, CPU %.2f, worker runs %d -> %d" % (
            a[0] / b[0], a[1] / b[1], b[2], a[2]))
    print("reproduce: QUJAT_BUILD=%s /usr/bin/python3 %s%s %d" % (
        q.BUILD, Path(__file__).relative_to(q.REPO),
        " --before %s" % before if before else "", runs))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
