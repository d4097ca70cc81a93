"""Start-up: the table is painted before what it does not need loads; what it leaves is frozen."""

from __future__ import annotations

import gc
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

from acero_desktop.ui.app import settle_after_start


def test_settling_freezes_what_start_up_made() -> None:
    try:
        settle_after_start()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()  # the test process goes on collecting as before


# A fresh interpreter opens the window on a small cache, like ``acero`` does, and notes which
# modules are loaded when the table is first painted; then it lets the deferred steps run.
_FIRST_PAINT_PROBE = """
import asyncio, json, sys, uuid
from pathlib import Path

import qasync
from PySide6.QtCore import QEvent, QObject

from acero_desktop.ui.app import make_app
from acero_desktop.ui.mainwindow import MainWindow
from acero_desktop.ui.session import ClientSession, Profile

app = make_app([])
asyncio.set_event_loop(qasync.QEventLoop(app, already_running=True))
session = ClientSession(Profile("http://127.0.0.1:9", "agent", Path(sys.argv[1])), lambda: None)
session.set_user(uuid.UUID(sys.argv[2]))
window = MainWindow(session)
seen = {}


class Watch(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and window.model.rowCount() and not seen:
            seen["at_paint"] = sorted(sys.modules)
        return False


watch = Watch()
window.table.viewport().installEventFilter(watch)
warm = []
window.warmed_up.connect(lambda: warm.append(True))
window.show()
while not seen:
    app.processEvents()
while not warm:
    app.processEvents()
seen["warm"] = sorted(sys.modules)
seen["pane_shown"] = window.pane.isVisible()
print(json.dumps(seen))
"""

DEFERRED = (
    "acero_desktop.ui.detail.pane",  # the detail pane: built after the first paint
    "acero_desktop.core.mutations",  # the mutators' pydantic schemas (sync/cache, detail/files)
    "acero_desktop.core.assignment",  # the pane's suggested assignees
    "acero_desktop.sync.engine",  # the sync engine, with the wire format (sync.protocol)
    "acero_desktop.sync.protocol",
    "pydantic",
    "PySide6.QtSvg",  # icons are drawn by Qt's SVG icon engine, at the sizes asked for
)


def test_the_window_paints_its_table_before_loading_the_pane_the_mutators_and_sync(
    cache_template: tuple[Path, dict[str, uuid.UUID]], tmp_path: Path
) -> None:
    template, users = cache_template
    cache = tmp_path / "cache.db"
    shutil.copyfile(template, cache)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "ACERO_HOME": str(tmp_path / "home")}
    out = subprocess.run(
        [sys.executable, "-c", _FIRST_PAINT_PROBE, str(cache), str(users["agent"])],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env=env,
    )
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert [m for m in DEFERRED if m in seen["at_paint"]] == []
    # Right after the paint, the deferred steps load the pane and the mutators (hidden pane).
    assert {"acero_desktop.ui.detail.pane", "acero_desktop.core.mutations"} <= set(seen["warm"])
    assert seen["pane_shown"] is False
