// Replay's report as terminal text, Markdown and JSON, from one Report.

#include <cstdio>

#include "common/json_writer.hpp"
#include "core/replay/replay.hpp"

namespace tocsin::core::replay {
namespace {

// Long lists are cut in the text forms; the JSON gives the counts and the
// same first rows.
constexpr std::size_t kMaxRows = 100;

std::string Time(TimePoint t) {
  std::string s = FormatRfc3339(std::chrono::floor<std::chrono::seconds>(t));
  // "2026-03-01T10:00:00+00:00" -> "2026-03-01 10:00Z"
  return s.substr(0, 10) + " " + s.substr(11, 5) + "Z";
}

std::string Fixed(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string Short(const std::string& hash) { return hash.size() > 12 ? hash.substr(0, 12) : hash; }

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// One renderer for text and Markdown: headings and tables differ, nothing else.
class Writer {
 public:
  explicit Writer(bool markdown) : md_(markdown) {}

  void Heading(const std::string& text) {
    out_ += md_ ? "\n## " + text + "\n\n" : "\n" + text + "\n" + std::string(text.size(), '-') + "\n";
  }
  void Line(const std::string& text) { out_ += text + "\n"; }
  void Table(const std::vector<std::string>& head, const std::vector<std::vector<std::string>>& rows) {
    if (rows.empty()) {
      Line(md_ ? "_none_" : "  (none)");
      return;
    }
    std::size_t shown = std::min(rows.size(), kMaxRows);
    if (md_) {
      out_ += "| " + JoinWith(head, " | ") + " |\n|";
      for (std::size_t k = 0; k < head.size(); ++k) out_ += "---|";
      out_ += "\n";
      for (std::size_t r = 0; r < shown; ++r) out_ += "| " + JoinWith(Escaped(rows[r]), " | ") + " |\n";
    } else {
      std::vector<std::size_t> width(head.size());
      for (std::size_t k = 0; k < head.size(); ++k) width[k] = head[k].size();
      for (std::size_t r = 0; r < shown; ++r) {
        for (std::size_t k = 0; k < head.size(); ++k) width[k] = std::max(width[k], rows[r][k].size());
      }
      auto row = [&](const std::vector<std::string>& cells) {
        std::string line = " ";
        for (std::size_t k = 0; k < cells.size(); ++k) {
          line += " " + cells[k] + (k + 1 < cells.size() ? std::string(width[k] - cells[k].size() + 1, ' ') : "");
        }
        out_ += line + "\n";
      };
      row(head);
      for (std::size_t r = 0; r < shown; ++r) row(rows[r]);
    }
    if (rows.size() > shown) Line((md_ ? "\n" : "  ") + std::string("... and ") + std::to_string(rows.size() - shown) + " more");
  }
  std::string Take() { return std::move(out_); }

 private:
  static std::string JoinWith(const std::vector<std::string>& items, const char* sep) {
    std::string out;
    for (std::size_t k = 0; k < items.size(); ++k) out += (k ? sep : "") + items[k];
    return out;
  }
  static std::vector<std::string> Escaped(std::vector<std::string> cells) {
    for (auto& c : cells) {
      std::string e;
      for (char ch : c) {
        if (ch == '|') e += "\\|";
        else if (ch == '\n') e += ' ';
        else e += ch;
      }
      c = std::move(e);
    }
    return cells;
  }
  bool md_;
  std::string out_;
};

std::vector<std::vector<std::string>> IncidentRows(const std::vector<const SimIncident*>& incidents) {
  std::vector<std::vector<std::string>> rows;
  for (const SimIncident* i : incidents) {
    rows.push_back({i->key, Time(i->opened), i->severity, i->title, i->rule, std::to_string(i->alerts.size())});
  }
  return rows;
}

std::vector<std::vector<std::string>> PageRows(const std::vector<Page>& pages) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : pages) {
    rows.push_back({"@" + p.user, Time(p.at), p.incident, "round " + std::to_string(p.round) + " tier " + std::to_string(p.tier + 1),
                    Join(p.channels)});
  }
  return rows;
}

std::string Render(const Report& r, bool md) {
  Writer w(md);
  const Diff& d = r.diff;
  w.Line(md ? "# Replay report" : "Replay report");
  w.Line("");
  w.Line((md ? "- " : "") + std::string("Range: ") + Time(r.from) + " to " + Time(r.to) + ", " + std::to_string(r.alerts) +
         " alerts");
  w.Line((md ? "- " : "") + std::string("Config in force: ") + Short(r.before_hash) + ", candidate: " + Short(r.after_hash));
  w.Line((md ? "- " : "") + std::string("Incidents: ") + std::to_string(r.before.incidents.size()) + " in force, " +
         std::to_string(r.after.incidents.size()) + " candidate; pages: " + std::to_string(r.before.pages.size()) + " in force, " +
         std::to_string(r.after.pages.size()) + " candidate");
  w.Line((md ? "- " : "") + std::string(d.Empty() ? "No difference." : "The candidate differs (below)."));
  w.Line((md ? "- " : "") + std::string("Fidelity: ") +
         (r.fidelity.empty() ? std::string("replaying the config in force reproduces the record")
                             : std::to_string(r.fidelity.size()) + " alerts replay differently from the record (below)"));

  const std::vector<std::string> inc_head{"incident", "opened", "severity", "title", "rule", "alerts"};
  w.Heading("Incidents only under the config in force");
  w.Table(inc_head, IncidentRows(d.only_before));
  w.Heading("Incidents only under the candidate");
  w.Table(inc_head, IncidentRows(d.only_after));

  auto grouping_rows = [](const std::vector<Grouping>& gs) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& g : gs) rows.push_back({g.incident, g.title, Join(g.other_side)});
    return rows;
  };
  w.Heading("Merged (one candidate incident holds several)");
  w.Table({"candidate incident", "title", "incidents in force"}, grouping_rows(d.merged));
  w.Heading("Split (one incident becomes several)");
  w.Table({"incident in force", "title", "candidate incidents"}, grouping_rows(d.split));

  w.Heading("Changed incidents");
  std::vector<std::vector<std::string>> changes;
  for (const auto& c : d.changes) changes.push_back({c.incident, c.title, c.field, c.before, c.after});
  w.Table({"incident", "title", "field", "in force", "candidate"}, changes);

  w.Heading("Pages per person");
  std::vector<std::vector<std::string>> people;
  for (const auto& p : d.pages) people.push_back({"@" + p.user, std::to_string(p.before), std::to_string(p.after)});
  w.Table({"person", "in force", "candidate"}, people);
  const std::vector<std::string> page_head{"person", "when", "incident", "tier", "channels"};
  w.Heading("Pages only under the config in force");
  w.Table(page_head, PageRows(d.pages_only_before));
  w.Heading("Pages only under the candidate");
  w.Table(page_head, PageRows(d.pages_only_after));

  w.Heading("Page load and fairness");
  std::vector<std::vector<std::string>> load;
  std::map<std::string, std::pair<const PersonLoad*, const PersonLoad*>> by_person;
  for (const auto& p : r.load_before.people) by_person[p.user].first = &p;
  for (const auto& p : r.load_after.people) by_person[p.user].second = &p;
  for (const auto& [user, pair] : by_person) {
    const PersonLoad* a = pair.first;
    const PersonLoad* b = pair.second;
    auto cell = [](const PersonLoad* p, auto f) { return p ? f(*p) : std::string("-"); };
    load.push_back({"@" + user,
                    cell(a, [](const PersonLoad& p) { return std::to_string(p.pages) + " (" + Fixed(p.per_week) + "/wk)"; }) + " → " +
                        cell(b, [](const PersonLoad& p) { return std::to_string(p.pages) + " (" + Fixed(p.per_week) + "/wk)"; }),
                    cell(a, [](const PersonLoad& p) { return std::to_string(p.busiest_week); }) + " → " +
                        cell(b, [](const PersonLoad& p) { return std::to_string(p.busiest_week); }),
                    cell(a, [](const PersonLoad& p) { return std::to_string(p.night_pages); }) + " → " +
                        cell(b, [](const PersonLoad& p) { return std::to_string(p.night_pages); }),
                    cell(a, [](const PersonLoad& p) { return std::to_string(p.longest_night_run); }) + " → " +
                        cell(b, [](const PersonLoad& p) { return std::to_string(p.longest_night_run); })});
  }
  w.Table({"person", "pages (in force → candidate)", "busiest week", "night pages", "longest on-call nights"}, load);
  w.Line("");
  std::map<std::string, std::pair<const RotationShare*, const RotationShare*>> shares;
  for (const auto& s : r.load_before.rotations) shares[s.schedule].first = &s;
  for (const auto& s : r.load_after.rotations) shares[s.schedule].second = &s;
  std::vector<std::vector<std::string>> rotation_rows;
  for (const auto& [name, pair] : shares) {
    auto cell = [](const RotationShare* s) {
      return s ? std::to_string(s->pages) + " (" + Fixed(100 * s->share) + "%)" : std::string("0");
    };
    rotation_rows.push_back({name.empty() ? "(people named directly)" : name, cell(pair.first), cell(pair.second)});
  }
  w.Table({"rotation", "pages in force", "pages candidate"}, rotation_rows);

  w.Heading("Fidelity (config in force against the record)");
  std::vector<std::vector<std::string>> mism;
  for (const auto& m : r.fidelity) mism.push_back({std::to_string(m.seq), m.recorded, m.replayed});
  w.Table({"alert seq", "recorded", "replayed"}, mism);
  return w.Take();
}

