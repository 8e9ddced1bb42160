"""Identifiers redaction finds without knowing whose quote it is (docs/export.md, redaction).

Patterns run on the normalized text (:mod:`intake.exchange.analysis.redact_norm`: ASCII
digits, ``-`` for every dash, no full-width forms). Each is listed with the placeholder it
becomes in :data:`FIXED_RULES` (after the record's own values) and :data:`FIRST_RULES`
(before them: an e-mail or a link holding a name is replaced whole).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

NAME, PHONE, EMAIL, ID, DATE, NUMBER, PLACE, ORG, URL, HANDLE = (
    "NAME", "PHONE", "EMAIL", "ID", "DATE", "NUMBER", "PLACE", "ORG", "URL", "HANDLE")

Check = Callable[[re.Match[str]], bool]


@dataclass(frozen=True)
class Rule:
    """Matches of ``pattern`` (its ``group``) that pass ``check`` become ``kind``."""

    kind: str
    pattern: re.Pattern[str]
    group: str | int = 0
    check: Check | None = None


# --- e-mail, links, messenger handles ----------------------------------------------------

_EMAIL = re.compile(r"[A-Za-z0-9а-яА-ЯёЁ._%+\-]+@[A-Za-z0-9а-яА-ЯёЁ\-]+"
                    r"(?:\.[A-Za-z0-9а-яА-ЯёЁ\-]+)+")
_AT = (r"(?:[ \t]*(?:@|\((?:at|골뱅이|앳)\)|\[(?:at|골뱅이)\]|\{at\}|<at>|골뱅이|앳)[ \t]*"
       r"|[ \t]+at[ \t]+)")
_DOT = (r"(?:\.|[ \t]*(?:\(dot\)|\[dot\]|\{dot\}|<dot>|\(점\)|\[점\])[ \t]*"
        r"|[ \t]*(?:점|닷|쩜)[ \t]*|[ \t]+dot[ \t]+)")
_TLDS = (r"(?:com|net|org|ru|kr|kp|cn|jp|de|uk|us|io|me|info|edu|gov|biz|su|ac|co|mail"
         r"|рф)")
_PROVIDERS = (r"(?:gmail|googlemail|naver|daum|hanmail|nate|kakao|yandex|mail|rambler|yahoo"
              r"|hotmail|outlook|live|proton(?:mail)?|icloud|qq|163|126)")
_LOCAL = r"(?<![\w.@])[A-Za-z0-9][A-Za-z0-9._%+\-]*"
#: "chol88 at mail dot ru", "chol88(at)naver(dot)com", "chol88 골뱅이 naver 점 com".
_EMAIL_SPELLED = re.compile(
    rf"(?i){_LOCAL}{_AT}[A-Za-z0-9\-]+(?:{_DOT}[A-Za-z0-9\-]+)*?{_DOT}{_TLDS}(?![A-Za-z])")
#: "chol88 at gmail", "chol88 골뱅이 네이버": the provider alone says it is an address.
_EMAIL_PROVIDER = re.compile(
    rf"(?i){_LOCAL}{_AT}(?:{_PROVIDERS}|네이버|다음|한메일|지메일|얀덱스)(?![A-Za-z])")

_URL_CHARS = r"[A-Za-z0-9\-._~:/?#\[\]@!$&'*+,;=%()]"
_URL_END = r"[A-Za-z0-9\-_~/#=&%+]"
_DOMAINS = (r"(?:com|org|net|ru|kr|kp|cn|me|io|info|biz|su|ly|gl|gg|to|co|jp|kz|uz|app|page"
            r"|link|site|online|tv|cc|ws|im|chat|рф)")
_URLS = (
    re.compile(rf"(?i)(?<![\w@])(?:(?:https?|ftp)://|www\.){_URL_CHARS}*{_URL_END}"),
    # t.me/chol88, open.kakao.com/o/gAbC123, vk.com/id123, wa.me/79141234567, naver.com
    re.compile(rf"(?i)(?<![\w@.\-])(?:[a-z0-9\-]+\.)+{_DOMAINS}(?![\w\-])"
               rf"(?:/{_URL_CHARS}*{_URL_END})?"),
)
_HANDLE = re.compile(r"(?<![\w.@])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,30}[A-Za-z0-9_])?")
_MESSENGERS = (r"(?:카카오톡|카톡|카카오|오픈채팅|텔레그램|텔레|위챗|웨이신|왓츠앱|시그널|"
               r"라인|바이버|인스타그램|인스타|페이스북|페북|스카이프|kakao(?:talk)?|telegram|wechat|weixin"
               r"|whatsapp|signal|viber|line|instagram|facebook|vk|vkontakte|skype|imo|ok\.ru)")
_ID_WORD = r"(?:아이디|ID|id|계정|account|handle|닉네임|nickname|nick|username|логин|ник)"
_VALUE = r"(?P<v>[A-Za-z0-9_][A-Za-z0-9_.\-]{1,30}[A-Za-z0-9_])"
_SAYS = r"[ \t]*(?:은|는|이|가|:|=|-)?[ \t]*"
#: "카톡 아이디는 chol88", "Telegram ID: chol_88", "ID chol88": the value after the word.
_HANDLE_AFTER_WORD = re.compile(rf"(?i)(?<![A-Za-z])(?:{_MESSENGERS}[ \t]*)?{_ID_WORD}"
                                rf"(?:[ \t]*(?:으로|로))?{_SAYS}{_VALUE}")
#: "카톡 chol88", "wechat wxid_7h2k": a messenger followed by a value with a digit or _.
_HANDLE_AFTER_APP = re.compile(rf"(?i)(?<![A-Za-z]){_MESSENGERS}{_SAYS}{_VALUE}")


def _handle_like(match: re.Match[str]) -> bool:
    value = match.group("v")
    return any(ch.isdigit() or ch in "_." for ch in value) and not value.isdigit()


def _not_a_word_only(match: re.Match[str]) -> bool:
    """An ID value, not a document number (those are ID's) nor an English word after "ID"."""
    value = match.group("v")
    if value.replace("-", "").replace(".", "").isdigit():
        return False
    return _handle_like(match) or len(value) >= 5 and value.lower() == value


# --- documents and numbers ---------------------------------------------------------------

_DOC_WORDS = (r"(?:여권|passport|паспорт|신분증|공민증|주민등록증|주민등록|주민번호"
              r"|외국인[ \t]?등록증?|등록증|비자|사증|visa|виза|ID|id[ \t]card|identity[ \t]card"
              r"|card|증명서|허가증|노동허가|work[ \t]permit|permit|certificate|document|문건"
              r"|номер|серия)")
_DOC_VALUE = (r"(?P<v>(?:[A-Z]{1,3}[ \t.\-]?)?\d(?:[ \t.\-/]?\d){4,20}"
              r"(?:[ \t.\-]?[A-Z](?![A-Za-z]))?)(?![\d])")
_ID_KEYWORD = re.compile(
    rf"(?i)(?<![A-Za-z]){_DOC_WORDS}(?:[ \t]*(?:번호|No\.?|number|номер|#|№))?"
    rf"[ \t]*(?:는|은|이|가|:|-)?[ \t]*{_DOC_VALUE}")
_RRN = re.compile(r"(?<!\d)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])[ \-]?[1-8]\d{6}(?!\d)")
_PASSPORTS = (
    re.compile(r"(?<![A-Za-z0-9])[MSROGDmsrogd][ .\-]?\d{4}[ .\-]?\d{4}(?![A-Za-z0-9])"),
    re.compile(r"(?<![A-Za-z0-9])[MSROGDmsrogd]\d{3}[A-Za-z]\d{4}(?![A-Za-z0-9])"),  # new
    re.compile(r"(?<!\d)\d{2} \d{2} \d{6}(?!\d)"),  # Russian internal passport
)
#: Digit groups (with an optional letter prefix) that add up to a document-like number:
#: 745 120 345, 12.34.567890, AB-1234-567.
_GROUPED = re.compile(r"(?<![A-Za-z0-9.\-])(?P<p>[A-Z]{1,3}[ .\-]?)?\d{1,6}(?:[ .\-/]\d{1,6}){1,6}"
                      r"(?![A-Za-z0-9]|[.\-/]\d)")
_AMOUNT_AFTER = re.compile(r"(?i)^[ \t]*(?:원|달러|루블|위안|엔|유로|만|천|억|\$|usd|dollars?|"
                           r"won|rubles?|roubles?|руб|р\.|yuan|rmb|eur|kg|km|m\b|명|톤|%)")
_DIGITS = re.compile(r"\d{5,}")


def _amount(match: re.Match[str]) -> bool:
    """1 500 000 руб, 3.000.000 원: thousands grouping before a currency or unit."""
    groups = re.findall(r"\d+", match.group())
    grouped = 1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])
    return grouped and bool(_AMOUNT_AFTER.match(match.string[match.end():]))


