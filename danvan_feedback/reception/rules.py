"""Moved to ``danvan_feedback.domain.reception`` (issue 11). Kept for the register import, which is
being reworked in parallel; drop it when that work imports from the domain."""
from ..domain.reception import csv_cell, visit_search_text  # noqa: F401