void WriteIncidents(JsonWriter& j, std::string_view name, const std::vector<const SimIncident*>& incidents) {
  j.Key(name);
  j.BeginArray();
  for (std::size_t k = 0; k < incidents.size() && k < kMaxRows; ++k) {
    const SimIncident& i = *incidents[k];
    j.BeginObject();
    j.Member("incident", i.key);
    j.Member("opened", FormatRfc3339(i.opened));
    j.Member("severity", i.severity);
    j.Member("title", i.title);
    j.Member("rule", i.rule);
    j.Member("alerts", static_cast<std::int64_t>(i.alerts.size()));
    j.EndObject();
  }
  j.EndArray();
}

void WriteGroupings(JsonWriter& j, std::string_view name, const std::vector<Grouping>& gs) {
  j.Key(name);
  j.BeginArray();
  for (std::size_t k = 0; k < gs.size() && k < kMaxRows; ++k) {
    j.BeginObject();
    j.Member("incident", gs[k].incident);
    j.Member("title", gs[k].title);
    j.Key("other_side");
    j.BeginArray();
    for (const auto& o : gs[k].other_side) j.String(o);
    j.EndArray();
    j.EndObject();
  }
  j.EndArray();
}

void WritePages(JsonWriter& j, std::string_view name, const std::vector<Page>& pages) {
  j.Key(name);
  j.BeginArray();
  for (std::size_t k = 0; k < pages.size() && k < kMaxRows; ++k) {
    const Page& p = pages[k];
    j.BeginObject();
    j.Member("user", p.user);
    j.Member("at", FormatRfc3339(p.at));
    j.Member("incident", p.incident);
    j.Member("round", p.round);
    j.Member("tier", p.tier + 1);
    j.Member("schedule", p.schedule);
    j.Key("channels");
    j.BeginArray();
    for (const auto& c : p.channels) j.String(c);
    j.EndArray();
    j.EndObject();
  }
  j.EndArray();
}

