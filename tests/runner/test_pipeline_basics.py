from sqlalchemy import select

from groupguard.runner.ingest import ingest_records, numbered_lines
from groupguard.runner.pipeline import make_services, run_pending
from groupguard.store.tables import actions, cases, events, groups, memberships
from tests.runner.helpers import Events, benign_image, inline, jpeg_bytes


def run_all(settings, db, evs):
    ingest_records(db, numbered_lines(evs.lines()))
    return run_pending(make_services(settings, db))


def test_report_opens_a_low_severity_triage_item_and_bans_nobody(settings, db):
    evs = Events()
    for a in ("alice", "bob"):
        evs.account(a)
    evs.add("group.created", "alice", group_id="g1", name="Hiking club")
    evs.add("member.added", "alice", group_id="g1", account_id="bob")
    evs.add("report.filed", "bob", reporter="bob", target_group="g1", reason="spam",
            messages=[{"sender": "alice", "text": "hello"}])
    report = run_all(settings, db, evs)
    assert (report.processed, report.failed) == (5, 0)
    with db.session() as s:
        case = s.execute(select(cases)).one()
        kinds = s.execute(select(actions.c.kind)).scalars().all()
        roles = dict(s.execute(select(memberships.c.account_id, memberships.c.role)).all())
    assert (case.subject_type, case.subject_id, case.severity) == ("group", "g1", 4)
    # Nothing corroborates the notice: a person reads it, but it is not a case.
    assert case.kind == "triage"
    assert "reported by bob" in case.reason and "user-report" in case.reason
    assert kinds == ["open_case"]
    assert roles == {"alice": "creator", "bob": "member"}


def test_bad_media_is_recorded_and_the_event_still_applies(settings, db):
    settings.max_inline_media_bytes = 1000
    (settings.media_root / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    evs = Events()
    evs.account("alice")
    evs.add("group.created", "alice", group_id="g1", name="A", icon={"path": "../../etc/passwd"})
    evs.add("group.created", "alice", group_id="g2", name="B", icon={"path": "corrupt.jpg"})
    evs.add("group.created", "alice", group_id="g3", name="C",
            icon=inline(jpeg_bytes(benign_image(1, 512), quality=95)))
    evs.add("group.created", "alice", group_id="g4", name="D", icon={"path": "missing.jpg"})
    report = run_all(settings, db, evs)
    assert report.failed == 0
    with db.session() as s:
        errors = dict(s.execute(select(events.c.id, events.c.error)).all())
        names = s.execute(select(groups.c.id).order_by(groups.c.id)).scalars().all()
    assert "outside the media root" in errors["ev2"]
    assert "icon (path:corrupt.jpg)" in errors["ev3"]
    assert "over the 1000-byte limit" in errors["ev4"]
    assert "does not exist" in errors["ev5"]
    assert names == ["g1", "g2", "g3", "g4"]
