"""The summed figures: daily, monthly and weekly sums of incidents, damaged assets and
outages per region, kept in step with the records so that dashboards and the API read a
few rows instead of scanning every record. The models are in ``incidents.models.figures``.

What each module owns:

- ``sums``: what is summed (``SUMMED_COUNTS``, the one list of summed incident counts;
  ``COUNTED_STATUSES``), the declaration of every incident figure table (``DAILY``,
  ``ROLLUPS``), the SQL that fills a table from incidents or from its daily table, and
  the kinds of lock rewrites take per region.
- ``rewrites``: ``refresh_day_figures`` rewrites the incident figures of the touched
  (region, day) pairs, and their months and weeks, from the raw rows;
  ``rebuild_day_figures`` recomputes them all.
- ``incidents``: ``add_new_incidents`` and ``change_incidents`` add ingestion's new and
  changed incidents (``NewIncident``) by the difference; ``move_incidents`` does the same
  for a review of many incidents; ``add_day_figures`` for writers that only hold ids.
- ``outages``: the daily outage figures, rewritten per touched day (``refresh_outage_figures``,
  ``move_outages``, ``rebuild_outage_figures``), and the people counted of outages given
  in households, counted again when their region's household size changes
  (``recount_outages``).
- ``periods``: reading sums for a period, whole months or weeks from the rollups and the
  edge days from the daily figures (``casualty_sums``, ``damage_sums``, ``weekly_sums``).
- ``cache``: the cache of computed figures and its version token (``cached_figures``,
  ``figures_changed``).
- ``hooks``: every signal receiver of the figures, connected in one place (``connect``),
  and why signals are used (also for a region's household size).

How the sums are kept in step: three ways, all in the writer's transaction. Saves and
deletions through the ORM (the admin, services, commands) reach signal receivers that
rewrite the days an incident or outage touched, before and after, from the raw rows.
Ingestion adds its new incidents from the values it already holds in memory, in place,
without reading them back. Changed incidents, and incidents or outages moved between
statuses by a bulk review, are moved by the difference of their sums on PostgreSQL, and
their days rewritten where a difference cannot be added (incidents without a region,
SQLite, a sum that would fall below zero). Every write also replaces the cache's version
token once its transaction commits. Modules are imported by name
(``from incidents.figures.incidents import add_new_incidents``): importing one part does
not load the rest, and callers show which part they depend on.
"""
