"""report (NCMEC CyberTipline), evidence, le (law-enforcement requests), transparency."""

from __future__ import annotations

import getpass
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from groupguard.store import open_database

out = Console()

ACTOR_HELP = "Who is acting, for the audit log and chain of custody"


def _default_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user database in some containers
        return "cli:unknown"


def _emit(items: list[dict[str, Any]], as_json: bool, columns: list[str], title: str) -> None:
    if as_json:
        for item in items:
            typer.echo(json.dumps(item, default=str, sort_keys=True))
        return
    table = Table(title=title)
    for col in columns:
        table.add_column(col)
    for item in items:
        table.add_row(*(str(item.get(c, "")) for c in columns))
    out.print(table)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:80]


def register(app: typer.Typer) -> None:
    from groupguard.cli import settings_of

    report_app = typer.Typer(help="NCMEC CyberTipline reports: draft, send, list, retract.",
                             no_args_is_help=True)
    evidence_app = typer.Typer(help="Preserved evidence: list, custody, read, holds, purge.",
                               no_args_is_help=True)
    le_app = typer.Typer(help="Law-enforcement requests: intake, queue, preserve, disclose.",
                         no_args_is_help=True)
    app.add_typer(report_app, name="report")
    app.add_typer(evidence_app, name="evidence")
    app.add_typer(le_app, name="le")

    # -- report -------------------------------------------------------------------------
    @report_app.command("draft")
    def report_draft(
        ctx: typer.Context,
        case_id: int = typer.Argument(..., help="A confirmed review case"),
        out_dir: Path = typer.Option(..., "--out", help="Folder for the report XML files"),
        actor: str = typer.Option(None, help=ACTOR_HELP),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Draft the case's reports without sending: DIR/report.xml (one reported account)
        or DIR/report-<account>.xml (several), and DIR/files.json, the manifest."""
        from groupguard.reporting.ncmec.drafts import draft_reports_for_case, file_from_record
        from groupguard.reporting.ncmec.schema import validate
        from groupguard.reporting.ncmec.xml import build_file_details
        from groupguard.store.tables_reporting import ncmec_report_files, ncmec_reports

        settings = settings_of(ctx)
        db = open_database(settings)
        try:
            with db.session() as s:
                ids = draft_reports_for_case(s, settings, case_id,
                                             actor=actor or _default_actor())
            with db.session() as s:
                reports = s.execute(select(ncmec_reports).where(
                    ncmec_reports.c.id.in_(ids)).order_by(ncmec_reports.c.id)).all()
                files = s.execute(select(ncmec_report_files).where(
                    ncmec_report_files.c.report_id.in_(ids))
                    .order_by(ncmec_report_files.c.id)).all()
        finally:
            db.dispose()
        out_dir.mkdir(parents=True, exist_ok=True)
        manifest: dict[str, Any] = {"case_id": case_id, "reports": []}
        for r in reports:
            name = "report.xml" if len(reports) == 1 else f"report-{_safe(r.account_id)}.xml"
            (out_dir / name).write_text(r.xml, encoding="utf-8")
            entries = []
            for f in files:
                if f.report_id != r.id:
                    continue
                preview = build_file_details(file_from_record(f.details), report_id=0,
                                             file_id="pending")
                validate(preview, what=f"fileDetails for {f.sha256}")
                entries.append({**f.details, "file_details_preview": preview})
            manifest["reports"].append({
                "report_id": r.id, "account_id": r.account_id, "status": r.status,
                "xml": name, "ncmec_report_id": r.ncmec_report_id, "files": entries,
                "withheld": (r.summary or {}).get("withheld", [])})
        (out_dir / "files.json").write_text(json.dumps(manifest, indent=2) + "\n")
        if as_json:
            for rep in manifest["reports"]:
                typer.echo(json.dumps({k: rep[k] for k in ("report_id", "account_id", "xml",
                                                           "status")} |
                                      {"files": len(rep["files"])}))
        else:
            for rep in manifest["reports"]:
                out.print(f"report {rep['report_id']} for account {rep['account_id']}: "
                          f"{len(rep['files'])} file(s) -> {out_dir / rep['xml']}")
            out.print(f"manifest: {out_dir / 'files.json'}")

    @report_app.command("send")
    def report_send(
        ctx: typer.Context,
        case_id: int = typer.Argument(..., help="The case whose reports to file"),
        actor: str = typer.Option(None, help=ACTOR_HELP),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """File the case's reports with NCMEC (drafting them first if needed). Safe to
        re-run after a failure: it resumes instead of filing twice."""
        from groupguard.reporting.config import load_config
        from groupguard.reporting.ncmec.client import NcmecClient
        from groupguard.reporting.ncmec.send import send_case

        settings = settings_of(ctx)
        config = load_config(settings)
        db = open_database(settings)
        try:
            with NcmecClient.from_config(config) as client:
                ids = send_case(db, settings, case_id, actor=actor or _default_actor(),
                                client=client, config=config)
        finally:
            db.dispose()
        for ncmec_id in ids:
            if as_json:
                typer.echo(json.dumps({"case_id": case_id, "ncmec_report_id": ncmec_id,
                                       "environment": config.ncmec_environment}))
            else:
                out.print(f"filed NCMEC report {ncmec_id} ({config.ncmec_environment})")

    @report_app.command("list")
    def report_list(
        ctx: typer.Context,
        case_id: int = typer.Option(None, "--case"),
        status: str = typer.Option(None, help="draft | submitted | finished | retracted"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Reports and where each stands."""
        from groupguard.reporting.ncmec.reports import list_reports

        settings = settings_of(ctx)
        db = open_database(settings)
        try:
            with db.session() as s:
                items = list_reports(s, case_id=case_id, status=status)
        finally:
            db.dispose()
        _emit(items, as_json, ["id", "case_id", "account_id", "status", "ncmec_report_id",
                               "files", "updated_at", "last_error"], "CyberTipline reports")

    @report_app.command("retract")
    def report_retract(
        ctx: typer.Context,
        report_id: int = typer.Argument(...),
        actor: str = typer.Option(None, help=ACTOR_HELP),
    ) -> None:
        """Withdraw a submitted report that is not finished yet."""
        from groupguard.reporting.config import load_config
        from groupguard.reporting.ncmec.client import NcmecClient
        from groupguard.reporting.ncmec.send import retract_report

        settings = settings_of(ctx)
        db = open_database(settings)
        try:
            with NcmecClient.from_config(load_config(settings)) as client:
                retract_report(db, report_id, actor=actor or _default_actor(), client=client)
        finally:
            db.dispose()
        out.print(f"report {report_id} retracted")

    @report_app.command("status")
    def report_status(ctx: typer.Context) -> None:
        """Check that NCMEC's API is reachable with the configured credentials."""
        from groupguard.reporting.config import load_config
        from groupguard.reporting.ncmec.client import NcmecClient

        config = load_config(settings_of(ctx))
        with NcmecClient.from_config(config) as client:
            resp = client.status()
        out.print(f"{config.ncmec_base_url}: OK ({resp.description or 'no description'})")

    # -- evidence -----------------------------------------------------------------------
    @evidence_app.command("list")
    def evidence_list(ctx: typer.Context,
                      as_json: bool = typer.Option(False, "--json")) -> None:
        """Preserved evidence and how long it is kept."""
        from groupguard.reporting.evidence import list_evidence

        db = open_database(settings_of(ctx))
        try:
            with db.session() as s:
                items = list_evidence(s)
        finally:
            db.dispose()
        _emit(items, as_json, ["sha256", "kind", "size", "jurisdiction", "legal_hold",
                               "retained_until", "created_by"], "Evidence")

    @evidence_app.command("preserve")
    def evidence_preserve(
        ctx: typer.Context,
        path: Path = typer.Argument(..., exists=True, dir_okay=False),
        reason: str = typer.Option(..., help="Why it is preserved"),
        jurisdiction: str = typer.Option("US"),
        actor: str = typer.Option(None, help=ACTOR_HELP),
    ) -> None:
        """Preserve a file as evidence (encrypted at rest)."""
        import hashlib

        from groupguard.reporting.evidence import preserve_media

        settings = settings_of(ctx)
        data = path.read_bytes()
        db = open_database(settings)
        try:
            with db.session() as s:
                ev = preserve_media(s, settings, data, sha256=hashlib.sha256(data).hexdigest(),
                                    reason=reason, actor=actor or _default_actor(),
                                    jurisdiction=jurisdiction)
        finally:
            db.dispose()
        typer.echo(ev)

    @evidence_app.command("show")
    def evidence_show(ctx: typer.Context, sha256: str = typer.Argument(...),
                      as_json: bool = typer.Option(False, "--json")) -> None:
        """The chain of custody of one piece of evidence."""
        from groupguard.reporting.evidence import custody_chain

        db = open_database(settings_of(ctx))
        try:
            with db.session() as s:
                chain = custody_chain(s, sha256)
        finally:
            db.dispose()
        _emit(chain, as_json, ["ts", "actor", "action", "reason"], f"Custody of {sha256}")

    @evidence_app.command("get")
    def evidence_get(
        ctx: typer.Context,
        sha256: str = typer.Argument(...),
        out_path: Path = typer.Option(..., "--out", help="Where to write the plaintext"),
        why: str = typer.Option(..., help="Why you need it (audit-logged)"),
        actor: str = typer.Option(None, help=ACTOR_HELP),
    ) -> None:
        """Decrypt evidence to a file. Audit-logged."""
        from groupguard.reporting.evidence import read_media

        settings = settings_of(ctx)
        db = open_database(settings)
        try:
            with db.session() as s:
                data = read_media(s, settings, sha256, actor=actor or _default_actor(),
                                  why=why)
        finally:
            db.dispose()
        out_path.write_bytes(data)
        out.print(f"wrote {len(data)} bytes to {out_path}")

    @evidence_app.command("hold")
    def evidence_hold(
        ctx: typer.Context,
        sha256: str = typer.Argument(...),
        reason: str = typer.Option(..., help="The matter the hold is for"),
        release: bool = typer.Option(False, "--release", help="Lift the hold instead"),
        actor: str = typer.Option(None, help=ACTOR_HELP),
    ) -> None:
        """Set (or lift) a legal hold: held evidence is never purged."""
        from groupguard.reporting.evidence import set_legal_hold

        db = open_database(settings_of(ctx))
        try:
            with db.session() as s:
                set_legal_hold(s, sha256, actor=actor or _default_actor(), reason=reason,
                               hold=not release)
        finally:
            db.dispose()
        out.print(f"legal hold {'lifted' if release else 'set'} on {sha256}")

    @evidence_app.command("rewrap")
    def evidence_rewrap(ctx: typer.Context,
                        actor: str = typer.Option(None, help=ACTOR_HELP)) -> None:
        """After a key rotation: re-wrap every data key under the current master key, so
        the retired keys (evidence_retired_key_files) can be destroyed."""
        from groupguard.reporting.evidence import rewrap_all

        settings = settings_of(ctx)
        db = open_database(settings)
        try:
            with db.session() as s:
                moved = rewrap_all(s, settings, actor=actor or _default_actor())
        finally:
            db.dispose()
        out.print(f"re-wrapped {moved} data key(s) under the current master key")

    @evidence_app.command("purge")
    def evidence_purge(
        ctx: typer.Context,
        dry_run: bool = typer.Option(False, "--dry-run"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Delete evidence whose retention has expired (unless under a legal hold)."""
        from groupguard.reporting.retention import purge_expired

        settings = settings_of(ctx)
        db = open_database(settings)
        try:
            with db.session() as s:
                result = purge_expired(s, settings, dry_run=dry_run)
        finally:
            db.dispose()
        summary = {"purged": result.purged, "held": result.held, "dry_run": dry_run,
                   "orphans_removed": result.orphans_removed}
        if as_json:
            typer.echo(json.dumps(summary))
        else:
            verb = "would purge" if dry_run else "purged"
            out.print(f"{verb} {len(result.purged)}; kept by legal hold {len(result.held)}")

    # -- law enforcement ------------------------------------------------------------------
    @le_app.command("add")
    def le_add(
        ctx: typer.Context,
        agency: str = typer.Option(...),
        jurisdiction: str = typer.Option(..., help="e.g. US, IN"),
        legal_process: str = typer.Option(..., "--process", help="Subpoena, warrant, notice"),
        account: list[str] = typer.Option([], help="Account named (repeatable)"),
        group: list[str] = typer.Option([], help="Group named (repeatable)"),
        deadline: datetime = typer.Option(None, help="Default: the jurisdiction's time"),
        emergency: bool = typer.Option(False, "--emergency"),
        reference: str = typer.Option(None, help="The agency's case number"),
        actor: str = typer.Option(None, help=ACTOR_HELP),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Record a law-enforcement request."""
        from groupguard.reporting.lawenforcement import get_request, intake

        settings = settings_of(ctx)
        db = open_database(settings)
        try:
            with db.session() as s:
                rid = intake(s, settings, agency=agency, jurisdiction=jurisdiction,
                             legal_process=legal_process, emergency=emergency,
                             subjects=[("account", a) for a in account]
                             + [("group", g) for g in group],
                             deadline=deadline, reference=reference,
                             actor=actor or _default_actor())
            with db.session() as s:
                item = get_request(s, rid)
        finally:
            db.dispose()
        if as_json:
            typer.echo(json.dumps(item, default=str))
        else:
            out.print(f"request {rid}: due {item['deadline']} ({item['time_left']} left)")

    @le_app.command("list")
    def le_list(ctx: typer.Context,
                all_: bool = typer.Option(False, "--all", help="Include answered requests"),
                as_json: bool = typer.Option(False, "--json")) -> None:
        """Requests in working order: emergency first, then by deadline, with time left."""
        from groupguard.reporting.lawenforcement import list_requests

        db = open_database(settings_of(ctx))
        try:
            with db.session() as s:
                items = list_requests(s, include_answered=all_)
        finally:
            db.dispose()
        _emit(items, as_json, ["id", "emergency", "agency", "jurisdiction", "status",
                               "deadline", "time_left", "subjects"],
              "Law-enforcement requests")

    @le_app.command("preserve")
    def le_preserve(ctx: typer.Context, request_id: int = typer.Argument(...),
                    actor: str = typer.Option(None, help=ACTOR_HELP)) -> None:
        """Preserve everything the request names."""
        from groupguard.reporting.lawenforcement import preserve_for_request

        settings = settings_of(ctx)
        db = open_database(settings)
        try:
            with db.session() as s:
                result = preserve_for_request(s, settings, request_id,
                                              actor=actor or _default_actor())
        finally:
            db.dispose()
        typer.echo(json.dumps(result))

    @le_app.command("disclose")
    def le_disclose(ctx: typer.Context, request_id: int = typer.Argument(...),
                    out_dir: Path = typer.Option(..., "--out"),
                    actor: str = typer.Option(None, help=ACTOR_HELP)) -> None:
        """Write the signed disclosure package and mark the request answered."""
        from groupguard.reporting.lawenforcement import build_disclosure

        settings = settings_of(ctx)
        db = open_database(settings)
        try:
            with db.session() as s:
                path = build_disclosure(s, settings, request_id, out_dir,
                                        actor=actor or _default_actor())
        finally:
            db.dispose()
        out.print(f"disclosure package: {path} (verify with `groupguard le verify {path}`)")

    @le_app.command("verify")
    def le_verify(package: Path = typer.Argument(..., exists=True, file_okay=False)) -> None:
        """Check a disclosure package's signature and hashes."""
        from groupguard.reporting.lawenforcement import verify_package

        problems = verify_package(package)
        for p in problems:
            out.print(f"[red]{p}[/red]")
        if problems:
            raise typer.Exit(1)
        out.print("package intact: signature and every hash verify")

    # -- transparency ---------------------------------------------------------------------
    @app.command("transparency")
    def transparency(
        ctx: typer.Context,
        month: str = typer.Option(..., help="YYYY-MM"),
        out_dir: Path = typer.Option(Path("."), "--out", help="Folder for JSON, CSV, HTML"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Write the monthly transparency report (JSON, CSV and an HTML page with charts)."""
        from groupguard.reporting.transparency import month_metrics, write_report

        db = open_database(settings_of(ctx))
        try:
            with db.session() as s:
                metrics = month_metrics(s, month)
        finally:
            db.dispose()
        paths = write_report(metrics, out_dir)
        if as_json:
            typer.echo(json.dumps({k: str(v) for k, v in paths.items()}))
        else:
            for kind, path in paths.items():
                out.print(f"{kind}: {path}")
