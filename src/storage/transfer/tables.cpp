// What migrate-storage copies. When a migration adds a table or a column on
// either backend, add it here: the copy refuses a schema with a table or
// column it does not know (transfer.cpp) rather than leave data behind, and
// transfer_test.cpp checks this list against a freshly migrated database.

#include "storage/transfer/transfer_sides.hpp"

namespace tocsin::storage::transfer {

namespace {
constexpr bool kInt = true;
}  // namespace

const std::vector<TableSpec>& CopiedTables() {
  static const std::vector<TableSpec> kTables = {
      {"incidents",
       {{"public_id", kInt}, {"id"}, {"title"}, {"severity"}, {"state"}, {"commander_uuid"}, {"commander_handle"},
        {"customer_impacted", kInt}, {"created", kInt}, {"modified", kInt}, {"deleted", kInt}, {"version", kInt},
        {"doc"}, {"due_at", kInt}},
       "public_id", nullptr, "incident_public_ids"},
      {"incident_terms", {{"facet"}, {"value"}, {"incident", kInt}}, "facet, value, incident"},
      {"incident_events",
       {{"seq", kInt}, {"incident", kInt}, {"at", kInt}, {"actor_uuid"}, {"actor_handle"}, {"kind"}, {"message"},
        {"changes"}},
       "seq", "seq"},
      // SQLite orders keys by their implicit rowid, PostgreSQL by seq.
      {"api_keys",
       {{"seq", kInt, "rowid"}, {"id"}, {"name"}, {"kind"}, {"api_key_hash"}, {"app_key_hash"}, {"user_handle"},
        {"hint"}, {"created", kInt}, {"revoked", kInt}, {"scope"}},
       "seq", "seq"},
      {"alerts",
       {{"seq", kInt}, {"source"}, {"delivery_key"}, {"fingerprint"}, {"group_key"}, {"monitor_name"}, {"state"},
        {"received_at", kInt}, {"doc"}, {"decision"}, {"detail"}, {"incident_id"}},
       "seq", "seq"},
      {"alert_tags", {{"tag"}, {"seq", kInt}}, "tag, seq"},
      {"alert_groups", {{"group_key"}, {"incident_id"}}, "group_key"},
      {"outbox",
       {{"id", kInt}, {"incident_id"}, {"channel"}, {"kind"}, {"reason"}, {"created", kInt}, {"state"},
        {"attempts", kInt}, {"next_attempt_at", kInt}, {"last_error"}, {"delivered_at", kInt}, {"thread_ts"},
        {"recipient"}, {"contact_method", kInt}, {"contact_type"}, {"contact_address"}, {"notice_key"}, {"body"}},
       "id", "id"},
      {"schedule_overrides",
       {{"id"}, {"schedule"}, {"user_handle"}, {"for_user"}, {"start_at", kInt, "\"start\""},
        {"end_at", kInt, "\"end\""}, {"created_by"}, {"created", kInt}, {"removed", kInt}, {"removed_by"}},
       "id"},
      {"user_passwords", {{"handle"}, {"hash"}, {"modified", kInt}}, "handle"},
      {"web_sessions", {{"token_hash"}, {"user_handle"}, {"created", kInt}, {"expires", kInt}}, "token_hash"},
      {"config_reloads",
       {{"seq", kInt}, {"id"}, {"at", kInt}, {"actor"}, {"hash"}, {"previous_hash"}, {"changes"}, {"needs_restart"}},
       "seq", "seq"},
  };
  return kTables;
}

bool IsNotCopiedTable(StorageEndpoint::Kind kind, const std::string& table) {
  if (table == "schema_migrations") return true;
  if (kind == StorageEndpoint::Kind::kSqlite) {
    // sqlite_sequence follows the copied ids by itself; the counts are kept
    // by triggers as the rows are inserted.
    return table.rfind("sqlite_", 0) == 0 || table == "incident_count" || table == "outbox_counts";
  }
  // PostgreSQL's replica heartbeats (migration 5, branch pgfault at the time
  // of writing) describe the servers running on a database, not its data.
  return table == "replicas";
}

bool IsNotCopiedColumn(StorageEndpoint::Kind kind, const std::string& table, const std::string& column) {
  // A claim belongs to a replica of the source; the copy's deliveries are
  // claimable by the target's servers.
  return kind == StorageEndpoint::Kind::kPostgres && table == "outbox" &&
         (column == "claim_token" || column == "claimed_by" || column == "lease_until");
}

}  // namespace tocsin::storage::transfer
