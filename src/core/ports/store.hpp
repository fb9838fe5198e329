#pragma once
// Store: the storage port. Everything Tocsin keeps durably goes through it;
// adapters in src/storage/ (sqlite, memory, later postgres) implement it and
// all pass tests/conformance/store_conformance.cpp.
//
// Contract for every adapter:
// - A method that returns success has committed durably (for durable
//   backends): the caller may acknowledge to its client.
// - Every incident change writes its timeline events and the new current-state
//   row in one transaction; events are append-only and numbered in order.
// - Methods are thread-safe; concurrent callers never corrupt or lose writes.
// - Errors: kNotFound for an unknown or deleted incident, kInvalidArgument
//   when a mutation refuses, kUnavailable/kInternal for backend failures.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "core/incident/incident.hpp"
#include "core/notification/delivery.hpp"
#include "core/rules/plan.hpp"
#include "core/search/query.hpp"

namespace tocsin::core {

// What a mutation wants written: the new incident state, its events and the
// notifications it causes (all in one transaction).
struct Mutation {
  Incident incident;
  std::vector<NewEvent> events;
  std::vector<OutboxItem> notifications;
};

// A mutation runs inside the store's transaction with the committed current
// state; it must be pure (no I/O), since a backend may run it more than once.
// A mutation that returns the current incident unchanged with no events and no
// notifications writes nothing (an idempotent acknowledge, a PATCH that sets
// the values already there): the update succeeds with the incident as it is.
using MutateFn = std::function<Result<Mutation>(const Incident& current)>;

// What an update wrote: the incident's new state and the events the mutation
// appended, in order, with their sequence numbers.
struct UpdateOutcome {
  Incident incident;
  std::vector<TimelineEvent> events;
};

struct SearchRequest {
  Query query;               // kAll = everything
  bool newest_first = true;  // by creation
  std::int64_t offset = 0;
  std::int64_t limit = 25;
  bool with_facets = false;
  // With with_facets, which ones: every facet (a listing's), or only the
  // severity and the phase crossed with it (/metrics: two cheap queries).
  enum class Facets { kAll, kSeverityAndPhase };
  Facets facets = Facets::kAll;
  bool with_total = true;  // counting every match is the expensive part of a list
};

struct SearchPage {
  std::vector<Incident> incidents;
  // Per incident, when the backend has one: a hash of its stored form, which
  // changes whenever the incident does (callers may cache renderings by it).
  // Empty when the backend offers none.
  std::vector<std::uint64_t> content_keys;
  std::int64_t total = 0;  // matches across all pages (-1 when not requested)
  SearchFacets facets;     // filled when requested
};

// An API key pair (kind "api") or an ingestion key (kind "ingest").
// Only SHA-256 hashes of the secrets are stored.
struct KeyRecord {
  std::string id;
  std::string name;
  std::string kind;
  std::string api_key_hash;
  std::string app_key_hash;  // empty for ingestion keys
  std::string user_handle;   // the actor of requests made with this key
  std::string hint;          // last 4 characters of the api key, for listings
  TimePoint created{};
  std::optional<TimePoint> revoked;
  // What an API key pair may do: "read" (GET only), "write" (work incidents),
  // "admin" (also overrides and the server's configuration). Keys made before
  // scopes existed are "admin": they could do everything.
  std::string scope = "admin";
};

// A signed-in person's server-side session (web UI). Only a SHA-256 hash of
// the session token (the cookie's value) is stored.
struct SessionRecord {
  std::string token_hash;
  std::string user_handle;
  TimePoint created{};
  TimePoint expires{};
};

// One configuration reload (POST /-/reload, SIGHUP, `tocsin reload`): who
// asked, when, the SHA-256 of the file swapped in and of the one it replaced,
// and what changed (config::DiffLines, one line each).
struct ConfigReloadRecord {
  std::string id;
  TimePoint at{};
  std::string actor;  // "@alice" (a key pair or session), "SIGHUP"
  std::string hash;
  std::string previous_hash;
  std::vector<std::string> changes;
  std::vector<std::string> needs_restart;  // changed settings that apply only on restart
};

// One alert to record, with its group and the pure decision to apply.
struct AlertWork {
  Alert alert;
  std::string fingerprint;  // alert.Fingerprint(), computed before the writer's turn
  std::string group_key;
  AlertDecideFn decide;
};

// What happened to one received alert.
struct AlertRecord {
  std::int64_t seq = 0;
  Alert alert;
  std::string fingerprint;
  std::string group_key;
  std::string decision;  // see AlertPlan::decision
  std::string detail;
  std::string incident_id;  // the incident it opened or joined, if any
  bool duplicate = false;   // a redelivery: nothing was written
  int queued = 0;           // notifications it queued in the outbox
};

struct AlertFilter {
  std::optional<AlertState> state;
  std::string monitor;  // exact monitor name
  std::string tag;      // "key:value"
  // Received in [received_from, received_before) (either bound optional).
  std::optional<TimePoint> received_from;
  std::optional<TimePoint> received_before;
  // Oldest first (by seq) instead of newest first; with after_seq > 0, only
  // records whose seq is greater (keyset paging through a long history).
  bool oldest_first = false;
  std::int64_t after_seq = 0;
  std::int64_t offset = 0;
  std::int64_t limit = 100;
};

// A schedule override made through the API; kept with who made and removed it.
struct OverrideRecord {
  std::string id;
  std::string schedule;
  std::string user;
  std::string for_user;
  TimePoint start{};
  TimePoint end{};
  std::string created_by;
  TimePoint created{};
  std::optional<TimePoint> removed;
  std::string removed_by;
};

// One attempt's result to record: the delivery in its new state and the
// timeline event that tells it.
struct AttemptRecord {
  Delivery delivery;
  NewEvent event;
};

struct DeliveryFilter {
  std::optional<DeliveryState> state;
  std::string channel;
  std::string incident_id;
  std::int64_t offset = 0;
  std::int64_t limit = 100;
};

// When the engine (escalation, reminders) next has something to do for an
// incident; the app sets core::EngineDueAt with the configured severities.
using DueFn = std::function<std::optional<TimePoint>(const Incident&)>;

struct DueCursor {
  TimePoint due{};
  std::int64_t public_id = 0;
};

struct DuePage {
  std::vector<Incident> incidents;
  std::optional<DueCursor> next;  // where the following page starts; empty on the last page
};

class Store {
 public:
  virtual ~Store() = default;

