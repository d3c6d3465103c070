"""Text normalisation against evasion, with a map back to the original text.

Three layers, each a string whose every character remembers the span of the original it
came from:

- ``plain``: Unicode folded. Zero-width, format and control characters dropped; emoji used as
  letters (regional indicators, negative circled/squared letters, keycaps) read as letters;
  NFKC (full-width, mathematical, circled, ligatures); diacritics dropped; case folded;
  homoglyphs of other scripts mapped to the Latin letter they imitate (Unicode's
  confusables, via confusable-homoglyphs); any other script romanised (anyascii), Devanagari
  the Hinglish way (devanagari.py). Regex terms run here, where digits are still digits.
- ``text`` (what reports show as "normalised"): plain plus leetspeak ("z0rbl@x"), separated
  letters joined ("z o r b l a x", "z.o.r.b.l.a.x") and letter runs squeezed ("zooorblax").
- ``tokens``: the words of ``text`` reduced to matching keys. Keys merge letters that
  evasions and Hinglish spellings swap (i/l/1, v/w, ph/f, q/k, x/ks, ee/i, oo/u, aspirated
  consonants) and drop doubled letters, so one key stands for every spelling. The matcher
  joins neighbouring tokens, which catches words split by spaces or punctuation.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from anyascii import anyascii

from groupguard.signals.text import devanagari

Span = tuple[int, int]

# Emoji that stand for letters and that NFKC leaves alone.
_EMOJI_LETTERS = {
    "\u274c": "x", "\u2716": "x", "\u274e": "x", "\u2715": "x", "\u2717": "x",
    "\u2b55": "o", "\u26aa": "o", "\u26ab": "o", "\U0001f534": "o", "\U0001f535": "o",
    "\U0001f7e0": "o", "\U0001f7e1": "o", "\U0001f7e2": "o", "\U0001f7e3": "o",
    "\U0001f7e4": "o", "\u2757": "i", "\u2755": "i", "\u2763": "i", "\U0001f4b2": "s",
    "\u2714": "v", "\u2705": "v", "\u2611": "v", "\U0001f51f": "10", "\u00a9": "c",
    "\u00ae": "r", "\u24c2": "m", "\u2139": "i", "\U0001f17e": "o", "\U0001f17f": "p",
}
# Lookalikes used to imitate Latin letters that Unicode's confusables data maps elsewhere or
# not at all (Cyrillic ghe as r, Greek chi as x, upsilon as u, ...). Checked first.
_LOOKALIKES = {
    "г": "r", "ь": "b", "Ь": "b", "в": "b", "χ": "x", "υ": "u", "σ": "o", "κ": "k", "к": "k",
    "ι": "i", "ν": "v", "ρ": "p", "τ": "t", "т": "t", "η": "n", "ω": "w", "п": "n", "и": "u",
    "ш": "w", "м": "m", "н": "h", "ѕ": "s", "ԁ": "d", "ԛ": "q", "һ": "h", "ӏ": "l", "ո": "n",
    "ս": "u", "ᴢ": "z", "γ": "y", "α": "a", "ε": "e", "β": "b", "ѵ": "v", "ϲ": "c",
    "ɑ": "a", "ҽ": "e", "ɡ": "g", "ƅ": "b", "ԝ": "w", "ј": "j", "ք": "p", "զ": "q",
}
# Italic-only lookalikes: they imitate Latin inside a word that mixes scripts, but a word
# written wholly in them is ordinary Cyrillic ("привет") and is romanised by sound.
_ITALIC_ONLY = set("вткпнмшиг")
# Characters a reader does not see: dropped without leaving a gap.
_INVISIBLE_CATEGORIES = {"Cf", "Cs", "Co", "Sk"}
_INVISIBLE = {"\u034f", "\u115f", "\u1160", "\u3164", "\uffa0", "\u2800", "\u20e3"}
_DIACRITIC_RANGES = ((0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF),
                     (0xFE20, 0xFE2F))
# Leetspeak symbols, read as letters only inside or at the edge of a word.
_LEET_SYMBOLS = {"@": "a", "$": "s", "!": "i", "|": "l", "\u20ac": "e", "\u00a2": "c",
                 "+": "t", "\u00a3": "l", "\u00a5": "y", "\u00df": "b"}
_LEET_DIGITS = {"0": "o", "1": "i", "2": "z", "3": "e", "4": "a", "5": "s", "6": "g", "7": "t",
                "8": "b", "9": "g"}
# Separators between letters that spell a word out ("z o r b", "z.o.r.b", "z-o-r-b").
_JOIN_SEPARATORS = set(" ._-*~/\\,:;|+'`\u00b7\u2022")
MAX_TEXT = 1 << 20
SHORT_WORD = 4  # keys of words this short keep every letter


def _is_invisible(ch: str) -> bool:
    if ch in _INVISIBLE:
        return True
    cp = ord(ch)
    if 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF or 0x1F3FB <= cp <= 0x1F3FF:
        return True
    return unicodedata.category(ch) in _INVISIBLE_CATEGORIES


def _is_diacritic(ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _DIACRITIC_RANGES)


@lru_cache(maxsize=1)
def _confusables() -> dict[str, str]:
    """Non-ASCII characters that imitate one ASCII letter or digit, from Unicode's
    confusables data as shipped by confusable-homoglyphs."""
    raw = json.loads(
        resources.files("confusable_homoglyphs").joinpath("confusables.json").read_text("utf-8")
    )
    table: dict[str, str] = {}
    for ch, glyphs in raw.items():
        if len(ch) != 1 or ord(ch) < 128:
            continue
        ascii_forms = [g["c"] for g in glyphs if len(g["c"]) == 1 and g["c"].isascii()
                       and g["c"].isalnum()]
        if ascii_forms:
            letters = [c for c in ascii_forms if c.isalpha()]
            table[ch] = (letters or ascii_forms)[0].lower()
    return table


@lru_cache(maxsize=8192)
def _fold_char(ch: str, visual: bool = True) -> str:
    """One original character (not Devanagari, not invisible) to its plain form. `visual`:
    map a homoglyph to the Latin letter it looks like (a word that mixes scripts to
    imitate Latin); otherwise romanise it by sound (a word written in another script)."""
    if ch in _EMOJI_LETTERS:
        return _EMOJI_LETTERS[ch]
    cp = ord(ch)
    if 0x1F1E6 <= cp <= 0x1F1FF:  # regional indicators
        return chr(ord("a") + cp - 0x1F1E6)
    if 0x1F150 <= cp <= 0x1F169:  # negative circled letters
        return chr(ord("a") + cp - 0x1F150)
    if 0x1F170 <= cp <= 0x1F189:  # negative squared letters
        return chr(ord("a") + cp - 0x1F170)
    if ch.isspace():
        return " "
    if ch in _LEET_SYMBOLS:  # the leetspeak step reads it in context ("qu€xfin")
        return ch
    if visual and ch in _LOOKALIKES:
        return _LOOKALIKES[ch]
    if visual and unicodedata.category(ch)[0] == "M":
        return ""  # marks piled on Latin letters are decoration (zalgo)
    out = []
    for d in unicodedata.normalize("NFKD", ch):
        if _is_diacritic(d) or _is_invisible(d):
            continue
        if d.isascii():
            out.append(d.lower())
            continue
        folded = d.casefold()
        if folded.isascii():
            out.append(folded)
        elif visual and (d in _LOOKALIKES or folded in _LOOKALIKES):
            out.append(_LOOKALIKES.get(d) or _LOOKALIKES[folded])
        elif visual and (d in _confusables() or folded in _confusables()):
            out.append(_confusables().get(d) or _confusables()[folded])
        else:
            roman = anyascii(d)
            # anyascii spells emoji as ":name:"; a symbol is a gap, not letters
            if not roman or roman.startswith(":") or not any(c.isalnum() for c in roman):
                out.append(" " if unicodedata.category(d)[0] in "SZ" else roman.lower() or " ")
            else:
                out.append(roman.lower())
    return "".join(out)


@dataclass(frozen=True)
class Token:
    """A word of the normalised text: its raw normalised letters, its matching key, and
    where it came from in the original."""

    raw: str
    key: str
    start: int
    end: int
    devanagari: bool = False
    bang: bool = False  # ends in an "i" read from a final "!": the matcher tries both
    bang_next: bool = False  # followed by a "!" kept as punctuation: it may be an "i"


@dataclass(frozen=True)
class Normalised:
    original: str
    plain: str
    plain_spans: tuple[Span, ...]
    text: str
    spans: tuple[Span, ...]
    tokens: tuple[Token, ...]

    def original_span(self, start: int, end: int, *, layer: str = "text") -> Span:
        """The original span covered by characters [start, end) of a layer."""
        spans = self.spans if layer == "text" else self.plain_spans
        if not spans or start >= end:
            return (0, 0)
        return (spans[start][0], spans[end - 1][1])


@lru_cache(maxsize=8192)
def _looks_latin(ch: str) -> bool:
    """Whether a character is Latin or can pass for a Latin letter."""
    if ch.isascii():
        return True
    base = "".join(d for d in unicodedata.normalize("NFKD", ch) if not _is_diacritic(d))
    return base.isascii() or all(
        (c in _LOOKALIKES or c in _confusables() or c.casefold() in _confusables())
        and c.casefold() not in _ITALIC_ONLY for c in base)


def _lookalike_word(letters: list[str]) -> bool:
    """A word wholly of lookalikes, most of them unambiguous ("ԁгսνοκ"), imitates Latin;
    ordinary Cyrillic ("привет", "сок") has too many italic-only letters to pass."""
    if not all(_looks_latin_loosely(c) for c in letters):
        return False
    strict = sum(_looks_latin(c) for c in letters)
    return strict == len(letters) or (len(letters) >= 4 and strict * 4 >= len(letters) * 3)


def _looks_latin_loosely(ch: str) -> bool:
    return ch in _LOOKALIKES or ch.casefold() in _LOOKALIKES or _looks_latin(ch)


def _visual_words(text: str) -> list[bool]:
    """Per character: does its word pass for Latin as a whole? "zоrblах" (Cyrillic о, а, х)
    does and reads as Latin; "Привет" does not and is romanised by sound."""
    out = [True] * len(text)
    k = 0
    n = len(text)
    while k < n:
        if not text[k].isalpha():
            k += 1
            continue
        j = k
        while j < n and (text[j].isalnum() or unicodedata.category(text[j])[0] == "M"
                         or _is_invisible(text[j])):
            j += 1
        letters = [c for c in text[k:j] if c.isalpha()]
        # a word that mixes Latin (or digits) with other letters imitates Latin; so do a
        # lone letter and a word made only of lookalikes
        mixed = any(c.isascii() and c.isalnum() for c in text[k:j]) and not all(
            c.isascii() for c in letters)
        lone = len(letters) == 1 and _looks_latin_loosely(letters[0])
        if not mixed and not lone and not _lookalike_word(letters):
            for m in range(k, j):
                out[m] = False
        k = j
    return out


def _plain(text: str) -> tuple[list[str], list[Span], list[bool]]:
    if text.isascii() and text.isprintable():  # most names: nothing to fold but case
        return (list(text.lower()), [(i, i + 1) for i in range(len(text))],
                [c.isupper() for c in text])
    chars: list[str] = []
    spans: list[Span] = []
    upper: list[bool] = []
    visual = _visual_words(text)
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if devanagari.is_devanagari(ch):
            j = i
            while j < n and (devanagari.is_devanagari(text[j]) or text[j] in "\u200c\u200d"):
                j += 1
            run = text[i:j]
            for c, span in _translit_with_joiners(run, i):
                chars.append(c)
                spans.append(span)
                upper.append(False)
            i = j
            continue
        if _is_invisible(ch):
            i += 1
            continue
        if unicodedata.category(ch) == "Cc":
            folded = " " if ch in "\t\n\r\x0b\x0c" else ""
        else:
            folded = _fold_char(ch, visual[i])
        is_upper = ch.isupper()
        for c in folded:
            chars.append(c)
            spans.append((i, i + 1))
            upper.append(is_upper)
        i += 1
    return chars, spans, upper


def _translit_with_joiners(run: str, offset: int) -> list[tuple[str, Span]]:
    # ZWJ/ZWNJ only shape conjuncts; drop them but keep offsets pointing at the original.
    kept = [(k, c) for k, c in enumerate(run) if c not in "\u200c\u200d"]
    squeezed = "".join(c for _, c in kept)
    out = []
    for c, (s, e) in devanagari.transliterate(squeezed, 0):
        out.append((c, (offset + kept[s][0], offset + kept[e - 1][0] + 1)))
    return out


def _is_word(c: str) -> bool:
    return c.isalnum()


def _leet_symbols(chars: list[str]) -> list[str]:
    """Leet symbols read as letters inside a run of letters, digits and leet symbols that
    has at least one letter or digit ("k€|v@+r!", "$orblax"). A final "!" reads as "i"
    only in a word already written in leet ("hi!" stays "hi!")."""
    out = list(chars)
    n = len(chars)
    k = 0
    while k < n:
        if not (_is_word(chars[k]) or chars[k] in _LEET_SYMBOLS):
            k += 1
            continue
        j = k
        while j < n and (_is_word(chars[j]) or chars[j] in _LEET_SYMBOLS):
            j += 1
        run = chars[k:j]
        if any(_is_word(c) for c in run):
            end = len(run)
            while end > 0 and run[end - 1] == "!":
                end -= 1
            leet_inside = any(c in _LEET_SYMBOLS for c in run[:end]) or any(
                c.isdigit() for c in run[:end]) and any(c.isalpha() for c in run[:end])
            for m in range(len(run)):
                c = run[m]
                if c in _LEET_SYMBOLS and (m < end or leet_inside):
                    out[k + m] = _LEET_SYMBOLS[c]
        k = j
    return out


def _leet_digits(chars: list[str]) -> list[str]:
    """Digits inside words read as letters ("z0rbl4x"); numbers ("2024", "zx12") stay."""
    out = list(chars)
    n = len(chars)
    k = 0
    while k < n:
        if not chars[k].isdigit():
            k += 1
            continue
        j = k
        while j < n and chars[j].isdigit():
            j += 1
        left = k > 0 and chars[k - 1].isalpha()
        right = j < n and chars[j].isalpha()
        if (left and right) or ((left or right) and j - k == 1):
            for m in range(k, j):
                out[m] = _LEET_DIGITS[chars[m]]
        k = j
    return out


def _join_spelled(chars: list[str]) -> list[bool]:
    """Which characters to keep when letters are spelled out one by one with separators
    ("z o r b l a x", "z.o.r.b"): at least three single letters, separated by one to
    three separator characters, become one word."""
    keep = [True] * len(chars)
    n = len(chars)
    singles: list[int] = []

    def flush() -> None:
        if len(singles) >= 3:
            for a, b in zip(singles, singles[1:], strict=False):
                for m in range(a + 1, b):
                    keep[m] = False
        singles.clear()

    k = 0
    while k < n:
        if _is_word(chars[k]) and (k == 0 or not _is_word(chars[k - 1])) and (
                k + 1 == n or not _is_word(chars[k + 1])):
            if singles:
                gap = chars[singles[-1] + 1:k]
                if not (1 <= len(gap) <= 3 and all(g in _JOIN_SEPARATORS for g in gap)):
                    flush()
            singles.append(k)
        elif _is_word(chars[k]):
            flush()
        k += 1
    flush()
    return keep


def _squeeze(rows: list[tuple[str, Span, bool, bool]]) -> list[tuple[str, Span, bool, bool]]:
    """Runs of three or more of one letter become one ("zooorblax" -> "zorblax"); spaces
    collapse; the kept character's span covers the whole run."""
    out: list[tuple[str, Span, bool, bool]] = []
    k = 0
    n = len(rows)
    while k < n:
        c = rows[k][0]
        j = k
        while j < n and rows[j][0] == c:
            j += 1
        if c == " " or (j - k >= 3 and c.isalpha()):
            if not (c == " " and (not out or out[-1][0] == " ")):
                out.append((c, (rows[k][1][0], rows[j - 1][1][1]), rows[k][2],
                            any(r[3] for r in rows[k:j])))
        else:
            out.extend(rows[k:j])
        k = j
    while out and out[-1][0] == " ":
        out.pop()
    return out