def _not_an_amount(match: re.Match[str]) -> bool:
    """15000 rubles is a wage, not an identifier; a longer run is redacted all the same."""
    return len(match.group()) > 7 or not _AMOUNT_AFTER.match(match.string[match.end():])


def _years(groups: list[str]) -> bool:
    return len(groups) == 2 and all(re.fullmatch(r"(?:19|20)\d\d", g) for g in groups)


def _document_like(match: re.Match[str]) -> bool:
    groups = re.findall(r"\d+", match.group())
    return (7 <= sum(len(g) for g in groups) <= 24 and not _years(groups)
            and not _amount(match))


def _enough_digits(match: re.Match[str]) -> bool:
    """At least seven digits, and not a span of years such as 2017-2019 or 1990 2000."""
    groups = re.findall(r"\d+", match.group())
    return not _years(groups) and 7 <= sum(len(g) for g in groups) <= 15


# --- dates -------------------------------------------------------------------------------

_MONTHS_EN = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|"
              r"Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_MONTHS_RU = (r"(?:января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября"
              r"|декабря)")
_YEAR_EN = r"(?P<y>(?:19|20)\d{2}|['’‘]\d{2})"
_DATES = (
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})[ \t]?[\-./][ \t]?(?P<m>\d{1,2})[ \t]?[\-./][ \t]?"
               r"(?P<d>\d{1,2})(?!\d)\.?"),
    re.compile(r"(?<!\d)(?P<d>\d{1,2})[./\-](?P<m>\d{1,2})[./\-](?P<y>(?:19|20)\d{2})(?!\d)"),
    # Two-digit years: 65.05.27, 65-5-27, 65/05/27 (year first), 27.05.65 (day first).
    re.compile(r"(?<![\d.\-/])(?P<y>\d{2})(?P<s>[.\-/])[ \t]?(?P<m>\d{1,2})(?P=s)[ \t]?"
               r"(?P<d>\d{1,2})(?![\d]|[.\-/]\d)\.?"),
    re.compile(r"(?<![\d.\-/])(?P<d>\d{1,2})(?P<s>[.\-/])(?P<m>\d{1,2})(?P=s)(?P<y>\d{2})"
               r"(?![\d]|[.\-/]\d)"),
    re.compile(r"(?:(?P<y>(?:19|20)?\d{2})[ \t]*년[ \t]*)?(?<!\d)(?P<m>\d{1,2})[ \t]*월[ \t]*"
               r"(?P<d>\d{1,2})[ \t]*일"),
    re.compile(rf"(?i)(?<!\d)(?P<d>\d{{1,2}})(?:st|nd|rd|th)?[ \t]+(?:of[ \t]+)?{_MONTHS_EN}"
               rf"(?:,?[ \t]+{_YEAR_EN})?(?![A-Za-z])"),
    re.compile(rf"(?i)(?<![A-Za-z]){_MONTHS_EN}[ \t]+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?!\d)"
               rf"(?:,?[ \t]+{_YEAR_EN})?"),
    re.compile(rf"(?i)(?<!\d)(?P<d>\d{{1,2}})[ \t]+{_MONTHS_RU}"
               rf"(?:[ \t]+(?P<y>(?:19|20)\d{{2}})(?:[ \t]*г\.?)?)?"),
)
#: A birth year is a date of birth in all but name: 65년생, 1965년생, '65, 65년 출생.
_BIRTH_YEARS = (
    re.compile(r"(?<!\d)(?:19|20)?\d{2}[ \t]*년[ \t]*(?:생|출생|태생)"),
    re.compile(r"(?<![\w'’‘])['’‘]\d{2}(?![\d'’])"),
    re.compile(r"(?i)(?:born|b\.)[ \t]+(?:in[ \t]+)?(?:(?:19|20)\d{2}|['’‘]?\d{2})(?!\d)"),
)


