"""The console pages: login, queue, case, settings, users, audit.

Sessions are server-side (review.sessions); every state-changing request carries the
session's CSRF token (a form field, or the X-CSRF-Token header from the page's script);
cookies are HttpOnly and SameSite=Strict; pages forbid framing and foreign scripts."""

from __future__ import annotations

import json
import secrets
from importlib import resources
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from groupguard.config import Settings
from groupguard.errors import GroupguardError, NotFoundError
from groupguard.review import appeals as appeals_mod
from groupguard.review import auditview, casefile, decide, media, queue, users, wellness
from groupguard.review.sessions import (
    COOKIE,
    ConsoleSession,
    csrf_ok,
    end_session,
    load_session,
    start_session,
)
from groupguard.review.web.api import export_response, media_headers, parse_subject
from groupguard.review.web.common import status_of
from groupguard.store import Database
from groupguard.store.audit import record_audit
from groupguard.web.deps import get_db, get_settings

router = APIRouter(prefix="/console", include_in_schema=False)

_env = Environment(loader=PackageLoader("groupguard.review.web", "templates"),
                   autoescape=select_autoescape(["html"]), trim_blocks=True,
                   lstrip_blocks=True)
_env.filters["short"] = lambda v, n=12: (v or "")[:n]
_env.filters["when"] = lambda v: (v or "")[:16].replace("T", " ")
_env.filters["tojson_pretty"] = lambda v: json.dumps(v, indent=1, sort_keys=True, default=str)

STATIC = {"console.css": "text/css", "console.js": "text/javascript"}
LOGIN_CSRF = "gg_login_csrf"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; style-src 'self'; script-src 'self'; object-src 'none'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
CATEGORY_KEYS = {"A1": "1", "A2": "2", "B1": "3", "B2": "4"}


class LoginRequired(HTTPException):
    def __init__(self, next_path: str = "/console/"):
        super().__init__(303, "login required",
                         headers={"Location": "/console/login?" + urlencode({"next": next_path})})


def render(template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    ctx.setdefault("categories", decide.CATEGORIES)
    ctx.setdefault("category_keys", CATEGORY_KEYS)
    html = _env.get_template(template).render(**ctx)
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "-"


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def current(request: Request, db: Database = Depends(get_db)) -> ConsoleSession:
    with db.session() as s:
        sess = load_session(s, request.cookies.get(COOKIE))
    if sess is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(path if request.method == "GET" else "/console/")
    return sess


def check_csrf(request: Request, sess: ConsoleSession, form_token: str | None) -> None:
    token = form_token or request.headers.get("x-csrf-token")
    if not csrf_ok(sess.csrf_token, token):
        raise HTTPException(403, "missing or wrong CSRF token; reload the page and try again")


def _safe_next(value: str | None) -> str:
    # Only local console paths: no open redirect to another site.
    if value and value.startswith("/console/") and not value.startswith("//"):
        return value
    return "/console/"


def _error_page(sess: ConsoleSession | None, exc: GroupguardError) -> HTMLResponse:
    return render("error.html", status=status_of(exc), me=sess.user if sess else None,
                  csrf=sess.csrf_token if sess else "", message=str(exc))


# -- static -----------------------------------------------------------------------------

@router.get("/static/{name}")
def static(name: str) -> Response:
    if name not in STATIC:
        raise HTTPException(404, "no such file")
    data = resources.files("groupguard.review.web").joinpath("static", name).read_bytes()
    return Response(data, media_type=STATIC[name], headers={"Cache-Control": "max-age=300"})


# -- login ------------------------------------------------------------------------------

@router.get("/login")
def login_page(request: Request, next: str | None = None) -> HTMLResponse:
    token = request.cookies.get(LOGIN_CSRF) or secrets.token_urlsafe(24)
    resp = render("login.html", csrf=token, next=_safe_next(next), error=None)
    resp.set_cookie(LOGIN_CSRF, token, httponly=True, samesite="strict",
                    secure=_secure(request), path="/console/login")
    return resp


@router.post("/login")
def login(request: Request, name: str = Form(...), password: str = Form(...),
          csrf_token: str = Form(""), next: str = Form("/console/"),
          db: Database = Depends(get_db)) -> Response:
    expected = request.cookies.get(LOGIN_CSRF)
    if not expected or not csrf_ok(expected, csrf_token):
        return render("login.html", status=403, csrf=expected or "", next=_safe_next(next),
                      error="The form expired; please try again.")
    ip = _client_ip(request)
    error: users.AuthError | None = None
    with db.session() as s:
        try:
            user = users.authenticate(s, name, password, ip=ip)
        except users.AuthError as exc:
            # Commit the failed attempt (counts toward rate limit and lockout).
            error = exc
            record_audit(s, f"ip:{ip}", "login.failed", f"user:{name.strip()[:100]}",
                         why=type(exc).__name__)
        else:
            token, _csrf = start_session(s, user, ip=ip)
            record_audit(s, user.actor, "login", user.actor, ip=ip)
    if error is not None:
        code = 429 if isinstance(error, users.RateLimitedError) else (
            423 if isinstance(error, users.LockedError) else 401)
        return render("login.html", status=code, csrf=expected, next=_safe_next(next),
                      error=str(error), name=name)
    resp = RedirectResponse(_safe_next(next), status_code=303)
    resp.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=_secure(request),
                    path="/", max_age=12 * 3600)
    resp.delete_cookie(LOGIN_CSRF, path="/console/login")
    return resp


