"""The writes of the case page: ``case_action`` (one rule for writes) and the action pages of
"Bạn muốn làm gì?" with their confirmation step (issue 14). The page itself is ``cases``."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import DBAPIError

from .. import policy
from ..clock import now as _now
from ..extensions import db, file_stores
from ..labels import staff_status_label
from ..models import Case
from ..services import identity as ident
from ..services import triage, uow
from ..services.decisions import DECISION_ACTIONS
from ..services.intake import local_date
from . import actions
from ..labels import ACTION
from .cases import (ERRORS, _allowed_actions, _conflict_page, _ctx, _fill_template, _int, _load, _run,
                    _templates, render_case)
from .decision_form import decision_context, finish
from .views import bp


def render_action(case: Case, action: str, *, seq: int, values: dict | None = None, errors: dict | None = None,
                  message: str | None = None, status_code: int = 200, confirm_rows: list | None = None,
                  held: list | None = None, held_token: str = ""):
    """An action page (its form), or its confirmation page when ``confirm_rows`` is given."""
    secret = ident.needs_reveal(case)
    fields = actions.fields_for(action, case, secret)
    shown = values if values is not None else actions.defaults(action, case, ident.verifier_ids(case.id))
    if action == "reply" and values is None and request.args.get("mau"):
        shown = {"text": _fill_template(case, request.args.get("mau"), not secret)}
    return render_template(
        "staff/action.html", case=case, action=action, label=ACTION[action],
        what=actions.WHAT.get(action, ""), fields=fields, values=shown, errors=errors or {}, message=message,
        allowed=action in _allowed_actions(case), confirm=action in actions.CONFIRM, confirm_rows=confirm_rows,
        confirm_button=actions.CONFIRM_BUTTON.get(action, ACTION[action]), seq=seq,
        decision=action in DECISION_ACTIONS, held=held or [], held_token=held_token,
        status=staff_status_label(case.status), reply_templates=_templates("reply") if action == "reply" else [],
        reason_templates=_templates("reason") if action == "refuse" else [],
        today=local_date(_now(), current_app.config["BABEL_DEFAULT_TIMEZONE"]),
        name=action, dv_values={**(shown or {}), "_action": action}), status_code


@bp.post("/ho-so/<int:case_id>/thao-tac/<action>")
def case_action(case_id: int, action: str):
    """One rule for writes: lock the case row, then validate against the fresh state and against
    what the page showed (``seq``: its last event), write, commit once. The loser of a race sees 409.
    A refused action comes back on its action page, with what was typed and the error by its field."""
    seen = _int("seq")
    case = uow.lock_case(case_id)
    if case is None or not policy.can_view_case(current_user, case):
        db.session.rollback()
        abort(404)
    stored = None
    held: list = []
    try:
        changes = uow.changes_since(case.id, seen)
        if changes:
            raise uow.Conflict(changes=changes)
        entered = _ctx()
        ctx, signed_file = decision_context(action, case, entered)  # a decision's document and effective date
        if signed_file is None and action in DECISION_ACTIONS:  # chosen on the form, held for the confirmation
            files, held = actions.held_signed_file()
            signed_file = files[0] if files else None
        event = _run(action, case, ctx)
        stored = finish(action, event, case, entered=entered, signed_file=signed_file)
        db.session.commit()
    except uow.Conflict as exc:
        return _conflict_page(case_id, action, exc)
    except triage.TriageError as exc:
        if stored:
            file_stores.attachments.delete(stored)
        db.session.rollback()
        return _refused(case_id, action, exc, seen, held)
    except DBAPIError as exc:
        if not uow.retryable(exc):
            raise
        return _conflict_page(case_id, action, uow.Conflict())  # a deadlock between two writers
    actions.release_held(held)  # the case keeps its own copy
    flash(_("Đã thực hiện: %(action)s.", action=ACTION.get(action, action)), "success")
    return redirect(url_for("staff.case_detail", case_id=case_id), code=303)


def _refused(case_id: int, action: str, exc: triage.TriageError, seen: int | None, held: list | None = None):
    """422: the action page again, what was typed kept, the error in words next to its field."""
    case = _load(case_id)
    if not actions.known_action(action):
        values = {k: v for k, v in request.form.items() if k not in ("csrf_token", "seq")}
        values["_action"] = action
        return render_case(case, status_code=422, error=str(ERRORS["unknown_action"]), values=values)
    fields = actions.fields_for(action, case, ident.needs_reveal(case))
    message = actions.human_message(exc, ERRORS, fields)
    return render_action(
        case, action, seq=seen if seen is not None else uow.last_seq(case.id),
        values=actions.submitted_values(fields, action), message=message,
        errors=actions.field_errors(exc, message, fields, action), status_code=422,
        held=held or [], held_token=request.form.get("held_token", "") if held else "")


@bp.get("/ho-so/<int:case_id>/xu-ly/<action>")
def action_page(case_id: int, action: str):
    """One action on a page of its own: what it does, its form (then its confirmation)."""
    actions.guard(action)
    case = _load(case_id)
    return render_action(case, action, seq=uow.last_seq(case.id))


@bp.post("/ho-so/<int:case_id>/xu-ly/<action>")
def action_review(case_id: int, action: str):
    """The confirmation step: the action is checked against the locked row and rolled back (nothing
    is written); then the confirmation page shows what will be recorded. ``step=edit`` goes back to
    the form with what was typed."""
    actions.guard(action)
    seen = _int("seq")
    if request.form.get("step") == "edit":
        case = _load(case_id)
        fields = actions.fields_for(action, case, ident.needs_reveal(case))
        _files, held = actions.held_signed_file()
        return render_action(case, action,
                             seq=seen if seen is not None else uow.last_seq(case.id),
                                     values=actions.submitted_values(fields, action), held=held,
                                     held_token=request.form.get("held_token", "") if held else "")
    case = uow.lock_case(case_id)
    if case is None or not policy.can_view_case(current_user, case):
        db.session.rollback()
        abort(404)
    try:
        changes = uow.changes_since(case.id, seen)
        if changes:
            raise uow.Conflict(changes=changes)
        entered = _ctx()
        ctx, signed_file = decision_context(action, case, entered)
        _run(action, case, ctx)  # the same checks as the write, against the locked row
    except uow.Conflict as exc:
        return _conflict_page(case_id, action, exc)
    except triage.TriageError as exc:
        db.session.rollback()
        _files, held = actions.held_signed_file()
        return _refused(case_id, action, exc, seen, held)
    except DBAPIError as exc:
        if not uow.retryable(exc):
            raise
        return _conflict_page(case_id, action, uow.Conflict())
    finally:
        db.session.rollback()  # a check only: nothing of it is kept
    case = _load(case_id)
    fields = actions.fields_for(action, case, ident.needs_reveal(case))
    values = actions.submitted_values(fields, action)
    if signed_file is not None:
        _old, previous = actions.held_signed_file()
        actions.release_held(previous)
        try:
            token, held = actions.hold_signed_file(signed_file)
        except triage.TriageError as exc:
            return _refused(case_id, action, exc, seen)
    else:
        _files, held = actions.held_signed_file()
        token = request.form.get("held_token", "") if held else ""
    return render_action(case, action, seq=seen or 0, values=values,
                                 confirm_rows=actions.summary(fields, values, action, held), held=held,
                                 held_token=token)
