"""Build resources/redaction/not_names.txt: words shaped like a Korean name (surname + two
given-name syllables, the shape rule 4 of intake/exchange/analysis/redact_names.py takes
for a third party's name) that are ordinary words: 노동자, 고용주, 정부가 ...

Every such three-syllable candidate is analysed with kiwipiepy (a Korean morphological
analyser, used here at build time only; it is not a dependency of intake), followed by the
subject particle 가 as in a sentence; a candidate is kept as "not a name" when the
analyser knows it as one word other than a proper noun (노동자/NNG, 장기간/NNG) or as a
two-syllable word and a particle (조금+도). Unknown strings (most of the candidates, real
names among them) are not kept: the analyser tags most unseen names as something else than
NNP, so "not NNP" would drop names. Run:

    pip install --target /tmp/kiwi kiwipiepy==0.20.4
    python tools/make_name_stoplist.py /tmp/kiwi

The output is sorted, one word per line, with a header naming the analyser and version.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "resources" / "redaction" / "not_names.txt"
BATCH = 2000


def candidates() -> list[str]:
    sys.path.insert(0, str(ROOT))
    from intake.exchange.analysis.redact_names import (
        BARE_WORD_SURNAMES,
        GIVEN_FIRST,
        GIVEN_SECOND,
        SURNAMES,
        WORD_SURNAMES,
    )

    surnames = sorted(s for s in SURNAMES if len(s) == 1
                      and (s not in WORD_SURNAMES or s in BARE_WORD_SURNAMES))
    return [s + a + b for s in surnames for a in sorted(GIVEN_FIRST)
            for b in sorted(GIVEN_SECOND)]


def _a_word(word: str, tokens: list) -> bool:  # type: ignore[type-arg]
    """A known word of three syllables, or of two and a particle, not a proper noun."""
    if not tokens or tokens[0].tag == "NNP":
        return False
    first = tokens[0]
    if first.form == word:
        return True
    return (first.form == word[:2] and len(tokens) > 1 and tokens[1].tag.startswith("J")
            and tokens[1].form == word[2])


def main() -> None:
    if len(sys.argv) > 1:
        sys.path.append(sys.argv[1])
    import kiwipiepy

    kiwi = kiwipiepy.Kiwi(num_workers=2)
    words = candidates()
    stop: list[str] = []
    for start in range(0, len(words), BATCH):
        chunk = words[start:start + BATCH]
        for word, tokens in zip(chunk, kiwi.tokenize([w + "가" for w in chunk]), strict=True):
            if _a_word(word, tokens):
                stop.append(word)
        print(f"{start + len(chunk)}/{len(words)} {len(stop)}", file=sys.stderr, flush=True)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    header = (f"# Words shaped like surname + given name that are not names (not read as one\n"
              f"# proper noun by kiwipiepy {kiwipiepy.__version__}); made by "
              f"tools/make_name_stoplist.py.\n")
    OUT.write_text(header + "".join(w + "\n" for w in sorted(stop)), encoding="utf-8")


if __name__ == "__main__":
    main()