@router.post("/logout")
def logout(request: Request, csrf_token: str = Form(""), sess: ConsoleSession = Depends(current),
           db: Database = Depends(get_db)) -> Response:
    check_csrf(request, sess, csrf_token)
    with db.session() as s:
        end_session(s, request.cookies.get(COOKIE))
        record_audit(s, sess.user.actor, "logout", sess.user.actor)
    resp = RedirectResponse("/console/login", status_code=303)
    resp.delete_cookie(COOKIE, path="/")
    return resp


# -- queue ------------------------------------------------------------------------------

def _filters(request: Request) -> queue.QueueFilters:
    q = request.query_params

    def num(key: str) -> float | None:
        try:
            return float(q[key]) if q.get(key) else None
        except ValueError:
            return None

    sev = num("severity")
    return queue.QueueFilters(
        status=q.get("status") or "open", kind=q.get("kind") or None,
        signal_type=q.get("signal_type") or None, bank=q.get("bank") or None,
        group=q.get("group") or None, min_age_hours=num("min_age_hours"),
        max_age_hours=num("max_age_hours"), severity=int(sev) if sev else None)


@router.get("/")
def queue_page(request: Request, sess: ConsoleSession = Depends(current),
               db: Database = Depends(get_db)) -> HTMLResponse:
    f = _filters(request)
    try:
        page = max(0, int(request.query_params.get("page", "0")))
    except ValueError:
        page = 0
    per_page = 50
    try:
        with db.session() as s:
            sess.user.require("queue.view")
            entries = queue.list_queue(s, sess.user, f, limit=per_page, offset=page * per_page)
            total = queue.count_queue(s, sess.user, f)
            exposure = media.exposure(s, sess.user)
    except GroupguardError as exc:
        return _error_page(sess, exc)
    params = {k: v for k, v in request.query_params.items() if k != "page"}
    return render("queue.html", me=sess.user, csrf=sess.csrf_token, entries=entries,
                  total=total, f=f, page=page, per_page=per_page, params=params,
                  exposure=exposure, flash=request.query_params.get("flash"),
                  urlencode=urlencode)


@router.post("/next")
def next_case(request: Request, csrf_token: str = Form(""),
              sess: ConsoleSession = Depends(current), db: Database = Depends(get_db)
              ) -> Response:
    check_csrf(request, sess, csrf_token)
    try:
        with db.session() as s:
            case_id = queue.next_case(s, sess.user)
    except GroupguardError as exc:
        return _error_page(sess, exc)
    if case_id is None:
        return RedirectResponse("/console/?flash=The+queue+is+empty", status_code=303)
    return RedirectResponse(f"/console/cases/{case_id}", status_code=303)


# -- case -------------------------------------------------------------------------------

@router.get("/cases/{case_id}")
def case_page(case_id: int, request: Request, sess: ConsoleSession = Depends(current),
              db: Database = Depends(get_db), settings: Settings = Depends(get_settings)
              ) -> HTMLResponse:
    try:
        with db.session() as s:
            view = casefile.case_view(s, case_id, sess.user, settings=settings)
            prefs = wellness.effective_settings(s, sess.user)
            for m in view["media"]:
                m["has_bytes"] = media.has_bytes(s, settings, m["sha256"])
            enforced = appeals_mod.active_enforcements(
                s, parse_subject(view["case"]["subject"]))
            exposure = media.exposure(s, sess.user)
            record_audit(s, sess.user.actor, "case.open", f"case:{case_id}")
    except GroupguardError as exc:
        return _error_page(sess, exc)
    mine = view["case"]["claimed_by"] == sess.user.actor
    return render("case.html", me=sess.user, csrf=sess.csrf_token, v=view, prefs=prefs,
                  mine=mine, enforced=enforced, exposure=exposure,
                  flash=request.query_params.get("flash"))


