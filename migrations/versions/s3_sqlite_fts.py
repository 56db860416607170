"""SQLite only: a full-text index (FTS5) over cases.search_text, kept by triggers, so the inbox's word
search reads the matching rows instead of scanning every case with LIKE. (PostgreSQL has the
trigram index ``ix_cases_search_trgm``.) The index holds only what ``search_text`` holds: folded
words of the code, a business's name, the subject and the content — never a person's identity.

Revision ID: s3_sqlite_fts
Revises: i09_identity_encryption
"""
from alembic import op

revision = "s3_sqlite_fts"
down_revision = "i09_identity_encryption"
branch_labels = None
depends_on = None

TRIGGERS = {
    "cases_fts_ai": "AFTER INSERT ON cases BEGIN "
                    "INSERT INTO cases_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "cases_fts_ad": "AFTER DELETE ON cases BEGIN "
                    "INSERT INTO cases_fts(cases_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    "cases_fts_au": "AFTER UPDATE OF search_text ON cases BEGIN "
                    "INSERT INTO cases_fts(cases_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
                    "INSERT INTO cases_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
}


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("CREATE VIRTUAL TABLE cases_fts USING fts5(search_text, content='cases', content_rowid='id', "
               "tokenize='unicode61 remove_diacritics 2')")
    for name, body in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")
    op.execute("INSERT INTO cases_fts(cases_fts) VALUES ('rebuild')")


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS cases_fts")
