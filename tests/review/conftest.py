from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from groupguard.review import users
from groupguard.review.users import create_user
from tests.review.review_seeding import seed_review_store

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch):
    """Argon2 with small costs: the suite shares two cores; production keeps the defaults."""
    fast = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(users, "_hasher", fast)
    monkeypatch.setattr(users, "_DUMMY", fast.hash("timing only"))


@pytest.fixture
def seeded(db, settings):
    with db.session() as s:
        return seed_review_store(s, settings)


@pytest.fixture
def people(db):
    with db.session() as s:
        return {
            "rita": create_user(s, "rita", role="reviewer", password=PASSWORD),
            "rob": create_user(s, "rob", role="reviewer", password=PASSWORD),
            "ivy": create_user(s, "ivy", role="investigator", password=PASSWORD),
            "ada": create_user(s, "ada", role="admin", password=PASSWORD),
            "aud": create_user(s, "aud", role="auditor", password=PASSWORD),
            "nomedia": create_user(s, "nomedia", role="reviewer", password=PASSWORD,
                                   can_view_media=False),
        }
