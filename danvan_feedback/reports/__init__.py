"""Reports for the office (issue 5): the pages (periods, tables, charts, downloads, sign-off), the
``flask report`` commands and the charts' shapes. The figures, files, sign-off and background jobs
are in ``services.reports``; the headings in ``report_labels``."""
