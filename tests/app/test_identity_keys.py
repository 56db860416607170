"""Identity fields at rest: encrypted under a key kept outside the database, rotated by a command."""
from __future__ import annotations

import base64

import pytest
from cryptography.exceptions import InvalidTag
from sqlalchemy import select, text

from danvan_feedback import create_app
from danvan_feedback.config import ConfigError, load_config
from danvan_feedback.extensions import db
from danvan_feedback.models import CaseIdentity, OutboxMessage
from danvan_feedback.models.reception import ReceptionVisit
from tests.app.helpers import post_case, receipt_codes
from tests.app.test_canary import sql_dump
from tests.conftest import TEST_IDENTITY_KEYS, base_config
from tests.factories import complaint, denunciation

KEY2 = "t2:" + base64.b64encode(b"the-second-identity-key-32-bytes").decode()


def test_production_refuses_to_start_without_an_identity_key(tmp_path):
    env = {"APP_ENV": "production", "SECRET_KEY": "x" * 40, "PUBLIC_BASE_URL": "https://gopy.example.gov.vn"}
    with pytest.raises(ConfigError, match="IDENTITY_KEYS"):
        load_config(str(tmp_path), env)
    with pytest.raises(ConfigError):
        load_config(str(tmp_path), {**env, "IDENTITY_KEYS": "k1:c2hvcnQ="})  # too short
    key_file = tmp_path / "keys"
    key_file.write_text(TEST_IDENTITY_KEYS + "\n")
    cfg = load_config(str(tmp_path), {**env, "IDENTITY_KEY_FILE": str(key_file)})
    assert cfg["IDENTITY_KEYS"].strip() == TEST_IDENTITY_KEYS
    # development: a key is made once in instance/ and kept
    dev = load_config(str(tmp_path / "inst"), {"APP_ENV": "development"})
    assert (tmp_path / "inst" / "identity-keys").read_text() == dev["IDENTITY_KEYS"]
    assert load_config(str(tmp_path / "inst"), {"APP_ENV": "development"})["IDENTITY_KEYS"] == dev["IDENTITY_KEYS"]


def test_stored_encrypted_and_readable_after_rotating_the_key(app, client, runner, db_url, tmp_path):
    pub = app.test_client()
    denounce, _pin = receipt_codes(pub, post_case(pub, "to_cao", denunciation(email="lvc@example.org")))
    other, _pin = receipt_codes(pub, post_case(pub, "khieu_nai", complaint(phone="0912 345 678")))
    with app.app_context():
        raw = db.session.execute(text("SELECT full_name, phone, phone_bidx FROM case_identities")).all()
        assert all(r.full_name.startswith("v1$t1$") and r.phone.startswith("v1$t1$") for r in raw)
        assert all(len(r.phone_bidx) == 64 for r in raw)
        assert db.session.execute(text("SELECT to_addr FROM outbox")).scalars().first().startswith("v1$t1$")
    dump = sql_dump(app)
    assert "Lê Văn Cường" not in dump and "0912345678" not in dump and "lvc@example.org" not in dump
    assert "v1$t1$" in dump
    # a value copied into another column does not decrypt (the column is bound in)
    with app.app_context():
        from danvan_feedback.crypto import current_keyring
        ring = current_keyring()
        token = db.session.execute(text("SELECT phone FROM case_identities LIMIT 1")).scalar_one()
        with pytest.raises(InvalidTag):
            ring.decrypt(token, "case_identities.full_name")

    # rotate: the new key first, the old one still held for reading
    rotated = create_app({**base_config(tmp_path, db_url), "IDENTITY_KEYS": f"{KEY2},{TEST_IDENTITY_KEYS}"})
    result = rotated.test_cli_runner().invoke(args=["identity", "rotate-key"])
    assert result.exit_code == 0, result.output
    assert "under key t2" in result.output
    status = rotated.test_cli_runner().invoke(args=["identity", "status"]).output
    assert "t2:" in status and "t1:" not in status
    dump = sql_dump(rotated)
    assert "v1$t1$" not in dump and "v1$t2$" in dump  # no ciphertext under the old key is left
    assert "Lê Văn Cường" not in dump
    # only the new key now: everything reads, the blind indexes still find people
    new_only = create_app({**base_config(tmp_path, db_url), "IDENTITY_KEYS": KEY2})
    with new_only.app_context():
        names = set(db.session.execute(select(CaseIdentity.full_name)).scalars())
        assert "Lê Văn Cường" in names
        assert db.session.execute(select(OutboxMessage.to_addr)).scalars().first() is not None
    from tests.app.staff_helpers import csrf, login, make_user
    c = new_only.test_client()
    login(c, make_user(new_only, "thanhtra", "inspector"))
    page = c.post("/can-bo/hop-thu", data={"csrf_token": csrf(c, "/can-bo/hop-thu"), "q": "0912 345 678"})
    assert other in page.get_data(as_text=True)  # the complaint, found by phone under the new key
    assert denounce not in page.get_data(as_text=True)  # the denunciation never, for a non-resolver
    # a second run has nothing left to do
    again = new_only.test_cli_runner().invoke(args=["identity", "rotate-key"])
    assert again.exit_code == 0 and "re-encrypted 0 rows" in again.output
    new_only_engine = new_only
    with new_only_engine.app_context():
        db.session.remove()
        db.engine.dispose()
    with rotated.app_context():
        db.session.remove()
        db.engine.dispose()


