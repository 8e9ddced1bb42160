"""Where files live (``app_paths``), the typed settings file, and atomic file replacement."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import platformdirs
import pytest

from intake import atomic
from intake.atomic import write_atomic
from intake.paths import app_paths, make_private_dir
from intake.settings import Settings, SettingsStore

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- app_paths ------------------------------------------------------------------------------
def test_intake_home_overrides_every_folder(tmp_path: Path) -> None:
    paths = app_paths({"INTAKE_HOME": str(tmp_path / "portable")})

    assert paths.home == tmp_path / "portable"
    assert paths.default_vault == tmp_path / "portable" / "vault"
    assert paths.settings_file.parent == paths.config_dir
    assert paths.config_dir.is_relative_to(tmp_path / "portable")
    assert paths.config_dir != paths.default_vault
    assert not paths.config_dir.is_relative_to(paths.default_vault)  # settings beside it


def test_a_relative_intake_home_is_made_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    paths = app_paths({"INTAKE_HOME": "relative"})
    assert paths.home.is_absolute()
    assert paths.home == tmp_path / "relative"


def test_a_tilde_in_intake_home_is_expanded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("USERPROFILE", str(tmp_path))
    assert app_paths({"INTAKE_HOME": "~/intake-data"}).home == tmp_path / "intake-data"


@pytest.mark.parametrize("env", [{}, {"INTAKE_HOME": ""}], ids=["unset", "empty"])
def test_without_intake_home_the_platform_folders_are_used(env: dict[str, str]) -> None:
    # conftest sets INTAKE_HOME in os.environ: the env given must win over it
    assert os.environ.get("INTAKE_HOME")
    paths = app_paths(env)

    assert paths.home == platformdirs.user_data_path("intake", appauthor=False)
    assert paths.config_dir == platformdirs.user_config_path("intake", appauthor=False)
    assert paths.default_vault == paths.home / "vault"
    assert not paths.home.is_relative_to(Path(os.environ["INTAKE_HOME"]))


def test_without_an_env_argument_the_process_environment_is_used() -> None:
    assert app_paths().home == Path(os.environ["INTAKE_HOME"])


@posix_only
def test_make_private_dir_makes_the_folder_0700(tmp_path: Path) -> None:
    fresh = make_private_dir(tmp_path / "a" / "b")
    assert fresh.is_dir() and mode(fresh) == 0o700

    existing = tmp_path / "open"
    existing.mkdir(mode=0o755)
    os.chmod(existing, 0o755)
    make_private_dir(existing)
    assert mode(existing) == 0o700


# -- settings -------------------------------------------------------------------------------
@pytest.fixture
def store(tmp_path: Path) -> SettingsStore:
    return SettingsStore(app_paths({"INTAKE_HOME": str(tmp_path / "home")}).settings_file)


def write_raw(store: SettingsStore, text: str) -> None:
    store.path.parent.mkdir(parents=True, exist_ok=True)
    store.path.write_text(text, encoding="utf-8")


def test_missing_file_gives_defaults(store: SettingsStore) -> None:
    assert store.load() == Settings()
    assert Settings() == Settings(language=None, vault_dir=None, auto_lock_minutes=5)


def test_round_trip(store: SettingsStore, tmp_path: Path) -> None:
    settings = Settings(language="ko", vault_dir=str(tmp_path / "금고"), auto_lock_minutes=15)
    store.save(settings)
    assert store.load() == settings

    changed = settings.with_changes(language="en", auto_lock_minutes=60)
    store.save(changed)
    assert store.load() == changed
    assert sorted(p.name for p in store.path.parent.iterdir()) == ["settings.json"]


@posix_only
def test_saved_file_is_0600_in_a_0700_folder(store: SettingsStore) -> None:
    store.save(Settings(language="ko"))
    assert mode(store.path) == 0o600
    assert mode(store.path.parent) == 0o700


@posix_only
def test_saving_over_a_world_readable_file_makes_it_private(store: SettingsStore) -> None:
    write_raw(store, "{}")
    os.chmod(store.path, 0o644)
    store.save(Settings())
    assert mode(store.path) == 0o600


@pytest.mark.parametrize(
    "text",
    ["{not json", "", "[1, 2, 3]", '"ko"', "null", '{"language": "ko"'],
    ids=["broken", "empty", "list", "string", "null", "truncated"],
)
def test_a_damaged_file_gives_defaults(store: SettingsStore, text: str) -> None:
    write_raw(store, text)
    assert store.load() == Settings()


def test_undecodable_bytes_give_defaults(store: SettingsStore) -> None:
    store.path.parent.mkdir(parents=True)
    store.path.write_bytes(b'{"language": "\xff\xfe"}')
    assert store.load() == Settings()


def test_an_unreadable_file_gives_defaults(store: SettingsStore) -> None:
    store.path.mkdir(parents=True)  # a folder where the file should be
    assert store.load() == Settings()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("language", "fr"),
        ("language", "KO"),
        ("language", 1),
        ("language", ["ko"]),
        ("vault_dir", 42),
        ("vault_dir", ""),
        ("vault_dir", ["/tmp"]),
        ("auto_lock_minutes", "10"),
        ("auto_lock_minutes", 10.0),
        ("auto_lock_minutes", 0),
        ("auto_lock_minutes", -5),
        ("auto_lock_minutes", 61),
        ("auto_lock_minutes", None),
        ("auto_lock_minutes", True),
    ],
)
def test_a_bad_field_is_ignored_and_the_others_are_kept(
    store: SettingsStore, field: str, value: object
) -> None:
    good = {"language": "ko", "vault_dir": "/data/vault", "auto_lock_minutes": 30}
    write_raw(store, json.dumps({**good, field: value}))

    loaded = store.load()

    expected = {**good, field: getattr(Settings(), field)}
    assert loaded == Settings(**expected)  # type: ignore[arg-type]


def test_unknown_fields_are_ignored(store: SettingsStore) -> None:
    write_raw(store, json.dumps({"language": "en", "user": "kim", "recent": ["a.csv"]}))
    assert store.load() == Settings(language="en")


@pytest.mark.parametrize("minutes", [1, 60])
def test_auto_lock_bounds_are_accepted(store: SettingsStore, minutes: int) -> None:
    write_raw(store, json.dumps({"auto_lock_minutes": minutes}))
    assert store.load().auto_lock_minutes == minutes


def test_saved_file_holds_only_the_known_fields(store: SettingsStore) -> None:
    store.save(Settings(language="ko", vault_dir="/v", auto_lock_minutes=7))
    assert json.loads(store.path.read_text(encoding="utf-8")) == {
        "language": "ko", "vault_dir": "/v", "auto_lock_minutes": 7,
        "lock_on_minimize": False, "outbox_dir": None, "inbox_dir": None,
    }


def test_transfer_folders_are_kept_and_junk_ignored(store: SettingsStore) -> None:
    store.save(Settings(outbox_dir="/out", inbox_dir="/in"))
    assert (store.load().outbox_dir, store.load().inbox_dir) == ("/out", "/in")
    store.path.write_text(json.dumps({"outbox_dir": 5, "inbox_dir": ""}), encoding="utf-8")
    assert (store.load().outbox_dir, store.load().inbox_dir) == (None, None)


# -- write_atomic ---------------------------------------------------------------------------
def test_write_atomic_creates_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "file.bin"
    write_atomic(target, b"first")
    assert target.read_bytes() == b"first"

    write_atomic(target, b"second, longer than the first")
    assert target.read_bytes() == b"second, longer than the first"

    write_atomic(target, b"")
    assert target.read_bytes() == b""
    assert [p.name for p in tmp_path.iterdir()] == ["file.bin"]  # no temporary file left


@posix_only
def test_write_atomic_makes_a_private_file(tmp_path: Path) -> None:
    target = tmp_path / "file.bin"
    target.write_bytes(b"old")
    os.chmod(target, 0o644)
    write_atomic(target, b"new")
    assert mode(target) == 0o600


def test_a_failed_write_keeps_the_old_content(tmp_path: Path) -> None:
    target = tmp_path / "file.bin"
    write_atomic(target, b"old content")

    with pytest.raises(TypeError):
        write_atomic(target, "not bytes")  # type: ignore[arg-type]  # fails in write()

    assert target.read_bytes() == b"old content"
    assert [p.name for p in tmp_path.iterdir()] == ["file.bin"]


def test_a_failed_rename_keeps_the_old_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "file.bin"
    write_atomic(target, b"old content")

    def no_rename(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch, pytest.raises(OSError):
        patch.setattr(atomic.os, "replace", no_rename)
        write_atomic(target, b"new content")

    assert target.read_bytes() == b"old content"
    assert [p.name for p in tmp_path.iterdir()] == ["file.bin"]


def test_writing_into_a_missing_folder_raises_and_creates_nothing(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "file.bin"
    with pytest.raises(FileNotFoundError):
        write_atomic(target, b"data")
    assert not (tmp_path / "missing").exists()
    assert list(tmp_path.iterdir()) == []
