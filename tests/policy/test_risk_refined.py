import pytest

from groupguard.policy.risk import FAMILY_CAPS, combine
from groupguard.signals.base import Signal, Subject

G = Subject("group", "g")
A = Subject("account", "a")


def test_the_same_evidence_repeated_counts_once_at_its_strongest():
    grows = [Signal(G, "graph.recreated", s, f"recreated {s}", details={"source_group": "old"})
             for s in (0.4, 0.6, 0.9)]
    once = combine(grows)
    assert len(once.contributions) == 1
    assert once.contributions[0].strength == 0.9
    assert once.score == pytest.approx(combine(grows[-1:]).score)


def test_a_soft_family_alone_stays_below_its_cap_however_many_signals():
    many = [Signal(G, "text.term", 1.0, f"term {i}", details={"term": f"t{i}"})
            for i in range(20)]
    risk = combine(many)
    assert risk.families["text"] <= FAMILY_CAPS["text"] + 1e-9
    assert risk.score <= FAMILY_CAPS["text"] + 1e-9
    values = [c.value for c in risk.contributions]
    assert values == sorted(values, reverse=True)  # diminishing returns, visible


def test_independent_families_earn_a_visible_combination_bonus():
    icon = Signal(G, "classifier.explicit", 0.9, "icon scored 0.90", sha256="ab" * 32)
    graph = Signal(G, "graph.recreated", 0.9, "recreated", details={"source_group": "old"})
    alone = 1 - (1 - combine([icon]).score) * (1 - combine([graph]).score)
    both = combine([icon, graph])
    assert both.score > alone
    bonus = [c for c in both.contributions if c.kind == "combination"]
    assert bonus and bonus[0].reason == (
        "2 independent signal families agree: classifier, graph")
    assert sum(c.value for c in both.contributions) == pytest.approx(both.score)


def test_soft_signals_never_reach_hard_evidence_and_hard_is_flagged():
    soft = combine([
        Signal(G, "classifier.explicit", 1.0, "icon", sha256="cd" * 32),
        Signal(G, "text.term", 1.0, "name", details={"term": "zorblax"}),
        Signal(G, "graph.recreated", 1.0, "recreated", details={"source_group": "x"}),
        Signal(G, "report.user", 1.0, "reported"),
    ])
    hard = combine([Signal(G, "hash.exact", 1.0, "icon is a known file", hard=True)])
    assert not soft.hard and hard.hard
    assert hard.score == 1.0 > soft.score


def test_a_plain_member_carries_less_than_whoever_set_the_icon():
    setter = combine([Signal(A, "classifier.explicit", 0.9, "set the icon",
                             details={"actor_role": "setter"}, sha256="ee" * 32)])
    member = combine([Signal(A, "graph.removed_overlap", 0.9, "was a member",
                             details={"actor_role": "member", "source_group": "x"})])
    admin = combine([Signal(A, "graph.removed_overlap", 0.9, "was an admin",
                            details={"actor_role": "admin", "source_group": "x"})])
    assert setter.score > admin.score > member.score


def test_signals_of_other_subjects_are_ignored_when_a_subject_is_named():
    mixed = [Signal(G, "text.term", 1.0, "g"), Signal(A, "text.term", 1.0, "a")]
    assert combine(mixed, subject=A).contributions[0].reason == "a"