@router.post("/cases/{case_id}/claim")
def claim(case_id: int, request: Request, csrf_token: str = Form(""),
          release: str = Form(""), sess: ConsoleSession = Depends(current),
          db: Database = Depends(get_db)) -> Response:
    check_csrf(request, sess, csrf_token)
    try:
        with db.session() as s:
            if release:
                queue.release_case(s, sess.user, case_id)
            else:
                queue.claim_case(s, sess.user, case_id)
    except GroupguardError as exc:
        return _error_page(sess, exc)
    return RedirectResponse(f"/console/cases/{case_id}", status_code=303)


@router.post("/cases/{case_id}/decide")
def decide_case(case_id: int, request: Request, action: str = Form(...),
                note: str = Form(""), csrf_token: str = Form(""),
                sess: ConsoleSession = Depends(current), db: Database = Depends(get_db),
                settings: Settings = Depends(get_settings)) -> Response:
    check_csrf(request, sess, csrf_token)
    decision, _, category = action.partition(":")
    try:
        with db.session() as s:
            result = decide.decide(s, settings, sess.user, case_id, decision,
                                   category=category or None, note=note.strip() or None)
    except GroupguardError as exc:
        return _error_page(sess, exc)
    words = {"confirm": f"Confirmed case {case_id} as {category}",
             "dismiss": f"Dismissed case {case_id}", "escalate": f"Escalated case {case_id}",
             "uphold": f"Upheld the decision under appeal {case_id}",
             "reverse": f"Reversed: appeal {case_id} granted"}[result.outcome]
    if result.actions:
        words += f"; {len(result.actions)} action(s) queued"
    if result.pending:
        words += "; " + "; ".join(result.pending)
    return RedirectResponse("/console/?" + urlencode({"flash": words}), status_code=303)


@router.post("/media/{sha256}/bulk")
def bulk(sha256: str, request: Request, action: str = Form(...), csrf_token: str = Form(""),
         back: int = Form(0), sess: ConsoleSession = Depends(current),
         db: Database = Depends(get_db), settings: Settings = Depends(get_settings)
         ) -> Response:
    check_csrf(request, sess, csrf_token)
    decision, _, category = action.partition(":")
    try:
        with db.session() as s:
            out = decide.bulk_decide(s, settings, sess.user, sha256.lower(), decision,
                                     category=category or None)
    except GroupguardError as exc:
        return _error_page(sess, exc)
    msg = f"{decision.title()}ed {len(out['decided'])} case(s) showing {sha256[:12]}"
    if out["skipped"]:
        msg += f"; skipped {len(out['skipped'])} claimed by others"
    return RedirectResponse("/console/?" + urlencode({"flash": msg}), status_code=303)


@router.get("/cases/{case_id}/media/{sha256}")
def media_bytes(case_id: int, sha256: str, strip: int = 0,
                sess: ConsoleSession = Depends(current), db: Database = Depends(get_db),
                settings: Settings = Depends(get_settings)) -> Response:
    try:
        with db.session() as s:
            read = media.read_case_strip if strip else media.read_case_media
            m = read(s, settings, sess.user, case_id, sha256.lower())
    except GroupguardError as exc:
        raise HTTPException(status_of(exc), str(exc)) from exc
    return Response(m.data, media_type=m.content_type, headers=media_headers())


@router.post("/cases/{case_id}/media/{sha256}/reveal")
def reveal(case_id: int, sha256: str, request: Request, sess: ConsoleSession = Depends(current),
           db: Database = Depends(get_db)) -> dict[str, Any]:
    check_csrf(request, sess, None)
    try:
        with db.session() as s:
            return media.reveal(s, sess.user, case_id, sha256.lower())
    except GroupguardError as exc:
        raise HTTPException(status_of(exc), str(exc)) from exc


@router.post("/appeals")
def file_appeal(request: Request, subject: str = Form(...), statement: str = Form(...),
                csrf_token: str = Form(""), sess: ConsoleSession = Depends(current),
                db: Database = Depends(get_db)) -> Response:
    """A reviewer records an appeal received through support (the platform files most
    through the API)."""
    check_csrf(request, sess, csrf_token)
    try:
        sess.user.require("case.view")
        with db.session() as s:
            case_id = appeals_mod.open_appeal(s, parse_subject(subject), statement,
                                              filed_by=sess.user.actor)
    except GroupguardError as exc:
        return _error_page(sess, exc)
    return RedirectResponse("/console/?" + urlencode(
        {"flash": f"Appeal case {case_id} opened for a different reviewer"}), status_code=303)


# -- settings, users, audit ---------------------------------------------------------------

@router.get("/settings")
def settings_page(request: Request, sess: ConsoleSession = Depends(current),
                  db: Database = Depends(get_db)) -> HTMLResponse:
    with db.session() as s:
        prefs = wellness.effective_settings(s, sess.user)
        org = wellness.org_settings(s)
        exposure = media.exposure(s, sess.user)
    return render("settings.html", me=sess.user, csrf=sess.csrf_token, prefs=prefs, org=org,
                  exposure=exposure, flash=request.query_params.get("flash"), error=None)


