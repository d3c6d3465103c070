"""Matching media hashes against every bank.

- Exact digests (MD5, SHA-256) are looked up in the database (indexed by value), so they
  are always current and cost no memory however long the lists grow.
- PDQ goes through the Hamming index (groupguard.index) at the largest bank threshold, then
  each bank's own threshold applies. Query-side variants (`MediaHashes.pdq_variants`) are
  searched too and the variant that matched is reported.
- vPDQ entries are compared with Meta's vPDQ rule (signals.vpdq.match_vpdq).
- PDQ of quality below settings.pdq_min_quality is not matched perceptually; the reason is
  kept (`MatchOutcome.notes`). Digests still match.
- A match in an allow bank suppresses every other match of the same media.

The matcher catches up incrementally (`refresh`): new entries by id, removals from the
bank_removals log. With a data home it keeps the index there (snapshot + journal) so a
restart loads it instead of rebuilding.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from groupguard.banks.signal_types import vpdq_frames
from groupguard.banks.video_entries import VideoEntries
from groupguard.config import Settings
from groupguard.index import HammingIndex
from groupguard.index.persist import IndexFileError, Journal, load, save
from groupguard.signals.variants import AUG_PREFIX, variant_threshold
from groupguard.signals.video_variants import match_video_variants
from groupguard.signals.vpdq import match_vpdq
from groupguard.store import Database
from groupguard.store.tables import bank_entries, banks
from groupguard.store.tables_banks import bank_removals

log = logging.getLogger(__name__)


@dataclass
class BankMatch:
    bank: str
    bank_kind: str
    action_policy: str
    verified: bool
    entry_id: int
    signal_type: str
    value: str
    distance: int
    variant: str
    tags: list[str]
    suppressed_by: str | None = None

    def to_json(self) -> dict[str, object]:
        return {"bank": self.bank, "entry": self.entry_id, "signal": self.signal_type,
                "distance": self.distance, "variant": self.variant,
                "bank_kind": self.bank_kind, "action_policy": self.action_policy,
                "verified": self.verified, "tags": self.tags,
                "suppressed_by": self.suppressed_by}


@dataclass
class MatchOutcome:
    matches: list[BankMatch]
    notes: list[str] = field(default_factory=list)


@dataclass
class _BankInfo:
    name: str
    kind: str
    action_policy: str
    verified: bool
    pdq_threshold: int | None
    version: int


class _Reader:
    """Read-only sessions for the matcher. On SQLite every Database session begins
    IMMEDIATE (the write lock); the matcher is often called inside such a session (the
    pipeline's unit of work), so its own reads go through a second engine in autocommit
    mode: WAL lets them proceed beside the open writer."""

    def __init__(self, db: Database):
        self.db = db
        self._engine = None
        if db.is_sqlite:
            from sqlalchemy import create_engine, event

            engine = create_engine(db.url, connect_args={"check_same_thread": False,
                                                         "timeout": 30})

            def _pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA busy_timeout=30000")
                cur.close()
                dbapi_conn.isolation_level = None

            event.listen(engine, "connect", _pragmas)
            self._engine = engine

    @contextmanager
    def session(self) -> Iterator[Session]:
        if self._engine is None:
            with self.db.session() as s:
                yield s
            return
        with Session(self._engine) as s:
            yield s


def _home_of(db: Database) -> Path | None:
    """The data home holds the SQLite database by default; reuse it for the index."""
    if db.is_sqlite and db.url.startswith("sqlite:///") and ":memory:" not in db.url:
        return Path(db.url[len("sqlite:///"):]).parent
    return None


class Matcher:
    """Build with `Matcher.from_db(db, settings=...)`; call `.match(hashes)`."""

    # Snapshot again when the journal holds this share of the index (and at least 10k ops).
    COMPACT_SHARE = 0.1

    def __init__(self, db: Database, settings: Settings | None = None, *,
                 index_dir: Path | None = None, auto_refresh_seconds: float = 1.0):
        self.db = db
        self._reader = _Reader(db)
        self.settings = settings or Settings()
        self.auto_refresh_seconds = auto_refresh_seconds
        self._banks: dict[str, _BankInfo] = {}
        self._bank_stamp: tuple[int, int] | None = None
        self._index = HammingIndex(threshold=self.settings.pdq_threshold)
        self._vpdq = VideoEntries(self.settings.pdq_min_quality)
        self._cursor = 0  # highest bank_entries.id seen
        self._removal_cursor = 0  # highest bank_removals.seq applied
        self._last_check = 0.0
        self._index_dir = index_dir
        self._journal: Journal | None = None
        self.loaded_from_disk = False

    @classmethod
    def from_db(cls, db: Database, settings: Settings | None = None, *,
                persist: bool = True, auto_refresh_seconds: float = 1.0) -> Matcher:
        index_dir = None
        if persist:
            home = settings.home if settings is not None else _home_of(db)
            if home is not None:
                index_dir = Path(home) / "index" / "pdq"
        m = cls(db, settings, index_dir=index_dir, auto_refresh_seconds=auto_refresh_seconds)
        with m._lock():
            m._open()
        with m._reader.session() as session:
            m.refresh(session)
            if m.loaded_from_disk:
                # Another process may have written the shared index meanwhile; one count
                # tells whether the loaded state agrees with the table.
                m._persist_changes(*m._reconcile(session))
        return m

    # ---- persistence --------------------------------------------------------------------

    def _open(self) -> None:
        if self._index_dir is None:
            return
        snap = self._index_dir / "snapshot"
        if snap.exists():
            try:
                index, state = load(snap)
                index.threshold = self.settings.pdq_threshold
                journal = Journal(self._index_dir / "journal.bin")
                journal.replay(index)
                self._index = index
                self._cursor = int(state.get("cursor", 0))
                self._removal_cursor = int(state.get("removal_cursor", 0))
                self._journal = journal
                self._replay_journal_meta()
                self.loaded_from_disk = True
                return
            except (IndexFileError, ValueError, KeyError) as exc:
                log.warning("index at %s unusable (%s); rebuilding from the database",
                            snap, exc)
        self._index_dir.mkdir(parents=True, exist_ok=True)
        self._journal = Journal(self._index_dir / "journal.bin")
        self._journal.truncate()
        self._snapshot()

    def _state(self) -> dict[str, Any]:
        return {"cursor": self._cursor, "removal_cursor": self._removal_cursor}

    @contextmanager
    def _lock(self) -> Iterator[None]:
        """Processes sharing a data home (runner, CLI, web) share the index folder; writes
        to it and loads from it take an exclusive lock."""
        if self._index_dir is None:
            yield
            return
        import fcntl

        self._index_dir.mkdir(parents=True, exist_ok=True)
        with (self._index_dir / "lock").open("a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _snapshot(self) -> None:
        if self._index_dir is None or self._journal is None:
            return
        save(self._index, self._index_dir / "snapshot", state=self._state())
        self._journal.truncate()
        (self._index_dir / "journal.meta").unlink(missing_ok=True)

    def _replay_journal_meta(self) -> None:
        """Cursors written beside the journal since the snapshot."""
        meta = self._index_dir / "journal.meta" if self._index_dir else None
        if meta is None or not meta.exists():
            return
        for line in meta.read_text().splitlines():
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                break  # a torn last line
            self._cursor = max(self._cursor, int(rec.get("cursor", 0)))
            self._removal_cursor = max(self._removal_cursor, int(rec.get("removal_cursor", 0)))

    def _persist_changes(self, added: list[int], removed: list[int]) -> None:
        if self._index_dir is None or self._journal is None or not (added or removed):
            return
        with self._lock():
            self._write_changes(added, removed)

    def _write_changes(self, added: list[int], removed: list[int]) -> None:
        assert self._index_dir is not None and self._journal is not None
        if len(self._journal) + len(added) + len(removed) > max(
                10_000, self.COMPACT_SHARE * len(self._index)):
            self._snapshot()
            return
        for entry_id in added:
            self._journal.add(entry_id, bytes.fromhex(self._index.hash_of(entry_id)))
        for entry_id in removed:
            self._journal.remove(entry_id)
        self._journal.flush()
        rec = {"cursor": self._cursor, "removal_cursor": self._removal_cursor}
        with (self._index_dir / "journal.meta").open("a") as fh:
            fh.write(json.dumps(rec) + "\n")

    # ---- catching up --------------------------------------------------------------------

    def refresh(self, session: Session) -> int:
        """Apply bank changes since the last refresh; returns how many entries changed."""
        self._last_check = time.monotonic()
        self._load_banks(session)
        added: list[int] = []
        removed: list[int] = []
        rows = session.execute(
            select(bank_entries.c.id, bank_entries.c.bank, bank_entries.c.signal_type,
                   bank_entries.c.value)
            .where(bank_entries.c.id > self._cursor, bank_entries.c.removed_at.is_(None))
            .order_by(bank_entries.c.id)).all()
        pdq_rows = [r for r in rows if r.signal_type == "pdq"]
        if pdq_rows:
            self._index.add_many([r.id for r in pdq_rows], [r.value for r in pdq_rows])
            added = [r.id for r in pdq_rows]
        for r in rows:
            if r.signal_type == "vpdq":
                self._vpdq.add(r.id, r.bank, vpdq_frames(r.value))
        top = session.execute(select(func.max(bank_entries.c.id))).scalar()
        self._cursor = max(self._cursor, top or 0)
        for seq, entry_id in session.execute(
                select(bank_removals.c.seq, bank_removals.c.entry_id)
                .where(bank_removals.c.seq > self._removal_cursor)
                .order_by(bank_removals.c.seq)).all():
            self._removal_cursor = seq
            if self._index.remove(entry_id):
                removed.append(entry_id)
            self._vpdq.remove(entry_id)
        if not self._vpdq_loaded:
            self._load_vpdq(session)
        if not self.db.is_sqlite:
            fixed_add, fixed_remove = self._reconcile(session)
            added += fixed_add
            removed += fixed_remove
        self._persist_changes(added, removed)
        return len(added) + len(removed)

    def _reconcile(self, session: Session) -> tuple[list[int], list[int]]:
        """On PostgreSQL, ids come from a sequence and can commit out of order, so an entry
        with an id below the cursor may appear after a refresh. A count tells whether the
        index and the table disagree; only then are the ids compared."""
        live = (bank_entries.c.signal_type == "pdq") & bank_entries.c.removed_at.is_(None)
        n = session.execute(select(func.count()).select_from(bank_entries).where(live)
                            ).scalar_one()
        if n == len(self._index):
            return [], []
        want = set(session.execute(select(bank_entries.c.id).where(live)).scalars())
        have = set(self._index.ids().tolist())
        extra = sorted(have - want)
        for entry_id in extra:
            self._index.remove(entry_id)
        missing = sorted(want - have)
        if missing:
            rows = session.execute(select(bank_entries.c.id, bank_entries.c.value)
                                   .where(bank_entries.c.id.in_(missing))).all()
            self._index.add_many([r.id for r in rows], [r.value for r in rows])
        log.info("index reconciled with the database: +%d -%d", len(missing), len(extra))
        return missing, extra

    _vpdq_loaded = False

    def _load_vpdq(self, session: Session) -> None:
        # vPDQ entries are few (videos); they are read once per process, then by cursor.
        for r in session.execute(
                select(bank_entries.c.id, bank_entries.c.bank, bank_entries.c.value).where(
                    bank_entries.c.signal_type == "vpdq", bank_entries.c.removed_at.is_(None),
                    bank_entries.c.id <= self._cursor)):
            self._vpdq.setdefault(r.id, r.bank, vpdq_frames(r.value))
        self._vpdq_loaded = True

    def _load_banks(self, session: Session) -> None:
        self._banks = {
            r.name: _BankInfo(r.name, r.kind, r.action_policy, bool(r.verified),
                              r.pdq_threshold, r.version)
            for r in session.execute(select(banks))}
        self._bank_stamp = self._stamp(session)

    @staticmethod
    def _stamp(session: Session) -> tuple[int, int]:
        total, n = session.execute(select(func.coalesce(func.sum(banks.c.version), 0),
                                          func.count())).one()
        return int(total), int(n)

    def _maybe_refresh(self) -> None:
        if time.monotonic() - self._last_check < self.auto_refresh_seconds:
            return
        with self._reader.session() as session:
            self._last_check = time.monotonic()
            if self._stamp(session) != self._bank_stamp:
                self.refresh(session)

    def __len__(self) -> int:
        return len(self._index)

    # ---- matching -----------------------------------------------------------------------

    def threshold_of(self, bank: str) -> int:
        info = self._banks.get(bank)
        if info is not None and info.pdq_threshold is not None:
            return info.pdq_threshold
        return self.settings.pdq_threshold

    def match(self, hashes: Any) -> list[BankMatch]:
        return self.match_detail(hashes).matches

    def match_detail(self, hashes: Any) -> MatchOutcome:
        """Every bank entry this media matches, allow-list suppression applied."""
        self._maybe_refresh()
        notes: list[str] = []
        found: list[BankMatch] = []
        with self._reader.session() as session:
            found += self._match_digests(session, hashes.md5, hashes.sha256)
            perceptual = self._match_pdq(hashes, notes)
            perceptual += self._match_vpdq(hashes)
            found += self._describe(session, perceptual)
        return MatchOutcome(self._suppress(found), notes)

    def match_pdq(self, pdq: str) -> list[BankMatch]:
        """A bare PDQ hash (e.g. `groupguard match --pdq-file`): no quality, no digests."""
        self._maybe_refresh()
        with self._reader.session() as session:
            hits = self._pdq_hits([("original", pdq)])
            return self._suppress(self._describe(session, hits))

    def _match_digests(self, session: Session, md5: str | None, sha256: str | None
                       ) -> list[BankMatch]:
        conds = []
        if md5:
            conds.append((bank_entries.c.signal_type == "md5") & (bank_entries.c.value == md5))
        if sha256:
            conds.append((bank_entries.c.signal_type == "sha256")
                         & (bank_entries.c.value == sha256))
        if not conds:
            return []
        out = []
        for r in session.execute(select(bank_entries).where(
                or_(*conds), bank_entries.c.removed_at.is_(None)).order_by(bank_entries.c.id)):
            info = self._bank(session, r.bank)
            if info is None:
                continue
            out.append(BankMatch(info.name, info.kind, info.action_policy, info.verified,
                                 r.id, r.signal_type, r.value, 0, "original",
                                 list(r.tags or [])))
        return out

    def _match_pdq(self, hashes: Any, notes: list[str]) -> list[tuple[int, int, str]]:
        floor = self.settings.pdq_min_quality
        queries: list[tuple[str, str]] = []
        if getattr(hashes, "pdq", None):
            quality = getattr(hashes, "pdq_quality", None)
            reason = getattr(hashes, "not_matchable_reason", None)
            if reason:
                notes.append(reason)
            elif quality is not None and quality < floor:
                notes.append(f"PDQ quality {quality} is below {floor}: not matched "
                             "perceptually (digests still matched)")
            else:
                queries.append(("original", hashes.pdq))
        for name, pdq, quality in getattr(hashes, "pdq_variants", ()) or ():
            if quality is not None and quality < floor:
                notes.append(f"variant {name}: PDQ quality {quality} is below {floor}")
                continue
            queries.append((name, pdq))
        return self._pdq_hits(queries)

    def _pdq_hits(self, queries: list[tuple[str, str]]) -> list[tuple[int, int, str]]:
        """Every (entry id, distance, variant) within the widest radius; thresholds by bank
        and by variant apply in _describe, which keeps one hit per entry."""
        if not queries or not len(self._index):
            return []
        radius = max([self.threshold_of(b) for b in self._banks] or [0])
        radius = max(radius, self.settings.pdq_threshold)
        results = self._index.query_many([q for _, q in queries], radius)
        return [(entry_id, distance, variant)
                for (variant, _), hits in zip(queries, results, strict=True)
                for entry_id, distance in hits]

    def _match_vpdq(self, hashes: Any) -> list[tuple[int, int, str]]:
        frames = getattr(hashes, "vpdq", None)
        if not frames or not self._vpdq:
            return []
        out = []
        variants = getattr(hashes, "vpdq_variants", None) or {}
        # Targets are compared whole ("original"), so a query frame of any variant within
        # the widest bank distance is what a match needs at the least.
        radius = max([self.threshold_of(b) for b in self._banks] or [0])
        radius = max(radius, self.settings.pdq_threshold)
        query_frames = [f for fs in (frames, *variants.values()) for f in fs]
        for entry_id, (bank, target) in self._vpdq.candidates(query_frames, radius):
            if variants:  # bars trimmed, half frames: signals/video_variants.py
                vm = match_video_variants({"original": frames, **variants},
                                          {"original": target}, distance=self.threshold_of(bank),
                                          min_quality=self.settings.pdq_min_quality)
                if vm.matched and vm.result is not None:
                    share = max(vm.result.query_match_percent, vm.result.target_match_percent)
                    out.append((entry_id, round(100 - share), vm.query_variant or "original"))
                continue
            result = match_vpdq(frames, target, distance=self.threshold_of(bank),
                                min_quality=self.settings.pdq_min_quality)
            if result.is_match():
                # Distance for a video: the share of query frames without a partner, in %.
                out.append((entry_id, round(100 - result.query_match_percent), "original"))
        return out

    def _describe(self, session: Session, hits: list[tuple[int, int, str]]
                  ) -> list[BankMatch]:
        if not hits:
            return []
        rows = {r.id: r for r in session.execute(
            select(bank_entries).where(bank_entries.c.id.in_({h[0] for h in hits})))}
        best: dict[int, tuple[tuple[int, int], int, str]] = {}
        for entry_id, distance, variant in hits:
            r = rows.get(entry_id)
            if r is None or r.removed_at is not None:
                continue  # removed since the last refresh
            if r.signal_type == "pdq":
                limit = self._limit(r.bank, variant, list(r.tags or []))
                if distance > limit:
                    continue
            # The original image first, then the nearest variant.
            rank = (0 if variant == "original" else 1, distance)
            if entry_id not in best or rank < best[entry_id][0]:
                best[entry_id] = (rank, distance, variant)
        out = []
        for entry_id, (_, distance, variant) in sorted(best.items(),
                                                       key=lambda kv: (kv[1][1], kv[0])):
            r = rows[entry_id]
            info = self._bank(session, r.bank)
            if info is None:
                continue
            tags = list(r.tags or [])
            aug = next((t for t in tags if t.startswith(AUG_PREFIX)), None)
            if aug and variant == "original":
                variant = aug
            out.append(BankMatch(info.name, info.kind, info.action_policy, info.verified,
                                 entry_id, r.signal_type, r.value, int(distance), variant,
                                 tags))
        return out

    def _limit(self, bank: str, variant: str, tags: list[str]) -> int:
        """A bank's PDQ radius, narrowed for query variants and bank-side augmented entries
        (each widens what can match, so each gets a tighter radius)."""
        base = self.threshold_of(bank)
        limit = base if variant == "original" else variant_threshold(variant, base)
        for tag in tags:
            if tag.startswith(AUG_PREFIX):
                limit = min(limit, variant_threshold(tag, base))
        return limit

    def _bank(self, session: Session, name: str) -> _BankInfo | None:
        if name not in self._banks:
            self._load_banks(session)
        return self._banks.get(name)

    @staticmethod
    def _suppress(found: list[BankMatch]) -> list[BankMatch]:
        allow = [m for m in found if m.bank_kind == "allow"]
        if allow:
            for m in found:
                if m.bank_kind != "allow":
                    m.suppressed_by = allow[0].bank
        return found
