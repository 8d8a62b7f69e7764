"""tests/filter/test_phone.py: phone.py's cases (pages photographed on
dark, light, grey and white tables, under the phone's shadow, in low
light; the detection sweep; the controls that must stay whole) as
unittest tests, one per case, named from its description. Run one:
    QUJAT_BUILD=$PWD/build /usr/bin/python3 -m unittest \\
        tests/filter/test_phone.py -k white_table
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixtures import WorkerTest  # noqa: E402
import phone  # noqa: E402


class PhonePhotoCases(WorkerTest):
    """One test per phone.case(): it fails with the case's reason."""


def _test(fn):
    def run(self):
        why = fn()
        if why is not None:
            self.fail(why)
    return run


for _label, _fn in phone.CASES:
    _name = "test_" + re.sub(r"[^a-z0-9]+", "_", _label.lower()).strip("_")
    assert not hasattr(PhonePhotoCases, _name[:100]), _label
    setattr(PhonePhotoCases, _name[:100], _test(_fn))
