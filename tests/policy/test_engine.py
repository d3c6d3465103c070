import pytest

from groupguard.errors import PolicyError
from groupguard.policy.engine import Policy
from groupguard.signals.base import Signal, Subject

G = Subject("group", "g1")
A = Subject("account", "a1")


def sig(kind, strength=0.9, hard=False, sha="m1", subject=G):
    return Signal(subject, kind, strength, f"{kind} seen", hard=hard, sha256=sha)


@pytest.fixture(scope="module")
def policy():
    return Policy.load()


def test_exact_match_acts(policy):
    verdict = policy.decide(G, [sig("hash.exact", 1.0, hard=True)])
    assert (verdict.outcome, verdict.rule) == ("act", "exact-known-media")
    assert "hash.exact seen" in verdict.explanation


@pytest.mark.parametrize("kind", ["hash.pdq", "classifier.explicit", "text.term",
                                  "graph.recreated"])
def test_one_soft_signal_never_acts(policy, kind):
    assert policy.decide(G, [sig(kind)]).outcome == "review"


def report(reporter, subject=G, strength=0.6):
    return Signal(subject, "report.user", strength, f"reported by {reporter}",
                  details={"reporter": reporter, "reason": "child_safety"},
                  event_id=f"e-{reporter}")


def test_a_single_uncorroborated_report_is_a_triage_item_not_a_case(policy):
    verdict = policy.decide(G, [report("a7")])
    assert (verdict.outcome, verdict.rule, verdict.severity) == ("triage", "user-report", 4)


def test_one_reporter_filing_twice_is_still_one_voice(policy):
    twice = [report("a7"), Signal(G, "report.user", 0.6, "again",
                                  details={"reporter": "a7"}, event_id="e-2")]
    assert policy.decide(G, twice).outcome == "triage"


def test_a_second_independent_reporter_makes_a_case(policy):
    verdict = policy.decide(G, [report("a7"), report("a8")])
    assert (verdict.outcome, verdict.rule) == ("review", "reports-corroborated")


def test_a_report_corroborated_by_a_signal_is_a_case_from_that_signal(policy):
    verdict = policy.decide(G, [report("a7"), sig("text.term", sha=None)])
    assert (verdict.outcome, verdict.rule) == ("review", "solicitation-terms")


def test_perceptual_match_confirmed_by_another_family_acts(policy):
    verdict = policy.decide(A, [sig("hash.pdq", 0.8, subject=A),
                                sig("text.term", 0.9, sha=None, subject=A)])
    assert (verdict.outcome, verdict.rule) == ("act", "perceptual-match-confirmed")


def test_two_perceptual_matches_alone_do_not_act(policy):
    verdict = policy.decide(G, [sig("hash.pdq", sha="m1"), sig("hash.pdq", sha="m2")])
    assert verdict.outcome == "review"


def test_solicitation_indicator_alone_is_nothing(policy):
    assert policy.decide(G, [sig("text.solicitation", 0.3, sha=None)]).outcome == "none"


def test_invalid_rules_name_the_rule(tmp_path):
    bad = tmp_path / "p.yaml"
    bad.write_text("rules:\n  - name: broken\n    when: 'risk >'\n    outcome: act\n")
    with pytest.raises(PolicyError, match="broken"):
        Policy.load(bad)
    bad.write_text("rules:\n  - name: typo\n    when: 'rsk > 1'\n    outcome: act\n")
    with pytest.raises(PolicyError, match="typo"):
        Policy.load(bad)
    bad.write_text("rules:\n  - name: odd\n    when: 'true'\n    outcome: explode\n")
    with pytest.raises(PolicyError, match="outcome"):
        Policy.load(bad)
