"""The simulated reviewer used by bench/detection.py: decides from truth after a delay,
through the real review API."""

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from groupguard.errors import GroupguardError
from groupguard.review import users
from groupguard.review.cases import open_case
from groupguard.signals.base import Subject
from groupguard.sim.reviewer import OracleReviewer, bad_subjects
from groupguard.store.tables import actions, cases, decisions

TRUTH = {"groups": {"g1": {"bad": True}, "g2": {"bad": False}},
         "accounts": {"a1": {"bad": True, "why": ["set_term_name"]}, "a2": {"bad": False}}}


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch):
    fast = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(users, "_hasher", fast)


def test_bad_subjects_from_truth():
    assert bad_subjects(TRUTH) == {"group:g1", "account:a1"}


def test_decides_after_the_delay_confirming_bad_and_dismissing_the_rest(db, settings):
    with db.session() as s:
        bad = open_case(s, subject=Subject("group", "g1"), severity=3, reason="term",
                        rule="solicitation-terms")
        fine = open_case(s, subject=Subject("group", "g2"), severity=4, reason="report",
                         rule="user-report", kind="triage")
    oracle = OracleReviewer(TRUTH, delay_events=100)
    assert oracle.step(db, settings, 10) == []  # first seen now
    assert oracle.step(db, settings, 109) == []  # not waited long enough
    done = oracle.step(db, settings, 110)
    assert {(d.case_id, d.outcome) for d in done} == {(bad, "confirm"), (fine, "dismiss")}
    with db.session() as s:
        rows = {r.id: (r.status, r.resolution) for r in s.execute(select(cases))}
        sent = s.execute(select(actions.c.kind, actions.c.subject_id)
                         .where(actions.c.kind == "remove_group")).all()
        by = set(s.execute(select(decisions.c.decided_by)).scalars())
    assert rows == {bad: ("closed", "confirm"), fine: ("closed", "dismiss")}
    assert [tuple(x) for x in sent] == [("remove_group", "g1")]
    assert by == {"user:oracle"}
    assert oracle.step(db, settings, 500) == []  # nothing left open


def test_a_negative_delay_is_refused():
    with pytest.raises(GroupguardError, match="delay"):
        OracleReviewer(TRUTH, delay_events=-1)
