"""Report files: XLSX (openpyxl), CSV (streamed) and a DOCX draft (python-docx).

Every cell that comes from data is cleaned (:func:`safe_cell`): control characters that openpyxl and
python-docx reject are stripped, and text starting with ``= + - @``, tab or CR is prefixed with an
apostrophe so a spreadsheet never runs it as a formula (CSV injection).
"""
from __future__ import annotations

import csv
import io
import re
from datetime import date
from typing import Iterable, Iterator

from sqlalchemy import select

from ...domain import report_queries as rq
from ...extensions import db
from ...labels import OUTCOME, staff_status_label
from ...models import CaseKind, Unit
from ... import report_labels as L
from .figures import Table, period_title, tables

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CASE_LIST_KEYS = ("id", "kind", "received_day", "unit", "status_start", "status_end", "accepted_on",
                  "resolved_day", "outcome", "is_group", "group_size", "is_anonymous", "channel",
                  "submitter_type")


def safe_cell(value):
    if value is None or isinstance(value, (int, float)):
        return value
    s = str(value)
    if s.startswith(_DANGEROUS):
        s = "'" + s
    return _CONTROL.sub("", s)


def _lookups() -> tuple[dict, dict]:
    kinds = dict(db.session.execute(select(CaseKind.code, CaseKind.name_vi)).all())
    units = dict(db.session.execute(select(Unit.id, Unit.name)).all())
    return kinds, units


def case_rows(fig: dict, chunk: int = 5000) -> Iterator[list[tuple]]:
    """The anonymised case list of the period, in chunks of display-ready rows."""
    kinds, units = _lookups()
    w = rq.window(date.fromisoformat(fig["period"]["start"]), date.fromisoformat(fig["period"]["end"]), fig["tz"])
    yes, no = str(L._l("Có")), ""
    from ...domain.status import ALL as STATUSES
    statuses = {code: staff_status_label(code) for code in STATUSES}  # translated once, not per row
    outcomes = {code: str(label) for code, label in OUTCOME.items()}
    dialect = db.session.get_bind().dialect.name
    for rows in rq.case_list(db.session.connection(), w, dialect, chunk):
        out = []
        for (cid, kind, rday, unit, s_start, s_end, acc, sday, outcome, grp, gsize, anon, channel, sub) in rows:
            out.append((cid, kinds.get(kind, kind), rday, units.get(unit, "") if unit else "",
                        statuses.get(s_start, s_start or ""), statuses.get(s_end, s_end or ""),
                        acc.isoformat() if isinstance(acc, date) else (acc or ""), sday or "",
                        outcomes.get(outcome, outcome or "") if sday else "",
                        yes if grp else no, gsize or "", yes if anon else no, channel or "", sub or ""))
        yield out


