"""Reports for the office (issue 5): periods, statistics tables, charts, exports, sign-off."""