  // Creates `draft` (id set by the caller) with the given events; assigns the
  // next public id. kConflict when the id already exists.
  virtual Result<Incident> CreateIncident(Incident draft, std::vector<NewEvent> events) = 0;
  // Runs `mutate` against the current incident and writes its outcome.
  virtual Result<Incident> UpdateIncident(const std::string& id, const MutateFn& mutate) {
    auto r = UpdateIncidentAndEvents(id, mutate);
    if (!r) return tl::unexpected(r.error());
    return std::move(r->incident);
  }
  // UpdateIncident that also returns the events it appended with their
  // sequence numbers, so that a caller never reads the timeline to find them.
  virtual Result<UpdateOutcome> UpdateIncidentAndEvents(const std::string& id, const MutateFn& mutate) = 0;
  // Appends one event to a live incident without changing its state; returns
  // it with its sequence number.
  virtual Result<TimelineEvent> AppendEvent(const std::string& id, NewEvent event) = 0;
  virtual Result<Incident> GetIncident(const std::string& id) = 0;
  virtual Result<SearchPage> SearchIncidents(const SearchRequest& request) = 0;
  // Events of one incident in order, after `after_seq`, at most `limit`.
  virtual Result<std::vector<TimelineEvent>> Timeline(const std::string& incident_id, std::int64_t offset,
                                                      std::int64_t limit) = 0;
  // The same events newest first: the `limit` newest after skipping the
  // `offset` newest (what a person reading an incident wants first). The
  // default pages through Timeline; stores override it with one query.
  virtual Result<std::vector<TimelineEvent>> TimelineNewest(const std::string& incident_id, std::int64_t offset,
                                                            std::int64_t limit);

  // Sets how due times are computed and recomputes them for every open
  // incident (the configuration may have changed since they were stored).
  // Until it is called, every open incident counts as due since its creation;
  // after, the function decides, also for closed incidents (an unpublished
  // post-mortem is reminded of after resolution).
  virtual Result<void> UseDueFunction(DueFn due) = 0;
  // Incidents whose due time is at or before `now`, by due time then
  // public id, starting after `after`; at most `limit`.
  virtual Result<DuePage> DueIncidents(TimePoint now, const std::optional<DueCursor>& after, std::int64_t limit) = 0;

  // Records each alert and applies its decision, all in one transaction:
  // either every alert of the request is committed or none is. An alert whose
  // (source, delivery_key) was seen before is not written again; its earlier
  // record comes back with duplicate = true. Alerts of one group in one call
  // see each other's effects, in order.
  virtual Result<std::vector<AlertRecord>> IngestAlerts(std::vector<AlertWork> work) = 0;
  // Newest first (AlertFilter::oldest_first: oldest first).
  virtual Result<std::vector<AlertRecord>> ListAlerts(const AlertFilter& filter) = 0;
  // Notifications queued for an incident, oldest first.
  virtual Result<std::vector<OutboxItem>> ListOutbox(const std::string& incident_id) = 0;

