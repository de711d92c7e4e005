"""deals: interest, negotiations, offers, agreements, publicity notices and objections

Also: organisations.publicly_funded (财政资助单位; universities and research institutes are
set on upgrade, as new ones are by default), contracts.agreement_id / publicity_notice_id (the
deal a contract came from) and contracts.source widened for 'agreement'.

Revision ID: 0014_deals
Revises: 0013_import_warnings
Create Date: 2026-12-02 07:48:31.872509
"""
from alembic import op
import sqlalchemy as sa
import market.adapters.types


revision = '0014_deals'
down_revision = '0013_import_warnings'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('deal_interests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('achievement_id', sa.Integer(), nullable=False),
    sa.Column('buyer_org_id', sa.Integer(), nullable=False),
    sa.Column('seller_org_id', sa.Integer(), nullable=False),
    sa.Column('market_code', sa.String(length=4), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decline_reason', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', market.adapters.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', market.adapters.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_at', market.adapters.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['achievement_id'], ['achievements.id'], name=op.f('fk_deal_interests_achievement_id_achievements')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_deal_interests_answered_by_id_users')),
    sa.ForeignKeyConstraint(['buyer_org_id'], ['organisations.id'], name=op.f('fk_deal_interests_buyer_org_id_organisations')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_deal_interests_created_by_id_users')),
    sa.ForeignKeyConstraint(['market_code'], ['markets.code'], name=op.f('fk_deal_interests_market_code_markets')),
    sa.ForeignKeyConstraint(['seller_org_id'], ['organisations.id'], name=op.f('fk_deal_interests_seller_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deal_interests'))
    )
    with op.batch_alter_table('deal_interests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deal_interests_achievement_id'), ['achievement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deal_interests_buyer_org_id'), ['buyer_org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deal_interests_seller_org_id'), ['seller_org_id'], unique=False)

    op.create_table('deal_negotiations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interest_id', sa.Integer(), nullable=False),
    sa.Column('achievement_id', sa.Integer(), nullable=False),
    sa.Column('buyer_org_id', sa.Integer(), nullable=False),
    sa.Column('seller_org_id', sa.Integer(), nullable=False),
    sa.Column('market_code', sa.String(length=4), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', market.adapters.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', market.adapters.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['achievement_id'], ['achievements.id'], name=op.f('fk_deal_negotiations_achievement_id_achievements')),
    sa.ForeignKeyConstraint(['buyer_org_id'], ['organisations.id'], name=op.f('fk_deal_negotiations_buyer_org_id_organisations')),
    sa.ForeignKeyConstraint(['interest_id'], ['deal_interests.id'], name=op.f('fk_deal_negotiations_interest_id_deal_interests')),
    sa.ForeignKeyConstraint(['market_code'], ['markets.code'], name=op.f('fk_deal_negotiations_market_code_markets')),
    sa.ForeignKeyConstraint(['seller_org_id'], ['organisations.id'], name=op.f('fk_deal_negotiations_seller_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deal_negotiations')),
    sa.UniqueConstraint('interest_id', name=op.f('uq_deal_negotiations_interest_id'))
    )
    with op.batch_alter_table('deal_negotiations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deal_negotiations_achievement_id'), ['achievement_id'], unique=False)

    op.create_table('deal_offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('negotiation_id', sa.Integer(), nullable=False),
    sa.Column('side', sa.String(length=8), nullable=False),
    sa.Column('price_fen', sa.BigInteger(), nullable=False),
    sa.Column('transfer_mode', sa.String(length=8), nullable=False),
    sa.Column('payment_terms', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('replaces_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('decline_reason', sa.Text(), nullable=True),
    sa.Column('created_at', market.adapters.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', market.adapters.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_at', market.adapters.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_deal_offers_answered_by_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_deal_offers_created_by_id_users')),
    sa.ForeignKeyConstraint(['negotiation_id'], ['deal_negotiations.id'], name=op.f('fk_deal_offers_negotiation_id_deal_negotiations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deal_offers'))
    )
    with op.batch_alter_table('deal_offers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deal_offers_negotiation_id'), ['negotiation_id'], unique=False)

    op.create_table('deal_agreements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('negotiation_id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('achievement_id', sa.Integer(), nullable=False),
    sa.Column('seller_org_id', sa.Integer(), nullable=False),
    sa.Column('buyer_org_id', sa.Integer(), nullable=False),
    sa.Column('market_code', sa.String(length=4), nullable=False),
    sa.Column('price_fen', sa.BigInteger(), nullable=False),
    sa.Column('transfer_mode', sa.String(length=8), nullable=False),
    sa.Column('payment_terms', sa.Text(), nullable=False),
    sa.Column('publicly_funded', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('created_at', market.adapters.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', market.adapters.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('signed_at', market.adapters.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('voided_at', market.adapters.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['achievement_id'], ['achievements.id'], name=op.f('fk_deal_agreements_achievement_id_achievements')),
    sa.ForeignKeyConstraint(['buyer_org_id'], ['organisations.id'], name=op.f('fk_deal_agreements_buyer_org_id_organisations')),
    sa.ForeignKeyConstraint(['market_code'], ['markets.code'], name=op.f('fk_deal_agreements_market_code_markets')),
    sa.ForeignKeyConstraint(['negotiation_id'], ['deal_negotiations.id'], name=op.f('fk_deal_agreements_negotiation_id_deal_negotiations')),
    sa.ForeignKeyConstraint(['offer_id'], ['deal_offers.id'], name=op.f('fk_deal_agreements_offer_id_deal_offers')),
    sa.ForeignKeyConstraint(['seller_org_id'], ['organisations.id'], name=op.f('fk_deal_agreements_seller_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deal_agreements')),
    sa.UniqueConstraint('negotiation_id', name=op.f('uq_deal_agreements_negotiation_id')),
    sa.UniqueConstraint('offer_id', name=op.f('uq_deal_agreements_offer_id'))
    )
    with op.batch_alter_table('deal_agreements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deal_agreements_achievement_id'), ['achievement_id'], unique=False)
        batch_op.create_index('uq_deal_agreements_live_achievement', ['achievement_id'], unique=True, sqlite_where=sa.text("status IN ('in_publicity', 'signable', 'signed')"), postgresql_where=sa.text("status IN ('in_publicity', 'signable', 'signed')"))

    op.create_table('publicity_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('achievement_id', sa.Integer(), nullable=False),
    sa.Column('market_code', sa.String(length=4), nullable=False),
    sa.Column('seller_org_id', sa.Integer(), nullable=False),
    sa.Column('buyer_org_id', sa.Integer(), nullable=False),
    sa.Column('achievement_title', sa.String(length=200), nullable=False),
    sa.Column('seller_name', sa.String(length=200), nullable=False),
    sa.Column('buyer_name', sa.String(length=200), nullable=False),
    sa.Column('price_fen', sa.BigInteger(), nullable=False),
    sa.Column('transfer_mode', sa.String(length=8), nullable=False),
    sa.Column('days', sa.SmallInteger(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('starts_at', market.adapters.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', market.adapters.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', market.adapters.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('opened_at', market.adapters.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_at', market.adapters.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('voided_at', market.adapters.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['achievement_id'], ['achievements.id'], name=op.f('fk_publicity_notices_achievement_id_achievements')),
    sa.ForeignKeyConstraint(['agreement_id'], ['deal_agreements.id'], name=op.f('fk_publicity_notices_agreement_id_deal_agreements')),
    sa.ForeignKeyConstraint(['buyer_org_id'], ['organisations.id'], name=op.f('fk_publicity_notices_buyer_org_id_organisations')),
    sa.ForeignKeyConstraint(['market_code'], ['markets.code'], name=op.f('fk_publicity_notices_market_code_markets')),
    sa.ForeignKeyConstraint(['seller_org_id'], ['organisations.id'], name=op.f('fk_publicity_notices_seller_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publicity_notices')),
    sa.UniqueConstraint('agreement_id', name=op.f('uq_publicity_notices_agreement_id'))
    )
    with op.batch_alter_table('publicity_notices', schema=None) as batch_op:
        batch_op.create_index('ix_publicity_notices_market_status', ['market_code', 'status'], unique=False)
        batch_op.create_index('ix_publicity_notices_status_ends_at', ['status', 'ends_at'], unique=False)
        batch_op.create_index('ix_publicity_notices_status_starts_at', ['status', 'starts_at'], unique=False)

    op.create_table('publicity_objections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('filed_by_id', sa.Integer(), nullable=False),
    sa.Column('filer_org_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('ruling_reason', sa.Text(), nullable=True),
    sa.Column('ruled_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', market.adapters.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ruled_at', market.adapters.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['filed_by_id'], ['users.id'], name=op.f('fk_publicity_objections_filed_by_id_users')),
    sa.ForeignKeyConstraint(['filer_org_id'], ['organisations.id'], name=op.f('fk_publicity_objections_filer_org_id_organisations')),
    sa.ForeignKeyConstraint(['notice_id'], ['publicity_notices.id'], name=op.f('fk_publicity_objections_notice_id_publicity_notices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ruled_by_id'], ['users.id'], name=op.f('fk_publicity_objections_ruled_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publicity_objections'))
    )
    with op.batch_alter_table('publicity_objections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publicity_objections_notice_id'), ['notice_id'], unique=False)

    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agreement_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('publicity_notice_id', sa.Integer(), nullable=True))
        batch_op.alter_column('source',
               existing_type=sa.VARCHAR(length=8),
               type_=sa.String(length=12),
               existing_nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_contracts_agreement_id'), ['agreement_id'])

    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('publicly_funded', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute("UPDATE organisations SET publicly_funded = TRUE WHERE kind IN ('university', 'research_institute')")



def downgrade() -> None:
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('publicly_funded')

    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_contracts_agreement_id'), type_='unique')
        batch_op.alter_column('source',
               existing_type=sa.String(length=12),
               type_=sa.VARCHAR(length=8),
               existing_nullable=False)
        batch_op.drop_column('publicity_notice_id')
        batch_op.drop_column('agreement_id')

    with op.batch_alter_table('publicity_objections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publicity_objections_notice_id'))

    op.drop_table('publicity_objections')
    with op.batch_alter_table('publicity_notices', schema=None) as batch_op:
        batch_op.drop_index('ix_publicity_notices_status_starts_at')
        batch_op.drop_index('ix_publicity_notices_status_ends_at')
        batch_op.drop_index('ix_publicity_notices_market_status')

    op.drop_table('publicity_notices')
    with op.batch_alter_table('deal_agreements', schema=None) as batch_op:
        batch_op.drop_index('uq_deal_agreements_live_achievement', sqlite_where=sa.text("status IN ('in_publicity', 'signable', 'signed')"), postgresql_where=sa.text("status IN ('in_publicity', 'signable', 'signed')"))
        batch_op.drop_index(batch_op.f('ix_deal_agreements_achievement_id'))

    op.drop_table('deal_agreements')
    with op.batch_alter_table('deal_offers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deal_offers_negotiation_id'))

    op.drop_table('deal_offers')
    with op.batch_alter_table('deal_negotiations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deal_negotiations_achievement_id'))

    op.drop_table('deal_negotiations')
    with op.batch_alter_table('deal_interests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deal_interests_seller_org_id'))
        batch_op.drop_index(batch_op.f('ix_deal_interests_buyer_org_id'))
        batch_op.drop_index(batch_op.f('ix_deal_interests_achievement_id'))

    op.drop_table('deal_interests')
