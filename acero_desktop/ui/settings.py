"""QSettings in one INI file under :func:`paths.config_dir`, so tests and ACERO_HOME move it too."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from . import paths


def settings() -> QSettings:
    return QSettings(str(paths.config_dir() / "acero.ini"), QSettings.Format.IniFormat)


def read_str(key: str, default: str = "") -> str:
    value = settings().value(key, default)
    return value if isinstance(value, str) else default


def read_bool(key: str, default: bool = False) -> bool:
    value = settings().value(key, default)
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return default
