#!/usr/bin/python3
"""check_defaults.py: the defaults that conf/qujat.conf and
man/qujat.conf.5 write out are include/defaults.h's, the one table that
qujatd and qujat-filter are built with. Every key of the table is written
in both, with the table's value, and neither writes an integer default
the table lacks. Run from anywhere; prints each disagreement as got/want
and exits 1 when there is one."""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def table():
    text = (ROOT / "include/defaults.h").read_text()
    return {m[1].lower(): int(m[2]) for m in re.finditer(
        r"^#define DEFAULT_([A-Z0-9_]+)\s+(\d+)\b", text, re.M)}


def conf_file():
    """`key = N;` lines, commented out or not (libconfig's L suffix too)."""
    text = (ROOT / "conf/qujat.conf").read_text()
    return {m[1]: int(m[2]) for m in re.finditer(
        r"^\s*#?\s*([a-z_]+)\s*=\s*(\d+)L?\s*;", text, re.M)}


def man_page():
    """`.BR key " (integer, default: N)"` and, under limits,
    `.BR key " (default: N)"`."""
    text = (ROOT / "man/qujat.conf.5").read_text()
    return {m[1]: int(m[2]) for m in re.finditer(
        r'^\.BR ([a-z_]+) " \((?:integer, )?default: (\d+)\)"', text, re.M)}


def compare(name, want, got):
    """The lines that disagree, and how many keys agree."""
    bad = []
    for key, value in sorted(want.items()):
        if key not in got:
            bad.append("%s: %s: got nothing, want %d" % (name, key, value))
        elif got[key] != value:
            bad.append("%s: %s: got %d, want %d" % (name, key, got[key],
                                                    value))
    for key in sorted(set(got) - set(want)):
        bad.append("%s: %s: got %d, want no default outside "
                   "include/defaults.h" % (name, key, got[key]))
    return bad, sum(got.get(k) == v for k, v in want.items())


def main():
    want = table()
    if not want:
        print("check_defaults: no DEFAULT_ lines in include/defaults.h")
        return 1
    conf_bad, conf_ok = compare("conf/qujat.conf", want, conf_file())
    man_bad, man_ok = compare("man/qujat.conf.5", want, man_page())
    for line in conf_bad + man_bad:
        print("check_defaults: " + line)
    print("check_defaults: %d passed, %d failed" % (
        conf_ok + man_ok, len(conf_bad) + len(man_bad)))
    return 1 if conf_bad or man_bad else 0


if __name__ == "__main__":
    sys.exit(main())