def _valid_date(match: re.Match[str]) -> bool:
    month = int(match.group("m")) if "m" in match.re.groupindex else 1
    day = int(match.group("d"))
    return 1 <= month <= 12 and 1 <= day <= 31


# --- phones ------------------------------------------------------------------------------

_SEP = r"[ \t.\-]?"
_PHONES = (
    # Korean: mobile 010-1234-5678, +82 10 1234 5678, landline 02-123-4567, (031) 123-4567.
    re.compile(rf"(?<![0-9A-Za-z+])(?:\+82{_SEP}(?:\(0\){_SEP})?\(?|\(?0)(?:1[016789]|2|[3-6][1-5]|70)"
               rf"\)?{_SEP}\d{{3,4}}{_SEP}\d{{4}}(?!\d)"),
    # Russian: +7 (914) 123-45-67, 8 914 123 45 67, +79141234567.
    re.compile(rf"(?<![0-9A-Za-z+])(?:\+7|8){_SEP}\(?\d{{3}}\)?{_SEP}\d{{3}}{_SEP}\d{{2}}{_SEP}\d{{2}}"
               r"(?!\d)"),
    # International, North Korea included: +850 2 381 2345, 00850-191-234-5678.
    re.compile(r"(?<![0-9A-Za-z+])(?:\+|00)\d{1,3}(?:[ \t.\-]?\(?\d{1,5}\)?){2,6}(?!\d)"),
    # Local numbers without area code: 1234-5678, 123-4567, 123-45-67.
    re.compile(r"(?<![0-9A-Za-z+.\-])\d{3,4}[.\-]\d{4}(?![\d\-]|\.\d)"),
    re.compile(r"(?<![0-9A-Za-z+.\-])\d{3}-\d{2}-\d{2}(?![\d\-])"),
)


