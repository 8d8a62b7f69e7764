"""qujatlib: helpers for the integration tests of qujatd.

The tests talk to the daemon only through the spool contract
(/work/shared/spec/contract.md): they write bundles into incoming/, and read
outbox/, rejected/ and originals/. This module starts and stops daemons on a
temporary spool, writes configuration variants, makes bundles and the fixture
files in them (made here with PIL and qpdf, nothing fetched), and waits for
results with a deadline. Every test prints the daemon's stderr on failure.
"""

import functools
import hashlib
import io
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("QUJAT_BUILD", REPO / "build")).resolve()
QUJATD = BUILD / "qujatd"
QUJAT = BUILD / "qujat"
EVIL_FILTER = BUILD / "tests" / "evil-filter"
CONF = REPO / "conf" / "qujat.conf"

# The tests' one writer of hand-made PDFs, shared with tests/filter/.
sys.path.insert(0, str(REPO / "tests" / "filter"))
import pdfmake  # noqa: E402

FOLDERS = ("incoming", "active", "outbox", "rejected", "sent", "originals",
           "decisions")

# Who may touch what (contract section 1, include/spool.h): each spool
# folder's mode and whose group it has ("daemon", "submit", "receive").
RIGHTS = {"": (0o755, "daemon"), "incoming": (0o3770, "submit"),
          "active": (0o700, "daemon"), "outbox": (0o770, "receive"),
          "rejected": (0o750, "submit"), "sent": (0o750, "receive"),
          "originals": (0o700, "daemon"), "decisions": (0o3770, "receive")}

CODES = {
    "manifest_invalid", "service_unknown", "iin_invalid", "file_missing",
    "file_unlisted", "file_not_regular", "type_unsupported", "file_corrupt",
    "pdf_encrypted", "limit_exceeded", "blank_page", "resolution_too_low",
    "document_missing", "duplicate_application", "too_large",
    "processing_failed",
}

VALID_IINS = ("180512600157", "850101300124", "190823500014", "180512600908")
INVALID_IIN = "180512600158"

# Document names from services.md: (kk, ru, en). norm() makes the
# no-break spaces of the shipped names plain.
DOC_NAMES = {
    "photo_3x4": ("Баланың 3×4 см цифрлық фотосуреті",
                  "Цифровая фотография ребёнка 3×4 см",
                  "Digital photo of the child, 3×4 cm"),
    "med_065u": ("№ 065/у нысанды денсаулық жағдайы туралы анықтама",
                 "Справка о состоянии здоровья ф. № 065/у",
                 "Health certificate, form 065/u"),
    "med_052_2u": ("Бала денсаулығының паспорты, № 052-2/у нысаны",
                   "Паспорт здоровья ребёнка ф. № 052-2/у",
                   "Child health passport, form 052-2/u"),
    "med_026u3": ("Бала денсаулығының паспорты, № 026/у-3 нысаны",
                  "Паспорт здоровья ребёнка ф. № 026/у-3",
                  "Child health passport, form 026/u-3"),
    "birth_certificate": ("Баланың туу туралы куәлігі",
                          "Свидетельство о рождении ребёнка",
                          "Birth certificate"),
    "migration_card": ("Көші-қон карточкасы", "Миграционная карточка",
                       "Migration card"),
    "basic_secondary_certificate": (
        "Негізгі орта білім туралы құжат",
        "Документ об основном среднем образовании",
        "Certificate of basic secondary education"),
    "school_certificate": ("Оқу орнынан анықтама", "Справка с места учёбы",
                           "Certificate from the child’s school"),
    "asp_certificate": (
        "Отбасының мемлекеттік атаулы әлеуметтік көмек алушыларға "
        "тиесілігін растайтын анықтама",
        "Справка, подтверждающая принадлежность семьи к получателям "
        "государственной адресной социальной помощи",
        "Certificate that the family receives state targeted social "
        "assistance"),
    "unemployed_certificate": (
        "Жұмыссыз ретінде тіркелгені туралы анықтама",
        "Справка о регистрации в качестве безработного",
        "Certificate of registration as unemployed"),
    "income_documents": ("Алынған табыстар туралы құжаттар",
                         "Документы о полученных доходах",
                         "Documents on the family’s income"),
    "guardianship_decision": (
        "Уәкілетті органның қорғаншылықты (қамқоршылықты), патронаттық "
        "тәрбиені бекіту туралы шешімі",
        "Решение уполномоченного органа об установлении опеки "
        "(попечительства), патронатного воспитания",
        "Decision of the authorised body on guardianship or foster care"),
    "collegial_decision": (
        "Білім беру ұйымының алқалы басқару органының шешімі",
        "Решение коллегиального органа управления организации образования",
        "Decision of the school’s collegial governing body"),
    "medical_079u": ("№ 079/у нысанды медициналық анықтама",
                     "Медицинская справка ф. № 079/у",
                     "Medical certificate, form 079/u"),
    "vkk_conclusion": (
        "Үйде оқыту бойынша ұсынымдары бар дәрігерлік-консультациялық "
        "комиссияның (ДКК) қорытындысы",
        "Заключение врачебно-консультационной комиссии (ВКК) с "
        "рекомендацией обучения на дому",
        "Conclusion of the medical advisory commission (VKK) recommending "
        "home schooling"),
    "pmpc_conclusion": (
        "Психологиялық-медициналық-педагогикалық консультацияның (ПМПК) "
        "қорытындысы",
        "Заключение психолого-медико-педагогической консультации (ПМПК)",
        "Conclusion of the psychological-medical-pedagogical consultation "
        "(PMPK)"),
}
LANGS = ("kk", "ru", "en")
G1 = ("asp_certificate", "unemployed_certificate", "income_documents",
      "guardianship_decision", "collegial_decision")

