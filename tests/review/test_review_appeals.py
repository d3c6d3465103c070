import pytest
from sqlalchemy import select

from groupguard.errors import PermissionDeniedError
from groupguard.review import appeals, casefile, decide, queue
from groupguard.signals.base import Subject
from groupguard.store.tables import actions, bank_entries


def test_appeal_goes_to_another_reviewer_and_reversal_undoes_actions(db, settings, seeded,
                                                                     people):
    with db.session() as s:
        decide.decide(s, settings, people["rita"], seeded.cases["zorblax"], "confirm",
                      category="A1")
    with db.session() as s:
        appeal_id = appeals.open_appeal(s, Subject("account", "acct-001"),
                                        "I only changed the icon to a lake photo",
                                        filed_by="token:platform")
    with db.session() as s:
        assert appeal_id not in {e.id for e in queue.list_queue(s, people["rita"])}
        assert appeal_id in {e.id for e in queue.list_queue(s, people["rob"])}
        with pytest.raises(PermissionDeniedError, match="different reviewer"):
            decide.decide(s, settings, people["rita"], appeal_id, "reverse")
        view = casefile.case_view(s, appeal_id, people["rob"])
        assert view["appeal"]["original_decided_by"] == ["user:rita"]
        assert {m["sha256"] for m in view["media"]} == {seeded.media["icon1"]}
    with db.session() as s:
        r = decide.decide(s, settings, people["rob"], appeal_id, "reverse")
    assert r.outcome == "reverse" and r.allow_listed >= 1
    with db.session() as s:
        kinds = [(a.kind, a.subject_id) for a in s.execute(select(actions))]
        assert ("unban_account", "acct-001") in kinds
        # Collateral of the same decision: the group and the other setter come back too.
        assert ("restore_group", "grp-zorblax") in kinds
        assert ("unban_account", "acct-002") in kinds
        assert s.execute(select(bank_entries.c.value).where(
            bank_entries.c.value == seeded.media["icon1"])).first()
        assert appeals.active_enforcements(s, Subject("account", "acct-001")) == []
        from groupguard.store.tables import accounts, groups
        assert s.execute(select(groups.c.status).where(groups.c.id == "grp-zorblax")
                         ).scalar_one() == "active"
        assert s.execute(select(accounts.c.status).where(accounts.c.id == "acct-001")
                         ).scalar_one() == "active"


def test_appeal_needs_an_enforcement_in_force(db, seeded, people):
    with db.session() as s, pytest.raises(appeals.AppealError, match="no enforcement"):
        appeals.open_appeal(s, Subject("account", "acct-003"), "why", filed_by="x")
    with db.session() as s, pytest.raises(appeals.AppealError, match="statement"):
        appeals.open_appeal(s, Subject("account", "acct-003"), "  ", filed_by="x")


def test_upholding_keeps_the_ban(db, settings, seeded, people):
    with db.session() as s:
        decide.decide(s, settings, people["rita"], seeded.cases["acct5"], "confirm",
                      category="B1")
        aid = appeals.open_appeal(s, Subject("account", "acct-005"), "not me", filed_by="x")
        with pytest.raises(appeals.AppealError, match="already has an open appeal"):
            appeals.open_appeal(s, Subject("account", "acct-005"), "again", filed_by="x")
        decide.decide(s, settings, people["ivy"], aid, "uphold")
        assert len(appeals.active_enforcements(s, Subject("account", "acct-005"))) == 1
