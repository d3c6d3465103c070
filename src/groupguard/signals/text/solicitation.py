"""Solicitation indicators: composable features of a text that offers or asks for something.

Price or payment, a location or coverage area, timing, moving the contact off the platform
(phone numbers, other apps' handles, links), recruitment language ("add", "join", "send")
and quotas ("send 5 to join"). Each is ordinary on its own: a school group posts times, a
cricket club recruits. They add to a group's risk only in combination with other signals
(a term hit, an icon score, a removed-group overlap); alone they never act. The extractor
emits them as one weak "text.solicitation" signal per text, with the indicators in details.

Patterns run over the Unicode-folded text (normalise.py: homoglyphs, zero-width, Devanagari
romanised), so Hindi and Hinglish forms are written here in Latin.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

from groupguard.signals.text.normalise import Normalised, normalise

# Strength of one indicator kind; several kinds together stay well below a term hit.
STRENGTH_PER_KIND = 0.05
MAX_STRENGTH = 0.25

_W = r"(?<![\p{L}\p{N}])"  # word start
_E = r"(?![\p{L}\p{N}])"  # word end

_PATTERNS: dict[str, list[tuple[str, str]]] = {
    "price": [
        (r"(?:[$\u20ac\u00a3]|rs\.?|inr|usd|eur)\s?\d[\d,.]*(?:\s?k)?" + _E,
         "an amount of money"),
        (_W + r"\d[\d,.]*\s?(?:rs|inr|usd|rupees?|rupaye|bucks|dollars?|/-)" + _E,
         "an amount of money"),
        (_W + r"(?:price|prices|pricing|rate ?card|rates|cost|cheap|discount|for sale|"
         r"paid|fees?|per (?:pic|video|file|hour|night)|daam|kimat|keemat)" + _E,
         "price language"),
    ],
    "payment": [
        (_W + r"(?:upi|paytm|g ?pay|google pay|phone ?pe|paypal|venmo|cash ?app|zelle|"
         r"crypto|btc|bitcoin|usdt|eth|gift ?cards?|prepaid|advance payment|"
         r"payment first|paise|paisa)" + _E, "a payment method"),
    ],
    "location": [
        (_W + r"(?:near ?by|near me|nearby|area|areas|location|locality|city|sector \d+|"
         r"all india|pan india|all over india|delivery|home delivery|available in|"
         r"within \d+ ?km|pin ?code|ke paas|mein available)" + _E,
         "a location or coverage area"),
    ],
    "timing": [
        (_W + r"(?:tonight|today|tomorrow|24 ?[/x*] ?7|anytime|any time|weekend|midnight|"
         r"late night|asap|right now|\d{1,2} ?(?:am|pm)|aaj|kal|raat|abhi)" + _E,
         "a time or availability"),
    ],
    "off_platform": [
        (r"(?<!\d)(?:\+?\d[\d\s().-]{8,}\d)(?!\d)", "a phone number"),
        (r"(?:https?://|www\.)\S+", "a link"),
        (_W + r"(?:t\.me|wa\.me|bit\.ly|tinyurl\.com|discord\.gg)/\S*", "a link"),
        (_W + r"(?:telegram|tg|snap(?:chat)?|signal|wickr|kik|discord|session app|"
         r"insta(?:gram)?|whats ?app me|dm|dm me|inbox me|pm me|text me|call me|msg me)"
         + _E, "moving the contact to another app or a private message"),
        (r"(?<![\p{L}\p{N}.])@[a-z0-9_.]{3,}", "a handle"),
    ],
    "recruitment": [
        (_W + r"(?:add|adding|join|joining|send|invite|invites|refer|new members?|"
         r"members? wanted|link in bio|bhejo|bhej|jodo|judo|add karo|join karo)" + _E,
         "recruitment language"),
    ],
    "quota": [
        (_W + r"(?:send|post|share|add|bhejo)\s+(?:min(?:imum)?\s+)?\d+\s*\S*\s+"
         r"(?:to|for|and|then)\s+(?:join|enter|stay|get|unlock|access)" + _E,
         "a quota to join or stay"),
        (_W + r"\d+\s+(?:pics?|photos?|vids?|videos?|files?|members?|contacts?|links?)\s+"
         r"(?:to|for)\s+(?:join|enter|stay|get|access)" + _E, "a quota to join or stay"),
        (_W + r"(?:post|share|send)\s+or\s+(?:get\s+)?(?:kick(?:ed)?|ban(?:ned)?|"
         r"remove[d]?)" + _E, "post or be removed"),
        (_W + r"(?:min(?:imum)?|at least)\s+\d+\s+(?:pics?|photos?|vids?|videos?|files?|"
         r"members?|adds?|contacts?)" + _E, "a minimum to post or add"),
    ],
}
_COMPILED = {kind: [(regex.compile(p, regex.IGNORECASE), reason) for p, reason in pats]
             for kind, pats in _PATTERNS.items()}
KINDS = tuple(_PATTERNS)


@dataclass(frozen=True)
class Indicator:
    name: str  # one of KINDS
    span: tuple[int, int]  # in the original text
    reason: str
    matched: str = ""

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "span": list(self.span), "reason": self.reason,
                "matched": self.matched}


def indicators(text: str | Normalised) -> list[Indicator]:
    """Every solicitation indicator in a text, in order of position."""
    norm = text if isinstance(text, Normalised) else normalise(text or "")
    found: list[Indicator] = []
    for kind, patterns in _COMPILED.items():
        taken: list[tuple[int, int]] = []
        for pattern, reason in patterns:
            try:
                matches = list(pattern.finditer(norm.plain, timeout=0.2))
            except TimeoutError:
                continue
            for m in matches:
                if m.end() <= m.start() or any(m.start() < b and m.end() > a for a, b in taken):
                    continue
                taken.append((m.start(), m.end()))
                found.append(Indicator(name=kind, reason=reason, matched=m.group().strip(),
                                       span=norm.original_span(m.start(), m.end(),
                                                               layer="plain")))
    found.sort(key=lambda i: (i.span[0], i.name))
    return found


def strength(found: list[Indicator]) -> float:
    """Weak by design: a few distinct kinds together still rank below one term hit."""
    return min(MAX_STRENGTH, STRENGTH_PER_KIND * len({i.name for i in found}))
