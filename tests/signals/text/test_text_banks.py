"""Term banks in the store: create, add, import, remove with tombstones, reload."""

from __future__ import annotations

import pytest

from groupguard.signals.text import banks
from groupguard.signals.text.matcher import TextMatcher
from groupguard.signals.text.terms import TermBankError, TermSpec
from groupguard.store import Database


def test_create_import_match_remove(db: Database) -> None:
    with db.session() as s:
        banks.create_term_bank(s, "ops", description="operator terms", strength=0.7)
        result = banks.import_terms(s, "ops", "# comment\nzorblax\nphrase:glimmer swap\n"
                                    "regex:([bad\nfuzzy:snorquelle\n", source="test")
        assert len(result.added) == 3 and result.skipped == 0
        assert [e.line for e in result.errors] == [4]
        again = banks.import_terms(s, "ops", "zorblax\nquexfin\n")
        assert len(again.added) == 1 and again.skipped == 1
    with db.session() as s:
        m = TextMatcher.from_db(s)
        [h] = m.match("z0rblax!").hits
        assert (h.bank, h.term, h.mode, h.strength) == ("ops", "zorblax", "exact", 0.7)
        assert h.term_id is not None
        assert m.refresh(s) is m  # nothing changed
        assert banks.remove_term(s, "ops", "zorblax") == 1
        m2 = m.refresh(s)
        assert m2 is not m and m2.match("zorblax").hits == []
        terms = banks.list_terms(s, "ops", include_removed=True)
        removed = [t for t in terms if t["removed_at"] is not None]
        assert [t["term"] for t in removed] == ["zorblax"]
        assert banks.get_term_bank(s, "ops")["terms"] == 3


def test_bank_errors(db: Database) -> None:
    with db.session() as s:
        banks.create_term_bank(s, "ops")
        with pytest.raises(TermBankError, match="already exists"):
            banks.create_term_bank(s, "ops")
        with pytest.raises(TermBankError, match="no term bank"):
            banks.add_terms(s, "missing", [TermSpec(term="zorblax")])
        with pytest.raises(TermBankError, match="no active term"):
            banks.remove_term(s, "ops", "nothing")
        result = banks.add_terms(s, "ops", [TermSpec(term=""), TermSpec(term="vantrel")])
        assert len(result.added) == 1 and "empty term" in str(result.errors[0])


def test_matcher_bank_filter(db: Database) -> None:
    with db.session() as s:
        banks.create_term_bank(s, "a")
        banks.create_term_bank(s, "b")
        banks.add_terms(s, "a", [TermSpec(term="zorblax")])
        banks.add_terms(s, "b", [TermSpec(term="vantrel")])
        m = TextMatcher.from_db(s, banks=["b"])
        assert [h.term for h in m.match("zorblax vantrel").hits] == ["vantrel"]
