"""Words for ordinary life: group names, descriptions, display names and chat, in the
languages of a large messenger's users (English, Hinglish, Portuguese, Indonesian)."""

from __future__ import annotations

import numpy as np

Rng = np.random.Generator

FIRST_NAMES = (
    "Asha",
    "Ravi",
    "Priya",
    "Amit",
    "Neha",
    "Rahul",
    "Sunita",
    "Vikram",
    "Anjali",
    "Arjun",
    "Maria",
    "João",
    "Ana",
    "Lucas",
    "Beatriz",
    "Pedro",
    "Fernanda",
    "Rafael",
    "Camila",
    "Budi",
    "Siti",
    "Agus",
    "Dewi",
    "Rina",
    "Eko",
    "Tom",
    "Emma",
    "Olivia",
    "Liam",
    "Noah",
    "Grace",
    "Daniel",
    "Sarah",
    "James",
    "Fatima",
    "Omar",
    "Aisha",
    "Yusuf",
    "Chen",
    "Mei",
    "Kofi",
    "Ama",
    "Chidi",
    "Ngozi",
    "Sofia",
    "Mateo",
    "Lucia",
    "Diego",
    "Ingrid",
    "Lars",
)
SURNAMES = (
    "Sharma",
    "Patel",
    "Singh",
    "Gupta",
    "Iyer",
    "Reddy",
    "Silva",
    "Santos",
    "Oliveira",
    "Souza",
    "Pereira",
    "Wijaya",
    "Santoso",
    "Hidayat",
    "Smith",
    "Jones",
    "Brown",
    "Taylor",
    "Okafor",
    "Mensah",
    "Garcia",
    "Lopez",
    "Khan",
    "Ali",
    "Nguyen",
    "Kim",
    "Müller",
    "Rossi",
)
TOWNS = (
    "Pune",
    "Indore",
    "Campinas",
    "Recife",
    "Bandung",
    "Medan",
    "Leeds",
    "Bristol",
    "Lagos",
    "Accra",
    "Austin",
    "Denver",
    "Porto",
    "Lyon",
    "Kochi",
    "Surat",
    "Malang",
    "Curitiba",
)
STREETS = (
    "Oak Street",
    "MG Road",
    "Rua das Flores",
    "Jalan Merdeka",
    "Park Lane",
    "Sector 21",
    "Green Avenue",
    "Lake View",
    "Hill Road",
    "Station Road",
)

CATEGORIES = {
    "family": (
        "{surname} Family",
        "{surname} Parivar",
        "Família {surname}",
        "Keluarga {first}",
        "Cousins 💕",
        "Mom, Dad & kids",
        "{first}'s wedding 💍",
        "Family trip {year}",
        "Grandma's birthday 🎂",
        "{surname} reunion",
    ),
    "school": (
        "Class {grade}{section} Parents",
        "{town} Public School PTA",
        "Grade {grade} homework",
        "{town} High alumni {year}",
        "Maths tuition batch {grade}",
        "School bus route {n}",
        "Kelas {grade}{section} Ortu",
        "Pais turma {grade}{section}",
    ),
    "sports": (
        "Sunday football ⚽",
        "{town} Cricket Club",
        "Badminton Tue/Thu",
        "Morning runners {town}",
        "Gully cricket {street}",
        "Futebol de quinta",
        "Yoga at {street}",
        "Cycling {town}",
        "Swim squad {year}",
        "Chess puzzles ♟",
    ),
    "neighbourhood": (
        "{street} Residents",
        "Block {section} Society",
        "{town} Neighbours",
        "{street} Watch",
        "RWA {town} sector {n}",
        "Vizinhos {street}",
        "Warga {street}",
        "Lost & found {town}",
    ),
    "work": (
        "Team {project}",
        "{project} launch",
        "Sales {town}",
        "Night shift",
        "Office lunch 🍱",
        "{project} standup",
        "Shop staff {town}",
        "Drivers {town} {n}",
    ),
    "hobbies": (
        "Book club 📚",
        "Photography walks",
        "Gardening tips 🌱",
        "Baking club",
        "Guitar jam",
        "Birdwatchers {town}",
        "Movie night 🍿",
        "Recipes from home",
        "Trekking {year}",
        "Bike repair help",
        "Aquarium keepers",
        "Plant swap {town}",
    ),
}

