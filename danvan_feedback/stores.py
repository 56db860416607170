"""The app's file stores as a Flask extension (``extensions.file_stores``), built by the factory."""
from __future__ import annotations

from flask import current_app

from .storage import LocalStorage


class FileStores:
    """The app's file stores, built once by the factory from the settings (``init_app``): the one place
    that knows which folder holds which files. ``file_stores.attachments`` (``extensions.file_stores``) and the like give the current
    app's store.

    - attachments: citizens' and staff's files on cases (``UPLOAD_DIR``);
    - minutes: dialogue minutes (``RECEPTION_UPLOAD_DIR``, else beside the attachments), kept apart
      because the attachment sweep knows only attachments;
    - documents: issued documents, letters and receipts (beside the attachments, ``_van_ban``);
    - imports: old registers being imported (``IMPORT_DIR``, else ``_imports``);
    - exports: report files (``REPORT_EXPORT_DIR``, else ``_reports``).
    """

    NAMES = ("attachments", "minutes", "documents", "imports", "exports")

    @staticmethod
    def roots(cfg) -> dict[str, str]:
        base = cfg["UPLOAD_DIR"].rstrip("/\\")
        return {
            "attachments": cfg["UPLOAD_DIR"],
            "minutes": cfg.get("RECEPTION_UPLOAD_DIR") or base + "_doi_thoai",
            "documents": base + "_van_ban",
            "imports": cfg.get("IMPORT_DIR") or base + "_imports",
            "exports": cfg.get("REPORT_EXPORT_DIR") or base + "_reports",
        }

    def init_app(self, app) -> None:
        """Build the stores from ``app.config`` (again, if a test changed a folder afterwards)."""
        app.extensions["file_stores"] = {name: LocalStorage(root) for name, root in self.roots(app.config).items()}

    def get(self, name: str) -> LocalStorage:
        return current_app.extensions["file_stores"][name]

    @property
    def attachments(self) -> LocalStorage:
        return self.get("attachments")

    @property
    def minutes(self) -> LocalStorage:
        return self.get("minutes")

    @property
    def documents(self) -> LocalStorage:
        return self.get("documents")

    @property
    def imports(self) -> LocalStorage:
        return self.get("imports")

    @property
    def exports(self) -> LocalStorage:
        return self.get("exports")
