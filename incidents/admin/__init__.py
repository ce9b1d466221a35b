"""Staff admin: reports and their review, reference data, the grain corridor."""

from incidents.admin import reference, reports

__all__ = ["reference", "reports"]
