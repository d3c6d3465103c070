import json

from sqlalchemy import select

from groupguard.runner.ingest import ingest_payload, ingest_records, numbered_lines
from groupguard.store.tables import events

TS = "2026-01-01T00:00:00Z"


def ev(i, **extra):
    base = {"id": f"e{i}", "type": "account.registered", "ts": TS, "actor": f"a{i}",
            "account_id": f"a{i}", "phone": "+15550100" + f"{i:03d}"}
    base.update(extra)
    return json.dumps(base)


def test_bad_lines_are_named_and_the_rest_goes_in(db):
    lines = [
        ev(1),
        "{not json",
        json.dumps({"id": "x", "type": "group.exploded", "ts": TS, "actor": None}),
        json.dumps({"id": "y", "type": "member.added", "ts": TS, "actor": "a", "group_id": "g"}),
        ev(2),
        ev(1),  # duplicate id
    ]
    report = ingest_records(db, numbered_lines(lines))
    assert report.accepted == 2 and report.duplicates == 1
    assert [(e.line, e.field) for e in report.errors] == [(2, None), (3, "type"), (4, "account_id")]
    with db.session() as s:
        stored = s.execute(select(events.c.id, events.c.status).order_by(events.c.seq)).all()
    assert [tuple(r) for r in stored] == [("e1", "pending"), ("e2", "pending")]


def test_reingesting_the_same_file_adds_nothing(db):
    lines = [ev(i) for i in range(1200)]
    first = ingest_records(db, numbered_lines(lines))
    second = ingest_records(db, numbered_lines(lines))
    assert (first.accepted, second.accepted, second.duplicates) == (1200, 0, 1200)


def test_http_payload_accepts_one_or_a_batch(db):
    one = ingest_payload(db, json.loads(ev(5)))
    batch = ingest_payload(db, [json.loads(ev(6)), json.loads(ev(7)), {"id": "bad"}])
    assert one.accepted == 1 and batch.accepted == 2 and batch.errors[0].line == 3
