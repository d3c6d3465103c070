"""The membership graph: accounts, groups, roles, invite links, removals and bans, in
numpy arrays that update in place as events arrive.

Sizes it is built for: 10M accounts, 1M groups, 100M memberships in a few GB (see
bench/graph.py). Both directions of the membership relation are kept (group -> accounts
and account -> groups) because propagation walks both. Memberships that ended stay as
history (ban evasion needs to know where a banned account used to be).

"Tainted" accounts are those that were members of a group when it was removed, or that
are banned. Per group, counters of tainted members and admins are kept current so that a
removal re-scores every related group with a few vectorised numpy operations.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from groupguard.graph.adjacency import ADMIN, CREATOR, FORMER, MEMBER, Adjacency
from groupguard.graph.ids import Interner

ROLE_CODES = {"member": MEMBER, "admin": ADMIN, "creator": CREATOR}
ROLE_NAMES = {v: k for k, v in ROLE_CODES.items()}
NO_TIME = math.nan


def name_key(display_name: str) -> int:
    """The name's letters only, case-folded: "Maria Silva" and "maria.silva77" meet, and a
    shared first name alone does not; 0 if there are none."""
    letters = "".join(ch for ch in display_name if ch.isalpha()).casefold()
    if not letters:
        return 0
    return int.from_bytes(hashlib.blake2b(letters.encode(), digest_size=7).digest(), "big")


class _Columns:
    """Per-node arrays that grow by doubling as ids are added."""

    def __init__(self, spec: dict[str, tuple[type, float | int]], n: int = 0):
        self._spec = spec
        self.size = n
        cap = max(16, n)
        for name, (dtype, fill) in spec.items():
            setattr(self, name, np.full(cap, fill, dtype))

    def ensure(self, n: int) -> None:
        if n <= self.size:
            return
        cap = len(getattr(self, next(iter(self._spec))))
        if n > cap:
            new_cap = max(n, cap * 2)
            for name, (dtype, fill) in self._spec.items():
                old = getattr(self, name)
                arr = np.full(new_cap, fill, dtype)
                arr[: len(old)] = old
                setattr(self, name, arr)
        self.size = n

    def nbytes(self) -> int:
        return sum(getattr(self, name).nbytes for name in self._spec)


_GROUP_COLS: dict[str, tuple[type, float | int]] = {
    "created_at": (np.float64, NO_TIME),
    "removed_at": (np.float64, NO_TIME),
    "creator": (np.int32, -1),
    "n_members": (np.int32, 0),
    "n_admins": (np.int32, 0),  # admins and the creator
    "tainted_members": (np.int32, 0),
    "tainted_admins": (np.int32, 0),
    "run_admins": (np.int32, 0),  # admins and creator who ran a removed group, or are banned
    "size_at_removal": (np.int32, 0),
}
_ACCOUNT_COLS: dict[str, tuple[type, float | int]] = {
    "registered_at": (np.float64, NO_TIME),
    "banned_at": (np.float64, NO_TIME),  # last ban, kept after an unban for history
    "banned": (np.bool_, False),
    "taint": (np.int16, 0),  # removed groups it was in at removal, +1 while banned
    "taint_admin": (np.int16, 0),  # removed groups it ran (admin, creator), +1 while banned
    # Hashes of the display name (letters only) and of the profile photo:
    # a banned user coming back often keeps one of them. 0 = unknown.
    "name_key": (np.int64, 0),
    "photo_key": (np.int64, 0),
}


@dataclass(frozen=True)
class InviteLink:
    group: int
    created_by: int | None


class MembershipGraph:
    def __init__(self) -> None:
        self.accounts = Interner()
        self.groups = Interner()
        self.g = _Columns(_GROUP_COLS)
        self.a = _Columns(_ACCOUNT_COLS)
        self.by_group = Adjacency()  # rows: groups, cols: accounts
        self.by_account = Adjacency(with_times=True)  # rows: accounts, cols: groups; join time
        self.invites: dict[str, InviteLink] = {}
        # target group -> source group -> uses of links seen in the source
        self.invite_sources: dict[int, dict[int, int]] = defaultdict(dict)
        self.invite_targets: dict[int, set[int]] = defaultdict(set)
        self.clock = NO_TIME  # latest event time seen; enforcement is dated by it
        self.removals = 0  # groups removed so far: nothing to propagate while zero
        self.bans = 0

    # -- ids -----------------------------------------------------------------------------

    def account(self, account_id: str) -> int:
        idx = self.accounts.add(account_id)
        self.a.ensure(idx + 1)
        return idx

    def group(self, group_id: str) -> int:
        idx = self.groups.add(group_id)
        self.g.ensure(idx + 1)
        return idx

    def tick(self, ts: float) -> float:
        if math.isnan(self.clock) or ts > self.clock:
            self.clock = ts
        return ts

    def now(self) -> float:
        return self.clock

    # -- state changes -------------------------------------------------------------------

    def register_account(
        self, account_id: str, ts: float, display_name: str | None = None
    ) -> int:
        a = self.account(account_id)
        if math.isnan(self.a.registered_at[a]):
            self.a.registered_at[a] = ts
        if display_name:
            self.a.name_key[a] = name_key(display_name)
        return a

    def set_photo(self, account_id: str, sha256: str | None) -> None:
        a = self.account(account_id)
        self.a.photo_key[a] = int(sha256[:15], 16) if sha256 else 0

    def create_group(self, group_id: str, creator: str | None, ts: float) -> int:
        g = self.group(group_id)
        if math.isnan(self.g.created_at[g]):
            self.g.created_at[g] = ts
        if creator is not None:
            c = self.account(creator)
            self.g.creator[g] = c
            self.add_member(group_id, creator, "creator", ts)
        return g

    def add_member(self, group_id: str, account_id: str, role: str, ts: float) -> bool:
        """Returns True when the membership is new or its role changed."""
        g, a = self.group(group_id), self.account(account_id)
        code = ROLE_CODES[role]
        prev = self.by_account.get(a, g)
        if prev is not None and prev[0] < FORMER:
            old_role = prev[0]
            if old_role == code or (old_role == CREATOR and code != CREATOR):
                return False  # the creator stays creator when re-added as admin/member
            self._set_edge(g, a, code, None)
            self._admin_delta(g, a, int(code >= ADMIN) - int(old_role >= ADMIN))
            return True
        self._set_edge(g, a, code, ts)
        self.g.n_members[g] += 1
        tainted = self.a.taint[a] > 0
        if tainted:
            self.g.tainted_members[g] += 1
        if code >= ADMIN:
            self._admin_delta(g, a, 1)
        return True

    def remove_member(self, group_id: str, account_id: str) -> bool:
        g, a = self.groups.get(group_id), self.accounts.get(account_id)
        if g is None or a is None:
            return False
        prev = self.by_account.get(a, g)
        if prev is None or prev[0] >= FORMER:
            return False
        if self.is_removed(g):
            # Members drain out of a removed group; its history must stay as it was.
            return False
        role = prev[0]
        self._set_edge(g, a, role | FORMER, None)
        self.g.n_members[g] -= 1
        if self.a.taint[a] > 0:
            self.g.tainted_members[g] -= 1
        if role >= ADMIN:
            self._admin_delta(g, a, -1)
        return True

    def set_admin(self, group_id: str, account_id: str, admin: bool, ts: float) -> bool:
        g, a = self.group(group_id), self.account(account_id)
        prev = self.by_account.get(a, g)
        if prev is None or prev[0] >= FORMER:
            return self.add_member(group_id, account_id, "admin" if admin else "member", ts)
        if prev[0] == CREATOR:
            return False
        return self.add_member(group_id, account_id, "admin" if admin else "member", ts)

    def _set_edge(self, g: int, a: int, state: int, ts: float | None) -> None:
        t = None if ts is None or math.isnan(ts) else int(ts)
        self.by_group.set(g, a, state)
        self.by_account.set(a, g, state, t)

    def _admin_delta(self, g: int, a: int, d: int) -> None:
        if d == 0:
            return
        self.g.n_admins[g] += d
        if self.a.taint[a] > 0:
            self.g.tainted_admins[g] += d
        if self.a.taint_admin[a] > 0:
            self.g.run_admins[g] += d

    def remove_group(self, group_id: str, ts: float) -> np.ndarray:
        """Mark a group removed; taint its members. Returns the other groups whose scores
        changed."""
        g = self.group(group_id)
        if self.is_removed(g):
            return np.zeros(0, np.int64)
        self.g.removed_at[g] = ts
        self.removals += 1
        cols, states, _ = self.by_group.row(g)
        live = states < FORMER
        members = cols[live].astype(np.int64)
        self.g.size_at_removal[g] = len(members)
        ran = members[(states[live] & 3) >= ADMIN]
        return np.union1d(self._taint(members, +1), self._taint(ran, +1, admin=True))

    def restore_group(self, group_id: str) -> np.ndarray:
        g = self.groups.get(group_id)
        if g is None or not self.is_removed(g):
            return np.zeros(0, np.int64)
        self.g.removed_at[g] = NO_TIME
        self.removals -= 1
        cols, states, _ = self.by_group.row(g)
        live = states < FORMER
        members = cols[live].astype(np.int64)
        ran = members[(states[live] & 3) >= ADMIN]
        return np.union1d(self._taint(members, -1), self._taint(ran, -1, admin=True))

    def ban_account(self, account_id: str, ts: float) -> np.ndarray:
        a = self.account(account_id)
        if self.a.banned[a]:
            return np.zeros(0, np.int64)
        self.a.banned[a] = True
        self.a.banned_at[a] = ts
        self.bans += 1
        one = np.array([a], np.int64)
        return np.union1d(self._taint(one, +1), self._taint(one, +1, admin=True))

    def unban_account(self, account_id: str) -> np.ndarray:
        a = self.accounts.get(account_id)
        if a is None or not self.a.banned[a]:
            return np.zeros(0, np.int64)
        self.a.banned[a] = False
        one = np.array([a], np.int64)
        return np.union1d(self._taint(one, -1), self._taint(one, -1, admin=True))

    def _taint(self, accounts: np.ndarray, step: int, *, admin: bool = False) -> np.ndarray:
        """Change the taint of accounts; accounts crossing zero update the counters of
        every live group they are in. Vectorised: one gather over the CSR rows.
        `admin` changes the "ran a removed group" taint instead of the plain one."""
        accounts = np.unique(accounts)
        if not len(accounts):
            return np.zeros(0, np.int64)
        taint = self.a.taint_admin if admin else self.a.taint
        before = taint[accounts] > 0
        taint[accounts] = np.maximum(taint[accounts] + step, 0)
        after = taint[accounts] > 0
        flipped = accounts[before != after]
        if not len(flipped):
            return np.zeros(0, np.int64)
        _, grp, st = self.by_account.rows_concat(flipped)
        live = (st < FORMER) & np.isnan(self.g.removed_at[grp])
        grp, st = grp[live], st[live]
        d = 1 if step > 0 else -1
        if admin:
            np.add.at(self.g.run_admins, grp[st >= ADMIN], d)
        else:
            np.add.at(self.g.tainted_members, grp, d)
            np.add.at(self.g.tainted_admins, grp[st >= ADMIN], d)
        return np.unique(grp)

    # -- invites -------------------------------------------------------------------------

    def invite_created(self, token: str, group_id: str, created_by: str | None) -> None:
        g = self.group(group_id)
        by = self.account(created_by) if created_by else None
        self.invites.setdefault(token, InviteLink(g, by))

    def invite_used(self, token: str, group_id: str, seen_in_group: str | None) -> int | None:
        """Record where a link to `group_id` was seen; returns the source group index."""
        g = self.group(group_id)
        self.invites.setdefault(token, InviteLink(g, None))
        if not seen_in_group or seen_in_group == group_id:
            return None
        s = self.group(seen_in_group)
        src = self.invite_sources[g]
        src[s] = src.get(s, 0) + 1
        self.invite_targets[s].add(g)
        return s

    # -- queries -------------------------------------------------------------------------

    def is_removed(self, g: int) -> bool:
        return not math.isnan(self.g.removed_at[g])

    def members(self, g: int, *, active: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """(accounts, role codes) of a group."""
        cols, states, _ = self.by_group.row(g)
        if active:
            keep = states < FORMER
            cols, states = cols[keep], states[keep]
        return cols.astype(np.int64), (states & 3).astype(np.int8)

    def groups_of(
        self, a: int, *, active: bool = True
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(groups, role codes, join times) of an account."""
        cols, states, times = self.by_account.row(a)
        if active:
            keep = states < FORMER
            cols, states, times = cols[keep], states[keep], times[keep]
        return cols.astype(np.int64), (states & 3).astype(np.int8), times

    def nbytes(self) -> int:
        return (self.by_group.nbytes() + self.by_account.nbytes() + self.g.nbytes()
                + self.a.nbytes())

    # -- bulk loading --------------------------------------------------------------------

    @classmethod
    def from_arrays(
        cls,
        n_accounts: int,
        n_groups: int,
        group_idx: np.ndarray,
        account_idx: np.ndarray,
        roles: np.ndarray,
        *,
        joined_at: np.ndarray | None = None,
        account_names: list[str] | None = None,
        group_names: list[str] | None = None,
    ) -> MembershipGraph:
        """Build from edge arrays (active memberships) in one pass; ids are `a<i>`/`g<i>`
        unless names are given. Counters start clean: no removals, no bans."""
        graph = cls()
        graph.accounts.extend_new(account_names if account_names is not None
                                  else [f"a{i}" for i in range(n_accounts)])
        graph.groups.extend_new(group_names if group_names is not None
                                else [f"g{i}" for i in range(n_groups)])
        graph.a.ensure(n_accounts)
        graph.g.ensure(n_groups)
        roles = np.asarray(roles, np.int8)
        times = (np.zeros(len(group_idx), np.uint32) if joined_at is None
                 else np.asarray(joined_at, np.uint32))
        graph.by_group = Adjacency.from_coo(group_idx, account_idx, roles, n_groups)
        graph.by_account = Adjacency.from_coo(account_idx, group_idx, roles, n_accounts, times)
        active = roles < FORMER
        graph.g.n_members[:n_groups] = np.bincount(group_idx[active], minlength=n_groups)
        graph.g.n_admins[:n_groups] = np.bincount(
            group_idx[active & (roles >= ADMIN)], minlength=n_groups)
        creators = active & (roles == CREATOR)
        graph.g.creator[group_idx[creators]] = account_idx[creators]
        return graph
