"""Persistence: tables, the database handle, migrations."""

from groupguard.store.db import Database, open_database

__all__ = ["Database", "open_database"]
