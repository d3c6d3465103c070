"""Import and export of whole bank files (formats.py) against the bank service."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from groupguard.banks import formats, service


@dataclass
class ImportReport:
    bank: str
    read: int = 0
    added: int = 0
    existing: int = 0
    entry_ids: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {"bank": self.bank, "read": self.read, "added": self.added,
                "existing": self.existing, "errors": self.errors}


def import_text(session: Session, bank: str, text: str, fmt: str, *,
                signal_type: str | None = None, filename: str | None = None,
                source: str | None = None, tags: list[str] | None = None) -> ImportReport:
    """Add every valid line; bad lines are reported (InvalidHashError text naming the line)
    and skipped. `entry_ids` are the entries this import created."""
    parsed = formats.read(text, fmt, signal_type=signal_type, filename=filename)
    report = ImportReport(bank=bank, read=len(parsed.items) + len(parsed.errors),
                          errors=[str(e) for e in parsed.errors])
    before = {e.id for e in service.entries(session, bank)}
    ids = service.add_hashes(session, bank, parsed.items, source=source, tags=tags)
    new = sorted(set(ids) - before)
    report.entry_ids = new
    report.added = len(new)
    report.existing = len(set(ids) & before)
    return report


def export_text(session: Session, bank: str, fmt: str, *,
                include_removed: bool = False) -> str:
    entries = service.entries(session, bank, include_removed=include_removed)
    return formats.write(entries, fmt, bank)
