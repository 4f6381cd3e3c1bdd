"""Query plans at realistic volume: the service's hot queries, EXPLAIN (ANALYZE, BUFFERS)'d on PostgreSQL.

    .venv/bin/python bench/queries.py [--reports 300000] [--baseline] [--json out.json] [--plans out.txt]
    .venv/bin/python bench/queries.py --compare before.json after.json     # a markdown table of the two runs

Tests only ever see a few rows, so a missing index never shows there. This creates a scratch database, runs the
migrations (`--baseline`: only up to the heads before 20261205_q1_scale_indexes, to measure without its indexes),
bulk-loads three years of synthetic data with INSERT … SELECT generate_series (reports over 20 districts and the
taxonomy's 16 categories, ~5 events each, most closed and an open backlog; outbox tasks and push deliveries mostly
done; audit lines, routing decisions, custody, escalations, media, idempotency records, nonces, the sync change log,
notes, evidence, ledger seals and entries), ANALYZEs, and then calls the service's own code — the HTTP API
in-process for the citizen and dispatch endpoints, the job and purge functions directly. Every SELECT, UPDATE and
DELETE the code sends while a scenario runs is EXPLAIN (ANALYZE, BUFFERS)'d on the same connection, inside the same
transaction, with the same parameters, just before it is sent (in a savepoint that is rolled back, so a DELETE or an
UPDATE is measured and not applied twice). The second of two EXPLAIN runs is kept (warm cache). Each scenario then
runs once more without EXPLAIN for its end-to-end time.

Printed per statement: the plan's top node, the scans it uses, whether it seq-scans a table of 10,000 rows or more,
shared buffers touched and execution time. docs/benchmarks-queries.md records the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import math
import os
import re
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python bench/queries.py` puts bench/, not the repository, on the path
    sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
import httpx  # noqa: E402
import numpy as np  # noqa: E402
from sqlalchemy import event, select  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: E402
from sqlalchemy.util import await_only  # noqa: E402

from backend.context import Context, build_context  # noqa: E402
from backend.migrate import upgrade  # noqa: E402
from backend.settings import Settings  # noqa: E402
from bench._tablets import PG_ADMIN, _admin  # noqa: E402  (the scratch databases' admin connection, shared)

# the heads the migration history had before q1_scale_indexes (its down revisions and the branch it does not need)
BASELINE_HEADS = ("p1_idempotency_retention", "o1_push_device_tablet", "f1_telegram_draft_media")
SECRET = "bench-queries-secret-key-0123456789abcdef"
PASSWORD = "Qazaqstan-2026!"
BIG_TABLE = 10_000  # a sequential scan of a table this size or larger is flagged
SLOW_MS = 20.0

LABEL: ContextVar[str | None] = ContextVar("bench_query_label", default=None)

# (code, lat, lon): district centres (cities); reports scatter around them
DISTRICTS = [
    ("astana", 51.1605, 71.4704), ("almaty", 43.2383, 76.9453), ("shymkent", 42.3417, 69.5901),
    ("karaganda", 49.8047, 73.1094), ("aktobe", 50.2839, 57.1670), ("taraz", 42.9000, 71.3667),
    ("pavlodar", 52.2873, 76.9674), ("oskemen", 49.9483, 82.6275), ("semey", 50.4111, 80.2275),
    ("atyrau", 47.1164, 51.8830), ("kostanay", 53.2144, 63.6246), ("kyzylorda", 44.8488, 65.4823),
    ("oral", 51.2333, 51.3667), ("petropavl", 54.8667, 69.1500), ("aktau", 43.6500, 51.1667),
    ("temirtau", 50.0549, 72.9646), ("turkistan", 43.2973, 68.2518), ("kokshetau", 53.2833, 69.3833),
    ("taldykorgan", 45.0156, 78.3739), ("ekibastuz", 51.7236, 75.3225),
]
TEXTS = [
    "Во дворе дома пьяные дерутся, кричат уже полчаса, соседи боятся выходить на улицу",
    "Столкнулись две машины на перекрёстке, одна перегородила полосу, есть пострадавший",
    "У подъезда продают что-то подозрительное, подходят подростки, продавец каждый день в одно время",
    "Украли велосипед из подъезда, замок срезан, видеокамера на соседнем доме может помочь",
    "Ауладағы көршілер түні бойы шулайды, музыка қатты, бірнеше рет ескерттік",
    "Көлік жаяу жүргіншілер өткелінде тоқтамай өтіп кетті, нөмірі белгілі",
    "Звонят от имени банка и просят код из смс, у пожилой соседки уже списали деньги",
    "Разбили окна на остановке и исписали стены, это повторяется каждую неделю",
]


def _arr(values: list[Any]) -> str:
    """A SQL array literal of constants (bench data, never user input)."""
    def one(value: Any) -> str:
        if isinstance(value, str):
            return "'" + value.replace("'", "''") + "'"
        return repr(value)

    return "ARRAY[" + ", ".join(one(v) for v in values) + "]"


# ----------------------------------------------------------------------------------------------------------- load


@dataclass
class Vocabulary:
    categories: list[str]
    category_department: list[int]  # 1-based index into departments, per category
    departments: list[str]
    restricted: list[int]  # 1-based category indexes
    clusterable: list[str]
    layout: str  # a seal's layout JSON: the columns of the four protected tables


def vocabulary() -> Vocabulary:
    from backend.ledger.record import protected
    from backend.routing.duplicates import DUPLICATE_RULES
    from ml.taxonomy import load_taxonomy

    taxonomy = load_taxonomy()
    categories = [c.code for c in taxonomy.categories]
    departments: list[str] = []
    for c in taxonomy.categories:
        if c.department not in departments:
            departments.append(c.department)
    restricted = taxonomy.restricted_codes()
    layout = json.dumps({name: sorted(col.name for col in spec.table.columns) for name, spec in protected().items()})
    return Vocabulary(categories=categories,
                      category_department=[departments.index(c.department) + 1 for c in taxonomy.categories],
                      departments=departments,
                      restricted=[i + 1 for i, code in enumerate(categories) if code in restricted],
                      clusterable=[c for c in categories if c in DUPLICATE_RULES], layout=layout)


def load_statements(n: int, v: Vocabulary, *, ledger: bool = True) -> list[tuple[str, str]]:
    """(what, SQL) in order. Run on one session with triggers off (session_replication_role = replica): the data is
    consistent by construction, and foreign-key checks row by row would double the load time. `ledger`: with the
    synthetic seals and entries (made-up MACs, for the query plans); bench/ledger.py seals the record itself."""
    citizens = max(1_000, int(n * 0.6))
    codes, lats, lons = (_arr([d[i] for d in DISTRICTS]) for i in range(3))
    cats, deps, catdep = _arr(v.categories), _arr(v.departments), _arr(v.category_department)
    restricted = _arr(v.restricted)
    texts = _arr(TEXTS)
    unattached = max(500, n // 100)
    iso = ("to_char({0} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN extract(microseconds FROM {0})"
           "::bigint % 1000000 = 0 THEN '' ELSE '.' || to_char({0} AT TIME ZONE 'UTC', 'US') END || '+00:00'")
    public_text = json.dumps({"ru": "Статус обращения изменён", "kk": "Өтініш мәртебесі өзгерді",
                              "en": "The report's status changed"}, ensure_ascii=False).replace("'", "''")
    return [
        ("partners", f"""
CREATE TEMP TABLE partner_map AS
SELECT i, gen_random_uuid() AS id, (ARRAY['egov', 'kaspi', 'halyk', 'telegram'])[i] AS name
FROM generate_series(1, 4) i;
INSERT INTO partners (id, name, secret_sealed, active, created_at)
SELECT id, name, 'sealed', true, now() - interval '1100 days' FROM partner_map;
INSERT INTO report_counters (year, value)
SELECT y, {n * 3} FROM generate_series(extract(year FROM now())::int - 4, extract(year FROM now())::int + 1) y;
"""),
        ("citizens", f"""
CREATE TEMP TABLE cit_map AS SELECT i, gen_random_uuid() AS id FROM generate_series(0, {citizens - 1}) i;
CREATE UNIQUE INDEX ON cit_map (i);
INSERT INTO citizens (id, iin_hash, iin_last4, external_ref, key_id, identity_verified, language, created_at)
SELECT id, md5('iin' || i) || md5('salt' || i), lpad((i % 10000)::text, 4, '0'), NULL, 'bench', true,
       CASE WHEN i % 5 < 2 THEN 'kk' ELSE 'ru' END, now() - interval '1100 days' * random()
