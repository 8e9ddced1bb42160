"""The Korean terms (docs/glossary.md): the words that slowed South Korean NGO staff down
appear nowhere in the catalog's translations, the Korean docs or the Korean user guide; the
glossary's menu table is what the catalog shows; every menu entry the Korean guide names is
an entry of the catalog. Qt-free: the catalog and the files are read as text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from intake.paths import resources_dir, translations_dir

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT / "docs" / "glossary.md"
PO = translations_dir() / "ko" / "LC_MESSAGES" / "intake.po"
GUIDE = resources_dir() / "guide" / "guide.ko.html"
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def discouraged() -> list[str]:
    """The left column of the glossary's "쓰지 않는 말" table."""
    text = GLOSSARY.read_text(encoding="utf-8")
    section = text.split("## 쓰지 않는 말", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1].strip() for line in section.splitlines()
            if line.startswith("| ") and "---" not in line]
    return [row for row in rows if HANGUL.search(row) and row != "쓰지 않음"]


def catalog() -> Catalog:
    with PO.open("rb") as handle:
        return read_po(handle)


def translations() -> list[str]:
    out: list[str] = []
    for message in catalog():
        if message.id:
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            out.extend(s for s in strings if s)
    return out


def korean_documents() -> list[Path]:
    """Every document a Korean reader meets: the Korean guide, and every Markdown file in
    docs/ and the README that holds Hangul (the glossary itself names the old words)."""
    files = [GUIDE, ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    return [f for f in files if f != GLOSSARY and HANGUL.search(f.read_text(encoding="utf-8"))]


def shown(text: str) -> str:
    """A menu text as the menu shows it: no mnemonic, no trailing ellipsis."""
    text = re.sub(r"\(&\w\)", "", text).replace("&", "")
    return text.rstrip("…").strip()


def test_the_glossary_lists_the_discouraged_terms() -> None:
    words = discouraged()
    assert {"여벌 사본", "꾸러미", "씨앗값", "자료 구조 판", "현황판"} <= set(words)


def test_no_discouraged_term_in_the_catalog() -> None:
    strings = translations()
    assert len(strings) > 1000
    found = {word: [s for s in strings if word in s][:3] for word in discouraged()}
    assert {word: hits for word, hits in found.items() if hits} == {}


def test_no_discouraged_term_in_the_korean_documents() -> None:
    documents = korean_documents()
    assert GUIDE in documents and ROOT / "docs" / "threat-model.ko.md" in documents
    found = {str(path.relative_to(ROOT)): [w for w in discouraged()
                                           if w in path.read_text(encoding="utf-8")]
             for path in documents}
    assert {path: words for path, words in found.items() if words} == {}


def test_the_check_can_fail() -> None:
    """The positive control: the scan sees a discouraged word where it is."""
    planted = "보관함을 여벌 사본으로 남깁니다"
    assert any(word in planted for word in discouraged())


def menu_texts() -> dict[str, str]:
    """English menu text → Korean, for every entry with a mnemonic (menus and their items)."""
    table: dict[str, str] = {}
    for message in catalog():
        if isinstance(message.id, str) and "&" in message.id and message.string:
            table[shown(message.id)] = shown(message.string)
    return table


def test_every_menu_entry_the_korean_guide_names_is_in_the_catalog() -> None:
    text = " ".join(GUIDE.read_text(encoding="utf-8").split())
    paths = re.findall(r"<b>([^<→]+?) → ([^<]+?)</b>", text)
    assert len(paths) >= 10
    korean = set(menu_texts().values())
    missing = [(menu, entry) for menu, entry in paths
               if shown(menu) not in korean or shown(entry) not in korean]
    assert missing == []


def test_the_glossary_menu_table_is_what_the_app_shows() -> None:
    text = GLOSSARY.read_text(encoding="utf-8")
    section = text.split("## 메뉴", 1)[1]
    rows = [[cell.strip() for cell in line.split("|")[1:3]] for line in section.splitlines()
            if line.startswith("| ") and "---" not in line and "English" not in line]
    assert len(rows) >= 20
    table = menu_texts()
    wrong = []
    for english, korean in rows:
        for en_part, ko_part in zip(english.split(" → "), korean.split(" → "), strict=True):
            if table.get(shown(en_part)) != shown(ko_part):
                wrong.append((en_part, ko_part, table.get(shown(en_part))))
    assert wrong == []


@pytest.mark.parametrize(("english", "korean"), [
    ("Back up the vault", "백업"), ("Dashboard", "대시보드"), ("Recovery code", "복구 코드"),
    ("Clear filters", "필터"),
])
def test_the_standard_terms_are_used(english: str, korean: str) -> None:
    message = catalog().get(english)
    assert message is not None and korean in message.string
