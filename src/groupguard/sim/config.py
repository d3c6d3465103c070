"""What the simulator builds: sizes, scenario shares and media pools, in one object."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from groupguard.errors import ConfigError

# Scenarios that make a group bad, and the hard negatives that must not be hit. "ordinary"
# takes whatever share the others leave.
BAD_SCENARIOS = (
    "icon_exact",  # a known item's exact bytes as the icon (MD5 match)
    "icon_transformed",  # a known item re-encoded, resized, cropped, flipped or captioned
    "name_term",  # a placeholder term written plainly in the name or description
    "name_obfuscated",  # the same, disguised (homoglyphs, leetspeak, zero-width, ...)
    "report_only",  # clean surface; members report it with known media forwarded
    "recreated",  # the same people re-create a bad group shortly after it
    "invite_spread",  # a new group filled through an invite link posted in a bad group
)
HARD_NEGATIVES = (
    "lookalike_icon",  # icon from the known items' generator, not in the bank
    "near_term_name",  # name with real words near a term, or sharing a phrase's words
    "unfounded_report",  # one report with nothing behind it
)
SCENARIOS = ("ordinary", *BAD_SCENARIOS, *HARD_NEGATIVES)
# Bad groups that need an earlier bad group to derive from.
DERIVED = ("recreated", "invite_spread")

DEFAULT_SHARES = {
    "icon_exact": 0.04,
    "icon_transformed": 0.04,
    "name_term": 0.02,
    "name_obfuscated": 0.03,
    "report_only": 0.01,
    "recreated": 0.03,
    "invite_spread": 0.02,
    "lookalike_icon": 0.03,
    "near_term_name": 0.03,
    "unfounded_report": 0.02,
}

# How often each edit is applied to a transformed known icon. Flips and crops defeat plain
# PDQ (flips need query variants), so they are the rarer, harder cases.
DEFAULT_TRANSFORMS = {
    "reencode": 0.25,
    "resize": 0.25,
    "caption": 0.2,
    "resize+caption": 0.12,
    "crop": 0.1,
    "flip": 0.08,
}

MIN_ACCOUNTS = 50
MIN_GROUPS = 5
MAX_GROUP_MEMBERS = 1024


@dataclass(frozen=True)
class SimConfig:
    accounts: int = 10_000
    groups: int = 1_000
    seed: int = 0
    shares: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_SHARES))
    transforms: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_TRANSFORMS))
    start: datetime = datetime(2026, 1, 1, tzinfo=UTC)
    days: int = 30
    # Share of responsible bad accounts that come back under a new number.
    ban_evasion_share: float = 0.3
    # Share of ordinary groups with several hundred members, up to the 1024 limit.
    large_group_share: float = 0.005
    profile_photo_share: float = 0.6
    icon_share: float = 0.7
    inline_icon_share: float = 0.05
    report_share_bad: float = 0.4  # bad groups that also get a member's report
    known_items: int = 32
    known_videos: int = 4
    icon_pool: int = 400
    photo_pool: int = 400
    icon_size: int = 512
    known_size: int = 640
    photo_size: int = 320
    pdq_threshold: int = 31

    def with_shares(self, **shares: float) -> SimConfig:
        return replace(self, shares={**self.shares, **shares})

    def validate(self) -> None:
        if self.accounts < MIN_ACCOUNTS:
            raise ConfigError(f"--accounts must be at least {MIN_ACCOUNTS} (got {self.accounts})")
        if self.groups < MIN_GROUPS:
            raise ConfigError(f"--groups must be at least {MIN_GROUPS} (got {self.groups})")
        if self.seed < 0:
            raise ConfigError("--seed must be >= 0")
        unknown = set(self.shares) - set(BAD_SCENARIOS) - set(HARD_NEGATIVES)
        if unknown:
            raise ConfigError(
                f"unknown scenario(s) {', '.join(sorted(unknown))}; known: "
                + ", ".join(BAD_SCENARIOS + HARD_NEGATIVES)
            )
        if any(v < 0 for v in self.shares.values()):
            raise ConfigError("scenario shares must be >= 0")
        if sum(self.shares.values()) > 0.9:
            raise ConfigError("scenario shares add up to more than 0.9; leave room for ordinary")
        from groupguard.sim.images import TRANSFORMS

        if set(self.transforms) - set(TRANSFORMS) or not any(self.transforms.values()):
            raise ConfigError(f"transforms must be weights over {', '.join(TRANSFORMS)}")
        if self.days < 10:
            raise ConfigError("days must be at least 10")
        if self.known_items < 2:
            raise ConfigError("known_items must be at least 2")

    def scenario_counts(self) -> dict[str, int]:
        """Groups per scenario. Small worlds still get one of each scenario whose share is
        positive (as long as there is room), so tests see every kind."""
        counts = {}
        for name in (*BAD_SCENARIOS, *HARD_NEGATIVES):
            share = self.shares.get(name, 0.0)
            n = round(share * self.groups)
            if share > 0 and n == 0 and self.groups >= 40:
                n = 1
            counts[name] = n
        taken = sum(counts.values())
        counts["ordinary"] = self.groups - taken
        if counts["ordinary"] < 1:
            raise ConfigError("scenario shares leave no ordinary groups; lower them")
        return counts