# Key folding: spellings that evasion and Hinglish treat as the same word. Lossy on purpose
# (a key stands for many spellings); the matcher asks short terms for more than the key.
_KEY_RULES = [
    (re.compile(r"[0-9]"), lambda m: _LEET_DIGITS[m.group()]),
    (re.compile(r"ee"), lambda m: "i"),
    (re.compile(r"oo"), lambda m: "u"),
    (re.compile(r"(?:q|k|c)(?:u|w|v)"), lambda m: "ku"),
    (re.compile(r"ck"), lambda m: "k"),
    (re.compile(r"ph"), lambda m: "f"),
    (re.compile(r"([bcdgjkpstz])h"), lambda m: m.group(1)),
    (re.compile(r"x+"), lambda m: "ks"),
]
# Hinglish writes a final schwa or leaves it out ("ram"/"rama", "dost"/"dosta").
_FINAL_SCHWA = re.compile(r"(?<=[^aeiou])a$")
_KEY_TABLE = str.maketrans({"l": "i", "w": "v", "q": "k", "c": "k", "y": "i", "e": "i",
                            "o": "u"})
_REPEATS = re.compile(r"(.)\1+")


@lru_cache(maxsize=65536)
def key_of(word: str) -> str:
    """The matching key of an already normalised word (letters and digits only)."""
    k = word
    for pattern, repl in _KEY_RULES:
        k = pattern.sub(repl, k)
    if len(k) > SHORT_WORD:
        k = _FINAL_SCHWA.sub("", k)
    k = k.translate(_KEY_TABLE)
    return _REPEATS.sub(r"\1", k)


