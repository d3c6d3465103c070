"""Term specifications and the term-bank file format.

One term per line; an optional mode prefix chooses how it matches; `#` starts a comment
line; blank lines are skipped::

    zorblax                 # exact (default for one word): the whole word, any spelling
    phrase:glimmer swap     # the words in order (default for several words)
    fuzzy:snorquelle        # within a small edit distance
    regex:\\bzx[0-9]{2,4}\\b  # a regular expression over the Unicode-folded text
    semantic:trading zorblax cards with strangers   # meaning, via a sentence embedding

A bad line (unknown mode, invalid regex, a term with no letters) is reported with its line
number; the other lines still load.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import regex

from groupguard.errors import BankError
from groupguard.signals.text.normalise import term_key

MODES = ("exact", "phrase", "fuzzy", "regex", "semantic")
PLACEHOLDER_BANK = "placeholder"
_PREFIX = re.compile(r"^([A-Za-z]+):(.*)$")
MAX_TERM = 1000


class TermBankError(BankError):
    """A term bank does not exist or already exists, or a term is invalid."""


class TermFileError(TermBankError):
    """One line of a term-bank file cannot be used; `line` names it."""

    def __init__(self, message: str, *, line: int | None = None):
        self.line = line
        super().__init__(f"line {line}: {message}" if line is not None else message)


@dataclass(frozen=True)
class TermSpec:
    term: str
    mode: str = "exact"
    max_distance: int | None = None  # fuzzy only; None: by length
    threshold: float | None = None  # semantic only; None: the model's calibrated default
    tags: tuple[str, ...] = field(default_factory=tuple)
    line: int | None = None

    @property
    def key(self) -> str:
        return self.term if self.mode in ("regex", "semantic") else term_key(self.term)


def validate(spec: TermSpec) -> TermSpec:
    """Raise TermFileError when a term cannot match anything."""
    term = spec.term.strip()
    if not term:
        raise TermFileError("empty term", line=spec.line)
    if len(term) > MAX_TERM:
        raise TermFileError(f"term longer than {MAX_TERM} characters", line=spec.line)
    if spec.mode not in MODES:
        raise TermFileError(f"unknown mode {spec.mode!r}; known: {', '.join(MODES)}",
                            line=spec.line)
    if spec.mode == "regex":
        try:
            regex.compile(term)
        except regex.error as exc:
            raise TermFileError(f"invalid regex {term!r}: {exc}", line=spec.line) from exc
    elif spec.mode != "semantic" and not term_key(term):
        raise TermFileError(f"term {term!r} has no letters or digits to match",
                            line=spec.line)
    if spec.max_distance is not None and not 0 <= spec.max_distance <= 5:
        raise TermFileError("max distance must be between 0 and 5", line=spec.line)
    if spec.threshold is not None and not 0.0 < spec.threshold <= 1.0:
        raise TermFileError("threshold must be in (0, 1]", line=spec.line)
    return TermSpec(term=term, mode=spec.mode, max_distance=spec.max_distance,
                    threshold=spec.threshold, tags=spec.tags, line=spec.line)


def parse_line(text: str, *, line: int | None = None) -> TermSpec | None:
    """One line of a term file; None for blank and comment lines."""
    stripped = text.strip()
    if not stripped or stripped.startswith("#"):
        return None
    m = _PREFIX.match(stripped)
    if m and m.group(1).lower() in MODES:
        mode, term = m.group(1).lower(), m.group(2).strip()
    elif m and " " not in m.group(1) and not m.group(2).startswith("//"):
        raise TermFileError(
            f"unknown mode {m.group(1)!r}; known: {', '.join(MODES)} "
            "(write exact:... for a term that contains a colon)", line=line)
    else:
        term = stripped
        mode = "phrase" if len(term.split()) > 1 else "exact"
    return validate(TermSpec(term=term, mode=mode, line=line))


def parse_terms(text: str) -> tuple[list[TermSpec], list[TermFileError]]:
    """Every usable term of a file's text, and an error for each line that is not."""
    specs: list[TermSpec] = []
    errors: list[TermFileError] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        try:
            spec = parse_line(raw, line=number)
        except TermFileError as exc:
            errors.append(exc)
            continue
        if spec is not None:
            specs.append(spec)
    return specs, errors


def read_term_file(path: Path | str) -> tuple[list[TermSpec], list[TermFileError]]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TermBankError(f"cannot read term file {path}: {exc}") from exc
    return parse_terms(text)


def placeholder_terms() -> list[TermSpec]:
    """The invented placeholder terms shipped for tests, the demo and the simulator."""
    text = resources.files("groupguard.signals.text").joinpath(
        "placeholder_terms.txt").read_text("utf-8")
    specs, errors = parse_terms(text)
    if errors:  # the shipped file is ours: a broken line is a bug
        raise TermBankError(f"placeholder term file: {errors[0]}")
    return specs
