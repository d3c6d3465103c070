"""A vPDQ bank entry is a long list of frames; storing and finding one must work on
PostgreSQL too, where a btree index row is limited to about 2.7 kB."""

from sqlalchemy import insert, select

from groupguard.store.tables import bank_entries, banks
from groupguard.timeutil import utcnow


def test_long_values_store_and_look_up(db):
    value = ";".join(f"{i:064x},100,{i}.0" for i in range(400))  # ~30 kB, like Meta's files
    with db.session() as s:
        s.execute(insert(banks).values(name="videos", kind="hash", action_policy="review",
                                       verified=False, version=0, created_at=utcnow()))
        s.execute(insert(bank_entries).values(bank="videos", signal_type="vpdq", value=value,
                                              added_at=utcnow(), added_version=1))
    with db.session() as s:
        found = s.execute(select(bank_entries.c.id).where(bank_entries.c.value == value)).all()
    assert len(found) == 1
