#!/usr/bin/python3
"""bench_daemon: qujatd as a whole, on a burst of small valid bundles.

Prints bundles per second (claim, one sandboxed worker per file, checklist,
store, atomic publication; spawning included) and the daemon's resident
memory idle and under load, beside the same burst handled by the script a
sysadmin would write instead (file(1) on each upload, copy, rename: no
sandbox, no checks, no fsync). Run: make bench, or
    QUJAT_BUILD=$PWD/build /usr/bin/python3 tests/bench/bench_daemon.py [N]
"""

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
import qujatlib as q  # noqa: E402

PEER = r'''
set -e
cd "$1"
for d in incoming/*; do
  id=${d#incoming/}
  for f in "$d"/*; do file -b --mime-type "$f" >/dev/null; done
  mkdir -p "work/$id"
  cp "$d"/* "work/$id/"
  mv "work/$id" "outbox/$id"
  rm -rf "$d"
done
'''


def rss_kb(pid, key="VmRSS"):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def make_bundles(root, n):
    scan = q.scan_jpeg(dpi=100, seed=1, quality=60)
    iin = q.iins(seed=7)
    stage = Path(root) / "stage"
    for i in range(n):
        app = "BENCH-%05d" % i
        files = {"vkk.jpg": scan}
        m = q.manifest_for(app, "home_schooling", [("vkk.jpg",
                           "vkk_conclusion")], child_iin=next(iin),
                           files=files)
        q.write_files(stage / app, files, m)
    return stage, len(scan)


def release(stage, spool):
    """Moves every staged bundle into incoming/ at once (one rename each)."""
    inc = Path(spool) / "incoming"
    inc.mkdir(parents=True, exist_ok=True)
    for d in sorted(stage.iterdir()):
        os.rename(d, inc / d.name)


def count_done(spool):
    return sum(len(os.listdir(Path(spool) / f)) for f in ("outbox",
                                                          "rejected"))


def run_qujat(root, n):
    stage, size = make_bundles(root, n)
    spool = Path(root) / "spool"
    conf = q.write_conf(Path(root) / "qujat.conf")
    d = q.Daemon(spool, conf, root).start()
    d.wait_started()
    time.sleep(1.0)
    idle = rss_kb(d.pid)
    peak = [idle]
    done = threading.Event()

    def sample():
        while not done.is_set():
            try:
                peak[0] = max(peak[0], rss_kb(d.pid))
            except OSError:
                return
            time.sleep(0.02)
    t = threading.Thread(target=sample)
    t.start()
    t0 = time.monotonic()
    release(stage, spool)
    q.wait_for(lambda: count_done(spool) >= n, 600, "all bundles done", d)
    wall = time.monotonic() - t0
    done.set()
    t.join()
    rejected = len(os.listdir(spool / "rejected"))
    after = rss_kb(d.pid)
    d.stop()
    return wall, idle, peak[0], after, rejected, size


def run_peer(root, n):
    stage, _ = make_bundles(root, n)
    spool = Path(root) / "peer"
    for f in ("incoming", "outbox", "work"):
        (spool / f).mkdir(parents=True)
    release(stage, spool)
    t0 = time.monotonic()
    subprocess.run(["bash", "-c", PEER, "peer", str(spool)], check=True)
    return time.monotonic() - t0


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    with tempfile.TemporaryDirectory(prefix="qujat-bench-") as root:
        wall, idle, peak, after, rejected, size = run_qujat(
            Path(root) / "q", n)
    with tempfile.TemporaryDirectory(prefix="qujat-bench-") as root:
        peer = run_peer(Path(root), n)
    print("qujatd burst: %d bundles of one %d-byte JPEG scan, %d cores" %
          (n, size, os.cpu_count()))
    print("%-34s %10s %10s" % ("", "qujatd", "script"))
    print("%-34s %10.2f %10.2f" % ("wall seconds", wall, peer))
    print("%-34s %10.1f %10.1f" % ("bundles per second", n / wall,
                                   n / peer))
    print("%-34s %10.2f" % ("ratio qujatd/script (time)", wall / peer))
    print("%-34s %10.1f" % ("daemon RSS idle (MB)", idle / 1024))
    print("%-34s %10.1f" % ("daemon RSS peak under load (MB)", peak / 1024))
    print("%-34s %10.1f" % ("daemon RSS after the burst (MB)", after / 1024))
    print("%-34s %10d" % ("rejected (should be 0)", rejected))
    print("reproduce: QUJAT_BUILD=%s /usr/bin/python3 %s %d" % (
        q.BUILD, Path(__file__).relative_to(q.REPO), n))
    return 0 if rejected == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