DESCRIPTIONS = (
    "Please keep it on topic.",
    "Only for members of the {town} chapter.",
    "Updates and reminders.",
    "Be kind. No forwards please.",
    "Schedules and photos.",
    "Sab log yahan updates share karein.",
    "Grupo para avisos.",
    "Info dan pengumuman.",
    "Meeting every Saturday at 10.",
    "Admins: {first} and {first2}.",
)
PROJECTS = ("Atlas", "Phoenix", "Orion", "Lotus", "Falcon", "Nimbus", "Delta", "Harbor")

CHAT = (
    "good morning everyone",
    "see you at 6",
    "who is bringing the snacks?",
    "thanks!!",
    "ok done",
    "happy birthday 🎉",
    "bus is late today",
    "photos from yesterday",
    "meeting moved to friday",
    "kal milte hain",
    "bom dia",
    "selamat pagi",
    "lol",
    "can someone share the schedule",
    "payment received, thanks",
    "congrats!",
)

# Real words that sit near the placeholder terms in spelling (edit distance 2 or more) and
# harmless words that multi-word terms share: names built from them are hard negatives.
NEAR_WORDS = (
    "zorba",
    "zebra",
    "orbital",
    "quartz",
    "quench",
    "muffin",
    "queen",
    "vandal",
    "central",
    "ventral",
    "travel",
    "glimmer",
    "glossy",
    "trampoline",
    "tandem",
    "vault",
    "fresh",
    "zorro",
    "finance",
    "trend",
    "ventura",
    "tranquil",
    "vantage",
    "glimpse",
    "brindavan",
    "snorkel",
    "kelvin",
    "plumbing",
    "druva",
    "swap",
    "club",
)
NEAR_TEMPLATES = (
    "{word} fans",
    "{word} club {town}",
    "{word} lovers",
    "The {word} corner",
    "{word} {year}",
    "{word} study group",
    "{word} & friends",
    "{town} {word} meetup",
)


def pick(rng: Rng, seq):
    return seq[int(rng.integers(len(seq)))]


def fill(template: str, rng: Rng) -> str:
    return template.format(
        surname=pick(rng, SURNAMES),
        first=pick(rng, FIRST_NAMES),
        first2=pick(rng, FIRST_NAMES),
        town=pick(rng, TOWNS),
        street=pick(rng, STREETS),
        grade=int(rng.integers(1, 13)),
        section=pick(rng, "ABCDE"),
        year=int(rng.integers(2015, 2027)),
        n=int(rng.integers(1, 40)),
        project=pick(rng, PROJECTS),
    )


def group_name(rng: Rng, category: str) -> str:
    return fill(pick(rng, CATEGORIES[category]), rng)[:100]


def description(rng: Rng) -> str:
    return fill(pick(rng, DESCRIPTIONS), rng)


def display_name(rng: Rng) -> str:
    first = pick(rng, FIRST_NAMES)
    r = rng.random()
    if r < 0.5:
        return f"{first} {pick(rng, SURNAMES)}"
    if r < 0.8:
        return first
    return f"{first}{int(rng.integers(1, 99))}"


def chat_line(rng: Rng) -> str:
    return pick(rng, CHAT)


# Calling codes with plausible national number lengths.
COUNTRIES = (("91", 10), ("55", 11), ("62", 11), ("1", 10), ("44", 10), ("234", 10), ("52", 10))


def phone(rng: Rng, country: int | None = None) -> str:
    code, digits = COUNTRIES[country if country is not None else int(rng.integers(len(COUNTRIES)))]
    first = str(int(rng.integers(6, 10)))
    rest = "".join(str(d) for d in rng.integers(0, 10, digits - 1))
    return f"+{code}{first}{rest}"


def edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]
