"""Old registers come in through ``flask import letters|visits``: validation before anything is
written, the rejected rows exactly, idempotent re-import, audited corrections, bad files (on both
engines)."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from danvan_feedback.domain.register_sample import letters as sample_letters
from danvan_feedback.extensions import db
from danvan_feedback.models import AuditRecord, Case, CaseEvent, CaseIdentity, ImportMapping, Unit
from danvan_feedback.models.reception import ReceptionVisit
from danvan_feedback.services.audit import verify_all

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def today() -> date:
    return datetime.now(timezone.utc).astimezone(TZ).date()


def write_xlsx(path, rows, merges=()):
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    for m in merges:
        ws.merge_cells(m)
    wb.save(path)
    return str(path)


def write_csv(path, rows, encoding="utf-8-sig", sep=","):
    with open(path, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh, delimiter=sep).writerows(rows)
    return str(path)


def unit_names(app) -> list[str]:
    with app.app_context():
        return list(db.session.execute(select(Unit.name).order_by(Unit.sort_order)).scalars())


def counts(app) -> tuple[int, int, int, int]:
    with app.app_context():
        return tuple(db.session.execute(select(func.count()).select_from(m)).scalar_one()
                     for m in (Case, CaseEvent, CaseIdentity, ReceptionVisit))


HEAD = ["Số vào sổ", "Ngày nhận", "Họ và tên", "Địa chỉ", "CCCD", "Điện thoại", "Nội dung", "Loại đơn",
        "Đơn vị xử lý", "Hình thức xử lý", "Ngày xử lý", "Kết quả giải quyết", "Ngày giải quyết"]


def small_register(unit: str) -> list[list]:
    return [
        ["SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG"], ["SỔ THEO DÕI ĐƠN THƯ NĂM 2024"], [],
        HEAD,
        [1, "05/03/2024", "Trần Thị Bình", "Ấp 3, Long Thành", 75190001234, 912345678, "Khiếu nại quyết định xử phạt",
         "Khiếu nại", unit, "Thụ lý", "2024-03-12", "Đúng một phần", 45412],          # 45412 = 30/04/2024
        [2, 45371, "Lê Văn C", "", "", "", "Phản ánh ô nhiễm kênh", "phan anh", "", "Chuyển đơn",
         "ngày 25 tháng 3 năm 2024", "", ""],                                           # 45371 = 20/03/2024
        [],
        [3, "01/04/2024", "", "", "", "", "Tố cáo cán bộ", "TC", "", "", "", "", ""],
        [4, "10/04/2024", "Phạm D", "", "", "", "Góp ý thủ tục", "Đơn lạ", "", "", "", "", ""],     # unknown kind
        [5, "12/04/2024", "Phạm E", "", "", "", "Kiến nghị", "Kiến nghị", "", "Hướng dẫn", "02/04/2024", "", ""],  # before
        [6, "31/02/2024", "Phạm F", "", "", "", "Kiến nghị", "Kiến nghị", "", "", "", "", ""],     # impossible date
        [7, "15/04/2024", "Phạm G", "", "", "", "Kiến nghị", "Kiến nghị", "Phòng Ma", "Thụ lý", "16/04/2024", "", ""],
        [1, "05/03/2024", "Trần Thị Bình", "", "", "", "Khiếu nại lần nữa", "KN", "", "", "", "", ""],  # duplicate no.
        [8, (today().replace(year=today().year + 1)).strftime("%d/%m/%Y"), "Future", "", "", "", "x", "Góp ý",
         "", "", "", "", ""],
        ["Tổng cộng", "", "", "", "", "", "9 đơn"],
        [], ["", "", "Người lập biểu", "", "", "", "", "", "Thủ trưởng"],
    ]


EXPECTED = [(9, "Loại đơn", "unknown_kind"), (10, "Ngày xử lý", "date_before"),
            (11, "Ngày nhận", "date_impossible"), (12, "Đơn vị xử lý", "unknown_unit"),
            (13, "Số vào sổ", "duplicate"), (14, "Ngày nhận", "date_future")]


def test_dry_run_lists_the_rejected_rows_exactly_and_writes_nothing(app, runner, tmp_path):
    from danvan_feedback.services import register_import as svc
    unit = unit_names(app)[0]
    path = write_xlsx(tmp_path / "so.xlsx", small_register(unit))
    before = counts(app)
    with app.app_context():
        plan = svc.check(path, "letters", today=today(), max_bytes=50 << 20)
        assert plan.header_line == 4
        assert [(p.line, p.column, p.code) for p in plan.problems] == EXPECTED
        assert (plan.accepted, plan.new, plan.rejected_rows) == (3, 3, 6)
        assert plan.skipped == {"blank": 3, "totals": 1, "footer": 1} or plan.skipped["totals"] == 1
        assert {(r["kind_code"], r["year"], r["new"]) for r in plan.by_kind_year} == {
            ("khieu_nai", 2024, 1), ("phan_anh", 2024, 1), ("to_cao", 2024, 1)}
    result = runner.invoke(args=["import", "letters", path, "--dry-run"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Dòng 9, cột “Loại đơn”: Loại đơn không rõ: “Đơn lạ”" in out
    assert "Dòng 10, cột “Ngày xử lý”: Ngày 02/04/2024 trước Ngày nhận (12/04/2024)." in out
    assert "Dòng 13, cột “Số vào sổ”: Trùng với dòng 5." in out
    assert "Chạy thử" in out
    assert counts(app) == before


def test_import_creates_cases_with_their_history_then_a_second_run_changes_nothing(app, runner, tmp_path):
    unit = unit_names(app)[0]
    path = write_xlsx(tmp_path / "so.xlsx", small_register(unit))
    result = runner.invoke(args=["import", "letters", path])
    assert result.exit_code == 0, result.output
    assert "tạo mới 3" in result.output
    with app.app_context():
        cases = {c.subject: c for c in db.session.execute(select(Case).where(Case.channel == "import")).scalars()}
        kn = cases["Khiếu nại quyết định xử phạt"]
        assert (kn.kind_code, kn.status, kn.outcome, kn.accepted_on) == ("khieu_nai", "resolved", "dung_mot_phan",
                                                                         date(2024, 3, 12))
        assert kn.identity.cccd == "075190001234" and kn.identity.phone == "+84912345678"
        evs = [(e.action, e.created_at.astimezone(TZ).date(), e.to_status) for e in kn.events]
        assert evs == [("submitted", date(2024, 3, 5), "received"), ("accept", date(2024, 3, 12), "accepted"),
                       ("assign", date(2024, 3, 12), "in_progress"),
                       ("record_outcome", date(2024, 4, 30), "resolved")]
        pa = cases["Phản ánh ô nhiễm kênh"]
        assert pa.status == "transferred" and pa.received_at.astimezone(TZ).date() == date(2024, 3, 20)
        tc = cases["Tố cáo cán bộ"]
        assert tc.is_anonymous and tc.identity is None and tc.status == "received" and tc.protected
        assert verify_all() == []
    first = counts(app)
    again = runner.invoke(args=["import", "letters", path])
    assert again.exit_code == 0, again.output
    assert "tạo mới 0, cập nhật 0" in again.output
    assert counts(app) == first


def test_a_corrected_file_updates_the_rows_it_changed_and_the_update_is_audited(app, runner, tmp_path):
    unit = unit_names(app)[0]
    rows = small_register(unit)
    path = write_xlsx(tmp_path / "so.xlsx", rows)
    assert runner.invoke(args=["import", "letters", path]).exit_code == 0
    # the office corrects the second letter's content and records the third one's processing
    rows[5][6] = "Phản ánh ô nhiễm kênh Bà Hào"
    rows[7][9:11] = ["Lưu đơn", "05/04/2024"]
    path2 = write_xlsx(tmp_path / "so2.xlsx", rows)
    with app.app_context():
        audits = db.session.execute(select(func.count()).select_from(AuditRecord)).scalar_one()
    result = runner.invoke(args=["import", "letters", path2])
    assert result.exit_code == 0, result.output
    assert "tạo mới 0, cập nhật 2" in result.output
    with app.app_context():
        pa = db.session.execute(select(Case).where(Case.content == "Phản ánh ô nhiễm kênh Bà Hào")).scalar_one()
        assert pa.events[-1].action == "import_update" and "content" in pa.events[-1].note
        tc = db.session.execute(select(Case).where(Case.subject == "Tố cáo cán bộ")).scalar_one()
        assert tc.status == "stored"
        assert [e.action for e in tc.events] == ["submitted", "store", "import_update"]
        assert tc.events[1].created_at.astimezone(TZ).date() == date(2024, 4, 5)
        recs = db.session.execute(select(AuditRecord).where(AuditRecord.action == "import_update")).scalars().all()
        assert len(recs) == 2 and db.session.execute(select(func.count()).select_from(AuditRecord)).scalar_one() == audits + 2
        assert verify_all() == []
    assert counts(app)[0] == 3


def test_headers_without_diacritics_csv_and_a_saved_mapping(app, runner, tmp_path):
    unit = unit_names(app)[1]
    rows = [["ngay nhan don", "nguoi gui", "noi dung don", "phan loai", "don vi", "xu ly", "ngay xu ly", "ghi chu"],
            ["2024-05-02", "Nguyễn A", "Xin cấp phép", "Đề xuất", "P.KH", "Thụ lý", "03/05/2024", ""]]
    path = write_csv(tmp_path / "so.csv", rows, sep=";")
    bad = runner.invoke(args=["import", "letters", path, "--dry-run"])
    assert "Loại đơn không rõ: “Đề xuất”" in bad.output and "Đơn vị không rõ: “P.KH”" in bad.output
    with app.app_context():
        code = db.session.execute(select(Unit.code).where(Unit.name == unit)).scalar_one()
    words = '{"kind": {"Đề xuất": "kien_nghi"}, "unit": {"P.KH": "%s"}}' % code
    ok = runner.invoke(args=["import", "letters", path, "--dry-run", "--words", words, "--save-mapping", "so-van-phong"])
    assert ok.exit_code == 0 and "bị loại: 0" in ok.output, ok.output
    with app.app_context():
        assert db.session.execute(select(ImportMapping).where(ImportMapping.name == "so-van-phong")).scalar_one()
    # the next file has its columns in another order; the saved mapping finds them by their header
    rows2 = [["noi dung don", "ngay nhan don", "xu ly", "ngay xu ly", "phan loai", "don vi", "nguoi gui"],
             ["Xin gia hạn", "06/05/2024", "Thụ lý", "07/05/2024", "Đề xuất", "P.KH", "Lê B"]]
    path2 = write_csv(tmp_path / "so2.csv", rows2)
    done = runner.invoke(args=["import", "letters", path2, "--mapping", "so-van-phong"])
    assert done.exit_code == 0 and "tạo mới 1" in done.output, done.output
    with app.app_context():
        c = db.session.execute(select(Case).where(Case.channel == "import")).scalar_one()
        assert (c.kind_code, c.handling_unit.name, c.status) == ("kien_nghi", unit, "in_progress")


def test_merged_cells_take_the_value_of_their_first_cell(app, runner, tmp_path):
    rows = [["Ngày nhận", "Loại đơn", "Nội dung", "Họ tên"],
            ["03/06/2024", "Kiến nghị", "Việc một", "A"],
            [None, None, "Việc hai", "B"],
            [None, None, "Việc ba", "C"]]
    path = write_xlsx(tmp_path / "gop.xlsx", rows, merges=["A2:A4", "B2:B4"])
    result = runner.invoke(args=["import", "letters", path])
    assert result.exit_code == 0 and "tạo mới 3" in result.output, result.output


def test_visits_import(app, runner, tmp_path):
    rows = [["STT", "Ngày tiếp", "Hình thức tiếp", "Họ và tên", "Địa chỉ", "CCCD", "Nội dung", "Phân loại",
             "Số người", "Đoàn đông người", "Lần đầu / tái diễn", "Hướng xử lý"],
            ["1/2023", "02/02/2023", "Thường xuyên", "Đỗ H", "Biên Hòa", 75190001234, "Tranh chấp đất",
             "Khiếu nại", 1, "", "Lần đầu", "Tiếp nhận đơn"],
            ["2/2023", "03/02/2023", "Định kỳ", "Đoàn xã X", "", "", "Đền bù", "Kiến nghị", 12, "x", "Tái diễn",
             "Chuyển đơn"],
            ["3/2023", "04/02/2023", "", "Ngô K", "", "", "Hỏi thủ tục", "Kiến nghị", "", "", "", "Mắng"]]
    path = write_xlsx(tmp_path / "tiep.xlsx", rows)
    result = runner.invoke(args=["import", "visits", path])
    assert result.exit_code == 0, (result.output, result.exc_info and __import__("traceback").format_exception(*result.exc_info))
    assert "Dòng 4, cột “Hướng xử lý”: Hướng xử lý không rõ: “Mắng”" in result.output
    with app.app_context():
        vs = db.session.execute(select(ReceptionVisit).order_by(ReceptionVisit.serial)).scalars().all()
        assert [(v.year, v.serial, v.cccd, v.people_count, v.is_group, v.is_repeat, v.handling) for v in vs] == [
            (2023, 1, "075190001234", 1, False, False, "accepted"), (2023, 2, None, 12, True, True, "transferred")]
    assert "tạo mới 0" in runner.invoke(args=["import", "visits", path]).output


# -- bad input: a clear message, nothing written -------------------------------------------------

def _protected(tmp_path, unit) -> str:
    msoffcrypto = pytest.importorskip("msoffcrypto")
    plain = write_xlsx(tmp_path / "plain.xlsx", small_register(unit))
    out = tmp_path / "locked.xlsx"
    with open(plain, "rb") as src, open(out, "wb") as dst:
        f = msoffcrypto.OfficeFile(src)
        f.encrypt("mat-khau-123", dst)
    return str(out)


def _corrupt(tmp_path, unit) -> str:
    data = open(write_xlsx(tmp_path / "ok.xlsx", small_register(unit)), "rb").read()
    p = tmp_path / "hong.xlsx"
    p.write_bytes(data[: len(data) // 2])
    return str(p)


def _no_header(tmp_path, unit) -> str:
    return write_xlsx(tmp_path / "no-header.xlsx", small_register(unit)[4:])


def _big(tmp_path, unit) -> str:
    p = tmp_path / "big.csv"
    line = ("05/03/2024,Nguyễn Văn A,Ấp 3,Khiếu nại," + "x" * 200 + "\n").encode()
    with open(p, "wb") as fh:
        fh.write("Ngày nhận,Họ tên,Địa chỉ,Loại đơn,Nội dung\n".encode())
        for _ in range(60 * 1024 * 1024 // len(line) + 1):
            fh.write(line)
    return str(p)


def windows_1258(text: str) -> bytes:
    """Text as Windows-1258 stores Vietnamese: base letters precomposed, tone marks combining."""
    import unicodedata
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out = []
    for ch in text:
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
        out.append(base + "".join(c for c in parts if c in tones))
    return "".join(out).encode("cp1258")


def _cp1258(tmp_path, unit) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerows([HEAD, [1, "05/03/2024", "Trần Thị Bình", "", "", "", "Khiếu nại", "Khiếu nại"]])
    p = tmp_path / "win.csv"
    p.write_bytes(windows_1258(buf.getvalue()))
    return str(p)


def _utf16(tmp_path, unit) -> str:
    return write_csv(tmp_path / "u16.csv", [HEAD, [1, "05/03/2024", "Trần Thị Bình", "", "", "", "Khiếu nại", "Khiếu nại"]],
                     encoding="utf-16", sep="\t")


@pytest.mark.parametrize("make, message", [
    (_protected, "có đặt mật khẩu"), (_corrupt, "bị hỏng"), (_no_header, "Không tìm thấy dòng tiêu đề"),
    (_big, "Tệp quá lớn (60.0 MB); tối đa 50 MB"), (_cp1258, "không ở mã UTF-8"), (_utf16, "UTF-16"),
])
def test_bad_files_get_a_clear_message_and_write_nothing(app, runner, tmp_path, make, message):
    path = make(tmp_path, unit_names(app)[0])
    before = counts(app)
    result = runner.invoke(args=["import", "letters", path])
    assert result.exit_code == 1
    assert message in result.output, result.output
    assert counts(app) == before


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_generated_register_rejects_exactly_the_planted_mistakes(app, tmp_path, monkeypatch, fmt):
    from danvan_feedback import register_files
    from danvan_feedback.services import register_import as svc
    monkeypatch.setattr(register_files, "READ_BYTES", 4096)     # many reads: rows cut across them
    rows, bad = sample_letters(600, units=unit_names(app), today=today(), bad_every=25)
    path = write_xlsx(tmp_path / "gen.xlsx", rows) if fmt == "xlsx" else write_csv(tmp_path / "gen.csv", rows)
    with app.app_context():
        plan = svc.check(path, "letters", today=today(), max_bytes=50 << 20)
    lines = sorted({p.line for p in plan.problems})
    assert lines == [i + 1 for i, _what in bad]       # sheet rows are 1-based
    first_code = {}
    for p in plan.problems:
        first_code.setdefault(p.line, set()).add(p.code)
    expect = {"future": "date_future", "decision_before": "date_before", "unknown_kind": "unknown_kind",
              "bad_date": "date_impossible", "unknown_unit": "unknown_unit"}
    assert all(expect[what] in first_code[i + 1] for i, what in bad)
    assert plan.accepted == 600 - len(bad) and plan.skipped["totals"] == 1


def test_a_citizens_case_then_two_imports_get_their_own_ids_and_whole_chains(app, client, runner, tmp_path):
    """New letters are written in bulk with ids reserved before their events are sealed (a sequence on
    PostgreSQL, after the largest id on SQLite): a case filed on the site before, and a second
    import after the first, keep their own ids, and every chain verifies."""
    from tests.app.helpers import post_case
    from tests.factories import complaint
    assert post_case(client, "khieu_nai", complaint()).status_code == 303
    with app.app_context():
        first_id = db.session.execute(select(func.max(Case.id))).scalar_one()
        assert first_id is not None
    unit = unit_names(app)[0]
    rows = small_register(unit)
    assert runner.invoke(args=["import", "letters", write_xlsx(tmp_path / "a.xlsx", rows)]).exit_code == 0
    more = [HEAD] + [[100 + i, f"0{i + 1}/05/2024", f"Người {i}", "", "", "", f"Việc {i}", "Kiến nghị", "", "", "", "",
                      ""] for i in range(5)]
    result = runner.invoke(args=["import", "letters", write_csv(tmp_path / "b.csv", more)])
    assert result.exit_code == 0 and "tạo mới 5" in result.output, result.output
    with app.app_context():
        ids = list(db.session.execute(select(Case.id).where(Case.channel == "import").order_by(Case.id)).scalars())
        assert len(ids) == 8 == len(set(ids)) and min(ids) > first_id
        codes = db.session.execute(select(func.count(func.distinct(Case.tracking_code)))).scalar_one()
        assert codes == 9
        for case_id in ids:   # each history starts at its own case: seq 1 … n, case_id sealed in
            evs = db.session.execute(select(CaseEvent.seq).where(CaseEvent.case_id == case_id)
                                     .order_by(CaseEvent.seq)).scalars().all()
            assert evs == list(range(1, len(evs) + 1))
        assert verify_all() == []


def test_imported_cases_are_in_the_full_text_index_and_its_trigger_stays(app, runner, tmp_path):
    """SQLite fills the FTS5 index of the imported cases in one statement instead of its per-row
    trigger, which is created again in the same transaction: the index matches the table, and a
    case filed afterwards is indexed by the trigger as before."""
    unit = unit_names(app)[0]
    assert runner.invoke(args=["import", "letters", write_xlsx(tmp_path / "so.xlsx", small_register(unit))]).exit_code == 0
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's full-text index")
        conn = db.session.connection()
        assert conn.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                                    "AND name = 'cases_fts_ai'").scalar() == 1
        conn.exec_driver_sql("INSERT INTO cases_fts(cases_fts, rank) VALUES ('integrity-check', 1)")
        hit = conn.exec_driver_sql("SELECT rowid FROM cases_fts WHERE cases_fts MATCH 'kenh'").scalars().all()
        want = db.session.execute(select(Case.id).where(Case.subject == "Phản ánh ô nhiễm kênh")).scalar_one()
        assert hit == [want]
        db.session.rollback()
    more = [HEAD, [50, "02/05/2024", "Người X", "", "", "", "Việc đê bao", "Kiến nghị", "", "", "", "", ""]]
    assert runner.invoke(args=["import", "letters", write_csv(tmp_path / "b.csv", more)]).exit_code == 0
    with app.app_context():
        conn = db.session.connection()
        conn.exec_driver_sql("INSERT INTO cases_fts(cases_fts, rank) VALUES ('integrity-check', 1)")
        assert len(conn.exec_driver_sql("SELECT rowid FROM cases_fts WHERE cases_fts MATCH 'bao'").scalars().all()) == 1


def test_a_failure_while_writing_writes_nothing_and_the_import_can_run_again(app, runner, tmp_path, monkeypatch):
    """The write is one transaction: a failure after some batches went in (the disk full, say)
    leaves no case, no event, no identity; on SQLite the full-text trigger and the connection's page
    cache are as before. The same file then imports whole."""
    from danvan_feedback.services.register_import import write
    unit = unit_names(app)[0]
    path = write_xlsx(tmp_path / "so.xlsx", small_register(unit))
    before = counts(app)
    real = write._insert_letters
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(write, "BATCH", 1)
    monkeypatch.setattr(write, "_insert_letters", failing)
    result = runner.invoke(args=["import", "letters", path])
    assert result.exit_code != 0 and isinstance(result.exception, OSError)
    assert len(calls) == 2   # the first batch was written in the transaction, then rolled back
    assert counts(app) == before
    with app.app_context():
        conn = db.session.connection()
        if conn.dialect.name == "sqlite":
            assert conn.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                                        "AND name = 'cases_fts_ai'").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA cache_size").scalar() != -write.SQLITE_CACHE_KIB
        db.session.rollback()
    monkeypatch.setattr(write, "_insert_letters", real)
    again = runner.invoke(args=["import", "letters", path])
    assert again.exit_code == 0, again.output
    assert "tạo mới 3" in again.output
    with app.app_context():
        assert verify_all() == []


def test_visits_imported_while_the_desk_numbers_a_visit_of_the_same_year(app, runner, tmp_path):
    """The reception desk numbers a visit under its year's lock (``services.reception._next_serial``);
    an import of the same year's register takes the same lock before reading the year's numbers, so
    it waits for the desk and numbers after it instead of failing on the unique number (or making
    the desk's visit fail). PostgreSQL only: on SQLite each write holds the whole database."""
    import threading
    import time

    from sqlalchemy import text

    from danvan_feedback.services import reception, uow
    from tests.factories import visit_values
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite has one writer at a time: the import and the desk never overlap")
    rows = [["STT", "Ngày tiếp", "Hình thức tiếp", "Họ và tên", "Nội dung", "Phân loại", "Hướng xử lý"],
            ["1/2023", "02/02/2023", "Thường xuyên", "Đỗ H", "Tranh chấp đất", "Khiếu nại", "Tiếp nhận đơn"],
            ["2/2023", "03/02/2023", "Định kỳ", "Ngô K", "Đền bù", "Kiến nghị", "Tiếp nhận đơn"]]
    path = write_xlsx(tmp_path / "tiep.xlsx", rows)
    numbered, failed = threading.Event(), []

    def desk():
        try:
            with app.app_context():
                uow.begin_write()
                reception._write_visit(None, visit_values(visit_date=date(2023, 2, 1)), case_id=None, case_code=None,
                                       case_pin=None, actor_id=None, now=datetime.now(timezone.utc),
                                       token="desk-visit-2023", seen_version=None)
                numbered.set()   # serial 1/2023 taken, not committed yet
                with db.engine.connect() as watch:   # commit once the import waits for us
                    for _ in range(300):
                        if watch.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                                              "current_database() AND wait_event_type = 'Lock'")).scalar():
                            break
                        time.sleep(0.05)
                db.session.commit()
        except Exception as exc:  # noqa: BLE001  (reported below)
            failed.append(exc)
            numbered.set()

    t = threading.Thread(target=desk)
    t.start()
    assert numbered.wait(30)
    result = runner.invoke(args=["import", "visits", path])
    t.join(30)
    assert not failed and not t.is_alive()
    assert result.exit_code == 0, (result.output, repr(result.exception))
    with app.app_context():
        vs = db.session.execute(select(ReceptionVisit.serial, ReceptionVisit.submission_token, ReceptionVisit.content)
                                .where(ReceptionVisit.year == 2023).order_by(ReceptionVisit.serial)).all()
    assert [(s, tok) for s, tok, _c in vs] == [(1, "desk-visit-2023"), (2, None), (3, None)]
    assert [c for _s, _t, c in vs][1:] == ["Tranh chấp đất", "Đền bù"]
