"""Every "today" of the reports is the organisation's local date, from the injected clock.

At 05:30 on 1 January 2027 in Hà Nội (22:30 on 31 December 2026 UTC) the default period is the new
year's first quarter on the reports page, in the command line and on the public page."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from danvan_feedback import clock
from tests.app.staff_helpers import login, make_user

NEW_YEAR_DAWN = datetime(2027, 1, 1, 5, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
NEW_YEAR_EVE_UTC = datetime(2026, 12, 31, 16, 59, tzinfo=ZoneInfo("UTC"))  # 23:59 local


@pytest.fixture
def config_overrides():
    return {"CLOCK": lambda: NEW_YEAR_DAWN}


def test_the_clock_is_local(app):
    with app.app_context():
        assert clock.now().tzinfo is not None and clock.now().utcoffset().total_seconds() == 0
        assert clock.now().date().isoformat() == "2026-12-31"  # UTC is still in the old year
        assert clock.today().isoformat() == "2027-01-01"
        app.config["CLOCK"] = lambda: NEW_YEAR_EVE_UTC
        assert clock.today().isoformat() == "2026-12-31"


def test_reports_page_defaults_to_this_local_quarter(app, client):
    login(client, make_user(app, "vanphong", "office", totp=False))
    html = client.get("/can-bo/bao-cao/").get_data(as_text=True)
    assert "Quý I 2027 (01/01/2027 – 31/03/2027)" in html
    assert 'value="2027"' in html
    # 2027 is not "a future year" at 05:30 local on its first day
    assert client.get("/can-bo/bao-cao/?ky=Q1&nam=2027&cach=calendar").status_code == 200


def test_cli_defaults_to_this_local_quarter(app, runner, tmp_path):
    out = tmp_path / "now.xlsx"
    res = runner.invoke(args=["report", "export", "--format", "xlsx", "--output", str(out)])
    assert res.exit_code == 0, res.output
    assert "Quý I 2027" in res.output
    assert "01/01/2027" in load_workbook(out)["02-XLD"]["A2"].value
    res = runner.invoke(args=["report", "export", "--year", "2027", "--period", "Q1", "--format", "csv",
                              "--output", str(tmp_path / "q1.csv")])
    assert res.exit_code == 0, res.output


def test_public_page_shows_the_new_year(app, client):
    html = client.get("/so-lieu").get_data(as_text=True)
    assert "năm 2027" in html and "01/01/2027" in html
    assert "01/04/2027" not in html  # quarters that have not begun are not shown
