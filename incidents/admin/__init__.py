"""Staff admin: reports and their review, reference data, the grain corridor."""

from incidents.admin import events, ingestion, reference, reports

__all__ = ["events", "ingestion", "reference", "reports"]
