"""The derived relations every analysis reads, each defined once: group releases (one row per
grouped release with its state, title key and race format), group display names, race
entries, and release leads (each matched release against the official date its source class
is measured by). The SQL is generated from `engine.rules`.
"""

from __future__ import annotations

from scenescope.engine import rules
from scenescope.engine.core import Engine, relation


def _state_join(restrict: str = "") -> tuple[str, str]:
    """(CTEs, select-list) for the release state of each release with a trusted pre."""
    state = rules.release_state_sql(restrict)
    return state.ctes, f"pre.pre_at, {state.status} AS status, {state.nuke_reason} AS nuke_reason"


@relation("group_releases")
def group_releases(engine: Engine) -> str:
    """One row per grouped release with a trusted pre: release_id, group_name (as written),
    group_key (lowercase), pre_at (UTC), status, nuke_reason, category, title_id (matched, or
    NULL), work_key (hash of the matched title, else the parsed title + year), title_key
    (work_key with season and episodes), source, source_class, resolution, codec (family),
    format_key (class/resolution/codec), languages, is_proper, is_repack."""
    ctes, state = _state_join()
    source_class = rules.source_class_sql("r.source", "r.streaming_service")
    return f"""
WITH {ctes},
matched AS (
  SELECT release_id, any_value(title_id) AS title_id
  FROM release_matches WHERE status = 'matched' GROUP BY release_id
), base AS (
  SELECT r.release_id, r.group_name, r.group_key, {state}, r.category, m.title_id,
         nullif(regexp_replace(lower(coalesce(r.title, '')), '[^a-z0-9]+', '', 'g'), '')
           AS title_norm,
         r.year, r.season, coalesce(CAST(r.episodes AS VARCHAR), '') AS episodes_text,
         r.source, {source_class} AS source_class,
         lower(coalesce(r.resolution, '')) AS resolution,
         {rules.codec_family_sql("r.video_codec")} AS codec,
         coalesce(list_transform(r.languages, lambda x: lower(x)), []) AS languages,
         coalesce(list_contains(r.flags, 'proper'), false) AS is_proper,
         coalesce(list_contains(r.flags, 'repack') OR list_contains(r.flags, 'rerip'), false)
           AS is_repack
  FROM releases r
  JOIN pre USING (release_id)
  LEFT JOIN history h USING (release_id)
  LEFT JOIN matched m USING (release_id)
  WHERE r.group_key IS NOT NULL AND r.group_key <> '' AND pre.pre_at IS NOT NULL
), keyed AS (
  SELECT *,
         CASE WHEN title_id IS NOT NULL THEN hash('t', title_id)
              WHEN title_norm IS NOT NULL THEN hash('n', title_norm, year) END AS work_key
  FROM base
)
SELECT release_id, group_name, group_key, pre_at, status, nuke_reason, category, title_id,
       CASE WHEN work_key IS NOT NULL THEN hash(work_key, season, episodes_text) END
         AS title_key,
       work_key, source, source_class, resolution, codec,
       source_class || '/' || resolution || '/' || codec AS format_key,
       languages, is_proper, is_repack
FROM keyed"""


@relation("group_names", depends=("group_releases",))
def group_names(engine: Engine) -> str:
    """group_key -> group_name: the spelling a group uses most is how it is displayed."""
    return (
        "SELECT group_key, mode(group_name) AS group_name "
        f"FROM {engine.built('group_releases')} GROUP BY group_key"
    )


@relation("race_entries", depends=("group_releases",))
def race_entries(engine: Engine) -> str:
    """One row per race (title_key x format_key) x group: each group enters with its earliest
    non-PROPER, non-REPACK release. Columns: title_key, format_key, group_key, release_id,
    pre_at, status, nuke_reason, place (1 = winner), entrants, margin_to_next_s (NULL for the
    last), behind_winner_s."""
    return f"""
WITH firsts AS (
  SELECT title_key, format_key, group_key, min(pre_at) AS pre_at,
         arg_min({{'release_id': release_id, 'status': status, 'nuke_reason': nuke_reason}},
                 pre_at) AS entry
  FROM {engine.built("group_releases")}
  WHERE title_key IS NOT NULL AND NOT is_proper AND NOT is_repack
  GROUP BY title_key, format_key, group_key
)
SELECT title_key, format_key, group_key, entry.release_id AS release_id, pre_at,
       entry.status AS status, entry.nuke_reason AS nuke_reason,
       row_number() OVER w AS place,
       count(*) OVER (PARTITION BY title_key, format_key) AS entrants,
       epoch(lead(pre_at) OVER w - pre_at) AS margin_to_next_s,
       epoch(pre_at - first_value(pre_at) OVER w) AS behind_winner_s
FROM firsts
WINDOW w AS (PARTITION BY title_key, format_key ORDER BY pre_at, group_key)"""


