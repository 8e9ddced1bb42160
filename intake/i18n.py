"""Translations (gettext catalogs through Babel) and locale formatting.

Source strings are English. Strings defined at import time are marked with ``N_()`` and
translated where they are shown, with ``_()``; nothing calls ``_()`` at import time. A
translation whose placeholders differ from its source is dropped when the catalog loads
(the English text is shown instead), so a bad translation can never break a format call.
Dates and times are not formatted here but in :mod:`intake.dates` (one style per kind).

Issue 17: the window's catalog is read with the standard library's :mod:`gettext` (what
Babel's ``Translations`` is built on; PySide6 imports it anyway), so the unlock window's
start imports no Babel: its locale data, dates and numbers are imported by the first
format call, and :func:`load_translations` (a catalog for a file, not the window) imports
Babel's ``Translations`` when called.
"""

from __future__ import annotations

import gettext
import logging
import re
import string
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intake.paths import translations_dir

if TYPE_CHECKING:
    from collections.abc import Mapping
    from decimal import Decimal

    from babel import Locale
    from babel.support import NullTranslations

log = logging.getLogger(__name__)

DOMAIN = "intake"
LANGUAGES = ("ko", "en")
DEFAULT_LANGUAGE = "en"
#: How each language names itself, for language switches (never translated).
LANGUAGE_NAMES = {"ko": "한국어", "en": "English"}

_PERCENT_FIELD = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?([diouxXeEfFgGcrsa%])")


class _Active:
    """The catalog in use. gettext is process-wide by nature; this is its one home."""

    language: str = DEFAULT_LANGUAGE
    translations: gettext.NullTranslations = gettext.NullTranslations()


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it (import-time strings)."""
    return message


def _(message: str) -> str:
    return _Active.translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _Active.translations.ngettext(singular, plural, n)


def current_language() -> str:
    return _Active.language


def current_locale() -> Locale:
    from babel import Locale

    return Locale.parse("ko_KR" if _Active.language == "ko" else "en_US")


def placeholders(text: str) -> Counter[str]:
    """The ``{name}`` and ``%(name)s``/``%s`` fields of ``text``, as a multiset."""
    fields: Counter[str] = Counter()
    try:
        for _literal, name, _spec, _conv in string.Formatter().parse(text):
            if name is not None:
                fields["{" + name + "}"] += 1
    except ValueError:
        fields["{?malformed}"] += 1
    for match in _PERCENT_FIELD.finditer(text):
        if match.group(2) != "%":
            fields["%" + (match.group(1) or match.group(2))] += 1
    return fields


def _fits(key: object, translated: str) -> bool:
    """Whether a catalog entry's translation has its source's placeholders."""
    source = key[0] if isinstance(key, tuple) else key
    if not isinstance(source, str) or not source or not translated:
        return True
    return placeholders(source) == placeholders(translated)


def _drop_bad_translations(translations: gettext.GNUTranslations) -> int:
    catalog: dict[Any, str] = translations._catalog  # type: ignore[attr-defined]  # gettext
    bad = [key for key, translated in catalog.items() if not _fits(key, translated)]
    for key in bad:
        del catalog[key]
    return len(bad)


class _CheckedOnLookup(dict[Any, str]):
    """The window's catalog: an entry is checked the first time it is looked up (not all
    1,500 at every start), and one whose placeholders differ from its source's is dropped
    then, so the English source is shown. gettext reads it with ``get`` and ``[]``."""

    def __init__(self, entries: dict[Any, str]) -> None:
        super().__init__(entries)
        self.checked: set[object] = set()

    def _check(self, key: object) -> None:
        if key in self.checked or not dict.__contains__(self, key):
            return
        self.checked.add(key)
        if not _fits(key, dict.__getitem__(self, key)):
            dict.__delitem__(self, key)
            log.warning("dropped a translation whose placeholders differ from the source")

    def get(self, key: object, default: Any = None) -> Any:
        self._check(key)
        return dict.get(self, key, default)

    def __getitem__(self, key: object) -> str:
        self._check(key)
        return dict.__getitem__(self, key)


def load_translations(language: str, directory: Path | None = None) -> NullTranslations:
    """The catalog for ``language`` (English needs none), with bad entries dropped: Babel's
    ``Translations``, as the files' writers take it."""
    from babel.support import NullTranslations, Translations

    if language == "en":
        return NullTranslations()
    loaded = Translations.load(str(directory or translations_dir()), [language], DOMAIN)
    if not isinstance(loaded, Translations):
        log.warning("no compiled catalog for language %s; showing English", language)
        return loaded
    dropped = _drop_bad_translations(loaded)
    if dropped:
        log.warning("dropped %d translations whose placeholders differ from the source", dropped)
    return loaded


def window_translations(language: str, directory: Path | None = None
                        ) -> gettext.NullTranslations:
    """The catalog for ``language`` read by :mod:`gettext` (the same file and table as
    :func:`load_translations`, bad entries dropped too, each at its first lookup), without
    importing Babel."""
    if language == "en":
        return gettext.NullTranslations()
    found = (directory or translations_dir()) / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    try:
        with found.open("rb") as handle:
            loaded = gettext.GNUTranslations(handle)
    except OSError:
        log.warning("no compiled catalog for language %s; showing English", language)
        return gettext.NullTranslations()
    loaded._catalog = _CheckedOnLookup(loaded._catalog)  # type: ignore[attr-defined]
    return loaded


def set_language(language: str, directory: Path | None = None) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language: {language}")
    _Active.translations = window_translations(language, directory)
    _Active.language = language


def language_from_environment(env: Mapping[str, str]) -> str:
    """The language the user's locale asks for, if we have it, else English."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = env.get(name, "")
        if value:
            return "ko" if value.lower().startswith("ko") else DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def format_number(value: int | float | Decimal) -> str:
    from babel import numbers as babel_numbers

    return babel_numbers.format_decimal(value, locale=current_locale())


def format_duration_seconds(seconds: float) -> str:
    import datetime as dt

    from babel import dates as babel_dates

    return babel_dates.format_timedelta(
        dt.timedelta(seconds=seconds), threshold=2, locale=current_locale()
    )