# For each service, the document types of a complete bundle.
COMPLETE = {
    "school_admission": ("photo_3x4", "med_065u", "med_052_2u"),
    "free_transport": ("school_certificate",),
    "free_meals": ("asp_certificate",),
    "summer_camp": ("income_documents", "medical_079u"),
    "home_schooling": ("vkk_conclusion",),
    "special_education": ("pmpc_conclusion",),
}


# --- IINs -----------------------------------------------------------------

# --- fresh clones (the package and install tests) -------------------------------

def run_cmd(args, **kw):
    """subprocess.run with text output captured and a 15-minute bound."""
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 900)
    return subprocess.run([str(a) for a in args], **kw)


def fresh_clone(prefix, tools, target):
    """A temporary folder holding a fresh `git clone` of this repository's
    HEAD (what is committed, as CI clones it) as qujat/, where `make TARGET...` has run (target: a list of words);
    a missing tool (make deps installs them) or a failing step fails the
    test. Returns (tmp, src)."""
    missing = [t for t in tools if not shutil.which(t)]
    if missing:
        raise AssertionError("missing %s: run make deps" % ", ".join(missing))
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    src = tmp / "qujat"
    r = run_cmd(["git", "clone", "-q", REPO, src])
    if r.returncode != 0:
        raise AssertionError("git clone failed: " + r.stderr)
    # as a new user runs it: not with the make that runs this test's
    # variables (make check-asan's B=build-asan and sanitizer flags)
    env = {k: v for k, v in os.environ.items() if k not in (
        "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "B", "CFLAGS",
        "CXXFLAGS", "LDFLAGS", "QUJAT_ASAN")}
    r = run_cmd(["make"] + target, cwd=src, env=env)
    if r.returncode != 0:
        raise AssertionError("make %s failed in a fresh clone:\n%s%s" % (
            " ".join(target), r.stdout[-4000:], r.stderr[-4000:]))
    return tmp, src


def iin_check_digit(d11):
    """The check digit of 11 digits, or None when there is none."""
    d = [int(c) for c in d11]
    c = sum(x * (i + 1) for i, x in enumerate(d)) % 11
    if c == 10:
        w = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]
        c = sum(x * w[i] for i, x in enumerate(d)) % 11
        if c == 10:
            return None
    return c


