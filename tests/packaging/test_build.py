"""The PyInstaller build: ``build.spec`` makes ``dist/acero/``, and the result passes its own
self-test with nothing of this checkout around it (clean environment, no virtualenv, no display).

Marked ``build`` (minutes on two cores): CI runs it with the rest; ``-m "not build"`` skips it
locally. The build goes to a temporary folder, never to the checkout's ``dist/``.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.bundle import pyinstaller_command

pytestmark = [pytest.mark.build, pytest.mark.timeout(1200)]

REPO = Path(__file__).resolve().parents[2]
CHECKS = ("version", "resources", "qt", "window", "cache", "keyring", "server", "sync", "change")


@dataclass(frozen=True)
class Build:
    app: Path  # dist/acero
    seconds: float
    home: Path


def _size_mb(folder: Path) -> float:
    files = (f for f in folder.rglob("*") if f.is_file() and not f.is_symlink())
    return sum(f.stat().st_size for f in files) / 2**20


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    work = tmp_path_factory.mktemp("pyinstaller")
    began = time.monotonic()
    result = subprocess.run(
        pyinstaller_command(work),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1100,
    )
    seconds = time.monotonic() - began
    assert result.returncode == 0, f"PyInstaller failed:\n{result.stderr[-6000:]}"
    app = work / "dist" / "acero"
    print(f"\nbuild: {seconds:.0f} s, dist/acero {_size_mb(app):.0f} MiB")
    return Build(app, seconds, work / "home")


def _run(build: Build, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """The built ``acero`` with a bare environment: no venv, no PYTHONPATH, no display."""
    build.home.mkdir(exist_ok=True)
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(build.home),
        "ACERO_HOME": str(build.home / "acero"),
        "LANG": "C.UTF-8",
        "TMPDIR": os.environ.get("TMPDIR", "/tmp"),
    }
    return subprocess.run(
        [str(build.app / "acero"), *args],
        cwd=build.home,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_the_bundle_holds_what_it_needs_and_not_more(build: Build) -> None:
    internal = build.app / "_internal"
    assert (build.app / "acero").is_file()
    for needed in (
        "resources/acero.desktop",
        "resources/icons/acero.svg",
        "resources/icons/acero-48.png",
        "resources/icons/priority-urgent.svg",
        "resources/themes/light.json",
        "resources/themes/dark.json",
        "acero_desktop/store/migrations/env.py",
        "acero_desktop/sync/migrations/env.py",
        "acero_desktop/server/migrations/env.py",
    ):
        assert (internal / needed).is_file(), needed
    plugins = internal / "PySide6" / "Qt" / "plugins"
    for plugin in ("platforms/*xcb*", "platforms/*offscreen*", "imageformats/*svg*"):
        assert list(plugins.glob(plugin)), plugin
    assert list(plugins.glob("iconengines/*svg*"))
    names = {p.name for p in internal.rglob("*")}
    unwanted = [
        n
        for n in names
        if any(m in n for m in ("WebEngine", "Qt6Qml", "Qt6Quick", "Qt6Pdf", "Qt63D", ".qm"))
    ]
    assert not unwanted, unwanted
    assert not (internal / "PySide6" / "Qt" / "translations").exists()


def test_version(build: Build) -> None:
    result = _run(build, "--version", timeout=60)
    assert result.returncode == 0, result.stderr
    from acero_desktop import __version__

    assert result.stdout.strip() == f"acero {__version__}"


def test_selftest_passes(build: Build) -> None:
    result = _run(build, "--selftest")
    print(result.stdout)
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr[-4000:]}"
    lines = result.stdout.splitlines()
    for check in CHECKS:
        # No usable keyring (a CI container has no Secret Service) is a warning, not a failure.
        allowed = {"ok", "warn"} if check == "keyring" else {"ok"}
        assert any(
            line.split()[:1] and line.split()[0] in allowed and line.split()[1] == f"{check}:"
            for line in lines
        ), f"no passing {check} line in:\n{result.stdout}"
    assert "PyInstaller build" in result.stdout
    assert lines[-1].startswith("self-test passed")
