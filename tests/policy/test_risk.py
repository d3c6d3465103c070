from groupguard.policy.risk import combine
from groupguard.signals.base import Signal, Subject

G = Subject("group", "g")


def test_independent_families_add_up_more_than_repeats_of_one():
    one_family = combine([Signal(G, "text.term", 1.0, "t1"), Signal(G, "text.term", 1.0, "t2")])
    two = [Signal(G, "text.term", 1.0, "t"), Signal(G, "graph.recreated", 1.0, "g")]
    two_families = combine(two)
    assert two_families.score > one_family.score > 0


def test_contributions_explain_the_score():
    risk = combine([Signal(G, "hash.pdq", 0.8, "icon matches bank known at distance 12")])
    assert "distance 12" in risk.explain()
    assert risk.score == risk.contributions[0].value


def test_no_signals_no_risk():
    assert combine([]).score == 0.0