def _first_rules() -> list[Rule]:
    rules = [Rule(EMAIL, _EMAIL), Rule(EMAIL, _EMAIL_SPELLED), Rule(EMAIL, _EMAIL_PROVIDER)]
    rules += [Rule(URL, p) for p in _URLS]
    rules += [Rule(HANDLE, _HANDLE), Rule(HANDLE, _HANDLE_AFTER_WORD, "v", _not_a_word_only),
              Rule(HANDLE, _HANDLE_AFTER_APP, "v", _handle_like)]
    return rules


def _fixed_rules() -> list[Rule]:
    rules = [Rule(ID, _ID_KEYWORD, "v"), Rule(ID, _RRN)]
    rules += [Rule(ID, p) for p in _PASSPORTS]
    rules += [Rule(DATE, p, check=_valid_date) for p in _DATES]
    rules += [Rule(DATE, p) for p in _BIRTH_YEARS]
    rules += [Rule(PHONE, p, check=_enough_digits) for p in _PHONES]
    rules.append(Rule(ID, _GROUPED, check=_document_like))
    return rules


#: Before the record's own values: e-mail addresses, links and handles, replaced whole.
FIRST_RULES: tuple[Rule, ...] = tuple(_first_rules())
#: After the record's own values: documents, dates, phones, grouped numbers.
FIXED_RULES: tuple[Rule, ...] = tuple(_fixed_rules())
#: Last of all: any run of five digits or more left (not an amount of money).
LAST_RULES: tuple[Rule, ...] = (Rule(NUMBER, _DIGITS, check=_not_an_amount),)
