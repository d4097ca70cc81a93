"""The packaging commands from a source install: ``--selftest``, ``--reset-cache``, ``server``,
and the resources a build ships (the build itself: test_build.py)."""

from __future__ import annotations

import configparser
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _acero(tmp_path: Path, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["ACERO_HOME"] = str(tmp_path / "home")
    return subprocess.run(
        [sys.executable, "-m", "acero_desktop", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.slow
def test_selftest_passes_from_source(tmp_path: Path) -> None:
    result = _acero(tmp_path, "--selftest")
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr[-3000:]}"
    out = result.stdout
    for check in ("version", "resources", "qt", "window", "cache", "server", "sync", "change"):
        assert f"ok    {check}:" in out, out
    assert "keyring:" in out
    assert "confirmed by the server as #" in out
    assert out.rstrip().splitlines()[-1].startswith("self-test passed")
    assert not (tmp_path / "home").exists()  # it used a temporary folder of its own


def test_reset_cache_needs_an_account(tmp_path: Path) -> None:
    result = _acero(tmp_path, "--reset-cache", timeout=60)
    assert result.returncode == 2
    assert "give --server and --user" in result.stderr


def test_reset_cache_without_a_cache_says_so(tmp_path: Path) -> None:
    result = _acero(
        tmp_path, "--reset-cache", "--server", "http://127.0.0.1:9", "--user", "dana", timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "nothing to reset" in result.stdout


def test_server_commands_run_through_acero(tmp_path: Path) -> None:
    result = _acero(tmp_path, "server", "--help", timeout=60)
    assert result.returncode == 0
    assert "acero-server" in result.stdout


def test_desktop_entry_and_icons() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(REPO / "resources" / "acero.desktop", encoding="utf-8")
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application"
    assert section["Exec"].split()[0] == "acero"
    assert section["Icon"] == "acero"
    assert section["StartupWMClass"] == "acero"  # what make_app's desktop file name gives
    icons = REPO / "resources" / "icons"
    for size in (16, 32, 48, 128, 256):
        data = (icons / f"acero-{size}.png").read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        assert (width, height) == (size, size)
    assert (icons / "acero.svg").is_file() and (icons / "acero.ico").is_file()


def test_a_wheel_carries_the_icons_themes_and_desktop_entry(tmp_path: Path) -> None:
    """pip-installed, the client finds them under <prefix>/share/acero (ui/resources.py)."""
    import zipfile

    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "-q", "-w", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    data = {n.split(".data/data/", 1)[1] for n in names if ".data/data/" in n}
    assert {
        "share/acero/icons/acero.svg",
        "share/acero/icons/priority-urgent.svg",
        "share/acero/themes/dark.json",
        "share/applications/acero.desktop",
    } <= data
    chains = {n.split("/")[1] for n in names if "/migrations/versions/" in n}
    assert chains == {"store", "sync", "server"}
