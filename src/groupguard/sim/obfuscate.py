"""Ways people disguise a word in a group name so that plain matching misses it.

Each method is a function (word, rng) -> disguised word; `METHODS` names them all. They are
applied to placeholder terms only.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Rng = np.random.Generator

# Latin letters and the Cyrillic/Greek letters that look the same.
HOMOGLYPHS = {
    "a": "\u0430",  # Cyrillic a
    "c": "\u0441",
    "e": "\u0435",
    "i": "\u0456",
    "o": "\u043e",
    "p": "\u0440",
    "x": "\u0445",
    "y": "\u0443",
    "k": "\u03ba",  # Greek kappa
    "n": "\u03b7",  # Greek eta (close enough at icon-label sizes)
    "v": "\u03bd",  # Greek nu
    "t": "\u0442",
}

LEET = {
    "a": ("4", "@"),
    "b": ("8",),
    "e": ("3",),
    "g": ("9",),
    "i": ("1", "!"),
    "l": ("1", "|"),
    "o": ("0",),
    "s": ("5", "$"),
    "t": ("7",),
    "z": ("2",),
}

SEPARATORS = (".", " ", "-", "_", "*", "\u00b7")
ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u2060")

# Hindi vowel signs after a consonant, and independent vowels elsewhere.
_DEV_VOWELS = {
    "aa": ("\u093e", "\u0906"),
    "ee": ("\u0940", "\u0908"),
    "oo": ("\u0942", "\u090a"),
    "ai": ("\u0948", "\u0910"),
    "au": ("\u094c", "\u0914"),
    "a": ("", "\u0905"),
    "e": ("\u0947", "\u090f"),
    "i": ("\u093f", "\u0907"),
    "o": ("\u094b", "\u0913"),
    "u": ("\u0941", "\u0909"),
}
_DEV_CONSONANTS = {
    "kh": "\u0916",
    "gh": "\u0918",
    "ch": "\u091a",
    "jh": "\u091d",
    "th": "\u0925",
    "dh": "\u0927",
    "ph": "\u092b",
    "bh": "\u092d",
    "sh": "\u0936",
    "k": "\u0915",
    "g": "\u0917",
    "j": "\u091c",
    "t": "\u0924",
    "d": "\u0926",
    "n": "\u0928",
    "p": "\u092a",
    "b": "\u092c",
    "m": "\u092e",
    "y": "\u092f",
    "r": "\u0930",
    "l": "\u0932",
    "v": "\u0935",
    "w": "\u0935",
    "s": "\u0938",
    "h": "\u0939",
    "f": "\u092b\u093c",
    "z": "\u091c\u093c",
    "q": "\u0915\u093c",
    "x": "\u0915\u094d\u0938",
    "c": "\u0915",
}
_VIRAMA = "\u094d"


def to_devanagari(word: str) -> str:
    """Spell a Latin word in Devanagari, as Hinglish speakers write a borrowed word."""
    out: list[str] = []
    i = 0
    s = word.lower()
    prev_consonant = False
    while i < len(s):
        vowel = next((v for v in ("aa", "ee", "oo", "ai", "au") if s.startswith(v, i)), None)
        vowel = vowel or (s[i] if s[i] in "aeiou" else None)
        if vowel:
            sign, independent = _DEV_VOWELS[vowel]
            out.append(sign if prev_consonant else independent)
            prev_consonant = False
            i += len(vowel)
            continue
        cons = next((c for c in (s[i : i + 2], s[i]) if c in _DEV_CONSONANTS), None)
        if cons is None:  # digits, punctuation: keep
            if prev_consonant:
                out.append(_VIRAMA)
            out.append(s[i])
            prev_consonant = False
            i += 1
            continue
        if prev_consonant:
            out.append(_VIRAMA)  # a consonant cluster
        out.append(_DEV_CONSONANTS[cons])
        prev_consonant = True
        i += len(cons)
    return "".join(out)


def homoglyph(word: str, rng: Rng) -> str:
    idx = [i for i, ch in enumerate(word) if ch.lower() in HOMOGLYPHS]
    if not idx:
        return zero_width(word, rng)
    chosen = set(rng.choice(idx, size=max(1, len(idx) // 2), replace=False).tolist())
    return "".join(HOMOGLYPHS[ch.lower()] if i in chosen else ch for i, ch in enumerate(word))


def leetspeak(word: str, rng: Rng) -> str:
    idx = [i for i, ch in enumerate(word) if ch.lower() in LEET]
    if not idx:
        return separators(word, rng)
    chosen = set(rng.choice(idx, size=max(1, (len(idx) + 1) // 2), replace=False).tolist())
    out = []
    for i, ch in enumerate(word):
        opts = LEET.get(ch.lower())
        out.append(str(opts[int(rng.integers(len(opts)))]) if i in chosen and opts else ch)
    return "".join(out)


def separators(word: str, rng: Rng) -> str:
    sep = SEPARATORS[int(rng.integers(len(SEPARATORS)))]
    return sep.join(word)


def zero_width(word: str, rng: Rng) -> str:
    out = []
    for i, ch in enumerate(word):
        out.append(ch)
        if i < len(word) - 1 and rng.random() < 0.6:
            out.append(ZERO_WIDTH[int(rng.integers(len(ZERO_WIDTH)))])
    return "".join(out)


def repeated(word: str, rng: Rng) -> str:
    out = []
    for ch in word:
        out.append(ch * (int(rng.integers(2, 4)) if ch.isalpha() and rng.random() < 0.3 else 1))
    joined = "".join(out)
    return joined if joined != word else word[0] * 3 + word[1:]


def emoji_letters(word: str, rng: Rng) -> str:
    """Letters drawn as symbols: circled letters and negative squared capitals."""
    out = []
    for ch in word:
        lo = ch.lower()
        if "a" <= lo <= "z" and rng.random() < 0.7:
            base = 0x24B6 if rng.random() < 0.5 else 0x1F170  # Ⓐ or 🅰
            out.append(chr(base + ord(lo) - ord("a")))
        else:
            out.append(ch)
    return "".join(out)


def devanagari(word: str, rng: Rng) -> str:
    return to_devanagari(word) if word.isascii() else word


def mixed(word: str, rng: Rng) -> str:
    """Two disguises at once, as determined evaders do."""
    first, second = rng.choice(["homoglyph", "leetspeak", "zero_width", "repeated"], 2, False)
    return METHODS[str(second)](METHODS[str(first)](word, rng), rng)


METHODS: dict[str, Callable[[str, Rng], str]] = {
    "homoglyph": homoglyph,
    "leetspeak": leetspeak,
    "separators": separators,
    "zero_width": zero_width,
    "repeated": repeated,
    "emoji_letters": emoji_letters,
    "devanagari": devanagari,
    "mixed": mixed,
}


def obfuscate(word: str, method: str, rng: Rng) -> str:
    return METHODS[method](word, rng)
