"""Finding testimonies of the same person (issue 20): what a testimony says about who gave
it (:mod:`.facts`), and the search for pairs that may be one person (:mod:`.search`, with
:mod:`.names`, :mod:`.prepared`, :mod:`.blocking` and :mod:`.score`). Pure Python: nothing
here touches the vault or Qt."""

from intake.domain.linkage.facts import AGREEMENTS, Candidate, Evidence, PersonFacts
from intake.domain.linkage.score import compare
from intake.domain.linkage.search import DEFAULT_MIN_SCORE, find_candidates

__all__ = ["AGREEMENTS", "DEFAULT_MIN_SCORE", "Candidate", "Evidence", "PersonFacts",
           "compare", "find_candidates"]
