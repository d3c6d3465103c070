"""Factories for reporting tests: rows in the core tables that a confirmed case leaves
behind (accounts, groups, media and where it was used, bank matches, signals, a case and
its decision, reviewer views in the audit log), with benign synthetic images as media."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pdqhash
import pytest
from PIL import Image
from sqlalchemy import insert

from groupguard.config import Settings
from groupguard.store import Database
from groupguard.store.tables import (
    accounts,
    audit_log,
    bank_entries,
    banks,
    cases,
    decisions,
    groups,
    matches,
    media,
    media_uses,
    memberships,
    signals,
)
from groupguard.timeutil import utcnow


def synthetic_png(seed: int, size: int = 64) -> bytes:
    """A benign gradient-and-stripes image, different for every seed."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size]
    base = rng.integers(0, 255, size=3)
    img = np.stack([(x * (c + 1) + y * seed + int(b)) % 256 for c, b in enumerate(base)], -1)
    buf = io.BytesIO()
    Image.fromarray(img.astype("uint8"), "RGB").save(buf, format="PNG")
    return buf.getvalue()


@dataclass
class Item:
    sha256: str
    md5: str
    data: bytes


class Factory:
    def __init__(self, db: Database, settings: Settings):
        self.db = db
        self.settings = settings
        self.t0 = utcnow() - timedelta(days=2)
        self._seed = 0

    def _exec(self, stmt):
        with self.db.session() as s:
            return s.execute(stmt)

    def account(self, account_id: str, *, phone: str | None = "+15550100001",
                display_name: str | None = "Zorblax Trader", banned: bool = False) -> str:
        self._exec(insert(accounts).values(
            id=account_id, phone=phone, display_name=display_name, registered_at=self.t0,
            status="banned" if banned else "active",
            banned_at=utcnow() - timedelta(hours=1) if banned else None))
        return account_id

    def group(self, group_id: str, *, name: str = "quexfin swap", icon_set_by: str | None = None,
              members: tuple[str, ...] = ()) -> str:
        self._exec(insert(groups).values(
            id=group_id, name=name, description="quexfin", creator=icon_set_by,
            icon_set_by=icon_set_by, name_set_by=icon_set_by, created_at=self.t0,
            updated_at=self.t0, status="active"))
        for account_id in members:
            self._exec(insert(memberships).values(
                group_id=group_id, account_id=account_id, role="member", joined_at=self.t0,
                active=True))
        return group_id

    def media(self, *, data: bytes | None = None) -> Item:
        self._seed += 1
        data = data or synthetic_png(self._seed)
        sha, md5 = hashlib.sha256(data).hexdigest(), hashlib.md5(data).hexdigest()
        img = np.array(Image.open(io.BytesIO(data)).convert("RGB"))
        bits, quality = pdqhash.compute(img)
        pdq = f"{int(''.join(str(int(b)) for b in bits), 2):064x}"
        self._exec(insert(media).values(
            sha256=sha, md5=md5, kind="image", size=len(data), pdq=pdq,
            pdq_quality=int(quality), width=img.shape[1], height=img.shape[0],
            first_seen=self.t0))
        return Item(sha, md5, data)

    def use(self, item: Item, *, subject_type: str, subject_id: str, role: str,
            set_by: str | None = None, ts: datetime | None = None) -> None:
        self._exec(insert(media_uses).values(
            sha256=item.sha256, subject_type=subject_type, subject_id=subject_id, role=role,
            set_by=set_by, event_id=f"ev-{item.sha256[:8]}-{subject_id}",
            ts=ts or self.t0 + timedelta(hours=1)))

    def bank(self, name: str, *, verified: bool) -> str:
        self._exec(insert(banks).values(name=name, kind="hash", source="test",
                                        action_policy="act", verified=verified,
                                        created_at=self.t0))
        return name

    def match(self, item: Item, bank: str, *, signal_type: str = "md5",
              distance: int = 0) -> None:
        value = item.md5 if signal_type == "md5" else item.sha256
        entry = self._exec(insert(bank_entries).values(
            bank=bank, signal_type=signal_type, value=value, added_at=self.t0)
        ).inserted_primary_key[0]
        self._exec(insert(matches).values(
            sha256=item.sha256, bank=bank, entry_id=entry, signal_type=signal_type,
            distance=distance, variant="original", created_at=self.t0 + timedelta(hours=1)))

    def signal(self, subject_type: str, subject_id: str, kind: str, *, sha256: str | None = None,
               hard: bool = True, at: datetime | None = None) -> int:
        return self._exec(insert(signals).values(
            subject_type=subject_type, subject_id=subject_id, kind=kind, strength=1.0,
            hard=hard, reason=f"{kind} signal", sha256=sha256,
            created_at=at or self.t0 + timedelta(hours=1))).inserted_primary_key[0]

    def case(self, subject_type: str, subject_id: str, *, category: str | None = "A1",
             confirmed: bool = True) -> int:
        now = utcnow()
        case_id = self._exec(insert(cases).values(
            kind="review", subject_type=subject_type, subject_id=subject_id,
            status="closed" if confirmed else "open", severity=1, reason="bank match",
            opened_at=now - timedelta(hours=3), updated_at=now,
            closed_at=now if confirmed else None, resolution="confirm" if confirmed else None,
            category=category)).inserted_primary_key[0]
        if confirmed:
            self._exec(insert(decisions).values(
                subject_type=subject_type, subject_id=subject_id, source="reviewer",
                outcome="confirm", explanation="reviewer confirmed", decided_by="user:rita",
                case_id=case_id, category=category, created_at=now))
        return case_id

    def view(self, item: Item, user: str = "rita", *, at: datetime | None = None) -> None:
        self._exec(insert(audit_log).values(
            ts=at or utcnow() - timedelta(minutes=30), actor=f"user:{user}",
            action="media.view", subject=f"media:{item.sha256}", details={"case_id": 1}))


@pytest.fixture
def fake_ncmec():
    from tests.reporting.ncmec_fake_server import FakeNcmec

    with FakeNcmec() as fake:
        yield fake


@pytest.fixture
def make(db: Database, settings: Settings) -> Factory:
    return Factory(db, settings)
