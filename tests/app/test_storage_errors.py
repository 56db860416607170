"""A full disk or an I/O error while storing attachments (issue 10): a clear message, what was
typed kept, no row, no temporary or orphan file."""
from __future__ import annotations

import errno
import os

import pytest

from danvan_feedback import storage as storage_mod
from danvan_feedback.extensions import file_stores
from danvan_feedback.models import Attachment, Case
from tests.app.helpers import count, post_case, stored_files
from tests.factories import complaint, jpeg_bytes, pdf_bytes


@pytest.fixture
def failing_fsync(monkeypatch):
    """The storage layer's fsync fails on the second file written (ENOSPC by default)."""
    calls = {"n": 0, "errno": errno.ENOSPC}
    real = os.fsync

    def fsync(fd):
        calls["n"] += 1
        if calls["n"] == 3:  # file 1 + its directory, then file 2 fails
            raise OSError(calls["errno"], os.strerror(calls["errno"]))
        return real(fd)
    monkeypatch.setattr(storage_mod.os, "fsync", fsync)
    return calls


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EIO])
def test_a_storage_failure_keeps_what_was_typed_and_leaves_nothing_behind(client, app, failing_fsync, code):
    failing_fsync["errno"] = code
    resp = post_case(client, "khieu_nai", complaint(), files=[(jpeg_bytes(), "a.jpg"), (pdf_bytes(), "b.pdf")])
    html = resp.get_data(as_text=True)
    assert resp.status_code == 503
    assert "CHƯA được gửi" in html and 'value="Trần Thị Bình"' in html and "Tôi không đồng ý" in html
    assert count(app, Case) == 0 and count(app, Attachment) == 0
    assert stored_files(app) == []  # neither the first file nor the temporary file of the second


def test_put_all_is_all_or_nothing(tmp_path, monkeypatch):
    store = storage_mod.LocalStorage(str(tmp_path))
    real = os.replace
    calls = {"n": 0}

    def replace(a, b):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(errno.EIO, "I/O error")
        return real(a, b)
    monkeypatch.setattr(storage_mod.os, "replace", replace)
    with pytest.raises(storage_mod.StorageError):
        store.put_all([b"one", b"two", b"three"])
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_a_real_full_disk(app, client, tmp_path):
    """A 256 KiB tmpfs as the upload folder (needs the right to mount; skipped otherwise)."""
    import subprocess
    mnt = tmp_path / "full"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mnt)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs CAP_SYS_ADMIN); the injected ENOSPC tests cover it")
    try:
        app.config["UPLOAD_DIR"] = str(mnt)
        file_stores.init_app(app)  # the factory built the stores from the old folder
        big = pdf_bytes() + b"%" + b"x" * (200 * 1024)  # two of these do not fit
        resp = post_case(client, "khieu_nai", complaint(), files=[(big, "a.pdf"), (big, "b.pdf")])
        assert resp.status_code == 503 and "CHƯA được gửi" in resp.get_data(as_text=True)
        assert count(app, Case) == 0
        assert [p for p in mnt.rglob("*") if p.is_file()] == []
    finally:
        subprocess.run(["umount", str(mnt)], check=False)


def test_a_lost_commit_reply_says_the_outcome_is_unknown_and_a_retry_shows_the_receipt(client, app, monkeypatch):
    """The commit happens, then the connection drops before the reply: the page must not say
    "not recorded"; sending the same form again (same token) finds the case instead of a second one."""
    from sqlalchemy.exc import OperationalError

    from danvan_feedback.extensions import db
    from tests.conftest import form_tokens
    tokens = form_tokens(client, "/gui/khieu_nai")
    real_commit = db.session.commit
    state = {"fail": True}

    def commit_then_lose_the_reply():
        real_commit()
        if state["fail"]:
            state["fail"] = False
            raise OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))
    monkeypatch.setattr(db.session, "commit", commit_then_lose_the_reply)
    resp = post_case(client, "khieu_nai", complaint(), tokens=tokens)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 503
    assert "KHÔNG BIẾT CHẮC" in html and "CHƯA được ghi nhận" not in html
    assert count(app, Case) == 1
    retry = post_case(client, "khieu_nai", complaint(), tokens=tokens)  # the browser's "send again"
    assert retry.status_code == 303
    receipt = client.get(retry.headers["Location"]).get_data(as_text=True)
    assert "tracking-code" in receipt
    assert count(app, Case) == 1


def test_sweep_covers_reception_minutes_and_report_files(app, runner):
    import time

    from danvan_feedback.services.reports import jobs
    from danvan_feedback.storage import LocalStorage
    roots = [app.config["UPLOAD_DIR"], app.config["UPLOAD_DIR"].rstrip("/") + "_doi_thoai", jobs.export_dir(app.config)]
    old = time.time() - 7200
    orphans = []
    for root in roots:
        store = LocalStorage(root)
        key = store.put(b"left behind by a crash")
        os.utime(store.path_for(key), (old, old))
        orphans.append(store.path_for(key))
    result = runner.invoke(args=["attachments", "sweep"])
    assert "reception minutes: removed 1" in result.output and "report files: removed 1" in result.output
    assert "removed 3 orphan" in result.output
    assert not any(p.exists() for p in orphans)
