from datetime import timedelta

import pytest
from sqlalchemy import update

from groupguard.errors import PermissionDeniedError
from groupguard.review import queue
from groupguard.review.queue import ClaimError, QueueFilters
from groupguard.store.tables import cases
from groupguard.timeutil import utcnow


def test_queue_orders_by_severity_then_deadline(db, seeded, people):
    with db.session() as s:
        entries = queue.list_queue(s, people["rita"])
    c = seeded.cases
    # Severity 1 first; within severity 2 the oldest (nearest its deadline) first.
    assert [e.id for e in entries] == [c["zorblax"], c["lakes"], c["acct5"], c["clips"],
                                       c["quexfin"]]
    by_id = {e.id: e for e in entries}
    assert by_id[c["zorblax"]].overdue  # 2 h old against a 1 h deadline
    assert not by_id[c["clips"]].overdue  # 1 h old against 4 h
    assert by_id[c["quexfin"]].overdue  # 30 h old against 24 h
    assert by_id[c["zorblax"]].label == "zorblax swap club"
    assert by_id[c["zorblax"]].signal_kinds == {"hash.pdq": 1, "text.term": 1}
    assert by_id[c["zorblax"]].media_count == 1


def test_queue_filters(db, seeded, people):
    c = seeded.cases
    rita = people["rita"]
    with db.session() as s:
        def ids(**kw):
            return {e.id for e in queue.list_queue(s, rita, QueueFilters(**kw))}

        assert ids(signal_type="text") == {c["zorblax"], c["quexfin"]}
        assert ids(signal_type="hash.pdq") == {c["zorblax"], c["acct5"], c["lakes"], c["clips"]}
        assert ids(bank="test-video") == {c["clips"]}
        assert ids(bank="test-known") == {c["zorblax"], c["acct5"], c["lakes"]}
        # A group filter finds the group's case and cases about its members.
        assert ids(group="grp-zorblax") == {c["zorblax"], c["acct5"]}
        assert ids(min_age_hours=4) == {c["lakes"], c["quexfin"]}
        assert ids(max_age_hours=2.5) == {c["zorblax"], c["clips"]}
        assert queue.count_queue(s, rita, QueueFilters(severity=2)) == 3


def test_claims_exclude_others_and_expire(db, seeded, people):
    cid = seeded.cases["zorblax"]
    with db.session() as s:
        queue.claim_case(s, people["rita"], cid)
    with db.session() as s:
        with pytest.raises(ClaimError, match="claimed by rita"):
            queue.claim_case(s, people["rob"], cid)
        # Rob's "next case" skips Rita's claim and takes the next one.
        assert queue.next_case(s, people["rob"]) == seeded.cases["lakes"]
        s.execute(update(cases).where(cases.c.id == cid).values(
            claim_expires=utcnow() - timedelta(seconds=1)))
    with db.session() as s:
        queue.claim_case(s, people["rob"], cid)
        entry = next(e for e in queue.list_queue(s, people["rita"]) if e.id == cid)
        assert entry.claimed_by == "user:rob"


def test_escalated_cases_are_for_investigators(db, seeded, people):
    with db.session() as s:
        s.execute(update(cases).where(cases.c.id == seeded.cases["lakes"]).values(
            status="escalated"))
    with db.session() as s:
        with pytest.raises(PermissionDeniedError):
            queue.list_queue(s, people["rita"], QueueFilters(status="escalated"))
        got = queue.list_queue(s, people["ivy"], QueueFilters(status="escalated"))
        assert [e.id for e in got] == [seeded.cases["lakes"]]
        with pytest.raises(PermissionDeniedError):
            queue.claim_case(s, people["rita"], seeded.cases["lakes"])


def test_unknown_status_is_a_typed_error(db, seeded, people):
    from groupguard.errors import GroupguardError

    with db.session() as s, pytest.raises(GroupguardError, match="unknown status"):
        queue.list_queue(s, people["rita"], QueueFilters(status="weird"))
