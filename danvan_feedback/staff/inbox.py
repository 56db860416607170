"""The inspectors' inbox: saved views, filters, search, pagination."""
