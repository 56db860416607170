"""Survey models (issue: service satisfaction survey)."""
