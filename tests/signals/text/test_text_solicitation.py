"""Solicitation indicators: each kind, spans, and their weak strength."""

from __future__ import annotations

import pytest

from groupguard.signals.text.solicitation import MAX_STRENGTH, indicators, strength


@pytest.mark.parametrize(
    ("kind", "text", "matched"),
    [
        ("price", "only ₹500 each", "rs500"),
        ("price", "50 usd", "50 usd"),
        ("payment", "pay by UPI", "upi"),
        ("location", "all india delivery", "all india"),
        ("timing", "available tonight", "tonight"),
        ("timing", "open 24/7", "24/7"),
        ("off_platform", "call +91 98765 43210", "+91 98765 43210"),
        ("off_platform", "see https://example.org/x", "https://example.org/x"),
        ("off_platform", "msg @zorb_fan", "@zorb_fan"),
        ("off_platform", "come to telegram", "telegram"),
        ("recruitment", "join now", "join"),
        ("recruitment", "दोस्तों को भेजो", "bhejo"),
        ("quota", "send 5 to join", "send 5 to join"),
        ("quota", "10 pics to stay", "10 pics to stay"),
        ("quota", "post or get kicked", "post or get kicked"),
    ],
)
def test_each_indicator_kind(kind: str, text: str, matched: str) -> None:
    found = [i for i in indicators(text) if i.name == kind]
    assert found, (kind, text)
    assert found[0].matched == matched


def test_spans_are_in_the_original() -> None:
    text = "Ｊｏｉｎ and DM me"
    found = indicators(text)
    join = [i for i in found if i.name == "recruitment"][0]
    assert text[join.span[0]:join.span[1]] == "Ｊｏｉｎ"


def test_strength_is_weak_and_grows_with_distinct_kinds() -> None:
    assert strength(indicators("Sharma family")) == 0.0
    one = strength(indicators("join us"))
    many = strength(indicators("send 5 to join, DM on telegram, ₹500 UPI, tonight, all india"))
    assert 0 < one < many <= MAX_STRENGTH < 0.3


def test_ordinary_group_names_have_few_or_none() -> None:
    assert indicators("Green Valley Residents") == []
    assert indicators("") == []
