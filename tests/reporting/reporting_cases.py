"""Ready-made cases for reporting tests, built with the `make` factory."""

from datetime import timedelta

from groupguard.reporting.evidence import preserve_media


def preserve(db, settings, *items):
    with db.session() as s:
        for item in items:
            preserve_media(s, settings, item.data, sha256=item.sha256, reason="match",
                           actor="system:test")


def group_case(make, db, settings, *, view=True, verified=True, category="A1"):
    """A group whose icon (set by acc-1) and a reported image (posted by acc-2) matched."""
    make.account("acc-1", phone="+15550100001", display_name="Zorblax", banned=True)
    make.account("acc-2", phone="+15550100002", display_name="Quexfin")
    make.group("g-1", name="quexfin swap", icon_set_by="acc-1", members=("acc-1", "acc-2"))
    bank = make.bank("ncmec-verified" if verified else "community", verified=verified)
    icon, extra, posted = make.media(), make.media(), make.media()
    make.use(icon, subject_type="group", subject_id="g-1", role="group_icon", set_by="acc-1")
    make.use(extra, subject_type="group", subject_id="g-1", role="reported_media",
             set_by="acc-1", ts=make.t0 + timedelta(hours=2))
    make.use(posted, subject_type="group", subject_id="g-1", role="reported_media",
             set_by="acc-2", ts=make.t0 + timedelta(hours=3))
    for item in (icon, extra, posted):
        make.match(item, bank)
        make.signal("group", "g-1", "hash.exact", sha256=item.sha256)
    if view:
        for item in (icon, extra, posted):
            make.view(item)
    preserve(db, settings, icon, extra, posted)
    case_id = make.case("group", "g-1", category=category)
    return case_id, icon, extra, posted
