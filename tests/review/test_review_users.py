import pytest
from sqlalchemy import select

from groupguard.errors import GroupguardError, PermissionDeniedError
from groupguard.review import users
from groupguard.review.sessions import end_session, load_session, start_session
from groupguard.store.tables import audit_log
from groupguard.store.tables_review import review_users

PW = "correct horse battery"


def test_passwords_are_stored_as_argon2_and_verified(db):
    with db.session() as s:
        users.create_user(s, "rita", role="reviewer", password=PW)
        stored = s.execute(select(review_users.c.password_hash)).scalar_one()
        assert stored.startswith("$argon2id$") and PW not in stored
        assert users.authenticate(s, "rita", PW, ip="10.0.0.1").name == "rita"


def test_wrong_password_and_unknown_name_fail_alike(db):
    with db.session() as s:
        users.create_user(s, "rita", role="reviewer", password=PW)
    with db.session() as s:
        with pytest.raises(users.AuthError) as wrong:
            users.authenticate(s, "rita", "nope nope nope", ip="10.0.0.1")
        with pytest.raises(users.AuthError) as unknown:
            users.authenticate(s, "nobody", PW, ip="10.0.0.1")
    assert str(wrong.value) == str(unknown.value) == "wrong name or password"


def test_account_locks_after_repeated_failures_even_with_right_password(db):
    with db.session() as s:
        users.create_user(s, "rita", role="reviewer", password=PW)
    for i in range(users.MAX_FAILURES):
        with db.session() as s, pytest.raises(users.AuthError) as err:
            users.authenticate(s, "rita", f"bad password {i}", ip=f"10.0.0.{i}")
    assert isinstance(err.value, users.LockedError)
    with db.session() as s:
        with pytest.raises(users.LockedError):
            users.authenticate(s, "rita", PW, ip="10.0.1.1")
        locked = s.execute(select(audit_log.c.action).where(
            audit_log.c.action == "user.locked")).all()
        assert len(locked) == 1


def test_login_attempts_are_rate_limited_per_address(db):
    with db.session() as s:
        users.create_user(s, "rita", role="reviewer", password=PW)
    with db.session() as s:
        for i in range(users.RATE_PER_IP):
            with pytest.raises(users.AuthError):
                users.authenticate(s, f"guess{i}", "x" * 12, ip="192.0.2.7")
        with pytest.raises(users.RateLimitedError):
            users.authenticate(s, "rita", PW, ip="192.0.2.7")
        # Another address is not affected.
        assert users.authenticate(s, "rita", PW, ip="192.0.2.8").name == "rita"


def test_roles_grant_permissions_and_media_is_separate(db):
    with db.session() as s:
        rev = users.create_user(s, "rita", role="reviewer", password=PW)
        aud = users.create_user(s, "aud", role="auditor", password=PW)
        adm = users.create_user(s, "ada", role="admin", password=PW)
        blind = users.create_user(s, "blind", role="investigator", password=PW,
                                  can_view_media=False)
    assert rev.can("case.decide") and not rev.can("audit.view") and rev.can("media.view")
    assert aud.can("audit.view") and not aud.can("case.decide") and not aud.can("media.view")
    assert adm.can("users.manage") and not adm.can("media.view")
    assert blind.can("case.escalated") and not blind.can("media.view")
    with pytest.raises(PermissionDeniedError):
        aud.require("case.decide")


def test_bad_user_input_gets_typed_errors(db):
    with db.session() as s:
        with pytest.raises(GroupguardError, match="unknown role"):
            users.create_user(s, "x", role="overlord", password=PW)
        with pytest.raises(GroupguardError, match="too short"):
            users.create_user(s, "x", role="reviewer", password="short")
        with pytest.raises(GroupguardError, match="invalid user name"):
            users.create_user(s, "a b", role="reviewer", password=PW)
        users.create_user(s, "x", role="reviewer", password=PW)
        with pytest.raises(GroupguardError, match="already exists"):
            users.create_user(s, "x", role="reviewer", password=PW)


def test_sessions_expire_on_logout_and_when_user_is_disabled(db):
    with db.session() as s:
        user = users.create_user(s, "rita", role="reviewer", password=PW)
        token, csrf = start_session(s, user)
    with db.session() as s:
        sess = load_session(s, token)
        assert sess is not None and sess.user.name == "rita" and sess.csrf_token == csrf
        assert load_session(s, token + "x") is None
        end_session(s, token)
    with db.session() as s:
        assert load_session(s, token) is None
        token2, _ = start_session(s, user)
        users.update_user(s, "rita", actor="user:ada", active=False)
    with db.session() as s:
        assert load_session(s, token2) is None
