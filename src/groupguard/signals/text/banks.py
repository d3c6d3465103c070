"""Term banks in the store: create, add, import, list, remove (tombstones).

The same operations back the CLI (`groupguard terms ...`) and the HTTP API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from groupguard.signals.text.terms import (
    TermBankError,
    TermFileError,
    TermSpec,
    parse_terms,
    validate,
)
from groupguard.store.tables_text import term_banks, text_terms
from groupguard.timeutil import as_utc, utcnow


@dataclass
class ImportResult:
    bank: str
    added: list[int] = field(default_factory=list)
    skipped: int = 0  # already in the bank
    errors: list[TermFileError] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"bank": self.bank, "added": len(self.added), "skipped": self.skipped,
                "errors": [{"line": e.line, "error": str(e)} for e in self.errors]}


def create_term_bank(session: Session, name: str, *, description: str | None = None,
                     source: str | None = None, strength: float = 0.6) -> dict[str, Any]:
    name = name.strip()
    if not name or len(name) > 100:
        raise TermBankError("a term bank name needs 1 to 100 characters")
    if not 0.0 < strength <= 1.0:
        raise TermBankError("strength must be in (0, 1]")
    if _exists(session, name):
        raise TermBankError(f"term bank {name!r} already exists")
    now = utcnow()
    session.execute(term_banks.insert().values(
        name=name, description=description, source=source, strength=strength, version=0,
        created_at=now, updated_at=now))
    return get_term_bank(session, name)


def _exists(session: Session, name: str) -> bool:
    return session.execute(
        select(term_banks.c.name).where(term_banks.c.name == name)).first() is not None


def get_term_bank(session: Session, name: str) -> dict[str, Any]:
    row = session.execute(select(term_banks).where(term_banks.c.name == name)).mappings().first()
    if row is None:
        raise TermBankError(f"no term bank named {name!r}; create it with "
                            f"`groupguard terms create {name}`")
    active = session.execute(select(func.count()).select_from(text_terms).where(
        text_terms.c.bank == name, text_terms.c.removed_at.is_(None))).scalar_one()
    out = dict(row)
    out["created_at"] = as_utc(out["created_at"])
    out["updated_at"] = as_utc(out["updated_at"])
    out["terms"] = active
    return out


def list_term_banks(session: Session) -> list[dict[str, Any]]:
    names = session.execute(select(term_banks.c.name).order_by(term_banks.c.name)).scalars()
    return [get_term_bank(session, n) for n in list(names)]


def _bump(session: Session, bank: str) -> int:
    session.execute(update(term_banks).where(term_banks.c.name == bank).values(
        version=term_banks.c.version + 1, updated_at=utcnow()))
    return session.execute(
        select(term_banks.c.version).where(term_banks.c.name == bank)).scalar_one()


def add_terms(session: Session, bank: str, specs: list[TermSpec], *, source: str | None = None,
              tags: list[str] | None = None) -> ImportResult:
    """Add terms; a term already active in the bank with the same mode is skipped."""
    get_term_bank(session, bank)
    result = ImportResult(bank=bank)
    existing = {(r.mode, r.term) for r in session.execute(
        select(text_terms.c.mode, text_terms.c.term).where(
            text_terms.c.bank == bank, text_terms.c.removed_at.is_(None)))}
    valid: list[TermSpec] = []
    for spec in specs:
        try:
            spec = validate(spec)
        except TermFileError as exc:
            result.errors.append(exc)
            continue
        if (spec.mode, spec.term) in existing:
            result.skipped += 1
            continue
        existing.add((spec.mode, spec.term))
        valid.append(spec)
    if not valid:
        return result
    version = _bump(session, bank)
    now = utcnow()
    for spec in valid:
        all_tags = sorted(set(spec.tags) | set(tags or ()))
        res = session.execute(text_terms.insert().values(
            bank=bank, mode=spec.mode, term=spec.term, key=spec.key,
            max_distance=spec.max_distance, threshold=spec.threshold,
            tags=all_tags or None, source=source, added_at=now, added_version=version))
        result.added.append(int(res.inserted_primary_key[0]))
    return result


def import_terms(session: Session, bank: str, text: str, *, source: str | None = None,
                 tags: list[str] | None = None) -> ImportResult:
    """Import a term-bank file's text; bad lines are reported, the rest load."""
    specs, errors = parse_terms(text)
    result = add_terms(session, bank, specs, source=source, tags=tags)
    result.errors = errors + result.errors
    return result


def remove_term(session: Session, bank: str, term: str | int) -> int:
    """Tombstone one term by id or by its text (every mode); returns how many."""
    get_term_bank(session, bank)
    cond = [text_terms.c.bank == bank, text_terms.c.removed_at.is_(None)]
    if isinstance(term, int) or (isinstance(term, str) and term.isdigit()):
        cond.append(text_terms.c.id == int(term))
    else:
        cond.append(text_terms.c.term == term)
    ids = list(session.execute(select(text_terms.c.id).where(*cond)).scalars())
    if not ids:
        raise TermBankError(f"no active term {term!r} in bank {bank!r}")
    version = _bump(session, bank)
    session.execute(update(text_terms).where(text_terms.c.id.in_(ids)).values(
        removed_at=utcnow(), removed_version=version))
    return len(ids)


def list_terms(session: Session, bank: str, *, include_removed: bool = False
               ) -> list[dict[str, Any]]:
    get_term_bank(session, bank)
    q = select(text_terms).where(text_terms.c.bank == bank).order_by(text_terms.c.id)
    if not include_removed:
        q = q.where(text_terms.c.removed_at.is_(None))
    rows = []
    for r in session.execute(q).mappings():
        d = dict(r)
        d["added_at"] = as_utc(d["added_at"])
        d["removed_at"] = as_utc(d["removed_at"])
        rows.append(d)
    return rows


def banks_version(session: Session) -> tuple[int, int]:
    """A cheap fingerprint of every bank's state, for matchers to reload on change."""
    row = session.execute(select(func.count(), func.coalesce(func.sum(term_banks.c.version), 0))
                          ).one()
    return int(row[0]), int(row[1])
