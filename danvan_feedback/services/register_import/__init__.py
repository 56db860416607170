"""Bringing the office's old registers in: letters (with their history) and reception visits.

Two passes over the file, so nothing is written before every row has been checked:

1. :func:`check` reads the file in chunks (``register_files``), validates each row
   (``domain.register_import``), looks the rows' keys up in the database (new, changed or
   unchanged) and spools the accepted rows to a temporary file. Its :class:`Plan` is the dry run:
   counts per kind and year, the rejected rows with line, column and problem.
2. :func:`apply` writes the spooled rows in one transaction, under the import's lock: new letters become cases with
   their events at their real dates (channel ``import``, actor ``import``), identity in
   ``case_identities`` through the model like any other case; a row whose key exists with the same
   values is left alone; a corrected row updates its case, appends the events it adds, and leaves an
   ``import_update`` event and an audit record.

New letters are written in bulk (``services.bulk``: ``COPY`` on PostgreSQL, one prepared ``INSERT``
run by ``executemany`` on SQLite), ``BATCH`` rows at a time: their case ids are reserved first,
so their events are hash-chained with ``services.events.seal`` (keyed; the chain starts at
``GENESIS`` for a new case) before anything is written, and nothing is read back. Identity fields
are encrypted and given their blind indexes as the model would. Updates append through
``append_event``. Memory stays flat with the file's length: chunks of rows in, batches out; what
spans the file is one key per row (duplicates) and one tracking code per new case.

The package: ``plan`` (the check and its plan), ``letters`` and ``visits`` (what a row becomes),
``write`` (the transaction).
"""
from __future__ import annotations

from ...domain import register_import as ri
from .letters import tracking_codes
from .plan import (
                   ACTOR,
                   BATCH,
                   CHANNEL,
                   EVENT_HOUR,
                   MAX_PROBLEMS,
                   Plan,
                   Progress,
                   Result,
                   check,
                   discard,
                   mapping_from_saved,
                   problem_json,
                   read_header,
                   save_mapping,
                   saved_mapping,
                   vocabulary,
)
from .write import SQLITE_CACHE_KIB, apply

__all__ = ["ri", "tracking_codes", "ACTOR", "BATCH", "CHANNEL", "EVENT_HOUR", "MAX_PROBLEMS", "Plan", "Progress",
           "Result", "check", "discard", "mapping_from_saved", "problem_json", "read_header", "save_mapping",
           "saved_mapping", "vocabulary", "SQLITE_CACHE_KIB", "apply"]
