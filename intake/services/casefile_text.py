"""How a case file words things: one language chosen for the document, not the window's.

A lawyer abroad may need an English case file from a Korean-speaking interviewer, so the
case file gets its own catalog and Babel locale (:class:`Wording`) instead of the
process-wide ``_()``. Every string here is marked with ``N_()`` for extraction and
translated through the wording when the case file is built. Answers are put into words the
way the form shows them (code labels, yes/no, unknown, declined, estimate), with dates and
times in the app's one calendar (``intake.dates``, local time) and amounts formatted by
Babel, in the chosen language. Everything returned is HTML-escaped.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from babel import Locale
from babel import numbers as babel_numbers
from babel.support import NullTranslations

from intake.dates import stamp_text, stored_date_text
from intake.domain.questionnaire import META_LABELS, Meta, QType, Question
from intake.i18n import LANGUAGES, N_, load_translations

YES, NO = N_("Yes"), N_("No")
NOT_ASKED = N_("Not asked")
NONE_OF_THESE = N_("None of these")
ESTIMATE_NOTE = N_("(estimate)")
COMPUTED_NOTE = N_("(computed)")


class UnsupportedLanguage(ValueError):
    """A case file language the app has no catalog for (a programming error)."""


@dataclass
class Wording:
    """Translations and formats of one language, independent of the UI's language."""

    language: str
    translations: NullTranslations = field(repr=False)
    locale: Locale

    @classmethod
    def of(cls, language: str) -> Wording:
        if language not in LANGUAGES:
            raise UnsupportedLanguage(language)
        return cls(language, load_translations(language),
                   Locale.parse("ko_KR" if language == "ko" else "en_US"))

    def __call__(self, message: str) -> str:
        """``message`` (an ``N_()`` source string) in this language, not escaped."""
        return self.translations.gettext(message)

    def esc(self, message: str, **params: object) -> str:
        """``message`` translated, formatted with ``params`` and escaped for HTML."""
        text = self(message)
        return html.escape(text.format(**params) if params else text)

    # -- formats --------------------------------------------------------------------------
    def number(self, value: float) -> str:
        return babel_numbers.format_decimal(value, locale=self.locale)

    def money(self, value: Mapping[str, Any]) -> str:
        return babel_numbers.format_currency(value["amount"], value["currency"],
                                             locale=self.locale)

    def date(self, value: str) -> str:
        """A stored date of any precision (``YYYY-MM-DD``, ``YYYY-MM``, ``YYYY``)."""
        return stored_date_text(value, self.language)

    def stamp(self, value: str) -> str:
        """A stored timestamp as this computer's local date and time, in the app's one
        date-time style (``intake.dates``), so the case file reads like the window did."""
        return stamp_text(value, self.language)


def _muted(text: str) -> str:
    return f'<span style="color:#555555"><i>{text}</i></span>'


def _lines(items: list[str]) -> str:
    return "<br/>".join(html.escape(item).replace("\n", "<br/>") for item in items)


def value_text(words: Wording, question: Question, value: Any) -> str:
    """One stored value in words (escaped HTML), as the form would show it."""
    qtype = question.type
    if qtype is QType.BOOL:
        return words.esc(YES if value else NO)
    if qtype is QType.CHOICE and question.codes is not None:
        return words.esc(question.codes.label(str(value)))
    if qtype is QType.MULTI and question.codes is not None:
        if not value:
            return words.esc(NONE_OF_THESE)
        return html.escape(", ".join(words(question.codes.label(code)) for code in value))
    if qtype is QType.YEAR:
        return html.escape(str(value))
    if qtype in (QType.INT, QType.NUMBER):
        return html.escape(words.number(value))
    if qtype is QType.DATE:
        return html.escape(words.date(str(value)))
    if qtype is QType.MONEY and isinstance(value, Mapping):
        return html.escape(words.money(value))
    if qtype is QType.LIST and isinstance(value, list):
        return _lines([str(item) for item in value])
    return _lines([str(value)])


def answer_text(words: Wording, question: Question, answers: Mapping[str, Any],
                meta: Mapping[str, str]) -> str:
    """A question's answer in words: its value (with estimate or computed noted), unknown,
    declined, or not asked."""
    mark = meta.get(question.id)
    if question.id not in answers:
        if mark in (Meta.UNKNOWN, Meta.DECLINED):
            return _muted(words.esc(META_LABELS[Meta(mark)]))
        return _muted(words.esc(NOT_ASKED))
    shown = value_text(words, question, answers[question.id])
    if mark == Meta.ESTIMATE:
        shown += " " + _muted(words.esc(ESTIMATE_NOTE))
    if question.derived:
        shown += " " + _muted(words.esc(COMPUTED_NOTE))
    return shown
