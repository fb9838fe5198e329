#include "storage/incident_codec.hpp"

#include <nlohmann/json.hpp>

#include "common/json_reader.hpp"
#include "common/json_writer.hpp"

namespace tocsin::storage {
namespace {

using nlohmann::json;

std::optional<TimePoint> ReadOptTime(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return FromUnixMicros(it->get<std::int64_t>());
}

}  // namespace

// The stored incident document. Both directions are hand-written (they run for
// every incident of every list page, and EncodeIncident on the single writer
// thread for every creation and update). The text is exactly what the earlier
// nlohmann-based encoder wrote: compact, members in name order (std::map
// order), so documents of both generations read alike; invalid UTF-8 in a
// string is stored as U+FFFD (the nlohmann encoder threw instead).

namespace {

void PutOptTime(JsonWriter& w, std::string_view key, const std::optional<TimePoint>& t) {
  w.Key(key);
  if (t) {
    w.Int(ToUnixMicros(*t));
  } else {
    w.Null();
  }
}

void PutActor(JsonWriter& w, const core::Actor& a) {
  w.BeginObject();
  w.Member("handle", a.handle);
  w.Member("uuid", a.user_uuid);
  w.EndObject();
}

void PutOptActor(JsonWriter& w, std::string_view key, const std::optional<core::Actor>& a) {
  w.Key(key);
  if (a) {
    PutActor(w, *a);
  } else {
    w.Null();
  }
}

void PutStrings(JsonWriter& w, const std::vector<std::string>& list) {
  w.BeginArray();
  for (const auto& s : list) w.String(s);
  w.EndArray();
}

}  // namespace

std::string EncodeIncident(const core::Incident& i) {
  std::string out;
  out.reserve(1024 + 128 * (i.fields.size() + i.notification_handles.size() + i.escalation_steps.size()));
  JsonWriter w(out);
  w.BeginObject();
  PutOptTime(w, "acknowledged", i.acknowledged);
  PutOptActor(w, "acknowledged_by", i.acknowledged_by);
  // Written only when there are some (as todos, impacts, the post-mortem).
  if (!i.attachments.empty()) {
    w.Key("attachments");
    w.BeginArray();
    for (const auto& a : i.attachments) {
      w.BeginObject();
      w.Member("created", ToUnixMicros(a.created));
      w.Key("created_by");
      PutActor(w, a.created_by);
      w.Member("id", a.id);
      w.Member("modified", ToUnixMicros(a.modified));
      w.Key("modified_by");
      PutActor(w, a.modified_by);
      w.Member("title", a.title);
      w.Member("url", a.url);
      w.EndObject();
    }
    w.EndArray();
  }
  w.Key("channels");
  PutStrings(w, i.channels);
  PutOptActor(w, "commander", i.commander);
  w.Member("commander_handle", i.commander_handle);
  w.Member("created", ToUnixMicros(i.created));
  w.Key("created_by");
  PutActor(w, i.created_by);
  PutOptTime(w, "customer_impact_end", i.customer_impact_end);
  w.Key("customer_impact_scope");
  if (i.customer_impact_scope) {
    w.String(*i.customer_impact_scope);
  } else {
    w.Null();
  }
  PutOptTime(w, "customer_impact_start", i.customer_impact_start);
  w.Member("customer_impacted", i.customer_impacted);
  w.Member("deleted", i.deleted);
  PutOptTime(w, "detected", i.detected);
  PutOptTime(w, "escalation_next_due", i.escalation_next_due);
  w.Key("escalation_steps");
  w.BeginArray();
  for (const auto& st : i.escalation_steps) {
    w.BeginObject();
    w.Member("due", ToUnixMicros(st.due));
    w.Member("outcome", st.outcome);
    w.Member("round", st.round);
    w.Member("tier", st.tier);
    w.EndObject();
  }
  w.EndArray();
  w.Member("escalation_team", i.escalation_team);
  w.Key("fields");
  w.BeginObject();
  for (const auto& [name, v] : i.fields) {
    w.Key(name);
    w.BeginObject();
    w.Member("list", v.is_list);
    w.Member("type", v.type);
    w.Key("value");
    if (v.is_list && v.list) {
      PutStrings(w, *v.list);
    } else if (!v.is_list && v.text) {
      w.String(*v.text);
    } else {
      w.Null();
    }
    w.EndObject();
  }
  w.EndObject();
  w.Member("id", i.id);
  if (!i.impacts.empty()) {
    w.Key("impacts");
    w.BeginArray();
    for (const auto& m : i.impacts) {
      w.BeginObject();
      w.Member("created", ToUnixMicros(m.created));
      w.Key("created_by");
      PutActor(w, m.created_by);
      w.Member("description", m.description);
      PutOptTime(w, "end", m.end);
      w.Member("id", m.id);
      w.Member("modified", ToUnixMicros(m.modified));
      w.Key("modified_by");
      PutActor(w, m.modified_by);
      w.Member("start", ToUnixMicros(m.start));
      w.EndObject();
    }
    w.EndArray();
  }
  w.Member("is_test", i.is_test);
  PutOptTime(w, "last_reminder", i.last_reminder);
  PutOptTime(w, "last_status_update", i.last_status_update);
  w.Member("modified", ToUnixMicros(i.modified));
  w.Key("modified_by");
  PutActor(w, i.modified_by);
  w.Key("notification_handles");
  w.BeginArray();
  for (const auto& h : i.notification_handles) {
    w.BeginObject();
    w.Member("display_name", h.display_name);
    w.Member("handle", h.handle);
    w.EndObject();
  }
  w.EndArray();
  // Written only when there are some: most incidents page nobody through PagerDuty contact methods.
  if (!i.pagerduty_contacts.empty()) {
    w.Key("pagerduty_contacts");
    w.BeginArray();
    for (const auto& c : i.pagerduty_contacts) {
      w.BeginObject();
      w.Member("channel", c.channel);
      w.Member("due", ToUnixMicros(c.due));
      w.Member("method", c.method);
      w.Member("user", c.user);
      w.EndObject();
    }
    w.EndArray();
  }
  if (!i.phase.empty()) w.Member("phase", i.phase);
  if (i.postmortem) {
    const core::Postmortem& pm = *i.postmortem;
    w.Key("postmortem");
    w.BeginObject();
    w.Member("created", ToUnixMicros(pm.created));
    w.Member("due", ToUnixMicros(pm.due));
    w.Member("id", pm.id);
    PutOptTime(w, "last_reminder", pm.last_reminder);
    w.Member("modified", ToUnixMicros(pm.modified));
    w.Key("modified_by");
    PutActor(w, pm.modified_by);
    PutOptTime(w, "published", pm.published);
    w.Key("sections");
    w.BeginObject();
    for (const auto& [k, v] : pm.sections) w.Member(k, v);
    w.EndObject();
    w.Member("state", core::PostmortemStateName(pm.state));
    w.EndObject();
  }
  w.Member("public_id", i.public_id);
  PutOptTime(w, "resolved", i.resolved);
  w.Member("response_sla_breached", i.response_sla_breached);
  w.Member("severity", i.severity);
  w.Member("state", core::StateName(i.state));
  w.Member("title", i.title);
  // Written only when there are some.
  if (!i.todos.empty()) {
    w.Key("todos");
    w.BeginArray();
    for (const auto& t : i.todos) {
      w.BeginObject();
      w.Key("assignees");
      PutStrings(w, t.assignees);
      if (!t.checklist.empty()) w.Member("checklist", t.checklist);
      PutOptTime(w, "completed", t.completed);
      if (!t.completed_by_event.empty()) w.Member("completed_by_event", t.completed_by_event);
      if (!t.completes_on.empty()) w.Member("completes_on", t.completes_on);
      w.Member("content", t.content);
      w.Member("created", ToUnixMicros(t.created));
      w.Key("created_by");
      PutActor(w, t.created_by);
      PutOptTime(w, "due", t.due);
      if (t.follow_up) w.Member("follow_up", true);
      w.Member("id", t.id);
      w.Member("modified", ToUnixMicros(t.modified));
      w.Key("modified_by");
      PutActor(w, t.modified_by);
      w.EndObject();
    }
    w.EndArray();
  }
  if (!i.type.empty()) w.Member("type", i.type);
  w.Member("version", i.version);
  w.EndObject();
  return out;
}

namespace {

// The members DecodeIncident knows, in name order (the order the encoder
// writes them, so the lookup below usually hits on its first probe).
enum Member : int {
  kAcknowledged, kAcknowledgedBy, kAttachments, kChannels, kCommander, kCommanderHandle, kCreated, kCreatedBy,
  kCustomerImpactEnd, kCustomerImpactScope, kCustomerImpactStart, kCustomerImpacted, kDeleted, kDetected,
  kEscalationNextDue, kEscalationSteps, kEscalationTeam, kFields, kId, kImpacts, kIsTest, kLastReminder,
  kLastStatusUpdate, kModified, kModifiedBy, kNotificationHandles, kPagerdutyContacts, kPhase, kPostmortem, kPublicId, kResolved,
  kResponseSlaBreached, kSeverity, kState, kTitle, kTodos, kType, kVersion, kMemberCount
};
constexpr std::string_view kMemberNames[kMemberCount] = {
    "acknowledged", "acknowledged_by", "attachments", "channels", "commander", "commander_handle", "created", "created_by",
    "customer_impact_end", "customer_impact_scope", "customer_impact_start", "customer_impacted", "deleted",
    "detected", "escalation_next_due", "escalation_steps", "escalation_team", "fields", "id", "impacts", "is_test",
    "last_reminder", "last_status_update", "modified", "modified_by", "notification_handles",
    "pagerduty_contacts", "phase", "postmortem", "public_id", "resolved", "response_sla_breached", "severity",
    "state", "title", "todos", "type", "version"};
// Members the document must have (the nlohmann decoder used at() for them).
constexpr std::uint64_t Bit(Member m) { return std::uint64_t{1} << m; }
constexpr std::uint64_t kRequired = Bit(kId) | Bit(kPublicId) | Bit(kTitle) | Bit(kSeverity) | Bit(kState) |
                                    Bit(kCreated) | Bit(kModified) | Bit(kCreatedBy) | Bit(kModifiedBy) |
                                    Bit(kFields) | Bit(kNotificationHandles);

int FindMember(std::string_view name, int& hint) {
  for (int n = 0; n < kMemberCount; ++n) {
    int k = (hint + n) % kMemberCount;
    if (kMemberNames[k] == name) {
      hint = k + 1;
      return k;
    }
  }
  return -1;
}

bool GetOptTime(JsonReader& r, std::optional<TimePoint>& out) {
  out.reset();
  if (r.ReadNull()) return true;
  std::int64_t us = 0;
  if (!r.ReadInt64(us)) return false;
  out = FromUnixMicros(us);
  return true;
}

bool GetMicros(JsonReader& r, TimePoint& out) {
  std::int64_t us = 0;
  if (!r.ReadInt64(us)) return false;
  out = FromUnixMicros(us);
  return true;
}

bool GetActor(JsonReader& r, core::Actor& out) {
  out = core::Actor{};
  if (!r.BeginObject()) return false;
  std::string_view key;
  while (r.NextMember(key)) {
    bool ok = key == "uuid" ? r.ReadString(out.user_uuid) : key == "handle" ? r.ReadString(out.handle) : r.SkipValue();
    if (!ok) return false;
  }
  return !r.failed();
}

bool GetOptActor(JsonReader& r, std::optional<core::Actor>& out) {
  out.reset();
  if (r.ReadNull()) return true;
  core::Actor a;
  if (!GetActor(r, a)) return false;
  out = std::move(a);
  return true;
}

bool GetStrings(JsonReader& r, std::vector<std::string>& out) {
  out.clear();
  if (!r.BeginArray()) return false;
  while (r.NextElement()) {
    if (!r.ReadString(out.emplace_back())) return false;
  }
  return !r.failed();
}

// A list that may also be null (read as empty, as nlohmann iterated it).
bool GetStringsOrNull(JsonReader& r, std::vector<std::string>& out) {
  out.clear();
  return r.ReadNull() || GetStrings(r, out);
}

bool GetField(JsonReader& r, core::FieldValue& v, std::string& error) {
  v = core::FieldValue{};
  if (!r.BeginObject()) return false;
  // "value" may come before "list" (in another writer's member order): keep it
  // aside until the object ends.
  enum { kNull, kText, kList } got = kNull;
  std::string text;
  std::vector<std::string> list;
  std::string_view key;
  while (r.NextMember(key)) {
    bool ok;
    if (key == "type") {
      ok = r.ReadString(v.type);
    } else if (key == "list") {
      ok = r.ReadBool(v.is_list);
    } else if (key == "value") {
      got = kNull;
      if (r.ReadNull()) {
        ok = true;
      } else if (r.NextIs('[')) {
        ok = GetStrings(r, list);
        got = kList;
      } else {
        ok = r.ReadString(text);
        got = kText;
      }
    } else {
      ok = r.SkipValue();
    }
    if (!ok) return false;
  }
  if (r.failed()) return false;
  if (got != kNull && v.is_list != (got == kList)) {
    error = v.is_list ? "a list field holds a string" : "a text field holds a list";
    return false;
  }
  if (got == kText) v.text = std::move(text);
  if (got == kList) v.list = std::move(list);
  return true;
}

}  // namespace

Result<core::Incident> DecodeIncident(const std::string& text) {
  auto unreadable = [](const std::string& why) { return Internal("stored incident is unreadable: " + why); };
  JsonReader r(text);
  core::Incident i;
  std::uint64_t seen = 0;
  int hint = 0;
  std::string state, error;
  std::string_view key;
  if (!r.BeginObject()) return unreadable(r.error());
  while (r.NextMember(key)) {
    int m = FindMember(key, hint);
    if (m >= 0) seen |= Bit(static_cast<Member>(m));
    bool ok = true;
    switch (m) {
      case kAcknowledged: ok = GetOptTime(r, i.acknowledged); break;
      case kAcknowledgedBy: ok = GetOptActor(r, i.acknowledged_by); break;
      case kChannels: ok = GetStringsOrNull(r, i.channels); break;
      case kCommander: ok = GetOptActor(r, i.commander); break;
      case kCommanderHandle: ok = r.ReadString(i.commander_handle); break;
      case kCreated: {
        std::int64_t us = 0;
        ok = r.ReadInt64(us);
        i.created = FromUnixMicros(us);
        break;
      }
      case kCreatedBy: ok = GetActor(r, i.created_by); break;
      case kCustomerImpactEnd: ok = GetOptTime(r, i.customer_impact_end); break;
      case kCustomerImpactScope:
        i.customer_impact_scope.reset();
        if (!r.ReadNull()) ok = r.ReadString(i.customer_impact_scope.emplace());
        break;
      case kCustomerImpactStart: ok = GetOptTime(r, i.customer_impact_start); break;
      case kCustomerImpacted: ok = r.ReadBool(i.customer_impacted); break;
      case kDeleted: ok = r.ReadBool(i.deleted); break;
      case kDetected: ok = GetOptTime(r, i.detected); break;
      case kEscalationNextDue: ok = GetOptTime(r, i.escalation_next_due); break;
      case kEscalationSteps:
        i.escalation_steps.clear();
        if (r.ReadNull()) break;
        ok = r.BeginArray();
        while (ok && r.NextElement()) {
          core::EscalationStep& st = i.escalation_steps.emplace_back();
          ok = r.BeginObject();
          std::string_view k;
          while (ok && r.NextMember(k)) {
            if (k == "round") {
              ok = r.ReadInt(st.round);
            } else if (k == "tier") {
              ok = r.ReadInt(st.tier);
            } else if (k == "due") {
              std::int64_t us = 0;
              ok = r.ReadInt64(us);
              st.due = FromUnixMicros(us);
            } else if (k == "outcome") {
              ok = r.ReadString(st.outcome);
            } else {
              ok = r.SkipValue();
            }
          }
        }
        ok = ok && !r.failed();
        break;
      case kEscalationTeam: ok = r.ReadString(i.escalation_team); break;
      case kFields:
        i.fields.clear();
        ok = r.BeginObject();
        while (ok && r.NextMember(key)) {
          std::string name(key);
          core::FieldValue v;
          ok = GetField(r, v, error);
          if (ok) i.fields[std::move(name)] = std::move(v);
          else if (!error.empty()) error = "fields." + name + ": " + error;
        }
        ok = ok && !r.failed();
        break;
      case kId: ok = r.ReadString(i.id); break;
      case kIsTest: ok = r.ReadBool(i.is_test); break;
      case kLastReminder: ok = GetOptTime(r, i.last_reminder); break;
      case kLastStatusUpdate: ok = GetOptTime(r, i.last_status_update); break;
      case kModified: {
        std::int64_t us = 0;
        ok = r.ReadInt64(us);
        i.modified = FromUnixMicros(us);
        break;
      }
      case kModifiedBy: ok = GetActor(r, i.modified_by); break;
      case kNotificationHandles:
        i.notification_handles.clear();
        if (r.ReadNull()) break;
        ok = r.BeginArray();
        while (ok && r.NextElement()) {
          core::NotificationHandle& h = i.notification_handles.emplace_back();
          ok = r.BeginObject();
          std::string_view k;
          while (ok && r.NextMember(k)) {
            ok = k == "display_name" ? r.ReadString(h.display_name) : k == "handle" ? r.ReadString(h.handle) : r.SkipValue();
          }
        }
        ok = ok && !r.failed();
        break;
      case kPagerdutyContacts:
        i.pagerduty_contacts.clear();
        if (r.ReadNull()) break;
        ok = r.BeginArray();
        while (ok && r.NextElement()) {
          core::PagedContact& c = i.pagerduty_contacts.emplace_back();
          ok = r.BeginObject();
          std::string_view k;
          while (ok && r.NextMember(k)) {
            if (k == "user") {
              ok = r.ReadString(c.user);
            } else if (k == "method") {
              ok = r.ReadInt(c.method);
            } else if (k == "channel") {
              ok = r.ReadString(c.channel);
            } else if (k == "due") {
              std::int64_t us = 0;
              ok = r.ReadInt64(us);
              c.due = FromUnixMicros(us);
            } else {
              ok = r.SkipValue();
            }
          }
        }
        ok = ok && !r.failed();
        break;
      case kPublicId: ok = r.ReadInt64(i.public_id); break;
      case kResolved: ok = GetOptTime(r, i.resolved); break;
      case kResponseSlaBreached: ok = r.ReadBool(i.response_sla_breached); break;
      case kSeverity: ok = r.ReadString(i.severity); break;
      case kState: ok = r.ReadString(state); break;
      case kTitle: ok = r.ReadString(i.title); break;
      case kTodos:
        i.todos.clear();
        if (r.ReadNull()) break;
        ok = r.BeginArray();
        while (ok && r.NextElement()) {
          core::Todo& t = i.todos.emplace_back();
          ok = r.BeginObject();
          std::string_view k;
          while (ok && r.NextMember(k)) {
            std::int64_t us = 0;
            if (k == "id") {
              ok = r.ReadString(t.id);
            } else if (k == "content") {
              ok = r.ReadString(t.content);
            } else if (k == "assignees") {
              ok = GetStrings(r, t.assignees);
            } else if (k == "due") {
              ok = GetOptTime(r, t.due);
            } else if (k == "completed") {
              ok = GetOptTime(r, t.completed);
            } else if (k == "created") {
              ok = r.ReadInt64(us);
              t.created = FromUnixMicros(us);
            } else if (k == "modified") {
              ok = r.ReadInt64(us);
              t.modified = FromUnixMicros(us);
            } else if (k == "created_by") {
              ok = GetActor(r, t.created_by);
            } else if (k == "modified_by") {
              ok = GetActor(r, t.modified_by);
            } else if (k == "checklist") {
              ok = r.ReadString(t.checklist);
            } else if (k == "completes_on") {
              ok = r.ReadString(t.completes_on);
            } else if (k == "completed_by_event") {
              ok = r.ReadString(t.completed_by_event);
            } else if (k == "follow_up") {
              ok = r.ReadBool(t.follow_up);
            } else {
              ok = r.SkipValue();
            }
          }
        }
        ok = ok && !r.failed();
        break;
      case kType: ok = r.ReadString(i.type); break;
      case kPhase: ok = r.ReadString(i.phase); break;
      case kAttachments:
        i.attachments.clear();
        if (r.ReadNull()) break;
        ok = r.BeginArray();
        while (ok && r.NextElement()) {
          core::Attachment& a = i.attachments.emplace_back();
          ok = r.BeginObject();
          std::string_view k;
          while (ok && r.NextMember(k)) {
            if (k == "id") {
              ok = r.ReadString(a.id);
            } else if (k == "url") {
              ok = r.ReadString(a.url);
            } else if (k == "title") {
              ok = r.ReadString(a.title);
            } else if (k == "created") {
              ok = GetMicros(r, a.created);
            } else if (k == "modified") {
              ok = GetMicros(r, a.modified);
            } else if (k == "created_by") {
              ok = GetActor(r, a.created_by);
            } else if (k == "modified_by") {
              ok = GetActor(r, a.modified_by);
            } else {
              ok = r.SkipValue();
            }
          }
        }
        ok = ok && !r.failed();
        break;
      case kImpacts:
        i.impacts.clear();
        if (r.ReadNull()) break;
        ok = r.BeginArray();
        while (ok && r.NextElement()) {
          core::Impact& im = i.impacts.emplace_back();
          ok = r.BeginObject();
          std::string_view k;
          while (ok && r.NextMember(k)) {
            if (k == "id") {
              ok = r.ReadString(im.id);
            } else if (k == "description") {
              ok = r.ReadString(im.description);
            } else if (k == "start") {
              ok = GetMicros(r, im.start);
            } else if (k == "end") {
              ok = GetOptTime(r, im.end);
            } else if (k == "created") {
              ok = GetMicros(r, im.created);
            } else if (k == "modified") {
              ok = GetMicros(r, im.modified);
            } else if (k == "created_by") {
              ok = GetActor(r, im.created_by);
            } else if (k == "modified_by") {
              ok = GetActor(r, im.modified_by);
            } else {
              ok = r.SkipValue();
            }
          }
        }
        ok = ok && !r.failed();
        break;
      case kPostmortem: {
        i.postmortem.reset();
        if (r.ReadNull()) break;
        core::Postmortem pm;
        std::string pm_state;
        ok = r.BeginObject();
        std::string_view k;
        while (ok && r.NextMember(k)) {
          if (k == "id") {
            ok = r.ReadString(pm.id);
          } else if (k == "state") {
            ok = r.ReadString(pm_state);
          } else if (k == "created") {
            ok = GetMicros(r, pm.created);
          } else if (k == "due") {
            ok = GetMicros(r, pm.due);
          } else if (k == "modified") {
            ok = GetMicros(r, pm.modified);
          } else if (k == "modified_by") {
            ok = GetActor(r, pm.modified_by);
          } else if (k == "published") {
            ok = GetOptTime(r, pm.published);
          } else if (k == "last_reminder") {
            ok = GetOptTime(r, pm.last_reminder);
          } else if (k == "sections") {
            ok = r.BeginObject();
            std::string_view name;
            while (ok && r.NextMember(name)) {
              std::string section(name);
              ok = r.ReadString(pm.sections[section]);
            }
            ok = ok && !r.failed();
          } else {
            ok = r.SkipValue();
          }
        }
        ok = ok && !r.failed();
        pm.state = core::ParsePostmortemState(pm_state).value_or(core::PostmortemState::kDraft);
        if (ok) i.postmortem = std::move(pm);
        break;
      }
      case kVersion: ok = r.ReadInt64(i.version); break;
      default: ok = r.SkipValue(); break;
    }
    if (!ok) {
      if (!error.empty()) return unreadable(error);
      return unreadable(std::string(m >= 0 ? kMemberNames[m] : "document") + ": " + r.error());
    }
  }
  if (!r.Finish()) return unreadable(r.error());
  if (std::uint64_t missing = kRequired & ~seen) {
    for (int m = 0; m < kMemberCount; ++m) {
      if (missing & Bit(static_cast<Member>(m))) return unreadable("member '" + std::string(kMemberNames[m]) + "' is missing");
    }
  }
  i.state = core::ParseStateName(state).value_or(core::IncidentState::kActive);
  return i;
}

std::string EncodeChanges(const std::vector<core::Change>& changes) {
  std::string out;
  out.reserve(16 + changes.size() * 48);
  JsonWriter w(out);
  w.BeginArray();
  for (const auto& c : changes) {
    w.BeginObject();
    w.Member("field", c.field);
    w.Member("from", c.from);
    w.Member("to", c.to);
    w.EndObject();
  }
  w.EndArray();
  return out;
}

std::vector<core::Change> DecodeChanges(const std::string& doc) {
  std::vector<core::Change> out;
  json arr = json::parse(doc, nullptr, false);
  if (!arr.is_array()) return out;
  for (const auto& c : arr) out.push_back({c.value("field", ""), c.value("from", ""), c.value("to", "")});
  return out;
}

// Members in name order, as the nlohmann encoder this replaced wrote them.
std::string EncodeAlert(const core::Alert& a) {
  std::string out;
  out.reserve(256 + a.message.size() + a.title.size());
  JsonWriter w(out);
  w.BeginObject();
  w.Member("delivery_key", a.delivery_key);
  PutOptTime(w, "ended_at", a.ended_at);
  w.Member("link", a.link);
  w.Member("message", a.message);
  w.Member("monitor_id", a.monitor_id);
  w.Member("monitor_name", a.monitor_name);
  w.Member("priority", a.priority);
  w.Key("received_at");
  w.Int(ToUnixMicros(a.received_at));
  w.Member("runbook", a.runbook);
  w.Member("scope", a.scope);
  w.Member("source", a.source);
  PutOptTime(w, "started_at", a.started_at);
  w.Member("state", core::AlertStateName(a.state));
  w.Key("tags");
  w.BeginArray();
  for (const auto& t : a.tags) w.String(t);
  w.EndArray();
  w.Member("title", a.title);
  w.Member("value", a.value);
  w.EndObject();
  return out;
}

Result<core::Alert> DecodeAlert(const std::string& text) {
  try {
    json j = json::parse(text);
    core::Alert a;
    a.source = j.at("source").get<std::string>();
    a.monitor_name = j.at("monitor_name").get<std::string>();
    a.monitor_id = j.value("monitor_id", "");
    a.scope = j.value("scope", "");
    a.state = core::ParseAlertStateName(j.value("state", "alert")).value_or(core::AlertState::kAlert);
    a.tags = j.value("tags", std::vector<std::string>{});
    a.title = j.value("title", "");
    a.message = j.value("message", "");
    a.value = j.value("value", "");
    a.link = j.value("link", "");
    a.runbook = j.value("runbook", "");
    a.priority = j.value("priority", "");
    a.started_at = ReadOptTime(j, "started_at");
    a.ended_at = ReadOptTime(j, "ended_at");
    a.received_at = FromUnixMicros(j.value("received_at", std::int64_t{0}));
    a.delivery_key = j.value("delivery_key", "");
    return a;
  } catch (const std::exception& e) {
    return Internal(std::string("stored alert is unreadable: ") + e.what());
  }
}

}  // namespace tocsin::storage
