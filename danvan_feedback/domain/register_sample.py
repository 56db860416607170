"""A generated letters register in the messy shapes real ones have, for tests and the benchmark:
mixed date formats (dd/mm/yyyy, yyyy-mm-dd, Excel serial numbers, "ngày 5 tháng 3 năm 2024"), ID and
phone numbers stored as numbers (leading zero lost), headers without diacritics, blank lines, a
totals row and a signature block at the bottom. Every ``bad_every``-th letter carries one known
mistake, so the rejected rows are known exactly (:func:`expected_rejections`)."""
from __future__ import annotations

import random
from datetime import date, timedelta

HEADERS = ["STT", "Ngay nhan don", "Ho ten nguoi gui", "Dia chi", "So CCCD", "SDT", "Noi dung don",
           "Loai don", "Don vi xu ly", "Hinh thuc xu ly", "Ngay xu ly", "Ngay giao", "Ket qua giai quyet",
           "Ngay giai quyet"]
KINDS = [("Khiếu nại", "khieu_nai"), ("Tố cáo", "to_cao"), ("Kiến nghị", "kien_nghi"), ("Phản ánh", "phan_anh"),
         ("KN", "khieu_nai")]
DECISIONS = ["Thụ lý", "Chuyển đơn", "Hướng dẫn", "Lưu đơn", "", "Thụ lý"]
BAD = ["future", "decision_before", "unknown_kind", "bad_date", "unknown_unit"]


def _fmt_date(d: date, style: int):
    if style == 0:
        return d.strftime("%d/%m/%Y")
    if style == 1:
        return d.isoformat()
    if style == 2:
        return (d - date(1899, 12, 30)).days      # an Excel serial number
    if style == 3:
        return f"ngày {d.day} tháng {d.month} năm {d.year}"
    return d.strftime("%d-%m-%Y")


def letters(n: int, *, seed: int = 16, units: list[str], today: date, bad_every: int = 50,
            start: date = date(2021, 1, 4)) -> tuple[list[list], list[tuple[int, str]]]:
    """(rows with the header first, [(row index in the list, problem code)]) for ``n`` letters."""
    rnd = random.Random(seed)
    rows: list[list] = [["SỔ THEO DÕI ĐƠN THƯ"], [], HEADERS]
    bad: list[tuple[int, str]] = []
    span = max(1, (today - timedelta(days=200) - start).days)
    for i in range(1, n + 1):
        received = start + timedelta(days=rnd.randrange(span))
        kind_word, kind = KINDS[rnd.randrange(len(KINDS))]
        decision = DECISIONS[rnd.randrange(len(DECISIONS))]
        if kind == "khieu_nai" and decision == "Lưu đơn":
            decision = "Thụ lý"
        decided = received + timedelta(days=rnd.randrange(1, 10)) if decision else None
        unit = units[rnd.randrange(len(units))] if decision == "Thụ lý" else ""
        outcome, solved = "", None
        if decision == "Thụ lý" and rnd.random() < 0.7:
            outcome = {"khieu_nai": "Đúng một phần", "to_cao": "Sai"}.get(kind, "Đã trả lời")
            solved = decided + timedelta(days=rnd.randrange(5, 60))
        row = [i, _fmt_date(received, i % 5), f"Nguyễn Văn {i}", f"Ấp {i % 9 + 1}, xã Long Thành",
               75190000000 + i, 912000000 + i, f"Đơn số {i}: đề nghị xem xét việc cấp giấy phép",
               kind_word, unit, decision, _fmt_date(decided, (i + 1) % 5) if decided else "",
               _fmt_date(decided, 0) if unit else "", outcome, _fmt_date(solved, (i + 2) % 5) if solved else ""]
        if bad_every and i % bad_every == 0:
            what = BAD[(i // bad_every) % len(BAD)]
            if what == "future":
                row[1] = (today + timedelta(days=30)).strftime("%d/%m/%Y")
            elif what == "decision_before":
                row[9], row[10] = "Hướng dẫn", (received - timedelta(days=3)).strftime("%d/%m/%Y")
                row[8] = row[11] = row[12] = row[13] = ""
            elif what == "unknown_kind":
                row[7] = "Đơn linh tinh"
            elif what == "bad_date":
                row[1] = "32/13/2024"
            else:
                row[8], row[9] = "Phòng Không Tồn Tại", "Thụ lý"
                row[10] = row[10] or received.strftime("%d/%m/%Y")
            bad.append((len(rows), what))
        rows.append(row)
        if i % 1000 == 0:
            rows.append([])           # a blank line now and then
    rows.append(["Tổng cộng", "", "", "", "", "", f"{n} đơn"])
    rows.append([])
    rows.append(["", "", "Người lập biểu", "", "", "", "", "", "Thủ trưởng đơn vị"])
    return rows, bad