def csv_chunks(fig: dict, chunk: int = 5000) -> Iterator[str]:
    """UTF-8 with a BOM (so Excel shows Vietnamese), one string per chunk of rows."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([str(L.CASE_LIST_HEADINGS[k]) for k in CASE_LIST_KEYS])
    yield "\ufeff" + buf.getvalue()
    for rows in case_rows(fig, chunk):
        buf.seek(0)
        buf.truncate()
        writer.writerows([[safe_cell(v) for v in r] for r in rows])
        yield buf.getvalue()


def _fit_widths(ws, widths: dict[int, int]) -> None:
    from openpyxl.utils import get_column_letter
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = min(max(width + 2, 8), 60)


def _table_sheet(wb, table: Table, title: str) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    ws = wb.create_sheet(table.code)
    bold, head_fill = Font(bold=True), PatternFill("solid", fgColor="DDE7F0")
    wrap = Alignment(wrap_text=True, vertical="center", horizontal="center")
    ws.cell(1, 1, safe_cell(table.title)).font = Font(bold=True, size=13)
    ws.cell(2, 1, safe_cell(title))
    if table.code.startswith("HL"):  # one heading row
        groups, heads = [h for _k, _g, h in table.columns], None
    else:  # group headings over column headings, as in the forms
        groups = [str(L._l("Đơn vị"))] + [g for _k, g, _h in table.columns]
        heads = [""] + [h for _k, _g, h in table.columns]
    r = 4
    for c, g in enumerate(groups, start=1):
        cell = ws.cell(r, c, safe_cell(g))
        cell.font, cell.fill, cell.alignment = bold, head_fill, wrap
    if heads:
        r += 1
        for c, h in enumerate(heads, start=1):
            cell = ws.cell(r, c, safe_cell(h))
            cell.font, cell.fill, cell.alignment = bold, head_fill, wrap
        # merge repeated group headings over their columns
        start = 2
        for c in range(3, len(groups) + 2):
            if c > len(groups) or groups[c - 1] != groups[start - 1]:
                if c - 1 > start:
                    ws.merge_cells(start_row=4, start_column=start, end_row=4, end_column=c - 1)
                start = c
    ws.freeze_panes = ws.cell(r + 1, 2)
    for label, values in table.rows:
        r += 1
        if table.code.startswith("HL"):
            vals = [values[k] for k, _g, _h in table.columns]
        else:
            vals = [label] + [values[k] for k, _g, _h in table.columns]
        for c, v in enumerate(vals, start=1):
            cell = ws.cell(r, c, safe_cell(v))
            if isinstance(v, float):
                cell.number_format = "0.0"
            elif isinstance(v, int):
                cell.number_format = "#,##0"
    ws.row_dimensions[4].height = 45
    ws.row_dimensions[5].height = 60
    _fit_widths(ws, {1: 24, **{c: 14 for c in range(2, len(groups) + 1)}})


def xlsx_bytes(fig: dict, max_rows: int = 1_000_000) -> bytes:
    """One workbook: the four forms, satisfaction, months and kinds with native charts, and the
    anonymised case list (frozen header, widths, number formats)."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font
    wb = Workbook()
    wb.remove(wb.active)
    title = str(L._l("Kỳ báo cáo: %(p)s", p=period_title(fig["period"])))
    for t in tables(fig):
        _table_sheet(wb, t, title)

    ws = wb.create_sheet(str(L._l("Theo tháng")))
    ws.append([str(L._l("Tháng")), str(L._l("Tiếp nhận")), str(L._l("Đã giải quyết"))])
    for m in fig["by_month"]:
        ws.append([m["label"], m["received"], m["resolved"]])
    ws.freeze_panes = "A2"
    for cell in ws[1]:
        cell.font = Font(bold=True)
    _fit_widths(ws, {1: 10, 2: 12, 3: 14})
    n = len(fig["by_month"])
    chart = BarChart()
    chart.title = str(L._l("Tiếp nhận và giải quyết theo tháng"))
    chart.y_axis.title = str(L._l("Số đơn"))
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_col=3, max_row=n + 1), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=n + 1))
    chart.width, chart.height = 18, 9
    ws.add_chart(chart, "E2")

    ws = wb.create_sheet(str(L._l("Theo loại đơn")))
    ws.append([str(L._l("Loại đơn")), str(L._l("Tiếp nhận")), str(L._l("Đã giải quyết")), str(L._l("Đang giải quyết cuối kỳ"))])
    for k in fig["by_kind"]:
        ws.append([safe_cell(k["label"]), k["received"], k["resolved"], k["open_end"]])
    ws.freeze_panes = "A2"
    _fit_widths(ws, {1: 20, 2: 12, 3: 14, 4: 22})
    chart = BarChart()
    chart.type = "bar"
    chart.title = str(L._l("Theo loại đơn"))
    nk = len(fig["by_kind"])
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_col=3, max_row=nk + 1), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=nk + 1))
    ws.add_chart(chart, "F2")

    ws = wb.create_sheet(str(L._l("Danh sách hồ sơ")))
    ws.append([str(L.CASE_LIST_HEADINGS[k]) for k in CASE_LIST_KEYS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    written = 0
    for rows in case_rows(fig):
        for row in rows:
            if written >= max_rows:
                break
            ws.append([safe_cell(v) for v in row])
            written += 1
    _fit_widths(ws, {1: 10, 2: 14, 3: 12, 4: 30, 5: 28, 6: 28, 7: 12, 8: 12, 9: 14, 10: 10, 11: 8, 12: 10, 13: 10, 14: 10})
    _definitions_sheet(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return stable_zip(buf.getvalue(), fig)


def _definitions_sheet(wb) -> None:
    """Sheet "Định nghĩa": each column of each form in plain Vietnamese, its legal basis and the
    data it is counted from (``labels.DEFINITIONS``)."""
    from openpyxl.styles import Alignment, Font
    ws = wb.create_sheet(str(L._l("Định nghĩa")))
    ws.append([str(L._l("Biểu")), str(L._l("Cột")), str(L._l("Cách tính")), str(L._l("Căn cứ")),
               str(L._l("Nguồn số liệu"))])
    for code, _title, cols in L.TABLES:
        for key, group, head in cols:
            text, src, data = L.DEFINITIONS[key]
            ws.append([code, safe_cell(f"{group} — {head}"), str(text), str(src), str(data)])
    for head, text, src, data in L.SATISFACTION_DEFINITIONS:
        ws.append(["HL-DV, HL-HS", str(head), str(text), str(src), str(data)])
    for head, text, src, data in L.EXTRA_DEFINITIONS:
        ws.append([str(head), "", str(text), str(src), str(data)])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = wrap
    ws.freeze_panes = "A2"
    _fit_widths(ws, {1: 10, 2: 40, 3: 58, 4: 40, 5: 36})


_CORE_DATES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:(created|modified)>)")


def stable_zip(body: bytes, fig: dict) -> bytes:
    """The same file for the same figures, whenever it is made: the package's creation and
    modification dates become the period's last day and every zip entry gets a fixed timestamp
    (openpyxl and python-docx stamp the moment of saving). A past period exported today and a year
    later gives identical bytes."""
    import zipfile
    end = fig["period"]["end"].encode()
    stamp = end + b"T00:00:00Z"
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(body)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _CORE_DATES.sub(lambda m: m.group(1) + stamp + m.group(3), data)
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, data)
    return out.getvalue()


def _n(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    return f"{value:,}".replace(",", ".")


def _docx_styles(doc) -> None:
    """A4, administrative margins and Times New Roman (Decree 30/2020)."""
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt
    for section in doc.sections:  # A4, administrative margins (Decree 30/2020: 2–2.5 cm, left 3–3.5)
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.top_margin, section.bottom_margin = Cm(2), Cm(2)
        section.left_margin, section.right_margin = Cm(3), Cm(2)
    for style_name in ("Normal", "Heading 1", "Heading 2", "Table Grid"):
        try:
            style = doc.styles[style_name]
        except KeyError:
            continue
        style.font.name = "Times New Roman"
        style.font.size = Pt(14 if style_name != "Table Grid" else 12)
        rpr = style.element.get_or_add_rPr()
        rfonts = rpr.find(qn("w:rFonts"))
        if rfonts is None:
            rfonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(rfonts)
        for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            rfonts.set(qn(attr), "Times New Roman")
        if style_name.startswith("Heading"):
            style.font.bold = True
            style.font.color.rgb = None
    doc.styles["Heading 1"].font.size = Pt(14)
    doc.styles["Heading 2"].font.size = Pt(13)


def _docx_paragraph(doc):
    """A body paragraph of the draft: justified, first line indented."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    def para(text: str) -> None:
        par = doc.add_paragraph(safe_cell(text))
        par.paragraph_format.first_line_indent = Cm(1)
        par.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    return para


def _docx_reception(para, c: dict) -> None:
    para(str(L._l(
        "Trong kỳ, đã tiếp %(visits)s lượt với %(people)s người (%(first)s vụ việc tiếp lần đầu, %(repeat)s vụ "
        "việc tiếp nhiều lần), trong đó có %(groups)s đoàn đông người với %(gp)s người. Tiếp thường xuyên "
        "%(regular)s lượt; Thủ trưởng tiếp định kỳ %(ps)s kỳ với %(periodic)s lượt, đột xuất %(us)s kỳ với "
        "%(unscheduled)s lượt (trực tiếp %(inp)s, ủy quyền %(dlg)s).",
        visits=_n(c["tcd.visits"]), people=_n(c["tcd.people"]), first=_n(c["tcd.first"]), repeat=_n(c["tcd.repeat"]),
        groups=_n(c["tcd.groups"]), gp=_n(c["tcd.group_people"]), regular=_n(c["tcd.regular"]),
        periodic=_n(c["tcd.periodic"]), unscheduled=_n(c["tcd.unscheduled"]),
        ps=_n(c.get("tcd.periodic_sessions", 0)), us=_n(c.get("tcd.unscheduled_sessions", 0)), inp=_n(c["tcd.head_in_person"]),
        dlg=_n(c["tcd.head_delegated"]))))
    para(str(L._l(
        "Nội dung: %(kn)s lượt khiếu nại, %(tc)s lượt tố cáo, %(pakn)s lượt kiến nghị, phản ánh. Kết quả: tiếp "
        "nhận %(acc)s, hướng dẫn %(gd)s, chuyển đơn %(tr)s. Tổ chức %(dlgs)s cuộc đối thoại về %(dc)s vụ việc.",
        kn=_n(c["tcd.kn"]), tc=_n(c["tcd.tc"]), pakn=_n(c["tcd.pakn"]), acc=_n(c["tcd.accepted"]),
        gd=_n(c["tcd.guided"]), tr=_n(c["tcd.transferred"]), dlgs=_n(c["tcd.dialogues"]), dc=_n(c["tcd.dialogue_cases"]))))


def _docx_letters(para, c: dict) -> None:
    para(str(L._l(
        "Tổng số đơn phải xử lý %(total)s đơn (kỳ trước chuyển sang %(carried)s, tiếp nhận trong kỳ %(new)s); đã "
        "xử lý %(processed)s đơn, %(eligible)s đơn đủ điều kiện xử lý (khiếu nại %(ekn)s, tố cáo %(etc)s, kiến "
        "nghị, phản ánh %(epakn)s). Đơn thuộc thẩm quyền: khiếu nại %(jkn)s, tố cáo %(jtc)s, kiến nghị, phản ánh "
        "%(jpakn)s; không thuộc thẩm quyền: hướng dẫn %(gd)s, chuyển đơn %(tr)s, đôn đốc %(ur)s đơn. Đã nhận %(rep)s văn "
        "bản phúc đáp của cơ quan nhận đơn chuyển.",
        total=_n(c["xld.total"]), carried=_n(c["xld.carried"]), new=_n(c["xld.new"]), processed=_n(c["xld.processed"]),
        eligible=_n(c["xld.eligible"]), ekn=_n(c["xld.eligible_kn"]), etc=_n(c["xld.eligible_tc"]),
        epakn=_n(c["xld.eligible_pakn"]), jkn=_n(c["xld.jur_kn"]), jtc=_n(c["xld.jur_tc"]), jpakn=_n(c["xld.jur_pakn"]),
        gd=_n(c["xld.guided"]), tr=_n(c["xld.transferred"]), ur=_n(c["xld.urged"]), rep=_n(c["xld.replies"]))))
    para(str(L._l(
        "Giải quyết khiếu nại: phải giải quyết %(total)s vụ việc (kỳ trước chuyển sang %(carried)s, thụ lý mới "
        "%(new)s); đã giải quyết %(res)s vụ việc (bằng quyết định %(dec)s, rút đơn %(wd)s), trong đó khiếu nại "
        "đúng %(d)s, sai %(s)s, có đúng có sai %(dm)s; giải quyết lần hai giữ nguyên %(gn)s, hủy, sửa %(hs)s. "
        "Đúng hạn %(ot)s, quá hạn %(late)s; cuối kỳ còn %(open)s vụ việc đang giải quyết (quá hạn %(od)s).",
        total=_n(c["kn.total"]), carried=_n(c["kn.carried"]), new=_n(c["kn.new"]), res=_n(c["kn.resolved"]),
        dec=_n(c["kn.by_decision"]), wd=_n(c["kn.withdrawn"]), d=_n(c["kn.dung"]), s=_n(c["kn.sai"]),
        dm=_n(c["kn.dung_mot_phan"]), gn=_n(c["kn.giu_nguyen"]), hs=_n(c["kn.huy_sua"]), ot=_n(c["kn.on_time"]),
        late=_n(c["kn.late"]), open=_n(c["kn.open_end"]), od=_n(c["kn.overdue_end"]))))
    para(str(L._l(
        "Giải quyết tố cáo: phải giải quyết %(total)s vụ việc (kỳ trước chuyển sang %(carried)s, thụ lý mới "
        "%(new)s); đã giải quyết %(res)s vụ việc (bằng kết luận %(dec)s, rút tố cáo %(wd)s), trong đó tố cáo đúng "
        "%(d)s, sai %(s)s, có đúng có sai %(dm)s. Đúng hạn %(ot)s, quá hạn %(late)s; cuối kỳ còn %(open)s vụ việc "
        "đang giải quyết (quá hạn %(od)s).",
        total=_n(c["tc.total"]), carried=_n(c["tc.carried"]), new=_n(c["tc.new"]), res=_n(c["tc.resolved"]),
        dec=_n(c["tc.by_decision"]), wd=_n(c["tc.withdrawn"]), d=_n(c["tc.dung"]), s=_n(c["tc.sai"]),
        dm=_n(c["tc.dung_mot_phan"]), ot=_n(c["tc.on_time"]), late=_n(c["tc.late"]), open=_n(c["tc.open_end"]),
        od=_n(c["tc.overdue_end"]))))


def _docx_tables(doc, fig: dict) -> None:
    doc.add_heading(str(L._l("Phụ lục: các biểu số liệu")), level=1)
    for t in tables(fig)[:4]:
        doc.add_heading(safe_cell(t.title), level=2)
        values = t.rows[0][1]
        tbl = doc.add_table(rows=1, cols=3)
        tbl.style = "Table Grid"
        hdr = tbl.rows[0].cells
        hdr[0].text, hdr[1].text, hdr[2].text = str(L._l("Nhóm")), str(L._l("Chỉ tiêu")), str(L._l("Số liệu"))
        for key, group, head in t.columns:
            cells = tbl.add_row().cells
            cells[0].text, cells[1].text, cells[2].text = safe_cell(group), safe_cell(head), _n(values[key])


def docx_bytes(fig: dict, org_name: str = "") -> bytes:
    """A draft of the report's two sections, numbers filled in, with the tables."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    c = fig["counts"]
    doc = Document()
    _docx_styles(doc)
    period = period_title(fig["period"])
    p = doc.add_paragraph(safe_cell(str(L._l("DỰ THẢO — %(org)s — %(p)s", org=org_name, p=period))))
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    para = _docx_paragraph(doc)
    doc.add_heading(str(L._l("1. Công tác tiếp công dân, đối thoại")), level=1)
    _docx_reception(para, c)
    doc.add_heading(str(L._l("2. Công tác xử lý đơn, giải quyết khiếu nại, tố cáo")), level=1)
    _docx_letters(para, c)
    _docx_tables(doc, fig)
    buf = io.BytesIO()
    doc.save(buf)
    return stable_zip(buf.getvalue(), fig)


def filename(fig: dict, ext: str) -> str:
    return f"bao-cao-{fig['period']['key'].replace(':', '_')}.{ext}"


def write_csv(fig: dict, out) -> None:
    for part in csv_chunks(fig):
        out.write(part.encode("utf-8"))


def join(chunks: Iterable[str]) -> bytes:
    return "".join(chunks).encode("utf-8")
