import pytest
from sqlalchemy import select

from groupguard.errors import PermissionDeniedError
from groupguard.review import casefile, decide, media, queue
from groupguard.store.tables import actions, audit_log, bank_entries, banks, cases, decisions
from groupguard.store.tables_review import case_items, review_followups


def _actions(s):
    return [(a.kind, f"{a.subject_type}:{a.subject_id}") for a in
            s.execute(select(actions).order_by(actions.c.seq))]


def test_case_view_has_subject_people_signals_media_related(db, seeded, people):
    with db.session() as s:
        v = casefile.case_view(s, seeded.cases["zorblax"], people["rita"])
    assert v["group"]["name"] == "zorblax swap club"
    assert v["group"]["icon_set_by"] == "acct-001"
    roles = {m["account"]: m["role"] for m in v["members"]}
    assert roles["acct-001"] == "creator" and roles["acct-002"] == "admin"
    assert roles["acct-003"] == "member" and v["member_count"] == 6
    assert v["members"][0]["role"] == "creator"
    pdq = next(x for x in v["signals"] if x["kind"] == "hash.pdq")
    assert (pdq["bank"], pdq["distance"], pdq["variant"]) == ("test-known", 14, "flip_h")
    [item] = v["media"]
    assert item["sha256"] == seeded.media["icon1"] and item["roles"] == ["group_icon"]
    # The same file is acct-005's profile photo: one other open case shows it.
    assert item["open_cases"] == [seeded.cases["acct5"]]
    related = {g["id"]: g for g in v["related"]["groups"]}
    assert related["grp-lakes"]["shared_members"] == 2
    assert any("invite" in g["link"] for g in v["related"]["groups"])
    assert {a["id"] for a in v["related"]["accounts"]} == {"acct-001", "acct-002"}


def test_confirm_queues_role_aware_actions_and_records_what_was_seen(db, settings, seeded,
                                                                     people):
    cid = seeded.cases["zorblax"]
    rita = people["rita"]
    with db.session() as s:
        media.reveal(s, rita, cid, seeded.media["icon1"])
    with db.session() as s:
        result = decide.decide(s, settings, rita, cid, "confirm", category="A2")
    with db.session() as s:
        acted = _actions(s)
        # The group goes; the icon setter and the description setter are banned; the
        # plain members are not.
        assert ("remove_group", "group:grp-zorblax") in acted
        assert ("ban_account", "account:acct-001") in acted
        assert ("ban_account", "account:acct-002") in acted
        assert not any(subj == "account:acct-003" for _, subj in acted)
        assert ("preserve_evidence", "group:grp-zorblax") in acted
        d = s.execute(select(decisions).where(decisions.c.id == result.decision_id)).one()
        assert (d.outcome, d.category, d.decided_by, d.case_id) == ("confirm", "A2",
                                                                    "user:rita", cid)
        assert len(d.signal_ids) == 2
        case = s.execute(select(cases).where(cases.c.id == cid)).one()
        assert (case.status, case.resolution, case.category) == ("closed", "confirm", "A2")
        audit = s.execute(select(audit_log.c.details).where(
            audit_log.c.action == "case.decide")).scalar_one()
        assert audit["revealed"] == [seeded.media["icon1"]]
        items = s.execute(select(case_items).where(case_items.c.case_id == cid)).all()
        assert any(i.sha256 == seeded.media["icon1"] and i.revealed for i in items)
        follow = s.execute(select(review_followups)).one()
        assert follow.kind == "report_draft" and follow.case_id == cid
        # A decided signal does not come back in the subject's next case.
        assert casefile.case_signal_rows(s, case) and all(
            i.signal_id for i in items if i.sha256 is None and i.signal_id)
    with db.session() as s:
        assert cid not in {e.id for e in queue.list_queue(s, rita)}


def test_confirm_needs_a_category_and_auditors_cannot_decide(db, settings, seeded, people):
    with db.session() as s:
        with pytest.raises(decide.DecisionError, match="category"):
            decide.decide(s, settings, people["rita"], seeded.cases["lakes"], "confirm")
        with pytest.raises(decide.DecisionError, match="unknown decision"):
            decide.decide(s, settings, people["rita"], seeded.cases["lakes"], "maybe")
        with pytest.raises(PermissionDeniedError):
            decide.decide(s, settings, people["aud"], seeded.cases["lakes"], "dismiss")


