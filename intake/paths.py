"""Where intake keeps its files.

Everything the app writes lives under one home: the platform's user data folder, or
``INTAKE_HOME`` when set (tests and portable installs use it). The vault is a folder of its
own inside it; non-secret preferences live beside it, never inside the vault. Every folder we
create is private to the user (0700).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "intake"


@dataclass(frozen=True)
class AppPaths:
    """The folders of one installation."""

    home: Path
    config_dir: Path

    @property
    def default_vault(self) -> Path:
        return self.home / "vault"

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.json"


def app_paths(env: Mapping[str, str] | None = None) -> AppPaths:
    """The installation's folders; ``INTAKE_HOME`` overrides the platform defaults."""
    env = os.environ if env is None else env
    override = env.get("INTAKE_HOME")
    if override:
        home = Path(override).expanduser().absolute()
        return AppPaths(home=home, config_dir=home / "config")
    return AppPaths(
        home=platformdirs.user_data_path(APP_NAME, appauthor=False),
        config_dir=platformdirs.user_config_path(APP_NAME, appauthor=False),
    )


def make_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) if needed; the leaf is made 0700 on POSIX."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if os.name == "posix":
        os.chmod(path, 0o700)
    return path


def data_root() -> Path:
    """The folder holding ``resources/`` and ``translations/``.

    A frozen app (PyInstaller) unpacks them beside its code, a wheel carries them inside the
    package as ``_data``, and a source checkout has them at the top of the repository.
    """
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen)
    package = Path(__file__).resolve().parent
    bundled = package / "_data"
    if bundled.is_dir():
        return bundled
    return package.parent


def resources_dir() -> Path:
    return data_root() / "resources"


def translations_dir() -> Path:
    return data_root() / "translations"
