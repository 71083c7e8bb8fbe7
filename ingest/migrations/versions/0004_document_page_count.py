"""documents.page_count: how many pages a filed document has (batch digitisation files a
bag's documents page range by page range; ingest records it too)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 05:30:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('page_count', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_column('page_count')
