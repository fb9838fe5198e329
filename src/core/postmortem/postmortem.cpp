#include "core/postmortem/postmortem.hpp"

#include <algorithm>
#include <cctype>

#include "core/workflow/names.hpp"

namespace tocsin::core::postmortem {
namespace {

// The seed's document structure, used when the config gives none.
constexpr std::string_view kDefaultDocument =
    "# Post-Mortem: [Incident Title]\n\n## Summary\n\n[Brief description of what happened]\n\n## Timeline\n\n"
    "[Chronological list of events]\n\n## Root Cause\n\n[Technical explanation of the root cause]\n\n## Impact\n\n"
    "- Duration: X minutes\n- Users affected: Y\n- Revenue impact: $Z (if applicable)\n\n## What Went Well\n\n"
    "- [List positives]\n\n## What Could Be Improved\n\n- [List improvements]\n\n## Action Items\n\n"
    "| Action     | Owner  | Due Date   |\n| ---------- | ------ | ---------- |\n| [Action 1] | @owner | YYYY-MM-DD |\n";

struct TemplateSection {
  std::string heading;
  std::string body;
};

struct Template {
  std::string title = "Post-Mortem: [Incident Title]";
  std::vector<TemplateSection> sections;
};

std::string Trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Template ParseTemplate(const PostmortemConfig& config) {
  std::string_view doc = config.document.empty() ? kDefaultDocument : std::string_view(config.document);
  Template t;
  TemplateSection* current = nullptr;
  std::size_t pos = 0;
  while (pos <= doc.size()) {
    std::size_t end = doc.find('\n', pos);
    if (end == std::string_view::npos) end = doc.size();
    std::string_view line = doc.substr(pos, end - pos);
    pos = end + 1;
    if (line.rfind("## ", 0) == 0) {
      t.sections.push_back({Trim(line.substr(3)), ""});
      current = &t.sections.back();
    } else if (line.rfind("# ", 0) == 0 && !current) {
      t.title = Trim(line.substr(2));
    } else if (current) {
      current->body += std::string(line) + "\n";
    }
    if (end == doc.size()) break;
  }
  for (auto& s : t.sections) s.body = Trim(s.body);
  return t;
}

std::string Replace(std::string text, std::string_view what, std::string_view with) {
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size())) {
    text.replace(at, what.size(), with);
  }
  return text;
}

// "2026-11-27 10:00:05 UTC" and "2026-11-27".
std::string Utc(TimePoint t) {
  std::string s = FormatRfc3339(t);
  return s.substr(0, 10) + " " + s.substr(11, 8) + " UTC";
}
std::string Day(TimePoint t) { return FormatRfc3339(t).substr(0, 10); }

std::string OneLine(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) out += (c == '\n' || c == '\r') ? ' ' : c;
  return out;
}

std::string FieldText(const Incident& inc, std::string_view key) {
  auto it = inc.fields.find(std::string(key));
  if (it == inc.fields.end()) return "";
  std::string out;
  for (const auto& v : it->second.Values()) out += (out.empty() ? "" : ", ") + v;
  return out;
}

std::string Written(const Incident& inc, const std::string& key) {
  if (!inc.postmortem) return "";
  auto it = inc.postmortem->sections.find(key);
  return it == inc.postmortem->sections.end() ? "" : it->second;
}

// Customer-impact time: the impact window when set, else the union of the
// recorded impacts (an open one lasting until resolution).
std::optional<Micros> ImpactDuration(const Incident& inc) {
  if (inc.customer_impact_start) {
    std::optional<TimePoint> end = inc.customer_impact_end ? inc.customer_impact_end : inc.resolved;
    if (end && *end >= *inc.customer_impact_start) return *end - *inc.customer_impact_start;
  }
  std::vector<std::pair<TimePoint, TimePoint>> spans;
  for (const auto& im : inc.impacts) {
    std::optional<TimePoint> end = im.end ? im.end : inc.resolved;
    if (end && *end >= im.start) spans.emplace_back(im.start, *end);
  }
  if (spans.empty()) return std::nullopt;
  std::sort(spans.begin(), spans.end());
  Micros total{0};
  TimePoint start = spans[0].first, end = spans[0].second;
  for (const auto& [s, e] : spans) {
    if (s > end) {
      total += end - start;
      start = s;
      end = e;
    } else {
      end = std::max(end, e);
    }
  }
  return total + (end - start);
}

