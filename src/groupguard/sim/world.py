"""The synthetic platform: accounts, groups and what people do in them, as events, with
the truth of which groups and accounts are bad and why.

Ordinary life first (families, schools, sports, neighbourhoods, work, hobbies), then rings
of a few accounts that run bad groups: known icons (exact and edited), names with placeholder
terms (plain and disguised), groups reported with known media, groups re-created after
exposure, new groups filled through links posted in bad groups, and accounts that come
back under a new number to re-join the same groups. Hard negatives sit beside them.

Times are whole seconds from the configured start. Every event that depends on another
(a member on a group, an update by an admin) comes strictly later, so sorting by time
keeps cause before effect.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from groupguard.signals.hashing import hash_bytes
from groupguard.sim import images, videos, vocab
from groupguard.sim.config import (
    BAD_SCENARIOS,
    DERIVED,
    HARD_NEGATIVES,
    MAX_GROUP_MEMBERS,
    SimConfig,
)
from groupguard.sim.media import MediaStore, hamming, md5_hex, pdq_of, ref_inline, ref_path
from groupguard.sim.obfuscate import METHODS, obfuscate
from groupguard.sim.terms import Term

MIN = 60
VIDEO_MIME = "video/mp4"
HOUR = 3600
DAY = 86400
# Ring members' ordinary groups are joined before this (their life before any bad group).
EARLY_LIFE = 6 * DAY

BAD_SUFFIXES = ("club", "vault", "links", "daily", "vip", "only", "2026", "🔥", "zone", "hub")
BAD_DESCRIPTIONS = (
    "new {term} every day, dm admin",
    "{term} only. add your friends",
    "fresh {term} weekly, 500rs entry",
    "send {term} to stay in the group",
)
BAD_CHAT = (
    "new {term} today",
    "{term} pack, dm me for the price",
    "join the backup link",
    "send {term} or you get removed",
    "more {term} tomorrow",
)
SPINOFF_NAMES = ("backup", "new group", "join here", "part 2", "main", "friends only")
PRIMARY = tuple(s for s in BAD_SCENARIOS if s not in DERIVED)
PRIMARY_WITH_SETTER = ("icon_exact", "icon_transformed", "name_term", "name_obfuscated")


@dataclass
class Account:
    id: str
    reg: int
    country: int
    name: str
    community: int
    photo: str | None = None
    memberships: dict[str, int] = field(default_factory=dict)  # group id -> joined at


@dataclass
class Group:
    id: str
    scenario: str
    created: int
    creator: str
    name: str
    members: dict[str, int] = field(default_factory=dict)
    admins: dict[str, int] = field(default_factory=dict)  # account -> admin since
    invite: str | None = None
    invite_ts: int = 0
    bad_ts: int | None = None  # when its bad surface appeared
    ring: int | None = None
    setters: list[str] = field(default_factory=list)
    icon_known: int | None = None
    term: Term | None = None


class World:
    def __init__(self, cfg: SimConfig, media: MediaStore, terms: list[Term]):
        self.cfg = cfg
        self.media = media
        self.terms = [t for t in terms if t.writable] or terms
        self.rng = np.random.default_rng([cfg.seed & 0xFFFFFFFF, 0x5EED])
        self.end = cfg.days * DAY
        self.events: list[tuple[int, int, dict[str, Any]]] = []
        self.truth_groups: dict[str, dict[str, Any]] = {}
        self.truth_accounts: dict[str, dict[str, Any]] = {}
        self.truth_media: dict[str, dict[str, Any]] = {}
        self.accounts: list[Account] = []
        self.by_id: dict[str, Account] = {}
        self.groups: list[Group] = []
        self.group_by_id: dict[str, Group] = {}
        self.rings: list[list[Account]] = []
        self.consumers: list[Account] = []
        self._tokens: set[str] = set()
        self._phones: set[str] = set()
        self.counts = cfg.scenario_counts()
        n_setters = sum(self.counts[s] for s in PRIMARY_WITH_SETTER)
        self.n_evaders = min(round(cfg.ban_evasion_share * n_setters), cfg.accounts // 10)
        width = len(str(cfg.accounts + 1))
        perm = self.rng.permutation(cfg.accounts)
        self._account_ids = [f"a{int(n):0{width}d}" for n in perm]
        gwidth = len(str(cfg.groups + 1))
        self._group_ids = [f"g{int(n):0{gwidth}d}" for n in self.rng.permutation(cfg.groups)]

    # ---- events ---------------------------------------------------------------------------

    def emit(self, ts: int, type_: str, actor: str | None, **fields: Any) -> None:
        self.events.append((int(ts), len(self.events), {"type": type_, "actor": actor, **fields}))

    def _r(self, lo: float, hi: float) -> int:
        return int(self.rng.uniform(lo, hi))

    def _token(self) -> str:
        alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
        while True:
            tok = "".join(alphabet[i] for i in self.rng.integers(0, len(alphabet), 22))
            if tok not in self._tokens:
                self._tokens.add(tok)
                return tok

    # ---- media ----------------------------------------------------------------------------

    def build_media(self) -> None:
        cfg = self.cfg
        seed = cfg.seed
        n_icons = max(4, min(cfg.icon_pool, cfg.groups))
        n_photos = max(4, min(cfg.photo_pool, cfg.accounts // 4))
        self.icon_pool = [
            self.media.put(images.encode_jpeg(images.scene(seed, "icon", i, cfg.icon_size)))
            for i in range(n_icons)
        ]
        self.photo_pool = [
            self.media.put(images.encode_jpeg(images.scene(seed, "photo", i, cfg.photo_size)))
            for i in range(n_photos)
        ]
        n_inline = max(2, min(24, cfg.groups // 40))
        self.inline_pool = [
            images.encode_jpeg(images.scene(seed, "inline", i, 192), quality=75)
            for i in range(n_inline)
        ]
        # Known items: the bank's stand-ins. Low-quality hashes are useless in a bank, so a
        # weak image is replaced by the next of its family.
        self.known: list[dict[str, Any]] = []
        index = 0
        while len(self.known) < cfg.known_items:
            data = images.encode_jpeg(images.pattern(seed, "known", index, cfg.known_size))
            index += 1
            pdq, quality = pdq_of(data)
            if quality < 70:
                continue
            rel = self.media.put(data)
            item = {
                "item": len(self.known),
                "path": rel,
                "md5": md5_hex(data),
                "pdq": pdq,
                "quality": quality,
                "data": data,
            }
            self.known.append(item)
            self.truth_media[rel] = {"kind": "known_exact", "item": item["item"]}
        self._lookalike_index = 10_000  # further members of the known family
        # Known clips (for vPDQ and exact digests) and a few ordinary ones.
        self.known_videos: list[dict[str, Any]] = []
        for v in range(cfg.known_videos):
            data = videos.clip(seed, "known", 50_000 + v)
            hashes = hash_bytes(data)
            rel = self.media.put(data, "mp4")
            frames = [f"{f.pdq},{f.quality},{f.ts:g}" for f in hashes.vpdq or []]
            self.known_videos.append(
                {
                    "item": v,
                    "path": rel,
                    "md5": md5_hex(data),
                    "vpdq": frames,
                }
            )
            self.truth_media[rel] = {"kind": "known_video_exact", "video": v}
        self.video_pool = [
            self.media.put(videos.clip(seed, "report", 60_000 + v), "mp4")
            for v in range(max(1, cfg.known_videos))
        ]

    def known_exact(self, k: int) -> str:
        return self.known[k]["path"]

    def known_transformed(self, k: int, name: str | None = None) -> tuple[bytes, str, int]:
        if name is None:
            names = list(self.cfg.transforms)
            w = np.array([self.cfg.transforms[n] for n in names], dtype=float)
            name = names[int(self.rng.choice(len(names), p=w / w.sum()))]
        out = images.transform(self.known[k]["data"], name, self.rng)
        pdq, quality = pdq_of(out.data)
        dist = hamming(pdq, self.known[k]["pdq"])
        rel = self.media.put(out.data)
        self.truth_media[rel] = {
            "kind": "known_transformed",
            "item": k,
            "transform": name,
            "pdq_distance": dist,
            "pdq_quality": quality,
        }
        return out.data, name, dist

    def known_video(self) -> dict[str, str]:
        """A known clip as it was, or re-encoded at another quality (new digest, same
        frames: only vPDQ finds it)."""
        v = int(self.rng.integers(len(self.known_videos)))
        if self.rng.random() < 0.5:
            return ref_path(self.known_videos[v]["path"], VIDEO_MIME)
        qscale = int(self.rng.integers(6, 12))
        data = videos.clip(self.cfg.seed, "known", 50_000 + v, qscale=qscale)
        rel = self.media.put(data, "mp4")
        self.truth_media[rel] = {"kind": "known_video_reencoded", "video": v, "qscale": qscale}
        return ref_path(rel, VIDEO_MIME)

    def lookalike(self) -> tuple[str, int]:
        """An image from the known items' family that is not in the bank, kept only if it
        is far from every bank entry (so that matching it would be a false positive)."""
        while True:
            data = images.encode_jpeg(
                images.pattern(self.cfg.seed, "known", self._lookalike_index, self.cfg.icon_size)
            )
            self._lookalike_index += 1
            pdq, quality = pdq_of(data)
            nearest = min(hamming(pdq, k["pdq"]) for k in self.known)
            if nearest > 2 * self.cfg.pdq_threshold and quality >= 50:
                rel = self.media.put(data)
                self.truth_media[rel] = {"kind": "lookalike", "nearest_bank_distance": nearest}
                return rel, nearest

    # ---- accounts -------------------------------------------------------------------------

    def _phone(self, country: int) -> str:
        while True:
            p = vocab.phone(self.rng, country)
            if p not in self._phones:
                self._phones.add(p)
                return p

    def register(
        self,
        reg: int,
        community: int,
        name: str | None = None,
        country: int | None = None,
        photo: str | None = None,
    ) -> Account:
        if country is None:
            country = int(self.rng.integers(len(vocab.COUNTRIES)))
        acct = Account(
            id=self._account_ids[len(self.accounts)],
            reg=reg,
            country=country,
            name=name or vocab.display_name(self.rng),
            community=community,
        )
        self.accounts.append(acct)
        self.by_id[acct.id] = acct
        self.emit(
            reg,
            "account.registered",
            acct.id,
            account_id=acct.id,
            phone=self._phone(country),
            display_name=acct.name,
        )
        if photo is None and self.rng.random() < self.cfg.profile_photo_share:
            photo = self.photo_pool[int(self.rng.integers(len(self.photo_pool)))]
        if photo is not None:
            acct.photo = photo
            self.emit(
                reg + self._r(5, HOUR),
                "account.profile_photo_set",
                acct.id,
                account_id=acct.id,
                photo=ref_path(photo),
            )
        return acct

    def build_accounts(self) -> None:
        n = self.cfg.accounts - self.n_evaders
        community, left = 0, 0
        self.communities: list[list[Account]] = []
        for _ in range(n):
            if left == 0:
                left = int(self.rng.integers(30, 160))
                self.communities.append([])
                community = len(self.communities) - 1
            # Most of the platform exists already; some join during the window.
            reg = self._r(0, DAY) if self.rng.random() < 0.75 else self._r(DAY, self.end * 0.7)
            acct = self.register(reg, community)
            self.communities[community].append(acct)
            left -= 1

    # ---- groups: shared mechanics ---------------------------------------------------------

    def new_group(
        self,
        scenario: str,
        created: int,
        creator: Account,
        name: str,
        description: str | None = None,
        icon: dict[str, str] | None = None,
    ) -> Group:
        created = max(created, creator.reg + 5 * MIN)
        g = Group(
            id=self._group_ids[len(self.groups)],
            scenario=scenario,
            created=created,
            creator=creator.id,
            name=name,
        )
        self.groups.append(g)
        self.group_by_id[g.id] = g
        fields: dict[str, Any] = {"group_id": g.id, "name": name}
        if description:
            fields["description"] = description
        if icon:
            fields["icon"] = icon
        self.emit(created, "group.created", creator.id, **fields)
        self.emit(
            created,
            "member.added",
            creator.id,
            group_id=g.id,
            account_id=creator.id,
            role="creator",
        )
        g.members[creator.id] = created
        g.admins[creator.id] = created
        creator.memberships[g.id] = created
        return g

    def grant_admin(self, g: Group, acct: Account, ts: int) -> int:
        ts = max(ts, g.members[acct.id] + 1)
        self.emit(ts, "admin.granted", g.creator, group_id=g.id, account_id=acct.id)
        g.admins[acct.id] = ts
        return ts

    def create_invite(self, g: Group, ts: int, by: str | None = None) -> None:
        by = by or g.creator
        ts = max(ts, g.admins.get(by, g.created) + 1)
        g.invite = self._token()
        g.invite_ts = ts
        self.emit(ts, "invite.created", by, group_id=g.id, token=g.invite)

    def add(
        self,
        g: Group,
        acct: Account,
        ts: int,
        *,
        via_invite: bool = False,
        seen_in: str | None = None,
        by: str | None = None,
    ) -> int | None:
        if acct.id in g.members or len(g.members) >= MAX_GROUP_MEMBERS:
            return None
        ts = max(ts, acct.reg + MIN, g.created + 1)
        if via_invite and g.invite:
            ts = max(ts, g.invite_ts + 1)
            if seen_in and self.group_by_id[seen_in].created >= ts:
                seen_in = None  # a link cannot be posted in a group that does not exist yet
            extra = {"seen_in_group": seen_in} if seen_in else {}
            self.emit(
                ts,
                "invite.used",
                acct.id,
                group_id=g.id,
                token=g.invite,
                account_id=acct.id,
                **extra,
            )
            self.emit(
                ts,
                "member.added",
                acct.id,
                group_id=g.id,
                account_id=acct.id,
                invite_token=g.invite,
            )
        else:
            if by is None or by not in g.admins:
                ready = [a for a, since in g.admins.items() if since < ts]
                by = ready[int(self.rng.integers(len(ready)))] if ready else g.creator
            ts = max(ts, g.admins[by] + 1)
            self.emit(ts, "member.added", by, group_id=g.id, account_id=acct.id)
        g.members[acct.id] = ts
        acct.memberships[g.id] = ts
        return ts

    def update(self, g: Group, ts: int, by: str, **fields: Any) -> int:
        ts = max(ts, g.admins[by] + 1)
        self.emit(ts, "group.updated", by, group_id=g.id, **fields)
        return ts

    def pick_members(self, community: int, k: int, local: float = 0.8) -> list[Account]:
        pool = self.communities[community]
        n_local = min(len(pool), int(round(k * local)))
        chosen = [pool[int(i)] for i in self.rng.choice(len(pool), n_local, replace=False)]
        n_global = k - n_local
        if n_global > 0:
            idx = self.rng.choice(
                len(self.accounts), min(n_global * 2, len(self.accounts)), replace=False
            )
            seen = {a.id for a in chosen}
            for i in idx:
                a = self.accounts[int(i)]
                if a.id not in seen:
                    chosen.append(a)
                    seen.add(a.id)
                if len(chosen) >= k:
                    break
        return chosen

    def random_account(self) -> Account:
        return self.accounts[int(self.rng.integers(len(self.accounts)))]

    def ordinary_icon(self) -> dict[str, str] | None:
        if self.rng.random() >= self.cfg.icon_share:
            return None
        if self.rng.random() < self.cfg.inline_icon_share:
            return ref_inline(self.inline_pool[int(self.rng.integers(len(self.inline_pool)))])
        self._icon_next = getattr(self, "_icon_next", -1) + 1
        return ref_path(self.icon_pool[self._icon_next % len(self.icon_pool)])

    def populate(
        self,
        g: Group,
        members: list[Account],
        *,
        invite_share: float,
        seen_in: str | None = None,
        spread: int = 2 * DAY,
    ) -> None:
        """Add members: most by an admin soon after creation, the rest later, some through
        the group's invite link (posted in `seen_in` when given)."""
        for acct in members:
            if acct.id == g.creator:
                continue
            if self.rng.random() < 0.6:
                ts = g.created + self._r(MIN, HOUR)
            else:
                ts = g.created + self._r(HOUR, spread)
            via = g.invite is not None and self.rng.random() < invite_share
            self.add(g, acct, ts, via_invite=via, seen_in=seen_in if via else None)

    def group_size(self) -> int:
        if self.rng.random() < self.cfg.large_group_share:
            return min(int(self.rng.integers(700, MAX_GROUP_MEMBERS + 1)), len(self.accounts) - 1)
        return int(np.clip(self.rng.lognormal(math.log(12), 0.8), 3, 250))

    def churn(self, g: Group) -> None:
        for aid, joined in list(g.members.items()):
            if aid in g.admins:
                continue
            r = self.rng.random()
            if r < 0.06:
                ts = joined + self._r(HOUR, 10 * DAY)
                self.emit(ts, "member.removed", aid, group_id=g.id, account_id=aid, reason="left")
            elif r < 0.075:
                ts = max(joined + self._r(HOUR, 10 * DAY), g.created + 1)
                self.emit(
                    ts, "member.removed", g.creator, group_id=g.id, account_id=aid, reason="removed"
                )

    # ---- ordinary groups and hard negatives ----------------------------------------------

    def ordinary(self, scenario: str = "ordinary") -> Group:
        category = str(self.rng.choice(list(vocab.CATEGORIES)))
        creator = self.random_account()
        created = self._r(DAY, self.end - DAY)
        name = vocab.group_name(self.rng, category)
        why: list[str] = []
        extra: dict[str, Any] = {"category": category}
        icon = self.ordinary_icon()
        if scenario == "near_term_name":
            word = str(self.rng.choice(vocab.NEAR_WORDS))
            template = str(self.rng.choice(vocab.NEAR_TEMPLATES))
            name = vocab.fill(template.replace("{word}", word.capitalize()), self.rng)
            extra["near_word"] = word
            single = [t.text.lower() for t in self.terms if " " not in t.text]
            extra["term_distance"] = min(vocab.edit_distance(word, t) for t in single)
            shared = sorted({t.text for t in self.terms if word in t.text.lower().split()})
            if shared:
                extra["shares_words_with"] = shared
            why.append("hard_negative:name_near_term")
        desc = vocab.description(self.rng) if self.rng.random() < 0.4 else None
        lookalike_later = False
        if scenario == "lookalike_icon":
            rel, nearest = self.lookalike()
            extra["nearest_bank_distance"] = nearest
            why.append("hard_negative:lookalike_icon")
            if self.rng.random() < 0.5:
                icon = ref_path(rel)
            else:
                icon, lookalike_later = None, True
                self._pending_lookalike = rel
        g = self.new_group(scenario, created, creator, name, desc, icon)
        self.communities_of_group(g, creator)
        members = self.pick_members(
            creator.community,
            self.group_size() - 1,
            local=0.8 if len(self.communities) > 1 else 0.0,
        )
        if self.rng.random() < 0.4:
            self.create_invite(g, g.created + self._r(MIN, DAY))
        # Admins come from the first members.
        n_admins = int(self.rng.integers(0, 3))
        first = members[:n_admins]
        for acct in first:
            self.add(g, acct, g.created + self._r(MIN, 10 * MIN), by=g.creator)
            self.grant_admin(g, acct, g.created + self._r(10 * MIN, HOUR))
        seen = self._ordinary_seen_in(creator)
        self.populate(
            g,
            members[n_admins:],
            invite_share=0.5,
            seen_in=seen,
            spread=int(self.rng.uniform(DAY, 5 * DAY)),
        )
        if lookalike_later:
            by = list(g.admins)[int(self.rng.integers(len(g.admins)))]
            self.update(
                g, g.created + self._r(HOUR, 3 * DAY), by, icon=ref_path(self._pending_lookalike)
            )
        elif self.rng.random() < 0.15:
            by = list(g.admins)[int(self.rng.integers(len(g.admins)))]
            if self.rng.random() < 0.5:
                self.update(
                    g,
                    g.created + self._r(HOUR, 7 * DAY),
                    by,
                    name=vocab.group_name(self.rng, category),
                )
            else:
                self.update(
                    g,
                    g.created + self._r(HOUR, 7 * DAY),
                    by,
                    icon=ref_path(self.icon_pool[int(self.rng.integers(len(self.icon_pool)))]),
                )
        self.churn(g)
        if scenario == "unfounded_report":
            self.report(
                g,
                g.created + self._r(2 * HOUR, 5 * DAY),
                bad=False,
                reason=str(self.rng.choice(["child_safety", "spam", "other"])),
            )
            why.append("hard_negative:single_unfounded_report")
        elif len(g.members) > 2 and self.rng.random() < 0.02:
            # Someone reports another member after a quarrel: about an account, unfounded.
            self.report(
                g,
                g.created + self._r(2 * HOUR, 5 * DAY),
                bad=False,
                reason=str(self.rng.choice(["harassment", "spam", "child_safety"])),
                on_account=True,
            )
        self.truth_groups[g.id] = {"bad": False, "scenario": scenario, "why": why, **extra}
        return g

    def communities_of_group(self, g: Group, creator: Account) -> None:
        self._community_groups = getattr(self, "_community_groups", {})
        self._community_groups.setdefault(creator.community, []).append(g)

    def _ordinary_seen_in(self, creator: Account) -> str | None:
        """Links to ordinary groups get posted in other groups of the same community (the
        school group's link in the parents' group): invite hops that mean nothing bad."""
        groups = self._community_groups.get(creator.community, [])
        if len(groups) > 1 and self.rng.random() < 0.3:
            other = groups[int(self.rng.integers(len(groups) - 1))]
            return other.id
        return None

    # ---- reports --------------------------------------------------------------------------

    def report(
        self,
        g: Group,
        ts: int,
        *,
        bad: bool,
        reason: str,
        known_media: bool = False,
        on_account: bool = False,
    ) -> tuple[int, str | None]:
        """A member reports the group (or, with `on_account`, one sender in it); their
        client forwards the last five messages. Returns (time, the sender of known media or
        None)."""
        candidates = [a for a, j in g.members.items() if a not in g.admins and j < ts]
        if not candidates:
            candidates = [a for a, j in g.members.items() if j < ts]
        reporter = candidates[int(self.rng.integers(len(candidates)))]
        senders = [a for a, j in g.members.items() if j < ts - 10 * MIN]
        ring_senders = [a for a in senders if a in g.admins] or senders
        if on_account:
            ring_senders = senders = [str(self.rng.choice(ring_senders if bad else senders))]
        messages = []
        media_sender = None
        media_at = int(self.rng.integers(5)) if known_media else -1
        gaps = np.cumsum(self.rng.integers(30, 900, 5))[::-1]
        for i in range(5):
            sender = str(self.rng.choice(ring_senders if bad else senders))
            msg: dict[str, Any] = {"sender": sender, "ts": self.iso(ts - int(gaps[i]))}
            if bad and self.terms:
                term = self.terms[int(self.rng.integers(len(self.terms)))].text
                msg["text"] = str(self.rng.choice(BAD_CHAT)).format(term=term)
            else:
                msg["text"] = vocab.chat_line(self.rng)
            if i == media_at:
                k = int(self.rng.integers(len(self.known)))
                if self.known_videos and self.rng.random() < 0.25:
                    msg["media"] = self.known_video()
                elif self.rng.random() < 0.5:
                    msg["media"] = ref_path(self.known_exact(k))
                else:
                    data, _, _ = self.known_transformed(k, "reencode")
                    msg["media"] = ref_path(self.media.put(data))
                media_sender = sender
            elif not bad and self.rng.random() < 0.2:
                msg["media"] = ref_path(
                    self.photo_pool[int(self.rng.integers(len(self.photo_pool)))]
                )
            elif not bad and self.rng.random() < 0.05:
                pool = self.video_pool
                msg["media"] = ref_path(pool[int(self.rng.integers(len(pool)))], VIDEO_MIME)
            messages.append(msg)
        self.emit(
            ts,
            "report.filed",
            reporter,
            reporter=reporter,
            target_group=g.id,
            reason=reason,
            messages=messages,
            **({"target_account": senders[0]} if on_account else {}),
        )
        if on_account and not bad:
            self.note_account(senders[0], "reported_unfounded")
        if media_sender:
            self.mark_account(media_sender, "sent_known_media", group=g.id)
        self.note_account(reporter, "reporter" if bad else "reporter_unfounded")
        return ts, media_sender

    def iso(self, ts: int) -> str:
        return _iso(self.cfg.start, ts)

    # ---- truth helpers --------------------------------------------------------------------

    def mark_account(
        self, aid: str, why: str, *, group: str | None = None, evades: str | None = None
    ) -> None:
        rec = self.truth_accounts.setdefault(aid, {"bad": True, "why": []})
        rec["bad"] = True
        rec.pop("note", None)
        if why not in rec["why"]:
            rec["why"].append(why)
        if group is not None and group not in rec.setdefault("groups", []):
            rec["groups"].append(group)
        if evades is not None:
            rec["evades"] = evades

    def note_account(self, aid: str, note: str) -> None:
        """A hard negative: an account near bad activity that carries no responsibility."""
        rec = self.truth_accounts.setdefault(aid, {"bad": False, "why": [], "note": []})
        if not rec["bad"] and note not in rec.setdefault("note", []):
            rec["note"].append(note)

    # ---- bad groups -----------------------------------------------------------------------

    def build_rings(self) -> None:
        n_primary = sum(self.counts[s] for s in PRIMARY)
        if n_primary == 0:
            return
        n_rings = max(1, math.ceil(n_primary / 5))
        # Ring members are ordinary-looking accounts that also sit in a few ordinary groups
        # (which is what ban evasion later copies).
        candidates = [a for a in self.accounts if a.reg < DAY and len(a.memberships) >= 3]
        if len(candidates) < 3 * n_rings:
            candidates = [a for a in self.accounts if a.reg < DAY] or self.accounts
        order = self.rng.permutation(len(candidates))
        used = 0
        for _ in range(n_rings):
            size = int(self.rng.integers(3, 7))
            ring = [candidates[int(i)] for i in order[used : used + size]]
            used += size
            if len(ring) < 2:
                ring = [candidates[int(i)] for i in self.rng.choice(len(candidates), 3, False)]
            self.rings.append(ring)
        in_rings = {a.id for ring in self.rings for a in ring}
        self.ring_lives(in_rings)
        pool = [a for a in self.accounts if a.id not in in_rings]
        n = min(len(pool), max(30, len(self.accounts) // 25))
        self.consumers = [pool[int(i)] for i in self.rng.choice(len(pool), n, replace=False)]

    def ring_lives(self, in_rings: set[str]) -> None:
        """Ring members lead ordinary lives too: each is in a couple of ordinary groups
        (its own community's first) from the first days, before anything bad happens.
        Those groups outlive the bad ones, and they are what an account that comes back
        after a ban re-joins (see evaders)."""
        early = [g for g in self.groups if g.scenario == "ordinary" and g.created < EARLY_LIFE]
        if not early:
            return
        # A stream of its own, so the rest of the world is drawn exactly as before.
        rng = np.random.default_rng([self.cfg.seed, 0x1f3])
        for aid in sorted(in_rings):
            acct = self.by_id[aid]
            have = sum(1 for j in acct.memberships.values() if j < EARLY_LIFE)
            if have >= 2:
                continue
            own = [g for g in early if self.by_id[g.creator].community == acct.community]
            pool = own if len(own) >= 2 else early
            for i in rng.permutation(len(pool))[: 2 - have].tolist():
                g = pool[int(i)]
                self.add(g, acct, g.created + int(rng.integers(HOUR, DAY)), by=g.creator)

    def bad_name(self, term: str) -> str:
        suffix = str(self.rng.choice(BAD_SUFFIXES))
        return (f"{term} {suffix}" if self.rng.random() < 0.7 else f"{suffix} {term}")[:100]

    def bad_base(
        self,
        scenario: str,
        ring_index: int,
        created: int,
        name: str,
        desc: str | None = None,
        icon: dict[str, str] | None = None,
        creator: Account | None = None,
    ) -> Group:
        ring = self.rings[ring_index]
        creator = creator or ring[int(self.rng.integers(len(ring)))]
        g = self.new_group(scenario, created, creator, name, desc, icon)
        g.ring = ring_index
        for acct in ring:
            if acct.id != creator.id:
                self.add(g, acct, g.created + self._r(MIN, 20 * MIN), by=creator.id)
        others = [a for a in ring if a.id != creator.id]
        for acct in others[: int(self.rng.integers(1, 3))]:
            self.grant_admin(g, acct, g.created + self._r(20 * MIN, HOUR))
        self.create_invite(g, g.created + self._r(HOUR, 2 * HOUR))
        return g

    def fill_bad(self, g: Group, k: int) -> None:
        """Outsiders join through the link: mostly the same few hundred accounts that follow
        such links from group to group, now and then someone else."""
        outsiders = [
            self.consumers[int(self.rng.integers(len(self.consumers)))]
            if self.consumers and self.rng.random() < 0.85
            else self.random_account()
            for _ in range(k)
        ]
        self.populate(g, outsiders, invite_share=0.8, spread=3 * DAY)

    def primary(self, scenario: str, index: int) -> Group:
        ring_index = index % len(self.rings)
        created = self._r(DAY, self.end * 0.55)
        k = int(self.rng.integers(len(self.known)))
        truth: dict[str, Any] = {"bad": True, "scenario": scenario, "why": [], "ring": ring_index}
        at_creation = self.rng.random() < 0.5
        name = vocab.group_name(self.rng, str(self.rng.choice(list(vocab.CATEGORIES))))
        desc = None
        icon = None
        later: dict[str, Any] = {}
        if scenario in ("icon_exact", "icon_transformed"):
            truth["known_item"] = k
            if scenario == "icon_exact":
                rel = self.known_exact(k)
                inline = self.rng.random() < 0.1
                ref = ref_inline(self.known[k]["data"]) if inline else ref_path(rel)
                truth["why"].append("icon_known_exact")
                truth["inline"] = inline
            else:
                data, tname, dist = self.known_transformed(k)
                ref = ref_path(self.media.put(data))
                truth["why"].append("icon_known_transformed")
                truth.update(
                    transform=tname, pdq_distance=dist, pdq_match=dist <= self.cfg.pdq_threshold
                )
            if at_creation:
                icon = ref
            else:
                later["icon"] = ref
        elif scenario in ("name_term", "name_obfuscated"):
            term = self.terms[index % len(self.terms)]
            truth["term"] = term.text
            written = term.text
            if scenario == "name_obfuscated":
                method = list(METHODS)[index % len(METHODS)]
                written = obfuscate(term.text, method, self.rng)
                truth["obfuscation"] = method
            code = "name_term" if scenario == "name_term" else "name_term_obfuscated"
            new_name = self.bad_name(written)
            truth["name"] = new_name
            truth["why"].append(code)
            if self.rng.random() < 0.4:
                desc = str(self.rng.choice(BAD_DESCRIPTIONS)).format(term=written)
                truth["why"].append(code.replace("name", "description"))
            if at_creation:
                name = new_name
            else:
                later["name"] = new_name
                if desc:
                    later["description"] = desc
                    desc = None
        elif scenario == "report_only":
            truth["why"].append("known_media_in_report")
        g = self.bad_base(scenario, ring_index, created, name, desc, icon)
        g.icon_known = truth.get("known_item")
        g.term = self.terms[index % len(self.terms)] if "term" in truth else None
        if at_creation or scenario == "report_only":
            setter = g.creator
            g.bad_ts = g.created
        else:
            setter = [a for a in g.admins if a != g.creator][0] if len(g.admins) > 1 else g.creator
            g.bad_ts = self.update(g, g.created + self._r(10 * MIN, 2 * DAY), setter, **later)
        self.fill_bad(g, int(self.rng.integers(10, 60)))
        if scenario != "report_only":
            g.setters.append(setter)
            act = {"icon_exact": "set_known_icon", "icon_transformed": "set_known_icon"}.get(
                scenario, "set_term_name"
            )
            self.mark_account(setter, act, group=g.id)
            if any(w.startswith("description") for w in truth["why"]):
                self.mark_account(setter, "set_term_description", group=g.id)
            truth["set_by"] = setter
        if scenario == "report_only":
            ts = g.created + self._r(6 * HOUR, 3 * DAY)
            first_ts, sender = self.report(g, ts, bad=True, reason="child_safety", known_media=True)
            g.bad_ts = first_ts
            if sender:
                g.setters.append(sender)
            if self.rng.random() < 0.5:
                self.report(
                    g, ts + self._r(HOUR, DAY), bad=True, reason="child_safety", known_media=True
                )
        elif self.rng.random() < self.cfg.report_share_bad:
            self.report(
                g,
                g.bad_ts + self._r(HOUR, 3 * DAY),
                bad=True,
                reason="child_safety",
                known_media=self.rng.random() < 0.3,
                on_account=self.rng.random() < 0.3,
            )
        self.truth_groups[g.id] = truth
        return g

    def recreated(self, pred: Group) -> Group | None:
        created = (pred.bad_ts or pred.created) + self._r(6 * HOUR, 3 * DAY)
        if created > self.end - DAY:
            return None
        core = [self.by_id[a] for a in pred.admins if a not in pred.setters] or [
            self.by_id[a] for a in pred.admins
        ]
        creator = core[int(self.rng.integers(len(core)))]
        truth: dict[str, Any] = {
            "bad": True,
            "scenario": "recreated",
            "why": ["recreated"],
            "predecessor": pred.id,
            "ring": pred.ring,
        }
        suffix = str(self.rng.choice(["2", "backup", "new", "official", "🔁", "v2"]))
        name = f"{pred.name} {suffix}"[:100]
        if pred.term is not None and self.rng.random() < 0.5:
            method = str(self.rng.choice(list(METHODS)))
            name = self.bad_name(obfuscate(pred.term.text, method, self.rng))
            truth.update(term=pred.term.text, obfuscation=method)
            truth["why"].append("name_term_obfuscated")
        elif pred.term is not None:
            truth["why"].append("name_term")
            truth["term"] = pred.term.text
        icon = None
        if pred.icon_known is not None and self.rng.random() < 0.5:
            data, tname, dist = self.known_transformed(
                pred.icon_known, str(self.rng.choice(["reencode", "resize", "caption"]))
            )
            icon = ref_path(self.media.put(data))
            truth.update(
                known_item=pred.icon_known,
                transform=tname,
                pdq_distance=dist,
                pdq_match=dist <= self.cfg.pdq_threshold,
            )
            truth["why"].append("icon_known_transformed")
        elif self.rng.random() < 0.6:
            icon = ref_path(self.icon_pool[int(self.rng.integers(len(self.icon_pool)))])
        g = self.new_group("recreated", created, creator, name, None, icon)
        g.ring, g.term = pred.ring, pred.term
        g.icon_known = truth.get("known_item")
        g.bad_ts = created
        # The core comes back first, then the members, within hours.
        for aid in pred.admins:
            if aid != creator.id:
                self.add(g, self.by_id[aid], created + self._r(MIN, 10 * MIN), by=creator.id)
                self.grant_admin(g, self.by_id[aid], created + self._r(10 * MIN, 30 * MIN))
        self.create_invite(g, created + self._r(10 * MIN, HOUR))
        share = self.rng.uniform(0.6, 0.9)
        returning = [self.by_id[a] for a in pred.members if self.rng.random() < share]
        self.populate(g, returning, invite_share=0.5, spread=12 * HOUR)
        self.fill_bad(g, int(self.rng.integers(0, 10)))
        self.mark_account(creator.id, "created_recreated_group", group=g.id)
        if "known_item" in truth:
            self.mark_account(creator.id, "set_known_icon", group=g.id)
        if "term" in truth:
            self.mark_account(creator.id, "set_term_name", group=g.id)
        g.setters.append(creator.id)
        truth["created_by"] = creator.id
        self.truth_groups[g.id] = truth
        return g

    def spread(self, src: Group) -> Group | None:
        created = (src.bad_ts or src.created) + self._r(HOUR, 2 * DAY)
        if created > self.end - DAY:
            return None
        admins = [self.by_id[a] for a in src.admins]
        creator = admins[int(self.rng.integers(len(admins)))]
        name = f"{vocab.pick(self.rng, SPINOFF_NAMES)} {int(self.rng.integers(1, 99))}"
        icon = (
            ref_path(self.icon_pool[int(self.rng.integers(len(self.icon_pool)))])
            if self.rng.random() < 0.5
            else None
        )
        g = self.new_group("invite_spread", created, creator, name, None, icon)
        g.ring = src.ring
        g.bad_ts = created
        self.create_invite(g, created + self._r(MIN, 10 * MIN))
        share = self.rng.uniform(0.3, 0.7)
        movers = [
            self.by_id[a] for a in src.members if a != creator.id and self.rng.random() < share
        ]
        for acct in movers:
            self.add(g, acct, created + self._r(10 * MIN, DAY), via_invite=True, seen_in=src.id)
        self.fill_bad(g, int(self.rng.integers(0, 5)))
        self.mark_account(creator.id, "created_spinoff_group", group=g.id)
        g.setters.append(creator.id)
        self.truth_groups[g.id] = {
            "bad": True,
            "scenario": "invite_spread",
            "why": ["invite_from_bad_group"],
            "source": src.id,
            "ring": src.ring,
            "created_by": creator.id,
            "invite_token": g.invite,
        }
        return g

    def evaders(self) -> None:
        """Responsible accounts come back under a new number and re-join their groups.

        Only accounts with a life outside the bad groups come back this way: the bad groups
        they were in are removed once they are caught, and a removed group takes nobody
        back, so an evader needs at least two ordinary groups it was in before its first
        bad act, when it was caught (its school, family or neighbourhood groups)."""
        bad_groups = {gid for gid, rec in self.truth_groups.items() if rec.get("bad")}
        originals = [
            aid
            for aid, rec in self.truth_accounts.items()
            if rec["bad"] and len(self.by_id[aid].memberships) >= 2
        ]
        originals.sort()
        chosen = [originals[int(i)] for i in self.rng.permutation(len(originals))]
        made = 0
        for aid in chosen:
            if made >= self.n_evaders:
                break
            orig = self.by_id[aid]
            first_bad = min(
                (g.bad_ts for g in self.groups if aid in g.setters and g.bad_ts is not None),
                default=None,
            )
            if first_bad is None:
                continue
            reg = first_bad + self._r(DAY, 3 * DAY)
            if reg > self.end - 2 * DAY:
                continue
            # Groups it was in before its first bad act: those it was in when it was caught.
            ordinary = [gid for gid, joined in orig.memberships.items()
                        if joined <= first_bad and gid not in bad_groups]
            if len(ordinary) < 2:
                continue
            name = (
                orig.name
                if self.rng.random() < 0.5
                else f"{orig.name.split()[0]}{int(self.rng.integers(1, 99))}"
            )
            photo = orig.photo if orig.photo and self.rng.random() < 0.5 else None
            new = self.register(reg, orig.community, name=name, country=orig.country, photo=photo)
            self.communities[orig.community].append(new)
            caught = {x.id for x in self.groups if aid in x.setters}
            rejoined = []
            for gid, joined in sorted(orig.memberships.items(), key=lambda kv: kv[1]):
                g = self.group_by_id[gid]
                if joined > reg or gid in caught:
                    continue  # the group it was caught in is gone
                ts = self.add(
                    g,
                    new,
                    reg + self._r(HOUR, 2 * DAY),
                    via_invite=g.invite is not None and self.rng.random() < 0.5,
                )
                if ts is not None:
                    rejoined.append(gid)
            self.mark_account(new.id, "ban_evasion", evades=aid)
            self.truth_accounts[new.id]["rejoined"] = rejoined
            made += 1
        # Accounts reserved for evaders that were not needed register as ordinary late
        # joiners, so that the account total is what was asked for.
        while len(self.accounts) < self.cfg.accounts:
            c = int(self.rng.integers(len(self.communities)))
            acct = self.register(self._r(DAY, self.end - DAY), c)
            self.communities[c].append(acct)

    # ---- the whole world ------------------------------------------------------------------

    def build(self) -> None:
        self.build_media()
        self.build_accounts()
        for scenario in ("ordinary", *HARD_NEGATIVES):
            for _ in range(self.counts[scenario]):
                self.ordinary(scenario)
        self.build_rings()
        primaries: list[Group] = []
        for scenario in PRIMARY:
            for i in range(self.counts[scenario]):
                primaries.append(self.primary(scenario, i))
        # Derived groups come from earlier bad groups; a recreated group can be re-created
        # again (chains), as happens after each removal.
        bad_so_far = list(primaries)
        for scenario in DERIVED:
            made = 0
            attempts = 0
            while made < self.counts[scenario] and bad_so_far and attempts < 4 * self.cfg.groups:
                src = bad_so_far[attempts % len(bad_so_far)]
                attempts += 1
                g = self.recreated(src) if scenario == "recreated" else self.spread(src)
                if g is not None:
                    made += 1
                    if scenario == "recreated":
                        bad_so_far.append(g)
            # Whatever could not be derived (too late in the window) is ordinary instead.
            for _ in range(self.counts[scenario] - made):
                self.ordinary("ordinary")
        bad_groups = primaries + [g for g in self.groups if g.scenario in DERIVED]
        in_bad: dict[str, int] = {}
        for g in bad_groups:
            for aid in g.members:
                in_bad[aid] = in_bad.get(aid, 0) + 1
                if aid in g.admins:
                    self.note_account(aid, "admin_of_bad_group")
        for aid, n in in_bad.items():
            self.note_account(aid, "member_of_bad_group" if n == 1 else "member_of_bad_groups")
            rec = self.truth_accounts[aid]
            if not rec["bad"]:
                rec["bad_groups_joined"] = n
        self.evaders()


def _iso(start, ts: int) -> str:
    from datetime import timedelta

    return (start + timedelta(seconds=int(ts))).strftime("%Y-%m-%dT%H:%M:%SZ")
