"""keyed hashes of ID numbers

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 16:56:14.267005
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('id_number_hashes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=60), nullable=False),
    sa.Column('keyed_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('id_number_hashes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_id_number_hashes_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_id_number_hashes_keyed_hash'), ['keyed_hash'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('id_number_hashes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_id_number_hashes_keyed_hash'))
        batch_op.drop_index(batch_op.f('ix_id_number_hashes_document_id'))

    op.drop_table('id_number_hashes')