def _tokens(chars: list[str], spans: list[Span], camel: list[bool],
            from_devanagari: list[bool], original: str) -> list[Token]:
    tokens: list[Token] = []
    n = len(chars)
    k = 0
    while k < n:
        if not _is_word(chars[k]):
            k += 1
            continue
        j = k + 1
        while j < n and _is_word(chars[j]):
            # camelCase and digit/letter boundaries split a word ("ZorBlax", "zorblax2024")
            if camel[j]:
                break
            if chars[j].isdigit() != chars[j - 1].isdigit():
                break
            j += 1
        raw = "".join(chars[k:j])
        end = spans[j - 1][1]
        tokens.append(Token(raw=raw, key=key_of(raw), start=spans[k][0], end=end,
                            devanagari=any(from_devanagari[k:j]),
                            bang=raw.endswith("i") and original[end - 1] == "!",
                            bang_next=original[end:end + 1] == "!"))
        k = j
    return tokens


def normalise(text: str) -> Normalised:
    """Normalise one text (a group name, a description, a message)."""
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT]
    chars, spans, upper = _plain(text)
    plain = "".join(chars)
    plain_spans = tuple(spans)
    from_dev = [devanagari.is_devanagari(text[s]) for s, _ in spans]

    leet = _leet_digits(_leet_symbols(chars))
    keep = _join_spelled(leet)
    rows = _squeeze([(c, sp, up, dv) for c, sp, up, dv, kp in zip(
        leet, spans, upper, from_dev, keep, strict=True) if kp])
    s_chars = [r[0] for r in rows]
    s_spans = [r[1] for r in rows]
    # camelCase splits words ("ZorBlax"); spelled-out capitals ("Z O R B") do not
    camel = [m > 0 and rows[m][2] and not rows[m - 1][2] and s_chars[m - 1].isalpha()
             for m in range(len(rows))]
    tokens = _tokens(s_chars, s_spans, camel, [r[3] for r in rows], text)
    return Normalised(original=text, plain=plain, plain_spans=plain_spans,
                      text="".join(s_chars), spans=tuple(s_spans), tokens=tuple(tokens))


def term_key(term: str) -> str:
    """The key a term must meet: its normalised words joined, as the matcher joins
    neighbouring tokens."""
    return key_of("".join(t.raw for t in normalise(term).tokens))
