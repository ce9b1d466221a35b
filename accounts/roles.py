"""The staff roles, as Django groups, and what each may do.

Row-level rules (a Reporter only touches their own organisation's drafts) live in
``incidents.services.review`` and ``incidents.selectors``; the permissions here
decide which screens and actions a role has at all.
"""

from __future__ import annotations

REPORTER = "Reporter"
VERIFIER = "Verifier"
ANALYST = "Analyst"

# Permission that lifts the "own organisation only" restriction on unpublished records.
ACCESS_ALL_ORGANISATIONS = "incidents.access_all_organisations"
