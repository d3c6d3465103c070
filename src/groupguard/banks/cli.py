"""`groupguard bank ...` and `groupguard match ...` (a stable contract: tools script it).

`--json` output is one JSON object a line. A bad file or line gets an object with an
`error` and the rest of the batch goes on; the exit code is 1 when anything failed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from groupguard.errors import GroupguardError, InvalidHashError, MediaError

bank_app = typer.Typer(help="Hash banks: create, add, import, export, sync.",
                       no_args_is_help=True)


def _settings(ctx: typer.Context):  # type: ignore[no-untyped-def]
    from groupguard.cli import settings_of

    return settings_of(ctx)


def _db(ctx: typer.Context):  # type: ignore[no-untyped-def]
    from groupguard.store import open_database

    return open_database(_settings(ctx))


def _emit(obj: dict, as_json: bool, text: str) -> None:
    typer.echo(json.dumps(obj) if as_json else text)


def _retro(ctx: typer.Context, db, entry_ids: list[int], as_json: bool,  # type: ignore[no-untyped-def]
           notify: bool) -> None:
    from groupguard.banks.retro import after_add

    if not entry_ids:
        return
    report = after_add(db, _settings(ctx), entry_ids, notify=notify)
    if report.matches:
        _emit({"retroactive_matches": report.matches, "media": sorted(report.sha256s),
               "signals": report.signals}, as_json,
              f"retroactive matching: {report.matches} new match(es) on "
              f"{len(report.sha256s)} stored media, {report.signals} signal(s)")


@bank_app.command("create")
def create(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    kind: str = typer.Option("hash", "--kind", help="hash | media | allow"),
    action_policy: str = typer.Option("review", "--action-policy", help="review | act | none"),
    threshold: int = typer.Option(None, "--threshold", help="PDQ distance (default 31)"),
    source: str = typer.Option(None, "--source"),
    verified: bool = typer.Option(False, "--verified/--unverified"),
    description: str = typer.Option(None, "--description"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Create a bank."""
    from groupguard.banks import service

    with _db(ctx).session() as s:
        bank = service.create_bank(s, name, kind=kind, action_policy=action_policy,
                                   pdq_threshold=threshold, source=source, verified=verified,
                                   description=description)
    _emit(bank.to_json(), as_json, f"created bank {bank.name} ({bank.kind}, "
          f"action policy {bank.action_policy})")


