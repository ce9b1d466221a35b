"""Cached aggregate figures, invalidated whenever the data behind them change.

Every cached value is stored with the current *figures version*, a token kept in the
shared cache, and is used only while that token is still current. Any write to a record
that figures are computed from (an admin edit, a review decision, a deletion, a batch of
ingested rows, new boundaries) replaces the token once its transaction commits, so every
reader computes afresh from then on and replaces the stale entry. Values that depend on
the clock ("people without power now") are also bounded by ``FIGURES_CACHE_SECONDS``.

Without the cache, figures are computed on every request and nothing is raised (see
``impact.cache.through_cache``). What a cache outage must not do is hide a change: a write
during the outage cannot replace the token, and a cache that comes back with its data (a
hung or partitioned Redis, or one that persists to disk) still holds entries computed
before the write under the old token. Two things close that:

- A process that saw the cache fail starts a fresh token namespace (a new token) at its
  next successful contact, before it reads anything. Every web process serving requests
  during an outage sees it, so in practice the first request after recovery invalidates
  all entries from before.
- That cannot cover a writer that alone saw the outage and exited (``manage.py ingest``)
  or writes rarely (a worker), so every entry expires after ``FIGURES_CACHE_SECONDS``
  whatever its token: that is the longest a lost invalidation can show. The token itself
  needs no expiry: an entry older than its own expiry is never served, under any token.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from contextlib import suppress
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from impact.cache import CacheUnavailable, through_cache

VERSION_KEY = "figures:version"
T = TypeVar("T")


class _Namespace:
    """Whether this process owes the cache a fresh token (it saw the cache fail)."""

    is_owed = False


def _through_cache(operation: str, call: Callable[[], T]) -> T:
    try:
        if _Namespace.is_owed:
            through_cache("start a fresh figures version", _new_version)
            _Namespace.is_owed = False
        return through_cache(operation, call)
    except CacheUnavailable:
        _Namespace.is_owed = True
        raise


def figures_version() -> str:
    return _through_cache("read the figures version", _current_version)


def _current_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        # ``add`` so that two processes starting at once agree on one token.
        if not cache.add(VERSION_KEY, version, timeout=None):
            version = cache.get(VERSION_KEY, version)
    return str(version)


def _new_version() -> None:
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


def _invalidate() -> None:
    # On failure a fresh token is owed, started at the next successful contact (see above).
    with suppress(CacheUnavailable):
        _through_cache("invalidate the figures", _new_version)


def figures_changed() -> None:
    """Invalidate every cached figure now and again when the current transaction commits.

    The second time matters: a reader between the write and the commit still sees the
    old rows and may cache figures from them under the first new token.
    """
    _invalidate()
    transaction.on_commit(_invalidate)


def cached_figures(name: str, params: Any, compute: Callable[[], T]) -> T:
    """``compute()``'s result for ``params`` (any value with a stable ``repr``), cached.

    The entry keeps the version it was computed under, and is read in the same round trip
    as the current version: a list page's count costs one cache read, not two.
    """
    digest = hashlib.sha256(repr(params).encode()).hexdigest()[:32]
    key = f"figures:{name}:{digest}"
    try:
        found = _through_cache("read figures", lambda: cache.get_many([VERSION_KEY, key]))
        version = found.get(VERSION_KEY)
        if version is None:
            version = figures_version()
    except CacheUnavailable:
        return compute()
    entry = found.get(key)
    if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == version:
        return entry[1]
    value = compute()
    with suppress(CacheUnavailable):
        _through_cache(
            "store figures",
            lambda: cache.set(key, (version, value), timeout=settings.FIGURES_CACHE_SECONDS),
        )
    return value


# The models aggregate figures and cached API counts are computed from: writes to them
# through the ORM invalidate the figures (``incidents.figures.hooks``). Bulk writes
# (ingestion) bypass those signals and call figures_changed() themselves.
FIGURE_MODELS = (
    "Incident",
    "Event",
    "SourceReliability",
    "DamagedAsset",
    "Source",
    "ServiceDisruption",
    "GrainDisruption",
    "GrainShipment",
    "NeedsBaseline",
    "Region",
    "RegionBoundary",
    "Port",
    "AttackWave",
    "AttackWaveWeapon",
    "Tombstone",
)
