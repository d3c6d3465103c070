"""actions published in commit order

Revision ID: 0002_core
Revises: 0001_core
Create Date: 2026-11-30 05:51:20.198871
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0002_core'
down_revision: str | None = '0001_core'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_seq', sa.BigInteger(), nullable=True))
        batch_op.create_index('ix_actions_published_seq', ['published_seq'], unique=True)
    # Actions pulled before this revision keep their place: a client's cursor was a seq.
    op.execute("UPDATE actions SET published_seq = seq")


def downgrade() -> None:
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_index('ix_actions_published_seq')
        batch_op.drop_column('published_seq')

