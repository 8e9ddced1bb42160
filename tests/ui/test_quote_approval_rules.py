"""The reviewer's dialog marks an approved quote that the current redaction rules would
still change (approved before issue 18's rules): it stays out of exports until approved
again. Control: an old approval in which the rules find nothing is not marked."""

from __future__ import annotations

from test_quote_approval import (  # noqa: F401  (fixtures)
    MakeDialog,
    _import,
    dialogs,
    item_texts,
    make_dialog,
)

from intake.services.quotes import QuoteService
from intake.vault import quote_store
from intake.vault.quote_store import NewQuote
from intake.vault.vault import Vault
from tests.conftest import USER

MARK = "Approved before the current redaction rules"


def test_an_old_approval_the_rules_would_change_is_marked(
        vault: Vault, make_dialog: MakeDialog) -> None:  # noqa: F811
    yes, _no = _import(vault)
    quote_store.add(vault.connection(), yes, [
        NewQuote("narrative.summary", "연락은 t.me/chol_8812 로 했다."),  # rules 1
        NewQuote("abuse.details", "반장이 때렸다.")], 1, USER, "2026-01-01T00:00:00Z")
    assert len(QuoteService(vault).approved(yes)) == 2

    dialog = make_dialog(yes)

    texts = item_texts(dialog.approved_list)
    assert len(texts) == 2
    assert [MARK in text for text in texts] == [True, False]
