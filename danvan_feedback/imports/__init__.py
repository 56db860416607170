"""Staff pages and command line for bringing the office's old registers in (issue 16)."""
