"""Network signals with their reasons in words, computed from the membership graph.

- graph.removed_overlap: the share of a group's members, admins and creator who were in
  removed groups (or are banned);
- graph.recreated: a group created shortly after a removal by people from the removed group;
- graph.invite_from_removed: invite links to a group that were passed around in removed groups;
- graph.ban_evasion: accounts that re-join a banned account's groups after the ban (the
  banned account itself, or a new one).

None of these is hard evidence: they open and rank review cases.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from groupguard.graph.adjacency import ADMIN, CREATOR
from groupguard.graph.model import MembershipGraph
from groupguard.signals.base import Signal, Subject

DAY = 86400.0


@dataclass(frozen=True)
class GraphParams:
    overlap_emit: float = 0.25  # emit removed_overlap from this strength
    recreate_window_days: float = 30.0  # "shortly after a removal"
    recreate_emit: float = 0.3
    evasion_window_days: float = 30.0
    evasion_min_groups: int = 2
    evasion_min_share: float = 0.65  # evaders come back to nearly all; neighbours to some
    evasion_name_focus: float = 0.5  # a shared display name counts only this focused
    invite_emit_uses: int = 1


def ago(now: float, then: float) -> str:
    if math.isnan(now) or math.isnan(then):
        return "at an unknown time"
    d = max(0.0, now - then)
    if d < 3600:
        return "less than an hour ago"
    if d < DAY:
        h = int(d // 3600)
        return f"{h} hour{'s' if h != 1 else ''} ago"
    n = int(d // DAY)
    return f"{n} day{'s' if n != 1 else ''} ago"


def after(later: float, earlier: float) -> str:
    d = max(0.0, later - earlier)
    if d < DAY:
        h = int(d // 3600)
        return "within an hour" if h < 1 else f"{h} hour{'s' if h != 1 else ''}"
    n = int(d // DAY)
    return f"{n} day{'s' if n != 1 else ''}"


# -- removed_overlap ---------------------------------------------------------------------


def overlap_strength(graph: MembershipGraph, groups: np.ndarray) -> np.ndarray:
    """Vectorised strength from the per-group counters. Role-aware: members who were in a
    removed group are common (anyone can be added to a bad group, and communities
    overlap), so they count only in number and share; admins here who *ran* a removed group
    (were its admins or creator) or are banned say much more, and so does such a creator."""
    groups = np.asarray(groups, np.int64)
    if not len(groups):
        return np.zeros(0)
    gc = graph.g
    n_m = np.maximum(gc.n_members[groups], 1).astype(np.float64)
    t_m = gc.tainted_members[groups].astype(np.float64)
    n_a = np.maximum(gc.n_admins[groups], 1).astype(np.float64)
    r_a = gc.run_admins[groups].astype(np.float64)
    creator = gc.creator[groups]
    has_c = creator >= 0
    c_ran = np.zeros(len(groups), bool)
    c_in = np.zeros(len(groups), bool)
    c_ran[has_c] = graph.a.taint_admin[creator[has_c]] > 0
    c_in[has_c] = graph.a.taint[creator[has_c]] > 0
    # The creator is scored once, as the creator, not again as an admin and a member.
    t_m = np.maximum(t_m - c_in, 0.0)
    n_m = np.maximum(n_m - has_c, 1.0)
    r_a = np.maximum(r_a - c_ran, 0.0)
    n_a = np.maximum(n_a - has_c, 1.0)
    member_part = 0.7 * (t_m / n_m) * np.minimum(1.0, t_m / 8.0)
    admin_part = 0.55 * (r_a / n_a) * np.minimum(1.0, r_a / 2.0)
    creator_part = np.where(c_ran, 0.3, np.where(c_in, 0.05, 0.0))
    s = 1.0 - (1.0 - member_part) * (1.0 - admin_part) * (1.0 - creator_part)
    s[~np.isnan(gc.removed_at[groups])] = 0.0  # a removed group is past scoring
    return s


def _top_removed_source(
    graph: MembershipGraph, accounts: np.ndarray, exclude: int, *, admins_only: bool = False
) -> tuple[int, int, float] | None:
    """Among accounts, the removed group most of them were in when it was removed (as
    admins, with `admins_only`): (group, count, removed_at)."""
    if not len(accounts):
        return None
    rows, grp, st, joined = graph.by_account.rows_concat(accounts, with_times=True)
    gone = graph.g.removed_at[grp]
    keep = ~np.isnan(gone) & (grp != exclude) & (joined.astype(np.float64) <= gone)
    if admins_only:
        keep &= (st & 3) >= ADMIN
    if not keep.any():
        return None
    rows, grp = rows[keep], grp[keep]
    width = int(rows.max()) + 1
    pairs = np.unique(grp * width + rows)  # one count per account per group
    ids, counts = np.unique(pairs // width, return_counts=True)
    best = int(np.argmax(counts))
    g = int(ids[best])
    return g, int(counts[best]), float(graph.g.removed_at[g])


def removed_overlap_reason(graph: MembershipGraph, g: int) -> tuple[str, dict]:
    now = graph.now()
    accts, roles = graph.members(g)
    tainted = graph.a.taint[accts] > 0
    banned = graph.a.banned[accts]
    admins = roles >= ADMIN
    parts: list[str] = []
    details: dict = {
        "members": int(len(accts)),
        "tainted_members": int(tainted.sum()),
        "admins": int(admins.sum()),
        "tainted_admins": int((tainted & admins).sum()),
        "banned_members": int(banned.sum()),
    }

    def source_text(sel: np.ndarray) -> str:
        src = _top_removed_source(graph, accts[sel], g)
        if src is None:
            return "are banned accounts"
        sg, k, ts = src
        name = graph.groups.name(sg)
        details.setdefault("source_group", name)
        details.setdefault("source_removed_ago_days", round((now - ts) / DAY, 2)
                           if not math.isnan(now - ts) else None)
        if k == int(sel.sum()):
            return f"were members of group {name}, removed {ago(now, ts)}"
        return f"were in removed groups ({k} of them in group {name}, removed {ago(now, ts)})"

    ran = graph.a.taint_admin[accts] > 0
    details["admins_who_ran_removed_groups"] = int((ran & admins).sum())

    def ran_text(sel: np.ndarray) -> str:
        src = _top_removed_source(graph, accts[sel], g, admins_only=True)
        if src is None:
            return "are banned accounts"
        sg, k, ts = src
        name = graph.groups.name(sg)
        if k == int(sel.sum()):
            return f"were admins of group {name}, removed {ago(now, ts)}"
        return f"ran removed groups ({k} of them group {name}, removed {ago(now, ts)})"

    creator = int(graph.g.creator[g])
    if creator >= 0 and graph.a.taint[creator] > 0:
        cname = graph.accounts.name(creator)
        sel = accts == creator
        if graph.a.taint_admin[creator] > 0:
            text = ran_text(sel).replace("were admins", "was an admin", 1)
            parts.append(f"the creator {cname} {text}".replace(" are banned accounts",
                                                                 " is banned"))
        else:
            parts.append(f"the creator {cname} {source_text(sel).replace('were', 'was', 1)}"
                         .replace("was members", "was a member"))
    sel_a = ran & admins
    if sel_a.any():
        parts.append(f"{int(sel_a.sum())} of {int(admins.sum())} admins {ran_text(sel_a)}")
    if tainted.any():
        parts.append(f"{int(tainted.sum())} of {len(accts)} members {source_text(tainted)}")
    return "; ".join(parts) or "no members from removed groups", details


def removed_overlap_signals(
    graph: MembershipGraph, groups: np.ndarray, params: GraphParams, event_id: str | None = None
) -> list[Signal]:
    groups = np.asarray(groups, np.int64)
    if not graph.removals and not graph.bans:
        return []
    strengths = overlap_strength(graph, groups)
    out = []
    for g, s in zip(groups.tolist(), strengths.tolist(), strict=True):
        if s < params.overlap_emit:
            continue
        reason, details = removed_overlap_reason(graph, g)
        out.append(Signal(Subject("group", graph.groups.name(g)), "graph.removed_overlap",
                          round(s, 4), reason, details=details, event_id=event_id))
    return out


# -- recreated ---------------------------------------------------------------------------


def recreated_signal(
    graph: MembershipGraph, g: int, params: GraphParams, event_id: str | None = None
) -> Signal | None:
    created = float(graph.g.created_at[g])
    if not graph.removals or math.isnan(created) or graph.is_removed(g):
        return None
    window = params.recreate_window_days * DAY
    if graph.now() - created > window:
        return None  # joins long after creation are not a recreation any more
    accts, roles = graph.members(g)
    if not len(accts):
        return None
    rows, grp, st, joined = graph.by_account.rows_concat(accts, with_times=True)
    gone = graph.g.removed_at[grp]
    # Only who was in the old group when it went: joins the platform sends after a removal
    # are not "people from the removed group".
    recent = ((~np.isnan(gone)) & (gone <= created) & (created - gone <= window) & (grp != g)
              & (joined.astype(np.float64) <= gone))
    if not recent.any():
        return None
    rows, grp, st = rows[recent], grp[recent], st[recent]
    creator = int(graph.g.creator[g])
    best: tuple[float, int] | None = None
    for src in np.unique(grp).tolist():
        sel = grp == src
        people = np.unique(rows[sel])
        k = len(people)
        from_creator = creator in people.tolist()
        c_role = int((st[sel & (rows == creator)] & 3).max()) if from_creator else -1
        share = k / len(accts)
        # A recreation brings the old group back: most of the new group's members come
        # from it. A few shared members are ordinary overlap between communities.
        c_part = 0.25 if c_role >= ADMIN else (0.1 if from_creator else 0.0)
        m_part = 0.9 * min(1.0, max(0, k - 2) / 4.0) * min(1.0, max(0.0, share - 0.3) / 0.4)
        s = 1.0 - (1.0 - c_part) * (1.0 - m_part)
        if best is None or s > best[0]:
            best = (s, src)
    assert best is not None
    s, src = best
    if s < params.recreate_emit:
        return None
    sel = grp == src
    people = np.unique(rows[sel])
    k = len(people)
    gone_at = float(graph.g.removed_at[src])
    sname = graph.groups.name(src)
    text = [f"created {after(created, gone_at)} after group {sname} was removed "
            f"({ago(graph.now(), gone_at)})"]
    if creator in people.tolist():
        c_role = int((st[sel & (rows == creator)] & 3).max())
        role_word = {CREATOR: "the creator", ADMIN: "an admin"}.get(c_role, "a member")
        text.append(f"by {graph.accounts.name(creator)}, {role_word} of {sname}")
    text.append(f"{k} of {len(accts)} members were members of {sname}")
    details = {"source_group": sname, "from_source": k, "members": int(len(accts)),
               "days_after_removal": round((created - gone_at) / DAY, 2)}
    return Signal(Subject("group", graph.groups.name(g)), "graph.recreated", round(s, 4),
                  "; ".join(text), details=details, event_id=event_id)


# -- invite links ------------------------------------------------------------------------


def invite_signal(
    graph: MembershipGraph, g: int, params: GraphParams, event_id: str | None = None
) -> Signal | None:
    if graph.is_removed(g):
        return None
    sources = graph.invite_sources.get(g)
    if not sources:
        return None
    removed = {s: n for s, n in sources.items() if graph.is_removed(s)}
    uses = sum(removed.values())
    if uses < params.invite_emit_uses:
        return None
    top = max(removed, key=lambda s: removed[s])
    now = graph.now()
    sname = graph.groups.name(top)
    strength = min(0.8, 0.45 + 0.1 * (uses - 1) + 0.1 * (len(removed) - 1))
    more = f" and {len(removed) - 1} other removed group(s)" if len(removed) > 1 else ""
    reason = (f"invite links to this group were posted in group {sname}"
              f" (removed {ago(now, float(graph.g.removed_at[top]))}){more}; "
              f"{uses} join{'s' if uses != 1 else ''} came through them")
    details = {"source_group": sname, "removed_sources": len(removed), "uses": uses}
    return Signal(Subject("group", graph.groups.name(g)), "graph.invite_from_removed",
                  round(strength, 4), reason, details=details, event_id=event_id)


# -- ban evasion -------------------------------------------------------------------------


def _same_person_cues(graph: MembershipGraph, a: int, b: int) -> list[str]:
    cues = []
    if graph.a.name_key[a] and graph.a.name_key[a] == graph.a.name_key[b]:
        cues.append("display name")
    if graph.a.photo_key[a] and graph.a.photo_key[a] == graph.a.photo_key[b]:
        cues.append("profile photo")
    return cues



def _evasion_plausible(same: list[str], k: int, focus: float, params: GraphParams) -> bool:
    """Whether a new account re-joining k groups of a banned one is plausibly the same
    person. `focus` is the share of the newcomer's groups that are the banned account's:
    an evader comes back to its old groups; a newcomer who follows the same invite links
    is mostly elsewhere.

    - the same profile photo is a strong cue on its own;
    - the same display name is weak (names collide, a bare first name more so): it counts
      only when the newcomer's groups are mostly the banned account's;
    - with no cue, only a larger, focused return counts (two shared groups alone also fit
      a newcomer following the same links)."""
    if "profile photo" in same:
        return True
    if same:
        return focus >= params.evasion_name_focus
    return k >= 3 and focus >= 0.6


def ban_evasion_signal(
    graph: MembershipGraph, a: int, params: GraphParams, event_id: str | None = None
) -> Signal | None:
    if not graph.bans and np.isnan(graph.a.banned_at[a]):
        return None
    groups_a, _, joined = graph.groups_of(a)
    if len(groups_a) < params.evasion_min_groups and not graph.a.banned[a]:
        return None
    window = params.evasion_window_days * DAY
    rows, accts, st = graph.by_group.rows_concat(groups_a)
    cand = np.unique(accts[~np.isnan(graph.a.banned_at[accts])])
    if not np.isnan(graph.a.banned_at[a]):
        cand = np.union1d(cand, [a])
    best: tuple[float, int, int, int] | None = None
    joined_at = dict(zip(groups_a.tolist(), joined.astype(np.float64).tolist(), strict=True))
    for b in cand.tolist()[:50]:
        banned_at = float(graph.a.banned_at[b])
        # Every group b was ever in; for b == a its own former groups, re-joined. For a new
        # account, the groups b was in when it was banned: joins the platform reports for b
        # afterwards (a lagging feed, a replay) are not what an evader comes back to.
        g_all, _, t_all = graph.groups_of(b, active=False)
        if b != a:
            g_all = g_all[t_all.astype(np.float64) <= banned_at]
        g_b = set(g_all.tolist())
        g_b = {x for x in g_b if not graph.is_removed(x)}
        if not g_b:
            continue
        rejoined = [x for x in g_b if x in joined_at
                    and banned_at <= joined_at[x] <= banned_at + window]
        k = len(rejoined)
        share = k / len(g_b)
        if k < params.evasion_min_groups or share < params.evasion_min_share:
            continue
        reg = float(graph.a.registered_at[a])
        if b != a and not reg >= banned_at - 3600:
            continue  # only the banned account itself, or a new one, evades a ban
        same = _same_person_cues(graph, a, b) if b != a else []
        # Joins the platform still reports into removed groups say nothing either way.
        live_a = sum(1 for x in groups_a.tolist() if not graph.is_removed(x))
        focus = k / max(1, live_a)
        if b != a and not _evasion_plausible(same, k, focus, params):
            continue
        s = 0.45 + 0.4 * share + (0.1 if same else 0.0)
        if best is None or s > best[0]:
            best = (min(s, 0.9), b, k, len(g_b), same)
    if best is None:
        return None
    s, b, k, n, same = best
    banned_at = float(graph.a.banned_at[b])
    bname = graph.accounts.name(b)
    if b == a:
        reason = (f"re-joined {k} of its {n} former groups after its ban "
                  f"({ago(graph.now(), banned_at)})")
    else:
        reg = float(graph.a.registered_at[a])
        new = (f"an account registered {after(reg, banned_at)} after the ban, "
               if not math.isnan(reg) and reg >= banned_at else "")
        cue = f", with the same {' and '.join(same)}" if same else ""
        reason = (f"{new}joined {k} of the {n} groups of banned account {bname} "
                  f"(banned {ago(graph.now(), banned_at)}){cue}")
    details = {"banned_account": bname, "rejoined": k, "groups_of_banned": n}
    return Signal(Subject("account", graph.accounts.name(a)), "graph.ban_evasion", round(s, 4),
                  reason, details=details, event_id=event_id)
