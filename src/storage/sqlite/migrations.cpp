#include "storage/sqlite/migrations.hpp"

namespace tocsin::storage::sqlite {

const std::vector<Migration>& Migrations() {
  // Never edit a released migration: add a new one.
  static const std::vector<Migration> kMigrations = {
      {1, "incidents, timeline events, api keys", R"sql(
CREATE TABLE incidents (
  public_id INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  title TEXT NOT NULL,
  severity TEXT NOT NULL,
  state TEXT NOT NULL,
  commander_uuid TEXT,
  commander_handle TEXT,
  customer_impacted INTEGER NOT NULL,
  created INTEGER NOT NULL,
  modified INTEGER NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  version INTEGER NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX incidents_state ON incidents(state, public_id) WHERE deleted = 0;
CREATE INDEX incidents_severity ON incidents(severity, public_id) WHERE deleted = 0;
CREATE INDEX incidents_commander ON incidents(commander_handle, public_id) WHERE deleted = 0;
-- One row per (custom field, value) of each incident, for search and facets.
CREATE TABLE incident_terms (
  facet TEXT NOT NULL,
  value TEXT NOT NULL,
  incident INTEGER NOT NULL,
  PRIMARY KEY (facet, value, incident)
) WITHOUT ROWID;
CREATE INDEX incident_terms_incident ON incident_terms(incident);
-- The append-only timeline: every change, note and status update.
CREATE TABLE incident_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  incident INTEGER NOT NULL,
  at INTEGER NOT NULL,
  actor_uuid TEXT NOT NULL,
  actor_handle TEXT NOT NULL,
  kind TEXT NOT NULL,
  message TEXT NOT NULL,
  changes TEXT NOT NULL
);
CREATE INDEX incident_events_incident ON incident_events(incident, seq);
CREATE TRIGGER incident_events_append_only_update BEFORE UPDATE ON incident_events
  BEGIN SELECT RAISE(ABORT, 'timeline events are append-only'); END;
CREATE TRIGGER incident_events_append_only_delete BEFORE DELETE ON incident_events
  BEGIN SELECT RAISE(ABORT, 'timeline events are append-only'); END;
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  api_key_hash TEXT NOT NULL UNIQUE,
  app_key_hash TEXT,
  user_handle TEXT NOT NULL,
  hint TEXT NOT NULL,
  created INTEGER NOT NULL,
  revoked INTEGER
);
CREATE UNIQUE INDEX api_keys_live_name ON api_keys(name) WHERE revoked IS NULL;
CREATE INDEX api_keys_app ON api_keys(app_key_hash);
)sql"},
      {2, "alerts, alert groups, notification outbox", R"sql(
-- Every alert received, with what it did; the whole normalised alert is in doc.
CREATE TABLE alerts (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  source TEXT NOT NULL,
  delivery_key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  group_key TEXT NOT NULL,
  monitor_name TEXT NOT NULL,
  state TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  doc TEXT NOT NULL,
  decision TEXT NOT NULL,
  detail TEXT NOT NULL,
  incident_id TEXT
);
CREATE UNIQUE INDEX alerts_delivery ON alerts(source, delivery_key) WHERE delivery_key <> '';
CREATE INDEX alerts_monitor ON alerts(monitor_name, seq);
CREATE INDEX alerts_state ON alerts(state, seq);
CREATE INDEX alerts_fingerprint ON alerts(fingerprint, seq);
CREATE TABLE alert_tags (
  tag TEXT NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (tag, seq)
) WITHOUT ROWID;
-- The incident each alert group opened most recently.
CREATE TABLE alert_groups (
  group_key TEXT PRIMARY KEY,
  incident_id TEXT NOT NULL
) WITHOUT ROWID;
-- Notifications written in the same transaction as the change that causes them.
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  incident_id TEXT NOT NULL,
  channel TEXT NOT NULL,
  kind TEXT NOT NULL,
  reason TEXT NOT NULL,
  created INTEGER NOT NULL,
  state TEXT NOT NULL DEFAULT 'queued'
);
CREATE INDEX outbox_state ON outbox(state, id);
CREATE INDEX outbox_incident ON outbox(incident_id, id);
)sql"},
      {3, "outbox delivery state", R"sql(
ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN next_attempt_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN delivered_at INTEGER;
ALTER TABLE outbox ADD COLUMN thread_ts TEXT NOT NULL DEFAULT '';
DROP INDEX outbox_state;
CREATE INDEX outbox_due ON outbox(state, next_attempt_at, id);
CREATE INDEX outbox_channel ON outbox(channel, id);
)sql"},
      {4, "schedule overrides", R"sql(
CREATE TABLE schedule_overrides (
  id TEXT PRIMARY KEY,
  schedule TEXT NOT NULL,
  user_handle TEXT NOT NULL,
  for_user TEXT NOT NULL,
  start INTEGER NOT NULL,
  end INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  created INTEGER NOT NULL,
  removed INTEGER,
  removed_by TEXT NOT NULL DEFAULT ''
);
)sql"},
      {5, "indexes for paging and narrow searches", R"sql(
-- Paging live incidents by public id without visiting tombstones, and the
-- common state + severity search, measured on 1,000,000 incidents
-- (bench/http_bench.sh): OFFSET 900000 from ~0.8 s to ~50 ms; a narrow search
-- from ~110 ms to under 1 ms per statement.
CREATE INDEX incidents_live ON incidents(public_id) WHERE deleted = 0;
CREATE INDEX incidents_state_severity ON incidents(state, severity, public_id) WHERE deleted = 0;
)sql"},
      {6, "engine due times", R"sql(
-- When escalation or reminders next have something to do for an incident, so
-- the engine reads only the incidents that are due instead of every open one.
-- Filled for open incidents at start-up (the configuration decides it).
ALTER TABLE incidents ADD COLUMN due_at INTEGER;
CREATE INDEX incidents_due ON incidents(due_at, public_id) WHERE due_at IS NOT NULL AND deleted = 0;
)sql"},
      {7, "outbox deliveries to a person's contact method", R"sql(
-- A page to one person through one of their contact methods (users[].contact_methods):
-- who, which method (1-based), its type and its address (Slack member id or email;
-- never a secret: a PagerDuty routing key is read from the config when sending).
ALTER TABLE outbox ADD COLUMN recipient TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN contact_method INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN contact_type TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN contact_address TEXT NOT NULL DEFAULT '';
)sql"},
      {8, "drop the unused alert fingerprint index", R"sql(
-- No query reads alerts by fingerprint (groups are found through
-- alert_groups), and fingerprints are hashes: each insert dirtied a random
-- page of this index, rewritten whole in the WAL at every commit (about 4 KB
-- per alert when alerts arrive one per request).
DROP INDEX IF EXISTS alerts_fingerprint;
)sql"},
      {9, "row count and deleted index for deep offset pages", R"sql(
-- A page at a deep offset of the unfiltered listing is found by arithmetic
-- over public ids instead of stepping through the offset (live_offset.cpp).
-- That is sound only when the public ids are gap-free, which these prove
-- cheaply: rows = MAX - MIN + 1. The triggers keep the count exact for every
-- insert and delete made through SQL (nothing here deletes rows; nothing uses
-- INSERT OR REPLACE on incidents, whose implicit delete would not fire them).
-- Deleted incidents are rare; their index lets the arithmetic skip them.
CREATE TABLE incident_count (
  one INTEGER PRIMARY KEY CHECK (one = 1),
  n INTEGER NOT NULL
);
INSERT INTO incident_count (one, n) SELECT 1, COUNT(*) FROM incidents;
CREATE TRIGGER incident_count_insert AFTER INSERT ON incidents
  BEGIN UPDATE incident_count SET n = n + 1 WHERE one = 1; END;
CREATE TRIGGER incident_count_delete AFTER DELETE ON incidents
  BEGIN UPDATE incident_count SET n = n - 1 WHERE one = 1; END;
CREATE INDEX incidents_deleted ON incidents(public_id) WHERE deleted <> 0;
)sql"},
      {10, "outbox lanes across retries, and delivery counts by state", R"sql(
-- A claim holds a delivery back while an earlier one of its lane (incident,
-- channel, recipient, contact method) waits for a retry. Deliveries that were
-- tried and are queued again are few, so this index of them is small.
CREATE INDEX outbox_retrying ON outbox(incident_id, channel, recipient, contact_method, id)
  WHERE state = 'queued' AND attempts > 0;
-- /metrics reads these counts instead of counting the outbox. The triggers
-- keep them exact for every insert and state change made through SQL
-- (outbox rows are never deleted).
CREATE TABLE outbox_counts (
  state TEXT PRIMARY KEY,
  n INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO outbox_counts (state, n)
  SELECT s.state, (SELECT COUNT(*) FROM outbox WHERE outbox.state = s.state)
  FROM (SELECT 'queued' AS state UNION ALL SELECT 'sending' UNION ALL SELECT 'delivered' UNION ALL
        SELECT 'failed' UNION ALL SELECT 'gave_up' UNION ALL SELECT 'cancelled') AS s;
CREATE TRIGGER outbox_counts_insert AFTER INSERT ON outbox
  BEGIN UPDATE outbox_counts SET n = n + 1 WHERE state = NEW.state; END;
CREATE TRIGGER outbox_counts_update AFTER UPDATE OF state ON outbox WHEN OLD.state <> NEW.state
  BEGIN
    UPDATE outbox_counts SET n = n - 1 WHERE state = OLD.state;
    UPDATE outbox_counts SET n = n + 1 WHERE state = NEW.state;
  END;
)sql"},
      {11, "people's passwords and web sessions", R"sql(
-- Web UI sign-in (docs/ui.md). A password is kept only as an encoded
-- Argon2id hash (libsodium crypto_pwhash_str); a session only as the SHA-256
-- of its token, so neither a database copy nor a backup signs anyone in.
CREATE TABLE user_passwords (
  handle TEXT PRIMARY KEY,
  hash TEXT NOT NULL,
  modified INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE web_sessions (
  token_hash TEXT PRIMARY KEY,
  user_handle TEXT NOT NULL,
  created INTEGER NOT NULL,
  expires INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX web_sessions_expires ON web_sessions(expires);
)sql"},
      {12, "API key scopes", R"sql(
-- read, write or admin (docs/api.md, "Keys and scopes"). Existing keys keep
-- every power they had.
ALTER TABLE api_keys ADD COLUMN scope TEXT NOT NULL DEFAULT 'admin';
)sql"},
      {13, "configuration reloads", R"sql(
-- Each configuration reload (docs/configuration.md): who, when, the SHA-256
-- of the file swapped in and of the one it replaced, and what changed (one
-- line per change, newline-separated).
CREATE TABLE config_reloads (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  hash TEXT NOT NULL,
  previous_hash TEXT NOT NULL,
  changes TEXT NOT NULL,
  needs_restart TEXT NOT NULL
);
)sql"},
      {14, "notices: outbox deliveries about no incident", R"sql(
-- A notice (the scheduled weekly review, an error budget running out) is a
-- delivery whose incident_id is empty, with a caller-chosen key that is
-- unique across the outbox (queued once, whoever queues it and however often)
-- and the message it carries, written when it is queued.
ALTER TABLE outbox ADD COLUMN notice_key TEXT;
ALTER TABLE outbox ADD COLUMN body TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX outbox_notice_key ON outbox(notice_key) WHERE notice_key IS NOT NULL;
)sql"},
  };
  return kMigrations;
}

}  // namespace tocsin::storage::sqlite