FROM cit_map;
"""),
        ("units, officers", f"""
CREATE TEMP TABLE unit_map AS
SELECT d, dep, k, gen_random_uuid() AS id
FROM generate_series(1, {len(DISTRICTS)}) d, generate_series(1, {len(v.departments)}) dep, generate_series(0, 1) k;
INSERT INTO units (id, code, name, department, district, status, last_lat, last_lon, last_at, restricted_categories,
                   updated_at)
SELECT id, 'U-' || d || '-' || dep || '-' || k, 'Наряд ' || d || '-' || dep || '-' || k, ({deps})[dep],
       ({codes})[d], (ARRAY['available', 'busy', 'en_route', 'off_duty'])[1 + (d + dep + k) % 4],
       ({lats})[d] + (random() - 0.5) * 0.1, ({lons})[d] + (random() - 0.5) * 0.1, now() - interval '5 min',
       (CASE ({deps})[dep] WHEN 'district_inspector' THEN '["domestic_violence"]'
                           WHEN 'juvenile_police' THEN '["child_incident"]'
                           WHEN 'internal_security' THEN '["police_complaint"]' ELSE '[]' END)::json, now()
FROM unit_map;
CREATE TEMP TABLE officer_map AS
SELECT row_number() OVER () AS n, o.* FROM (
  SELECT gen_random_uuid() AS id, 'patrol_officer' AS role, u.d, u.dep, u.id AS unit_id, m
  FROM unit_map u, generate_series(1, 3) m
  UNION ALL SELECT gen_random_uuid(), 'dispatcher', d, 4, NULL::uuid, m
  FROM generate_series(1, {len(DISTRICTS)}) d, generate_series(1, 3) m
  UNION ALL SELECT gen_random_uuid(), 'supervisor', d, 4, NULL::uuid, m
  FROM generate_series(1, {len(DISTRICTS)}) d, generate_series(1, 2) m
  UNION ALL SELECT gen_random_uuid(), 'prosecutor', 1, 4, NULL::uuid, m FROM generate_series(1, 5) m
) o;
INSERT INTO officers (id, badge_number, full_name, rank, department, district, role, password_hash, active,
                      max_devices, language, created_at, updated_at)
SELECT id, 'B' || lpad(n::text, 6, '0'), 'Офицер ' || n, 'лейтенант полиции', ({deps})[dep], ({codes})[d], role,
       :password_hash, true, 3, 'ru', now() - interval '900 days', now()
FROM officer_map;
INSERT INTO unit_members (officer_id, unit_id, since)
SELECT id, unit_id, now() - interval '100 days' FROM officer_map WHERE unit_id IS NOT NULL;
"""),
        ("reports", f"""
INSERT INTO reports (id, number, citizen_id, partner_id, channel, identity_verified, anonymous, text, language, lat,
                     lon, accuracy_m, district, occurred_at, category_hint, category, category_confidence,
                     department, unit_id, priority, urgent, restricted, status, resolution, outcome, duplicate_of,
                     incident_id, routing_state, deadline_at, original_deadline_at, redirect_due_at, satisfaction,
                     feedback_comment, reopen_count, version, created_at, updated_at, closed_at)
SELECT gen_random_uuid(), 'ZP-' || to_char(s.created, 'YYYY') || '-' || lpad(s.g::text, 7, '0'), c.id, p.id, p.name,
       true, s.g % 50 = 0, ({texts})[1 + s.g % 8] || ' (' || s.g || ')', CASE WHEN s.g % 5 < 2 THEN 'kk' ELSE 'ru' END,
       ({lats})[s.d] + (s.u_lat - 0.5) * 0.15, ({lons})[s.d] + (s.u_lon - 0.5) * 0.2, 20, ({codes})[s.d],
       s.created - interval '30 min', NULL, ({cats})[s.c], 0.9, ({deps})[({catdep})[s.c]], u.id,
       s.priority, s.priority = 'urgent', s.c = ANY({restricted}), s.status, s.resolution, NULL, NULL, NULL,
       CASE WHEN s.status = 'registered' THEN 'pending' ELSE 'done' END,
       s.created + interval '21 days' + CASE WHEN s.extended THEN interval '30 days' ELSE interval '0 days' END,
       s.created + interval '21 days',
       CASE WHEN ({cats})[s.c] = 'not_police' THEN s.created + interval '4 days' END,
       CASE WHEN s.resolution = 'resolved' AND s.u_sat < 0.3 THEN 1 + floor(s.u_sat * 16)::int END, NULL, 0,
       CASE WHEN s.status = 'registered' THEN 1 ELSE 4 END,
       s.created, coalesce(s.closed, s.created + (now() - s.created) * s.u_upd), s.closed
FROM (
  SELECT t.*,
         CASE WHEN t.open THEN NULL
              ELSE t.created + (least(t.age, 20.0) * (0.05 + 0.95 * t.u_cl)) * interval '1 day' END AS closed,
         t.status NOT IN ('registered', 'triage')
           AND NOT (t.status = 'reopened' AND t.u_unit < 0.5)
           AND NOT (t.resolution IN ('redirected', 'duplicate', 'rejected', 'withdrawn') AND t.u_unit < 0.7)
           AS has_unit
  FROM (
    SELECT r.*,
           CASE WHEN NOT r.open THEN 'closed'
                WHEN r.u_st < 0.04 THEN 'registered' WHEN r.u_st < 0.16 THEN 'triage'
                WHEN r.u_st < 0.36 THEN 'assigned' WHEN r.u_st < 0.41 THEN 'en_route'
                WHEN r.u_st < 0.46 THEN 'on_scene' WHEN r.u_st < 0.82 THEN 'in_progress'
                WHEN r.u_st < 0.94 THEN 'awaiting_reporter' ELSE 'reopened' END AS status,
           CASE WHEN r.open THEN NULL WHEN r.u_res < 0.70 THEN 'resolved' WHEN r.u_res < 0.80 THEN 'unfounded'
                WHEN r.u_res < 0.88 THEN 'redirected' WHEN r.u_res < 0.93 THEN 'duplicate'
                WHEN r.u_res < 0.96 THEN 'rejected' ELSE 'withdrawn' END AS resolution
    FROM (
      SELECT q.*, now() - q.age * interval '1 day' AS created,
             q.u_open < CASE WHEN q.age < 1 THEN 0.95 WHEN q.age < 7 THEN 0.6 WHEN q.age < 21 THEN 0.3
                             ELSE 0.012 END AS open,
             CASE WHEN q.u_pr < 0.04 THEN 'urgent' WHEN q.u_pr < 0.18 THEN 'high' WHEN q.u_pr < 0.90 THEN 'normal'
                  ELSE 'low' END AS priority
      FROM (
        SELECT g, 1095 * random() AS age, random() AS u_open, 1 + floor({len(DISTRICTS)} * random() ^ 1.8)::int AS d,
               least({len(v.categories)}, 1 + floor({len(v.categories)} * random() ^ 1.3)::int) AS c,
               random() AS u_pr, random() AS u_st, random() AS u_res, random() AS u_cl, random() AS u_sat,
               random() AS u_upd, random() AS u_lat, random() AS u_lon, random() AS u_unit,
               floor({citizens} * random() ^ 1.3)::int AS cz, random() < 0.03 AS extended
        FROM generate_series(1, {n}) g
      ) q
    ) r
  ) t
) s
JOIN cit_map c ON c.i = s.cz
JOIN partner_map p ON p.i = 1 + s.g % 4
LEFT JOIN unit_map u ON s.has_unit AND u.d = s.d AND u.dep = ({catdep})[s.c] AND u.k = s.g % 2;
"""),
        ("incidents (me-too reports)", f"""