void WriteLoad(JsonWriter& j, std::string_view name, const Load& load) {
  j.Key(name);
  j.BeginObject();
  j.Key("people");
  j.BeginArray();
  for (const auto& p : load.people) {
    j.BeginObject();
    j.Member("user", p.user);
    j.Member("pages", p.pages);
    j.Key("pages_per_week");
    j.Double(p.per_week);
    j.Member("busiest_week", p.busiest_week);
    j.Member("night_pages", p.night_pages);
    j.Member("longest_on_call_night_run", p.longest_night_run);
    j.EndObject();
  }
  j.EndArray();
  j.Key("rotations");
  j.BeginArray();
  for (const auto& s : load.rotations) {
    j.BeginObject();
    j.Member("schedule", s.schedule);
    j.Member("pages", s.pages);
    j.Key("share");
    j.Double(s.share);
    j.EndObject();
  }
  j.EndArray();
  j.EndObject();
}

}  // namespace

std::string RenderText(const Report& report) { return Render(report, false); }
std::string RenderMarkdown(const Report& report) { return Render(report, true); }

std::string RenderJson(const Report& r) {
  std::string out;
  JsonWriter j(out);
  const Diff& d = r.diff;
  j.BeginObject();
  j.Member("from", FormatRfc3339(r.from));
  j.Member("to", FormatRfc3339(r.to));
  j.Member("alerts", r.alerts);
  j.Member("config_in_force", r.before_hash);
  j.Member("candidate", r.after_hash);
  j.Member("identical", d.Empty());
  j.Key("counts");
  j.BeginObject();
  j.Member("incidents_in_force", static_cast<std::int64_t>(r.before.incidents.size()));
  j.Member("incidents_candidate", static_cast<std::int64_t>(r.after.incidents.size()));
  j.Member("pages_in_force", static_cast<std::int64_t>(r.before.pages.size()));
  j.Member("pages_candidate", static_cast<std::int64_t>(r.after.pages.size()));
  j.Member("only_in_force", static_cast<std::int64_t>(d.only_before.size()));
  j.Member("only_candidate", static_cast<std::int64_t>(d.only_after.size()));
  j.Member("merged", static_cast<std::int64_t>(d.merged.size()));
  j.Member("split", static_cast<std::int64_t>(d.split.size()));
  j.Member("changes", static_cast<std::int64_t>(d.changes.size()));
  j.Member("fidelity_mismatches", static_cast<std::int64_t>(r.fidelity.size()));
  j.EndObject();
  WriteIncidents(j, "only_in_force", d.only_before);
  WriteIncidents(j, "only_candidate", d.only_after);
  WriteGroupings(j, "merged", d.merged);
  WriteGroupings(j, "split", d.split);
  j.Key("changes");
  j.BeginArray();
  for (std::size_t k = 0; k < d.changes.size() && k < kMaxRows; ++k) {
    const auto& c = d.changes[k];
    j.BeginObject();
    j.Member("incident", c.incident);
    j.Member("title", c.title);
    j.Member("field", c.field);
    j.Member("in_force", c.before);
    j.Member("candidate", c.after);
    j.EndObject();
  }
  j.EndArray();
  j.Key("pages_per_person");
  j.BeginArray();
  for (const auto& p : d.pages) {
    j.BeginObject();
    j.Member("user", p.user);
    j.Member("in_force", p.before);
    j.Member("candidate", p.after);
    j.EndObject();
  }
  j.EndArray();
  WritePages(j, "pages_only_in_force", d.pages_only_before);
  WritePages(j, "pages_only_candidate", d.pages_only_after);
  WriteLoad(j, "load_in_force", r.load_before);
  WriteLoad(j, "load_candidate", r.load_after);
  j.Key("fidelity");
  j.BeginArray();
  for (std::size_t k = 0; k < r.fidelity.size() && k < kMaxRows; ++k) {
    j.BeginObject();
    j.Member("seq", r.fidelity[k].seq);
    j.Member("recorded", r.fidelity[k].recorded);
    j.Member("replayed", r.fidelity[k].replayed);
    j.EndObject();
  }
  j.EndArray();
  j.EndObject();
  return out;
}

}  // namespace tocsin::core::replay
