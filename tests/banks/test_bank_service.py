"""Banks and entries: creation, validation, versions, tombstones."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from groupguard.banks import service
from groupguard.errors import BankError, InvalidHashError, NotFoundError
from groupguard.store.tables_banks import bank_removals

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
MD5 = "d41d8cd98f00b204e9800998ecf8427e"


def test_create_list_and_get(db):
    with db.session() as s:
        b = service.create_bank(s, "ncmec-list", kind="hash", action_policy="act",
                                pdq_threshold=20, source="NCMEC", verified=True)
        assert (b.kind, b.action_policy, b.pdq_threshold, b.verified) == ("hash", "act", 20, True)
        service.create_bank(s, "ok-images", kind="allow", action_policy="none")
    with db.session() as s:
        assert [b.name for b in service.list_banks(s)] == ["ncmec-list", "ok-images"]
        assert service.get_bank(s, "ok-images").kind == "allow"


@pytest.mark.parametrize("kwargs", [{"kind": "weird"}, {"action_policy": "ban"},
                                    {"pdq_threshold": 300}])
def test_invalid_bank_settings_are_refused(db, kwargs):
    with db.session() as s, pytest.raises(BankError):
        service.create_bank(s, "b", **kwargs)


def test_duplicate_and_missing_banks_raise_bank_error(db):
    with db.session() as s:
        service.create_bank(s, "b")
        with pytest.raises(BankError, match="already exists"):
            service.create_bank(s, "b")
        with pytest.raises(BankError, match="does not exist"):
            service.get_bank(s, "nope")
        with pytest.raises(BankError):
            service.create_bank(s, "bad name!")


def test_add_validates_normalises_dedupes_and_bumps_version(db):
    with db.session() as s:
        service.create_bank(s, "b")
        v0 = service.get_bank(s, "b").version
        ids = service.add_hashes(s, "b", [("pdq", PDQ.upper()), ("video_md5", MD5),
                                          ("pdq", PDQ)], source="test", tags=["zorblax"])
        assert ids[0] == ids[2] and len(set(ids)) == 2
        bank = service.get_bank(s, "b")
        assert bank.version == v0 + 1 and bank.entries == 2
        entries = service.entries(s, "b")
        assert {(e.signal_type, e.value) for e in entries} == {("pdq", PDQ), ("md5", MD5)}
        assert all(e.tags == ["zorblax"] and e.source == "test" for e in entries)
        # Re-adding is harmless: same ids, no new version.
        assert service.add_hashes(s, "b", [("md5", MD5)]) == [ids[1]]
        assert service.get_bank(s, "b").version == v0 + 1


@pytest.mark.parametrize("item", [("pdq", "abc"), ("pdq", "z" * 64), ("md5", PDQ),
                                  ("sha256", MD5), ("nonsense", MD5), ("vpdq", "[]")])
def test_bad_hashes_raise_invalid_hash_error_and_add_nothing(db, item):
    with db.session() as s:
        service.create_bank(s, "b")
        with pytest.raises(InvalidHashError, match="item 2"):
            service.add_hashes(s, "b", [("md5", MD5), item])
        assert service.entries(s, "b") == []


def test_remove_leaves_a_tombstone_and_a_removal_record(db):
    with db.session() as s:
        service.create_bank(s, "b")
        (eid,) = service.add_hashes(s, "b", [("pdq", PDQ)])
        v = service.get_bank(s, "b").version
        assert service.remove_entry(s, eid, reason="false positive") is True
        assert service.remove_entry(s, eid) is False
        assert service.get_bank(s, "b").version == v + 1
        assert service.entries(s, "b") == []
        (tomb,) = service.entries(s, "b", include_removed=True)
        assert tomb.removed_at is not None
        assert s.execute(select(bank_removals.c.entry_id)).scalars().all() == [eid]
        with pytest.raises(NotFoundError):
            service.remove_entry(s, 9999)
        # Adding the value again makes a new live entry.
        (again,) = service.add_hashes(s, "b", [("pdq", PDQ)])
        assert again != eid
        assert service.remove_value(s, "b", "pdq", PDQ) == 1
        service.add_hashes(s, "b", [("md5", MD5)])
        assert service.clear_bank(s, "b") == 1


def test_update_bank_changes_settings_and_version(db):
    with db.session() as s:
        service.create_bank(s, "b")
        b = service.update_bank(s, "b", pdq_threshold=10, action_policy="none")
        assert (b.pdq_threshold, b.action_policy, b.version) == (10, "none", 2)
        with pytest.raises(BankError):
            service.update_bank(s, "b", created_at="2020")