std::string ImpactBody(const Incident& inc) {
  std::string out;
  if (auto d = ImpactDuration(inc)) {
    auto minutes = std::chrono::duration_cast<std::chrono::seconds>(*d).count() / 60.0;
    out += "- Duration: " + std::to_string(static_cast<long long>(minutes + 0.5)) + " minutes\n";
  } else {
    out += "- Duration: unknown (no customer impact times recorded)\n";
  }
  std::string users = FieldText(inc, "users_affected");
  if (users.empty()) users = FieldText(inc, "user_sessions_affected");
  out += "- Users affected: " + (users.empty() ? std::string("unknown") : users) + "\n";
  std::string revenue = FieldText(inc, "revenue_impact");
  out += "- Revenue impact: " + (revenue.empty() ? std::string("none recorded") : revenue) + "\n";
  std::string scope = inc.customer_impact_scope.value_or(FieldText(inc, "customer_impact"));
  if (!scope.empty()) out += "- Customer impact: " + OneLine(scope) + "\n";
  for (const auto& im : inc.impacts) {
    out += "- " + OneLine(im.description) + " (from " + Utc(im.start) + (im.end ? " to " + Utc(*im.end) : "") + ")\n";
  }
  std::string written = Written(inc, "impact");
  if (!written.empty()) out += "\n" + written + "\n";
  return Trim(out);
}

std::string Escaped(std::string_view cell) {
  std::string out;
  for (char c : OneLine(cell)) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

std::string ActionTable(const std::vector<ActionItem>& items) {
  std::string out = "| Action | Owner | Due Date |\n| ------ | ----- | -------- |\n";
  if (items.empty()) return out + "| (none yet: mark todos as follow-ups) | | |";
  for (const auto& a : items) {
    out += "| " + (a.done ? "~~" + Escaped(a.action) + "~~ (done)" : Escaped(a.action)) + " | " + a.owner + " | " +
           (a.due ? Day(*a.due) : std::string()) + " |\n";
  }
  return Trim(out);
}

// Handles of the configured users who did something to the incident.
std::vector<std::string> Responders(const Config& config, const std::vector<TimelineEvent>& timeline) {
  std::vector<std::string> out;
  for (const auto& e : timeline) {
    bool acted = e.kind == "acknowledged" || e.kind == "note" || e.kind == "status_update" ||
                 e.kind == "incident_updated" || e.kind == "todo_completed";
    if (!acted || !config.FindUser(e.actor.handle)) continue;
    if (std::find(out.begin(), out.end(), e.actor.handle) == out.end()) out.push_back(e.actor.handle);
  }
  return out;
}

std::vector<Attendee> Attendees(const Config& config, const Incident& inc, const std::vector<TimelineEvent>& timeline) {
  std::vector<Attendee> out;
  auto add = [&](const std::string& handle, const std::string& role) {
    if (handle.empty()) return;
    for (const auto& a : out) {
      if (a.handle == handle) return;
    }
    const User* u = config.FindUser(handle);
    out.push_back({handle, u ? u->name : "", role});
  };
  for (const auto& line : config.postmortem.attendees) {
    std::string base = line;
    // "Engineering Manager (SEV-1 only)": only for that severity.
    if (auto open = line.find('('); open != std::string::npos) {
      std::string inside = line.substr(open + 1, line.find(')', open) - open - 1);
      base = Trim(line.substr(0, open));
      std::string lower = Lower(inside);
      if (lower.size() > 5 && lower.substr(lower.size() - 5) == " only") {
        std::string sev = Trim(inside.substr(0, inside.size() - 5));
        if (sev != inc.severity) continue;
      }
    }
    std::string lower = Lower(base);
    if (lower.find("commander") != std::string::npos) {
      if (inc.commander) add(inc.commander->handle, line);
    } else if (lower.find("involved") != std::string::npos || lower.find("responder") != std::string::npos) {
      for (const auto& h : Responders(config, timeline)) add(h, line);
    } else if (lower.find("owner") != std::string::npos) {
      // The teams of the affected services: the incident's teams and the
      // team whose policy escalated it.
      std::vector<const Team*> teams;
      if (const Team* t = config.FindTeam(inc.escalation_team)) teams.push_back(t);
      if (auto it = inc.fields.find("teams"); it != inc.fields.end()) {
        for (const auto& name : it->second.Values()) {
          for (const auto& t : config.teams) {
            if (t.name == name || t.id == name) teams.push_back(&t);
          }
        }
      }
      for (const Team* t : teams) {
        for (const auto& m : t->members) add(m, line);
      }
    } else {
      for (const auto& u : config.users) {
        if (std::find(u.positions.begin(), u.positions.end(), base) != u.positions.end()) add(u.handle, line);
      }
    }
  }
  return out;
}

}  // namespace

