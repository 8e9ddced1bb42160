"""The Korean catalog is complete, its placeholders match, and nothing translates at import."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from intake import i18n
from intake.paths import translations_dir

PO = translations_dir() / "ko" / "LC_MESSAGES" / "intake.po"
POT = translations_dir() / "intake.pot"
MO = PO.with_suffix(".mo")
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _catalog(path: Path):  # type: ignore[no-untyped-def]
    with path.open("rb") as handle:
        return read_po(handle)


def test_every_korean_entry_is_translated_and_not_fuzzy() -> None:
    catalog = _catalog(PO)
    def untranslated(string: str | tuple[str, ...]) -> bool:
        return not all(string) if isinstance(string, tuple) else not string

    bad = [m.id for m in catalog if m.id and (untranslated(m.string) or m.fuzzy)]
    assert bad == []


def test_the_catalog_covers_the_template() -> None:
    template = {m.id for m in _catalog(POT) if m.id}
    korean = {m.id for m in _catalog(PO) if m.id}
    assert template - korean == set()


def test_the_template_is_up_to_date_with_the_sources(tmp_path: Path) -> None:
    """Every string marked in intake/ is in the template (run `make extract` if not)."""
    out = tmp_path / "fresh.pot"
    root = translations_dir().parent
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F",
         str(root / "babel.cfg"), "-k", "N_", "-k", "_", "-k", "ngettext:1,2", "-o", str(out),
         str(root / "intake")],
        check=True, capture_output=True,
    )
    fresh = {m.id for m in _catalog(out) if m.id}
    committed = {m.id for m in _catalog(POT) if m.id}
    assert fresh - committed == set()


def _pairs(path: Path) -> list[tuple[str, str]]:
    """(source, translation) for every entry; each plural form against the plural source."""
    pairs = []
    for m in _catalog(path):
        if not m.id:
            continue
        if isinstance(m.id, tuple):
            strings = m.string if isinstance(m.string, tuple) else (m.string,)
            pairs.extend((m.id[min(i, 1)], form) for i, form in enumerate(strings))
        else:
            pairs.append((m.id, m.string))
    return pairs


def test_placeholders_match_in_every_translation() -> None:
    mismatched = [(source, text) for source, text in _pairs(PO)
                  if text and i18n.placeholders(source) != i18n.placeholders(text)]
    assert mismatched == []


def test_translations_are_korean() -> None:
    """Catches an English string pasted as its own translation."""
    not_korean = [source for source, text in _pairs(PO)
                  if text and not HANGUL.search(text)
                  and not re.fullmatch(r"(?:[\W\d_]|%s|\{\w+\})*", source)]
    assert not_korean == []


def test_placeholder_parser() -> None:
    assert i18n.placeholders("{a} and {b} %(c)s %s 100%%") == {
        "{a}": 1, "{b}": 1, "%c": 1, "%s": 1}
    assert i18n.placeholders("{a}") != i18n.placeholders("{b}")


@pytest.mark.skipif(not MO.exists(), reason="the catalog is compiled by `make test`")
def test_switching_language_translates_and_back() -> None:
    i18n.set_language("ko")
    assert i18n.current_language() == "ko"
    assert HANGUL.search(i18n._("Unlock"))
    i18n.set_language("en")
    assert i18n._("Unlock") == "Unlock"


def test_a_translation_with_wrong_placeholders_is_dropped(tmp_path: Path) -> None:
    """As in Electrum: a bad translation shows the English source instead of crashing."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    catalog = Catalog(locale="ko", domain="intake")
    catalog.add("Vault: {path}", "보관함: {경로}")
    catalog.add("Unlock", "열기")
    folder = tmp_path / "ko" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "intake.mo").open("wb") as handle:
        write_mo(handle, catalog)
    i18n.set_language("ko", tmp_path)
    assert i18n._("Unlock") == "열기"
    assert i18n._("Vault: {path}").format(path="/x") == "Vault: /x"


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError):
        i18n.set_language("xx")


def test_language_from_environment() -> None:
    assert i18n.language_from_environment({"LANG": "ko_KR.UTF-8"}) == "ko"
    assert i18n.language_from_environment({"LC_ALL": "en_GB.UTF-8", "LANG": "ko_KR"}) == "en"
    assert i18n.language_from_environment({}) == "en"


@pytest.mark.skipif(not MO.exists(), reason="the catalog is compiled by `make test`")
def test_babel_formats_for_the_chosen_locale() -> None:
    """Numbers here; dates and times have their own module and test (tests/unit/test_dates.py)."""
    assert i18n.format_number(1234567) == "1,234,567"
    i18n.set_language("ko")
    assert i18n.format_number(1234567) == "1,234,567"
    assert i18n.format_duration_seconds(90) == "90초"


def test_nothing_is_translated_at_import_time() -> None:
    """Import every module of intake with a catalog that fails on use."""
    code = r"""
import importlib, pkgutil, sys
import intake, intake.i18n as i18n

class Exploding:
    def gettext(self, message):
        raise AssertionError("translated at import time: " + message)
    ngettext = gettext

i18n._Active.translations = Exploding()
failures = []
for module in pkgutil.walk_packages(intake.__path__, "intake."):
    if module.name in ("intake.__main__",):
        continue
    try:
        importlib.import_module(module.name)
    except AssertionError as error:
        failures.append(f"{module.name}: {error}")
print("\n".join(failures))
sys.exit(1 if failures else 0)
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stdout + result.stderr
