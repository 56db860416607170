"""identity fields encrypted at rest (AES-GCM), keyed blind indexes for exact-match search

Encrypts, with the application's identity key (``IDENTITY_KEYS`` / ``IDENTITY_KEY_FILE``, run
inside the app: ``flask db upgrade``), every identity field of ``case_identities``, the visitor's
name, address and ID number in ``reception_visits`` and the recipients in ``outbox``; adds the
blind indexes (HMAC) on phone, ID number and folded full name; and takes the sender's name and
phone out of ``cases.search_text`` (the blind indexes find them now). The downgrade decrypts it all
back into the plain columns it had.

Revision ID: i09_identity_encryption
Revises: i17_outbox_render_at_send
"""
import sqlalchemy as sa
from alembic import op

revision = "i09_identity_encryption"
down_revision = "i17_outbox_render_at_send"
branch_labels = None
depends_on = None

IDENTITY = ("full_name", "address", "cccd", "phone", "email", "company_name", "tax_code", "representative")
PLAIN_LENGTHS = {"full_name": 200, "address": 300, "cccd": 12, "phone": 20, "email": 254,
                 "company_name": 300, "tax_code": 14, "representative": 200}
VISIT = {"citizen_name": 200, "citizen_address": 300, "cccd": 12}
BIDX = ("phone_bidx", "cccd_bidx", "name_bidx")


def _ring():
    from danvan_feedback.crypto import current_keyring
    return current_keyring()


def _fold(text):
    from danvan_feedback.domain.validation import fold_diacritics
    return fold_diacritics(text or "")


def _search_text(code, subject, content, extra):
    """Frozen copy of services.intake.search_text in the whole-word form of i14s_search_words
    (" #c code… #n names… #s subject… #b content… #e "); ``extra`` are the name-part values."""
    import re
    words = lambda text: " ".join(re.findall(r"\w+", _fold(text)))  # noqa: E731
    code_part = " ".join(dict.fromkeys(p for p in (
        code.lower(), code.replace("-", "").lower(), code.split("-", 1)[-1].replace("-", "").lower()) if p))
    parts = [code_part, words(" ".join(p for p in extra if p)), words(subject), words(content)]
    out = ""
    for mark, text in zip(("#c", "#n", "#s", "#b"), parts):
        out += f" {mark} {text}" if text else f" {mark}"
    return f"{out} #e "


def _rows(sql):
    return op.get_bind().execute(sa.text(sql)).mappings().all()


def _update(table, key, key_value, values):
    sets = ", ".join(f"{c} = :{c}" for c in values)
    op.get_bind().execute(sa.text(f"UPDATE {table} SET {sets} WHERE {key} = :_key"), {**values, "_key": key_value})


def _transform(fn):
    """Apply ``fn(context, value)`` to every encrypted column's value, row by row."""
    for table, key, columns in (("case_identities", "case_id", IDENTITY),
                                ("reception_visits", "id", tuple(VISIT)),
                                ("outbox", "id", ("to_addr",))):
        for row in _rows(f"SELECT {key}, {', '.join(columns)} FROM {table}"):
            values = {c: fn(f"{table}.{c}", row[c]) for c in columns}
            if values:
                _update(table, key, row[key], values)


def upgrade():
    from danvan_feedback.models.case import blind_indexes
    ring = _ring()
    # 1. the sender's name and phone leave the word search (a business's name stays, unless protected)
    for r in _rows("SELECT c.id, c.tracking_code, c.subject, c.content, c.protected, c.kind_code, "
                   "i.company_name FROM cases c LEFT JOIN case_identities i ON i.case_id = c.id"):
        company = None if (r["protected"] or r["kind_code"] == "to_cao") else r["company_name"]
        _update("cases", "id", r["id"], {"search_text": _search_text(r["tracking_code"], r["subject"],
                                                                      r["content"], [company])})
    # 2. wider columns for the ciphertext, and the blind indexes
    with op.batch_alter_table("case_identities") as batch:
        batch.drop_index("ix_case_identities_phone")
        for c in IDENTITY:
            batch.alter_column(c, existing_type=sa.String(PLAIN_LENGTHS[c]), type_=sa.Text())
        for c in BIDX:
            batch.add_column(sa.Column(c, sa.String(64), nullable=True))
            batch.create_index(f"ix_case_identities_{c}", [c])
    with op.batch_alter_table("reception_visits") as batch:
        for c, n in VISIT.items():
            batch.alter_column(c, existing_type=sa.String(n), type_=sa.Text())
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("to_addr", existing_type=sa.String(254), type_=sa.Text())
    # 3. blind indexes from the plain values, then encrypt everything
    for r in _rows("SELECT case_id, phone, cccd, full_name FROM case_identities"):
        _update("case_identities", "case_id", r["case_id"],
                blind_indexes(ring, phone=r["phone"], cccd=r["cccd"], full_name=r["full_name"]))
    _transform(lambda ctx, v: None if v is None else ring.encrypt(v, ctx))


def downgrade():
    ring = _ring()
    _transform(lambda ctx, v: None if v is None else ring.decrypt(v, ctx))
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("to_addr", existing_type=sa.Text(), type_=sa.String(254))
    with op.batch_alter_table("reception_visits") as batch:
        for c, n in VISIT.items():
            batch.alter_column(c, existing_type=sa.Text(), type_=sa.String(n))
    with op.batch_alter_table("case_identities") as batch:
        for c in BIDX:
            batch.drop_index(f"ix_case_identities_{c}")
            batch.drop_column(c)
        for c in IDENTITY:
            batch.alter_column(c, existing_type=sa.Text(), type_=sa.String(PLAIN_LENGTHS[c]))
        batch.create_index("ix_case_identities_phone", ["phone"])
    # the word search finds senders by name and phone again, as before
    for r in _rows("SELECT c.id, c.tracking_code, c.subject, c.content, c.protected, c.kind_code, "
                   "i.full_name, i.company_name, i.phone FROM cases c "
                   "LEFT JOIN case_identities i ON i.case_id = c.id"):
        secret = r["protected"] or r["kind_code"] == "to_cao"
        extra = [] if secret else [r["full_name"], r["company_name"], (r["phone"] or "").replace("+84", "0")]
        _update("cases", "id", r["id"], {"search_text": _search_text(r["tracking_code"], r["subject"],
                                                                      r["content"], extra)})
