import numpy as np

from groupguard.graph import MembershipGraph
from groupguard.graph.adjacency import ADMIN, CREATOR, FORMER, MEMBER, Adjacency


def test_adjacency_delta_merges_into_the_same_rows_as_a_bulk_build():
    rng = np.random.default_rng(3)
    pairs = np.unique(rng.integers(0, 50 * 400, 2000))  # distinct (row, col) pairs
    rng.shuffle(pairs)
    rows, cols = pairs // 400, pairs % 400
    state = rng.integers(0, 3, len(pairs)).astype(np.int8)
    adj = Adjacency(merge_min=64, merge_ratio=0.0)
    for r, c, s in zip(rows.tolist(), cols.tolist(), state.tolist(), strict=True):
        adj.set(r, c, s)
    bulk = Adjacency.from_coo(rows, cols, state, 50)
    assert adj.n_edges == bulk.n_edges
    for r in range(50):
        c1, s1, _ = adj.row(r)
        c2, s2, _ = bulk.row(r)
        o1, o2 = np.argsort(c1), np.argsort(c2)
        assert c1[o1].tolist() == c2[o2].tolist()
        assert s1[o1].tolist() == s2[o2].tolist()


def test_adjacency_set_returns_previous_state_and_gathers_many_rows():
    adj = Adjacency()
    assert adj.set(3, 7, MEMBER) is None
    assert adj.set(3, 7, ADMIN) == MEMBER
    adj.set(5, 1, CREATOR)
    adj.merge()
    assert adj.get(3, 7)[0] == ADMIN
    adj.set(3, 9, MEMBER)  # delta on top of the base
    rows, cols, states = adj.rows_concat(np.array([3, 5, 40]))
    assert sorted(zip(rows.tolist(), cols.tolist(), states.tolist(), strict=True)) == [
        (3, 7, ADMIN), (3, 9, MEMBER), (5, 1, CREATOR)]


def test_membership_counters_follow_joins_role_changes_and_leaves():
    g = MembershipGraph()
    g.create_group("G", "c", 0.0)
    assert g.add_member("G", "x", "member", 1.0)
    assert not g.add_member("G", "x", "member", 2.0)  # the same join twice is one join
    g.set_admin("G", "x", True, 3.0)
    gi = g.groups.get("G")
    assert (g.g.n_members[gi], g.g.n_admins[gi]) == (2, 2)
    assert g.remove_member("G", "x")
    assert (g.g.n_members[gi], g.g.n_admins[gi]) == (1, 1)
    accts, roles = g.members(gi, active=False)
    assert dict(zip([g.accounts.name(a) for a in accts], roles.tolist(), strict=True)) == {
        "c": CREATOR, "x": ADMIN}
    state, _ = g.by_account.get(g.accounts.get("x"), gi)
    assert state == ADMIN | FORMER


def test_removal_taints_members_and_updates_every_related_group_then_restore_undoes_it():
    g = MembershipGraph()
    g.create_group("bad", "boss", 0.0)
    for name in ("a1", "a2"):
        g.add_member("bad", name, "admin", 0.0)
    g.add_member("bad", "m1", "member", 0.0)
    g.create_group("other", "z", 0.0)
    for name in ("a1", "m1", "y"):
        g.add_member("other", name, "admin" if name == "a1" else "member", 0.0)
    affected = g.remove_group("bad", 100.0)
    o = g.groups.get("other")
    assert affected.tolist() == [o]
    assert (g.g.tainted_members[o], g.g.tainted_admins[o]) == (2, 1)
    assert g.remove_group("bad", 200.0).size == 0  # idempotent
    g.restore_group("bad")
    assert (g.g.tainted_members[o], g.g.tainted_admins[o]) == (0, 0)


def test_bulk_build_matches_incremental_counters():
    groups = np.array([0, 0, 0, 1, 1])
    accounts = np.array([0, 1, 2, 2, 3])
    roles = np.array([CREATOR, ADMIN, MEMBER, CREATOR, MEMBER])
    bulk = MembershipGraph.from_arrays(4, 2, groups, accounts, roles)
    inc = MembershipGraph()
    names = {0: "creator", 1: "admin", 2: "member"}
    for gi, ai, r in zip(groups.tolist(), accounts.tolist(), roles.tolist(), strict=True):
        inc.add_member(f"g{gi}", f"a{ai}", names[r], 0.0)
    for gi in range(2):
        b, i = bulk.groups.get(f"g{gi}"), inc.groups.get(f"g{gi}")
        assert bulk.g.n_members[b] == inc.g.n_members[i]
        assert bulk.g.n_admins[b] == inc.g.n_admins[i]
    assert bulk.g.creator[1] == bulk.accounts.get("a2")
    bulk.remove_group("g0", 5.0)
    assert bulk.g.tainted_members[1] == 1 and bulk.g.tainted_admins[1] == 1
