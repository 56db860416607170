"""Inbox search by whole words and by field: rewrite cases.search_text with field markers.

The new form (services.intake.search_text) is the folded words of each field after a marker,
padded with spaces: " #c <code> #n <name> #s <subject> #b <content> #e ". Existing rows are
rebuilt from the case and its identity (never a protected case's identity). No schema change; the
trigram index on PostgreSQL stays as it is.

Revision ID: i14s_search_words
Revises: i12_decision_documents
"""
import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "i14s_search_words"
down_revision = "i12_decision_documents"
branch_labels = None
depends_on = None

_WORD = re.compile(r"\w+")
BATCH = 1000


def _fold(text):
    """Frozen copy of domain.validation.fold_diacritics (a migration must not change with the app)."""
    text = unicodedata.normalize("NFD", (text or "").replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).lower()


def _words(text):
    return " ".join(_WORD.findall(_fold(text)))


def _new(r):
    """Frozen copy of services.intake.search_text as of this revision."""
    code = r.tracking_code
    code_part = " ".join(dict.fromkeys(p for p in (
        code.lower(), code.replace("-", "").lower(), code.split("-", 1)[-1].replace("-", "").lower()) if p))
    ident = [] if r.protected else [r.full_name or "", r.company_name or "", (r.phone or "").replace("+84", "0")]
    parts = [code_part, _words(" ".join(p for p in ident if p)), _words(r.subject), _words(r.content)]
    out = ""
    for mark, text in zip(("#c", "#n", "#s", "#b"), parts):
        out += f" {mark} {text}" if text else f" {mark}"
    return f"{out} #e "


def _old(r):
    ident = [] if r.protected else [r.full_name or "", r.company_name or "", (r.phone or "").replace("+84", "0")]
    parts = [r.tracking_code, r.tracking_code.replace("-", ""), r.subject, r.content, *ident]
    return _fold(" ".join(p for p in parts if p))


def _rewrite(build):
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT c.id, c.tracking_code, c.subject, c.content, c.protected, i.full_name, i.company_name, i.phone"
        " FROM cases c LEFT JOIN case_identities i ON i.case_id = c.id ORDER BY c.id")).all()
    update = sa.text("UPDATE cases SET search_text = :t WHERE id = :i")
    for start in range(0, len(rows), BATCH):
        bind.execute(update, [{"t": build(r), "i": r.id} for r in rows[start:start + BATCH]])


def upgrade():
    _rewrite(_new)


def downgrade():
    _rewrite(_old)
