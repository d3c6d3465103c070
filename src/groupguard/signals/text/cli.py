"""`groupguard text match` and `groupguard terms create|add|import|list|remove`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from groupguard.signals.text import banks as term_banks
from groupguard.signals.text.matcher import TextMatcher, TextResult
from groupguard.signals.text.terms import MODES, TermBankError, TermSpec, read_term_file

text_app = typer.Typer(help="Match texts against term banks.", no_args_is_help=True)
terms_app = typer.Typer(help="Term banks: operator-supplied vocabulary.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(text_app, name="text")
    app.add_typer(terms_app, name="terms")


def _db(ctx: typer.Context):  # type: ignore[no-untyped-def]
    from groupguard.cli import settings_of
    from groupguard.store import open_database

    return open_database(settings_of(ctx))


def _emit(obj: dict[str, Any]) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False, default=str))


def _print_result(r: TextResult) -> None:
    typer.echo(f"{r.text!r} -> {r.normalised!r}")
    if not r.hits:
        typer.echo("  no hits")
    for h in r.hits:
        typer.echo(f"  {h.mode:8} {h.bank}/{h.term!r} span={list(h.span)} "
                   f"score={h.score:.2f} matched={h.matched!r}")


@text_app.command("match")
def match_cmd(
    ctx: typer.Context,
    texts: list[str] = typer.Argument(..., help="Texts to match; '-' reads lines from stdin"),
    bank: list[str] = typer.Option(None, "--bank", help="Only these banks (repeatable)"),
    terms_file: Path = typer.Option(None, "--terms-file",
                                    help="Match against a term file instead of the store"),
    placeholder: bool = typer.Option(False, "--placeholder",
                                     help="Match against the shipped placeholder terms"),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per input"),
) -> None:
    """Normalise texts and match them against term banks."""
    if terms_file is not None:
        specs, errors = read_term_file(terms_file)
        for e in errors:
            typer.secho(f"warning: {terms_file}: {e}", fg=typer.colors.YELLOW, err=True)
        matcher = TextMatcher.from_specs(specs, bank=terms_file.stem)
    elif placeholder:
        matcher = TextMatcher.placeholder()
    else:
        db = _db(ctx)
        try:
            with db.session() as s:
                if bank:
                    for name in bank:
                        term_banks.get_term_bank(s, name)
                matcher = TextMatcher.from_db(s, banks=bank or None)
        finally:
            db.dispose()
    if matcher.semantic_unavailable:
        typer.secho("warning: semantic terms skipped: install groupguard[semantic]",
                    fg=typer.colors.YELLOW, err=True)
    inputs: list[str] = []
    for t in texts:
        if t == "-":
            inputs.extend(line.rstrip("\r\n") for line in sys.stdin)
        else:
            inputs.append(t)
    for result in matcher.match_many(inputs, banks=bank or None):
        if as_json:
            _emit(result.to_dict())
        else:
            _print_result(result)


@terms_app.command("create")
def create_cmd(
    ctx: typer.Context,
    name: str,
    description: str = typer.Option(None, "--description"),
    source: str = typer.Option(None, "--source"),
    strength: float = typer.Option(0.6, "--strength",
                                   help="Signal strength of a full-score hit, in (0, 1]"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Create a term bank."""
    db = _db(ctx)
    try:
        with db.session() as s:
            bank = term_banks.create_term_bank(s, name, description=description, source=source,
                                               strength=strength)
    finally:
        db.dispose()
    if as_json:
        _emit(bank)
    else:
        typer.echo(f"created term bank {name}")


@terms_app.command("add")
def add_cmd(
    ctx: typer.Context,
    bank: str,
    terms: list[str] = typer.Argument(..., help="Terms (a 'mode:' prefix is allowed)"),
    mode: str = typer.Option(None, "--mode", help=f"One of {', '.join(MODES)}"),
    max_distance: int = typer.Option(None, "--max-distance", help="Fuzzy: edits allowed"),
    threshold: float = typer.Option(None, "--threshold", help="Semantic: cosine to match"),
    tag: list[str] = typer.Option(None, "--tag"),
    source: str = typer.Option(None, "--source"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Add terms to a bank."""
    from groupguard.signals.text.terms import parse_line

    specs: list[TermSpec] = []
    for t in terms:
        spec = TermSpec(term=t, mode=mode) if mode else parse_line(t)
        if spec is None:
            continue
        specs.append(TermSpec(term=spec.term, mode=spec.mode, max_distance=max_distance,
                              threshold=threshold))
    db = _db(ctx)
    try:
        with db.session() as s:
            result = term_banks.add_terms(s, bank, specs, source=source, tags=tag or None)
    finally:
        db.dispose()
    _report(result, as_json)
    if result.errors and not result.added:
        raise typer.Exit(1)


@terms_app.command("import")
def import_cmd(
    ctx: typer.Context,
    bank: str,
    path: Path = typer.Argument(..., help="Term file: one term per line, optional mode: prefix"),
    create: bool = typer.Option(False, "--create", help="Create the bank if it is missing"),
    tag: list[str] = typer.Option(None, "--tag"),
    source: str = typer.Option(None, "--source"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Import a term file; bad lines are reported by number, the rest load."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TermBankError(f"cannot read term file {path}: {exc}") from exc
    db = _db(ctx)
    try:
        with db.session() as s:
            if create:
                try:
                    term_banks.get_term_bank(s, bank)
                except TermBankError:
                    term_banks.create_term_bank(s, bank, source=source)
            result = term_banks.import_terms(s, bank, text, source=source or str(path),
                                             tags=tag or None)
    finally:
        db.dispose()
    _report(result, as_json)


def _report(result: term_banks.ImportResult, as_json: bool) -> None:
    if as_json:
        _emit(result.to_dict())
        return
    typer.echo(f"{result.bank}: {len(result.added)} added, {result.skipped} already present, "
               f"{len(result.errors)} rejected")
    for e in result.errors:
        typer.secho(f"  {e}", fg=typer.colors.YELLOW, err=True)


@terms_app.command("list")
def list_cmd(
    ctx: typer.Context,
    bank: str = typer.Argument(None, help="A bank's terms; without it, the banks"),
    removed: bool = typer.Option(False, "--removed", help="Include removed terms"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List term banks, or one bank's terms."""
    db = _db(ctx)
    try:
        with db.session() as s:
            rows = (term_banks.list_terms(s, bank, include_removed=removed) if bank
                    else term_banks.list_term_banks(s))
    finally:
        db.dispose()
    for r in rows:
        if as_json:
            _emit(r)
        elif bank:
            gone = f"  removed {r['removed_at']:%Y-%m-%d}" if r["removed_at"] else ""
            typer.echo(f"{r['id']:>6}  {r['mode']:8} {r['term']}{gone}")
        else:
            typer.echo(f"{r['name']}  {r['terms']} terms  strength={r['strength']}  "
                       f"v{r['version']}  {r['description'] or ''}")


@terms_app.command("remove")
def remove_cmd(
    ctx: typer.Context,
    bank: str,
    term: str = typer.Argument(..., help="A term id or the term's text"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Remove a term (kept as a tombstone)."""
    db = _db(ctx)
    try:
        with db.session() as s:
            n = term_banks.remove_term(s, bank, term)
    finally:
        db.dispose()
    if as_json:
        _emit({"bank": bank, "term": term, "removed": n})
    else:
        typer.echo(f"removed {n} term(s) from {bank}")
