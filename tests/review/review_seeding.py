"""A small, realistic review store built from rows: groups with icons, names and members,
accounts, benign synthetic media, hash and text signals, and open cases. Every "matched"
file is a generated benign picture or clip standing in for known material."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
from PIL import Image, ImageDraw
from sqlalchemy import insert
from sqlalchemy.orm import Session

from groupguard.config import Settings
from groupguard.store.tables import (
    accounts,
    cases,
    groups,
    invite_uses,
    media,
    media_uses,
    memberships,
    signals,
)
from groupguard.timeutil import utcnow


def synthetic_image(seed: int, size: int = 256) -> bytes:
    """A benign picture: coloured shapes on a gradient."""
    rng = np.random.default_rng(seed)
    base = np.linspace(0, 255, size, dtype=np.float32)
    arr = np.stack([np.add.outer(base * rng.uniform(.2, 1), base * rng.uniform(.2, 1)) / 2
                    for _ in range(3)], axis=-1).clip(0, 255).astype(np.uint8)
    img = Image.fromarray(arr)
    draw = ImageDraw.Draw(img)
    for _ in range(6):
        x, y = rng.integers(0, size - 40, 2)
        w, h = rng.integers(20, 90, 2)
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        if rng.random() < .5:
            draw.ellipse([int(x), int(y), int(x + w), int(y + h)], fill=colour)
        else:
            draw.rectangle([int(x), int(y), int(x + w), int(y + h)], fill=colour)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90)
    return out.getvalue()


def synthetic_video(seed: int, frames: int = 12) -> bytes:
    """A benign clip: a square moving over a coloured background, as MP4."""
    import av

    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=6)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(frames):
            arr = np.full((48, 64, 3), (seed * 40 % 255, 90, 160), np.uint8)
            arr[10:30, i * 4:i * 4 + 16] = (250, 220, 40)
            for packet in stream.encode(av.VideoFrame.from_ndarray(arr, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out.getvalue()


@dataclass
class Seeded:
    cases: dict[str, int] = field(default_factory=dict)
    media: dict[str, str] = field(default_factory=dict)  # label -> sha256
    preserved: bool = False


def _add_media(session: Session, data: bytes, kind: str) -> str:
    sha = hashlib.sha256(data).hexdigest()
    session.execute(insert(media).values(
        sha256=sha, md5=hashlib.md5(data).hexdigest(), kind=kind, size=len(data),
        pdq="f" * 8 + sha[8:64] if kind == "image" else None, pdq_quality=100 if kind == "image"
        else None, width=256 if kind == "image" else 64, height=256 if kind == "image" else 48,
        first_seen=utcnow()))
    return sha


def _preserve(session: Session, settings: Settings, data: bytes, sha: str) -> bool:
    try:
        from groupguard.reporting.evidence import preserve_media
    except ModuleNotFoundError:
        return False
    preserve_media(session, settings, data, sha256=sha, reason="matched a hash bank",
                   actor="pipeline")
    return True


def seed_review_store(session: Session, settings: Settings, *, preserve: bool = True) -> Seeded:
    now = utcnow()
    out = Seeded()
    for i in range(1, 13):
        session.execute(insert(accounts).values(
            id=f"acct-{i:03d}", phone=f"+1555010{i:04d}", display_name=f"Kestrel {i}",
            registered_at=now - timedelta(days=30 + i), status="active"))
    icon1 = synthetic_image(1)
    icon2 = synthetic_image(2)
    clip = synthetic_video(3)
    out.media = {"icon1": _add_media(session, icon1, "image"),
                 "icon2": _add_media(session, icon2, "image"),
                 "clip": _add_media(session, clip, "video")}
    if preserve:
        out.preserved = all([_preserve(session, settings, icon1, out.media["icon1"]),
                             _preserve(session, settings, icon2, out.media["icon2"]),
                             _preserve(session, settings, clip, out.media["clip"])])

    def group(gid: str, name: str, desc: str, icon: str | None, creator: str,
              members: list[str], admins: list[str]) -> None:
        session.execute(insert(groups).values(
            id=gid, name=name, description=desc, icon_media=icon, creator=creator,
            name_set_by=creator, description_set_by=admins[0] if admins else creator,
            icon_set_by=creator if icon else None, created_at=now - timedelta(days=3),
            updated_at=now - timedelta(days=1), status="active"))
        roles = {creator: "creator", **{a: "admin" for a in admins}}
        for acct in [creator, *admins, *members]:
            session.execute(insert(memberships).values(
                group_id=gid, account_id=acct, role=roles.get(acct, "member"),
                added_by=creator if acct != creator else None, active=True,
                joined_at=now - timedelta(days=2)))
        if icon:
            session.execute(insert(media_uses).values(
                sha256=icon, subject_type="group", subject_id=gid, role="group_icon",
                set_by=creator, event_id=f"ev-icon-{gid}", ts=now - timedelta(days=1)))

    group("grp-zorblax", "zorblax swap club", "trade quexfin here, new drops daily",
          out.media["icon1"], "acct-001", ["acct-003", "acct-004", "acct-005", "acct-006"],
          ["acct-002"])
    group("grp-lakes", "Lake photos", "pictures of lakes and hills", out.media["icon2"],
          "acct-007", ["acct-003", "acct-004", "acct-008"], [])
    group("grp-quexfin", "quexfin corner", "ask for links", None, "acct-009",
          ["acct-011"], ["acct-010"])
    group("grp-clips", "weekend clips", "short videos", None, "acct-012",
          ["acct-005", "acct-006"], [])
    session.execute(insert(media_uses).values(
        sha256=out.media["clip"], subject_type="group", subject_id="grp-clips",
        role="reported_media", set_by="acct-012", event_id="ev-report-1",
        ts=now - timedelta(hours=5)))
    session.execute(insert(media_uses).values(
        sha256=out.media["icon1"], subject_type="account", subject_id="acct-005",
        role="profile_photo", set_by="acct-005", event_id="ev-photo-5",
        ts=now - timedelta(hours=7)))
    session.execute(insert(invite_uses).values(
        token="inv-zorblax-1", group_id="grp-zorblax", account_id="acct-008",
        seen_in_group="grp-lakes", ts=now - timedelta(hours=20)))

    def signal(subject_type: str, subject_id: str, kind: str, reason: str, *,
               sha: str | None = None, strength: float = .7, **details) -> None:
        session.execute(insert(signals).values(
            subject_type=subject_type, subject_id=subject_id, kind=kind, strength=strength,
            hard=False, reason=reason, details=details or None, sha256=sha,
            event_id="ev-seed", created_at=now - timedelta(hours=6)))

    pdq = {"bank": "test-known", "banks": ["test-known"], "signal_type": "pdq"}
    signal("group", "grp-zorblax", "hash.pdq",
           "group icon (set by acct-001) matches bank 'test-known' entry 3 at PDQ distance 14, "
           "variant flip_h", sha=out.media["icon1"], role="group_icon", distance=14,
           variant="flip_h", set_by="acct-001", entry=3, **pdq)
    signal("group", "grp-zorblax", "text.term",
           "group description contains the term 'quexfin'", strength=.5, field="description",
           bank="test-terms", term="quexfin")
    signal("account", "acct-005", "hash.pdq",
           "profile photo matches bank 'test-known' entry 3 at PDQ distance 14",
           sha=out.media["icon1"], role="profile_photo", distance=14, variant="original",
           set_by="acct-005", entry=3, **pdq)
    signal("group", "grp-lakes", "hash.pdq",
           "group icon (set by acct-007) matches bank 'test-known' entry 9 at PDQ distance 29",
           sha=out.media["icon2"], role="group_icon", distance=29, variant="original",
           set_by="acct-007", entry=9, **pdq)
    signal("group", "grp-quexfin", "text.solicitation",
           "group name solicits: 'quexfin' with a request for links", strength=.6,
           field="name", bank="test-terms")
    signal("group", "grp-clips", "hash.pdq",
           "media forwarded in a report matches bank 'test-video' at vPDQ distance 8",
           sha=out.media["clip"], role="reported_media", distance=8, variant="original",
           bank="test-video", banks=["test-video"], signal_type="vpdq", set_by="acct-012")

    def case(subject_type: str, subject_id: str, severity: int, reason: str, hours: float
             ) -> int:
        opened = now - timedelta(hours=hours)
        return session.execute(insert(cases).values(
            kind="review", subject_type=subject_type, subject_id=subject_id, status="open",
            severity=severity, priority=0.0, reason=reason, opened_at=opened,
            updated_at=opened)).inserted_primary_key[0]

    out.cases["zorblax"] = case("group", "grp-zorblax", 1,
                                "perceptual match on the group icon and a term hit", 2)
    out.cases["acct5"] = case("account", "acct-005", 2, "profile photo perceptual match", 3)
    out.cases["lakes"] = case("group", "grp-lakes", 2, "perceptual match on the group icon", 5)
    out.cases["quexfin"] = case("group", "grp-quexfin", 3, "solicitation in the group name", 30)
    out.cases["clips"] = case("group", "grp-clips", 2, "reported video matches", 1)
    return out