def release_leads_sql(release_ids: str | None = None) -> str:
    """Every matched release with a pre, its source class and the official date it is
    measured against, with the lead in days (positive = pred before).

    The official date: an episode (or season pack) of a series is measured against its first
    airing anywhere (a daily show's date resolves to its episode; else the name's date); a
    film against the earliest territory's opening of its class's window; a screener against
    the first home window (digital/physical), else the theatrical one. A release whose date
    is unknown has a NULL lead (never a leak). `release_ids` (SQL for `release_id IN (...)`: a
    literal list or a subquery) limits the releases read, pushed below the state replay."""
    # Only matched releases have a lead: the state replay (an aggregate over every report and
    # nuke event) reads theirs alone, a tenth of a big store's rows rather than all of them.
    matched = "SELECT release_id FROM release_matches WHERE status = 'matched'"
    restrict = f"WHERE release_id IN ({release_ids or matched})"
    state = rules.release_state_sql(restrict)
    klass = rules.source_class_sql("r.source", "r.streaming_service")
    window_of = rules.window_of_class_sql("c.source_class")
    match_where = f"AND m.release_id IN ({release_ids})" if release_ids else ""
    windows = "\n".join(
        f"LEFT JOIN windows {w[:2]} ON {w[:2]}.title_id = m.title_id "
        f"AND {w[:2]}.release_window = '{w}'"
        for w in rules.WINDOW_NAMES
    )
    window_cols = ",\n       ".join(
        f"{w[:2]}.date AS {w}_date, {w[:2]}.territory AS {w}_territory" for w in rules.WINDOW_NAMES
    )
    return f"""
WITH {state.ctes},
windows AS (
  SELECT title_id, release_window, min(date) AS date,
         arg_min(territory, (date, territory)) AS territory
  FROM catalog_release_dates GROUP BY title_id, release_window
), episode_air AS (
  SELECT title_id, season, episode, min(air_date) AS air_date,
         arg_min(territory, (air_date, territory)) AS territory
  FROM catalog_episodes WHERE air_date IS NOT NULL GROUP BY title_id, season, episode
), season_air AS (  -- a season pack is measured against the season's first airing
  SELECT title_id, season, min(air_date) AS air_date,
         arg_min(territory, (air_date, territory)) AS territory
  FROM catalog_episodes WHERE air_date IS NOT NULL GROUP BY title_id, season
), candidates AS (
  SELECT r.release_id, r.name, r.group_name, r.group_key, r.source, r.streaming_service,
         pre.pre_at, {state.status} AS status,
         t.title_id, t.title, t.kind, t.studio, {klass} AS source_class,
         coalesce(e.air_date, m.air_date, r.date,
                  CASE WHEN m.episode IS NULL THEN sa.air_date END) AS air_date,
         CASE WHEN e.air_date IS NOT NULL THEN e.territory
              WHEN m.air_date IS NOT NULL OR r.date IS NOT NULL THEN NULL
              ELSE sa.territory END AS air_territory,
       {window_cols}
  FROM release_matches m
  JOIN releases r USING (release_id)
  JOIN pre USING (release_id)
  LEFT JOIN history h USING (release_id)
  JOIN catalog_titles t ON t.title_id = m.title_id
  LEFT JOIN episode_air e
    ON e.title_id = m.title_id AND e.season = m.season AND e.episode = m.episode
  LEFT JOIN season_air sa ON sa.title_id = m.title_id AND sa.season = m.season
  {windows}
  WHERE m.status = 'matched' AND pre.pre_at IS NOT NULL {match_where}
), homes AS (
  SELECT c.*, {window_of} AS class_window,
         CASE WHEN digital_date IS NULL THEN physical_date
              WHEN physical_date IS NULL THEN digital_date
              ELSE least(digital_date, physical_date) END AS home_date
  FROM candidates c
), measured AS (
  SELECT h.*,
    CASE
      WHEN source_class = 'other' THEN NULL
      WHEN kind = 'series' AND air_date IS NOT NULL THEN 'tv'
      WHEN class_window IS NOT NULL THEN class_window
      WHEN home_date IS NOT NULL THEN
        CASE WHEN digital_date IS NOT NULL AND digital_date <= coalesce(physical_date, digital_date)
             THEN 'digital' ELSE 'physical' END
      ELSE 'theatrical'
    END AS official_window
  FROM homes h
), dated AS (
  SELECT m.*,
    CASE official_window
      WHEN 'tv' THEN coalesce(CASE WHEN kind = 'series' THEN air_date END, tv_date)
      WHEN 'theatrical' THEN theatrical_date WHEN 'digital' THEN digital_date
      WHEN 'physical' THEN physical_date END AS official_date,
    CASE official_window WHEN 'tv' THEN CASE WHEN kind = 'series' AND air_date IS NOT NULL
                                    THEN nullif(air_territory, '') ELSE tv_territory END
      WHEN 'theatrical' THEN theatrical_territory WHEN 'digital' THEN digital_territory
      WHEN 'physical' THEN physical_territory END AS territory
  FROM measured m
)
SELECT release_id, name, group_name, group_key, source, source_class, pre_at, status,
       title_id, title, kind, studio, official_window, official_date, territory,
       {rules.lead_days_sql("official_date", "pre_at")} AS lead_days,
       theatrical_date IS NOT NULL AND pre_at < CAST(theatrical_date AS TIMESTAMPTZ)
         AS before_theatrical
FROM dated"""


@relation("release_leads")
def release_leads(engine: Engine) -> str:
    """release_leads_sql over the whole store."""
    return release_leads_sql()
