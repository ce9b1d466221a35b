"""Limits shared by the models and the parsers, importable without Django set up (the
ingestion parser may run in a process of its own)."""

# The largest count a record may give (PostgreSQL's integer), enforced on every database:
# SQLite would store more, and its sums would overflow.
MAX_COUNT = 2_147_483_647
