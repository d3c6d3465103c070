"""The database handle: one engine per process, SQLite (WAL) by default, PostgreSQL by URL.

The schema is owned by Alembic migrations (store/migrations); `Database.migrate()` brings
any database to every head. No SQLite-only SQL anywhere above this module.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from groupguard.config import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    # WAL lets the API read while the runner writes; busy_timeout rides out short locks.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()
    # pysqlite's own transaction handling begins transactions lazily and lets RELEASE
    # SAVEPOINT commit work early; take control so savepoints and rollbacks are real.
    dbapi_conn.isolation_level = None


def _sqlite_begin(conn) -> None:  # type: ignore[no-untyped-def]
    # Writers (ingest, runner batches) begin IMMEDIATE: they take the write lock up front
    # and wait for it, instead of failing when a deferred read upgrades to a write after
    # another writer committed. Everything else begins deferred, so reads never wait.
    if conn.get_execution_options().get("sqlite_immediate"):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


class Database:
    def __init__(self, url: str):
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict = {"future": True}
        if self.is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs["pool_pre_ping"] = True
        self.engine: Engine = create_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(
            self.engine.execution_options(sqlite_immediate=True), expire_on_commit=False
        )

    def alembic_config(self) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        cfg.attributes["engine"] = self.engine
        return cfg

    def migrate(self) -> None:
        # "heads": each feature area owns a migration branch (see migrations/README).
        command.upgrade(self.alembic_config(), "heads")

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on error. `write=True` marks a
        unit that writes much (on SQLite it takes the write lock when it begins)."""
        s = (self._write_sessions if write else self._sessions)()
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(settings: Settings, *, migrate: bool = True) -> Database:
    if settings.is_sqlite:
        settings.home.mkdir(parents=True, exist_ok=True)
    db = Database(settings.resolved_database_url)
    if migrate:
        db.migrate()
    return db
