"""The PyInstaller build (issue 6): how long it takes, how big it is, how fast it starts.

    .venv/bin/python bench/bench_build.py [--runs 3] [--reuse]

Builds with ``build.spec`` into ``bench/out/pyinstaller/`` (git-ignored; ``--reuse`` measures an
existing build instead of building again) and prints a table:

- build time: ``pyinstaller --noconfirm build.spec``, wall clock (PyInstaller's own caches warm);
- size of ``dist/acero`` (bytes of every file, as ``du --apparent-size``) and its file count;
- ``acero --version``: exec to exit, median of 5 (nothing of Qt is loaded);
- start → first painted window: the built client from exec (bootloader, interpreter, imports,
  a new cache with its migrations, the main window) to the first paint of the main window, as
  ``acero --selftest`` measures it offscreen (``/proc/self/stat`` start time), median of runs;
- the whole self-test (server, sync, one change), median of runs.

Every run uses a fresh temporary ``ACERO_HOME`` and a bare environment (no virtualenv).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out" / "pyinstaller"
sys.path.insert(0, str(REPO))

from tests.support.bundle import pyinstaller_command  # noqa: E402

PAINT = re.compile(r"painted ([0-9.]+) s after process start")
TOTAL = re.compile(r"self-test passed in ([0-9.]+) s")


def build() -> float:
    began = time.monotonic()
    subprocess.run(
        pyinstaller_command(OUT),
        cwd=REPO,
        check=True,
    )
    return time.monotonic() - began


def size(folder: Path) -> tuple[float, int]:
    files = [f for f in folder.rglob("*") if f.is_file() and not f.is_symlink()]
    return sum(f.stat().st_size for f in files) / 2**20, len(files)


def run(app: Path, *args: str) -> tuple[float, str]:
    with tempfile.TemporaryDirectory(prefix="acero-bench-") as home:
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": home,
            "ACERO_HOME": str(Path(home) / "acero"),
            "LANG": "C.UTF-8",
        }
        began = time.monotonic()
        result = subprocess.run(
            [str(app / "acero"), *args],
            env=env,
            cwd=home,
            capture_output=True,
            text=True,
            timeout=300,
        )
        seconds = time.monotonic() - began
    if result.returncode != 0:
        raise SystemExit(f"acero {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return seconds, result.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="self-test runs (default 3)")
    parser.add_argument("--reuse", action="store_true", help="measure the existing build")
    args = parser.parse_args()
    app = OUT / "dist" / "acero"
    build_s = None
    if not (args.reuse and (app / "acero").exists()):
        build_s = build()
    mb, files = size(app)
    version = statistics.median(run(app, "--version")[0] for _ in range(5))
    paints, totals = [], []
    for _ in range(args.runs):
        _, out = run(app, "--selftest")
        paint, total = PAINT.search(out), TOTAL.search(out)
        if paint is None or total is None:
            raise SystemExit(f"unexpected self-test output:\n{out}")
        paints.append(float(paint.group(1)))
        totals.append(float(total.group(1)))
    rows = [
        ("build time (pyinstaller build.spec)", f"{build_s:.0f} s" if build_s else "(reused)"),
        ("size of dist/acero", f"{mb:.0f} MiB, {files:,} files"),
        ("acero --version (median of 5)", f"{version * 1000:.0f} ms"),
        (
            f"start → first painted window (median of {args.runs})",
            f"{statistics.median(paints):.2f} s (min {min(paints):.2f}, max {max(paints):.2f})",
        ),
        (f"whole self-test (median of {args.runs})", f"{statistics.median(totals):.1f} s"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"\nPyInstaller build on {os.cpu_count()} cores, {sys.platform}")
    print(f"{'figure':<{width}}  value")
    print(f"{'-' * width}  {'-' * 30}")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
