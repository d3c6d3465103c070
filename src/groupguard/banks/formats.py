"""Bank file formats: read and write hash lists so teams move between tools without
re-hashing anything.

- hex: one hash a line (`#` comments); the type from `signal_type` or the length
  (32 hex: MD5, 64: PDQ).
- csv: a header naming at least `signal_type,value`; optional `tags` (space or `;`
  separated), `source`, `added_at`, `entry_id`.
- te (python-threatexchange): its file exchange's `<signal_type> <value>` lines (what
  `threatexchange dataset -P -S` prints and LocalFileSignalExchangeAPI reads), its
  `dataset --csv` output (`signal_type,signal_str,collab,category,tags`), and the
  `simple.<TYPE>.te` state files (rows `indicator,descriptor_id,added_on,labels`).
- hma (Hasher-Matcher-Actioner): its bank-content JSON (`{"signals": {"pdq": ...},
  "metadata": ...}` as its API returns, or the bare `{"pdq": ...}` it accepts), one object a
  line or a JSON list; HMA 1.x hash files (`indicator,indicator_id,descriptor_id,added_on,
  labels` rows) are read too.

Readers report a bad line (InvalidHashError naming the line) and go on with the rest.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from groupguard.banks.service import Entry
from groupguard.banks.signal_types import TE_NAMES, guess_type, normalise, signal_type_of
from groupguard.errors import BankError, InvalidHashError

FORMATS = ("hex", "csv", "te", "hma")


@dataclass
class Parsed:
    items: list[tuple[str, str, list[str]]] = field(default_factory=list)
    errors: list[InvalidHashError] = field(default_factory=list)

    def add(self, line: int, signal_type: str, value: str, tags: Iterable[str] = ()) -> None:
        try:
            kind, clean = normalise(signal_type, value)
        except InvalidHashError as exc:
            self.errors.append(InvalidHashError(f"line {line}: {exc}"))
            return
        self.items.append((kind, clean, [t for t in tags if t]))

    def error(self, line: int, message: str) -> None:
        self.errors.append(InvalidHashError(f"line {line}: {message}"))


def _split_tags(text: str | None) -> list[str]:
    return [t for t in re.split(r"[;\s]+", text or "") if t]


def _type_or_guess(signal_type: str | None, value: str) -> str:
    return signal_type if signal_type else guess_type(value)


# ---------------------------------------------------------------------------- readers


def read_hex(text: str, *, signal_type: str | None = None, filename: str | None = None
             ) -> Parsed:
    out = Parsed()
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            kind = _type_or_guess(signal_type, line)
        except InvalidHashError as exc:
            out.error(n, str(exc))
            continue
        out.add(n, kind, line)
    return out


def read_csv(text: str, *, signal_type: str | None = None, filename: str | None = None
             ) -> Parsed:
    out = Parsed()
    reader = csv.DictReader(io.StringIO(text))
    fields = {f.strip().lower() for f in reader.fieldnames or []}
    if "value" not in fields and "signal_str" not in fields:
        raise BankError("CSV needs a header with at least `signal_type,value`")
    for row in reader:
        n = reader.line_num
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        value = row.get("value") or row.get("signal_str") or ""
        kind = row.get("signal_type") or signal_type
        if not value:
            out.error(n, "no value")
            continue
        try:
            kind = _type_or_guess(kind, value)
        except InvalidHashError as exc:
            out.error(n, str(exc))
            continue
        out.add(n, kind, value, _split_tags(row.get("tags")))
    return out


def _type_from_te_filename(filename: str | None) -> str | None:
    if not filename:
        return None
    m = re.search(r"simple\.([^./]+)\.te$", filename)
    if not m:
        return None
    try:
        return signal_type_of(m.group(1))
    except InvalidHashError:
        return None


def read_te(text: str, *, signal_type: str | None = None, filename: str | None = None
            ) -> Parsed:
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    if first.lower().startswith("signal_type,"):
        return read_csv(text, signal_type=signal_type)
    file_type = signal_type or _type_from_te_filename(filename)
    if "," in first.split(" ", 1)[0]:
        return _read_te_rows(text, file_type)
    out = Parsed()
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if signal_type:
            out.add(n, signal_type, line)
            continue
        kind, _, value = line.partition(" ")
        if not value:
            try:
                out.add(n, _type_or_guess(file_type, kind), kind)
            except InvalidHashError as exc:
                out.error(n, str(exc))
            continue
        out.add(n, kind, value.strip())
    return out


def _read_te_rows(text: str, signal_type: str | None) -> Parsed:
    """threatexchange CLI state / HMA 1.x rows: indicator[,indicator_id],descriptor_id,
    added_on,labels."""
    out = Parsed()
    for n, row in enumerate(csv.reader(io.StringIO(text)), 1):
        if not row or not row[0].strip():
            continue
        if len(row) not in (4, 5):
            out.error(n, f"expected 4 or 5 fields (indicator,...,labels), got {len(row)}")
            continue
        value = row[0].strip()
        try:
            kind = _type_or_guess(signal_type, value)
        except InvalidHashError as exc:
            out.error(n, str(exc))
            continue
        out.add(n, kind, value, _split_tags(row[-1]))
    return out


def read_hma(text: str, *, signal_type: str | None = None, filename: str | None = None
             ) -> Parsed:
    stripped = text.lstrip()
    if not stripped.startswith(("{", "[")):
        return _read_te_rows(text, signal_type or _type_from_te_filename(filename))
    out = Parsed()
    records: list[tuple[int, object]] = []
    if stripped.startswith("["):
        try:
            records = [(i, r) for i, r in enumerate(json.loads(text), 1)]
        except json.JSONDecodeError as exc:
            raise BankError(f"HMA file is not valid JSON: {exc}") from None
    else:
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                records.append((n, json.loads(line)))
            except json.JSONDecodeError as exc:
                out.error(n, f"not a JSON object: {exc.msg}")
    for n, rec in records:
        if not isinstance(rec, dict):
            out.error(n, "not a JSON object")
            continue
        signals = rec.get("signals") if "signals" in rec else rec
        if not isinstance(signals, dict) or not signals:
            out.error(n, "no signals")
            continue
        meta = rec.get("metadata") or {}
        blob = (meta.get("json") if isinstance(meta, dict) else None) or {}
        tags = list(blob.get("tags") or []) if isinstance(blob, dict) else []
        if isinstance(meta, dict):
            for exchange in meta.get("collab") or {}:
                tags.append(f"collab:{exchange}")
        for name, value in signals.items():
            if not isinstance(value, str):
                out.error(n, f"signal {name!r} is not a string")
                continue
            out.add(n, name, value, tags)
    return out


READERS: dict[str, Callable[..., Parsed]] = {
    "hex": read_hex, "csv": read_csv, "te": read_te, "hma": read_hma}


def read(text: str, fmt: str, *, signal_type: str | None = None,
         filename: str | None = None) -> Parsed:
    if fmt not in READERS:
        raise BankError(f"unknown bank format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if signal_type:
        signal_type = signal_type_of(signal_type)
    return READERS[fmt](text, signal_type=signal_type, filename=filename)


# ---------------------------------------------------------------------------- writers


def write_hex(entries: list[Entry], bank: str) -> str:
    return "".join(f"{e.value}\n" for e in entries if e.signal_type != "vpdq")


def write_csv(entries: list[Entry], bank: str) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["signal_type", "value", "tags", "source", "added_at", "entry_id"])
    for e in entries:
        w.writerow([e.signal_type, e.value, " ".join(e.tags), e.source or "",
                    e.added_at.isoformat(), e.id])
    return buf.getvalue()


def write_te(entries: list[Entry], bank: str) -> str:
    """threatexchange's file exchange format: `<signal_type> <value>` a line."""
    return "".join(f"{TE_NAMES[e.signal_type]} {e.value}\n" for e in entries)


def write_hma(entries: list[Entry], bank: str) -> str:
    """HMA bank content records, one JSON object a line."""
    lines = []
    for e in entries:
        rec = {
            "id": e.id,
            "bank": {"name": bank, "matching_enabled_ratio": 1.0},
            "disable_until_ts": 0,
            "signals": {TE_NAMES[e.signal_type]: e.value},
            "metadata": {"json": {"tags": e.tags, "source": e.source,
                                  "added_at": e.added_at.isoformat()}},
        }
        lines.append(json.dumps(rec, separators=(",", ":")) + "\n")
    return "".join(lines)


WRITERS: dict[str, Callable[[list[Entry], str], str]] = {
    "hex": write_hex, "csv": write_csv, "te": write_te, "hma": write_hma}


def write(entries: list[Entry], fmt: str, bank: str) -> str:
    if fmt not in WRITERS:
        raise BankError(f"unknown bank format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return WRITERS[fmt](entries, bank)