bool IsGenerated(std::string_view key) { return key == "timeline" || key == "action_items"; }

std::vector<std::string> EditableSections(const PostmortemConfig& config) {
  std::vector<std::string> out;
  for (const auto& s : ParseTemplate(config).sections) {
    std::string key = workflow::FieldKey(s.heading);
    if (!IsGenerated(key)) out.push_back(key);
  }
  return out;
}

bool IsHumanEvent(const TimelineEvent& e) {
  static constexpr std::string_view kMachinery[] = {
      "notification_queued", "notification_delivered", "notification_failed", "notification_retry",
      "notification_gave_up", "notification_cancelled", "rule_matched", "alert_received", "alert_retriggered",
      "checklist_added", "link_added", "link_updated", "link_removed", "todo_added", "todo_updated", "todo_removed",
      "status_update_reminder", "postmortem_overdue", "postmortem_updated", "escalation_step", "impact_added",
      "impact_updated", "impact_removed"};
  return std::find(std::begin(kMachinery), std::end(kMachinery), e.kind) == std::end(kMachinery);
}

Document Build(const Config& config, const Incident& inc, const std::vector<TimelineEvent>& timeline) {
  Template tpl = ParseTemplate(config.postmortem);
  Document doc;
  doc.title = Replace(tpl.title, "[Incident Title]", inc.title);
  for (const auto& e : timeline) {
    if (!IsHumanEvent(e)) continue;
    std::string text = OneLine(e.message);
    if (e.kind == "incident_updated" && !e.changes.empty()) {
      // "Incident updated" says little: say what changed.
      std::string what;
      for (const auto& c : e.changes) {
        what += (what.empty() ? "" : "; ") + c.field + " " + (c.from.empty() ? "(unset)" : OneLine(c.from)) + " → " +
                (c.to.empty() ? "(unset)" : OneLine(c.to));
      }
      text += ": " + what;
    }
    doc.timeline.push_back({e.at, e.actor.handle, std::move(text)});
  }
  for (const auto& t : inc.todos) {
    if (!t.follow_up) continue;
    doc.action_items.push_back({t.content, t.assignees.empty() ? "" : t.assignees.front(), t.due, t.completed.has_value()});
  }
  doc.attendees = Attendees(config, inc, timeline);
  for (const auto& s : tpl.sections) {
    Section out{workflow::FieldKey(s.heading), s.heading, "", false};
    std::string written = Written(inc, out.key);
    if (out.key == "timeline") {
      std::string body;
      body.reserve(doc.timeline.size() * 80);
      for (const auto& line : doc.timeline) {
        body += "- " + Utc(line.at) + ": " + line.text + " (@" + line.actor + ")\n";
      }
      out.body = body.empty() ? "(no events)" : Trim(body);
    } else if (out.key == "action_items") {
      out.body = ActionTable(doc.action_items);
    } else if (out.key == "impact") {
      out.body = ImpactBody(inc);
      out.written = !written.empty();
    } else if (!written.empty()) {
      out.body = written;
      out.written = true;
    } else if (out.key == "summary" || out.key == "root_cause") {
      std::string field = FieldText(inc, out.key);
      out.body = field.empty() ? s.body : field;
    } else {
      out.body = s.body;
    }
    doc.sections.push_back(std::move(out));
  }
  return doc;
}

std::string RenderMarkdown(const Incident& inc, const Document& doc) {
  std::string out;
  std::size_t size = 512;
  for (const auto& s : doc.sections) size += s.body.size() + s.heading.size() + 8;
  out.reserve(size);
  out += "# " + doc.title + "\n\n";
  out += "**Incident:** IR-" + std::to_string(inc.public_id) + " (" + inc.severity + ", " +
         std::string(StateName(inc.state)) + ")";
  if (inc.postmortem) {
    out += " · **Post-mortem:** " + std::string(PostmortemStateName(inc.postmortem->state));
    if (inc.postmortem->published) {
      out += ", published " + Utc(*inc.postmortem->published);
    } else {
      out += ", due " + Utc(inc.postmortem->due);
    }
  }
  out += "\n\n**Attendees:**";
  if (doc.attendees.empty()) out += " (none resolved)";
  out += "\n";
  for (const auto& a : doc.attendees) {
    out += "- @" + a.handle + (a.name.empty() ? "" : " (" + a.name + ")") + ": " + a.role + "\n";
  }
  for (const auto& s : doc.sections) out += "\n## " + s.heading + "\n\n" + s.body + "\n";
  return out;
}

}  // namespace tocsin::core::postmortem
