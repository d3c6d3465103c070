"""The text extractor: group texts (role-aware) and reported messages."""

from __future__ import annotations

from groupguard.config import Settings
from groupguard.events import parse_event
from groupguard.runner.context import PipelineContext, Services
from groupguard.signals.text import banks
from groupguard.signals.text.extractor import TextExtractor
from groupguard.signals.text.terms import placeholder_terms
from groupguard.store import Database

TS = "2026-01-01T00:00:00Z"


def _load_placeholder(db: Database) -> None:
    with db.session() as s:
        banks.create_term_bank(s, "placeholder", strength=0.6)
        banks.add_terms(s, "placeholder", [t for t in placeholder_terms()
                                           if t.mode != "semantic"])


def _run(settings: Settings, db: Database, event: dict, ex: TextExtractor,
         services: Services | None = None):  # type: ignore[no-untyped-def]
    services = services or Services(settings=settings, db=db)
    with db.session() as s:
        ctx = PipelineContext(services=services, session=s)
        return ex.on_event(ctx, parse_event(event))


def test_group_name_hit_goes_to_group_and_setter(settings: Settings, db: Database) -> None:
    _load_placeholder(db)
    ev = {"type": "group.created", "id": "e1", "ts": TS, "actor": "acc1", "group_id": "g1",
          "name": "Z0RBL@X club", "description": "send 5 to join, DM on telegram tonight"}
    signals = _run(settings, db, ev, TextExtractor())
    terms = [s for s in signals if s.kind == "text.term"]
    assert {str(s.subject) for s in terms} == {"group:g1", "account:acc1"}
    assert all(not s.hard for s in signals)
    g = [s for s in terms if s.subject.type == "group"][0]
    assert g.details["term"] == "zorblax" and g.details["span"] == [0, 7]
    assert g.details["where"] == "group name" and g.details["matched"] == "zorblax"
    assert g.strength == 0.6 and g.event_id == "e1"
    a = [s for s in terms if s.subject.type == "account"][0]
    assert "acc1 set the group name" in a.reason
    sol = [s for s in signals if s.kind == "text.solicitation"]
    assert {str(s.subject) for s in sol} == {"group:g1", "account:acc1"}
    assert all(s.strength <= 0.25 for s in sol)
    assert set(sol[0].details["kinds"]) >= {"quota", "off_platform", "timing"}


def test_update_without_text_and_other_events_give_nothing(settings: Settings,
                                                           db: Database) -> None:
    _load_placeholder(db)
    ex = TextExtractor()
    ev = {"type": "group.updated", "id": "e2", "ts": TS, "actor": "acc1", "group_id": "g1",
          "icon": {"path": "x.jpg"}}
    assert _run(settings, db, ev, ex) == []
    ev = {"type": "member.added", "id": "e3", "ts": TS, "actor": "acc1", "group_id": "g1",
          "account_id": "acc2"}
    assert _run(settings, db, ev, ex) == []
    ev = {"type": "group.created", "id": "e4", "ts": TS, "actor": "acc1", "group_id": "g2",
          "name": "Sharma family"}
    assert _run(settings, db, ev, ex) == []


def test_report_messages_signal_the_target(settings: Settings, db: Database) -> None:
    _load_placeholder(db)
    ev = {"type": "report.filed", "id": "e5", "ts": TS, "actor": "rep", "reporter": "rep",
          "target_group": "g9", "target_account": "acc9",
          "messages": [{"sender": "acc9", "text": "anyone for vantrel?"}, {"text": None},
                       {"text": "hello"}]}
    signals = _run(settings, db, ev, TextExtractor())
    assert sorted(str(s.subject) for s in signals) == ["account:acc9", "group:g9"]
    assert signals[0].details["where"] == "reported message 1 from acc9"


def test_matcher_reloads_when_a_bank_changes(settings: Settings, db: Database) -> None:
    _load_placeholder(db)
    ex = TextExtractor()
    services = Services(settings=settings, db=db)
    ev = {"type": "group.created", "id": "e6", "ts": TS, "actor": "a", "group_id": "g",
          "name": "plonkavert"}
    assert _run(settings, db, ev, ex, services) == []
    with db.session() as s:
        banks.import_terms(s, "placeholder", "plonkavert\n")
    assert len(_run(settings, db, ev, ex, services)) == 2
