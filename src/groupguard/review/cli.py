"""Commands of the review area: console users and case work for scripting.

  groupguard user create NAME --role reviewer [--password PW]
  groupguard cases list [--status open] [--kind review|triage|appeal] [--json]
  groupguard cases decide CASE_ID --decision confirm --category A1 --user NAME
"""

from __future__ import annotations

import json

import typer

from groupguard.errors import GroupguardError


def register(app: typer.Typer) -> None:
    user_app = typer.Typer(help="Console users (reviewers, investigators, admins, auditors).",
                           no_args_is_help=True)
    cases_app = typer.Typer(help="Review cases: list, decide, appeal.", no_args_is_help=True)
    app.add_typer(user_app, name="user")
    app.add_typer(cases_app, name="cases")

    @user_app.command("create")
    def user_create(
        ctx: typer.Context,
        name: str = typer.Argument(..., help="Login name"),
        role: str = typer.Option(..., "--role", help="reviewer | investigator | admin | auditor"),
        password: str = typer.Option(None, "--password",
                                     help="For scripts; prompted for when omitted"),
        media: bool = typer.Option(None, "--media/--no-media",
                                   help="May view child-safety media (default: reviewers "
                                        "and investigators yes, others no)"),
    ) -> None:
        """Create a console account."""
        from groupguard.review.users import create_user

        if password is None:
            password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        with _session(ctx) as s:
            user = create_user(s, name, role=role, password=password, can_view_media=media,
                               actor="cli")
        typer.echo(f"created {user.name} ({user.role}"
                   f"{', may view media' if user.can_view_media else ''})")

    @user_app.command("list")
    def user_list(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
        """List console accounts."""
        from groupguard.review.users import list_users

        with _session(ctx) as s:
            people = list_users(s)
        for u in people:
            if as_json:
                typer.echo(json.dumps({"name": u.name, "role": u.role,
                                       "can_view_media": u.can_view_media,
                                       "active": u.active}))
            else:
                typer.echo(f"{u.name}\t{u.role}\t{'media' if u.can_view_media else '-'}"
                           f"\t{'active' if u.active else 'disabled'}")

    @cases_app.command("list")
    def cases_list(
        ctx: typer.Context,
        status: str = typer.Option("open", "--status", help="open | escalated | closed | all"),
        kind: str = typer.Option(None, "--kind",
                                 help="review (cases) | triage (unverified user reports, "
                                      "not cases) | appeal"),
        signal_type: str = typer.Option(None, "--signal-type"),
        bank: str = typer.Option(None, "--bank"),
        group: str = typer.Option(None, "--group"),
        limit: int = typer.Option(0, "--limit", help="At most this many (0: all)"),
        as_json: bool = typer.Option(False, "--json", help="One JSON object per case"),
    ) -> None:
        """Cases in work order (severity, then deadline)."""
        from groupguard.review.queue import QueueFilters, list_queue

        f = QueueFilters(status=status, kind=kind, signal_type=signal_type, bank=bank,
                         group=group)
        entries = []
        with _session(ctx) as s:
            while True:
                page = list_queue(s, None, f, limit=500, offset=len(entries))
                entries += page
                if len(page) < 500 or (limit and len(entries) >= limit):
                    break
        for e in entries[:limit or None]:
            if as_json:
                typer.echo(json.dumps(e.as_dict(), sort_keys=True))
            else:
                kinds = ", ".join(f"{k}×{n}" for k, n in e.signal_kinds.items()) or "-"
                kind = {"review": "case", "triage": "triage"}.get(e.kind, e.kind)
                typer.echo(f"#{e.id}\t{kind}\t{e.status}\tsev {e.severity}\t{e.subject}\t"
                           f"{'OVERDUE ' if e.overdue else ''}{kinds}\t{e.reason}")

    @cases_app.command("decide")
    def cases_decide(
        ctx: typer.Context,
        case_id: int = typer.Argument(...),
        decision: str = typer.Option(..., "--decision",
                                     help="confirm | dismiss | escalate (uphold | reverse "
                                          "for appeals)"),
        category: str = typer.Option(None, "--category", help="A1 | A2 | B1 | B2 (confirm)"),
        user: str = typer.Option(..., "--user", help="The console user deciding"),
        note: str = typer.Option(None, "--note"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Decide a case as a console user (their permissions apply)."""
        from groupguard.cli import settings_of
        from groupguard.review.decide import decide
        from groupguard.review.users import get_user

        settings = settings_of(ctx)
        with _session(ctx) as s:
            result = decide(s, settings, get_user(s, user), case_id, decision,
                            category=category, note=note)
        if as_json:
            typer.echo(json.dumps(result.as_dict(), sort_keys=True))
        else:
            typer.echo(f"case {case_id}: {result.outcome}; decision {result.decision_id}; "
                       f"{len(result.actions)} action(s); allow-listed {result.allow_listed}"
                       + "".join(f"; {p}" for p in result.pending))

    @cases_app.command("appeal")
    def cases_appeal(
        ctx: typer.Context,
        subject: str = typer.Argument(..., help="account:<id> or group:<id>"),
        statement: str = typer.Option(..., "--statement"),
        filed_by: str = typer.Option("cli", "--filed-by"),
    ) -> None:
        """Open an appeal case for an actioned account or group."""
        from groupguard.review.appeals import open_appeal
        from groupguard.signals.base import Subject

        kind, _, ident = subject.partition(":")
        if kind not in ("account", "group") or not ident:
            raise GroupguardError("subject must be account:<id> or group:<id>")
        with _session(ctx) as s:
            case_id = open_appeal(s, Subject(kind, ident), statement,  # type: ignore[arg-type]
                                  filed_by=filed_by)
        typer.echo(f"appeal case {case_id} opened")

    @cases_app.command("followups")
    def cases_followups(ctx: typer.Context) -> None:
        """Retry pending follow-ups of decisions (report drafts)."""
        from groupguard.cli import settings_of
        from groupguard.review.effects import run_pending

        with _session(ctx) as s:
            out = run_pending(s, settings_of(ctx))
        typer.echo(json.dumps(out))


class _session:
    """A unit of work on the configured store, migrated on open."""

    def __init__(self, ctx: typer.Context):
        from groupguard.cli import settings_of
        from groupguard.store import open_database

        self.db = open_database(settings_of(ctx))

    def __enter__(self):  # type: ignore[no-untyped-def]
        self._cm = self.db.session()
        return self._cm.__enter__()

    def __exit__(self, *exc):  # type: ignore[no-untyped-def]
        try:
            return self._cm.__exit__(*exc)
        finally:
            self.db.dispose()
