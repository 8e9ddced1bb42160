"""write_atomic without overwriting: a file that appeared meanwhile is never replaced."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.atomic import write_atomic


def test_new_file_only(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    write_atomic(target, b"first", overwrite=False)
    assert target.read_bytes() == b"first"
    assert target.stat().st_mode & 0o777 == 0o600
    with pytest.raises(FileExistsError):
        write_atomic(target, b"second", overwrite=False)
    assert target.read_bytes() == b"first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]


def test_a_symlink_in_place_is_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"keep")
    (tmp_path / "out").symlink_to(victim)
    with pytest.raises(FileExistsError):
        write_atomic(tmp_path / "out", b"x", overwrite=False)
    assert victim.read_bytes() == b"keep"
