"""search: outbox of changed listings, PostgreSQL full-text index table

Revision ID: 0004_search
Revises: 0006_payments
Create Date: 2026-11-22 00:20:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
import market.adapters.types


revision = '0004_search'
down_revision = '0006_payments'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('search_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('created_at', market.adapters.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_outbox'))
    )
    op.create_table('search_documents',
    sa.Column('doc_id', sa.String(length=40), nullable=False),
    sa.Column('doc_type', sa.String(length=16), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=40), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('field', sa.String(length=32), nullable=True),
    sa.Column('markets', sa.String(length=64), nullable=False),
    sa.Column('province', sa.String(length=16), nullable=True),
    sa.Column('ip_type', sa.String(length=16), nullable=True),
    sa.Column('modes', sa.String(length=128), nullable=False),
    sa.Column('price_fen', sa.BigInteger(), nullable=True),
    sa.Column('price_low_fen', sa.BigInteger(), nullable=True),
    sa.Column('published_at', market.adapters.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('tsv', sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql'), nullable=False),
    sa.PrimaryKeyConstraint('doc_id', name=op.f('pk_search_documents'))
    )
    op.create_index('ix_search_documents_tsv', 'search_documents', ['tsv'], unique=False, postgresql_using='gin')
    op.create_index('ix_search_documents_type_published', 'search_documents', ['doc_type', 'published_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_search_documents_type_published', table_name='search_documents')
    op.drop_index('ix_search_documents_tsv', table_name='search_documents', postgresql_using='gin')
    op.drop_table('search_documents')
    op.drop_table('search_outbox')
