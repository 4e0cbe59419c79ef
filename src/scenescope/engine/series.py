"""The relations the enforcement-impact and propagation analyses read, each defined once and
aggregated in the database (never a Python loop over rows):

- `daily_pres`: pres per UTC day x category x group x source class (every release with a
  trusted pre, grouped or not, every category);
- `sighting_lags`: per linked release and tier, its pre, its first sighting on that tier and
  the lag in hours (sightings seen before their pre are left out), with the release's group,
  source class and matched title.
"""

from __future__ import annotations

from scenescope.engine import rules
from scenescope.engine.core import Engine, relation


@relation("daily_pres")
def daily_pres(engine: Engine) -> str:
    """day, category ('' if none), group_key ('' if none), source_class, n."""
    state = rules.release_state_sql()
    klass = rules.source_class_sql("r.source", "r.streaming_service")
    return f"""
WITH {state.ctes}
SELECT CAST(timezone('UTC', pre.pre_at) AS DATE) AS day,
       upper(coalesce(r.category, '')) AS category,
       coalesce(r.group_key, '') AS group_key,
       {klass} AS source_class,
       count(*)::BIGINT AS n
FROM releases r JOIN pre USING (release_id)
WHERE pre.pre_at IS NOT NULL
GROUP BY ALL"""


@relation("sighting_lags")
def sighting_lags(engine: Engine) -> str:
    """release_id, tier, pre_at, first_seen_at, lag_hours, group_key, source_class, title_id."""
    state = rules.release_state_sql()
    klass = rules.source_class_sql("r.source", "r.streaming_service")
    if not engine.has_table("sightings"):
        return (
            "SELECT NULL::BIGINT AS release_id, NULL::VARCHAR AS tier, "
            "NULL::TIMESTAMPTZ AS pre_at, NULL::TIMESTAMPTZ AS first_seen_at, "
            "NULL::DOUBLE AS lag_hours, NULL::VARCHAR AS group_key, "
            "NULL::VARCHAR AS source_class, NULL::VARCHAR AS title_id WHERE false"
        )
    return f"""
WITH {state.ctes},
firsts AS (
  SELECT release_id, tier, min(seen_at) AS first_seen_at
  FROM sightings
  WHERE release_id IS NOT NULL AND coalesce(lag_ok, true)
  GROUP BY release_id, tier
), matched AS (
  SELECT release_id, any_value(title_id) AS title_id
  FROM release_matches WHERE status = 'matched' GROUP BY release_id
)
SELECT f.release_id, f.tier, pre.pre_at, f.first_seen_at,
       greatest(epoch(f.first_seen_at - pre.pre_at), 0) / 3600.0 AS lag_hours,
       coalesce(r.group_key, '') AS group_key, {klass} AS source_class, m.title_id
FROM firsts f
JOIN pre USING (release_id)
JOIN releases r USING (release_id)
LEFT JOIN matched m USING (release_id)
WHERE pre.pre_at IS NOT NULL"""
