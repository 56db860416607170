"""Writing a few new rows without the session's unit of work, for the public submission path
(and the two statements every write sends: ``BEGIN IMMEDIATE`` on SQLite, the reference data's
version).

:func:`insert_values` sends one ``INSERT`` straight to the driver, in the session's transaction:
the statement is compiled by SQLAlchemy once per table, dialect and set of columns, with its column
defaults and type processing (encryption of identity columns, UTC timestamps, booleans), and only
the execution (SQLAlchemy's execution context and result objects, about a tenth of a millisecond
per statement) is skipped. A driver error is raised as SQLAlchemy's (``IntegrityError``,
``OperationalError``: the retry loop of ``uow.run_write`` reads them). When something listens to
the statements sent (``before_cursor_execute``, e.g. ``bench.profile_submit`` listing them), the
INSERT goes through SQLAlchemy's execution instead, so the listener sees it.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import insert
from sqlalchemy.exc import DBAPIError

from ..extensions import db


@dataclass(frozen=True)
class _Plan:
    sql: str
    names: tuple[str, ...]  # bind names in the driver's order
    processors: tuple  # per name: SQLAlchemy's bind processor, or None
    defaults: tuple  # (column key, ColumnDefault) of columns given no value
    positional: bool
    pk_key: str | None  # the generated primary key to read back, or None
    returning: bool  # read it with RETURNING (else the cursor's lastrowid)


@lru_cache(maxsize=128)
def _plan(dialect, table, keys: tuple[str, ...]) -> _Plan:
    pk = list(table.primary_key.columns)
    pk_key = pk[0].key if len(pk) == 1 and pk[0].key not in keys else None
    returning = pk_key is not None and dialect.name != "sqlite"
    statement = insert(table).returning(pk[0]) if returning else insert(table)
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    positional = bool(compiled.positional)
    names = tuple(compiled.positiontup if positional else compiled.binds)
    if compiled.escaped_bind_names or any(compiled.binds[n].key != n for n in names):
        raise ValueError(f"insert_values: {table.name} needs SQLAlchemy's execution (escaped names)")
    given = set(keys)
    defaults = tuple((c.key, c.default) for c in compiled.insert_prefetch if c.key not in given)
    if any(not (d.is_scalar or d.is_callable) for _k, d in defaults):
        raise ValueError(f"insert_values: {table.name} has a default SQLAlchemy must compute")
    processors = tuple(compiled._bind_processors.get(n) for n in names)
    return _Plan(compiled.string, names, processors, defaults, positional, pk_key, returning)


def insert_values(table, values: dict):
    """INSERT one row of ``table`` now, in the session's transaction; its generated primary key
    (None when ``values`` gives it, or the table has a composite one)."""
    conn = db.session.connection()
    if conn.dispatch.before_cursor_execute:  # someone watches the statements: let SQLAlchemy send it
        result = conn.execute(_insert_stmt(table), values)
        return result.inserted_primary_key[0] if _plan(conn.dialect, table, tuple(values)).pk_key else None
    dialect = conn.dialect
    plan = _plan(dialect, table, tuple(values))
    row = dict(values)
    for key, default in plan.defaults:
        row[key] = default.arg if default.is_scalar else default.arg(None)
    params = [row[n] if p is None else p(row[n]) for n, p in zip(plan.names, plan.processors)]
    if not plan.positional:
        params = dict(zip(plan.names, params))
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.execute(plan.sql, params)
        if plan.pk_key is None:
            return None
        return cursor.fetchone()[0] if plan.returning else cursor.lastrowid
    except dialect.loaded_dbapi.Error as exc:
        _raise_as_sqlalchemy(dialect, plan.sql, params, exc)
    finally:
        cursor.close()


@lru_cache(maxsize=32)
def _insert_stmt(table):
    return insert(table)


def _raise_as_sqlalchemy(dialect, sql: str, params, exc: Exception):
    raise DBAPIError.instance(sql, params, exc, dialect.loaded_dbapi.Error, dialect=dialect) from exc


def execute_plain(conn, sql: str) -> None:
    """Run ``sql`` (no parameters, no result: ``BEGIN IMMEDIATE``) on ``conn`` straight at the
    driver; through SQLAlchemy's execution when a listener watches the statements."""
    if conn.dispatch.before_cursor_execute:
        conn.exec_driver_sql(sql)
        return
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.execute(sql)
    except conn.dialect.loaded_dbapi.Error as exc:
        _raise_as_sqlalchemy(conn.dialect, sql, None, exc)
    finally:
        cursor.close()


@lru_cache(maxsize=16)
def _query_plan(dialect, statement) -> tuple[str, object]:
    compiled = statement.compile(dialect=dialect)
    values = compiled.construct_params()
    names = compiled.positiontup if compiled.positional else list(values)  # names as the SQL holds them
    processed = [values[n] if (p := compiled._bind_processors.get(n)) is None else p(values[n]) for n in names]
    return compiled.string, (tuple(processed) if compiled.positional else dict(zip(names, processed)))


def fetch_value(statement):
    """The first column of the first row of ``statement`` (a constant SELECT of one text or number
    column, e.g. the reference data's version), or None; sent straight to the driver, compiled once,
    in the session's transaction."""
    conn = db.session.connection()
    if conn.dispatch.before_cursor_execute:
        return conn.execute(statement).scalar()
    sql, params = _query_plan(conn.dialect, statement)
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        return row[0] if row else None
    except conn.dialect.loaded_dbapi.Error as exc:
        _raise_as_sqlalchemy(conn.dialect, sql, params, exc)
    finally:
        cursor.close()
