"""PySide6 6.12.0 on Python 3.11 drops a reference to None on every void Qt call.

After a few thousand calls None's refcount underflows and the interpreter aborts; qasync makes
such calls constantly. pyproject pins PySide6 below 6.12 on 3.11; this test guards that pin.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject


def test_void_qt_calls_do_not_leak_references_to_none() -> None:
    obj = QObject()
    before = sys.getrefcount(None)
    for i in range(20_000):
        obj.setObjectName(f"n{i % 7}")  # a void call
        obj.blockSignals(False)
    after = sys.getrefcount(None)
    # Other code may take a few references meanwhile; a leak of one per call would be ~40,000.
    assert after >= before - 100
