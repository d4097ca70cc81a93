"""The PyInstaller build of ``build.spec`` into a folder of its own (build test, bench)."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def pyinstaller_command(out: Path) -> list[str]:
    """Build ``out/dist/acero`` with ``out/build`` as PyInstaller's work folder (run from REPO)."""
    return [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level",
        "WARN",
        "--distpath",
        str(out / "dist"),
        "--workpath",
        str(out / "build"),
        str(REPO / "build.spec"),
    ]