def test_dismiss_allow_lists_the_files(db, settings, seeded, people):
    with db.session() as s:
        r = decide.decide(s, settings, people["rita"], seeded.cases["lakes"], "dismiss")
    assert r.allow_listed == 2 and not r.actions
    with db.session() as s:
        bank = s.execute(select(banks).where(banks.c.name == "allow-reviewed")).one()
        assert bank.kind == "allow"
        entries = {(e.signal_type, e.value) for e in s.execute(select(bank_entries))}
        assert ("sha256", seeded.media["icon2"]) in entries
        assert any(t == "md5" for t, _ in entries)
        # Dismissing again (another case with the same file) adds nothing twice.
        from groupguard.review.effects import allow_list
        assert allow_list(s, [seeded.media["icon2"]], actor="user:rita", source="x") == 0


def test_escalate_moves_the_case_to_investigators(db, settings, seeded, people):
    cid = seeded.cases["quexfin"]
    with db.session() as s:
        decide.decide(s, settings, people["rita"], cid, "escalate", note="needs context")
    with db.session() as s:
        assert s.execute(select(cases.c.status).where(cases.c.id == cid)).scalar_one() == \
            "escalated"
        with pytest.raises(PermissionDeniedError):
            decide.decide(s, settings, people["rob"], cid, "dismiss")
        r = decide.decide(s, settings, people["ivy"], cid, "confirm", category="B2")
        assert r.outcome == "confirm"
        acted = _actions(s)
        # Name and description setters of the soliciting group.
        assert ("ban_account", "account:acct-009") in acted


def test_bulk_decision_on_identical_media(db, settings, seeded, people):
    sha = seeded.media["icon1"]
    with db.session() as s:
        queue.claim_case(s, people["rob"], seeded.cases["acct5"])
    with db.session() as s:
        out = decide.bulk_decide(s, settings, people["rita"], sha, "dismiss")
    assert [d["case_id"] for d in out["decided"]] == [seeded.cases["zorblax"]]
    assert [x["case_id"] for x in out["skipped"]] == [seeded.cases["acct5"]]
    with db.session() as s:
        out = decide.bulk_decide(s, settings, people["rob"], sha, "dismiss")
    assert [d["case_id"] for d in out["decided"]] == [seeded.cases["acct5"]]


def test_confirm_and_dismiss_keep_local_state_in_step(db, settings, seeded, people):
    from groupguard.store.tables import accounts, groups

    with db.session() as s:
        decide.decide(s, settings, people["rita"], seeded.cases["zorblax"], "confirm",
                      category="A1")
        assert s.execute(select(groups.c.status).where(groups.c.id == "grp-zorblax")
                         ).scalar_one() == "removed"
        assert s.execute(select(accounts.c.status).where(accounts.c.id == "acct-001")
                         ).scalar_one() == "banned"
        assert s.execute(select(accounts.c.status).where(accounts.c.id == "acct-003")
                         ).scalar_one() == "active"


def test_text_signals_name_their_setter_by_where(db, settings, seeded, people):
    """The text extractor says where a term was found ("group name"), not `field`."""
    from sqlalchemy import update

    from groupguard.store.tables import signals

    with db.session() as s:
        s.execute(update(signals).where(signals.c.subject_id == "grp-quexfin").values(
            details={"where": "group name", "bank": "test-terms", "term": "quexfin"}))
        decide.decide(s, settings, people["rita"], seeded.cases["quexfin"], "confirm",
                      category="B2")
        assert ("ban_account", "account:acct-009") in _actions(s)


def test_reviewer_dismissal_undoes_an_automatic_action(db, settings, seeded, people):
    """The pipeline bans on hard evidence and opens a severity-1 case for the report; a
    reviewer who finds it not violating reverses it through the outbox."""
    from groupguard.actions.outbox import enqueue
    from groupguard.review.appeals import active_enforcements
    from groupguard.signals.base import Subject
    from groupguard.store.tables import accounts

    acct = Subject("account", "acct-005")
    with db.session() as s:
        enqueue(s, kind="ban_account", subject=acct, reason="exact match (policy)")
        s.execute(accounts.update().where(accounts.c.id == "acct-005").values(status="banned"))
    with db.session() as s:
        # Confirming an already enforced ban sends nothing twice.
        r = decide.decide(s, settings, people["rita"], seeded.cases["acct5"], "confirm",
                          category="A1")
        assert not any(k == "ban_account" for k, _ in _actions(s)[1:])
        assert r.decision_id
    with db.session() as s:
        from groupguard.store.tables import cases as cases_t
        s.execute(cases_t.update().where(cases_t.c.id == seeded.cases["acct5"]).values(
            status="open", resolution=None))
        s.execute(case_items.delete().where(case_items.c.case_id == seeded.cases["acct5"]))
    with db.session() as s:
        r = decide.decide(s, settings, people["rob"], seeded.cases["acct5"], "dismiss")
        assert ("unban_account", "account:acct-005") in _actions(s)
        assert active_enforcements(s, acct) == []
        assert s.execute(select(accounts.c.status).where(accounts.c.id == "acct-005")
                         ).scalar_one() == "active"
