"""The placeholder term bank the simulator writes names from.

The text area ships placeholder terms for tests and demos in
groupguard/signals/text/placeholder_terms.txt; the simulator reads that file, so that the
names it writes and the bank it exports agree with what the text matcher is tested on.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

MODES = ("exact", "phrase", "fuzzy", "regex", "semantic")
_SOURCES = (
    ("groupguard.signals.text", "placeholder_terms.txt"),
    ("groupguard.sim", "data/fallback_terms.txt"),
)


@dataclass(frozen=True)
class Term:
    text: str
    mode: str  # one of MODES; a line without a prefix is an exact token

    @property
    def writable(self) -> bool:
        """Whether a name can be written from it (regex and semantic lines are patterns
        and descriptions, not words to spell)."""
        return self.mode in ("exact", "phrase", "fuzzy")


def parse_terms(text: str) -> list[Term]:
    terms = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        mode, sep, rest = line.partition(":")
        if sep and mode.strip().lower() in MODES:
            terms.append(Term(rest.strip(), mode.strip().lower()))
        else:
            terms.append(Term(line, "exact"))
    return [t for t in terms if t.text]


def bank_text() -> tuple[str, str]:
    """The term bank file's text and where it came from."""
    for package, name in _SOURCES:
        try:
            path = resources.files(package).joinpath(name)
            if path.is_file():
                return path.read_text(encoding="utf-8"), f"{package}:{name}"
        except ModuleNotFoundError:
            continue
    raise FileNotFoundError("no placeholder term bank found")


def load_terms() -> tuple[list[Term], str]:
    text, source = bank_text()
    return parse_terms(text), source
