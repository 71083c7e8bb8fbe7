"""review decisions, evidence crops, customer name keys, optional CRM columns

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 05:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('customers') as batch:
        batch.add_column(sa.Column('address', sa.String(length=500), nullable=True))
        batch.add_column(sa.Column('account_no', sa.String(length=60), nullable=True))
        batch.add_column(sa.Column('industry', sa.String(length=100), nullable=True))
    op.create_table('review_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=20), nullable=False),
    sa.Column('by', sa.String(length=100), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_review_decisions_document_id', 'review_decisions', ['document_id'])
    with op.batch_alter_table('findings') as batch:
        batch.add_column(sa.Column('decision_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_findings_decision_id', 'review_decisions', ['decision_id'], ['id'])
        batch.create_index('ix_findings_decision_id', ['decision_id'])
    op.create_table('evidence_crops',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=60), nullable=False),
    sa.Column('page', sa.Integer(), nullable=False),
    sa.Column('box', sa.JSON(), nullable=False),
    sa.Column('png_age', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_evidence_crops_document_id', 'evidence_crops', ['document_id'])
    op.create_table('customer_name_keys',
    sa.Column('key', sa.String(length=8), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('key', 'customer_id')
    )
    op.create_index('ix_customer_name_keys_customer_id', 'customer_name_keys', ['customer_id'])
    # Keys for the customers already there.
    conn = op.get_bind()
    from extractors.parsing import name_keys

    rows = conn.execute(sa.text("SELECT id, name FROM customers")).fetchall()
    keys = [{"key": k, "customer_id": cid} for cid, name in rows for k in name_keys(name)]
    if keys:
        conn.execute(sa.text("INSERT INTO customer_name_keys (key, customer_id) VALUES (:key, :customer_id)"), keys)


def downgrade() -> None:
    op.drop_table('customer_name_keys')
    op.drop_table('evidence_crops')
    with op.batch_alter_table('findings') as batch:
        batch.drop_index('ix_findings_decision_id')
        batch.drop_constraint('fk_findings_decision_id', type_='foreignkey')
        batch.drop_column('decision_id')
    op.drop_table('review_decisions')
    with op.batch_alter_table('customers') as batch:
        batch.drop_column('industry')
        batch.drop_column('account_no')
        batch.drop_column('address')
