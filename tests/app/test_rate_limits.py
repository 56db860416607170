"""Rate limits that fit people: mistakes don't count, a refusal keeps what was typed, and people
behind one address (an office, a mobile carrier) don't share one form's budget."""
from __future__ import annotations

import pytest

from danvan_feedback.models import Case
from tests.app.helpers import count, post_case, receipt_codes
from tests.conftest import form_tokens
from tests.factories import complaint


@pytest.fixture
def config_overrides():
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://",
            "RATELIMIT_SUBMIT": "2 per minute", "RATELIMIT_SUBMIT_FORM": "6 per minute",
            "RATELIMIT_SUBMIT_FLOOD": "12 per minute"}


def test_rejected_tries_do_not_count_and_the_fifth_is_accepted(client, app):
    tokens = form_tokens(client, "/gui/khieu_nai")
    for bad in ({"cccd": "12"}, {"address": None}, {"consent": None}, {"subject": ""}):
        resp = post_case(client, "khieu_nai", complaint(**bad), tokens=tokens)
        assert resp.status_code == 422
    receipt_codes(client, post_case(client, "khieu_nai", complaint(), tokens=tokens))
    assert count(app, Case) == 1


def test_over_the_limit_the_form_comes_back_with_what_was_typed_and_when_to_retry(client, app):
    for _ in range(2):
        receipt_codes(client, post_case(client, "khieu_nai", complaint()))
    resp = post_case(client, "khieu_nai", complaint(subject="Đơn thứ ba, gõ rất lâu"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 429 and int(resp.headers["Retry-After"]) >= 1
    assert "Những gì bạn nhập vẫn được giữ nguyên" in html and "giây" in html
    assert 'value="Đơn thứ ba, gõ rất lâu"' in html and 'value="075190001234"' in html
    assert 'name="csrf_token"' in html and 'name="token"' in html  # the same form, ready to send again
    assert count(app, Case) == 2


def test_one_form_replayed_again_and_again_is_stopped_even_if_each_attempt_fails(client, app):
    tokens = form_tokens(client, "/gui/khieu_nai")
    codes = [post_case(client, "khieu_nai", complaint(cccd="12"), tokens=tokens).status_code for _ in range(7)]
    assert codes == [422] * 6 + [429]
    # another person behind the same address, with a form of their own, is not blocked
    other = app.test_client()
    receipt_codes(other, post_case(other, "khieu_nai", complaint()))


def test_refused_additions_that_hold_files_are_counted_too(client, app):
    """A refused "bổ sung" keeps its files on the server for the next try (services.held): every
    POST counts against the flood limit, or one address could fill the disk with held files
    through tries that are never accepted."""
    import io

    from tests.app.helpers import stored_files
    from tests.factories import jpeg_bytes
    code, _pin = receipt_codes(client, post_case(client, "khieu_nai", complaint()))
    tokens = form_tokens(client, f"/ho-so/{code}")
    photo = jpeg_bytes()
    statuses = []
    for _ in range(13):
        resp = client.post(f"/ho-so/{code}/bo-sung", content_type="multipart/form-data",
                           data={**tokens, "text": "x" * 10001, "attachments": [(io.BytesIO(photo), "a.jpg")]})
        statuses.append(resp.status_code)
    assert statuses == [422] * 12 + [429]
    assert len(stored_files(app)) == 12  # the refused tries' held photos; none once over the limit
