import threading

import pytest
from sqlalchemy import select

from groupguard.actions.outbox import enqueue, list_actions, publish
from groupguard.signals.base import Subject
from groupguard.store.tables import actions


def test_enqueue_is_idempotent_by_key(db):
    g = Subject("group", "g1")
    with db.session() as s:
        first = enqueue(s, kind="remove_group", subject=g, reason="known icon")
        again = enqueue(s, kind="remove_group", subject=g, reason="known icon")
    assert first is not None and again is None
    publish(db)
    with db.session() as s:
        rows = list_actions(s)
    assert [(r.kind, r.subject_id) for r in rows] == [("remove_group", "g1")]


def test_pull_by_cursor_returns_only_newer_actions(db):
    with db.session() as s:
        for i in range(5):
            enqueue(s, kind="ban_account", subject=Subject("account", f"a{i}"), reason="r")
    assert publish(db) == 5 and publish(db) == 0
    with db.session() as s:
        first = list_actions(s, limit=2)
        after = list_actions(s, after=first[-1].cursor)
    assert [r.subject_id for r in first] == ["a0", "a1"]
    assert [r.subject_id for r in after] == ["a2", "a3", "a4"]
    # Unpublished actions wait for the next publish; nothing is skipped.
    with db.session() as s:
        enqueue(s, kind="ban_account", subject=Subject("account", "a5"), reason="r")
        assert list_actions(s, after=after[-1].cursor) == []
    publish(db)
    with db.session() as s:
        assert [r.subject_id for r in list_actions(s, after=after[-1].cursor)] == ["a5"]


def test_a_late_commit_of_an_earlier_seq_is_not_skipped_by_a_puller(db):
    """On PostgreSQL a transaction can hold seq n and commit after another committed n + 1.
    A platform pulling by cursor in between must still get n later."""
    if db.is_sqlite:
        pytest.skip("SQLite serialises writers: seqs commit in order")
    slow_has_seq = threading.Event()
    fast_done = threading.Event()

    def slow():
        with db.session() as s:
            enqueue(s, kind="ban_account", subject=Subject("account", "slow"), reason="r")
            slow_has_seq.set()
            fast_done.wait(10)  # commits after the fast one

    worker = threading.Thread(target=slow)
    worker.start()
    assert slow_has_seq.wait(10)
    with db.session() as s:
        enqueue(s, kind="ban_account", subject=Subject("account", "fast"), reason="r")
    publish(db)
    with db.session() as s:
        seen = list_actions(s)
    fast_done.set()
    worker.join()
    publish(db)
    with db.session() as s:
        later = list_actions(s, after=seen[-1].cursor)
        seqs = dict(s.execute(select(actions.c.subject_id, actions.c.seq)).all())
    assert seqs["slow"] < seqs["fast"]  # the out-of-order commit really happened
    assert [r.subject_id for r in seen] == ["fast"]
    assert [r.subject_id for r in later] == ["slow"]


def test_unknown_kind_is_refused(db):
    import pytest

    with db.session() as s, pytest.raises(ValueError):
        enqueue(s, kind="delete_planet", subject=Subject("group", "g"), reason="r")
