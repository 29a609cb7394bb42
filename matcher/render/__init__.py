"""Turning results into what people read: tables, the meeting report, plans, charts and
privacy transforms."""
