"""search: filter values as lexemes in the PostgreSQL search index (data only)

The PostgreSQL search adapter now writes each document's filter values (field,
IP type, province, markets, transfer modes, price bands) into its tsvector as
lexemes such as "=m:SH", so its GIN index applies the filters; rows indexed before this
revision get them here. No schema change. SQLite keeps no tsvector: nothing to do.

Revision ID: 0008_search_filter_lexemes
Revises: 0004_search
Create Date: 2026-11-22 03:05:00
"""
from alembic import op


revision = '0008_search_filter_lexemes'
down_revision = '0004_search'
branch_labels = None
depends_on = None


#: pg_index.PRICE_BANDS as of this revision (fen): 10,000 yuan to 5 billion in 1-2-5 steps
PRICE_BANDS = ", ".join(str(m * 10 ** e) for e in range(6, 12) for m in (1, 2, 5))


#: Adds the filter lexemes to every row (a price's band is how many limits lie below it;
#: the prefixes are pg_index.FILTER_PREFIXES).
UPGRADE_SQL = f"""
    UPDATE search_documents SET tsv = tsv || array_to_tsvector(ARRAY(
        SELECT DISTINCT x FROM unnest(
            ARRAY['=f:' || field, '=ip:' || ip_type, '=p:' || province,
                  '=ph:' || (SELECT count(*) FROM unnest(ARRAY[{PRICE_BANDS}]::bigint[]) AS b
                             WHERE b < price_fen)::text || CASE WHEN price_fen IS NULL THEN NULL ELSE '' END,
                  '=pl:' || (SELECT count(*) FROM unnest(ARRAY[{PRICE_BANDS}]::bigint[]) AS b
                             WHERE b < price_low_fen)::text || CASE WHEN price_low_fen IS NULL THEN NULL ELSE '' END]
            || ARRAY(SELECT '=m:' || v FROM unnest(string_to_array(markets, ',')) AS v WHERE v <> '')
            || ARRAY(SELECT '=mode:' || v FROM unnest(string_to_array(modes, ',')) AS v WHERE v <> '')
        ) AS x WHERE x IS NOT NULL))
"""
DOWNGRADE_SQL = """
    UPDATE search_documents SET tsv = ts_delete(tsv, ARRAY(SELECT lexeme FROM unnest(tsv) WHERE lexeme LIKE '=%'))
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(UPGRADE_SQL)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(DOWNGRADE_SQL)
