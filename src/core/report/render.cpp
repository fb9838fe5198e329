// Markdown and HTML from one document model: sections of paragraphs, tables
// and charts. Markdown shows a chart's figures as its table; HTML draws it as
// inline SVG (bars, stacked by series), with no script and no external
// resource, and escapes every text so that the page is well-formed XML.

#include "core/report/render.hpp"

#include <date/date.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "common/html.hpp"
#include "core/schedule/schedule.hpp"

namespace tocsin::core::report {
namespace {

struct Table {
  std::vector<std::string> headers;
  std::vector<std::vector<std::string>> rows;
};

struct Chart {
  std::string title;
  std::vector<std::string> labels;  // one per bar
  std::vector<std::pair<std::string, std::vector<std::int64_t>>> series;  // bottom first
  bool stacked = false;  // all series stacked; otherwise only the first is drawn
};

struct Block {
  std::string heading;  // a sub-heading, or ""
  std::vector<std::string> lines;  // paragraphs (Markdown: one line each)
  std::vector<std::string> items;  // a bullet list
  std::optional<Table> table;
  std::optional<Chart> chart;
};

struct Section {
  std::string title;
  std::vector<Block> blocks;
};

struct Doc {
  std::string title;
  std::string subtitle;
  std::vector<Section> sections;
};

std::string Number(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string Shortest(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

std::string Duration(const std::optional<Micros>& d) {
  if (!d) return "–";
  if (d->count() == 0) return "0 min";
  double minutes = static_cast<double>(d->count()) / 60e6;
  if (minutes < 60) return Number(minutes, 1) + " min";
  if (minutes < 48 * 60) return Number(minutes / 60, 1) + " h";
  return Number(minutes / 1440, 1) + " d";
}

std::string Local(const WeeklyReport& r, TimePoint t) {
  TimePoint wall = schedule::InstantToWallClock(r.time_zone, t).value_or(t);
  return date::format("%Y-%m-%d %H:%M", date::floor<std::chrono::minutes>(wall));
}

std::string Day(TimePoint wall) { return date::format("%a %Y-%m-%d", date::floor<date::days>(wall)); }

std::string Incident(const IncidentRef& i) { return "IR-" + std::to_string(i.public_id) + " " + i.title + " (" + i.severity + ")"; }

std::string Plural(std::int64_t n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

std::string StatusWord(metrics::TargetStatus s) {
  switch (s) {
    case metrics::TargetStatus::kMet: return "met";
    case metrics::TargetStatus::kMissed: return "MISSED";
    case metrics::TargetStatus::kNoData: return "no data";
  }
  return "";
}

std::vector<std::string> BucketLabels() {
  std::vector<std::string> labels;
  std::string previous = "0";
  auto name = [](std::int64_t m) { return m < 60 ? std::to_string(m) + "m" : std::to_string(m / 60) + "h"; };
  for (auto m : kDurationBucketMinutes) {
    labels.push_back(previous + "–" + name(m));
    previous = name(m);
  }
  labels.push_back("≥" + previous);
  return labels;
}

Section Targets(const WeeklyReport& r) {
  Section s{"Targets", {}};
  Block b;
  if (r.targets.empty()) b.lines.push_back("No targets are configured (metrics.targets).");
  Table t{{"Target", "Status", "Figure"}, {}};
  for (const auto& target : r.targets) t.rows.push_back({target.name, StatusWord(target.status), target.figure});
  if (!r.targets.empty()) b.table = std::move(t);
  s.blocks.push_back(std::move(b));
  return s;
}

Section Incidents(const WeeklyReport& r) {
  Section s{"Incidents", {}};
  Block summary;
  std::string by;
  for (const auto& sev : r.severities) {
    auto it = r.incidents_by_severity.find(sev);
    if (it == r.incidents_by_severity.end()) continue;
    by += (by.empty() ? "" : ", ") + sev + ": " + std::to_string(it->second);
  }
  summary.lines.push_back(Plural(r.incidents, "incident") + " opened this week" + (by.empty() ? "." : " (" + by + ")."));
  for (const auto& i : r.incident_list) summary.items.push_back(Incident(i));
  if (static_cast<std::int64_t>(r.incident_list.size()) < r.incidents) {
    summary.items.push_back("… and " + std::to_string(r.incidents - static_cast<std::int64_t>(r.incident_list.size())) +
                            " more");
  }
  s.blocks.push_back(std::move(summary));

  Block trend;
  trend.heading = std::to_string(r.trend.size()) + "-week trend";
  trend.lines.push_back(std::string(r.trend_slope < 0 ? "Trending down" : r.trend_slope > 0 ? "Trending up" : "Flat") +
                        ": " + Number(r.trend_slope, 2) + " incidents/week (least-squares slope).");
  Table t;
  t.headers.push_back("Week");
  for (const auto& sev : r.severities) t.headers.push_back(sev);
  t.headers.push_back("Total");
  Chart c{"Incidents per week by severity", {}, {}, true};
  for (const auto& sev : r.severities) c.series.push_back({sev, {}});
  for (const auto& wc : r.trend) {
    std::vector<std::string> row{FormatIsoWeek(wc.week)};
    c.labels.push_back("W" + std::to_string(wc.week.week));
    for (std::size_t k = 0; k < r.severities.size(); ++k) {
      auto it = wc.by_severity.find(r.severities[k]);
      std::int64_t n = it == wc.by_severity.end() ? 0 : it->second;
      row.push_back(std::to_string(n));
      c.series[k].second.push_back(n);
    }
    row.push_back(std::to_string(wc.total));
    t.rows.push_back(std::move(row));
  }
  trend.chart = std::move(c);
  trend.table = std::move(t);
  s.blocks.push_back(std::move(trend));
  return s;
}

Section Response(const WeeklyReport& r) {
  Section s{"Response times", {}};
  Block b;
  b.lines.push_back("Over the incidents opened this week: " + Plural(r.measures.unacknowledged, "incident") +
                    " never acknowledged, " + std::to_string(r.measures.open) + " still open.");
  Table t{{"Measure", "Count", "Missing", "Mean", "Median", "p90"}, {}};
  auto row = [&](const std::string& name, const metrics::Summary& m) {
    t.rows.push_back({name, std::to_string(m.count), std::to_string(m.missing), Duration(m.mean), Duration(m.median),
                      Duration(m.p90)});
  };
  row("MTTD", r.measures.mttd);
  row("MTTA", r.mtta.summary);
  row("MTTR", r.mttr.summary);
  b.table = std::move(t);
  s.blocks.push_back(std::move(b));
  for (const auto* d : {&r.mtta, &r.mttr}) {
    Block dist;
    std::string name = d == &r.mtta ? "MTTA" : "MTTR";
    dist.heading = name + " distribution";
    Chart c{name + " distribution", BucketLabels(), {{"incidents", d->buckets}}};
    Table tt{{"Bucket", "Incidents"}, {}};
    for (std::size_t k = 0; k < c.labels.size(); ++k) tt.rows.push_back({c.labels[k], std::to_string(d->buckets[k])});
    dist.chart = std::move(c);
    dist.table = std::move(tt);
    s.blocks.push_back(std::move(dist));
  }
  return s;
}

Section Postmortems(const WeeklyReport& r) {
  Section s{"Post-mortems", {}};
  Block b;
  b.lines.push_back(std::to_string(r.postmortems_due.size()) + " due this week, " +
                    std::to_string(r.postmortems_overdue.size()) + " overdue, " +
                    std::to_string(r.postmortems_published.size()) + " published this week.");
  s.blocks.push_back(std::move(b));
  auto list = [&](const std::string& heading, const std::vector<PostmortemLine>& lines, bool published) {
    if (lines.empty()) return;
    Block l;
    l.heading = heading;
    for (std::size_t k = 0; k < lines.size() && k < kListLimit; ++k) {
      const auto& p = lines[k];
      l.items.push_back(Incident(p.incident) + " — " +
                        (published ? "published " + Local(r, *p.published) : p.state + ", due " + Local(r, p.due)));
    }
    s.blocks.push_back(std::move(l));
  };
  list("Overdue", r.postmortems_overdue, false);
  list("Due this week", r.postmortems_due, false);
  list("Published this week", r.postmortems_published, true);
  return s;
}

Section ActionItems(const WeeklyReport& r) {
  Section s{"Action items", {}};
  Block b;
  b.lines.push_back(std::to_string(r.action_items_open) + " open, " + std::to_string(r.action_items_overdue) +
                    " overdue.");
  if (!r.owners.empty()) {
    Table t{{"Owner", "Open", "Overdue"}, {}};
    for (const auto& o : r.owners) t.rows.push_back({o.owner, std::to_string(o.open), std::to_string(o.overdue)});
    b.table = std::move(t);
  }
  s.blocks.push_back(std::move(b));
  if (!r.overdue_items.empty()) {
    Block l;
    l.heading = "Overdue";
    for (const auto& a : r.overdue_items) {
      std::string owners;
      for (const auto& o : a.owners) owners += (owners.empty() ? "" : ", ") + o;
      l.items.push_back(a.content + " — " + (owners.empty() ? "unassigned" : owners) + ", due " + Local(r, *a.due) +
                        " (IR-" + std::to_string(a.incident.public_id) + ")");
    }
    s.blocks.push_back(std::move(l));
  }
  return s;
}

Section ErrorBudgets(const WeeklyReport& r) {
  Section s{"Error budgets", {}};
  Block b;
  if (r.error_budgets.empty()) b.lines.push_back("No service objectives are configured (slos).");
  Table t{{"Service", "Objective", "Window", "Budget", "Consumed", "Left", "Burn rate (24 h)"}, {}};
  for (const auto& e : r.error_budgets) {
    std::string left = e.left.count() < 0 ? "exhausted (" + Duration(-e.left) + " over)" : Duration(e.left);
    t.rows.push_back({e.service, Shortest(e.objective) + "%",
                      Duration(std::chrono::duration_cast<Micros>(e.window)), Duration(e.budget),
                      Duration(e.consumed) + " (" + Number(e.consumed_percent, 0) + "%)", left,
                      Number(e.burn_rate_24h, 2) + "×"});
  }
  if (!r.error_budgets.empty()) b.table = std::move(t);
  s.blocks.push_back(std::move(b));
  return s;
}

Section PatternsSection(const WeeklyReport& r) {
  const Patterns& p = r.patterns;
  Section s{"Patterns", {}};
  auto ranking = [&](const std::string& heading, const std::vector<Ranked>& list, const std::string& unit,
                     const std::string& none) {
    Block b;
    b.heading = heading;
    if (!p.alerts_available) {
      b.lines.push_back("No alert records available.");
    } else if (list.empty()) {
      b.lines.push_back(none);
    }
    for (const auto& x : list) {
      b.items.push_back(x.name + (x.detail.empty() ? "" : " {" + x.detail + "}") + " — " + Plural(x.count, unit));
    }
    s.blocks.push_back(std::move(b));
  };
  ranking("Monitors that opened most incidents", p.top_monitors, "incident", "No incident was opened by an alert.");
  ranking("Recurrences (one alert series, several incidents)", p.recurrences, "incident", "None.");
  ranking("Alerts that fire but never open an incident", p.noisy_monitors, "alert", "None.");
  Block hours;
  hours.heading = "Hour of day pages land (" + r.time_zone + ")";
  Chart c{"Pages and incidents by hour of day", {}, {{"pages", {}}}};
  Table t{{"Hour", "Pages", "Incidents opened"}, {}};
  for (int h = 0; h < 24; ++h) {
    c.labels.push_back(std::to_string(h));
    c.series[0].second.push_back(p.pages_by_hour[h]);
    if (p.pages_by_hour[h] || p.incidents_by_hour[h]) {
      char label[8];
      std::snprintf(label, sizeof label, "%02d:00", h);
      t.rows.push_back({label, std::to_string(p.pages_by_hour[h]), std::to_string(p.incidents_by_hour[h])});
    }
  }
  if (t.rows.empty()) hours.lines.push_back("No pages and no incidents this week.");
  c.series.push_back({"incidents opened", std::vector<std::int64_t>(p.incidents_by_hour.begin(), p.incidents_by_hour.end())});
  hours.chart = std::move(c);
  if (!t.rows.empty()) hours.table = std::move(t);
  s.blocks.push_back(std::move(hours));
  return s;
}

Doc Layout(const WeeklyReport& r) {
  Doc d;
  d.title = "Weekly incident review " + FormatIsoWeek(r.week);
  TimePoint monday = MondayOf(r.week);
  d.subtitle = Day(monday) + " to " + Day(monday + std::chrono::hours(24 * 6)) + " (" + r.time_zone + "), as of " +
               Local(r, r.as_of) + ".";
  d.sections = {Targets(r),     Incidents(r),    Response(r),
                Postmortems(r), ActionItems(r), ErrorBudgets(r), PatternsSection(r)};
  return d;
}

// --- Markdown ---

std::string Cell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

void MarkdownTable(std::string& out, const Table& t) {
  out += "|";
  for (const auto& h : t.headers) out += " " + Cell(h) + " |";
  out += "\n|";
  // Columns of figures are right-aligned.
  for (std::size_t k = 0; k < t.headers.size(); ++k) {
    bool figures = k > 0 && !t.rows.empty();
    for (const auto& row : t.rows) {
      figures = figures && k < row.size() && !row[k].empty() && std::isdigit(static_cast<unsigned char>(row[k][0]));
    }
    out += figures ? "---:|" : "---|";
  }
  out += "\n";
  for (const auto& row : t.rows) {
    out += "|";
    for (const auto& c : row) out += " " + Cell(c) + " |";
    out += "\n";
  }
  out += "\n";
}

// --- HTML ---

std::string Escape(const std::string& s) { return HtmlEscape(s); }

constexpr const char* kColors[] = {"#c62828", "#ef6c00", "#f9a825", "#2e7d32", "#1565c0", "#6a1b9a", "#546e7a"};

// Bars stacked by series, with the total above each bar and the labels below.
void Svg(std::string& out, const Chart& c) {
  constexpr int kBar = 28, kGap = 8, kHeight = 120, kTop = 16, kBottom = 34;
  std::size_t n = c.labels.size();
  std::vector<std::int64_t> totals(n, 0);
  std::vector<const std::pair<std::string, std::vector<std::int64_t>>*> drawn;
  for (const auto& s : c.series) {
    if (!c.stacked && !drawn.empty()) break;  // side series are in the table
    drawn.push_back(&s);
    for (std::size_t k = 0; k < n && k < s.second.size(); ++k) totals[k] += s.second[k];
  }
  std::int64_t max = std::max<std::int64_t>(1, *std::max_element(totals.begin(), totals.end()));
  int width = static_cast<int>(n) * (kBar + kGap) + kGap;
  int height = kTop + kHeight + kBottom;
  out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(width) + "\" height=\"" +
         std::to_string(height) + "\" role=\"img\" aria-label=\"" + Escape(c.title) + "\">";
  out += "<title>" + Escape(c.title) + "</title>";
  for (std::size_t k = 0; k < n; ++k) {
    int x = kGap + static_cast<int>(k) * (kBar + kGap);
    int base = kTop + kHeight;
    for (std::size_t s = 0; s < drawn.size(); ++s) {
      std::int64_t v = k < drawn[s]->second.size() ? drawn[s]->second[k] : 0;
      if (v == 0) continue;
      int h = static_cast<int>(v * kHeight / max);
      if (h < 1) h = 1;
      base -= h;
      out += "<rect x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(base) + "\" width=\"" +
             std::to_string(kBar) + "\" height=\"" + std::to_string(h) + "\" fill=\"" + kColors[s % 7] +
             "\"><title>" + Escape(c.labels[k] + " " + drawn[s]->first + ": " + std::to_string(v)) + "</title></rect>";
    }
    int cx = x + kBar / 2;
    out += "<text x=\"" + std::to_string(cx) + "\" y=\"" + std::to_string(base - 3) +
           "\" font-size=\"10\" text-anchor=\"middle\">" + std::to_string(totals[k]) + "</text>";
    out += "<text x=\"" + std::to_string(cx) + "\" y=\"" + std::to_string(kTop + kHeight + 14) +
           "\" font-size=\"10\" text-anchor=\"middle\">" + Escape(c.labels[k]) + "</text>";
  }
  out += "</svg>\n";
  if (drawn.size() > 1) {
    out += "<p style=\"font-size:12px\">";
    for (std::size_t s = 0; s < drawn.size(); ++s) {
      out += std::string("<span style=\"color:") + kColors[s % 7] + "\">■</span> " + Escape(drawn[s]->first) + " ";
    }
    out += "</p>\n";
  }
}

void HtmlTable(std::string& out, const Table& t) {
  out += "<table style=\"border-collapse:collapse\"><tr>";
  for (const auto& h : t.headers) out += "<th style=\"border:1px solid #ccc;padding:2px 6px\">" + Escape(h) + "</th>";
  out += "</tr>\n";
  for (const auto& row : t.rows) {
    out += "<tr>";
    for (const auto& c : row) {
      std::string style = "border:1px solid #ccc;padding:2px 6px";
      if (c == "MISSED") style += ";color:#c62828;font-weight:bold";
      out += "<td style=\"" + style + "\">" + Escape(c) + "</td>";
    }
    out += "</tr>\n";
  }
  out += "</table>\n";
}

}  // namespace

std::string RenderMarkdown(const WeeklyReport& report) {
  Doc d = Layout(report);
  std::string out = "# " + d.title + "\n\n" + d.subtitle + "\n\n";
  for (const auto& s : d.sections) {
    out += "## " + s.title + "\n\n";
    for (const auto& b : s.blocks) {
      if (!b.heading.empty()) out += "### " + b.heading + "\n\n";
      for (const auto& l : b.lines) out += l + "\n\n";
      for (const auto& i : b.items) out += "- " + i + "\n";
      if (!b.items.empty()) out += "\n";
      if (b.table) MarkdownTable(out, *b.table);
    }
  }
  return out;
}

std::string RenderHtml(const WeeklyReport& report) {
  Doc d = Layout(report);
  std::string out =
      "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\"><head><meta charset=\"utf-8\"/>"
      "<title>" + Escape(d.title) + "</title></head>\n"
      "<body style=\"font-family:sans-serif;color:#222;max-width:860px\">\n<h1>" + Escape(d.title) + "</h1>\n<p>" +
      Escape(d.subtitle) + "</p>\n";
  for (const auto& s : d.sections) {
    out += "<h2>" + Escape(s.title) + "</h2>\n";
    for (const auto& b : s.blocks) {
      if (!b.heading.empty()) out += "<h3>" + Escape(b.heading) + "</h3>\n";
      for (const auto& l : b.lines) out += "<p>" + Escape(l) + "</p>\n";
      if (!b.items.empty()) {
        out += "<ul>";
        for (const auto& i : b.items) out += "<li>" + Escape(i) + "</li>";
        out += "</ul>\n";
      }
      if (b.chart) Svg(out, *b.chart);
      if (b.table) HtmlTable(out, *b.table);
    }
  }
  out += "</body></html>\n";
  return out;
}

}  // namespace tocsin::core::report