def test_reception_identity_is_encrypted(app):
    from tests.app.staff_helpers import login, make_user
    from tests.app.test_reception import visit_form
    c = app.test_client()
    login(c, make_user(app, "tiepdan", "inspector"))
    c.post("/can-bo/tiep-cong-dan/moi", data=visit_form(c, citizen_name="Phạm Thị Duyên", cccd="079200002222"))
    with app.app_context():
        row = db.session.execute(text("SELECT citizen_name, cccd FROM reception_visits")).one()
        assert row.citizen_name.startswith("v1$") and row.cccd.startswith("v1$")
        visit = db.session.execute(select(ReceptionVisit)).scalar_one()
        assert visit.citizen_name == "Phạm Thị Duyên" and visit.cccd == "079200002222"


from tests.app.test_migrations import empty_db  # noqa: E402,F401  (the fixture: both engines)


def test_migration_encrypts_existing_rows_and_the_downgrade_decrypts_them(empty_db, tmp_path):  # noqa: F811
    from flask_migrate import downgrade, upgrade
    app = create_app(base_config(tmp_path, empty_db))
    with app.app_context():
        upgrade(revision="0002")
        db.session.execute(text(
            "INSERT INTO cases (tracking_code, pin_hash, submission_token, kind_code, status, channel,"
            " submitter_type, is_anonymous, subject, content, is_group, locale, received_at, updated_at,"
            " lookup_failures) VALUES ('DV-AAAA-BBBB', :h, 'tok00000001', 'to_cao', 'received', 'web',"
            " 'citizen', :f, 'Tố cáo', 'Nội dung', :f, 'vi', :t, :t, 0)"),
            {"h": "0" * 64, "f": False, "t": "2026-01-05 03:00:00+00:00"})
        db.session.commit()
        db.session.remove()
        upgrade(revision="i12_decision_documents")  # the schema just before encryption
        case_id = db.session.execute(text("SELECT id FROM cases")).scalar_one()
        db.session.execute(text("INSERT INTO case_identities (case_id, full_name, phone, email) "
                                "VALUES (:c, 'Lê Văn Cường', '0912345678', 'lvc@example.org')"), {"c": case_id})
        db.session.execute(text(
            "INSERT INTO outbox (message_id, case_id, to_addr, subject, body_text, status, attempts,"
            " next_attempt_at, created_at) VALUES ('<m1@x>', :c, 'lvc@example.org', 'Biên nhận', 'x',"
            " 'pending', 0, :t, :t)"), {"c": case_id, "t": "2026-01-05 03:00:00+00:00"})
        db.session.commit()
        db.session.remove()
        upgrade()
        row = db.session.execute(text("SELECT full_name, phone, email, phone_bidx, name_bidx FROM case_identities")).one()
        assert row.full_name.startswith("v1$t1$") and row.phone.startswith("v1$t1$") and len(row.phone_bidx) == 64
        assert db.session.execute(text("SELECT protected FROM cases")).scalar_one() in (True, 1)
        assert "0912345678" not in db.session.execute(text("SELECT search_text FROM cases")).scalar_one()
        db.session.remove()
        dump = sql_dump(app)
        assert "Lê Văn Cường" not in dump and "0912345678" not in dump and "lvc@example.org" not in dump
        assert db.session.get(CaseIdentity, case_id).full_name == "Lê Văn Cường"
        db.session.remove()
        downgrade(revision="i12_decision_documents")
        row = db.session.execute(text("SELECT full_name, phone, email FROM case_identities")).one()
        assert tuple(row) == ("Lê Văn Cường", "0912345678", "lvc@example.org")
        assert db.session.execute(text("SELECT to_addr FROM outbox")).scalar_one() == "lvc@example.org"
        db.session.remove()
        upgrade()
        db.session.remove()
        db.engine.dispose()
