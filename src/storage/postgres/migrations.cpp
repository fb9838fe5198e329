#include "storage/postgres/migrations.hpp"

namespace tocsin::storage::postgres {

const std::vector<Migration>& Migrations() {
  // Never edit a released migration: add a new one. Times are microseconds
  // since the Unix epoch (BIGINT), as in the SQLite backend, so that rows
  // copy between the two unchanged.
  static const std::vector<Migration> kMigrations = {
      {1, "incidents, timeline, alerts, outbox, keys, overrides, sign-in, reloads", R"sql(
CREATE TABLE incidents (
  public_id BIGINT PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  title TEXT NOT NULL,
  severity TEXT NOT NULL,
  state TEXT NOT NULL,
  commander_uuid TEXT,
  commander_handle TEXT,
  customer_impacted INTEGER NOT NULL,
  created BIGINT NOT NULL,
  modified BIGINT NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  version BIGINT NOT NULL,
  doc TEXT NOT NULL,
  due_at BIGINT
);
CREATE INDEX incidents_live ON incidents(public_id) WHERE deleted = 0;
CREATE INDEX incidents_state_severity ON incidents(state, severity, public_id) WHERE deleted = 0;
CREATE INDEX incidents_severity ON incidents(severity, public_id) WHERE deleted = 0;
CREATE INDEX incidents_commander ON incidents(commander_handle, public_id) WHERE deleted = 0;
CREATE INDEX incidents_due ON incidents(due_at, public_id) WHERE due_at IS NOT NULL AND deleted = 0;
-- Public ids are gap-free: the next one is taken from this row, whose lock
-- orders concurrent creations (a rolled-back creation gives its number back).
CREATE TABLE incident_counter (
  one INTEGER PRIMARY KEY CHECK (one = 1),
  n BIGINT NOT NULL
);
INSERT INTO incident_counter (one, n) VALUES (1, 0);
-- One row per (custom field, value) of each incident, for search and facets.
CREATE TABLE incident_terms (
  facet TEXT NOT NULL,
  value TEXT NOT NULL,
  incident BIGINT NOT NULL,
  PRIMARY KEY (facet, value, incident)
);
CREATE INDEX incident_terms_incident ON incident_terms(incident);
-- The append-only timeline.
CREATE TABLE incident_events (
  seq BIGSERIAL PRIMARY KEY,
  incident BIGINT NOT NULL,
  at BIGINT NOT NULL,
  actor_uuid TEXT NOT NULL,
  actor_handle TEXT NOT NULL,
  kind TEXT NOT NULL,
  message TEXT NOT NULL,
  changes TEXT NOT NULL
);
CREATE INDEX incident_events_incident ON incident_events(incident, seq);
CREATE FUNCTION tocsin_refuse_event_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'timeline events are append-only'; END $$;
CREATE TRIGGER incident_events_append_only BEFORE UPDATE OR DELETE ON incident_events
  FOR EACH ROW EXECUTE FUNCTION tocsin_refuse_event_change();
CREATE TABLE api_keys (
  seq BIGSERIAL,
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  api_key_hash TEXT NOT NULL UNIQUE,
  app_key_hash TEXT,
  user_handle TEXT NOT NULL,
  hint TEXT NOT NULL,
  created BIGINT NOT NULL,
  revoked BIGINT,
  scope TEXT NOT NULL DEFAULT 'admin'
);
CREATE UNIQUE INDEX api_keys_live_name ON api_keys(name) WHERE revoked IS NULL;
CREATE INDEX api_keys_app ON api_keys(app_key_hash);
-- Every alert received, with what it did; the whole normalised alert is in doc.
CREATE TABLE alerts (
  seq BIGSERIAL PRIMARY KEY,
  source TEXT NOT NULL,
  delivery_key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  group_key TEXT NOT NULL,
  monitor_name TEXT NOT NULL,
  state TEXT NOT NULL,
  received_at BIGINT NOT NULL,
  doc TEXT NOT NULL,
  decision TEXT NOT NULL,
  detail TEXT NOT NULL,
  incident_id TEXT
);
CREATE UNIQUE INDEX alerts_delivery ON alerts(source, delivery_key) WHERE delivery_key <> '';
CREATE INDEX alerts_monitor ON alerts(monitor_name, seq);
CREATE INDEX alerts_state ON alerts(state, seq);
CREATE TABLE alert_tags (
  tag TEXT NOT NULL,
  seq BIGINT NOT NULL,
  PRIMARY KEY (tag, seq)
);
-- The incident each alert group opened most recently.
CREATE TABLE alert_groups (
  group_key TEXT PRIMARY KEY,
  incident_id TEXT NOT NULL
);
-- Notifications written in the same transaction as the change that causes them.
CREATE TABLE outbox (
  id BIGSERIAL PRIMARY KEY,
  incident_id TEXT NOT NULL,
  channel TEXT NOT NULL,
  kind TEXT NOT NULL,
  reason TEXT NOT NULL,
  created BIGINT NOT NULL,
  state TEXT NOT NULL DEFAULT 'queued',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  delivered_at BIGINT,
  thread_ts TEXT NOT NULL DEFAULT '',
  recipient TEXT NOT NULL DEFAULT '',
  contact_method INTEGER NOT NULL DEFAULT 0,
  contact_type TEXT NOT NULL DEFAULT '',
  contact_address TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_due ON outbox(next_attempt_at, id) WHERE state = 'queued';
CREATE INDEX outbox_incident ON outbox(incident_id, id);
CREATE INDEX outbox_channel ON outbox(channel, id);
CREATE INDEX outbox_state ON outbox(state, id);
CREATE INDEX outbox_retrying ON outbox(incident_id, channel, recipient, contact_method, id)
  WHERE state = 'queued' AND attempts > 0;
CREATE TABLE schedule_overrides (
  id TEXT PRIMARY KEY,
  schedule TEXT NOT NULL,
  user_handle TEXT NOT NULL,
  for_user TEXT NOT NULL,
  start_at BIGINT NOT NULL,
  end_at BIGINT NOT NULL,
  created_by TEXT NOT NULL,
  created BIGINT NOT NULL,
  removed BIGINT,
  removed_by TEXT NOT NULL DEFAULT ''
);
-- Web UI sign-in: Argon2id hashes and SHA-256 of session tokens only.
CREATE TABLE user_passwords (
  handle TEXT PRIMARY KEY,
  hash TEXT NOT NULL,
  modified BIGINT NOT NULL
);
CREATE TABLE web_sessions (
  token_hash TEXT PRIMARY KEY,
  user_handle TEXT NOT NULL,
  created BIGINT NOT NULL,
  expires BIGINT NOT NULL
);
CREATE INDEX web_sessions_expires ON web_sessions(expires);
CREATE TABLE config_reloads (
  seq BIGSERIAL PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  at BIGINT NOT NULL,
  actor TEXT NOT NULL,
  hash TEXT NOT NULL,
  previous_hash TEXT NOT NULL,
  changes TEXT NOT NULL,
  needs_restart TEXT NOT NULL
);
)sql"},
      {2, "outbox claims with leases and fencing tokens", R"sql(
-- A claim is a lease in the database (ADR 0013): the replica that claimed a
-- delivery, until when (the database's clock, microseconds), and a fencing
-- token from a sequence. Recording an attempt requires the token still to be
-- there, so a replica whose lease ran out (a stall) and was taken over
-- cannot record over the new owner.
ALTER TABLE outbox ADD COLUMN claim_token BIGINT;
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN lease_until BIGINT;
CREATE SEQUENCE outbox_claim_tokens;
CREATE INDEX outbox_leased ON outbox(incident_id, channel, recipient, contact_method, id)
  WHERE lease_until IS NOT NULL;
CREATE FUNCTION tocsin_now_us() RETURNS BIGINT LANGUAGE sql VOLATILE AS
  $$ SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::BIGINT $$;
)sql"},
      {3, "public ids from a sequence", R"sql(
-- The counter row of migration 1 was locked from a creation until its
-- COMMIT, so creations committed one at a time (measured: ~270 alert-opened
-- incidents/s, bench/pg_bench.sh) and PostgreSQL could not group their WAL
-- flushes. A sequence is never locked; the price is that a creation rolled
-- back after taking its number leaves a gap (ids still increase).
CREATE SEQUENCE incident_public_ids;
SELECT CASE WHEN n > 0 THEN setval('incident_public_ids', n, true) ELSE setval('incident_public_ids', 1, false) END
  FROM incident_counter;
DROP TABLE incident_counter;
)sql"},
      {4, "notices: outbox deliveries about no incident", R"sql(
-- As SQLite's migration 14: a notice is a delivery with an empty incident_id,
-- a key unique across the outbox, and the message it carries.
ALTER TABLE outbox ADD COLUMN notice_key TEXT;
ALTER TABLE outbox ADD COLUMN body TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX outbox_notice_key ON outbox(notice_key) WHERE notice_key IS NOT NULL;
)sql"},
      {5, "replica heartbeats with their config hash", R"sql(
-- One row per serving replica (its TOCSIN_REPLICA_ID or host and listen
-- address): the SHA-256 of the config file it runs and when it last said so
-- (the database's clock, microseconds). A replica refuses to start on
-- another config than live replicas hold, unless told to roll.
CREATE TABLE replicas (
  id TEXT PRIMARY KEY,
  config_hash TEXT NOT NULL,
  started BIGINT NOT NULL,
  last_seen BIGINT NOT NULL
);
)sql"},
      {6, "one statement per ingested alert", R"sql(
-- Everything one ingested alert writes, in one statement (ADR 0019): the
-- incident it opens (its public id taken here, spliced into the document
-- between doc_head and doc_tail) or updates, the incident's terms and
-- events, the alert group, the outbox rows, the alert and its tags. Its
-- statements were ten, each a protocol exchange and an executor start in
-- the backend, which cost more than the rows they wrote.
--
-- With p_check, it first takes the advisory locks (sorted keys, as the
-- store's own statement) and writes nothing when the alert is a redelivery,
-- its group already exists, or an earlier call in the same transaction wrote
-- nothing: the store decided the alert as the first of a new group, and must
-- decide it again with what the database holds, in order.
-- p_mode: 0 no incident, 1 open one, 2 update incident p_public_id.
-- Terms: NULL facets leave them alone; p_terms_replace deletes them first.
CREATE FUNCTION tocsin_ingest(
  p_check BOOLEAN, p_locks TEXT[], p_group_key TEXT,
  p_mode INTEGER, p_public_id BIGINT, p_id TEXT, p_title TEXT, p_severity TEXT, p_state TEXT,
  p_commander_uuid TEXT, p_commander_handle TEXT, p_customer_impacted INTEGER, p_created BIGINT,
  p_modified BIGINT, p_deleted INTEGER, p_version BIGINT, p_doc_head TEXT, p_doc_tail TEXT, p_due_at BIGINT,
  p_terms_replace BOOLEAN, p_term_facets TEXT[], p_term_values TEXT[],
  p_ev_at BIGINT[], p_ev_uuid TEXT[], p_ev_handle TEXT[], p_ev_kind TEXT[], p_ev_message TEXT[], p_ev_changes TEXT[],
  p_ob_incident TEXT[], p_ob_channel TEXT[], p_ob_kind TEXT[], p_ob_reason TEXT[], p_ob_created BIGINT[],
  p_ob_due BIGINT[], p_ob_recipient TEXT[], p_ob_method INTEGER[], p_ob_type TEXT[], p_ob_address TEXT[],
  p_source TEXT, p_delivery_key TEXT, p_fingerprint TEXT, p_monitor_name TEXT, p_alert_state TEXT,
  p_received_at BIGINT, p_alert_doc TEXT, p_decision TEXT, p_detail TEXT, p_incident_id TEXT, p_tags TEXT[],
  OUT o_written BOOLEAN, OUT o_seq BIGINT, OUT o_public_id BIGINT)
LANGUAGE plpgsql AS $$
DECLARE
  v_pid BIGINT := p_public_id;
BEGIN
  o_written := FALSE;
  IF p_check THEN
    IF current_setting('tocsin.ingest_stopped', TRUE) = 'yes' THEN RETURN; END IF;
    PERFORM pg_advisory_xact_lock(hashtextextended(k, 7)) FROM unnest(p_locks) WITH ORDINALITY AS t(k, n) ORDER BY n;
    IF (p_delivery_key <> '' AND EXISTS (SELECT 1 FROM alerts a WHERE a.source = p_source
                                         AND a.delivery_key = p_delivery_key AND a.delivery_key <> ''))
       OR EXISTS (SELECT 1 FROM alert_groups g WHERE g.group_key = p_group_key) THEN
      PERFORM set_config('tocsin.ingest_stopped', 'yes', TRUE);
      RETURN;
    END IF;
  END IF;
  IF p_mode = 1 THEN
    v_pid := nextval('incident_public_ids');
    INSERT INTO incidents (public_id, id, title, severity, state, commander_uuid, commander_handle,
                           customer_impacted, created, modified, deleted, version, doc, due_at)
    VALUES (v_pid, p_id, p_title, p_severity, p_state, p_commander_uuid, p_commander_handle,
            p_customer_impacted, p_created, p_modified, p_deleted, p_version, p_doc_head || v_pid || p_doc_tail,
            p_due_at);
    INSERT INTO alert_groups (group_key, incident_id) VALUES (p_group_key, p_id)
      ON CONFLICT (group_key) DO UPDATE SET incident_id = excluded.incident_id;
  ELSIF p_mode = 2 THEN
    UPDATE incidents SET id = p_id, title = p_title, severity = p_severity, state = p_state,
      commander_uuid = p_commander_uuid, commander_handle = p_commander_handle,
      customer_impacted = p_customer_impacted, created = p_created, modified = p_modified, deleted = p_deleted,
      version = p_version, doc = p_doc_head || p_doc_tail, due_at = p_due_at
    WHERE public_id = v_pid;
  END IF;
  IF p_mode <> 0 AND p_term_facets IS NOT NULL THEN
    IF p_terms_replace THEN DELETE FROM incident_terms WHERE incident = v_pid; END IF;
    -- The incident's terms are all here (none left, for an update), so
    -- DISTINCT suffices where ON CONFLICT would probe each row twice.
    INSERT INTO incident_terms (facet, value, incident)
      SELECT DISTINCT f, v, v_pid FROM unnest(p_term_facets, p_term_values) AS t(f, v);
  END IF;
  IF p_mode <> 0 AND cardinality(p_ev_at) > 0 THEN
    INSERT INTO incident_events (incident, at, actor_uuid, actor_handle, kind, message, changes)
      SELECT v_pid, e.at, e.u, e.h, e.k, e.m, e.c
      FROM unnest(p_ev_at, p_ev_uuid, p_ev_handle, p_ev_kind, p_ev_message, p_ev_changes)
        WITH ORDINALITY AS e(at, u, h, k, m, c, n) ORDER BY e.n;
  END IF;
  IF cardinality(p_ob_incident) > 0 THEN
    INSERT INTO outbox (incident_id, channel, kind, reason, created, next_attempt_at, recipient, contact_method,
                        contact_type, contact_address)
      SELECT o.i, o.ch, o.k, o.r, o.cr, o.d, o.u, o.m, o.t, o.a
      FROM unnest(p_ob_incident, p_ob_channel, p_ob_kind, p_ob_reason, p_ob_created, p_ob_due, p_ob_recipient,
                  p_ob_method, p_ob_type, p_ob_address) WITH ORDINALITY AS o(i, ch, k, r, cr, d, u, m, t, a, n)
      ORDER BY o.n;
  END IF;
  INSERT INTO alerts (source, delivery_key, fingerprint, group_key, monitor_name, state, received_at, doc, decision,
                      detail, incident_id)
  VALUES (p_source, p_delivery_key, p_fingerprint, p_group_key, p_monitor_name, p_alert_state, p_received_at,
          p_alert_doc, p_decision, p_detail, p_incident_id)
  RETURNING seq INTO o_seq;
  IF cardinality(p_tags) > 0 THEN
    INSERT INTO alert_tags (tag, seq) SELECT DISTINCT t, o_seq FROM unnest(p_tags) AS t;
  END IF;
  o_written := TRUE;
  o_public_id := v_pid;
END $$;
)sql"},
      {7, "one statement for a batch of independent alerts", R"sql(
-- tocsin_ingest for many alerts at once (ADR 0019), the alerts of one
-- request (or of combined requests) whose groups the store has not seen:
-- each insert runs once for all of them instead of once per alert. Every alert is of a different
-- group; one whose delivery key was seen or whose group exists is not
-- written (and not returned), nor, with p_prefix (the alerts of one
-- request, kept in order), is any alert after it. The others are, each
-- with its own public id (when it opens an incident) and alert seq, both
-- taken in the alerts' order. Per alert (index n, from 1): p_mode (0 no
-- incident, 1 open one), the incident's row, the alert's row; terms,
-- events, outbox rows and tags are flattened with the index of their alert.
CREATE FUNCTION tocsin_ingest_many(
  p_prefix BOOLEAN, p_locks TEXT[], p_group_key TEXT[], p_mode INTEGER[], p_id TEXT[], p_title TEXT[], p_severity TEXT[],
  p_state TEXT[], p_commander_uuid TEXT[], p_commander_handle TEXT[], p_customer_impacted INTEGER[],
  p_created BIGINT[], p_modified BIGINT[], p_deleted INTEGER[], p_version BIGINT[], p_doc_head TEXT[],
  p_doc_tail TEXT[], p_due_at BIGINT[],
  p_term_n INTEGER[], p_term_facets TEXT[], p_term_values TEXT[],
  p_ev_n INTEGER[], p_ev_at BIGINT[], p_ev_uuid TEXT[], p_ev_handle TEXT[], p_ev_kind TEXT[], p_ev_message TEXT[],
  p_ev_changes TEXT[],
  p_ob_n INTEGER[], p_ob_incident TEXT[], p_ob_channel TEXT[], p_ob_kind TEXT[], p_ob_reason TEXT[],
  p_ob_created BIGINT[], p_ob_due BIGINT[], p_ob_recipient TEXT[], p_ob_method INTEGER[], p_ob_type TEXT[],
  p_ob_address TEXT[],
  p_source TEXT[], p_delivery_key TEXT[], p_fingerprint TEXT[], p_monitor_name TEXT[], p_alert_state TEXT[],
  p_received_at BIGINT[], p_alert_doc TEXT[], p_decision TEXT[], p_detail TEXT[], p_incident_id TEXT[],
  p_tag_n INTEGER[], p_tags TEXT[])
RETURNS TABLE (o_n INTEGER, o_seq BIGINT, o_public_id BIGINT)
-- Planning this statement, and compiling it (JIT: its estimated cost is
-- high, the arrays' sizes unknown), cost more than running it for a few
-- alerts: one generic plan, interpreted.
SET plan_cache_mode = force_generic_plan
SET jit = off
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended(k, 7)) FROM unnest(p_locks) WITH ORDINALITY AS t(k, n) ORDER BY n;
  RETURN QUERY
  WITH a AS (
    SELECT * FROM unnest(p_group_key, p_mode, p_id, p_title, p_severity, p_state, p_commander_uuid,
                         p_commander_handle, p_customer_impacted, p_created, p_modified, p_deleted, p_version,
                         p_doc_head, p_doc_tail, p_due_at, p_source, p_delivery_key, p_fingerprint, p_monitor_name,
                         p_alert_state, p_received_at, p_alert_doc, p_decision, p_detail, p_incident_id)
      WITH ORDINALITY AS a(gk, mode, id, title, severity, state, cuuid, chandle, cimpact, created, modified,
                           deleted, version, head, tail, due, src, dkey, fp, monitor, astate, received, adoc,
                           decision, detail, incident, n)
  ), blocked AS MATERIALIZED (
    SELECT a.n FROM a
    WHERE EXISTS (SELECT 1 FROM alert_groups g WHERE g.group_key = a.gk)
       OR (a.dkey <> '' AND EXISTS (SELECT 1 FROM alerts x WHERE x.source = a.src AND x.delivery_key = a.dkey
                                    AND x.delivery_key <> ''))
  ), fresh AS MATERIALIZED (
    SELECT a.* FROM a
    WHERE a.n NOT IN (SELECT b.n FROM blocked b)
      AND (NOT p_prefix OR a.n < COALESCE((SELECT min(b.n) FROM blocked b), a.n + 1))
    ORDER BY a.n
  ), ok AS MATERIALIZED (
    SELECT f.*, CASE WHEN f.mode = 1 THEN nextval('incident_public_ids') END AS pid,
           nextval('alerts_seq_seq') AS aseq
    FROM fresh f ORDER BY f.n
  ), inc AS (
    INSERT INTO incidents (public_id, id, title, severity, state, commander_uuid, commander_handle,
                           customer_impacted, created, modified, deleted, version, doc, due_at)
    SELECT ok.pid, ok.id, ok.title, ok.severity, ok.state, ok.cuuid, ok.chandle, ok.cimpact, ok.created,
           ok.modified, ok.deleted, ok.version, ok.head || ok.pid || ok.tail, ok.due
    FROM ok WHERE ok.mode = 1 ORDER BY ok.n
  ), grp AS (
    INSERT INTO alert_groups (group_key, incident_id) SELECT ok.gk, ok.id FROM ok WHERE ok.mode = 1
    ON CONFLICT (group_key) DO UPDATE SET incident_id = excluded.incident_id
  ), trm AS (
    INSERT INTO incident_terms (facet, value, incident)
    SELECT DISTINCT t.f, t.v, ok.pid FROM unnest(p_term_n, p_term_facets, p_term_values) AS t(n, f, v)
    JOIN ok ON ok.n = t.n WHERE ok.mode = 1
  ), evt AS (
    INSERT INTO incident_events (incident, at, actor_uuid, actor_handle, kind, message, changes)
    SELECT ok.pid, e.at, e.u, e.h, e.k, e.m, e.c
    FROM unnest(p_ev_n, p_ev_at, p_ev_uuid, p_ev_handle, p_ev_kind, p_ev_message, p_ev_changes)
      WITH ORDINALITY AS e(n, at, u, h, k, m, c, ord)
    JOIN ok ON ok.n = e.n WHERE ok.mode = 1 ORDER BY e.ord
  ), obx AS (
    INSERT INTO outbox (incident_id, channel, kind, reason, created, next_attempt_at, recipient, contact_method,
                        contact_type, contact_address)
    SELECT o.i, o.ch, o.k, o.r, o.cr, o.d, o.u, o.m, o.t, o.a
    FROM unnest(p_ob_n, p_ob_incident, p_ob_channel, p_ob_kind, p_ob_reason, p_ob_created, p_ob_due,
                p_ob_recipient, p_ob_method, p_ob_type, p_ob_address)
      WITH ORDINALITY AS o(n, i, ch, k, r, cr, d, u, m, t, a, ord)
    JOIN ok ON ok.n = o.n ORDER BY o.ord
  ), alr AS (
    INSERT INTO alerts (seq, source, delivery_key, fingerprint, group_key, monitor_name, state, received_at, doc,
                        decision, detail, incident_id)
    SELECT ok.aseq, ok.src, ok.dkey, ok.fp, ok.gk, ok.monitor, ok.astate, ok.received, ok.adoc, ok.decision,
           ok.detail, ok.incident
    FROM ok ORDER BY ok.n
  ), tg AS (
    INSERT INTO alert_tags (tag, seq)
    SELECT DISTINCT g.t, ok.aseq FROM unnest(p_tag_n, p_tags) AS g(n, t) JOIN ok ON ok.n = g.n
  )
  SELECT ok.n::INTEGER, ok.aseq, ok.pid FROM ok ORDER BY ok.n;
END $$;
)sql"},
  };
  return kMigrations;
}

}  // namespace tocsin::storage::postgres
