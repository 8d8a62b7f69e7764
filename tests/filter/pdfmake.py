"""tests/filter/pdfmake.py: the one writer of hand-made PDFs for the
tests (the worker's checks, the integration tests, the fuzz seeds): a
classic PDF from its objects, a stream object, and the cross-reference
section and trailer, which a test may make lie on purpose (a damaged
table). Only the standard library: the fuzz seeds use it too."""


def stream(dict_, data):
    """A stream object: dict_ (the dictionary's entries but /Length, bytes)
    and its data."""
    return b"<< %s /Length %d >>\nstream\n" % (dict_, len(data)) + data + \
        b"\nendstream"


def xref(offsets, at, root=1, size=None, count=None, trailer_extra=b""):
    """The cross-reference section of objects 1..n at offsets, starting at
    byte at, with its trailer and %%EOF. size (the trailer's /Size) and
    count (the subsection's) are n + 1 unless a test makes them lie."""
    n = len(offsets) + 1
    out = b"xref\n0 %d\n0000000000 65535 f \n" % (n if count is None else count)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    return out + b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n" \
        b"%%%%EOF\n" % (n if size is None else size, root, trailer_extra, at)


def build(objs, trailer_extra=b"", root=1, version=b"1.5", size=None):
    """A classic PDF from objects 1..n (bytes, without 'obj'); root is the
    catalog's number, trailer_extra more trailer entries, size a /Size
    other than n + 1."""
    out, offs = b"%PDF-" + version + b"\n%\xe2\xe3\xcf\xd3\n", []
    for i, o in enumerate(objs, 1):
        offs.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    return out + xref(offs, len(out), root, size, trailer_extra=trailer_extra)
