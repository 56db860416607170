"""Writing a few new rows without the session's unit of work, for the public submission path."""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import insert
from sqlalchemy import inspect as sa_inspect

from ..extensions import db


@lru_cache(maxsize=32)
def _insert_stmt(table):
    return insert(table)


@lru_cache(maxsize=32)
def _columns(mapper) -> tuple[tuple[str, str], ...]:
    """(attribute key, column key) of every column attribute of ``mapper``, looked up once."""
    return tuple((attr.key, attr.columns[0].key) for attr in mapper.column_attrs)


def insert_row(obj) -> None:
    """INSERT the row of a new (transient) ORM object now, with Core, in the session's transaction,
    and set its generated primary key on it.

    Column defaults and types apply as for a flush; the object stays out of the session, a plain
    record of what was written (reading a relationship from it loads nothing). An object already
    added to the session is taken out of it first, so it is not inserted twice.
    """
    state = sa_inspect(obj)
    if state.session_id is not None:
        db.session.expunge(obj)
    mapper = state.mapper
    given = state.dict
    values = {column: given[key] for key, column in _columns(mapper) if key in given}
    result = db.session.connection().execute(_insert_stmt(mapper.local_table), values)
    pk = mapper.primary_key
    if len(pk) == 1 and pk[0].key not in values:
        setattr(obj, mapper.get_property_by_column(pk[0]).key, result.inserted_primary_key[0])
