"""Autogenerate a migration for one area's branch against a database at every head.

  .venv/bin/python scripts/new-migration.py AREA "message"

The first revision of an area starts its own branch (depends on 0001_core); later ones
extend AREA@head. Re-run after deleting the area's file to regenerate it from scratch.
"""

import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory

from groupguard.store.db import Database


def main() -> None:
    area, message = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'gen.db'}")
        db.migrate()
        cfg = db.alembic_config()
        script = ScriptDirectory.from_config(cfg)
        labels = {label for rev in script.walk_revisions() for label in rev.branch_labels}
        if area in labels:
            n = sum(1 for rev in script.walk_revisions() if area in _branch(script, rev))
            command.revision(cfg, message=message, autogenerate=True,
                             rev_id=f"{n + 1:04d}_{area}", head=f"{area}@head")
        else:
            command.revision(cfg, message=message, autogenerate=True, rev_id=f"0001_{area}",
                             head="base", branch_label=area, depends_on="0001_core")


def _branch(script: ScriptDirectory, rev) -> set[str]:  # type: ignore[no-untyped-def]
    labels: set[str] = set()
    for r in script.iterate_revisions(rev.revision, "base"):
        labels |= set(r.branch_labels)
    return labels


if __name__ == "__main__":
    main()
