"""published items are searched through a trigram index, and listed through partial indexes

Revision ID: a1f75ea4c411
Revises: c3a7e5d1f0b2
Create Date: 2026-12-01 13:20:00.000000

One row per live publication: its published version's title, and the rest of what a reader can
search (description, photo captions, file names), lower-cased. SQLite keeps it in an FTS5 table
with the trigram tokenizer, PostgreSQL in a plain table with pg_trgm GIN indexes; both answer
substring queries of three characters or more from the index, which is what Thai (written
without spaces) needs.

Two partial indexes of live publications, (office, published_at, id) and (office, category,
published_at, id), let the portal's newest-first lists and per-category counts walk an index
instead of sorting every row (SQLite without statistics otherwise reads all of them through
ix_publications_office_id).

The search rows are written by the publishing code (bot.publishing.search_index), not by triggers:
on SQLite a trigger on one table that names another makes every later batch migration of that
other table fail (copy, drop, rename: the rename finds the trigger pointing at a missing table).
"""
from alembic import op
import sqlalchemy as sa


revision = 'a1f75ea4c411'
down_revision = 'c3a7e5d1f0b2'
branch_labels = None
depends_on = None


# The documents of the publications already live, written out here (a migration must mean the
# same thing forever, so it does not call the application's indexer).
SQLITE_FILL = """
INSERT INTO publication_search (rowid, title, body)
SELECT p.id, lower(v.title),
       lower(v.description || coalesce(char(10) || (
           SELECT group_concat(a.caption || char(10) || a.filename, char(10))
           FROM (SELECT caption, filename FROM attachments
                 WHERE version_id = v.id AND status = 'stored' ORDER BY position) AS a), ''))
FROM publications p
JOIN submission_versions v ON v.submission_id = p.submission_id AND v.number = p.version
WHERE p.retracted_at IS NULL
"""

POSTGRES_FILL = """
INSERT INTO publication_search (publication_id, title, body)
SELECT p.id, lower(v.title),
       lower(v.description || coalesce(E'\\n' || (
           SELECT string_agg(a.caption || E'\\n' || a.filename, E'\\n' ORDER BY a.position)
           FROM attachments a WHERE a.version_id = v.id AND a.status = 'stored'), ''))
FROM publications p
JOIN submission_versions v ON v.submission_id = p.submission_id AND v.number = p.version
WHERE p.retracted_at IS NULL
"""


LIVE = "retracted_at IS NULL"


def upgrade() -> None:
    live = sa.text(LIVE)
    op.create_index("ix_publications_live", "publications", ["office_id", "published_at", "id"],
                    sqlite_where=live, postgresql_where=live)
    op.create_index("ix_publications_live_category", "publications",
                    ["office_id", "category_code", "published_at", "id"],
                    sqlite_where=live, postgresql_where=live)
    if op.get_bind().dialect.name == "sqlite":
        # rowid is the publication id; the tokenizer folds case itself (the text is lowered too,
        # so the short-query LIKE fallback and the title ranking need no folding).
        op.execute("CREATE VIRTUAL TABLE publication_search USING fts5(title, body, tokenize='trigram')")
        op.execute(SQLITE_FILL)
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("""
        CREATE TABLE publication_search (
            publication_id integer PRIMARY KEY
                CONSTRAINT fk_publication_search_publication_id_publications
                REFERENCES publications (id) ON DELETE CASCADE,
            title text NOT NULL,
            body text NOT NULL
        )""")
    op.execute("CREATE INDEX ix_publication_search_trgm ON publication_search "
               "USING gin (title gin_trgm_ops, body gin_trgm_ops)")
    op.execute(POSTGRES_FILL)


def downgrade() -> None:
    op.execute("DROP TABLE publication_search")
    op.drop_index("ix_publications_live_category", table_name="publications")
    op.drop_index("ix_publications_live", table_name="publications")
