from sqlalchemy import inspect

from groupguard.store.tables import metadata


def test_migrations_create_every_table(db):
    present = set(inspect(db.engine).get_table_names())
    assert {t.name for t in metadata.sorted_tables} <= present


def test_migrate_twice_is_harmless(db):
    db.migrate()
    assert "events" in inspect(db.engine).get_table_names()
