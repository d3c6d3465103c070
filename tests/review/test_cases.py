from sqlalchemy import select

from groupguard.review.cases import open_case
from groupguard.signals.base import Subject
from groupguard.store.tables import cases


def test_one_open_case_per_subject_raising_urgency(db):
    g = Subject("group", "g1")
    with db.session() as s:
        first = open_case(s, subject=g, severity=3, reason="text hit", priority=0.2)
        second = open_case(s, subject=g, severity=2, reason="pdq match", priority=0.1)
    assert first == second
    with db.session() as s:
        row = s.execute(select(cases)).one()
    assert (row.severity, row.priority, row.reason) == (2, 0.2, "pdq match")
