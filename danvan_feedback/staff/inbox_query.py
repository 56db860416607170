"""The inbox query: who sees which cases, saved views, filters, search and keyset pagination.

Reads only columns of ``cases`` joined to the kind and the handling unit, so no sender's personal
data can reach a list. A search by phone, ID number or full name compares the keyed blind indexes
of ``case_identities`` (HMAC digests, nothing decrypted), and never matches a protected case (one
that has been a denunciation) for anyone but its resolver and verifiers (``policy.can_search_identity``).

Order and pages. By deadline (the default): cases with a deadline first, by ``due_on`` then ``id``
(the order in which they were received), then cases without a deadline by ``id``. By received
date: newest first, ``received_at`` then ``id``. Pages are keyset pages (the cursor is the last or
first row's sort key), so page 4,000 costs what page 1 costs: each segment is one index range scan
(``ix_cases_due_on``, ``ix_cases_status_due_on``, ``ix_cases_received_at``).

A word search is different: whole words, ranked by the field they matched in (code > name >
subject > content), one bounded list of the best ``SEARCH_LIMIT`` (see ``_ranked_page``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, false, func, literal_column, or_, select, table, text, true, union
from sqlalchemy.orm import aliased

from .. import policy
from ..domain import status as st
from ..domain.vocabulary import Status
from ..domain.codes import normalize_tracking_code
from ..domain.validation import fold_diacritics
from ..extensions import db
from ..crypto import cccd_key, current_keyring, phone_key
from ..models import Case, CaseIdentity, CaseKind, CaseVerifier, Unit
from ..models.case import name_key
from ..policy import SECRET_IDENTITY_KINDS
from ..services.intake import SEARCH_END, SEARCH_MARKERS

from .inbox_params import (COUNT_CAP, MAX_WORDS, PAGE_SIZE,
    SEARCH_LIMIT, InboxParams)

_PHONE = re.compile(r"^\+?\d{6,15}$")
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
_WORD = re.compile(r"\w+")


class BadCursor(ValueError):
    pass


@dataclass
class Page:
    rows: list
    next_cursor: str | None = None
    prev_cursor: str | None = None
    count: int | None = None  # None: not counted
    count_capped: bool = False
    cursor_reset: bool = False
    extra: dict = field(default_factory=dict)


# -- the query ---------------------------------------------------------------------------------

def _like_escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_terms(q: str) -> tuple[str | None, list[str]]:
    """(tracking code, or None; folded words to match in ``search_text``).

    A code is matched exactly when what was typed reads as one ("dv 7k4m x9qp", "7K4M-X9QP" with
    its digits); an eight-letter word such as "khieunai" also has a code's shape, so without a digit
    or the DV prefix it is searched as a word (``search_text`` holds the code too, so a code typed
    without digits is still found). A phone number ("0912 345 678", "+84 912 345 678") becomes
    one word of digits starting with 0, as ``services.intake.search_text`` stores it. Words are
    folded: "khiếu nại" → "khieu", "nai".
    """
    code = normalize_tracking_code(q)
    if code and (any(ch.isdigit() for ch in q) or q.strip().upper().startswith("DV")):
        return code, []
    compact = _PHONE_SEPARATORS.sub("", q)
    if _PHONE.match(compact):
        digits = compact.lstrip("+")
        if compact.startswith("+84"):
            digits = "0" + digits[2:]
        return None, [digits]
    words = _WORD.findall(fold_diacritics(q))
    return None, list(dict.fromkeys(words))[:MAX_WORDS]


def _identity_clause(user, column, kind: str, value: str | None):
    """Cases whose sender's ``kind`` (phone, cccd, name) is exactly ``value``, by blind index; a
    protected case only for its resolver and verifiers."""
    if not value:
        return false()
    digests = current_keyring().indexes(kind, value)
    ids = select(CaseIdentity.case_id).where(column.in_(digests))
    open_to_all = and_(Case.protected.is_(False), Case.kind_code.not_in(sorted(SECRET_IDENTITY_KINDS)))
    mine = or_(Case.resolver_id == user.id,
               Case.id.in_(select(CaseVerifier.case_id).where(CaseVerifier.user_id == user.id)))
    return and_(Case.id.in_(ids), or_(open_to_all, mine))


def _fts_candidates(words: list[str]):
    """SQLite: the ids of cases whose ``search_text`` holds every word, from the FTS5 index kept by
    triggers (migration ``s3_sqlite_fts``). A superset of the whole-word LIKE (a hyphenated code's
    parts are words there), so it only narrows the rows the LIKE then reads."""
    query = " ".join(f'"{w}"' for w in words)  # words are \w+ runs: no quote to escape
    return (select(literal_column("rowid")).select_from(table("cases_fts"))
            .where(text("cases_fts MATCH :fts_query").bindparams(fts_query=query)))


def _words_clause(words: list[str]):
    """Every word matches a whole word of ``search_text`` (padded with spaces when written), so
    "hong" finds "Hồng" but not "không", and "an" not "anh".
    A pattern with no wildcard inside the word keeps the trigram index usable on PostgreSQL."""
    return and_(*[Case.search_text.like(f"% {_like_escape(w)} %", escape="\\") for w in words])


# Which field a match is in: code > name > subject > content (``MATCH_FIELDS[(8 - score) % 4]``).
MATCH_FIELDS = tuple(f for f, _m in SEARCH_MARKERS)


def _relevance(words: list[str], name_hit=None):
    """A score from 8 (every word in the code) down to 1: first whether all words are in one field
    (code 8, name 7, subject 6, content 5), else whether any is (code 4, name 3, subject 2, else 1)."""
    marks = [m for _f, m in SEARCH_MARKERS] + [SEARCH_END]

    def in_field(i: int, w: str):
        return Case.search_text.like(f"%{marks[i]}% {_like_escape(w)} %{marks[i + 1]}%", escape="\\")

    n = len(MATCH_FIELDS)
    whens = [(and_(*[in_field(i, w) for w in words]), 2 * n - i) for i in range(n)]
    if name_hit is not None:  # a sender's full name, found by its blind index (names are not in search_text)
        whens.insert(1, (name_hit, 2 * n - 1))
    whens += [(or_(*[in_field(i, w) for w in words]), n - i) for i in range(n - 1)]
    return case(*whens, else_=1)


def match_field(score: int | None) -> str | None:
    """The field a search result matched in (code, name, subject, content), from its score."""
    if not score:
        return None
    return MATCH_FIELDS[(2 * len(MATCH_FIELDS) - score) % len(MATCH_FIELDS)]


def scope_clause(user, dialect: str = "postgresql"):
    """Which cases this user may list: ``policy.case_scope``, on a unit column SQLite will not use an
    index for (see ``_low_cardinality``)."""
    return policy.case_scope(user, _low_cardinality(Case.handling_unit_id, dialect))


def local_bounds(d: date, tz: str) -> datetime:
    """The UTC instant at which the local day ``d`` begins."""
    return datetime.combine(d, time(0), tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)


def _low_cardinality(col, dialect: str):
    """``col`` as a term SQLite will not use an index for (status, kind, channel, unit: each value
    covers a large share of the cases).

    SQLite (without ANALYZE statistics, the usual case) prefers any index with an equality or IN
    on its first column, then sorts every matching row: for "status IN (4 open statuses)" or
    "kind = complaint" that is most of the table (240 ms at 100,000 cases). Walking
    ``ix_cases_due_on`` in order and filtering stops after 26 rows instead (under 1 ms).
    PostgreSQL plans from statistics and keeps the plain column.
    """
    if dialect != "sqlite":
        return col
    # An expression, not the column: "+ 0" for numbers, "|| ''" for text (the value is unchanged;
    # the operand types must match or SQLite compares 3 with '3' and finds nothing).
    return col + 0 if col.type.python_type is int else col.concat("")


def filter_clauses(user, p: InboxParams, *, today: date, soon_until: date, tz: str,
                   dialect: str = "postgresql") -> list:
    status_lc = _low_cardinality(Case.status, dialect)
    open_ = status_lc.in_(sorted(st.OPEN))
    c = [scope_clause(user, dialect)]
    view = p.view
    if view == "open":
        c.append(open_)
    elif view == "new":
        c.append(Case.status == Status.RECEIVED)
    elif view == "mine":
        c.append(or_(Case.assignee_id == user.id, Case.resolver_id == user.id))
    elif view == "unit":
        c.append(_low_cardinality(Case.handling_unit_id, dialect) == user.unit_id
                 if user.unit_id is not None else false())
    elif view == "due_soon":
        c += [open_, Case.due_on >= today, Case.due_on <= soon_until]
    elif view == "overdue":
        c += [open_, Case.due_on < today]
    elif view == "waiting":
        c.append(Case.status == Status.WAITING_CITIZEN)
    elif view == "closed":
        c.append(status_lc.not_in(sorted(st.OPEN)))
    if p.kind:
        c.append(_low_cardinality(Case.kind_code, dialect) == p.kind)
    if p.status:
        c.append(Case.status == p.status)
    if p.unit_id is not None:
        hu = _low_cardinality(Case.handling_unit_id, dialect)
        c.append(Case.handling_unit_id.is_(None) if p.unit_id == 0 else hu == p.unit_id)
    if p.assignee_id is not None:
        c.append(Case.assignee_id.is_(None) if p.assignee_id == 0 else Case.assignee_id == p.assignee_id)
    if p.channel:
        c.append(_low_cardinality(Case.channel, dialect) == p.channel)
    if p.received_from:
        c.append(Case.received_at >= local_bounds(p.received_from, tz))
    if p.received_to:
        c.append(Case.received_at < local_bounds(p.received_to + timedelta(days=1), tz))
    if p.group is not None:
        c.append(Case.is_group.is_(p.group))
    if p.q:
        code, words = search_terms(p.q)
        if code:
            c.append(Case.tracking_code == code)
        elif words:
            compact = _PHONE_SEPARATORS.sub("", p.q)
            if _PHONE.match(compact):  # a phone or an ID number: exact match on the blind indexes
                idents = [(CaseIdentity.phone_bidx, "phone", phone_key(compact)),
                          (CaseIdentity.cccd_bidx, "cccd", cccd_key(compact))]
            else:  # words, or a sender's full name typed out
                idents = [(CaseIdentity.name_bidx, "name", name_key(p.q))]
            c.append(or_(_words_clause(words), *[_identity_clause(user, *i) for i in idents]))
            if dialect == "sqlite":  # read only the candidates: the FTS matches and the identity hits
                ring = current_keyring()
                hits = [select(CaseIdentity.case_id).where(col.in_(ring.indexes(kind, value)))
                        for col, kind, value in idents if value]
                c.append(Case.id.in_(union(_fts_candidates(words), *hits)))
        else:
            c.append(false())  # only punctuation: nothing matches
    return c


# Segments of an order: (name, condition, key columns); each is an index range in that order.
def _segments(sort: str):
    if sort == "received":
        return [("r", true(), (Case.received_at, Case.id))]
    return [("d", Case.due_on.is_not(None), (Case.due_on, Case.id)),
            ("n", Case.due_on.is_(None), (Case.id,))]


def encode_cursor(seg: str, row) -> str:
    if seg == "d":
        return f"d.{row.due_on.isoformat()}.{row.id}"
    if seg == "n":
        return f"n.{row.id}"
    return f"r.{row.received_at.astimezone(timezone.utc).strftime('%Y%m%dT%H%M%S%f')}.{row.id}"


def decode_cursor(raw: str, sort: str) -> tuple[str, tuple]:
    """(segment, key values) of a cursor; ``BadCursor`` when it was not made by ``encode_cursor``
    for this order (edited by hand, or from another sort)."""
    parts = raw.split(".")
    try:
        if sort == "deadline" and parts[0] == "d" and len(parts) == 3:
            return "d", (date.fromisoformat(parts[1]), _pos_int(parts[2]))
        if sort == "deadline" and parts[0] == "n" and len(parts) == 2:
            return "n", (_pos_int(parts[1]),)
        if sort == "received" and parts[0] == "r" and len(parts) == 3:
            moment = datetime.strptime(parts[1], "%Y%m%dT%H%M%S%f").replace(tzinfo=timezone.utc)
            return "r", (moment, _pos_int(parts[2]))
    except (ValueError, OverflowError) as exc:
        raise BadCursor(raw) from exc
    raise BadCursor(raw)


def _pos_int(s: str) -> int:
    if not s.isascii() or not s.isdigit() or len(s) > 12:
        raise ValueError(s)
    return int(s)


def _beyond(cols, values, forward_up: bool):
    """Rows strictly past ``values`` in the order of ``cols`` (ascending if ``forward_up``),
    written so the first column bounds an index range."""
    if len(cols) == 1:
        return cols[0] > values[0] if forward_up else cols[0] < values[0]
    (a, b), (x, y) = cols, values
    if forward_up:
        return and_(a >= x, or_(a > x, b > y))
    return and_(a <= x, or_(a < x, b < y))


def _columns(locale: str):
    hu = aliased(Unit, name="hu")
    kind_name = CaseKind.name_en if locale == "en" else CaseKind.name_vi
    stmt = (select(Case.id, Case.tracking_code, Case.subject, Case.kind_code, kind_name.label("kind_name"),
                   Case.status, Case.handling_unit_id, hu.name.label("unit_name"), Case.received_at,
                   Case.due_on, Case.is_group, Case.group_size)
            .join(CaseKind, CaseKind.code == Case.kind_code)
            .outerjoin(hu, hu.id == Case.handling_unit_id))
    return stmt


def _run_segments(base, clauses, segments, start: int, cursor_vals, *, ascending: bool, limit: int):
    """Fetch up to ``limit`` rows walking ``segments`` from index ``start`` (forwards when
    ``ascending`` is the natural order), starting past ``cursor_vals`` in the first one."""
    out: list[tuple[str, object]] = []
    order = range(start, len(segments)) if ascending else range(start, -1, -1)
    first = True
    for i in order:
        name, cond, cols = segments[i]
        where = [*clauses, cond]
        if first and cursor_vals is not None:
            where.append(_beyond(cols, cursor_vals, ascending))
        first = False
        ordering = [c.asc() if ascending else c.desc() for c in cols]
        rows = db.session.execute(base.where(*where).order_by(*ordering).limit(limit - len(out))).all()
        out += [(name, r) for r in rows]
        if len(out) >= limit:
            break
    return out


def _ranked_page(clauses, words: list[str], p: InboxParams, *, locale: str, dialect: str) -> Page:
    """A word search: one bounded list, not keyset pages. The matches are ordered by relevance
    (``_relevance``: code > name > subject > content), then in the chosen order; the first
    ``SEARCH_LIMIT`` are shown and ``extra["more"]`` says there are more (the page then asks to
    refine the search). Cursors are ignored: a relevance order has no cheap keyset."""
    # a sender found by the blind index of the full name, phone or CCCD typed: ranked as a name match
    ring, hits = current_keyring(), []
    for column, kind, value in ((CaseIdentity.name_bidx, "name", name_key(p.q)),
                                (CaseIdentity.phone_bidx, "phone", phone_key(p.q)),
                                (CaseIdentity.cccd_bidx, "cccd", cccd_key(p.q))):
        if value:
            hits.append(column.in_(ring.indexes(kind, value)))
    name_hit = Case.id.in_(select(CaseIdentity.case_id).where(or_(*hits))) if hits else None
    score = _relevance(words, name_hit).label("match_score")
    if p.sort == "received":
        order = [score.desc(), Case.received_at.desc(), Case.id.desc()]
    else:
        order = [score.desc(), Case.due_on.is_(None), Case.due_on, Case.id]
    stmt = _columns(locale).add_columns(score).where(*clauses).order_by(*order).limit(SEARCH_LIMIT + 1)
    rows = db.session.execute(stmt).all()
    page = Page(rows=rows[:SEARCH_LIMIT])
    page.extra["more"] = len(rows) > SEARCH_LIMIT
    if not page.extra["more"]:
        page.count = len(page.rows)
    else:
        capped = select(Case.id).where(*clauses).limit(COUNT_CAP + 1).subquery()
        n = db.session.execute(select(func.count()).select_from(capped)).scalar_one()
        page.count, page.count_capped = min(n, COUNT_CAP), n > COUNT_CAP
    return page


def fetch_page(user, p: InboxParams, *, today: date, soon_until: date, tz: str, locale: str,
               page_size: int = PAGE_SIZE) -> Page:
    dialect = db.engine.dialect.name
    clauses = filter_clauses(user, p, today=today, soon_until=soon_until, tz=tz, dialect=dialect)
    words = search_terms(p.q)[1] if p.q else []
    if words:
        return _ranked_page(clauses, words, p, locale=locale, dialect=dialect)
    segments = _segments(p.sort)
    names = [s[0] for s in segments]
    # Natural direction of each order: deadline ascending, received descending.
    natural_up = p.sort == "deadline"
    base = _columns(locale)
    page = Page(rows=[])
    raw, backwards = (p.before, True) if p.before else (p.after, False)
    seg_i, vals = 0, None
    if raw:
        try:
            seg, vals = decode_cursor(raw, p.sort)
            seg_i = names.index(seg)
        except BadCursor:
            page.cursor_reset, raw, backwards, seg_i, vals = True, None, False, 0, None
    if backwards:
        got = _run_segments(base, clauses, segments, seg_i, vals, ascending=not natural_up,
                            limit=page_size + 1)
        if len(got) <= page_size:  # back at the start: show a full first page
            raw, backwards, seg_i, vals = None, False, 0, None
        else:
            got = list(reversed(got[:page_size]))
            page.rows = [r for _n, r in got]
            page.prev_cursor = encode_cursor(*got[0])
            page.next_cursor = encode_cursor(*got[-1])
    if not backwards:
        got = _run_segments(base, clauses, segments, seg_i, vals, ascending=natural_up,
                            limit=page_size + 1)
        more = len(got) > page_size
        got = got[:page_size]
        page.rows = [r for _n, r in got]
        if got and more:
            page.next_cursor = encode_cursor(*got[-1])
        if got and raw:
            page.prev_cursor = encode_cursor(*got[0])
    capped = select(Case.id).where(*clauses).limit(COUNT_CAP + 1).subquery()
    n = db.session.execute(select(func.count()).select_from(capped)).scalar_one()
    page.count, page.count_capped = min(n, COUNT_CAP), n > COUNT_CAP
    return page
