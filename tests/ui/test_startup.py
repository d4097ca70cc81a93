"""What start-up leaves behind is kept out of the garbage collector's way."""

from __future__ import annotations

import gc

from acero_desktop.ui.app import settle_after_start


def test_settling_freezes_what_start_up_made() -> None:
    try:
        settle_after_start()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()  # the test process goes on collecting as before