def iins(seed=0):
    """An endless stream of distinct valid IINs (seed picks the birth
    date part, so two streams with different seeds do not overlap)."""
    n = 0
    while True:
        body = "%06d%d%04d" % (100101 + seed * 100 + n // 40000,
                               3 + (n // 10000) % 4, n % 10000)
        n += 1
        c = iin_check_digit(body)
        if c is not None:
            yield body + str(c)


# --- fixtures ----------------------------------------------------------------

def _font(size):
    from PIL import ImageFont
    for p in ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
              "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"):
        if os.path.exists(p):
            return ImageFont.truetype(p, size)
    return ImageFont.load_default()


@functools.lru_cache(maxsize=None)
def page_image(dpi=160, seed=0, noise=6, mode="L"):
    """An A4 page at dpi with lines of text, a stamp and paper noise, so it
    compresses like a scan. Cached: callers must not modify it."""
    from PIL import Image, ImageDraw
    rnd = random.Random(seed)
    w, h = int(8.27 * dpi + 1), int(11.69 * dpi + 1)
    img = Image.new("RGB", (w, h), (250, 250, 246))
    d = ImageDraw.Draw(img)
    pt = max(8, dpi * 11 // 72)
    font = _font(pt)
    d.text((w // 4, dpi // 2), "ANYKTAMA / СПРАВКА %d" % seed,
           fill=(10, 10, 10), font=_font(pt * 3 // 2))
    y = dpi
    while y < h - dpi:
        words = " ".join("".join(rnd.choice("abcdefghijklmnopqrstuvwxyz")
                                 for _ in range(rnd.randint(2, 9)))
                         for _ in range(12))
        d.text((dpi * 3 // 4, y), words, fill=(20, 20, 30), font=font)
        y += pt * 3 // 2
        if rnd.random() < 0.1:
            y += pt * 2
    # A blue stamp and a signature: colour that matters.
    r = dpi * 3 // 4
    cx, cy = w * 2 // 3, h - dpi * 2
    d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=(30, 60, 200),
              width=max(2, dpi // 40))
    d.line([(dpi, h - dpi * 2), (dpi * 2, h - dpi * 2 - dpi // 3),
            (dpi * 3, h - dpi * 2)], fill=(20, 30, 150), width=3)
    if noise:
        n = Image.effect_noise((w, h), noise * 4).convert("RGB")
        img = Image.blend(img, n, noise / 200.0)
    if mode != "RGB":
        img = img.convert(mode)
    return img


def _save(img, fmt, **kw):
    b = io.BytesIO()
    img.save(b, fmt, **kw)
    return b.getvalue()


@functools.lru_cache(maxsize=None)
def scan_jpeg(dpi=160, seed=0, quality=80, mode="L", noise=6):
    """A JPEG scan of an A4 page, about 100-400 KB."""
    return _save(page_image(dpi, seed, noise, mode), "JPEG", quality=quality,
                 dpi=(dpi, dpi))


@functools.lru_cache(maxsize=None)
def scan_png(dpi=160, seed=0):
    """A PNG of an A4 page (a screenshot-like text page, no noise)."""
    return _save(page_image(dpi, seed, 0, "L"), "PNG", dpi=(dpi, dpi),
                 optimize=False)


@functools.lru_cache(maxsize=None)
def scan_tiff(dpi=160, seed=0, pages=2):
    """A multi-page TIFF (LZW, greyscale)."""
    imgs = [page_image(dpi, seed + i, 0, "L") for i in range(pages)]
    return _save(imgs[0], "TIFF", compression="tiff_lzw", save_all=True,
                 append_images=imgs[1:], dpi=(dpi, dpi))


@functools.lru_cache(maxsize=None)
def scan_pdf(dpi=160, seed=0, pages=1):
    """A PDF of scanned pages, written by PIL (DCT images)."""
    imgs = [page_image(dpi, seed + i, 4, "L") for i in range(pages)]
    return _save(imgs[0], "PDF", resolution=float(dpi), save_all=True,
                 append_images=imgs[1:])


def minimal_pdf(text="Certificate"):
    """A minimal valid one-page text PDF, written by hand (pdfmake) with a
    correct cross-reference table."""
    content = ("BT /F1 24 Tf 72 720 Td (%s) Tj ET" % text).encode()
    return pdfmake.build([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content +
        b"\nendstream",
    ], version=b"1.4")


@functools.lru_cache(maxsize=None)
def encrypted_pdf():
    """scan_pdf() encrypted with qpdf (AES-256, user password "u")."""
    with tempfile.TemporaryDirectory() as d:
        src, dst = os.path.join(d, "in.pdf"), os.path.join(d, "out.pdf")
        with open(src, "wb") as f:
            f.write(scan_pdf())
        subprocess.run(["qpdf", "--encrypt", "u", "o", "256", "--", src, dst],
                       check=True)
        with open(dst, "rb") as f:
            return f.read()


@functools.lru_cache(maxsize=None)
def photo_jpeg(w=660, h=880, seed=0, gps=False):
    """A colour portrait-like photo for photo_3x4; with gps, EXIF carrying
    a GPS location and the camera make."""
    from PIL import Image, ImageDraw
    rnd = random.Random(seed)
    img = Image.new("RGB", (w, h))
    px = img.load()
    for y in range(h):
        for x in range(0, w):
            px[x, y] = (120 + y * 100 // h, 140 + x * 60 // w, 200 - y * 80 // h)
    d = ImageDraw.Draw(img)
    d.ellipse((w // 4, h // 6, w * 3 // 4, h * 3 // 5), fill=(225, 180, 150))
    d.rectangle((w // 6, h * 3 // 5, w * 5 // 6, h), fill=(40, 60, 110))
    for _ in range(200):
        x, y = rnd.randrange(w), rnd.randrange(h)
        d.point((x, y), fill=(rnd.randrange(256),) * 3)
    kw = {"quality": 88}
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "QujatCam"          # Make
        exif[0x0110] = "Model X"           # Model
        gps_ifd = {1: "N", 2: (43.0, 14.0, 18.0), 3: "E",
                   4: (76.0, 53.0, 40.0)}
        exif[0x8825] = gps_ifd             # GPSInfo
        kw["exif"] = exif.tobytes()
    return _save(img, "JPEG", **kw)


def truncated_jpeg():
    """A scan cut in the middle of its entropy-coded data."""
    b = scan_jpeg(seed=7)
    return b[: len(b) * 2 // 5]


def zip_bytes():
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("scan.jpg", scan_jpeg(dpi=100, seed=3))
        z.writestr("readme.txt", "not a PDF\n" * 100)
    return b.getvalue()


def executable_bytes():
    with open(shutil.which("true") or "/bin/true", "rb") as f:
        return f.read()


def sha256(b):
    return hashlib.sha256(b).hexdigest()


# --- configuration -------------------------------------------------------------

def write_conf(path, **settings):
    """Writes a copy of conf/qujat.conf to path with services_file and
    messages_file made absolute and each setting replaced (a key of the
    limits group by its bare name, e.g. max_files=3). Strings are quoted.
    Returns path."""
    text = CONF.read_text()
    settings.setdefault("services_file", str(REPO / "conf" / "services.conf"))
    settings.setdefault("messages_file", str(REPO / "conf" / "messages.conf"))
    for key, val in settings.items():
        v = '"%s"' % val if isinstance(val, (str, Path)) else str(int(val))
        pat = re.compile(r"^(\s*)#?\s*%s\s*=.*?;" % re.escape(key), re.M)
        if pat.search(text):
            text = pat.sub(lambda m: "%s%s = %s;" % (m.group(1), key, v),
                           text, count=1)
        else:
            raise KeyError("no key %r in %s" % (key, CONF))
    Path(path).write_text(text)
    return Path(path)


# --- bundles -------------------------------------------------------------------

def manifest_for(app_id, service, docs, child_iin=VALID_IINS[0],
                 applicant_iin=VALID_IINS[1], hashes=True, files=None):
    """A manifest dict. docs: [(file, type)]; files: {name: bytes} for the
    bytes/sha256 fields (when hashes)."""
    entries = []
    for name, typ in docs:
        e = {"file": name, "type": typ}
        if hashes and files is not None and isinstance(files.get(name), bytes):
            e["bytes"] = len(files[name])
            e["sha256"] = sha256(files[name])
        entries.append(e)
    m = {
        "version": 1,
        "application_id": app_id,
        "service": service,
        "submitted_at": "2026-11-24T09:15:00+05:00",
        "locale": "kk",
        "child": {"iin": child_iin},
        "institution": {"id": "000140001239",
                        "name": "School-lyceum No. 12"},
        "documents": entries,
    }
    if applicant_iin is not None:
        m["applicant"] = {"iin": applicant_iin}
    return m


def complete_bundle(service, seed=0):
    """(docs, files) of a complete bundle for service: one file per
    document type of COMPLETE[service]."""
    docs, files = [], {}
    for i, typ in enumerate(COMPLETE[service]):
        if typ == "photo_3x4":
            name, data = "photo.jpg", photo_jpeg(seed=seed)
        else:
            name, data = "%s-%d.jpg" % (typ, i), scan_jpeg(seed=seed + i)
        docs.append((name, typ))
        files[name] = data
    return docs, files


def write_files(folder, files, manifest):
    """Writes files ({name: bytes, or a callable(path) that makes the
    entry}) and manifest (dict, bytes, or None for none) into folder,
    fsync'ing each regular file."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    items = dict(files)
    if manifest is not None:
        items["manifest.json"] = (manifest if isinstance(manifest, bytes)
                                  else json.dumps(manifest, ensure_ascii=False,
                                                  indent=1).encode())
    for name, data in items.items():
        p = folder / name
        if callable(data):
            data(p)
            continue
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)


def drop(spool, app_id, files, manifest, dir_name=None):
    """Drops a bundle by hand (producer protocol: a dot-folder in incoming/,
    then one rename). dir_name defaults to app_id."""
    inc = Path(spool) / "incoming"
    inc.mkdir(parents=True, exist_ok=True)
    tmp = inc / (".%s.%d" % (dir_name or app_id, os.getpid()))
    write_files(tmp, files, manifest)
    fd = os.open(tmp, os.O_RDONLY)
    os.fsync(fd)
    os.close(fd)
    os.rename(tmp, inc / (dir_name or app_id))
    return inc / (dir_name or app_id)


def drop_complete(spool, app_id, service, child_iin, seed=0):
    docs, files = complete_bundle(service, seed)
    m = manifest_for(app_id, service, docs, child_iin=child_iin, files=files)
    drop(spool, app_id, files, m)
    return files


def spool_dirs(spool):
    for f in FOLDERS:
        (Path(spool) / f).mkdir(parents=True, exist_ok=True)


def entries(folder):
    """Visible entries of a spool folder (names not starting with a dot and
    not ending in .tmp, as the contract's producers and consumers see)."""
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return []
    return sorted(n for n in names
                  if not n.startswith(".") and not n.endswith(".tmp"))


def load_json(path):
    with open(path, "rb") as f:
        return json.loads(f.read().decode("utf-8"))


# --- the daemon ------------------------------------------------------------------

class Daemon:
    """One qujatd on a spool; stderr and stdout go to a log file."""

    def __init__(self, spool, conf, logdir, env=None, args=(), popen=None):
        self.spool, self.conf = Path(spool), Path(conf)
        self.logdir = Path(logdir)
        self.env, self.args = env, list(args)
        self.popen = popen or {}     # e.g. as_party(), preexec_fn
        self.proc = None
        self.runs = 0
        self.logfiles = []

    def start(self):
        self.runs += 1
        lp = self.logdir / ("qujatd-%d-%d.log" % (id(self) % 10000,
                                                  self.runs))
        self.logfiles.append(lp)
        env = dict(os.environ)
        for k in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID",
                  "LISTEN_FDS", "LISTEN_PID"):
            env.pop(k, None)
        env.update(self.env or {})
        with open(lp, "wb") as log:
            self.proc = subprocess.Popen(
                [str(QUJATD), "-c", str(self.conf), "--spool",
                 str(self.spool)] + self.args,
                cwd=REPO, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                env=env, **self.popen)
        return self

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log(self):
        out = []
        for lp in self.logfiles:
            try:
                out.append("--- %s\n%s" % (lp.name, lp.read_text(
                    errors="replace")))
            except OSError:
                pass
        return "\n".join(out)

    def wait_started(self, timeout=10):
        """Waits until the daemon has made its spool folders (it does so
        before it scans)."""
        wait_for(lambda: all((self.spool / f).is_dir()
                             for f in ("incoming", "active", "outbox",
                                       "rejected", "originals")),
                 timeout, "spool folders made", self)

    def signal(self, sig):
        self.proc.send_signal(sig)

    def kill9(self):
        if self.alive():
            self.proc.kill()
        self.proc.wait(10)

    def stop(self, timeout=30):
        """SIGTERM, then SIGKILL after timeout. Returns the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGCONT)
                self.proc.terminate()
                return self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
                return None
        return self.proc.returncode


# --- the three parties ---------------------------------------------------------

PARTY_USERS = {"daemon": "qujat-t-daemon", "submit": "qujat-t-portal",
               "receive": "qujat-t-cases"}
PARTY_GROUPS = {"submit": "qujat-t-submit", "receive": "qujat-t-receive"}


def parties():
    """As root: the users and groups of the contract's three parties (made
    with groupadd and useradd the first time), as {party: (uid, gid,
    [supplementary gids])}; the daemon's user is in both groups. None when
    not root."""
    import grp
    import pwd
    if os.geteuid() != 0:
        return None
    for g in PARTY_GROUPS.values():
        subprocess.run(["groupadd", "-f", "-r", g], check=True)
    member = {"daemon": list(PARTY_GROUPS.values()),
              "submit": [PARTY_GROUPS["submit"]],
              "receive": [PARTY_GROUPS["receive"]]}
    out = {}
    for party, u in PARTY_USERS.items():
        try:
            pwd.getpwnam(u)
        except KeyError:
            subprocess.run(["useradd", "-r", "-M", "-U", "-s",
                            "/usr/sbin/nologin", "-G", ",".join(member[party]),
                            u], check=True)
        pw = pwd.getpwnam(u)
        out[party] = (pw.pw_uid, pw.pw_gid,
                      [grp.getgrnam(g).gr_gid for g in member[party]])
    out["gids"] = {k: grp.getgrnam(g).gr_gid for k, g in PARTY_GROUPS.items()}
    return out


def as_party(ids):
    """Popen keywords that run a program as the party (uid, gid, groups)."""
    uid, gid, groups = ids
    return {"user": uid, "group": gid, "extra_groups": groups}


class Party:
    """A forked process running as another uid, that calls the functions of
    funcs (a dict) on request and keeps what they store in self.state:
    a producer holding fds across steps of a test."""

    def __init__(self, ids, funcs):
        import pickle
        self._pickle = pickle
        self.funcs = funcs
        a, b = os.pipe(), os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            os.close(a[1])
            os.close(b[0])
            try:
                os.setgroups(ids[2])
                os.setgid(ids[1])
                os.setuid(ids[0])
                with os.fdopen(a[0], "rb") as rd, os.fdopen(b[1], "wb") as wr:
                    self._serve(rd, wr)
            finally:
                os._exit(0)
        os.close(a[0])
        os.close(b[1])
        self.to, self.frm = os.fdopen(a[1], "wb"), os.fdopen(b[0], "rb")

    def _serve(self, rd, wr):
        state = {}
        while True:
            try:
                name, args = self._pickle.load(rd)
            except EOFError:
                return
            try:
                res = ("ok", self.funcs[name](state, *args))
            except Exception as e:   # told to the test, which fails on it
                res = ("error", "%s: %s" % (type(e).__name__, e))
            self._pickle.dump(res, wr)
            wr.flush()

    def call(self, name, *args):
        self._pickle.dump((name, args), self.to)
        self.to.flush()
        kind, val = self._pickle.load(self.frm)
        if kind == "error":
            raise AssertionError("as another uid, %s failed: %s"
                                 % (name, val))
        return val

    def close(self):
        self.to.close()
        self.frm.close()
        os.waitpid(self.pid, 0)


class Timeout(AssertionError):
    pass


def wait_for(pred, timeout, what, daemon=None, interval=0.05):
    """Polls pred until it returns a true value (returned) or timeout
    seconds pass (Timeout). Fails early when daemon has exited."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if daemon is not None and not daemon.alive():
            v = pred()
            if v:
                return v
            raise AssertionError("qujatd exited (status %s) while waiting "
                                 "for %s" % (daemon.proc.returncode, what))
        if time.monotonic() > deadline:
            raise Timeout("timed out after %.0f s waiting for %s"
                          % (timeout, what))
        time.sleep(interval)


def result_of(spool, app_id):
    """'outbox', 'rejected', 'sent' or None."""
    for f in ("outbox", "sent", "rejected"):
        if os.path.isdir(os.path.join(spool, f, app_id)):
            return f
    return None


def wait_result(spool, app_id, timeout=60, daemon=None):
    """Waits until app_id is published; returns (folder, path)."""
    f = wait_for(lambda: result_of(str(spool), app_id), timeout,
                 "the result of %s" % app_id, daemon)
    return f, Path(spool) / f / app_id


class SpoolTest(unittest.TestCase):
    """A test with its own temporary directory and spool, and daemons that
    are stopped afterwards; their logs are printed when the test fails."""

    def setUp(self):
        for p in (QUJATD,):
            if not p.exists():
                self.fail("%s is not built (run `make all`, or set "
                          "QUJAT_BUILD)" % p)
        self.tmp = Path(tempfile.mkdtemp(prefix="qujat-it-"))
        self.spool = self.tmp / "spool"
        self.daemons = []
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        for d in self.daemons:
            d.stop(timeout=30)

    def run(self, result=None):
        before = (len(result.failures) + len(result.errors)
                  if result is not None else 0)
        super().run(result)
        failed = (result is not None and
                  len(result.failures) + len(result.errors) > before)
        if failed:
            for d in getattr(self, "daemons", []):
                sys.stderr.write("\n==== qujatd log for %s\n%s\n"
                                 % (self.id(), d.log()))
        tmp = getattr(self, "tmp", None)
        if tmp is not None:
            if failed and os.environ.get("QUJAT_KEEP"):
                sys.stderr.write("kept %s\n" % tmp)
            else:
                shutil.rmtree(tmp, ignore_errors=True)
        return result

    def conf(self, name="qujat.conf", **settings):
        """Writes a configuration variant into the test's directory."""
        return write_conf(self.tmp / name, **settings)

    def daemon(self, conf=None, env=None, start=True, popen=None,
               **settings):
        """A daemon on self.spool, with conf or a variant of the default
        one made from settings; started unless start=False. popen: more
        Popen keywords (as_party(), preexec_fn)."""
        if conf is None:
            conf = self.conf("qujat-%d.conf" % len(self.daemons), **settings)
        d = Daemon(self.spool, conf, self.tmp, env=env, popen=popen)
        self.daemons.append(d)
        if start:
            d.start()
        return d

    def evil_daemon(self, **settings):
        if not EVIL_FILTER.exists():
            self.fail("%s is not built (make %s)" % (EVIL_FILTER,
                                                     "build/tests/evil-filter"))
        settings.setdefault("filter", str(EVIL_FILTER))
        settings.setdefault("file_timeout_ms", 2000)
        settings.setdefault("worker_retries", 1)
        return self.daemon(**settings)

    # Results.

    def result(self, app_id, timeout=60, daemon=None):
        if daemon is None and self.daemons:
            daemon = self.daemons[-1]
        return wait_result(self.spool, app_id, timeout, daemon)

    def assertAccepted(self, app_id, files, timeout=60):
        """Waits for app_id and checks it was accepted and published as the
        contract says; returns (manifest, report, outbox path)."""
        folder, path = self.result(app_id, timeout)
        if folder == "rejected":
            self.fail("%s was refused: %s" % (app_id, json.dumps(
                load_json(path / "refusal.json"), ensure_ascii=False)))
        self.assertIn(folder, ("outbox", "sent"))
        return check_accepted(self, self.spool, app_id, files)

    def assertRefused(self, app_id, codes, files=None, timeout=60,
                      daemon=None):
        """Waits for app_id, checks it was refused with every code in codes
        (and well-formed, with the originals untouched when files is given);
        returns the refusal."""
        folder, path = self.result(app_id, timeout, daemon)
        if folder != "rejected":
            self.fail("%s was published in %s/, expected a refusal with %s"
                      % (app_id, folder, codes))
        ref = check_refusal(self, path, app_id, files)
        got = [r["code"] for r in ref["reasons"]]
        for c in codes:
            self.assertIn(c, got, "refusal of %s lacks %s: %s" % (
                app_id, c, json.dumps(ref, ensure_ascii=False, indent=1)))
        return ref

    def reason(self, ref, code, file=None):
        """The reason of ref with code (and file, when given)."""
        for r in ref["reasons"]:
            if r["code"] == code and (file is None or r.get("file") == file):
                return r
        self.fail("no reason %s%s in %s" % (
            code, " for %r" % file if file else "",
            json.dumps(ref, ensure_ascii=False, indent=1)))


def _has_cyrillic(s):
    return any("\u0400" <= c <= "\u04ff" for c in s)


def check_messages(tc, r):
    """Every message has kk, ru, en, non-empty, in the right script, and
    names the file or the document of its reason."""
    msg = r.get("message")
    tc.assertIsInstance(msg, dict, "reason without message: %r" % r)
    for lang in LANGS:
        tc.assertIsInstance(msg.get(lang), str, "%s: no %s text" % (
            r.get("code"), lang))
        tc.assertTrue(msg[lang].strip(), "%s: empty %s text" % (
            r.get("code"), lang))
    tc.assertTrue(_has_cyrillic(msg["kk"]), "kk text not Cyrillic: %r" % msg)
    tc.assertTrue(_has_cyrillic(msg["ru"]), "ru text not Cyrillic: %r" % msg)
    tc.assertFalse(_has_cyrillic(msg["en"].replace("№", "")) and
                   not r.get("file") and not r.get("document"),
                   "en text in Cyrillic: %r" % msg)
    for lang in LANGS:
        tc.assertNotRegex(msg[lang], r"\{(file|document|detail)\}",
                          "a placeholder left in the %s text" % lang)
        tc.assertNotRegex(msg[lang], r"\S  +\S",
                          "%s %s text has a gap where a value was left "
                          "empty: %r" % (r["code"], lang, msg[lang]))
    for lang in LANGS:
        broken = text_rule_broken(r.get("code"), lang, msg[lang],
                                  r.get("file"))
        tc.assertIsNone(broken, "%s %s text: %s: %r" % (
            r.get("code"), lang, broken, msg[lang]))
    if r.get("file"):
        for lang in LANGS:
            tc.assertIn(r["file"], msg[lang], "%s %s text does not name the "
                        "file %r: %r" % (r["code"], lang, r["file"], msg[lang]))
    elif r.get("document"):
        for alt in r["document"].split("|"):
            if alt not in DOC_NAMES:
                continue        # a group: checked by the tests that need it
            for i, lang in enumerate(LANGS):
                tc.assertIn(norm(DOC_NAMES[alt][i]), norm(msg[lang]),
                            "%s %s text does not name %s: %r" % (
                                r["code"], lang, alt, msg[lang]))


RESUBMIT = {"kk": re.compile(r"[Өө]тінімді (\S+ ){0,2}қайта беріңіз"),
            "ru": re.compile(r"[Пп]одайте заявление (\S+ )?ещё раз"),
            "en": re.compile(r"submit the application again")}


def text_rule_broken(code, lang, text, file=None):
    """The rule of services.md ("Refusal texts") that text breaks, or
    None: «өтінім», never «өтініш» but in «өтініш беруші»; no raw number
    of five digits or more; no " / " joins; a refusal says to submit the
    application again (duplicate_application says to wait); no straight
    apostrophes in English; no plain space in «№ 065», «5 Мбайт». The
    file's own name (any bytes a parent chose) is left out."""
    if file:
        text = text.replace(file, "FILE")
    if lang == "kk" and re.search(r"[Өө]тініш(?! беруш)", text):
        return "«өтініш» where the portal says «өтінім»"
    if re.search(r"\d{5,}", text):
        return "a raw number"
    if " / " in text:
        return "a \" / \" join"
    if code not in (None, "duplicate_application",
                    "document_not_in_checklist") and \
            not RESUBMIT[lang].search(text):
        return "no instruction to submit the application again"
    if lang == "en" and ("'" in text or '"' in text):
        return "a straight apostrophe or quote"
    if re.search(r"№ |\d (Мбайт|МБ|MB|dpi|см|cm)\b", text):
        return "a plain space where a no-break space belongs"
    return None


def norm(s):
    return " ".join(s.split())


def check_refusal(tc, path, app_id, files=None):
    """Checks rejected/<id>/: refusal.json as in the contract, every reason
    well-formed, the originals untouched (when files is given)."""
    path = Path(path)
    ref = load_json(path / "refusal.json")
    tc.assertEqual(ref.get("application_id"), app_id)
    tc.assertEqual(ref.get("decision"), "rejected")
    tc.assertIsInstance(ref.get("reasons"), list)
    tc.assertTrue(ref["reasons"], "a refusal without reasons")
    for r in ref["reasons"]:
        tc.assertIn(r.get("code"), CODES, "unknown code in %r" % r)
        check_messages(tc, r)
    if files is not None:
        for name, data in files.items():
            if isinstance(data, bytes):
                p = path / name
                tc.assertTrue(p.is_file() and not p.is_symlink(),
                              "original %s missing from rejected/" % name)
                tc.assertEqual(sha256(p.read_bytes()), sha256(data),
                               "original %s changed in rejected/" % name)
        extra = set(entries(path)) - set(files) - {"refusal.json",
                                                   "manifest.json"}
        tc.assertFalse(extra, "unexpected entries in rejected/%s" % app_id)
    return ref


def check_accepted(tc, spool, app_id, files):
    """Checks outbox/<id>/ and originals/<id>/ for an accepted bundle whose
    uploads were files; returns (manifest, report, outbox path)."""
    out = Path(spool) / "outbox" / app_id
    if not out.is_dir():
        out = Path(spool) / "sent" / app_id
    man = load_json(out / "manifest.json")
    rep = load_json(out / "report.json")
    tc.assertEqual(man.get("application_id"), app_id)
    tc.assertEqual(rep.get("application_id"), app_id)
    tc.assertEqual(rep.get("decision"), "accepted")
    published = set()
    total = 0
    for e in man["documents"]:
        for k in ("file", "original_file", "media_type", "bytes", "sha256"):
            tc.assertIn(k, e, "manifest entry lacks %s: %r" % (k, e))
        tc.assertIn(e["original_file"], files)
        p = out / e["file"]
        tc.assertTrue(p.is_file() and not p.is_symlink(),
                      "%s listed but not in outbox" % e["file"])
        data = p.read_bytes()
        tc.assertEqual(len(data), e["bytes"], e["file"])
        tc.assertEqual(sha256(data), e["sha256"], e["file"])
        ext = {"image/jpeg": ".jpg", "image/png": ".png",
               "image/tiff": ".tif", "application/pdf": ".pdf"}
        tc.assertIn(e["media_type"], ext)
        tc.assertTrue(e["file"].lower().endswith(ext[e["media_type"]]) or
                      (e["media_type"] == "image/jpeg" and
                       e["file"].lower().endswith(".jpeg")) or
                      (e["media_type"] == "image/tiff" and
                       e["file"].lower().endswith(".tiff")),
                      "%s: extension does not follow %s" % (e["file"],
                                                            e["media_type"]))
        published.add(e["file"])
        total += len(data)
    tc.assertEqual({e["original_file"] for e in man["documents"]}, set(files))
    tc.assertEqual(set(entries(out)), published | {"manifest.json",
                                                   "report.json"})
    tc.assertLessEqual(total, rep.get("budget", 5000000))
    for k in ("budget", "bytes_in", "bytes_out", "files", "warnings"):
        tc.assertIn(k, rep, "report.json lacks %s" % k)
    tc.assertEqual(rep["bytes_out"], total)
    for w in rep["warnings"]:
        check_messages(tc, w)     # support staff read it to the parent
    tc.assertEqual(rep["bytes_in"], sum(len(b) for b in files.values()))
    tc.assertEqual(len(rep["files"]), len(files))
    for f in rep["files"]:
        for k in ("file", "original_file", "type", "width", "height",
                  "pages", "action", "bytes_in", "bytes_out", "ms"):
            tc.assertIn(k, f, "report.json file entry lacks %s: %r" % (k, f))
        tc.assertEqual(f["bytes_in"], len(files[f["original_file"]]))
    orig = Path(spool) / "originals" / app_id
    for name, data in files.items():
        tc.assertEqual(sha256((orig / name).read_bytes()), sha256(data),
                       "originals/%s/%s differs from the upload"
                       % (app_id, name))
    return man, rep, out
