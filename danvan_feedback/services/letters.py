"""The office's records of a case: numbered documents issued from it, and the replies of the agencies
letters were transferred to. Each write locks the case first (one rule for writes), checks, changes,
and writes one ``CaseEvent``; the caller commits once (the views through ``uow.run_write``).

Registering a letter (:func:`register_letter`) is ``services.intake.submit_case`` with the letter's
received date (the same durable path, tracking code and PIN as a web submission) and, in the same
transaction, its receipt (biên nhận) numbered in the register of its year: one commit for both.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from .. import documents as docs
from .. import policy
from ..domain.letters import effective_date_error
from ..domain.vocabulary import Kind, Status
from ..extensions import db
from ..models import AgencyReply, Attachment, Case, CaseEvent, IssuedDocument, OrgSetting
from ..storage import CleanFile, LocalStorage
from . import uow
from .events import append_event
from .intake import Receipt, local_date, submit_case


class LetterError(ValueError):
    def __init__(self, code: str, field: str | None = None, **params):
        super().__init__(code)
        self.code, self.field, self.params = code, field, params


def lock_case(case_id: int, *, begin: bool = True) -> Case:
    """Lock the case row before reading what is validated (SQLite: BEGIN IMMEDIATE; PostgreSQL:
    SELECT … FOR UPDATE); ``begin`` starts the write transaction first."""
    case = uow.lock_case(case_id, begin=begin)
    if case is None:
        raise LetterError("not_found")
    return case


def last_event_on(case: Case, tz: str) -> date | None:
    at = db.session.execute(select(CaseEvent.created_at).where(CaseEvent.case_id == case.id)
                            .order_by(CaseEvent.seq.desc()).limit(1)).scalar_one_or_none()
    return local_date(at, tz) if at else None


# Issued documents ---------------------------------------------------------------------------------

KIND_WORDS = {Kind.KHIEU_NAI: "khiếu nại", Kind.TO_CAO: "tố cáo", Kind.KIEN_NGHI: "kiến nghị",
              Kind.PHAN_ANH: "phản ánh", Kind.GOP_Y: "góp ý"}
CHANNEL_WORDS = {"post": "qua bưu điện", "in_person": "nộp trực tiếp", "email": "thư điện tử",
                 "phone": "điện thoại", "web": "cổng thông tin điện tử", "api": "hệ thống liên thông",
                 "reception": "tại buổi tiếp công dân"}


def applicable(case: Case) -> list[str]:
    """Which documents make sense for the case as it stands."""
    out = ["bien_nhan"]
    if case.status in (Status.RECEIVED, Status.TRANSFERRED, Status.ACCEPTED, Status.IN_PROGRESS):
        out.append("phieu_chuyen")
    if case.status in (Status.RECEIVED, Status.GUIDED):
        out.append("phieu_huong_dan")
    if case.accepted_on is not None:
        out.append("tb_thu_ly")
    if case.status in (Status.RECEIVED, Status.REJECTED):
        out.append("tb_khong_thu_ly")
    if case.kind_code == Kind.KHIEU_NAI and case.accepted_on is not None:
        out.append("qd_giai_quyet")
    return out


def doc_values(case: Case, *, tz: str, show_identity: bool, agency: str = "", note: str = "",
               track_url: str = "") -> dict:
    """Pre-filled values. A denouncer's name and address are left for the signer to write by hand
    (Law on Denunciations 2018 arts. 8, 9, 47): the generated file may be kept and shared."""
    ident = case.identity if show_identity and not policy.is_protected(case) else None  # ever a tố cáo
    blank = "……………"
    name = (ident.company_name or ident.full_name) if ident else None
    files = [a.original_name for a in case.attachments]
    return {
        "co_quan": OrgSetting.get("org_name", ""), "ma": case.tracking_code,
        "ten": name or ("người gửi" if case.is_anonymous else blank),
        "dia_chi": (ident.address if ident and ident.address else blank),
        "ngay_nhan": local_date(case.received_at, tz).strftime("%d/%m/%Y"),
        "kenh": CHANNEL_WORDS.get(case.channel, case.channel),
        "so_don": ", ".join(p for p in (case.sender_doc_no or "",
                                         case.sender_doc_date.strftime("%d/%m/%Y") if case.sender_doc_date else "") if p) or "không ghi",
        "ngay_don": case.sender_doc_date.strftime("%d/%m/%Y") if case.sender_doc_date else local_date(case.received_at, tz).strftime("%d/%m/%Y"),
        "noi_dung": case.subject,
        "tai_lieu": f"{len(files)} tệp ({', '.join(files)[:300]})" if files else "không có",
        "trang_tra_cuu": track_url or blank,
        "han": case.due_on.strftime("%d/%m/%Y") if case.due_on else blank,
        "loai_don": KIND_WORDS.get(case.kind_code, case.kind_code),
        "ngay_thu_ly": case.accepted_on.strftime("%d/%m/%Y") if case.accepted_on else blank,
        "co_quan_nhan": agency or case.transfer_agency or blank,
        "ghi_chu": note or "", "lan": str(case.attempt or 1),
        "qd_bi_khieu_nai": case.complained_decision or blank, "yeu_cau": case.request_text or blank,
    }


def heading(doc_no: str, issued_on: date, signer: str) -> docs.Heading:
    province = OrgSetting.get("province_name", "")
    return docs.Heading(parent=OrgSetting.get("org_parent_name", "") or (f"Ủy ban nhân dân tỉnh {province}" if province else ""),
                        issuer=OrgSetting.get("org_name", ""), place=province or "……", doc_no=doc_no,
                        issued_on=issued_on, signer=signer)


def format_doc_no(series: str, number: int) -> str:
    suffix = OrgSetting.get("doc_symbol", "")
    return f"{number}/{series}-{suffix}" if suffix else f"{number}/{series}"


@dataclass
class Issued:
    document: IssuedDocument
    data: bytes


def issue_document(case_id: int, doc_type: str, *, actor, now: datetime, tz: str, storage: LocalStorage,
                   number: int | None, issued_on: date | None, signer: str, agency: str = "", note: str = "",
                   template_dir: str | None = None, track_url: str = "", show_identity: bool = True,
                   begin: bool = True) -> Issued:
    """Give the document its number in the register of its series and year, render the DOCX, keep it.

    The number is the register's next one, or the one typed (an office that numbers on paper);
    a number already used in that register and year is refused (``duplicate_number``). The unique
    constraint is the last guard against a race. Every check comes before anything is written.
    """
    case = lock_case(case_id, begin=begin)
    receipt_only = doc_type == "bien_nhan" and policy.can_view_letter_receipt(actor, case)
    if not (policy.can_issue_documents(actor, case) or receipt_only):
        raise LetterError("forbidden")
    if doc_type not in docs.DOC_TYPES or doc_type not in applicable(case):
        raise LetterError("not_applicable", "doc_type")
    today = local_date(now, tz)
    issued_on = issued_on or today
    if issued_on > today:
        raise LetterError("future_date", "issued_on")
    if issued_on < local_date(case.received_at, tz):
        raise LetterError("before_received", "issued_on")
    if doc_type in ("phieu_chuyen", "phieu_huong_dan") and not (agency or case.transfer_agency):
        raise LetterError("required", "agency")
    if doc_type == "tb_khong_thu_ly" and not note:
        raise LetterError("required", "note")
    tpl = docs.load_template(doc_type, template_dir)
    year = issued_on.year
    uow.lock_name(f"register:{tpl.series}:{year}", begin=False)  # one writer per register and year
    if number is None:
        number = (db.session.execute(select(func.max(IssuedDocument.number)).where(
            IssuedDocument.series == tpl.series, IssuedDocument.year == year)).scalar() or 0) + 1
    elif db.session.execute(select(IssuedDocument.id).where(
            IssuedDocument.series == tpl.series, IssuedDocument.year == year,
            IssuedDocument.number == number)).first() is not None:
        raise LetterError("duplicate_number", "number", number=number, year=year)
    doc_no = format_doc_no(tpl.series, number)
    values = doc_values(case, tz=tz, show_identity=show_identity, agency=agency, note=note, track_url=track_url)
    data = docs.render_docx(tpl, values, heading(doc_no, issued_on, signer))
    clean = CleanFile(data=data, original_name=f"{doc_type}-{number}-{year}.docx",
                      content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    key = storage.put(data)
    try:
        doc = IssuedDocument(case_id=case.id, doc_type=doc_type, series=tpl.series, year=year, number=number,
                             doc_no=doc_no, issued_on=issued_on, signer=signer or None, storage_key=key,
                             sha256=clean.sha256, size=len(data), issued_by_id=actor.id, created_at=now)
        db.session.add(doc)
        case.updated_at = now
        append_event(case, action="issue_document", now=now, actor_type="staff", actor_id=actor.id,
                     note=str(_l("Ban hành %(name)s số %(no)s ngày %(d)s", name=tpl.name, no=doc_no,
                                 d=issued_on.strftime("%d/%m/%Y"))))
        db.session.flush()
    except BaseException:
        storage.delete(key)
        raise
    return Issued(doc, data)


def register_letter(sub, files: list[CleanFile], *, actor, storage: LocalStorage, doc_storage: LocalStorage,
                    pin_key: str, now: datetime, tz: str, signer: str, template_dir: str | None,
                    track_url: str) -> Receipt:
    """A letter into the register: its case, and its receipt (biên nhận) with the next number of
    the receipt register of the year, in one transaction (``submit_case(then=…)``). Two clerks at
    once get two numbers, unique and without a gap. The receipt is skipped, never the letter, when
    its checks refuse it (it can then be issued from the case page); the same form sent twice
    (same token) returns the first registration, without a second receipt."""
    kept: list[str] = []

    def drop_docs() -> None:
        while kept:
            doc_storage.delete(kept.pop())

    def receipt_doc(receipt: Receipt) -> None:
        drop_docs()  # the file of an attempt run again (its transaction was rolled back)
        try:
            issued = issue_document(receipt.case_id, "bien_nhan", actor=actor, now=now, tz=tz, storage=doc_storage,
                                    number=None, issued_on=None, signer=signer, template_dir=template_dir,
                                    track_url=track_url, show_identity=True, begin=False)
        except LetterError:
            return  # refused by its checks, before anything was written
        kept.append(issued.document.storage_key)

    return submit_case(sub, files, storage=storage, pin_key=pin_key, now=now, tz=tz, then=receipt_doc,
                       then_cleanup=drop_docs)


# Agency replies -----------------------------------------------------------------------------------

def record_agency_reply(case_id: int, *, actor, now: datetime, tz: str, storage: LocalStorage, agency: str,
                        doc_no: str, doc_date: date | None, summary: str, file: CleanFile | None,
                        begin: bool = True) -> AgencyReply:
    """Văn bản phúc đáp: the agency a letter was transferred to answers. Recorded with the event
    ``agency_reply`` (form 02/XLD counts them). Its date can be neither in the future nor before
    the case's previous event; the same number twice in a year on one case is a double entry."""
    case = lock_case(case_id, begin=begin)
    if not (policy.can_triage(actor) and policy.can_view_case(actor, case)):
        raise LetterError("forbidden")
    if case.transfer_agency is None:
        raise LetterError("not_transferred")
    agency = (agency or "").strip() or case.transfer_agency
    doc_no, summary = (doc_no or "").strip(), (summary or "").strip()
    if not doc_no:
        raise LetterError("required", "doc_no")
    if not summary:
        raise LetterError("required", "summary")
    today = local_date(now, tz)
    err = effective_date_error(doc_date, today=today, previous_on=case.transfer_date,
                               late_days=100000)
    if err == "before_previous":
        raise LetterError("before_transfer", "doc_date",
                          d=case.transfer_date.strftime("%d/%m/%Y") if case.transfer_date else "")
    if err:
        raise LetterError(err, "doc_date")
    if db.session.execute(select(AgencyReply.id).where(
            AgencyReply.case_id == case.id, AgencyReply.doc_year == doc_date.year,
            AgencyReply.doc_no == doc_no)).first() is not None:
        raise LetterError("duplicate_reply", "doc_no", no=doc_no, year=doc_date.year)
    key = storage.put(file.data) if file is not None else None
    try:
        case.updated_at = now
        event = append_event(case, action="agency_reply", now=now, actor_type="staff", actor_id=actor.id,
                             note=str(_l("Văn bản phúc đáp số %(no)s ngày %(d)s của %(agency)s: %(summary)s",
                                         no=doc_no, d=doc_date.strftime("%d/%m/%Y"), agency=agency, summary=summary)))
        db.session.flush()
        att = None
        if file is not None:
            att = Attachment(case_id=case.id, event_id=event.id, storage_key=key, original_name=file.original_name,
                             content_type=file.content_type, size=len(file.data), sha256=file.sha256, created_at=now)
            db.session.add(att)
            db.session.flush()
        reply = AgencyReply(case_id=case.id, event_id=event.id, agency=agency[:300], doc_no=doc_no[:100],
                            doc_date=doc_date, doc_year=doc_date.year, summary=summary,
                            attachment_id=att.id if att else None, created_by_id=actor.id, created_at=now)
        db.session.add(reply)
        db.session.flush()
    except BaseException:
        if key:
            storage.delete(key)
        raise
    return reply


def awaiting_reply(*, today: date, days: int, limit: int = 500) -> list[tuple[Case, int]]:
    """Transferred letters with no agency reply ``days`` or more after the transfer: the urging list
    (đôn đốc), oldest first, with the days waited and the number of urges already sent."""
    replied = select(AgencyReply.case_id)
    urges = (select(CaseEvent.case_id, func.count().label("n")).where(CaseEvent.action == "urge")
             .group_by(CaseEvent.case_id).subquery())
    rows = db.session.execute(
        select(Case, func.coalesce(urges.c.n, 0)).outerjoin(urges, urges.c.case_id == Case.id)
        .where(Case.status == Status.TRANSFERRED, Case.transfer_date.is_not(None),
               Case.transfer_date <= today - timedelta(days=days), Case.id.not_in(replied))
        .order_by(Case.transfer_date, Case.id).limit(limit)).all()
    return [(c, (today - c.transfer_date).days, n) for c, n in rows]
