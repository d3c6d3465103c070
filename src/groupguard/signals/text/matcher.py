"""Match texts against term banks.

Exact and phrase terms match on keys (normalise.py): the matcher joins neighbouring words of
the text, so "zor blax", "z.o.r.b.l.a.x" and "ZorBlax" meet "zorblax". Fuzzy terms allow a
bounded edit distance on the same keys (rapidfuzz). Words that came from Devanagari also
meet exact terms within one or two edits, since Hindi vowels have several Latin spellings.
Regex terms run over the Unicode-folded text, with a time limit per term. Semantic terms
compare sentence embeddings (semantic.py). Every hit carries the original span and the
normalised form it matched.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import regex
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from sqlalchemy import select
from sqlalchemy.orm import Session

from groupguard.signals.text import semantic
from groupguard.signals.text.banks import banks_version
from groupguard.signals.text.normalise import Normalised, key_of, normalise
from groupguard.signals.text.terms import PLACEHOLDER_BANK, TermSpec, placeholder_terms
from groupguard.store.tables_text import term_banks, text_terms

log = logging.getLogger(__name__)

REGEX_TIMEOUT_S = 0.05
SHORT_KEY = 4  # keys this short match one whole word only, spelled the same
DEFAULT_STRENGTH = 0.6
MODE_RANK = {"exact": 0, "phrase": 0, "regex": 1, "fuzzy": 2, "semantic": 3}


@dataclass(frozen=True)
class TextHit:
    bank: str
    term: str
    mode: str
    span: tuple[int, int]  # in the original text
    score: float  # 1.0 for exact; 1 - distance/length for fuzzy; cosine for semantic
    matched: str  # the normalised form that matched
    term_id: int | None = None
    tags: tuple[str, ...] = ()
    strength: float = DEFAULT_STRENGTH  # the bank's strength times the score

    def to_dict(self) -> dict[str, Any]:
        return {"bank": self.bank, "term": self.term, "mode": self.mode,
                "span": list(self.span), "score": round(self.score, 4),
                "matched": self.matched, "term_id": self.term_id, "tags": list(self.tags)}


@dataclass
class TextResult:
    text: str
    normalised: str
    hits: list[TextHit] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "normalised": self.normalised,
                "hits": [h.to_dict() for h in self.hits]}


@dataclass(frozen=True)
class _Term:
    id: int | None
    bank: str
    mode: str
    term: str
    key: str
    raw: str  # normalised letters before key folding, for short terms
    max_distance: int | None
    threshold: float | None
    tags: tuple[str, ...]
    strength: float

    @property
    def distance(self) -> int:
        if self.max_distance is not None:
            return self.max_distance
        n = len(self.raw or self.key)
        return 0 if n <= SHORT_KEY else 1 if n <= 9 else 2


def _raw_of(term: str) -> str:
    return "".join(t.raw for t in normalise(term).tokens)


class TextMatcher:
    """Built once per process from the store (or from term specs) and reused; `refresh`
    reloads when a bank changed."""

    def __init__(self, terms: Iterable[_Term], *, version: tuple[int, int] | None = None,
                 banks: Sequence[str] | None = None):
        self.version = version
        self.banks = tuple(banks) if banks else None
        self.terms = list(terms)
        self._exact: dict[str, list[_Term]] = defaultdict(list)
        self._fuzzy: list[_Term] = []
        self._regex: list[tuple[_Term, Any]] = []
        self._semantic: list[_Term] = []
        self._semantic_vectors: np.ndarray | None = None
        self.semantic_model: semantic.SemanticModel | None = None
        self.semantic_unavailable = False
        for t in self.terms:
            if t.mode in ("exact", "phrase"):
                self._exact[t.key].append(t)
            elif t.mode == "fuzzy":
                self._fuzzy.append(t)
            elif t.mode == "regex":
                try:
                    self._regex.append((t, regex.compile(t.term, regex.IGNORECASE)))
                except regex.error as exc:  # validated on the way in; an old row may not be
                    log.warning("skipping invalid regex term %s: %s", t.id, exc)
            elif t.mode == "semantic":
                self._semantic.append(t)
        # Devanagari words meet exact, phrase and fuzzy terms within a small distance
        self._translit: dict[str, list[_Term]] = defaultdict(list)
        for t in self.terms:
            if t.mode in ("exact", "phrase", "fuzzy") and len(t.key) > SHORT_KEY:
                self._translit[t.key].append(t)
        self._exact_keys = list(self._translit)
        # fuzzy distance is counted on the normalised letters (doubles squeezed), not on
        # the lossy key, where unrelated words sit closer ("snorkel" vs "snorquelle")
        self._fuzzy_raws = [_squeeze_doubles(t.raw) for t in self._fuzzy]
        self._fuzzy_by_key: dict[str, list[_Term]] = defaultdict(list)
        for t in self._fuzzy:
            self._fuzzy_by_key[t.key].append(t)
        longest = max([len(k) for k in self._exact] + [len(t.raw) + t.distance
                                                        for t in self._fuzzy] + [0])
        # a window's raw letters may be longer than its key (x -> ks makes it shorter)
        self._window_limit = longest * 2 + 4
        if self._semantic:
            self._load_semantic()

    # construction -------------------------------------------------------------------

    @classmethod
    def from_specs(cls, specs: Iterable[TermSpec], *, bank: str = PLACEHOLDER_BANK,
                   strength: float = DEFAULT_STRENGTH) -> TextMatcher:
        terms = [_Term(id=None, bank=bank, mode=s.mode, term=s.term, key=s.key,
                       raw=_raw_of(s.term) if s.mode in ("exact", "phrase", "fuzzy") else "",
                       max_distance=s.max_distance, threshold=s.threshold, tags=s.tags,
                       strength=strength) for s in specs]
        return cls(terms)

    @classmethod
    def placeholder(cls) -> TextMatcher:
        """The shipped placeholder bank (invented words), for tests and the demo."""
        return cls.from_specs(placeholder_terms())

    @classmethod
    def from_db(cls, session: Session, *, banks: Sequence[str] | None = None) -> TextMatcher:
        q = (select(text_terms, term_banks.c.strength)
             .join(term_banks, term_banks.c.name == text_terms.c.bank)
             .where(text_terms.c.removed_at.is_(None)))
        if banks:
            q = q.where(text_terms.c.bank.in_(list(banks)))
        terms = []
        for r in session.execute(q).mappings():
            terms.append(_Term(
                id=r["id"], bank=r["bank"], mode=r["mode"], term=r["term"], key=r["key"],
                raw=_raw_of(r["term"]) if r["mode"] in ("exact", "phrase", "fuzzy") else "",
                max_distance=r["max_distance"], threshold=r["threshold"],
                tags=tuple(r["tags"] or ()), strength=float(r["strength"])))
        return cls(terms, version=banks_version(session), banks=banks)

    def refresh(self, session: Session) -> TextMatcher:
        """This matcher if no bank changed since it was built, else a fresh one."""
        if self.version is not None and banks_version(session) == self.version:
            return self
        return TextMatcher.from_db(session, banks=self.banks)

    def _load_semantic(self) -> None:
        self.semantic_model = semantic.load_model()
        if self.semantic_model is None:
            self.semantic_unavailable = True
            return
        self._semantic_vectors = self.semantic_model.embed([t.term for t in self._semantic])

    # matching -----------------------------------------------------------------------

    def match(self, text: str, *, banks: Sequence[str] | None = None) -> TextResult:
        return self.match_many([text], banks=banks)[0]

    def match_many(self, texts: Sequence[str], *, banks: Sequence[str] | None = None
                   ) -> list[TextResult]:
        norms = [normalise(t) if t else normalise("") for t in texts]
        results = []
        for norm in norms:
            hits = self._word_hits(norm) + self._regex_hits(norm)
            results.append(TextResult(text=norm.original, normalised=norm.text, hits=hits))
        if self._semantic_vectors is not None and self.semantic_model is not None:
            self._semantic_hits(norms, results)
        for r in results:
            if banks:
                r.hits = [h for h in r.hits if h.bank in banks]
            r.hits = _dedupe(r.hits)
        return results

    def _word_hits(self, norm: Normalised) -> list[TextHit]:
        if not self._exact and not self._fuzzy:
            return []
        hits: list[TextHit] = []
        tokens = norm.tokens
        for i in range(len(tokens)):
            raw = ""
            devanagari = False
            for j in range(i, len(tokens)):
                raw += tokens[j].raw
                devanagari = devanagari or tokens[j].devanagari
                if len(raw) > self._window_limit:
                    break
                span = (tokens[i].start, tokens[j].end)
                hits.extend(self._window_hits(raw, span, i == j, devanagari))
                # "!" may stand for an "i" ("kelvatr!"), or be punctuation ("z0rblax!")
                if tokens[j].bang and len(raw) > 1:
                    hits.extend(self._window_hits(raw[:-1], span, i == j, devanagari))
                if tokens[j].bang_next:
                    hits.extend(self._window_hits(raw + "i", (span[0], span[1] + 1),
                                                  i == j, devanagari))
        return hits

    def _window_hits(self, raw: str, span: tuple[int, int], single: bool, devanagari: bool
                     ) -> list[TextHit]:
        hits: list[TextHit] = []
        key = key_of(raw)
        for t in self._exact.get(key, ()):
            if len(t.key) <= SHORT_KEY and not (single and raw == t.raw):
                continue
            hits.append(self._hit(t, span, 1.0, raw))
        if self._fuzzy and len(key) > SHORT_KEY:
            hits.extend(self._fuzzy_hits(key, span, raw))
        if devanagari and len(key) > SHORT_KEY and self._exact_keys:
            hits.extend(self._transliteration_hits(key, span, raw))
        return hits

    def _fuzzy_hits(self, key: str, span: tuple[int, int], raw: str) -> list[TextHit]:
        out = [self._hit(t, span, 1.0, raw) for t in self._fuzzy_by_key.get(key, ())]
        squeezed = _squeeze_doubles(raw)
        for _, dist, idx in process.extract(squeezed, self._fuzzy_raws,
                                            scorer=Levenshtein.distance, score_cutoff=5,
                                            limit=None):
            t = self._fuzzy[idx]
            if 0 < dist <= t.distance:
                out.append(self._hit(t, span, 1.0 - dist / max(len(t.raw), 1), raw))
        return out

    def _transliteration_hits(self, key: str, span: tuple[int, int], raw: str) -> list[TextHit]:
        out = []
        for k, dist, _ in process.extract(key, self._exact_keys, scorer=Levenshtein.distance,
                                          score_cutoff=2, limit=None):
            if dist == 0 or dist > (1 if len(k) <= 8 else 2):
                continue
            for t in self._translit[k]:
                out.append(self._hit(t, span, 1.0 - dist / len(k), raw))
        return out

    def _regex_hits(self, norm: Normalised) -> list[TextHit]:
        hits = []
        for t, pattern in self._regex:
            try:
                for m in pattern.finditer(norm.plain, timeout=REGEX_TIMEOUT_S):
                    if m.end() > m.start():
                        span = norm.original_span(m.start(), m.end(), layer="plain")
                        hits.append(self._hit(t, span, 1.0, m.group()))
            except TimeoutError:
                log.warning("regex term %r timed out on a %d-character text", t.term,
                            len(norm.plain))
        return hits

    def _semantic_hits(self, norms: list[Normalised], results: list[TextResult]) -> None:
        assert self.semantic_model is not None and self._semantic_vectors is not None
        todo = [k for k, n in enumerate(norms) if n.text.strip()]
        if not todo:
            return
        vectors = self.semantic_model.embed([norms[k].text for k in todo])
        scores = vectors @ self._semantic_vectors.T
        for row, k in enumerate(todo):
            for col, t in enumerate(self._semantic):
                score = float(scores[row, col])
                if score >= (t.threshold or semantic.DEFAULT_THRESHOLD):
                    results[k].hits.append(self._hit(
                        t, (0, len(norms[k].original)), score, norms[k].text[:200]))

    @staticmethod
    def _hit(t: _Term, span: tuple[int, int], score: float, matched: str) -> TextHit:
        return TextHit(bank=t.bank, term=t.term, mode=t.mode, span=span, score=score,
                       matched=matched, term_id=t.id, tags=t.tags,
                       strength=round(t.strength * score, 4))


_DOUBLES = regex.compile(r"(.)\1+")


def _squeeze_doubles(s: str) -> str:
    return _DOUBLES.sub(r"\1", s)


def _dedupe(hits: list[TextHit]) -> list[TextHit]:
    """Per term, the best non-overlapping hits: higher score, then the tighter span."""
    by_term: dict[tuple[str, str, str], list[TextHit]] = defaultdict(list)
    for h in hits:
        by_term[(h.bank, h.mode, h.term)].append(h)
    out: list[TextHit] = []
    for group in by_term.values():
        group.sort(key=lambda h: (-h.score, h.span[1] - h.span[0], h.span[0]))
        kept: list[TextHit] = []
        for h in group:
            if all(h.span[1] <= k.span[0] or h.span[0] >= k.span[1] for k in kept):
                kept.append(h)
        out.extend(kept)
    out.sort(key=lambda h: (h.span[0], MODE_RANK.get(h.mode, 9), h.bank, h.term))
    return out
