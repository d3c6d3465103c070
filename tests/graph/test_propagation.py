from groupguard.graph import GraphParams, MembershipGraph
from groupguard.graph.extractor import apply_enforcement, apply_event
from groupguard.signals.base import Enforcement, Subject

from .helpers import ev

P = GraphParams()


def run(graph, *events):
    out = []
    for e in events:
        out.extend(apply_event(graph, e, P))
    return out


def remove(graph, gid):
    return apply_enforcement(graph, Enforcement("remove_group", Subject("group", gid), "test"), P)


def ban(graph, aid):
    return apply_enforcement(graph, Enforcement("ban_account", Subject("account", aid), "test"), P)


def by_kind(signals, kind, subject):
    found = [s for s in signals if s.kind == kind and str(s.subject) == subject]
    return found[-1] if found else None


def removed_group_g(graph):
    run(graph, ev(0, "group.created", "boss", group_id="G", name="g"))
    run(graph, *[ev(0, "member.added", "boss", group_id="G", account_id=f"a{i}", role="admin")
                 for i in range(7)])
    run(graph, ev(1, "account.registered", None, account_id="clock"))
    return remove(graph, "G")


def test_admins_from_a_removed_group_are_counted_and_named_in_the_reason():
    graph = MembershipGraph()
    removed_group_g(graph)
    events = [ev(49, "group.created", "newc", group_id="H", name="h")]
    events += [ev(49, "member.added", "newc", group_id="H", account_id=f"a{i}", role="admin")
               for i in range(7)]
    events += [ev(49, "member.added", "newc", group_id="H", account_id="h0", role="admin")]
    events += [ev(49, "member.added", "newc", group_id="H", account_id=f"p{i}")
               for i in range(3)]
    sig = by_kind(run(graph, *events), "graph.removed_overlap", "group:H")
    assert sig is not None
    # Role-aware: they were not just in G, they ran it.
    assert "7 of 9 admins were admins of group G, removed 2 days ago" in sig.reason
    assert "7 of 12 members were members of group G, removed 2 days ago" in sig.reason
    assert sig.details["admins_who_ran_removed_groups"] == 7
    assert sig.details["source_group"] == "G"
    assert not sig.hard and 0.5 < sig.strength < 1.0


def test_one_member_from_a_removed_group_in_a_big_group_is_not_a_signal():
    graph = MembershipGraph()
    removed_group_g(graph)
    events = [ev(49, "group.created", "c", group_id="Big", name="b")]
    events += [ev(49, "member.added", "c", group_id="Big", account_id=f"q{i}")
               for i in range(200)]
    events += [ev(49, "member.added", "c", group_id="Big", account_id="a0")]
    assert run(graph, *events) == []


def test_removal_rescores_groups_that_share_members_with_the_removed_group():
    graph = MembershipGraph()
    run(graph, ev(0, "group.created", "k", group_id="K", name="k"))
    run(graph, *[ev(0, "member.added", "k", group_id="K", account_id=f"a{i}") for i in range(4)])
    signals = removed_group_g(graph)
    sig = by_kind(signals, "graph.removed_overlap", "group:K")
    assert sig is not None
    assert sig.reason == ("4 of 5 members were members of group G, removed less than an hour ago")
    admin_sig = by_kind(signals, "graph.removed_overlap", "account:boss")
    assert admin_sig.reason == "was the creator of group G when it was removed"


def test_a_group_created_after_a_removal_by_its_creator_is_recreated():
    graph = MembershipGraph()
    removed_group_g(graph)
    events = [ev(25, "group.created", "boss", group_id="G2", name="g2")]
    events += [ev(26, "member.added", "boss", group_id="G2", account_id=f"a{i}")
               for i in range(3)]
    sig = by_kind(run(graph, *events), "graph.recreated", "group:G2")
    assert sig.reason == ("created 1 day after group G was removed (1 day ago); "
                          "by boss, the creator of G; 4 of 4 members were members of G")
    assert sig.details["from_source"] == 4


def test_recreation_outside_the_window_is_not_recreated():
    graph = MembershipGraph()
    removed_group_g(graph)
    out = run(graph, ev(24 * 40, "group.created", "boss", group_id="late", name="x"))
    assert by_kind(out, "graph.recreated", "group:late") is None


def test_invite_links_posted_in_a_group_that_is_later_removed():
    graph = MembershipGraph()
    run(graph, ev(0, "group.created", "s", group_id="S", name="s"),
        ev(0, "group.created", "t", group_id="T", name="t"),
        ev(0, "invite.created", "t", group_id="T", token="tok-T"))
    run(graph, *[ev(1, "invite.used", f"u{i}", group_id="T", token="tok-T",
                    account_id=f"u{i}", seen_in_group="S") for i in range(2)])
    sig = by_kind(remove(graph, "S"), "graph.invite_from_removed", "group:T")
    assert sig.reason == ("invite links to this group were posted in group S "
                          "(removed less than an hour ago); 2 joins came through them")
    # A later use of a link seen in the removed group strengthens it at once.
    later = run(graph, ev(30, "invite.used", "u9", group_id="T", token="tok-T",
                          account_id="u9", seen_in_group="S"))
    assert later[0].strength > sig.strength and "removed 1 day ago" in later[0].reason


def ban_b_in_three_groups(graph):
    run(graph, ev(-10, "account.registered", None, account_id="b", display_name="Maria Silva"))
    for gid in ("X1", "X2", "X3"):
        run(graph, ev(0, "group.created", f"own{gid}", group_id=gid, name=gid),
            ev(0, "member.added", f"own{gid}", group_id=gid, account_id="b"))
    run(graph, ev(10, "account.registered", None, account_id="tick"))
    ban(graph, "b")


