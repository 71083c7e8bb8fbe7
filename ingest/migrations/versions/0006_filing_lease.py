"""documents.filing_owner / filing_since: who holds a `filing` reservation and since when,
so a second process filing the same bytes waits instead of writing the same key

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 09:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('filing_owner', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('filing_since', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_column('filing_since')
        batch_op.drop_column('filing_owner')
