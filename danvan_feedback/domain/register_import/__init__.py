"""Reading an office's existing registers: the letters register (sổ theo dõi đơn thư) and the
citizen-reception book (sổ tiếp công dân), kept for years in Excel.

Pure rules, no Flask, no database: which column holds what (headers guessed with or without
diacritics), how a cell becomes a value (dates in mixed formats, Excel serial numbers, ID and phone
numbers that lost their leading zero), which lines are not records (blank lines, totals, signature
blocks) and what makes a row unacceptable. Problems are codes with parameters; the web layer and the
command line turn them into sentences (``importing/labels.py``).

The letters register's columns follow the practice of Circular 05/2021/TT-TTCP (sổ tiếp nhận, xử lý
đơn): number, date received, sender, address, ID, content, kind, processing (thụ lý, không thụ lý,
chuyển, hướng dẫn, lưu) and its date, the unit assigned, the outcome and its date. The reception book
follows form 03 of Circular 04/2021/TT-TTCP (Law on Citizen Reception 2013 art. 25).

The package: ``text`` (folding, blanks), ``fields`` (the registers' fields, header guessing),
``cells`` (a cell to a value), ``vocab`` (the office's words), ``rows`` (records, keys, merged
cells, a letter's history) and ``validator`` (rows to clean values and problems).
"""
from __future__ import annotations

from .cells import (CellError, from_serial, parse_bool, parse_date, parse_int, repair_cccd,
                    repair_phone)
from .fields import (DATE_FIELDS, FIELDS, LETTER_FIELDS, VISIT_FIELDS, Field, check_mapping, find_header,
                     find_header_by_texts, guess_mapping)
from .rows import (NO_CONTENT, HistoryStep, MergeFiller, Problem, _cached, digest, letter_history, row_key,
                   row_role, summary_frame)
from .text import EARLIEST, EXCEL_EPOCH, HEADER_SCAN_ROWS, ImportProblem, fold, is_blank, text_of
from .validator import RowValidator
from .vocab import (COMPLEXITY_WORDS, DECISION_WORDS, HANDLING_WORDS, HEAD_WORDS, KIND_WORDS, OUTCOME_WORDS,
                    RECEPTION_TYPE_WORDS, Vocabulary, _lookup)

__all__ = ["CellError", "from_serial", "parse_bool", "parse_date", "parse_int", "repair_cccd", "repair_phone",
           "DATE_FIELDS", "FIELDS", "LETTER_FIELDS", "VISIT_FIELDS", "Field", "check_mapping", "find_header",
           "find_header_by_texts", "guess_mapping", "NO_CONTENT", "HistoryStep", "MergeFiller", "Problem", "_cached",
           "digest", "letter_history", "row_key", "row_role", "summary_frame", "EARLIEST", "EXCEL_EPOCH",
           "HEADER_SCAN_ROWS", "ImportProblem", "fold", "is_blank", "text_of", "RowValidator", "COMPLEXITY_WORDS",
           "DECISION_WORDS", "HANDLING_WORDS", "HEAD_WORDS", "KIND_WORDS", "OUTCOME_WORDS", "RECEPTION_TYPE_WORDS",
           "Vocabulary", "_lookup"]