def test_new_account_joining_a_banned_accounts_groups_is_ban_evasion():
    graph = MembershipGraph()
    ban_b_in_three_groups(graph)
    out = run(graph, ev(30, "account.registered", None, account_id="n",
                 display_name="maria.silva77"),
              ev(31, "member.added", "n", group_id="X1", account_id="n"),
              ev(31, "member.added", "n", group_id="X2", account_id="n"))
    sig = by_kind(out, "graph.ban_evasion", "account:n")
    assert sig.reason == ("an account registered 20 hours after the ban, joined 2 of the 3 "
                          "groups of banned account b (banned 21 hours ago), with the same "
                          "display name")


def test_a_newcomer_sharing_two_groups_and_nothing_else_is_not_evasion():
    graph = MembershipGraph()
    ban_b_in_three_groups(graph)
    out = run(graph, ev(30, "account.registered", None, account_id="n", display_name="Maria"),
              ev(31, "member.added", "n", group_id="X1", account_id="n"),
              ev(31, "member.added", "n", group_id="X2", account_id="n"))
    assert by_kind(out, "graph.ban_evasion", "account:n") is None
    # Coming back to all three of them, and to little else, is evasion without a cue.
    out = run(graph, ev(32, "member.added", "n", group_id="X3", account_id="n"))
    assert "joined 3 of the 3 groups" in by_kind(out, "graph.ban_evasion", "account:n").reason


def test_banned_account_rejoining_its_former_groups_is_ban_evasion():
    graph = MembershipGraph()
    ban_b_in_three_groups(graph)
    run(graph, *[ev(10, "member.removed", None, group_id=g, account_id="b", reason="banned")
                 for g in ("X1", "X2", "X3")])
    out = run(graph, ev(40, "member.added", "b", group_id="X1", account_id="b"),
              ev(40, "member.added", "b", group_id="X3", account_id="b"))
    sig = by_kind(out, "graph.ban_evasion", "account:b")
    assert sig.reason == "re-joined 2 of its 3 former groups after its ban (1 day ago)"


def test_joining_one_group_of_a_banned_account_is_not_evasion():
    graph = MembershipGraph()
    ban_b_in_three_groups(graph)
    out = run(graph, ev(31, "member.added", "n", group_id="X1", account_id="n"),
              ev(31, "member.added", "n", group_id="Y", account_id="n"))
    assert by_kind(out, "graph.ban_evasion", "account:n") is None


def test_an_old_account_joining_a_banned_accounts_groups_is_not_evasion():
    graph = MembershipGraph()
    run(graph, ev(-5, "account.registered", None, account_id="old"))
    ban_b_in_three_groups(graph)
    out = run(graph, ev(31, "member.added", "old", group_id="X1", account_id="old"),
              ev(31, "member.added", "old", group_id="X2", account_id="old"))
    assert by_kind(out, "graph.ban_evasion", "account:old") is None


def test_joins_sent_for_a_group_after_its_removal_do_not_make_people_from_it():
    graph = MembershipGraph()
    removed_group_g(graph)
    # The platform keeps reporting joins to G; those people were never in it while it ran.
    run(graph, *[ev(2, "member.added", "boss", group_id="G", account_id=f"late{i}")
                 for i in range(5)])
    events = [ev(25, "group.created", "stranger", group_id="N", name="n")]
    events += [ev(26, "member.added", "stranger", group_id="N", account_id=f"late{i}")
               for i in range(5)]
    out = run(graph, *events)
    assert by_kind(out, "graph.recreated", "group:N") is None
    assert by_kind(out, "graph.removed_overlap", "group:N") is None


def test_the_banned_accounts_profile_photo_on_a_new_account_is_a_same_person_cue():
    graph = MembershipGraph()
    ban_b_in_three_groups(graph)
    graph.set_photo("b", "ab" * 32)
    run(graph, ev(30, "account.registered", None, account_id="n", display_name="Someone Else"))
    graph.set_photo("n", "ab" * 32)
    out = run(graph, ev(31, "member.added", "n", group_id="X1", account_id="n"),
              ev(31, "member.added", "n", group_id="X3", account_id="n"))
    assert by_kind(out, "graph.ban_evasion", "account:n").reason.endswith(
        "with the same profile photo")


def test_a_namesake_who_is_mostly_elsewhere_is_not_evasion():
    # A newcomer called "Maria" (the banned account's name key) who follows invite links
    # into many groups, two of them the banned account's: names collide, an evader comes
    # back to its own groups.
    graph = MembershipGraph()
    ban_b_in_three_groups(graph)
    run(graph, *[ev(0, "group.created", f"o{i}", group_id=f"Y{i}", name=f"y{i}")
                 for i in range(6)])
    events = [ev(30, "account.registered", None, account_id="n",
                 display_name="Maria Silva")]
    events += [ev(31, "member.added", "n", group_id=f"Y{i}", account_id="n") for i in range(6)]
    events += [ev(31, "member.added", "n", group_id=g, account_id="n") for g in ("X1", "X2")]
    assert by_kind(run(graph, *events), "graph.ban_evasion", "account:n") is None


def test_groups_a_banned_account_is_reported_joining_after_its_ban_do_not_dilute_evasion():
    graph = MembershipGraph()
    ban_b_in_three_groups(graph)
    # A lagging feed still reports b joining three more groups after the ban.
    run(graph, *[ev(20, "member.added", "b", group_id=f"Z{i}", account_id="b")
                 for i in range(3)])
    out = run(graph, ev(30, "account.registered", None, account_id="n",
                        display_name="maria.silva77"),
              ev(31, "member.added", "n", group_id="X1", account_id="n"),
              ev(31, "member.added", "n", group_id="X2", account_id="n"))
    assert "joined 2 of the 3 groups of banned account b" in by_kind(
        out, "graph.ban_evasion", "account:n").reason
