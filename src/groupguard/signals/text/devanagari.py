"""Devanagari -> Latin, the way Hinglish writers spell it, so that a term written in either
script meets the other.

The letter table comes from indic-transliteration (ITRANS); what that library does not do is
Hindi's schwa deletion ("कमला" is "kamla", not "kamala"; "दोस्त" is "dost"), which decides
whether a Devanagari spelling lands on the Latin one people type. Each Latin letter keeps the
span of the Devanagari characters it came from.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from indic_transliteration import sanscript

Span = tuple[int, int]

VIRAMA = "\u094d"
NUKTA = "\u093c"
_NUKTA_FORMS = {"क": "q", "ख": "kh", "ग": "g", "ज": "z", "ड": "r", "ढ": "rh", "फ": "f", "य": "y"}
# ITRANS spellings that Hinglish writers do not use.
_ITRANS_FIXES = (("rri", "ri"), ("lli", "li"), ("~n", "n"), (".n", "n"), (".d", "r"), (".a", ""))


def is_devanagari(ch: str) -> bool:
    cp = ord(ch)
    return 0x0900 <= cp <= 0x097F or 0xA8E0 <= cp <= 0xA8FF


@lru_cache(maxsize=512)
def _latin(ch: str) -> str:
    out = sanscript.transliterate(ch, sanscript.DEVANAGARI, sanscript.ITRANS)
    if out == ch:  # the library has no reading for it (rare signs)
        return ""
    out = out.lower()
    for old, new in _ITRANS_FIXES:
        out = out.replace(old, new)
    return "".join(c for c in out if c.isalnum())


def _kind(ch: str) -> str:
    if ch == VIRAMA:
        return "virama"
    if ch == NUKTA:
        return "nukta"
    if ch in "\u0901\u0902":  # chandrabindu, anusvara
        return "nasal"
    if ch == "\u0903":
        return "visarga"
    cat = unicodedata.category(ch)
    if cat in ("Mn", "Mc"):
        return "matra"
    if cat == "Nd":
        return "digit"
    cp = ord(ch)
    if 0x0904 <= cp <= 0x0914 or 0x0960 <= cp <= 0x0961 or 0x0972 <= cp <= 0x0977:
        return "vowel"
    if cat == "Lo":
        return "consonant"
    return "other"


@dataclass
class _Syllable:
    onset: list[tuple[str, Span]] = field(default_factory=list)  # consonants of a cluster
    vowel: tuple[str, Span] | None = None  # None: the inherent schwa
    coda: list[tuple[str, Span]] = field(default_factory=list)  # nasal, visarga
    closed: bool = False  # ended by a virama: no vowel at all
    schwa_deleted: bool = False

    @property
    def has_inherent(self) -> bool:
        return bool(self.onset) and self.vowel is None and not self.closed


def _syllables(run: str, offset: int) -> list[list[_Syllable] | tuple[str, Span]]:
    """Split a Devanagari run into words of syllables; non-letters pass through."""
    out: list[list[_Syllable] | tuple[str, Span]] = []
    word: list[_Syllable] = []
    i = 0
    while i < len(run):
        ch = run[i]
        span = (offset + i, offset + i + 1)
        kind = _kind(ch)
        if kind == "consonant":
            latin = _latin(ch)
            if i + 1 < len(run) and run[i + 1] == NUKTA:
                latin = _NUKTA_FORMS.get(ch, latin)
                span = (span[0], span[1] + 1)
                i += 1
            latin = latin[:-1] if latin.endswith("a") else latin
            if word and word[-1].closed and word[-1].vowel is None and not word[-1].coda:
                # virama joined this consonant to the previous one: a cluster
                word[-1].closed = False
                word[-1].onset.append((latin, span))
            else:
                word.append(_Syllable(onset=[(latin, span)]))
        elif kind == "matra" and word and word[-1].vowel is None and not word[-1].closed:
            word[-1].vowel = (_latin(ch), span)
        elif kind == "vowel":
            word.append(_Syllable(vowel=(_latin(ch), span)))
        elif kind == "virama" and word:
            word[-1].closed = True
        elif kind in ("nasal", "visarga") and word:
            word[-1].coda.append(("n" if kind == "nasal" else "h", span))
        elif kind == "nukta":
            pass
        else:
            if word:
                out.append(word)
                word = []
            out.append((_latin(ch) if kind == "digit" else " ", span))
        i += 1
    if word:
        out.append(word)
    return out


def _delete_schwas(word: list[_Syllable]) -> None:
    # Ohala's rule, applied right to left: a schwa between V C _ C V is not pronounced,
    # nor is a word's last schwa.
    if len(word) > 1 and word[-1].has_inherent and not word[-1].coda:
        word[-1].schwa_deleted = True
    for j in range(len(word) - 2, 0, -1):
        syl, prev, nxt = word[j], word[j - 1], word[j + 1]
        if not syl.has_inherent or syl.coda:
            continue
        prev_vowel = not prev.closed and not prev.schwa_deleted
        next_cv = len(nxt.onset) == 1 and not nxt.closed and not nxt.schwa_deleted
        if prev_vowel and next_cv:
            syl.schwa_deleted = True


def transliterate(run: str, offset: int = 0) -> list[tuple[str, Span]]:
    """Latin letters for a run of Devanagari text starting at `offset` in the original,
    each with the original span it came from."""
    out: list[tuple[str, Span]] = []
    for item in _syllables(run, offset):
        if isinstance(item, tuple):
            out.extend((c, item[1]) for c in item[0])
            continue
        _delete_schwas(item)
        for syl in item:
            for latin, span in syl.onset:
                out.extend((c, span) for c in latin)
            if syl.vowel is not None:
                out.extend((c, syl.vowel[1]) for c in syl.vowel[0])
            elif syl.has_inherent and not syl.schwa_deleted:
                out.append(("a", syl.onset[-1][1]))
            for latin, span in syl.coda:
                out.extend((c, span) for c in latin)
    return out


def to_latin(text: str) -> str:
    """Whole-string convenience: Devanagari runs become Hinglish Latin, the rest is kept."""
    pieces: list[str] = []
    i = 0
    while i < len(text):
        if is_devanagari(text[i]):
            j = i
            while j < len(text) and is_devanagari(text[j]):
                j += 1
            pieces.append("".join(c for c, _ in transliterate(text[i:j], i)))
            i = j
        else:
            pieces.append(text[i])
            i += 1
    return "".join(pieces)


def to_devanagari(latin: str) -> str:
    """Latin (ITRANS-like Hinglish) to Devanagari, for tests and the benchmark's variants."""
    return sanscript.transliterate(latin, sanscript.OPTITRANS, sanscript.DEVANAGARI)
