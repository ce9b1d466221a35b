"""Staff admin: reports and their review, reference data, the grain corridor."""

from incidents.admin import ingestion, reference, reports

__all__ = ["ingestion", "reference", "reports"]