CREATE TEMP TABLE prim AS
SELECT id FROM reports WHERE NOT restricted AND category = ANY({_arr(v.clusterable)}) AND random() < 0.03;
UPDATE reports SET incident_id = id WHERE id IN (SELECT id FROM prim);
INSERT INTO reports (id, number, citizen_id, partner_id, channel, identity_verified, anonymous, text, language, lat,
                     lon, accuracy_m, district, occurred_at, category_hint, category, category_confidence,
                     department, unit_id, priority, urgent, restricted, status, resolution, outcome, duplicate_of,
                     incident_id, routing_state, deadline_at, original_deadline_at, redirect_due_at, satisfaction,
                     feedback_comment, reopen_count, version, created_at, updated_at, closed_at)
SELECT gen_random_uuid(), 'ZP-' || to_char(f.created, 'YYYY') || '-' || lpad(({n} + f.rn)::text, 7, '0'),
       c.id, f.partner_id, f.channel, true, false, f.text || ' тоже видел', f.language,
       f.lat + (random() - 0.5) * 0.001, f.lon + (random() - 0.5) * 0.001, 30, f.district, f.occurred_at, NULL,
       f.category, 0.9, f.department, CASE WHEN f.waiting THEN NULL ELSE f.unit_id END, f.priority, f.urgent,
       false, CASE WHEN f.waiting THEN 'triage' ELSE f.status END,
       CASE WHEN f.status = 'closed' THEN 'resolved' END, NULL, NULL, f.id, 'done',
       f.created + interval '21 days', f.created + interval '21 days', f.redirect_due_at, NULL, NULL, 0, 2,
       f.created, greatest(f.created, f.updated_at), CASE WHEN f.status = 'closed' THEN f.closed_at END
FROM (
  SELECT r.*, row_number() OVER () AS rn,
         least(now(), r.created_at + interval '2 hours' * random()) AS created,
         r.status <> 'closed' AND random() < 0.3 AS waiting,
         floor({citizens} * random())::int AS cz
  FROM reports r JOIN prim USING (id), generate_series(1, 2) k
  WHERE k = 1 OR random() < 0.4
) f
JOIN cit_map c ON c.i = f.cz;
"""),
        ("report_events", f"""
INSERT INTO report_events (id, report_id, action, from_status, to_status, actor_type, actor_id, channel, reason,
                           public, public_text, internal_note, data, device_time, created_at)
SELECT gen_random_uuid(), r.id,
       (ARRAY['registered', 'routed', 'assign', 'status_change', 'close'])[k],
       (ARRAY[NULL, 'registered', 'triage', 'assigned', 'in_progress'])[k],
       (ARRAY['registered', 'triage', 'assigned', 'in_progress', 'closed'])[k],
       (ARRAY['citizen', 'system', 'dispatcher', 'patrol_officer', 'dispatcher'])[k], NULL, r.channel, NULL,
       k <> 2, '{public_text}'::json, NULL, '{{}}'::json, NULL,
       r.created_at + (coalesce(r.closed_at, now()) - r.created_at) * ((k - 1)::float8 / 4)
FROM reports r, generate_series(1, CASE WHEN r.status = 'closed' THEN 5 ELSE 3 END) k;
"""),
        ("routing_decisions, assignments, audit_log", """
INSERT INTO routing_decisions (id, report_id, source, model_version, embedder, category, confidence, abstained,
                               department, unit, rule_id, priority, urgent, district, language, scores, inputs,
                               actor_id, created_at)
SELECT gen_random_uuid(), id, 'model', 'router-2026.11', 'e5-small', category, 0.9, false, department, NULL, NULL,
       priority, urgent, district, language, '{"top": 0.9}'::json, '{"text_len": 120}'::json, NULL,
       least(now(), created_at + interval '2 seconds')
FROM reports;
INSERT INTO assignments (id, report_id, unit_id, assigned_by_type, assigned_by, auto, distance_km, assigned_at,
                         accepted_at, released_at)
SELECT gen_random_uuid(), id, unit_id, 'dispatcher', NULL, random() < 0.5, 2.5,
       created_at + (coalesce(closed_at, now()) - created_at) * 0.25,
       CASE WHEN status <> 'assigned' THEN created_at + (coalesce(closed_at, now()) - created_at) * 0.3 END,
       closed_at
FROM reports WHERE unit_id IS NOT NULL;
INSERT INTO audit_log (id, at, actor_type, actor_id, action, target_type, target_id, data, ip)
SELECT gen_random_uuid(), r.created_at + (coalesce(r.closed_at, now()) - r.created_at) * (k::float8 / 4),
       'dispatcher', NULL, (ARRAY['report.assign', 'report.history', 'report.close.resolved'])[k], 'report',
       r.id::text, '{}'::json, '10.0.0.1'
FROM reports r, generate_series(1, CASE WHEN r.status = 'closed' THEN 3 ELSE 2 END) k;
"""),
        ("escalations", f"""
INSERT INTO escalations (id, report_id, kind, subject, created_at, notified_at, data)
SELECT gen_random_uuid(), id, 'deadline_near', {iso.format('deadline_at')},
       least(now(), deadline_at - interval '2 days'), least(now(), deadline_at - interval '2 days'), '{{}}'::json
FROM reports WHERE (status <> 'closed' AND deadline_at <= now() + interval '5 days')
                OR (status = 'closed' AND closed_at > deadline_at - interval '2 days');  -- those that ran late
INSERT INTO escalations (id, report_id, kind, subject, created_at, notified_at, data)
SELECT gen_random_uuid(), id, 'redirect_due', {iso.format('redirect_due_at')},
       least(now(), redirect_due_at - interval '1 day'), least(now(), redirect_due_at - interval '1 day'),
       '{{}}'::json
FROM reports WHERE redirect_due_at IS NOT NULL AND status <> 'closed' AND redirect_due_at <= now() + interval '3 days';
INSERT INTO escalations (id, report_id, kind, subject, created_at, notified_at, data)
SELECT gen_random_uuid(), r.id, 'unaccepted_urgent', a.id::text, a.assigned_at + interval '15 min',
       a.assigned_at + interval '15 min', '{{}}'::json
FROM reports r JOIN assignments a ON a.report_id = r.id
WHERE r.urgent AND r.status = 'assigned' AND a.accepted_at IS NULL AND a.released_at IS NULL
  AND a.assigned_at < now() - interval '15 min';
"""),
        ("outbox_tasks", """
INSERT INTO outbox_tasks (id, task, payload, dedupe_key, status, attempts, max_attempts, next_attempt_at,
                          locked_until, last_error, created_at, updated_at)
SELECT gen_random_uuid(), t.task, json_build_object('report_id', t.id), t.dedupe_key, t.status,
       CASE WHEN t.status = 'pending' THEN 0 ELSE 1 END, 8,
       CASE WHEN t.status = 'pending' AND t.u < 0.5 THEN t.at + interval '10 min' ELSE t.at END,
       CASE WHEN t.status = 'running' THEN now() + (t.u - 0.3) * interval '10 min' END,
       CASE WHEN t.status = 'dead' THEN 'ConnectError()' END, t.at, t.at
FROM (
  SELECT r.id, (ARRAY['reports.route', 'notifications.report_event', 'notifications.report_event',
                      'media.scrub'])[k] AS task,
         CASE WHEN k = 1 THEN 'route:' || r.id WHEN k = 4 THEN 'scrub:' || r.id END AS dedupe_key,
         least(now(), r.created_at + (coalesce(r.closed_at, now()) - r.created_at) * (k::float8 / 5)) AS at,
         CASE WHEN r.created_at > now() - interval '3 min'
              THEN (CASE WHEN random() < 0.8 THEN 'pending' ELSE 'running' END)
              WHEN random() < 0.0005 THEN 'dead' ELSE 'done' END AS status,
         random() AS u
  FROM reports r, generate_series(1, 4) k
) t;
"""),
        ("notification devices and deliveries", """
INSERT INTO notification_devices (id, owner_type, citizen_id, partner_id, officer_id, officer_device_pk, token,
                                  fid, platform, language, districts, last_lat, last_lon, area_updated_at, active,
                                  pruned_reason, created_at, updated_at)
SELECT gen_random_uuid(), 'citizen', id, NULL, NULL, NULL, NULL, 'fid-' || id, 'android', 'ru', '[]'::json,
       NULL, NULL, NULL, true, NULL, now() - interval '300 days', now() - interval '300 days'
FROM cit_map WHERE i % 2 = 0;
INSERT INTO notification_devices (id, owner_type, citizen_id, partner_id, officer_id, officer_device_pk, token,
                                  fid, platform, language, districts, last_lat, last_lon, area_updated_at, active,
                                  pruned_reason, created_at, updated_at)
