from groupguard.actions.outbox import enqueue, list_actions
from groupguard.signals.base import Subject


def test_enqueue_is_idempotent_by_key(db):
    g = Subject("group", "g1")
    with db.session() as s:
        first = enqueue(s, kind="remove_group", subject=g, reason="known icon")
        again = enqueue(s, kind="remove_group", subject=g, reason="known icon")
    assert first is not None and again is None
    with db.session() as s:
        rows = list_actions(s)
    assert [(r.kind, r.subject_id) for r in rows] == [("remove_group", "g1")]


def test_pull_by_cursor_returns_only_newer_actions(db):
    with db.session() as s:
        seqs = [enqueue(s, kind="ban_account", subject=Subject("account", f"a{i}"), reason="r")
                for i in range(5)]
    with db.session() as s:
        after = list_actions(s, after=seqs[1])
    assert [r.subject_id for r in after] == ["a2", "a3", "a4"]


def test_unknown_kind_is_refused(db):
    import pytest

    with db.session() as s, pytest.raises(ValueError):
        enqueue(s, kind="delete_planet", subject=Subject("group", "g"), reason="r")
