"""Reading the questionnaire editor's form (staff page "Tiêu chí khảo sát"): the wording, the
retired and new questions, the scale. Saving it creates a new version (services.survey)."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from ..services import survey as svc
from .forms import MESSAGES


@dataclass
class Draft:
    """A questionnaire as the editor sent it, and what is wrong with it."""

    spec: list[tuple[str, str, str]] = field(default_factory=list)  # (code, factor, label)
    labels_en: dict[str, str] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)
    scale: list[str] = field(default_factory=list)
    scale_en: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def same_as(self, version) -> bool:
        """Nothing changed against ``version`` (saving would make an identical version)."""
        return version is not None and self.scale == version.scale \
            and self.spec == [(c.code, c.factor, c.label) for c in version.criteria] \
            and (self.scale_en or None) == version.scale_en \
            and self.labels_en == {c.code: c.label_en for c in version.criteria if c.label_en} \
            and self.required == {c.code for c in version.criteria if c.required}


def _lines(text: str | None) -> list[str]:
    return [s.strip() for s in (text or "").splitlines() if s.strip()]


def _read_questions(draft: Draft, version, data) -> None:
    """The kept questions (with their English wording and whether they are required), then a new one."""
    for c in (version.criteria if version else []):
        if data.get(f"retire_{c.code}"):
            continue
        label = (data.get(f"label_{c.code}") or "").strip()
        if not label or len(label) > 300:
            draft.errors.append(_("Nội dung câu hỏi không được để trống và tối đa 300 ký tự."))
            continue
        draft.spec.append((c.code, c.factor, label))
        if label_en := (data.get(f"label_en_{c.code}") or "").strip()[:300]:
            draft.labels_en[c.code] = label_en
        if data.get(f"required_{c.code}"):
            draft.required.add(c.code)
    new_label = (data.get("new_label") or "").strip()
    new_factor = data.get("new_factor") or ""
    if new_label:
        if new_factor not in svc.FACTORS or len(new_label) > 300:
            draft.errors.append(_("Câu hỏi mới cần nội dung (tối đa 300 ký tự) và một nhóm tiêu chí."))
        else:
            used = {c for c, _f, _t in draft.spec} | {c.code for c in (version.criteria if version else [])}
            n = 1
            while f"c{n}" in used:
                n += 1
            draft.spec.append((f"c{n}", new_factor, new_label))


def read_draft(version, data) -> Draft:
    """The editor's form ``data`` for the questionnaire currently at ``version`` (None: none yet)."""
    draft = Draft()
    if data.get("version") != str(version.id if version else ""):
        draft.errors.append(str(MESSAGES["version_changed"]))
    _read_questions(draft, version, data)
    draft.scale = _lines(data.get("scale"))
    if not 2 <= len(draft.scale) <= 10 or any(len(s) > 60 for s in draft.scale):
        draft.errors.append(_("Thang đo cần từ 2 đến 10 mức, mỗi mức một dòng (tối đa 60 ký tự), từ thấp đến cao."))
    draft.scale_en = _lines(data.get("scale_en"))
    if draft.scale_en and (len(draft.scale_en) != len(draft.scale) or any(len(s) > 60 for s in draft.scale_en)):
        draft.errors.append(_("Thang đo tiếng Anh cần đúng số mức như thang đo tiếng Việt (mỗi mức tối đa 60 ký tự)."))
    if draft.spec and not draft.required:
        draft.errors.append(_("Cần ít nhất một câu bắt buộc trả lời (thường là câu đánh giá chung)."))
    if not draft.spec:
        draft.errors.append(_("Bảng câu hỏi cần ít nhất một câu hỏi."))
    return draft
