"""Kept for the imports of earlier code: the write rule lives in :mod:`.uow`."""
from .uow import begin_write  # noqa: F401
