"""Named hash banks and their entries: the one implementation behind the CLI and HTTP API.

A bank has a kind (hash: a list of hashes; media: hashes of media the platform's reviewers
confirmed, optionally with the media kept; allow: known-benign content whose match
suppresses the others), a source, an optional PDQ threshold, an action policy and a
verified flag. Every change bumps the bank's version, which matchers use to catch up.
Removing an entry leaves a tombstone (removed_at) and a row in bank_removals, so exports,
syncs and matchers see removals.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from groupguard.banks.signal_types import normalise
from groupguard.errors import BankError, InvalidHashError, NotFoundError
from groupguard.store.tables import bank_entries, banks
from groupguard.store.tables_banks import bank_removals
from groupguard.timeutil import as_utc, utcnow

KINDS = ("hash", "media", "allow")
ACTION_POLICIES = ("review", "act", "none")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


@dataclass
class Bank:
    name: str
    kind: str
    action_policy: str
    pdq_threshold: int | None
    source: str | None
    verified: bool
    description: str | None
    version: int
    created_at: datetime
    entries: int = 0

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name, "kind": self.kind, "action_policy": self.action_policy,
            "pdq_threshold": self.pdq_threshold, "source": self.source,
            "verified": self.verified, "description": self.description,
            "version": self.version, "created_at": self.created_at.isoformat(),
            "entries": self.entries,
        }


@dataclass
class Entry:
    id: int
    bank: str
    signal_type: str
    value: str
    source: str | None
    tags: list[str]
    added_at: datetime
    removed_at: datetime | None
    media_sha256: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id, "bank": self.bank, "signal_type": self.signal_type,
            "value": self.value, "source": self.source, "tags": self.tags,
            "added_at": self.added_at.isoformat(),
            "removed_at": self.removed_at.isoformat() if self.removed_at else None,
        }


def _bank_of(row, entries: int = 0) -> Bank:  # type: ignore[no-untyped-def]
    return Bank(name=row.name, kind=row.kind, action_policy=row.action_policy,
                pdq_threshold=row.pdq_threshold, source=row.source, verified=bool(row.verified),
                description=row.description, version=row.version,
                created_at=as_utc(row.created_at), entries=entries)  # type: ignore[arg-type]


def entry_of(row) -> Entry:  # type: ignore[no-untyped-def]
    return Entry(id=row.id, bank=row.bank, signal_type=row.signal_type, value=row.value,
                 source=row.source, tags=list(row.tags or []),
                 added_at=as_utc(row.added_at),  # type: ignore[arg-type]
                 removed_at=as_utc(row.removed_at), media_sha256=row.media_sha256)


def _check_settings(kind: str, action_policy: str, pdq_threshold: int | None) -> None:
    if kind not in KINDS:
        raise BankError(f"bank kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if action_policy not in ACTION_POLICIES:
        raise BankError(
            f"action policy must be one of {', '.join(ACTION_POLICIES)}, not {action_policy!r}")
    if pdq_threshold is not None and not 0 <= pdq_threshold <= 128:
        raise BankError(f"PDQ threshold must be in 0..128, not {pdq_threshold}")


def create_bank(session: Session, name: str, *, kind: str = "hash",
                action_policy: str = "review", pdq_threshold: int | None = None,
                source: str | None = None, verified: bool = False,
                description: str | None = None) -> Bank:
    if not _NAME.match(name or ""):
        raise BankError(
            f"bank name {name!r} must be 1-100 letters, digits, '_', '.' or '-'")
    _check_settings(kind, action_policy, pdq_threshold)
    if session.execute(select(banks.c.name).where(banks.c.name == name)).first():
        raise BankError(f"bank {name!r} already exists")
    session.execute(insert(banks).values(
        name=name, kind=kind, action_policy=action_policy, pdq_threshold=pdq_threshold,
        source=source, verified=verified, description=description, version=1,
        created_at=utcnow()))
    return get_bank(session, name)


def get_bank(session: Session, name: str) -> Bank:
    row = session.execute(select(banks).where(banks.c.name == name)).first()
    if row is None:
        raise BankError(f"bank {name!r} does not exist (see `groupguard bank list`)")
    n = session.execute(select(func.count()).select_from(bank_entries).where(
        bank_entries.c.bank == name, bank_entries.c.removed_at.is_(None))).scalar_one()
    return _bank_of(row, n)


def list_banks(session: Session) -> list[Bank]:
    counts = dict(session.execute(
        select(bank_entries.c.bank, func.count()).where(bank_entries.c.removed_at.is_(None))
        .group_by(bank_entries.c.bank)).all())
    rows = session.execute(select(banks).order_by(banks.c.name)).all()
    return [_bank_of(r, counts.get(r.name, 0)) for r in rows]


def update_bank(session: Session, name: str, **changes: object) -> Bank:
    """Change kind, action_policy, pdq_threshold, source, verified or description."""
    allowed = {"kind", "action_policy", "pdq_threshold", "source", "verified", "description"}
    unknown = set(changes) - allowed
    if unknown:
        raise BankError(f"cannot change {', '.join(sorted(unknown))} of a bank")
    bank = get_bank(session, name)
    merged = {"kind": bank.kind, "action_policy": bank.action_policy,
              "pdq_threshold": bank.pdq_threshold}
    merged.update({k: v for k, v in changes.items() if k in merged})
    _check_settings(merged["kind"], merged["action_policy"], merged["pdq_threshold"])
    session.execute(update(banks).where(banks.c.name == name)
                    .values(version=banks.c.version + 1, **changes))
    return get_bank(session, name)


def _bump(session: Session, name: str) -> None:
    session.execute(update(banks).where(banks.c.name == name)
                    .values(version=banks.c.version + 1))


def add_hashes(session: Session, bank: str | Bank,
               items: Sequence[tuple[str, str] | tuple[str, str, list[str]]], *,
               source: str | None = None, tags: Iterable[str] | None = None,
               media_sha256: str | None = None) -> list[int]:
    """Add (signal_type, value) pairs, or (signal_type, value, tags) for per-item tags;
    returns one entry id per item, in order. A value
    already live in the bank keeps its entry (and id): re-importing a list is harmless.
    Every item is validated first; a bad one raises InvalidHashError naming its position and
    nothing is added (imports validate line by line before calling this)."""
    current = get_bank(session, bank.name if isinstance(bank, Bank) else bank)
    clean: list[tuple[str, str]] = []
    extra: dict[tuple[str, str], list[str]] = {}
    for i, item in enumerate(items, 1):
        try:
            key = normalise(item[0], item[1])
        except InvalidHashError as exc:
            raise InvalidHashError(f"item {i}: {exc}") from None
        clean.append(key)
        if len(item) > 2 and item[2]:  # type: ignore[misc]
            extra.setdefault(key, list(item[2]))  # type: ignore[misc]
    if not clean:
        return []
    tag_list = sorted({t.strip() for t in tags or () if t and t.strip()}) or None
    existing = _live_ids(session, current.name, clean)
    now = utcnow()
    version = current.version + 1
    new_keys = list(dict.fromkeys(k for k in clean if k not in existing))
    if new_keys:
        rows = [{"bank": current.name, "signal_type": k, "value": v, "source": source,
                 "tags": sorted(set(tag_list or []) | set(extra.get((k, v), []))) or None,
                 "added_at": now, "added_version": version,
                 "media_sha256": media_sha256} for k, v in new_keys]
        for lo in range(0, len(rows), 5000):
            session.execute(insert(bank_entries), rows[lo: lo + 5000])
        # added_version is unique to this call, so it finds exactly the rows just written.
        for r in session.execute(select(bank_entries.c.id, bank_entries.c.signal_type,
                                        bank_entries.c.value).where(
                bank_entries.c.bank == current.name,
                bank_entries.c.added_version == version)):
            existing[(r.signal_type, r.value)] = r.id
        _bump(session, current.name)
    return [existing[k] for k in clean]


def _live_ids(session: Session, bank: str, keys: list[tuple[str, str]]
              ) -> dict[tuple[str, str], int]:
    found: dict[tuple[str, str], int] = {}
    values = sorted({v for _, v in keys})
    for lo in range(0, len(values), 500):
        rows = session.execute(select(bank_entries.c.id, bank_entries.c.signal_type,
                                      bank_entries.c.value).where(
            bank_entries.c.bank == bank, bank_entries.c.removed_at.is_(None),
            bank_entries.c.value.in_(values[lo: lo + 500])))
        for r in rows:
            found.setdefault((r.signal_type, r.value), r.id)
    return found


def remove_entry(session: Session, entry_id: int, *, reason: str | None = None) -> bool:
    """Tombstone one entry; False if it was already removed. NotFoundError if unknown."""
    row = session.execute(select(bank_entries).where(bank_entries.c.id == entry_id)).first()
    if row is None:
        raise NotFoundError(f"bank entry {entry_id} does not exist")
    if row.removed_at is not None:
        return False
    now = utcnow()
    session.execute(update(bank_entries).where(bank_entries.c.id == entry_id)
                    .values(removed_at=now))
    session.execute(insert(bank_removals).values(entry_id=entry_id, bank=row.bank,
                                                 removed_at=now, reason=reason))
    _bump(session, row.bank)
    return True


def remove_value(session: Session, bank: str, signal_type: str, value: str, *,
                 reason: str | None = None) -> int:
    """Tombstone the live entries of a bank holding this value; returns how many."""
    kind, clean = normalise(signal_type, value)
    get_bank(session, bank)
    ids = session.execute(select(bank_entries.c.id).where(
        bank_entries.c.bank == bank, bank_entries.c.signal_type == kind,
        bank_entries.c.value == clean, bank_entries.c.removed_at.is_(None))).scalars().all()
    return sum(remove_entry(session, i, reason=reason) for i in ids)


def clear_bank(session: Session, bank: str, *, reason: str | None = None) -> int:
    """Tombstone every live entry of a bank; the bank itself stays (empty)."""
    get_bank(session, bank)
    ids = session.execute(select(bank_entries.c.id).where(
        bank_entries.c.bank == bank, bank_entries.c.removed_at.is_(None))).scalars().all()
    return sum(remove_entry(session, i, reason=reason) for i in ids)


def entries(session: Session, bank: str, *, include_removed: bool = False) -> list[Entry]:
    get_bank(session, bank)
    q = select(bank_entries).where(bank_entries.c.bank == bank).order_by(bank_entries.c.id)
    if not include_removed:
        q = q.where(bank_entries.c.removed_at.is_(None))
    return [entry_of(r) for r in session.execute(q)]


def get_entry(session: Session, entry_id: int) -> Entry:
    row = session.execute(select(bank_entries).where(bank_entries.c.id == entry_id)).first()
    if row is None:
        raise NotFoundError(f"bank entry {entry_id} does not exist")
    return entry_of(row)