@router.post("/settings")
async def save_settings(request: Request, sess: ConsoleSession = Depends(current),
                        db: Database = Depends(get_db)) -> Response:
    form = await request.form()
    check_csrf(request, sess, str(form.get("csrf_token", "")))
    scope = form.get("scope", "user")
    try:
        with db.session() as s:
            if scope == "org":
                changes: dict[str, Any] = {
                    k: str(form.get(k)) for k in ("claim_minutes", "default_blur_px",
                                                  "min_blur_px", "exposure_counter",
                                                  "daily_exposure_limit") if form.get(k)}
                for k in ("greyscale_default", "allow_colour", "preload_blurred"):
                    changes[k] = form.get(k) == "on"
                changes["deadline_minutes"] = {
                    str(i): int(str(form.get(f"deadline_{i}")))
                    for i in range(1, 5) if str(form.get(f"deadline_{i}", "")).isdigit()}
                wellness.set_org_settings(s, sess.user, changes)
            else:
                # A disabled control (fixed by the org) is not submitted: leave it alone.
                org = wellness.org_settings(s)
                changes = {"preload_blurred": form.get("preload_blurred") == "on"}
                if org["allow_colour"]:
                    changes["greyscale"] = form.get("greyscale") == "on"
                if org["exposure_counter"] == "optional":
                    changes["exposure_counter"] = form.get("exposure_counter") == "on"
                if form.get("blur_px"):
                    changes["blur_px"] = str(form.get("blur_px"))
                wellness.set_user_settings(s, sess.user, changes)
    except GroupguardError as exc:
        with db.session() as s:
            prefs = wellness.effective_settings(s, sess.user)
            org = wellness.org_settings(s)
            exposure = media.exposure(s, sess.user)
        return render("settings.html", status=status_of(exc), me=sess.user,
                      csrf=sess.csrf_token, prefs=prefs, org=org, exposure=exposure,
                      flash=None, error=str(exc))
    return RedirectResponse("/console/settings?flash=Saved", status_code=303)


@router.get("/users")
def users_page(request: Request, sess: ConsoleSession = Depends(current),
               db: Database = Depends(get_db)) -> HTMLResponse:
    try:
        sess.user.require("users.manage")
    except GroupguardError as exc:
        return _error_page(sess, exc)
    with db.session() as s:
        people = users.list_users(s)
    return render("users.html", me=sess.user, csrf=sess.csrf_token, people=people,
                  roles=users.ROLES, flash=request.query_params.get("flash"), error=None)


@router.post("/users")
def create_user(request: Request, name: str = Form(...), role: str = Form(...),
                password: str = Form(...), can_view_media: str = Form(""),
                csrf_token: str = Form(""), sess: ConsoleSession = Depends(current),
                db: Database = Depends(get_db)) -> Response:
    check_csrf(request, sess, csrf_token)
    try:
        sess.user.require("users.manage")
        with db.session() as s:
            users.create_user(s, name, role=role, password=password,
                              can_view_media=can_view_media == "on", actor=sess.user.actor)
    except GroupguardError as exc:
        with db.session() as s:
            people = users.list_users(s)
        return render("users.html", status=status_of(exc), me=sess.user, csrf=sess.csrf_token,
                      people=people, roles=users.ROLES, flash=None, error=str(exc))
    return RedirectResponse("/console/users?" + urlencode({"flash": f"Created {name}"}),
                            status_code=303)


@router.get("/audit")
def audit_page(request: Request, sess: ConsoleSession = Depends(current),
               db: Database = Depends(get_db)) -> HTMLResponse:
    q = request.query_params
    filters = {k: q.get(k) or None for k in ("actor", "action", "subject")}
    try:
        with db.session() as s:
            entries = auditview.list_audit(s, sess.user, limit=200, **filters)
    except GroupguardError as exc:
        return _error_page(sess, exc)
    return render("audit.html", me=sess.user, csrf=sess.csrf_token, entries=entries,
                  filters=filters, query=urlencode({k: v for k, v in filters.items() if v}))


@router.get("/audit/export")
def audit_export(request: Request, format: str = "csv", sess: ConsoleSession = Depends(current),
                 db: Database = Depends(get_db)) -> Response:
    q = request.query_params
    filters = {k: q.get(k) or None for k in ("actor", "action", "subject")}
    if format not in ("csv", "json"):
        raise HTTPException(400, "format is csv or json")
    try:
        with db.session() as s:
            body = "".join(auditview.export_audit(s, sess.user, format, **filters))
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from exc
    except GroupguardError as exc:
        raise HTTPException(status_of(exc), str(exc)) from exc
    return export_response(body, format)
