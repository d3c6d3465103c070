import json

import pytest
from sqlalchemy import select

from groupguard.errors import NotFoundError, PermissionDeniedError
from groupguard.review import auditview, media, wellness
from groupguard.store.tables import audit_log


def test_user_settings_stay_inside_org_bounds(db, people):
    rita, ada = people["rita"], people["ada"]
    with db.session() as s:
        eff = wellness.effective_settings(s, rita)
        assert eff.blur_px == 24 and eff.greyscale and eff.exposure_counter
        wellness.set_user_settings(s, rita, {"blur_px": 12, "greyscale": False})
        assert wellness.effective_settings(s, rita).blur_px == 12
        with pytest.raises(wellness.SettingsError, match="org minimum"):
            wellness.set_user_settings(s, rita, {"blur_px": 2})
        with pytest.raises(PermissionDeniedError):
            wellness.set_org_settings(s, rita, {"min_blur_px": 0})
        wellness.set_org_settings(s, ada, {"min_blur_px": 16, "allow_colour": False,
                                           "exposure_counter": "required"})
        eff = wellness.effective_settings(s, rita)
        # An earlier choice below the new minimum is clamped; colour is no longer allowed.
        assert eff.blur_px == 16 and eff.greyscale and eff.exposure_counter
        with pytest.raises(wellness.SettingsError, match="requires"):
            wellness.set_user_settings(s, rita, {"exposure_counter": False})
        with pytest.raises(wellness.SettingsError, match="unknown org setting"):
            wellness.set_org_settings(s, ada, {"colour": True})
        with pytest.raises(wellness.SettingsError):
            wellness.set_org_settings(s, ada, {"claim_minutes": "soon"})
        changes = s.execute(select(audit_log).where(audit_log.c.action.like("settings.%"))).all()
        assert {c.action for c in changes} == {"settings.user", "settings.org"}
        org_change = next(c for c in changes if c.subject == "org:min_blur_px")
        assert org_change.details == {"old": 8, "new": 16} and org_change.actor == "user:ada"


def test_reveal_is_audited_and_counted_per_day(db, seeded, people):
    rita = people["rita"]
    cid, sha = seeded.cases["zorblax"], seeded.media["icon1"]
    with db.session() as s:
        assert media.reveal(s, rita, cid, sha)["exposure_today"] == 1
        assert media.reveal(s, rita, cid, sha)["exposure_today"] == 2
        views = s.execute(select(audit_log).where(audit_log.c.action == "media.view")).all()
        assert [(v.actor, v.subject, v.details) for v in views] == \
            [("user:rita", f"media:{sha}", {"case_id": cid})] * 2
        with pytest.raises(PermissionDeniedError):
            media.reveal(s, people["nomedia"], cid, sha)
        with pytest.raises(NotFoundError):
            media.reveal(s, rita, cid, seeded.media["icon2"])  # not in this case


def test_auditors_export_the_log(db, seeded, people):
    with db.session() as s:
        media.reveal(s, people["rita"], seeded.cases["zorblax"], seeded.media["icon1"])
    with db.session() as s:
        with pytest.raises(PermissionDeniedError):
            auditview.list_audit(s, people["rita"])
        lines = "".join(auditview.export_audit(s, people["aud"], "json")).splitlines()
        rows = [json.loads(x) for x in lines]
        assert any(r["action"] == "media.view" for r in rows)
        csv_text = "".join(auditview.export_audit(s, people["aud"], "csv",
                                                  action="media.view"))
        header, *body = csv_text.strip().splitlines()
        assert header == "id,ts,actor,action,subject,details" and len(body) == 1
    with db.session() as s:
        exports = auditview.list_audit(s, people["aud"], action="audit.export")
        assert len(exports) == 2