SELECT gen_random_uuid(), 'officer', NULL, NULL, id, NULL, NULL, 'fid-' || id, 'android', 'ru', '[]'::json,
       NULL, NULL, NULL, true, NULL, now() - interval '100 days', now() - interval '100 days'
FROM officer_map;
INSERT INTO notification_deliveries (id, dedupe_key, event_key, kind, device_id, partner_id, payload, status, attempts,
                                     max_attempts, next_attempt_at, locked_until, claim_token, last_error,
                                     provider_id, created_at, updated_at, sent_at)
SELECT gen_random_uuid(), x.event_key || ':device:' || x.device_id, x.event_key, 'push', x.device_id, NULL,
       '{"title": "Обращение", "body": "Статус обращения изменён", "collapse_id": "report", "data": {}}'::json,
       x.status, CASE WHEN x.status = 'pending' THEN 0 ELSE 1 END, 8,
       CASE WHEN x.status = 'pending' AND x.u < 0.3 THEN x.at + interval '5 min' ELSE x.at END,
       CASE WHEN x.status = 'sending' THEN now() + (x.u - 0.5) * interval '2 min' END,
       CASE WHEN x.status = 'sending' THEN gen_random_uuid() END,
       CASE WHEN x.status IN ('dead', 'dropped') THEN 'UNREGISTERED' END,
       CASE WHEN x.status = 'sent' THEN 'projects/zan/messages/' || x.n END, x.at, x.at,
       CASE WHEN x.status = 'sent' THEN x.at END
FROM (
  SELECT e.id AS n, 'report:' || e.id AS event_key, d.id AS device_id, e.created_at AS at, random() AS u,
         CASE WHEN e.created_at > now() - interval '10 min' THEN (CASE WHEN random() < 0.7 THEN 'pending'
                                                                        ELSE 'sending' END)
              WHEN random() < 0.02 THEN 'dropped' WHEN random() < 0.01 THEN 'dead' ELSE 'sent' END AS status
  FROM report_events e JOIN reports r ON r.id = e.report_id
  JOIN notification_devices d ON d.citizen_id = r.citizen_id
  WHERE e.public
) x;
"""),
        ("media, drafts, idempotency, nonces, telegram updates", f"""
INSERT INTO media (id, owner_citizen_id, owner_officer_id, report_id, kind, content_type, size, sha256, storage_key,
                   status, exif, taken_at, lat, lon, scrubbed_key, scrub, created_at, completed_at)
SELECT gen_random_uuid(), citizen_id, NULL, id, 'photo', 'image/jpeg', 800000 + (random() * 2000000)::int,
       md5(id::text) || md5(number), 'media/' || md5(id::text), 'ready', '{{}}'::json, NULL, lat, lon, NULL, NULL,
       created_at - interval '2 min', created_at - interval '1 min'
FROM reports WHERE random() < 0.5;
CREATE TEMP TABLE loose AS
SELECT gen_random_uuid() AS id, c.id AS citizen_id,
       CASE WHEN g % 20 = 0 THEN 'rejected' WHEN g % 4 = 0 THEN 'ready' ELSE 'pending' END AS status,
       now() - interval '10 days' * random() ^ 2 AS at, g
FROM generate_series(1, {unattached}) g JOIN cit_map c ON c.i = g;
INSERT INTO media (id, owner_citizen_id, owner_officer_id, report_id, kind, content_type, size, sha256, storage_key,
                   status, exif, taken_at, lat, lon, scrubbed_key, scrub, created_at, completed_at)
SELECT id, citizen_id, NULL, NULL, 'photo', 'image/jpeg', 900000, md5(id::text) || md5('x' || g),
       'media/' || md5(id::text), status, '{{}}'::json, NULL, NULL, NULL, NULL, NULL, at,
       CASE WHEN status = 'ready' THEN at END
FROM loose;
INSERT INTO telegram_draft_media (draft_key, file_unique_id, media_id, created_at)
SELECT md5('draft' || g), 'AgAD' || g, id, at FROM loose WHERE g % 5 = 1 AND at > now() - interval '3 days';
INSERT INTO idempotency_records (id, scope, key, request_hash, status_code, response, created_at)
SELECT gen_random_uuid(), 'report:' || partner_id || ':' || citizen_id, gen_random_uuid()::text,
       md5(id::text) || md5(number), 201,
       json_build_object('id', id, 'number', number, 'status', 'registered', 'text', text, 'created_at', created_at),
       created_at
