"""Shared fixtures. The whole suite runs on SQLite by default and on PostgreSQL when
GROUPGUARD_TEST_DATABASE_URL is set (.ci/run does both passes)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from groupguard.config import Settings
from groupguard.store import Database, open_database
from groupguard.store.tables import metadata

PG_URL = os.environ.get("GROUPGUARD_TEST_DATABASE_URL")
DATA = Path(__file__).parent / "data"


def _reset_postgres(url: str) -> None:
    db = Database(url)
    try:
        db.migrate()
        names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    finally:
        db.dispose()


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for one test: its own data home and media root; a clean database."""
    home = tmp_path / "home"
    media_root = tmp_path / "media"
    media_root.mkdir()
    if PG_URL:
        _reset_postgres(PG_URL)
    return Settings(home=home, database_url=PG_URL, media_root=media_root)


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = open_database(settings)
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def cli_env(settings: Settings) -> dict[str, str]:
    """Environment for running the CLI in a subprocess against this test's store."""
    env = dict(os.environ)
    env["GROUPGUARD_HOME"] = str(settings.home)
    env["GROUPGUARD_MEDIA_ROOT"] = str(settings.media_root)
    if PG_URL:
        env["GROUPGUARD_DATABASE_URL"] = PG_URL
    else:
        env.pop("GROUPGUARD_DATABASE_URL", None)
    return env
