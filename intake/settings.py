"""Typed, non-secret preferences.

Only what is safe on a seized laptop belongs here: the interface language and where the
vault is. Never a user name, a record, a path of an exported file or a window title.
A damaged or hand-edited file is ignored field by field, never fatal.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from intake.atomic import write_atomic
from intake.i18n import LANGUAGES
from intake.paths import make_private_dir

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Settings:
    language: str | None = None
    vault_dir: str | None = None
    auto_lock_minutes: int = 5  # 1 to 60; anything else on disk falls back to 5
    lock_on_minimize: bool = False
    outbox_dir: str | None = None  # where "Send to office" writes sealed bundles
    inbox_dir: str | None = None  # where the office's app picks them up

    def with_changes(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


class SettingsStore:
    """Loads and saves :class:`Settings` as JSON in one file (0600)."""

    def __init__(self, path: Path) -> None:
        self._path = path

    @property
    def path(self) -> Path:
        return self._path

    def load(self) -> Settings:
        try:
            raw = json.loads(self._path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return Settings()
        except (OSError, ValueError):
            log.warning("settings file unreadable; using defaults")
            return Settings()
        if not isinstance(raw, dict):
            return Settings()
        settings = Settings()
        language = raw.get("language")
        if language in LANGUAGES:
            settings = settings.with_changes(language=language)
        vault_dir = raw.get("vault_dir")
        if isinstance(vault_dir, str) and vault_dir:
            settings = settings.with_changes(vault_dir=vault_dir)
        minutes = raw.get("auto_lock_minutes")
        if isinstance(minutes, int) and not isinstance(minutes, bool) and 1 <= minutes <= 60:
            settings = settings.with_changes(auto_lock_minutes=minutes)
        for folder_key in ("outbox_dir", "inbox_dir"):
            folder = raw.get(folder_key)
            if isinstance(folder, str) and folder:
                settings = settings.with_changes(**{folder_key: folder})
        on_minimize = raw.get("lock_on_minimize")
        if isinstance(on_minimize, bool):
            settings = settings.with_changes(lock_on_minimize=on_minimize)
        return settings

    def save(self, settings: Settings) -> None:
        make_private_dir(self._path.parent)
        data = json.dumps(asdict(settings), indent=2, sort_keys=True).encode("utf-8")
        write_atomic(self._path, data)
        if os.name == "posix":
            os.chmod(self._path, 0o600)


def forget_after_wipe(store: SettingsStore, wiped: Path, default_folder: Path | None) -> None:
    """After the vault in ``wiped`` was destroyed: the settings as a first run has them
    (only the interface language stays: it tells nothing), and the app's own data folder
    removed when the wipe left it empty, so nothing names where a vault, an outbox or an
    inbox was."""
    language = store.load().language
    store.save(Settings(language=language))
    if default_folder is not None and wiped == default_folder:
        with contextlib.suppress(OSError):  # only when empty; never someone else's folder
            default_folder.parent.rmdir()