FROM reports;
INSERT INTO request_nonces (signature, partner_id, expires_at)
SELECT md5('nonce' || g) || md5('n' || g), p.id, now() - interval '1 min' + interval '7 min' * random()
FROM generate_series(1, {max(5_000, n // 6)}) g JOIN partner_map p ON p.i = 1 + g % 4;
INSERT INTO telegram_updates_seen (bot, update_id, expires_at)
SELECT CASE WHEN g % 3 = 0 THEN 'officer' ELSE 'citizen' END, g,
       now() - interval '2 min' + interval '24 hours' * random()
FROM generate_series(1, {max(5_000, n // 10)}) g;
"""),
        ("sync change log, notes, evidence, fields, wanted lists", """
INSERT INTO report_notes (id, report_id, officer_id, unit_id, device_id, text, device_time, created_at, deleted_at)
SELECT gen_random_uuid(), r.id, o.id, r.unit_id, 'tab-' || o.n, 'Опросили соседей, свидетели есть',
       r.created_at + interval '2 hours', least(now(), r.created_at + interval '2 hours'), NULL
FROM reports r JOIN officer_map o ON o.unit_id = r.unit_id AND o.m = 1
WHERE random() < 0.3;
CREATE TEMP TABLE ev AS
SELECT gen_random_uuid() AS id, r.id AS report_id, o.id AS officer_id, o.n,
       md5('ev' || r.id) || md5('ev2' || r.id) AS sha, least(now(), r.created_at + interval '3 hours') AS at
FROM reports r JOIN officer_map o ON o.unit_id = r.unit_id AND o.m = 2
WHERE random() < 0.1;
INSERT INTO evidence (id, report_id, officer_id, device_id, sha256, size, content_type, caption, device_time,
                      created_at)
SELECT id, report_id, officer_id, 'tab-' || n, sha, 3000000, 'image/jpeg', NULL, at, at FROM ev;
INSERT INTO evidence_blobs (sha256, size, received, complete, sealing_until, created_at)
SELECT sha, 3000000, CASE WHEN uploading THEN 1048576 ELSE 3000000 END, NOT uploading, NULL, at
FROM (SELECT *, at > now() - interval '1 day' AND random() < 0.2 AS uploading FROM ev) e;
INSERT INTO evidence_blobs (sha256, size, received, complete, sealing_until, created_at)
SELECT md5('stale' || g) || md5('s' || g), 3000000, 1048576, false, NULL, now() - interval '30 days' * random()
FROM generate_series(1, 200) g;
INSERT INTO report_fields (report_id, field, value, hlc, actor_type, actor_id, updated_at)
SELECT r.id, f, 'Со слов заявителя', '0001733000000000-0000-tab', 'patrol_officer', NULL, r.updated_at
FROM reports r, unnest(ARRAY['officer_summary', 'findings']) f
WHERE r.unit_id IS NOT NULL AND (r.status <> 'closed' OR random() < 0.1);
INSERT INTO wanted_persons (id, full_name, birth_year, reason, region, danger, since, updated_at, removed_at)
SELECT gen_random_uuid(), 'Разыскиваемый ' || g, 1970 + g % 40, 'Розыск', 'national', 'normal',
       now() - interval '700 days' * random(), now() - interval '30 days', CASE WHEN g % 10 = 0 THEN now() END
FROM generate_series(1, 2000) g;
INSERT INTO wanted_vehicles (id, plate, make, model, color, reason, region, since, updated_at, removed_at)
SELECT gen_random_uuid(), g || 'ABC0' || (g % 17), 'Toyota', 'Camry', 'white', 'Угон', 'national',
       now() - interval '700 days' * random(), now() - interval '30 days', NULL
FROM generate_series(1, 2000) g;
INSERT INTO sync_meta (id, epoch, horizon_seq, updated_at) VALUES (1, md5('epoch'), 0, now());
INSERT INTO sync_changes (scope, entity, entity_id, created_at)
SELECT scope, entity, entity_id, at FROM (
  SELECT 'unit:' || r.unit_id AS scope, 'reports' AS entity, r.id::text AS entity_id,
         greatest(r.created_at, now() - interval '7 days 2 min')
           + (now() - greatest(r.created_at, now() - interval '7 days 2 min')) * random() AS at
  FROM reports r, generate_series(1, 4) k
  WHERE r.unit_id IS NOT NULL AND (r.status <> 'closed' OR r.updated_at > now() - interval '7 days 2 min')
  UNION ALL
  SELECT 'national', 'wanted_persons', id::text, now() - interval '7 days 2 min' * random() FROM wanted_persons
  WHERE random() < 0.1
  UNION ALL
  SELECT 'officer:' || id, 'officer', id::text, now() - interval '7 days 2 min' * random() FROM officer_map
) x ORDER BY at;
"""),
        ("report_embeddings (last 60 days)", """
INSERT INTO report_embeddings (report_id, embedder, vector)
SELECT id, 'e5-small', decode(repeat('cdcc4c3d', 384), 'hex')  -- 384 float32 of 0.05: a unit-ish vector
FROM reports WHERE created_at > now() - interval '60 days';
"""),
    ] + ([] if not ledger else [
        ("ledger seals (one per 10 min) and entries (last 30 days)", f"""
INSERT INTO ledger_seals (id, sealed_at, rows, layout, complete, digest, prev_mac, mac, key_id, root, signature,
                          prev_signature)
SELECT i, now() - interval '1095 days' + i * interval '10 min', 17, '{v.layout}'::json, true,
       md5('d' || i) || md5('d2' || i), md5('m' || (i - 1)) || md5('m2' || (i - 1)), md5('m' || i) || md5('m2' || i),
       'bench', md5('r' || i) || md5('r2' || i), repeat(md5('s' || i), 4), repeat(md5('s' || (i - 1)), 4)
FROM generate_series(1, floor(extract(epoch FROM interval '1095 days' - interval '15 min') / 600)::int) i;
INSERT INTO ledger_entries (table_name, row_id, scope, seal_id, row_hash)
SELECT t, id, scope, 1 + floor(extract(epoch FROM at - (now() - interval '1095 days')) / 600)::int,
       md5(id::text) || md5(t)
FROM (
  SELECT 'report_events' AS t, id, 'report:' || report_id AS scope, created_at AS at FROM report_events
  UNION ALL SELECT 'routing_decisions', id, 'report:' || report_id, created_at FROM routing_decisions
  UNION ALL SELECT 'evidence', id, 'report:' || report_id, created_at FROM evidence
  UNION ALL SELECT 'audit_log', id, target_type || ':' || target_id, at FROM audit_log
) x
WHERE at > now() - interval '30 days' AND at < now() - interval '25 min';
"""),
    ])


async def load(dsn: str, n: int, password_hash: str, *, ledger: bool = True) -> dict[str, int]:
    """The synthetic data set of `n` reports (load_statements), then VACUUM ANALYZE; the tables' sizes."""
    v = vocabulary()
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SET session_replication_role = replica; SET synchronous_commit = off; "
                           "SET work_mem = '256MB'; SET maintenance_work_mem = '512MB'; SELECT setseed(0.42)")
        for what, sql in load_statements(n, v, ledger=ledger):
            started = time.perf_counter()
            # one argon2 hash for every officer (the bench logs in with PASSWORD); it has no quote to escape
            await conn.execute(sql.replace(":password_hash", "'" + password_hash.replace("'", "''") + "'"))
            print(f"  loaded {what:<55} {time.perf_counter() - started:6.1f} s", flush=True)
        started = time.perf_counter()
        await conn.execute("VACUUM ANALYZE")
        print(f"  {'VACUUM ANALYZE':<62} {time.perf_counter() - started:6.1f} s", flush=True)
    finally:
        await conn.close()
    return await table_sizes(dsn)


# ------------------------------------------------------------------------------------------------------- explain


@dataclass
class Explained:
    scenario: str
    sql: str
    calls: int = 1
    ms: float = 0.0
    planning_ms: float = 0.0
    jit_ms: float = 0.0  # JIT compilation, inside the execution time (PostgreSQL JITs a plan costed over 100,000)
    top: str = ""
    scans: list[str] = field(default_factory=list)
    big_seq: list[str] = field(default_factory=list)
    buffers: int = 0
    rows: int = 0
    plan: str = ""
    error: str | None = None

    @property
    def what(self) -> str:
        """SELECT reports / UPDATE outbox_tasks / DELETE media …: the verb and the statement's first table."""
        verb = self.sql.lstrip().split(None, 1)[0].upper()
        pattern = {"UPDATE": r"UPDATE\s+(\w+)", "DELETE": r"DELETE\s+FROM\s+(\w+)"}.get(verb, r"\bFROM\s+(\w+)")
        found = re.search(pattern, self.sql, re.IGNORECASE)
        return f"{verb} {found.group(1) if found else '?'}"

    @property
    def key(self) -> str:
        return f"{self.scenario}|{hashlib.sha256(self.sql.encode()).hexdigest()[:12]}"


def _scan(node: dict[str, Any]) -> str | None:
    kind = node["Node Type"]
    if kind in ("Seq Scan", "Parallel Seq Scan"):
        return f"Seq {node['Relation Name']}"
    if kind in ("Index Scan", "Index Only Scan", "Bitmap Index Scan"):
        short = {"Index Scan": "Idx", "Index Only Scan": "IdxOnly", "Bitmap Index Scan": "Bitmap"}[kind]
        backward = " bw" if node.get("Scan Direction") == "Backward" else ""
        return f"{short} {node['Index Name']}{backward}"
    return None


def _nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    out = [node]
    for child in node.get("Plans", []):
        out += _nodes(child)
    return out


def render(node: dict[str, Any], depth: int = 0) -> list[str]:
    """EXPLAIN's text form, shortened: node, relation/index, conditions, actual rows × loops and time."""
    name = node["Node Type"]
    if node.get("Operation") and name == "ModifyTable":
        name = f"{node['Operation']} on {node.get('Relation Name', '?')}"
    if node.get("Relation Name") and name != f"{node.get('Operation')} on {node.get('Relation Name')}":
        name += f" on {node['Relation Name']}"
    if node.get("Index Name"):
        name += f" using {node['Index Name']}"
    if node.get("Scan Direction") == "Backward":
        name += " (backward)"
    line = (f"{'  ' * depth}-> {name}  (rows={node.get('Actual Rows')} loops={node.get('Actual Loops')} "
            f"time={node.get('Actual Total Time', 0):.3f} ms)")
    lines = [line]
    for label in ("Index Cond", "Recheck Cond", "Filter", "Join Filter", "Hash Cond", "Merge Cond", "Sort Key",
                  "Group Key", "Rows Removed by Filter", "Rows Removed by Index Recheck", "Heap Blocks"):
        value = node.get(label)
        if value is not None:
            lines.append(f"{'  ' * depth}     {label}: {value}")
    for child in node.get("Plans", []):
        lines += render(child, depth + 1)
    return lines


class Explainer:
    """EXPLAIN (ANALYZE, BUFFERS) of each distinct statement a scenario sends, just before it is sent."""

    def __init__(self, sizes: dict[str, int]) -> None:
        self.sizes = sizes
        self.found: dict[tuple[str, str], Explained] = {}

    def attach(self, engine: AsyncEngine) -> None:
        event.listen(engine.sync_engine, "before_cursor_execute", self._before)

    def _before(self, conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any,
                executemany: bool) -> None:
        scenario = LABEL.get()
        if scenario is None or executemany:
            return
        verb = statement.lstrip().split(None, 1)[0].upper()
        if verb not in ("SELECT", "UPDATE", "DELETE", "WITH") or "pg_advisory" in statement:
            return
        seen = self.found.get((scenario, statement))
        if seen is not None:
            seen.calls += 1
            return
        item = self.found[(scenario, statement)] = Explained(scenario, statement)
        raw = conn.connection.driver_connection
        try:
            self._explain(raw, statement, parameters)  # warms the cache: the second run is the one kept
            self._fill(item, self._explain(raw, statement, parameters))
        except Exception as exc:  # a statement EXPLAIN cannot take must not stop the scenario
            item.error = f"{type(exc).__name__}: {exc}"

    @staticmethod
    def _explain(raw: Any, statement: str, parameters: Any) -> dict[str, Any]:
        # its own transaction, or a savepoint in the caller's: a DELETE or UPDATE is measured and rolled back
        transaction = raw.transaction()
        await_only(transaction.start())
        try:
            value = await_only(raw.fetchval("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement,
                                            *(parameters or ())))
        finally:
            await_only(transaction.rollback())
        doc = json.loads(value) if isinstance(value, str) else value
        return dict(doc[0])

    def _fill(self, item: Explained, doc: dict[str, Any]) -> None:
        plan = doc["Plan"]
        item.ms = float(doc["Execution Time"])
        item.planning_ms = float(doc["Planning Time"])
        item.jit_ms = float(doc.get("JIT", {}).get("Timing", {}).get("Total", 0.0))
        item.top = plan["Node Type"] if plan["Node Type"] != "ModifyTable" else f"{plan['Operation']}"
        item.rows = int(plan.get("Actual Rows", 0))
        item.buffers = int(plan.get("Shared Hit Blocks", 0)) + int(plan.get("Shared Read Blocks", 0))
        for node in _nodes(plan):
            scan = _scan(node)
            if scan is not None and scan not in item.scans:
                item.scans.append(scan)
            if scan and scan.startswith("Seq ") and self.sizes.get(node["Relation Name"], 0) >= BIG_TABLE:
                item.big_seq.append(f"{node['Relation Name']} ({self.sizes[node['Relation Name']]:,})")
        item.plan = "\n".join(render(plan))


@dataclass
class Scenario:
    name: str
    run: Callable[[], Awaitable[Any]]
    wall_ms: float = 0.0
    error: str | None = None


# ------------------------------------------------------------------------------------------------------ scenarios


@dataclass
class Actors:
    citizen_iin: str
    citizen_report: uuid.UUID
    dispatcher_badge: str
    supervisor_badge: str
    patrol_badge: str
    history_report: uuid.UUID
    duplicate_report: uuid.UUID
    event_key: str


async def pick_actors(dsn: str) -> Actors:
    from backend.citizens.service import iin_hash
    from ml.taxonomy import load_taxonomy
    from tests.helpers import make_iin

    iin = make_iin(7)
    conn = await asyncpg.connect(dsn)
    try:
        # the citizen with the most reports (the skewed draw gives the first few dozens): their list is paged
        heavy = await conn.fetchrow("SELECT citizen_id, count(*) FROM reports GROUP BY citizen_id "
                                    "ORDER BY count(*) DESC LIMIT 1")
        await conn.execute("UPDATE citizens SET iin_hash = $1 WHERE id = $2", iin_hash(SECRET, iin),
                           heavy["citizen_id"])
        own = await conn.fetchval("SELECT id FROM reports WHERE citizen_id = $1 ORDER BY created_at DESC LIMIT 1",
                                  heavy["citizen_id"])
        # the unit with the most open reports: its tablet has the biggest snapshot
        busy_unit = await conn.fetchval("SELECT unit_id FROM reports WHERE status <> 'closed' AND unit_id IS NOT NULL "
                                        "GROUP BY unit_id ORDER BY count(*) DESC LIMIT 1")
        badges = {role: await conn.fetchval("SELECT badge_number FROM officers WHERE role = $1 "
                                            "ORDER BY badge_number LIMIT 1", role)
                  for role in ("dispatcher", "supervisor")}
        patrol = await conn.fetchval("SELECT o.badge_number FROM officers o JOIN unit_members m ON m.officer_id = o.id "
                                     "WHERE m.unit_id = $1 ORDER BY o.badge_number LIMIT 1", busy_unit)
        # a report with sealed rows in several seals and custody (the ledger holds the last 30 days' entries)
        # ... and one the dispatcher may open: in their district (dispatch roles see their region's districts) and
        # of no restricted category (the flag alone does not make a report ordinary)
        history = await conn.fetchval(
            "SELECT id FROM reports WHERE unit_id IS NOT NULL AND status <> 'closed' AND NOT restricted "
            "AND (category IS NULL OR NOT category = ANY($2::text[])) "
            "AND district = (SELECT district FROM officers WHERE badge_number = $1) "
            "AND created_at BETWEEN now() - interval '20 days' AND now() - interval '10 days' "
            "ORDER BY created_at LIMIT 1", badges["dispatcher"], sorted(load_taxonomy().restricted_codes()))
        duplicate = await conn.fetchval(
            "SELECT r.id FROM reports r JOIN report_embeddings e ON e.report_id = r.id "
            "WHERE r.category = 'road_accident' AND r.status <> 'closed' ORDER BY r.created_at DESC LIMIT 1")
        event_key = await conn.fetchval("SELECT event_key FROM notification_deliveries WHERE status = 'pending' "
                                        "GROUP BY event_key ORDER BY count(*) DESC LIMIT 1")
    finally:
        await conn.close()
    return Actors(citizen_iin=iin, citizen_report=own, dispatcher_badge=badges["dispatcher"],
                  supervisor_badge=badges["supervisor"], patrol_badge=patrol, history_report=history,
                  duplicate_report=duplicate, event_key=event_key or "report:none")


async def make_head_seal(ctx: Context) -> None:
    """The chain's head, made with the bench's key (the synthetic seals below it carry made-up MACs): the sealer
    only goes on from a head it can check."""
    import sqlalchemy as sa

    from backend.ledger.models import LedgerSeal
    from backend.ledger.record import mac_of, protected, sign_seal
    from backend.lib.clock import utcnow
    from backend.lib.crypto import key_id

    async with ctx.sessions() as session:
        last = await session.scalar(sa.select(LedgerSeal).order_by(LedgerSeal.id.desc()).limit(1))  # type: ignore[attr-defined]
        assert last is not None
        layout = {name: sorted(c.name for c in spec.table.columns) for name, spec in protected().items()}
        seal = LedgerSeal(id=last.id + 1, sealed_at=utcnow() - timedelta(minutes=1), rows=0, layout=layout,
                          complete=True, digest="0" * 64, root="0" * 64, prev_mac=last.mac,
                          prev_signature=last.signature, mac="", key_id=key_id(SECRET))
        seal.mac = mac_of(SECRET, seal)
        seal.signature = sign_seal(SECRET, seal)
        session.add(seal)
        await session.commit()


def scenarios(ctx: Context, http: httpx.AsyncClient, actors: Actors, tokens: dict[str, str],
              partner: tuple[str, str]) -> list[Scenario]:
    from backend.dispatch.jobs import _compact_sync_log, find_escalations
    from backend.jobs import service as outbox
    from backend.ledger.service import seal_pending
    from backend.media.cleanup import purge_unused
    from backend.notifications import delivery
    from backend.notifications.jobs import sweep
    from backend.partners.service import purge_expired_nonces
    from backend.reports.idempotency import purge_expired
    from backend.reports.models import Report
    from backend.routing.duplicates import find_cluster
    from backend.routing.models import ReportEmbedding
    from backend.sync.blobs import purge_stale_uploads
    from backend.sync.changes import meta
    from backend.sync.models import SyncChange
    from backend.sync.pull import CURSOR_VERSION, encode
    from backend.sync.views import viewer_for
    from bots.citizen.service import purge_stale_drafts
    from bots.webhook import purge_seen_updates
    from tests.helpers import PartnerClient

    citizen = PartnerClient(http, partner[0], partner[1], actors.citizen_iin)
    cursors: dict[str, str] = {}

    def auth(role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[role]}"}

    async def ok(response: httpx.Response) -> dict[str, Any]:
        if response.status_code >= 400:
            raise RuntimeError(f"{response.request.url.path}: {response.status_code} {response.text[:300]}")
        body: dict[str, Any] = response.json()
        return body

    async def citizen_list() -> None:
        page = await ok(await citizen.get("/api/v1/reports?limit=20"))
        cursors["citizen"] = page.get("next_cursor") or ""

    async def citizen_page2() -> None:
        await ok(await citizen.get(f"/api/v1/reports?limit=20&cursor={cursors.get('citizen', '')}"))

    async def citizen_report() -> None:
        await ok(await citizen.get(f"/api/v1/reports/{actors.citizen_report}"))

    async def queue(role: str) -> None:
        page = await ok(await http.get("/api/v1/dispatch/queue?limit=50", headers=auth(role)))
        cursors[f"queue-{role}"] = page.get("next_cursor") or ""

    async def queue_page2() -> None:
        await ok(await http.get(f"/api/v1/dispatch/queue?limit=50&cursor={cursors.get('queue-dispatcher', '')}",
                                headers=auth("dispatcher")))

    async def escalations() -> None:
        page = await ok(await http.get("/api/v1/dispatch/escalations?limit=50", headers=auth("supervisor")))
        cursors["escalations"] = page.get("next_cursor") or ""

    async def escalations_page2() -> None:
        await ok(await http.get(f"/api/v1/dispatch/escalations?limit=50&cursor={cursors.get('escalations', '')}",
                                headers=auth("supervisor")))

    async def card() -> None:
        await ok(await http.get(f"/api/v1/dispatch/reports/{actors.history_report}", headers=auth("dispatcher")))

    async def history() -> None:
        await ok(await http.get(f"/api/v1/dispatch/reports/{actors.history_report}/history",
                                headers=auth("supervisor")))

    async def proof() -> None:
        await ok(await http.get(f"/api/v1/dispatch/reports/{actors.history_report}/proof",
                                headers=auth("supervisor")))

    async def health() -> None:
        ctx.extras.pop("health_ledger", None)
        await http.get("/health")

    async def sync_snapshot() -> None:
        await ok(await http.get("/api/v1/sync/pull?limit=500", headers=auth("patrol")))

    async def sync_delta() -> None:
        # a tablet that was offline for a day: its cursor is the log's position a day ago (found unmeasured)
        unlabelled = LABEL.set(None)
        async with ctx.sessions() as session:
            seq = await session.scalar(select(SyncChange.seq).where(  # type: ignore[call-overload]
                SyncChange.created_at > ctx_now() - timedelta(days=1)).order_by(SyncChange.seq).limit(1))  # type: ignore[arg-type]
            info = await meta(session)
            officer = await session.execute(select_patrol(actors.patrol_badge))
            officer_id, unit_id = officer.one()
            viewer = await viewer_for(session, officer_id, unit_id)
            await session.commit()
        LABEL.reset(unlabelled)
        cursor = encode(SECRET, {"v": CURSOR_VERSION, "e": info.epoch, "h": viewer.scope_hash,
                                 "s": int(seq or 1) - 1, "p": "delta", "c": 0, "k": None})
        await ok(await http.get(f"/api/v1/sync/pull?limit=500&cursor={cursor}", headers=auth("patrol")))

    async def outbox_due() -> None:
        async with ctx.sessions() as session:
            ids = await outbox.due_ids(session, 200)
        if ids:
            async with ctx.sessions() as session:
                await outbox.claim(session, ids[-1], 300.0)

    async def delivery_claim() -> None:
        await delivery.claim(ctx, event_key=actors.event_key, limit=500, lease_s=1.0)
        await delivery.next_due(ctx, actors.event_key)

    async def duplicates() -> None:
        async with ctx.sessions() as session:
            report = await session.get(Report, actors.duplicate_report)
            stored = await session.get(ReportEmbedding, actors.duplicate_report)
            assert report is not None and stored is not None
            vector = np.frombuffer(stored.vector, dtype=np.float32)
            await find_cluster(session, report, vector / max(float(np.linalg.norm(vector)), 1e-9))
            await session.rollback()

    async def seal() -> None:
        async with ctx.sessions() as session:
            await seal_pending(session, ctx.settings.secret_keys)

    async def in_session(fn: Callable[..., Awaitable[Any]], **kw: Any) -> None:
        async with ctx.sessions() as session:
            await fn(session, **kw)

    async def nonces() -> None:
        async with ctx.sessions() as session:
            await purge_expired_nonces(session=session)

    return [
        Scenario("citizen.list (GET /reports)", citizen_list),
        Scenario("citizen.list page 2 (cursor)", citizen_page2),
        Scenario("citizen.report (GET /reports/{id})", citizen_report),
        Scenario("dispatch.queue (dispatcher)", lambda: queue("dispatcher")),
        Scenario("dispatch.queue page 2 (cursor)", queue_page2),
        Scenario("dispatch.queue (supervisor)", lambda: queue("supervisor")),
        Scenario("dispatch.escalations", escalations),
        Scenario("dispatch.escalations page 2", escalations_page2),
        Scenario("dispatch.report card", card),
        Scenario("dispatch.history (+ledger verify)", history),
        Scenario("dispatch.proof", proof),
        Scenario("sla.find_escalations (job)", lambda: find_escalations(ctx)),
        Scenario("outbox.due_ids + claim (relay)", outbox_due),
        Scenario("deliveries.claim + next_due", delivery_claim),
        Scenario("notifications.sweep (job)", lambda: sweep(ctx)),
        Scenario("sync.pull snapshot (tablet)", sync_snapshot),
        Scenario("sync.pull delta (1 day behind)", sync_delta),
        Scenario("routing.duplicates find_cluster", duplicates),
        Scenario("ledger.seal_pending (job)", seal),
        Scenario("health (/health)", health),
        Scenario("purge.media purge_unused", lambda: purge_unused(ctx)),
        Scenario("purge.partner nonces", nonces),
        Scenario("purge.idempotency purge_expired", lambda: in_session(purge_expired)),
        Scenario("sync.compact (job)", lambda: _compact_sync_log(ctx)),
        Scenario("purge.stale evidence uploads", lambda: in_session(purge_stale_uploads)),
        Scenario("purge.bots telegram updates seen", lambda: purge_seen_updates(ctx)),
        Scenario("purge.bots stale drafts", lambda: purge_stale_drafts(ctx)),
    ]


def ctx_now() -> Any:
    from backend.lib.clock import utcnow

    return utcnow()


def select_patrol(badge: str) -> Any:
    from backend.officers.models import Officer, UnitMember

    return (select(Officer.id, UnitMember.unit_id)  # type: ignore[call-overload]
            .join(UnitMember, UnitMember.officer_id == Officer.id).where(Officer.badge_number == badge))


async def login(http: httpx.AsyncClient, badge: str) -> str:
    response = await http.post("/api/v1/officer/auth/login", json={"badge_number": badge, "password": PASSWORD,
                                                                   "device_id": f"bench-{badge}"})
    if response.status_code != 200:
        raise RuntimeError(f"login {badge}: {response.status_code} {response.text[:300]}")
    return str(response.json()["access_token"])


async def measure(ctx: Context, explainer: Explainer, actors: Actors) -> list[Scenario]:
    import sqlalchemy as sa

    from backend.app import create_app
    from backend.partners.service import create

    async with ctx.sessions() as session:
        created = await create(session=session, secret_key=SECRET, name=f"bench-{uuid.uuid4().hex[:6]}")
        # a partner app sees only the reports filed through it: the measured citizen filed all theirs through this one
        await session.execute(sa.text("UPDATE reports SET partner_id = :partner WHERE citizen_id = "
                                      "(SELECT citizen_id FROM reports WHERE id = :report)"),
                              {"partner": created.id, "report": actors.citizen_report})
        await session.commit()
    app = create_app(ctx=ctx)
    async with app.lifespan(), httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                                  base_url="http://zan.bench", timeout=120) as http:
        tokens = {"dispatcher": await login(http, actors.dispatcher_badge),
                  "supervisor": await login(http, actors.supervisor_badge),
                  "patrol": await login(http, actors.patrol_badge)}
        chosen = scenarios(ctx, http, actors, tokens, (str(created.id), created.secret))
        for scenario in chosen:
            token = LABEL.set(scenario.name)
            try:
                await scenario.run()
            except Exception as exc:
                scenario.error = f"{type(exc).__name__}: {exc}"
            finally:
                LABEL.reset(token)
            started = time.perf_counter()
            with contextlib.suppress(Exception):
                await scenario.run()
            scenario.wall_ms = (time.perf_counter() - started) * 1000
            print(f"  {scenario.name:<42} {scenario.wall_ms:9.1f} ms end to end"
                  + (f"  ERROR {scenario.error}" if scenario.error else ""), flush=True)
    return chosen


# ---------------------------------------------------------------------------------------------------------- report


def report(explainer: Explainer, chosen: list[Scenario], plans: Path | None) -> None:
    print()
    print(f"{'scenario / statement':<62} {'calls':>5} {'ms':>8} {'bufs':>7}  plan")
    for scenario in chosen:
        items = [e for e in explainer.found.values() if e.scenario == scenario.name]
        print(f"{scenario.name}  [{scenario.wall_ms:.1f} ms end to end, {len(items)} statements]")
        for item in items:
            flag = "  SEQ " + ", ".join(item.big_seq) if item.big_seq else ""
            slow = "  SLOW" if item.ms > SLOW_MS else ""
            slow += f"  (JIT {item.jit_ms:.0f} ms)" if item.jit_ms else ""
            if item.error:
                print(f"    {item.what:<58} {item.calls:>5} ERROR {item.error[:120]}")
                continue
            print(f"    {item.what:<58} {item.calls:>5} {item.ms:8.2f} {item.buffers:>7}  {item.top}: "
                  f"{' | '.join(item.scans)}{flag}{slow}")
    flagged = [e for e in explainer.found.values() if e.big_seq or e.ms > SLOW_MS]
    print(f"\n{len(flagged)} statement(s) seq-scan a table of {BIG_TABLE:,}+ rows or take over {SLOW_MS:.0f} ms:")
    for item in flagged:
        print(f"  {item.scenario} — {item.what}: {item.ms:.1f} ms, {', '.join(item.big_seq) or 'no big seq scan'}")
    if plans is not None:
        with plans.open("w") as out:
            for item in explainer.found.values():
                out.write(f"=== {item.scenario} — {item.what} (calls {item.calls}, {item.ms:.2f} ms, "
                          f"planning {item.planning_ms:.2f} ms, JIT {item.jit_ms:.1f} ms, buffers {item.buffers})\n"
                          f"{item.sql}\n\n"
                          f"{item.error or item.plan}\n\n")
        print(f"\nplans written to {plans}")


def compare(before_path: Path, after_path: Path) -> None:
    """A markdown table: each statement of `after` beside the same statement (scenario and SQL) of `before`."""
    before, after = (json.loads(p.read_text()) for p in (before_path, after_path))
    old = {e["key"]: e for e in before["statements"]}
    walls_before = {s["name"]: s["wall_ms"] for s in before["scenarios"]}
    print("| query | statement | plan before | plan after | ms before | ms after |")
    print("|---|---|---|---|---:|---:|")
    for e in after["statements"]:
        b = old.get(e["key"])
        if b is None or (b["ms"] < 1 and e["ms"] < 1 and b["scans"] == e["scans"]):
            continue
        print(f"| {e['scenario']} | {e['what']} | {' · '.join(b['scans']) or b['top']} | "
              f"{' · '.join(e['scans']) or e['top']} | {b['ms']:.2f} | {e['ms']:.2f} |")
    print("\n| scenario | end to end before (ms) | after (ms) |")
    print("|---|---:|---:|")
    for s in after["scenarios"]:
        print(f"| {s['name']} | {walls_before.get(s['name'], math.nan):.1f} | {s['wall_ms']:.1f} |")


# ------------------------------------------------------------------------------------------------------------ main


@contextlib.asynccontextmanager
async def scratch_database(keep: bool, existing: str | None) -> AsyncIterator[tuple[str, str]]:
    name = existing or f"zan_qbench_{uuid.uuid4().hex[:8]}"
    if not existing:
        await _admin(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}", f"{base.replace('postgresql://', 'postgresql+asyncpg://')}/{name}"
    finally:
        if keep or existing:
            print(f"kept database {name}")
        else:
            await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def table_sizes(dsn: str) -> dict[str, int]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch("SELECT relname, reltuples::bigint AS n, pg_total_relation_size(oid) AS bytes "
                                "FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace")
    finally:
        await conn.close()
    return {r["relname"]: max(0, int(r["n"])) for r in rows} | {
        f"{r['relname']}:bytes": int(r["bytes"]) for r in rows}


async def main_async(args: argparse.Namespace) -> None:
    from backend.officers.auth import hash_password

    began = time.perf_counter()
    async with scratch_database(args.keep, args.db) as (dsn, url):
        started = time.perf_counter()
        if args.db:
            pass  # loaded by an earlier --keep run: measure it as it is now
        elif args.baseline:
            for head in BASELINE_HEADS:
                await asyncio.to_thread(upgrade, url, head)
        else:
            await asyncio.to_thread(upgrade, url)
        conn = await asyncpg.connect(dsn)
        try:
            version = await conn.fetchval("SELECT version()")
            heads = [r[0] for r in await conn.fetch("SELECT version_num FROM alembic_version ORDER BY 1")]
            shared = await conn.fetchval("SHOW shared_buffers")
            jit = await conn.fetchval("SHOW jit")
        finally:
            await conn.close()
        print(f"migrated to {', '.join(heads)} in {time.perf_counter() - started:.1f} s")
        print(f"{version.split(',')[0]}, shared_buffers {shared}, jit {'off' if args.no_jit else jit}; "
              f"{os.cpu_count()} CPUs; "
              f"{args.reports:,} reports requested")
        if args.db:
            sizes = await table_sizes(dsn)
        else:
            password_hash = await asyncio.to_thread(hash_password, PASSWORD)
            started = time.perf_counter()
            sizes = await load(dsn, args.reports, str(password_hash))
            print(f"loaded in {time.perf_counter() - started:.1f} s")
        shown = sorted((k for k in sizes if ":" not in k and sizes[k] >= 1000), key=lambda k: -sizes[k])
        print("  " + ", ".join(f"{k} {sizes[k]:,} ({sizes[k + ':bytes'] / 2**20:.0f} MB)" for k in shown))
        if args.no_jit:
            await _admin(f'ALTER DATABASE "{dsn.rsplit("/", 1)[1]}" SET jit = off')
        actors = await pick_actors(dsn)
        tmp = Path(tempfile.mkdtemp(prefix="zan-qbench-"))
        settings = Settings(database_url=url, redis_url=None, secret_key=SECRET, var_dir=tmp, media_dir=tmp / "media",
                            log_json=False, log_level="ERROR", enable_relay=False)
        ctx = build_context(settings)
        explainer = Explainer(sizes)
        explainer.attach(ctx.engine)
        try:
            await make_head_seal(ctx)
            print("\nscenarios (each: EXPLAINed once, then timed once more without EXPLAIN):")
            chosen = await measure(ctx, explainer, actors)
        finally:
            await ctx.close()
            shutil.rmtree(tmp, ignore_errors=True)
        report(explainer, chosen, Path(args.plans) if args.plans else None)
        if args.json:
            Path(args.json).write_text(json.dumps({  # noqa: ASYNC240
                "reports": args.reports, "baseline": args.baseline, "heads": heads, "postgres": version,
                "jit": not args.no_jit,
                "sizes": {k: v for k, v in sizes.items() if ":" not in k},
                "scenarios": [{"name": s.name, "wall_ms": s.wall_ms, "error": s.error} for s in chosen],
                "statements": [asdict(e) | {"what": e.what, "key": e.key} for e in explainer.found.values()],
            }, indent=1, default=str))
            print(f"results written to {args.json}")
    print(f"\ntotal {time.perf_counter() - began:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--reports", type=int, default=300_000, help="reports to load (default 300,000)")
    parser.add_argument("--baseline", action="store_true",
                        help="migrate only to the heads before q1_scale_indexes (measure without its indexes)")
    parser.add_argument("--json", help="write the results here (for --compare)")
    parser.add_argument("--plans", help="write every statement's SQL and plan here")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database (drop it yourself)")
    parser.add_argument("--no-jit", action="store_true",
                        help="SET jit = off on the database before measuring (as docs/benchmarks-queries.md advises)")
    parser.add_argument("--db", help="measure this database, loaded by an earlier --keep run, instead of a new one")
    parser.add_argument("--compare", nargs=2, metavar=("BEFORE", "AFTER"), help="markdown table of two --json runs")
    args = parser.parse_args()
    if args.compare:
        compare(Path(args.compare[0]), Path(args.compare[1]))
        return
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
