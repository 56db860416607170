"""Standard documents issued from a case, as DOCX files the office edits and signs.

The wording of each document is data: one JSON file per document in ``templates/`` (or, file by
file, in the folder ``DOC_TEMPLATE_DIR``), with its title, paragraphs with ``{placeholders}`` (the
reply templates' syntax, :mod:`domain.templates_text`), recipients and signer's title, and the form
it follows (``follows``) with ``verified`` false where the form number could not be checked
against the official text. The layout is the administrative document's (Decree 30/2020/NĐ-CP,
Appendix I): issuing body and number on the left, national motto and place/date on the right,
title, body, "Nơi nhận" and the signature block.
"""
from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from ..domain.templates_text import render_template_text

HERE = Path(__file__).parent / "templates"
DOC_TYPES = ("bien_nhan", "phieu_chuyen", "phieu_huong_dan", "tb_thu_ly", "tb_khong_thu_ly", "qd_giai_quyet")

# placeholder -> what it stands for (shown next to the template)
PLACEHOLDERS = {
    "co_quan": "Tên cơ quan", "ma": "Mã tra cứu hồ sơ", "ten": "Họ tên người gửi",
    "dia_chi": "Địa chỉ người gửi", "ngay_nhan": "Ngày nhận đơn", "kenh": "Hình thức nhận đơn",
    "so_don": "Số, ngày của đơn", "ngay_don": "Ngày ghi trên đơn", "noi_dung": "Tiêu đề, nội dung tóm tắt",
    "tai_lieu": "Tài liệu kèm theo", "trang_tra_cuu": "Địa chỉ trang tra cứu", "han": "Hạn đang chạy",
    "loai_don": "Loại đơn", "ngay_thu_ly": "Ngày thụ lý", "co_quan_nhan": "Cơ quan nhận",
    "ghi_chu": "Nội dung bổ sung", "lan": "Lần giải quyết", "qd_bi_khieu_nai": "Quyết định bị khiếu nại",
    "yeu_cau": "Yêu cầu của người khiếu nại",
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class DocTemplate:
    doc_type: str
    series: str
    name: str
    follows: str
    verified: bool
    title: str
    subtitle: str
    addressee: str
    paragraphs: tuple[str, ...]
    recipients: tuple[str, ...]
    signer_title: str


def load_template(doc_type: str, override_dir: str | None = None) -> DocTemplate:
    if doc_type not in DOC_TYPES:
        raise KeyError(doc_type)
    path = HERE / f"{doc_type}.json"
    if override_dir and (Path(override_dir) / f"{doc_type}.json").is_file():
        path = Path(override_dir) / f"{doc_type}.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    return DocTemplate(doc_type=doc_type, series=raw["series"], name=raw["name"], follows=raw["follows"],
                       verified=bool(raw.get("verified")), title=raw["title"], subtitle=raw.get("subtitle", ""),
                       addressee=raw.get("addressee", ""), paragraphs=tuple(raw["paragraphs"]),
                       recipients=tuple(raw.get("recipients", ())), signer_title=raw.get("signer_title", ""))


def fill(text: str, values: dict) -> str:
    return _CONTROL.sub("", render_template_text(text, values, PLACEHOLDERS))


@dataclass(frozen=True)
class Heading:
    parent: str      # the body above the issuer, e.g. "ỦY BAN NHÂN DÂN TỈNH ĐỒNG NAI"
    issuer: str      # the issuing body
    place: str       # the place name before the date
    doc_no: str      # "12/TB-SNNMT"
    issued_on: date
    signer: str


def _run(paragraph, text: str, *, bold=False, italic=False, size=13):
    run = paragraph.add_run(_CONTROL.sub("", text))
    run.bold, run.italic = bold, italic
    run.font.size = Pt(size)
    run.font.name = "Times New Roman"
    return run


def _para(container, text: str = "", *, align=None, bold=False, italic=False, size=13, before=0):
    p = container.add_paragraph()
    if align is not None:
        p.alignment = align
    p.paragraph_format.space_before = Pt(before)
    p.paragraph_format.space_after = Pt(3)
    if text:
        _run(p, text, bold=bold, italic=italic, size=size)
    return p


def render_docx(tpl: DocTemplate, values: dict, head: Heading) -> bytes:
    """The document, pre-filled: fields the office must still write stay as "……" or as a visible
    ``{placeholder}`` when a value is missing."""
    doc = Document()
    sec = doc.sections[0]
    sec.page_height, sec.page_width = Cm(29.7), Cm(21)
    sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin = Cm(2), Cm(2), Cm(3), Cm(2)
    style = doc.styles["Normal"]
    style.font.name, style.font.size = "Times New Roman", Pt(13)

    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = table.rows[0].cells
    left.width, right.width = Cm(7), Cm(9)
    c = WD_ALIGN_PARAGRAPH.CENTER
    left.paragraphs[0].alignment = c
    _run(left.paragraphs[0], head.parent.upper(), size=12)
    _para(left, head.issuer.upper(), align=c, bold=True, size=12)
    _para(left, f"Số: {head.doc_no}", align=c, size=13)
    right.paragraphs[0].alignment = c
    _run(right.paragraphs[0], "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, size=12)
    _para(right, "Độc lập - Tự do - Hạnh phúc", align=c, bold=True, size=13)
    d = head.issued_on
    _para(right, f"{head.place}, ngày {d.day:02d} tháng {d.month:02d} năm {d.year}", align=c, italic=True)

    _para(doc, fill(tpl.title, values), align=c, bold=True, size=14, before=12)
    if tpl.subtitle:
        _para(doc, fill(tpl.subtitle, values), align=c, bold=True)
    if tpl.addressee:
        _para(doc, fill(tpl.addressee, values), align=c, before=6)
    for text in tpl.paragraphs:
        filled = fill(text, values).strip()
        if filled:
            p = _para(doc, filled, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
            p.paragraph_format.first_line_indent = Cm(1)

    sign = doc.add_table(rows=1, cols=2)
    to, by = sign.rows[0].cells
    _run(to.paragraphs[0], "Nơi nhận:", bold=True, italic=True, size=12)
    for r in tpl.recipients:
        _para(to, "- " + fill(r, values), size=11)
    by.paragraphs[0].alignment = c
    _run(by.paragraphs[0], tpl.signer_title, bold=True)
    _para(by, "(Ký, ghi rõ họ tên, đóng dấu)", align=c, italic=True, size=12)
    _para(by, "", before=48)
    _para(by, head.signer or "", align=c, bold=True)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
