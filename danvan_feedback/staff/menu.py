"""Moved: the menu registry is ``danvan_feedback.console``, role words are ``danvan_feedback.labels``.
These names stay for the blueprints not yet switched over (issue 11); new code imports from there."""
from ..console import MenuItem, register, staff_menu  # noqa: F401
from ..labels import ROLE_LABELS, role_label  # noqa: F401