  // Outbox. Claim marks due queued deliveries (next_attempt_at <= now) as
  // sending and returns them, oldest due first (then in queue order). A
  // claimed delivery is not returned by another claim until its attempt is
  // recorded (FinishAttempt/FinishAttempts), ReleaseClaims gives it back, or
  // RequeueInFlight releases it.
  // The mark need not be durable: a backend may keep claims in memory, so
  // that claiming costs no write transaction; a restart forgets them (as
  // RequeueInFlight would), and ListDeliveries/CountDeliveries still show
  // claimed deliveries as `sending`.
  //
  // Order within a lane (one incident, one channel, one recipient and
  // contact method; see Delivery::Lane): a delivery is not claimed while an earlier
  // delivery of its lane is waiting to be retried (queued, attempts > 0, not
  // claimed), so a later one never overtakes a failed one. Deliveries of a
  // lane never tried are due in queue order, so the due order keeps them in
  // order. An earlier delivery that is claimed does not hold a later one
  // back: the caller keeps the lane's order in memory (engine/outbox_worker).
  //
  // A durable backend returns only deliveries whose queuing commit is
  // durable (for the pipelined commit: covered by the syncer's fdatasync), so
  // nothing is sent for a change that a power cut could still undo.
  virtual Result<std::vector<Delivery>> ClaimDeliveries(TimePoint now, std::int64_t limit) = 0;
  // Ends the claims of deliveries that were claimed but not attempted (the
  // outbox worker held them back behind an earlier delivery of their lane
  // that is to be retried); they are claimable again.
  virtual Result<void> ReleaseClaims(const std::vector<std::int64_t>& ids) = 0;
  // Records an attempt's result (the delivery's new state) and its timeline
  // event together, and ends its claim. The event is skipped when the
  // incident is deleted.
  virtual Result<void> FinishAttempt(const Delivery& delivery, const NewEvent& event) = 0;
  // FinishAttempt for many attempts at once, in order, all or none (one write
  // transaction for a durable backend).
  virtual Result<void> FinishAttempts(const std::vector<AttemptRecord>& records) = 0;
  // After a crash or a stop: deliveries left in `sending` (durably or as
  // claims) go back to `queued`.
  virtual Result<std::int64_t> RequeueInFlight() = 0;
  // Newest first.
  virtual Result<std::vector<Delivery>> ListDeliveries(const DeliveryFilter& filter) = 0;
  // The Slack message ts of the incident's first delivered message on a channel.
  virtual Result<std::string> FindThread(const std::string& incident_id, const std::string& channel) = 0;
  virtual Result<std::int64_t> CountDeliveries(DeliveryState state) = 0;
  // Queues a notice (a delivery about no incident) once: true when it was
  // added, false when a delivery with its key exists already (whatever its
  // state), so callers may queue the same notice at every start or from
  // several processes. The outbox sends it like any delivery; its attempts
  // are recorded on the delivery only (there is no timeline). The default
  // fails: a store that does not implement notices.
  virtual Result<bool> EnqueueNotice(const NoticeItem& notice);

  // Schedule overrides (audited: creation and removal keep who and when).
  virtual Result<void> AddOverride(const OverrideRecord& record) = 0;
  // kNotFound when no live override has that id.
  virtual Result<void> RemoveOverride(const std::string& id, const std::string& actor, TimePoint now) = 0;
  // Every override, removed ones included, oldest first.
  virtual Result<std::vector<OverrideRecord>> ListOverrides() = 0;

  virtual Result<void> CreateKey(const KeyRecord& key) = 0;
  // Live (not revoked) key whose api_key_hash / app_key_hash equals `hash`.
  virtual Result<std::optional<KeyRecord>> FindKeyByApiHash(const std::string& hash) = 0;
  virtual Result<std::optional<KeyRecord>> FindKeyByAppHash(const std::string& hash) = 0;
  virtual Result<std::vector<KeyRecord>> ListKeys() = 0;
  // Revokes by id or name; kNotFound when neither matches a live key.
  virtual Result<void> RevokeKey(const std::string& id_or_name, TimePoint now) = 0;

  // People's passwords (web UI sign-in): an encoded Argon2id hash
  // (crypto_pwhash_str), never the password. Setting replaces any earlier
  // hash; the handle is not checked against the configuration here.
  virtual Result<void> SetPasswordHash(const std::string& handle, const std::string& hash, TimePoint now) = 0;
  // Empty when the user has no password.
  virtual Result<std::optional<std::string>> GetPasswordHash(const std::string& handle) = 0;

  // Server-side sessions. Creating one also forgets sessions expired at
  // `session.created`. Find answers only a session still live at `now`.
  virtual Result<void> CreateSession(const SessionRecord& session) = 0;
  virtual Result<std::optional<SessionRecord>> FindSession(const std::string& token_hash, TimePoint now) = 0;
  // Ends a session (sign-out); ending an unknown one is not an error.
  virtual Result<void> DeleteSession(const std::string& token_hash) = 0;

  // Configuration reloads, kept for audit. Listing is newest first, at most `limit`.
  virtual Result<void> RecordConfigReload(const ConfigReloadRecord& record) = 0;
  virtual Result<std::vector<ConfigReloadRecord>> ListConfigReloads(std::int64_t limit) = 0;

  // Set once the store can no longer promise durability (a failed fdatasync:
  // the kernel may have dropped the dirty pages, so nothing written since can
  // be trusted to be on disk). From then on every write fails with
  // kUnavailable; the server stops and a restart recovers from what is on
  // disk. Empty while healthy.
  virtual std::optional<std::string> Failure() const { return std::nullopt; }
  // Called once, from the thread that found it, when the store fails as above.
  virtual void SetFailureHandler(std::function<void(const std::string&)> /*handler*/) {}

  // Flushes and closes; later calls fail with kUnavailable.
  virtual void Close() = 0;
};

}  // namespace tocsin::core
