"""Characters a reader does not see: the one definition of what a one-line text may not hold.

A name, an alias, a phone number or a place is read by a person and compared by a program.
A bidi control (U+202E turns "cod.exe" into what looks like "exe.doc"), a zero-width
character (two names that look the same and are not), a Hangul filler (a name that looks
blank) or a NUL (SQLite and Qt may cut the text there) make the stored text say something
other than what a person reads. Testimony is evidence, so such text is never stripped or
rewritten: one-line answers and user names refuse it with a message, and long texts
(narratives) keep everything but NUL while the interface shows what is hidden
(``intake/ui/kit/visible_controls.py``).

Hidden here means:

- every control character (Unicode category Cc: C0 including tab and line breaks, DEL, C1);
- every format character (Cf): bidi embeddings, overrides and isolates (U+202A–U+202E,
  U+2066–U+2069), marks (U+200E, U+200F, U+061C), zero-width space, non-joiner and joiner
  (U+200B–U+200D), word joiner and invisible operators (U+2060–U+2064), the byte order
  mark (U+FEFF), the soft hyphen, tag characters and the rest of the category;
- the line and paragraph separators (U+2028, U+2029);
- the other default-ignorable code points, which are drawn as nothing: the Hangul fillers
  (U+115F, U+1160, U+3164, U+FFA0), variation selectors, the combining grapheme joiner.

The table is written out (a regular expression, fast on a 30,000-character narrative);
``tests/unit/test_text_controls.py`` checks it against the running Python's Unicode data.
"""

from __future__ import annotations

import re

_RANGES = (
    # Cc: C0 controls, DEL and C1 controls
    (0x0000, 0x001F), (0x007F, 0x009F),
    # Cf: format characters
    (0x00AD, 0x00AD), (0x0600, 0x0605), (0x061C, 0x061C), (0x06DD, 0x06DD),
    (0x070F, 0x070F), (0x0890, 0x0891), (0x08E2, 0x08E2), (0x180E, 0x180E),
    (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x2064), (0x2066, 0x206F),
    (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0x110BD, 0x110BD), (0x110CD, 0x110CD),
    (0x13430, 0x1343F), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
    # Zl, Zp: line and paragraph separators
    (0x2028, 0x2029),
    # the other default-ignorable code points (DerivedCoreProperties.txt)
    (0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180D),
    (0x180F, 0x180F), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8), (0xE0000, 0xE0000), (0xE0002, 0xE001F), (0xE0080, 0xE0FFF),
)


def _character_class(ranges: tuple[tuple[int, int], ...]) -> str:
    parts = (re.escape(chr(low)) + ("" if low == high else "-" + re.escape(chr(high)))
             for low, high in ranges)
    return "[" + "".join(parts) + "]"


#: One hidden character (see the module's docstring).
HIDDEN = re.compile(_character_class(_RANGES))
#: What a long text may hold of them: everything but NUL.
REFUSED_IN_LONG_TEXT = "\x00"
#: What a long text shows as it is (the editor and the case file lay it out).
LAYOUT = frozenset("\t\n\r")


def is_hidden(character: str) -> bool:
    return HIDDEN.fullmatch(character) is not None


def first_hidden(text: str) -> str | None:
    """The first hidden character of ``text`` (a one-line answer, a user name), or None."""
    found = HIDDEN.search(text)
    return None if found is None else found.group()


def first_refused(text: str, *, long_text: bool) -> str | None:
    """The first character ``text`` may not hold: any hidden one in a one-line text, only
    NUL in a long text (a narrative keeps what the person said; the interface shows it)."""
    if long_text:
        return REFUSED_IN_LONG_TEXT if REFUSED_IN_LONG_TEXT in text else None
    return first_hidden(text)


def _blank(character: str) -> bool:
    """A space a person sees as one (or a line's layout), trimmed around a list item."""
    return character in LAYOUT or (character.isspace() and not is_hidden(character))


def list_items(text: str) -> list[str]:
    """The items of a list typed one per line: split at line feeds only and trimmed of
    visible spaces, empty lines dropped. A hidden character is never a line break nor a
    space here (``str.splitlines`` would split at U+2028 or U+0085, ``str.strip`` drop a
    U+001F): it stays in its item, for the answer rules to refuse."""
    items = []
    for line in text.split("\n"):
        start, end = 0, len(line)
        while start < end and _blank(line[start]):
            start += 1
        while end > start and _blank(line[end - 1]):
            end -= 1
        if start < end:
            items.append(line[start:end])
    return items


def code_point(character: str) -> str:
    """``U+202E``: how a hidden character is named to a person."""
    return f"U+{ord(character):04X}"
