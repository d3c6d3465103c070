"""The simulated platform is consistent, parses, and its truth says what it contains."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from collections import defaultdict
from pathlib import Path

import numpy as np
import pdqhash
import pytest
from PIL import Image

from groupguard.banks.signal_types import vpdq_frames
from groupguard.events import parse_event
from groupguard.signals.hashing import hash_bytes
from groupguard.signals.vpdq import match_vpdq
from groupguard.sim import SimConfig, simulate
from groupguard.sim.config import BAD_SCENARIOS, HARD_NEGATIVES

# Small but complete: every scenario appears at least once.
SMALL = SimConfig(known_items=6, icon_pool=24, photo_pool=24, icon_size=256, known_size=320)


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("sim") / "platform"
    summary = simulate(out, accounts=400, groups=60, seed=11, config=SMALL)
    lines = (out / "events.jsonl").read_text(encoding="utf-8").splitlines()
    return {
        "out": out,
        "summary": summary,
        "raw": [json.loads(line) for line in lines],
        "events": [parse_event(line, line=i) for i, line in enumerate(lines, 1)],
        "truth": json.loads((out / "truth.json").read_text(encoding="utf-8")),
        "manifest": json.loads((out / "banks" / "manifest.json").read_text()),
    }


def _media_bytes(out: Path, ref) -> bytes:
    if ref.data_base64:
        return base64.b64decode(ref.data_base64)
    path = (out / "media" / ref.path).resolve()
    assert path.is_relative_to((out / "media").resolve())
    return path.read_bytes()


def _pdq(data: bytes) -> str:
    img = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    bits, _ = pdqhash.compute(img)
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def _ham(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def test_every_event_parses_in_time_order_with_unique_ids(world):
    events = world["events"]
    assert len(events) == world["summary"].events > 1000
    assert len({e.id for e in events}) == len(events)
    assert all(a.ts <= b.ts for a, b in zip(events, events[1:], strict=False))
    assert all(e.v == 1 for e in events)
    types = {e.type for e in events}
    assert types >= {
        "account.registered",
        "account.profile_photo_set",
        "group.created",
        "group.updated",
        "member.added",
        "member.removed",
        "admin.granted",
        "invite.created",
        "invite.used",
        "report.filed",
    }


def test_references_point_at_things_that_already_exist(world):
    registered: dict[str, object] = {}
    created: dict[str, object] = {}
    admins: dict[str, set[str]] = defaultdict(set)
    members: dict[str, set[str]] = defaultdict(set)
    tokens: dict[str, str] = {}
    for e in world["events"]:
        if e.actor is not None and e.type != "account.registered":
            assert e.actor in registered, e
        if e.type == "account.registered":
            assert e.account_id not in registered
            registered[e.account_id] = e.ts
        elif e.type == "group.created":
            created[e.group_id] = e.ts
            admins[e.group_id].add(e.actor)
        elif e.type == "member.added":
            assert e.group_id in created and e.account_id in registered
            if e.invite_token:
                assert tokens[e.invite_token] == e.group_id and e.actor == e.account_id
            elif e.role != "creator":
                assert e.actor in admins[e.group_id], "only admins add members"
            members[e.group_id].add(e.account_id)
        elif e.type == "admin.granted":
            assert e.account_id in members[e.group_id]
            admins[e.group_id].add(e.account_id)
        elif e.type == "group.updated":
            assert e.actor in admins[e.group_id], "only admins change a group"
        elif e.type == "invite.created":
            assert e.actor in admins[e.group_id]
            tokens[e.token] = e.group_id
        elif e.type == "invite.used":
            assert tokens[e.token] == e.group_id
            if e.seen_in_group:
                assert e.seen_in_group in created
        elif e.type == "report.filed":
            assert e.reporter in members[e.target_group]
            assert 1 <= len(e.messages) <= 10
            assert all(m.ts <= e.ts for m in e.messages)
    assert len(registered) == 400 and len(created) == 60


def test_phones_are_e164_and_unique(world):
    phones = [e.phone for e in world["events"] if e.type == "account.registered"]
    assert len(set(phones)) == len(phones)
    assert all(p.startswith("+") and 8 <= len(p) <= 16 for p in phones)


def test_media_exist_and_decode_and_mostly_hash_with_quality(world):
    out = world["out"]
    refs = []
    for e in world["events"]:
        for ref in (getattr(e, "icon", None), getattr(e, "photo", None)):
            if ref is not None:
                refs.append(ref)
        for m in getattr(e, "messages", []):
            if m.media is not None:
                refs.append(m.media)
    assert any(r.data_base64 for r in refs), "a few icons come inline"
    qualities = []
    seen = set()
    for ref in refs:
        data = _media_bytes(out, ref)
        if ref.data_base64:
            assert len(data) < 512 * 1024
        key = hashlib.sha256(data).hexdigest()
        if key in seen:
            continue
        seen.add(key)
        if ref.mime == "video/mp4":
            assert hash_bytes(data).kind == "video"
            continue
        img = Image.open(io.BytesIO(data))
        assert img.format == "JPEG"
        _, q = pdqhash.compute(np.asarray(img.convert("RGB")))
        qualities.append(q)
    assert sum(q >= 50 for q in qualities) >= 0.9 * len(qualities)


def test_banks_manifest_lists_md5_pdq_and_terms(world):
    banks = {b["name"]: b for b in world["manifest"]["banks"]}
    by_type = {b.get("signal_type", b["kind"]): b for b in banks.values()}
    assert by_type["md5"]["action_policy"] == "act" and by_type["md5"]["format"] == "hex"
    assert by_type["pdq"]["action_policy"] == "review"
    assert by_type["terms"]["kind"] == "terms"
    folder = world["out"] / "banks"
    md5s = (folder / by_type["md5"]["file"]).read_text().split()
    pdqs = (folder / by_type["pdq"]["file"]).read_text().split()
    assert len(pdqs) == SMALL.known_items
    assert len(md5s) == SMALL.known_items + SMALL.known_videos
    assert all(len(h) == 32 for h in md5s) and all(len(h) == 64 for h in pdqs)
    terms = (folder / by_type["terms"]["file"]).read_text(encoding="utf-8")
    assert any(line.strip() and not line.startswith("#") for line in terms.splitlines())
    # The PDQ bank holds what Meta's reference computes for the very files.
    for item in world["truth"]["known_items"]:
        data = (world["out"] / "media" / item["path"]).read_bytes()
        assert hashlib.md5(data).hexdigest() in md5s
        assert _pdq(data) in pdqs
    # Known clips: exact digests in the MD5 bank, frames in the vPDQ bank, and the bank
    # values load as h2 reads them.
    vpdq_lines = (folder / by_type["vpdq"]["file"]).read_text().splitlines()
    assert len(vpdq_lines) == SMALL.known_videos
    for item, line in zip(world["truth"]["known_videos"], vpdq_lines, strict=True):
        data = (world["out"] / "media" / item["path"]).read_bytes()
        assert hashlib.md5(data).hexdigest() in md5s
        frames = vpdq_frames(line)
        assert [f.pdq for f in frames] == [f.pdq for f in hash_bytes(data).vpdq]


def test_reencoded_known_clips_match_by_vpdq_not_md5(world):
    folder = world["out"] / "banks"
    md5s = set((folder / "known-md5.txt").read_text().split())
    bank = [vpdq_frames(line) for line in (folder / "known-vpdq.txt").read_text().splitlines()]
    media = world["truth"]["media"]
    clips = [p for p, m in media.items() if m["kind"] == "known_video_reencoded"]
    assert clips
    for path in clips:
        data = (world["out"] / "media" / path).read_bytes()
        assert hashlib.md5(data).hexdigest() not in md5s
        target = bank[media[path]["video"]]
        assert match_vpdq(hash_bytes(data).vpdq, target).query_match_percent >= 80


def _icons_by_group(world) -> dict[str, list[tuple[object, bytes]]]:
    icons: dict[str, list] = defaultdict(list)
    for e in world["events"]:
        if e.type in ("group.created", "group.updated") and e.icon is not None:
            icons[e.group_id].append((e, _media_bytes(world["out"], e.icon)))
    return icons


def test_known_icons_match_the_bank_as_the_truth_says(world):
    truth = world["truth"]
    folder = world["out"] / "banks"
    md5s = set((folder / "known-md5.txt").read_text().split())
    pdqs = (folder / "known-pdq.txt").read_text().split()
    icons = _icons_by_group(world)
    for gid, rec in truth["groups"].items():
        digests = {hashlib.md5(data).hexdigest() for _, data in icons.get(gid, [])}
        if rec["scenario"] == "icon_exact":
            assert digests & md5s, gid
            setter = [e.actor for e, data in icons[gid] if hashlib.md5(data).hexdigest() in md5s][0]
            assert setter == rec["set_by"] and truth["accounts"][setter]["bad"]
        elif rec["scenario"] == "icon_transformed":
            assert not digests & md5s
            nearest = min(_ham(_pdq(data), p) for _, data in icons[gid] for p in pdqs)
            assert nearest == rec["pdq_distance"] or rec["transform"] == "flip"
        elif not rec["bad"]:
            assert not digests & md5s, f"good group {gid} has a known icon"
        if rec["scenario"] == "lookalike_icon":
            nearest = min(_ham(_pdq(data), p) for _, data in icons[gid] for p in pdqs)
            assert nearest > 31


def test_every_scenario_is_present_and_truth_lists_every_group(world):
    truth = world["truth"]
    scenarios = {rec["scenario"] for rec in truth["groups"].values()}
    assert scenarios == {"ordinary", *BAD_SCENARIOS, *HARD_NEGATIVES}
    assert len(truth["groups"]) == 60
    for rec in truth["groups"].values():
        assert rec["bad"] == (rec["scenario"] in BAD_SCENARIOS)
        assert rec["why"] or rec["scenario"] == "ordinary"


def test_plain_members_of_bad_groups_are_not_bad(world):
    truth = world["truth"]
    bad_accounts = {a for a, r in truth["accounts"].items() if r["bad"]}
    notes = [r for r in truth["accounts"].values() if not r["bad"]]
    assert any("member_of_bad_group" in r.get("note", []) for r in notes)
    responsible = set()
    for e in world["events"]:
        if e.type in ("group.created", "group.updated") and truth["groups"][e.group_id]["bad"]:
            responsible.add(e.actor)
    assert bad_accounts <= responsible | {
        a
        for a, r in truth["accounts"].items()
        if {"ban_evasion", "sent_known_media"} & set(r["why"])
    }
    members_added_by_others = {
        e.account_id
        for e in world["events"]
        if e.type == "member.added"
        and e.actor != e.account_id
        and truth["groups"][e.group_id]["bad"]
    }
    assert members_added_by_others - bad_accounts, "most added members stay good"


def test_terms_appear_in_names_plain_and_disguised(world):
    truth = world["truth"]
    names: dict[str, list[str]] = defaultdict(list)
    for e in world["events"]:
        if e.type in ("group.created", "group.updated") and e.name:
            names[e.group_id].append(e.name)
    plain = [g for g, r in truth["groups"].items() if r["scenario"] == "name_term"]
    disguised = [g for g, r in truth["groups"].items() if r["scenario"] == "name_obfuscated"]
    for gid in plain:
        assert any(truth["groups"][gid]["term"] in n for n in names[gid])
    for gid in disguised:
        rec = truth["groups"][gid]
        assert rec["obfuscation"]
        assert not any(rec["term"] in n for n in names[gid])


def test_recreated_and_spread_groups_follow_a_bad_predecessor(world):
    truth = world["truth"]
    created = {e.group_id: e for e in world["events"] if e.type == "group.created"}
    members: dict[str, set[str]] = defaultdict(set)
    via_link_from: dict[str, set[str]] = defaultdict(set)
    for e in world["events"]:
        if e.type == "member.added":
            members[e.group_id].add(e.account_id)
        if e.type == "invite.used" and e.seen_in_group:
            via_link_from[e.group_id].add(e.seen_in_group)
    for gid, rec in truth["groups"].items():
        if rec["scenario"] == "recreated":
            pred = rec["predecessor"]
            assert truth["groups"][pred]["bad"]
            assert created[pred].ts < created[gid].ts
            assert created[gid].actor in members[pred]
            overlap = len(members[gid] & members[pred]) / len(members[pred])
            assert overlap >= 0.4
            assert "created_recreated_group" in truth["accounts"][created[gid].actor]["why"]
        if rec["scenario"] == "invite_spread":
            assert rec["source"] in via_link_from[gid]
            assert truth["groups"][rec["source"]]["bad"]


def test_ban_evaders_register_later_and_rejoin_the_same_groups(world):
    truth = world["truth"]
    reg = {e.account_id: e.ts for e in world["events"] if e.type == "account.registered"}
    joined: dict[str, set[str]] = defaultdict(set)
    for e in world["events"]:
        if e.type == "member.added":
            joined[e.account_id].add(e.group_id)
    evaders = {a: r for a, r in truth["accounts"].items() if "ban_evasion" in r["why"]}
    assert evaders
    for aid, rec in evaders.items():
        orig = rec["evades"]
        assert truth["accounts"][orig]["bad"] and reg[aid] > reg[orig]
        assert set(rec["rejoined"]) <= joined[orig] & joined[aid]
        assert len(rec["rejoined"]) >= 1


def test_evaders_come_back_to_ordinary_groups_their_original_was_in_before(world):
    # Bad groups are removed once caught and take nobody back: what an evader re-joins
    # that outlives the ban is the original's ordinary groups, joined before it came back.
    truth = world["truth"]
    reg = {e.account_id: e.ts for e in world["events"] if e.type == "account.registered"}
    first_join: dict[tuple[str, str], object] = {}
    for e in world["events"]:
        if e.type == "member.added":
            first_join.setdefault((e.account_id, e.group_id), e.ts)
    evaders = {a: r for a, r in truth["accounts"].items() if "ban_evasion" in r["why"]}
    assert evaders
    for aid, rec in evaders.items():
        ordinary = [g for g in rec["rejoined"] if not truth["groups"][g]["bad"]]
        assert len(ordinary) >= 2, (aid, rec)
        assert all(first_join[(rec["evades"], g)] <= reg[aid] for g in ordinary)


def test_reports_carry_forwarded_messages_and_unfounded_ones_exist(world):
    truth = world["truth"]
    reports = [e for e in world["events"] if e.type == "report.filed"]
    assert all(len(r.messages) == 5 and all(m.text for m in r.messages) for r in reports)
    on_good = [r for r in reports if not truth["groups"][r.target_group]["bad"]]
    assert on_good, "unfounded reports are there as hard negatives"
    with_media = [r for r in reports if any(m.media for m in r.messages)]
    assert with_media


def test_some_reports_target_an_account_and_name_its_messages_sender(world):
    reports = [e for e in world["events"] if e.type == "report.filed" and e.target_account]
    assert reports
    for r in reports:
        assert {m.sender for m in r.messages} == {r.target_account}
