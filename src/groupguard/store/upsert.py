"""INSERT ... ON CONFLICT for both backends (SQLite and PostgreSQL share the syntax, but
SQLAlchemy builds it per dialect)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignore(session: Session, table: Table, rows: dict[str, Any] | list[dict[str, Any]],
                  *, keys: list[str]) -> None:
    """Insert rows whose `keys` are not present yet; existing rows are left alone."""
    dialect = session.get_bind().dialect.name
    insert_fn = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert_fn(table).on_conflict_do_nothing(index_elements=keys)
    session.execute(stmt, rows if isinstance(rows, list) else [rows])
