"""SQLAlchemy models, one module per aggregate. Importing this package registers every table."""
from .base import utcnow
from .org import CaseKind, Commune, DeadlineRule, HolidayOverride, OrgSetting, ReplyTemplate, Service, Unit
from .case import Attachment, Case, CaseEvent, CaseIdentity, CaseVerifier, ReceiptHold
from .audit import AuditRecord
from . import reception, survey  # noqa: F401  (their tables register themselves)
from .letters import AgencyReply, IssuedDocument
from .outbox import OutboxMessage
from .auth import ApiKey, User
from .imports import ImportJob, ImportMapping
from .report import ReportFile, ReportJob, ReportSnapshot

__all__ = [
    "utcnow", "CaseKind", "Commune", "DeadlineRule", "HolidayOverride", "OrgSetting", "Service",
    "Unit", "ReplyTemplate", "Attachment", "Case", "CaseEvent", "CaseIdentity", "CaseVerifier", "ReceiptHold", "AuditRecord", "OutboxMessage", "ApiKey", "User",
    "AgencyReply", "IssuedDocument",
    "ImportJob", "ImportMapping",
    "ReportFile", "ReportJob", "ReportSnapshot",
]