@bank_app.command("list")
def list_(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
    """List banks with their entry counts."""
    from groupguard.banks import service

    with _db(ctx).session() as s:
        for b in service.list_banks(s):
            thr = b.pdq_threshold if b.pdq_threshold is not None else "default"
            _emit(b.to_json(), as_json,
                  f"{b.name:<24} {b.kind:<6} {b.action_policy:<7} entries {b.entries:<8} "
                  f"pdq<= {thr}  v{b.version}{'  verified' if b.verified else ''}")


@bank_app.command("add")
def add(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    paths: list[Path] = typer.Argument(..., help="Media files to hash into the bank"),
    keep_media: bool = typer.Option(False, "--keep-media",
                                    help="Media banks: keep the file under the data home"),
    tags: list[str] = typer.Option([], "--tag"),
    source: str = typer.Option(None, "--source"),
    notify: bool = typer.Option(True, "--notify/--no-notify",
                                help="Hand retroactive matches to the pipeline"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Hash media files and add their MD5, SHA-256 and PDQ (vPDQ for video)."""
    from groupguard.banks import service
    from groupguard.banks.media import bank_items, keep
    from groupguard.signals.hashing import hash_path

    settings = _settings(ctx)
    db = _db(ctx)
    with db.session() as s:
        bank = service.get_bank(s, name)
    if keep_media and bank.kind != "media":
        raise GroupguardError(f"--keep-media needs a media bank; {name!r} is a {bank.kind} bank")
    failed = False
    all_ids: list[int] = []
    for path in paths:
        try:
            hashes = hash_path(path, settings=settings, keep_image=keep_media)
            items, notes = bank_items(hashes, settings, augment=keep_media)
            with db.session() as s:
                stored = keep(settings, path, hashes.sha256) if keep_media else None
                ids = service.add_hashes(s, name, items, source=source or str(path.name),
                                         tags=tags, media_sha256=hashes.sha256 if stored
                                         else None)
            all_ids += ids
            _emit({"path": str(path), "sha256": hashes.sha256, "entries": ids, "notes": notes},
                  as_json, f"{path}: {len(set(ids))} entries" + "".join(f" ({n})" for n in notes))
        except (MediaError, InvalidHashError) as exc:
            failed = True
            _emit({"path": str(path), "error": str(exc)}, as_json, f"{path}: error: {exc}")
    _retro(ctx, db, all_ids, as_json, notify)
    if failed:
        raise typer.Exit(1)


@bank_app.command("import")
def import_(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    file: Path = typer.Argument(..., help="Hash list ('-' for stdin)"),
    fmt: str = typer.Option("hex", "--format", help="hex | csv | te | hma"),
    signal_type: str = typer.Option(None, "--signal-type",
                                    help="Type of every value (hex lists; else guessed)"),
    tags: list[str] = typer.Option([], "--tag"),
    source: str = typer.Option(None, "--source"),
    notify: bool = typer.Option(True, "--notify/--no-notify"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Import a hash list; bad lines are reported and skipped."""
    from groupguard.banks.transfer import import_text
    from groupguard.errors import BankError

    try:
        text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise BankError(f"cannot read {file}: {exc}") from None
    db = _db(ctx)
    with db.session() as s:
        report = import_text(s, name, text, fmt, signal_type=signal_type, filename=file.name,
                             source=source or file.name, tags=tags)
    for err in report.errors:
        typer.echo(f"error: {err}", err=True)
    _emit(report.to_json(), as_json,
          f"{name}: read {report.read}, added {report.added}, already present "
          f"{report.existing}, errors {len(report.errors)}")
    _retro(ctx, db, report.entry_ids, as_json, notify)
    if report.errors:
        raise typer.Exit(1)


@bank_app.command("export")
def export(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    fmt: str = typer.Option("csv", "--format", help="hex | csv | te | hma"),
    output: Path = typer.Option(None, "--output", "-o"),
    include_removed: bool = typer.Option(False, "--include-removed"),
) -> None:
    """Write a bank's entries in a format other tools read."""
    from groupguard.banks.transfer import export_text

    with _db(ctx).session() as s:
        text = export_text(s, name, fmt, include_removed=include_removed)
    if output:
        output.write_text(text)
    else:
        typer.echo(text, nl=False)


@bank_app.command("remove")
def remove(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    entry: list[int] = typer.Option([], "--entry", help="Entry id (repeatable)"),
    value: list[str] = typer.Option([], "--value", help="TYPE:VALUE (repeatable)"),
    all_: bool = typer.Option(False, "--all", help="Every entry of the bank"),
    reason: str = typer.Option(None, "--reason"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Remove entries (they stay as tombstones, so exports and matchers see it)."""
    from groupguard.banks import service
    from groupguard.errors import BankError

    if not (entry or value or all_):
        raise BankError("say what to remove: --entry ID, --value TYPE:VALUE or --all")
    removed = 0
    with _db(ctx).session() as s:
        service.get_bank(s, name)
        for eid in entry:
            e = service.get_entry(s, eid)
            if e.bank != name:
                raise BankError(f"entry {eid} is in bank {e.bank!r}, not {name!r}")
            removed += service.remove_entry(s, eid, reason=reason)
        for v in value:
            kind, _, val = v.partition(":")
            removed += service.remove_value(s, name, kind, val, reason=reason)
        if all_:
            removed += service.clear_bank(s, name, reason=reason)
    _emit({"bank": name, "removed": removed}, as_json, f"{name}: removed {removed}")


@bank_app.command("sync")
def sync(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    exchange: str = typer.Option(..., "--exchange", help="ncmec | stopncii"),
    endpoint: str = typer.Option(None, "--endpoint", help="API base URL"),
    full: bool = typer.Option(False, "--full", help="Ignore the checkpoint"),
    notify: bool = typer.Option(True, "--notify/--no-notify"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Fetch a hash-sharing exchange into a bank. Credentials come from the environment:
    GROUPGUARD_NCMEC_USER, GROUPGUARD_NCMEC_PASSWORD (and GROUPGUARD_NCMEC_ENVIRONMENT,
    default Industry); GROUPGUARD_STOPNCII_KEY, GROUPGUARD_STOPNCII_FETCH_KEY."""
    import os

    from groupguard.banks.exchanges import sync_bank

    env = os.environ
    credentials = {
        "ncmec": {"user": env.get("GROUPGUARD_NCMEC_USER"),
                  "password": env.get("GROUPGUARD_NCMEC_PASSWORD"),
                  "environment": env.get("GROUPGUARD_NCMEC_ENVIRONMENT") or "Industry"},
        "stopncii": {"key": env.get("GROUPGUARD_STOPNCII_KEY"),
                     "fetch_key": env.get("GROUPGUARD_STOPNCII_FETCH_KEY")},
    }.get(exchange, {})
    db = _db(ctx)
    report = sync_bank(db, name, exchange, endpoint=endpoint, credentials=credentials,
                       full=full)
    _emit(report.to_json(), as_json,
          f"{name} <- {exchange}: fetched {report.fetched}, added {report.added}, "
          f"removed {report.removed}, errors {len(report.errors)}")
    for err in report.errors:
        typer.echo(f"error: {err}", err=True)
    _retro(ctx, db, report.entry_ids, as_json, notify)
    if report.errors:
        raise typer.Exit(1)


def match(
    ctx: typer.Context,
    paths: list[Path] = typer.Argument(None, help="Media files"),
    pdq_file: Path = typer.Option(None, "--pdq-file", help="One 64-hex PDQ hash a line"),
    bank: list[str] = typer.Option([], "--bank", help="Only these banks (repeatable)"),
    variants: bool = typer.Option(False, "--variants",
                                  help="Also search query-side variants (flips, trims...)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Match media or PDQ hashes against the banks: one result a query, in input order."""
    from groupguard.banks.matcher import Matcher
    from groupguard.signals.hashing import hash_path
    from groupguard.signals.pdq import validate_pdq

    if not paths and pdq_file is None:
        raise typer.BadParameter("give media PATHs or --pdq-file FILE")
    settings = _settings(ctx)
    matcher = Matcher.from_db(_db(ctx), settings)
    wanted = set(bank)
    failed = False

    def out(query: str, found, notes=()) -> None:  # type: ignore[no-untyped-def]
        rows = [m for m in found if not wanted or m.bank in wanted]
        obj: dict = {"query": query,
                     "matches": [{"bank": m.bank, "entry": m.entry_id, "signal": m.signal_type,
                                  "distance": m.distance, "variant": m.variant,
                                  "suppressed_by": m.suppressed_by} for m in rows]}
        if notes:
            obj["notes"] = list(notes)
        text = f"{query}: " + (", ".join(
            f"{m.bank}#{m.entry_id} {m.signal_type} d={m.distance}"
            + (f" via {m.variant}" if m.variant != "original" else "")
            + (f" (suppressed by {m.suppressed_by})" if m.suppressed_by else "")
            for m in rows) or "no match")
        _emit(obj, as_json, text)

    def bad(query: str, exc: Exception) -> None:
        nonlocal failed
        failed = True
        _emit({"query": query, "error": str(exc)}, as_json, f"{query}: error: {exc}")

    for path in paths or []:
        try:
            hashes = hash_path(path, settings=settings, variants=variants)
        except MediaError as exc:
            bad(str(path), exc)
            continue
        outcome = matcher.match_detail(hashes)
        out(str(path), outcome.matches, outcome.notes)
    if pdq_file is not None:
        try:
            lines = (sys.stdin.read() if str(pdq_file) == "-" else pdq_file.read_text()
                     ).splitlines()
        except OSError as exc:
            raise GroupguardError(f"cannot read {pdq_file}: {exc}") from None
        for n, line in enumerate(lines, 1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            try:
                pdq = validate_pdq(text)
            except InvalidHashError as exc:
                bad(text, InvalidHashError(f"line {n}: {exc}"))
                continue
            out(pdq, matcher.match_pdq(pdq))
    if failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(bank_app, name="bank")
    app.command("match")(match)

