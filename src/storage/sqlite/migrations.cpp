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
  };
  return kMigrations;
}

}  // namespace tocsin::storage::sqlite
