"""imports: warnings beside row errors, the header a file had, districts

An import run records what it changed on purpose (markup reduced to text, a
keyword list capped, a place it could not place) and what it noticed about
the file (unknown or missing optional columns) as warnings, and keeps the
header it found. Achievements and demands keep the district apart from the
prefecture-level city, so statistics by city do not split one city in several.

Revision ID: 0013_import_warnings
Revises: 0012_deposit_release_by
Create Date: 2026-12-02 08:30:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0013_import_warnings'
down_revision = '0012_deposit_release_by'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'import_warnings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('row', sa.Integer(), nullable=False),
        sa.Column('external_id', sa.String(length=64), nullable=True),
        sa.Column('field', sa.String(length=64), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['run_id'], ['import_runs.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_import_warnings_run_id'), 'import_warnings', ['run_id'], unique=False)
    with op.batch_alter_table('import_runs') as batch:
        batch.add_column(sa.Column('header', sa.JSON(), nullable=True))
    for table in ('achievements', 'demands'):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('district', sa.String(length=64), nullable=True))


def downgrade() -> None:
    for table in ('demands', 'achievements'):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('district')
    with op.batch_alter_table('import_runs') as batch:
        batch.drop_column('header')
    op.drop_index(op.f('ix_import_warnings_run_id'), table_name='import_warnings')
    op.drop_table('import_warnings')
