from ..extensions import db


def begin_write() -> None:
    """Start a fresh write transaction; on SQLite it takes the write lock at once (BEGIN IMMEDIATE)."""
    db.session.rollback()
    db.session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
