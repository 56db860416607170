"""The period reports (issue 5): ``figures`` counts a period (SQL in ``domain.report_queries``) and
shapes its tables; ``exports`` and ``workbook`` write the files; ``signoff`` freezes a closed
period; ``jobs`` runs the exports in the background. The pages are in ``reports/``."""
