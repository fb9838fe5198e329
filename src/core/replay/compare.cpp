// Replay's comparisons: two outcomes, an outcome against the record, and page load.

#include <algorithm>
#include <map>
#include <string_view>
#include <tuple>
#include <unordered_map>

#include "core/escalation/escalation.hpp"
#include "core/replay/replay.hpp"
#include "core/schedule/schedule.hpp"

namespace tocsin::core::replay {
namespace {

using std::chrono::hours;

std::string JoinList(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string TiersText(const SimIncident& inc) {
  std::string out;
  for (const auto& t : inc.tiers) {
    if (!out.empty()) out += ", ";
    auto offset = std::chrono::duration_cast<std::chrono::seconds>(t.due - inc.opened);
    out += "r" + std::to_string(t.round) + " tier " + std::to_string(t.tier + 1) + " +" +
           escalation::FormatOffset(offset) + " " + t.outcome;
  }
  return out;
}

// For each incident of `from`, the incidents of `to` that hold its alerts
// (sorted, unique). An incident's alerts are exactly those whose outcome names
// it, so one pass over the alerts does it: both outcomes come from the same
// history and list the same seqs in the same order (else each is looked up).
// Nearly every incident has one counterpart: that one is kept inline, only
// the rare merges and splits get a list (no allocation per incident).
class Counterparts {
 public:
  Counterparts(const Outcome& from, const Outcome& to) : one_(from.incidents.size(), -1) {
    bool aligned = from.alerts.size() == to.alerts.size();
    for (std::size_t k = 0; aligned && k < from.alerts.size(); ++k) aligned = from.alerts[k].seq == to.alerts[k].seq;
    for (std::size_t k = 0; k < from.alerts.size(); ++k) {
      const AlertOutcome* other = aligned ? &to.alerts[k] : to.FindAlert(from.alerts[k].seq);
      const int i = from.alerts[k].incident;
      if (i < 0 || !other || other->incident < 0) continue;
      int& first = one_[static_cast<std::size_t>(i)];
      if (first < 0 || first == other->incident) {
        first = other->incident;
        continue;
      }
      auto& list = more_[i];
      if (list.empty()) list.push_back(first);
      if (std::find(list.begin(), list.end(), other->incident) == list.end()) list.push_back(other->incident);
    }
    for (auto& [i, list] : more_) std::sort(list.begin(), list.end());
  }
  std::size_t Count(std::size_t i) const {
    if (one_[i] < 0) return 0;
    auto it = more_.find(static_cast<int>(i));
    return it == more_.end() ? 1 : it->second.size();
  }
  const std::vector<int>& Several(std::size_t i) const { return more_.at(static_cast<int>(i)); }  // when Count > 1

 private:
  std::vector<int> one_;
  std::unordered_map<int, std::vector<int>> more_;
};

std::vector<std::string> Keys(const Outcome& o, const std::vector<int>& indexes) {
  std::vector<std::string> out;
  for (int i : indexes) out.push_back(o.incidents[i].key);
  return out;
}

// A page's identity across two outcomes: who, for which incident, which tier, when.
bool PageLess(const Page& x, const Page& y) {
  if (int c = x.user.compare(y.user)) return c < 0;
  if (int c = x.incident.compare(y.incident)) return c < 0;
  return std::tie(x.round, x.tier, x.at) < std::tie(y.round, y.tier, y.at);
}

std::vector<std::size_t> SortedOrder(const std::vector<Page>& pages) {
  std::vector<std::size_t> order(pages.size());
  for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return PageLess(pages[x], pages[y]); });
  return order;
}

// The pages of `pages` with no counterpart in `other`, in their order; each
// page of `other` answers for one page only (the earliest unanswered).
std::vector<Page> PagesNotIn(const std::vector<Page>& pages, const std::vector<Page>& other) {
  const auto mine = SortedOrder(pages);
  const auto theirs = SortedOrder(other);
  std::vector<char> matched(pages.size(), 0);
  for (std::size_t i = 0, j = 0; i < mine.size() && j < theirs.size();) {
    const Page& x = pages[mine[i]];
    const Page& y = other[theirs[j]];
    if (PageLess(x, y)) {
      ++i;
    } else if (PageLess(y, x)) {
      ++j;
    } else {
      matched[mine[i++]] = 1;
      ++j;
    }
  }
  std::vector<Page> out;
  for (std::size_t k = 0; k < pages.size(); ++k) {
    if (!matched[k]) out.push_back(pages[k]);
  }
  return out;
}

}  // namespace

bool Diff::Empty() const {
  return only_before.empty() && only_after.empty() && merged.empty() && split.empty() && changes.empty() &&
         pages.empty() && pages_only_before.empty() && pages_only_after.empty();
}

Diff Compare(const Outcome& before, const Outcome& after) {
  Diff d;
  const Counterparts forward(before, after), backward(after, before);
  for (std::size_t i = 0; i < before.incidents.size(); ++i) {
    const SimIncident& inc = before.incidents[i];
    const std::size_t n = forward.Count(i);
    if (n == 0) d.only_before.push_back(&inc);
    if (n > 1) d.split.push_back({inc.key, inc.title, Keys(after, forward.Several(i))});
  }
  for (std::size_t i = 0; i < after.incidents.size(); ++i) {
    const SimIncident& inc = after.incidents[i];
    const std::size_t n = backward.Count(i);
    if (n == 0) d.only_after.push_back(&inc);
    if (n > 1) d.merged.push_back({inc.key, inc.title, Keys(before, backward.Several(i))});
  }
  // The same opening alert on both sides: the same incident, maybe changed.
  // Lists are joined into text only when they differ.
  std::unordered_map<std::string_view, const SimIncident*> by_key;
  by_key.reserve(after.incidents.size());
  for (const auto& inc : after.incidents) by_key.emplace(inc.key, &inc);
  for (const auto& b : before.incidents) {
    auto it = by_key.find(b.key);
    if (it == by_key.end()) continue;
    const SimIncident& a = *it->second;
    auto change = [&](const char* field, const std::string& x, const std::string& y) {
      if (x != y) d.changes.push_back({b.key, a.title, field, x, y});
    };
    change("severity", b.severity, a.severity);
    change("type", b.type, a.type);
    change("commander", b.commander, a.commander);
    if (b.channels != a.channels) change("channels", JoinList(b.channels), JoinList(a.channels));
    if (b.tiers != a.tiers || b.opened != a.opened) change("tiers", TiersText(b), TiersText(a));
  }
  std::map<std::string, PersonPages> people;
  auto count = [&](const std::vector<Page>& pages, int PersonPages::*side) {
    PersonPages* last = nullptr;
    for (const auto& p : pages) {
      if (!last || last->user != p.user) {
        last = &people[p.user];
        last->user = p.user;
      }
      ++(last->*side);
    }
  };
  count(before.pages, &PersonPages::before);
  count(after.pages, &PersonPages::after);
  for (const auto& [user, counts] : people) {
    if (counts.before != counts.after) d.pages.push_back(counts);
  }
  d.pages_only_before = PagesNotIn(before.pages, after.pages);
  d.pages_only_after = PagesNotIn(after.pages, before.pages);
  return d;
}

std::vector<Mismatch> Fidelity(const History& history, const Outcome& replayed) {
  std::vector<Mismatch> out;
  std::unordered_map<std::string_view, int> sim_of_recorded;  // recorded incident id -> replayed index
  std::vector<const std::string*> recorded_of_sim(replayed.incidents.size(), nullptr);
  sim_of_recorded.reserve(history.incidents.size());
  std::size_t next = 0;  // replayed.alerts is in the history's order: walk it alongside
  for (const AlertRecord& r : history.alerts) {
    if (r.duplicate) continue;
    const AlertOutcome* it = next < replayed.alerts.size() && replayed.alerts[next].seq == r.seq
                                 ? &replayed.alerts[next++]
                                 : replayed.FindAlert(r.seq);
    if (!it) continue;
    const std::string_view decision = it->decision;
    const int index = it->incident;
    bool same = decision == r.decision && (index >= 0) == !r.incident_id.empty();
    if (same && index >= 0) {
      auto [a, new_a] = sim_of_recorded.emplace(r.incident_id, index);
      const std::string*& b = recorded_of_sim[static_cast<std::size_t>(index)];
      if (!b) b = &r.incident_id;
      same = a->second == index && *b == r.incident_id;
    }
    if (same) continue;
    Mismatch m;
    m.seq = r.seq;
    m.recorded = r.decision;
    if (!r.incident_id.empty()) {
      auto p = history.incidents.find(r.incident_id);
      m.recorded += " " + (p != history.incidents.end() ? "IR-" + std::to_string(p->second.public_id) : r.incident_id);
    }
    m.replayed = std::string(decision) + (index >= 0 ? " " + replayed.incidents[index].key : "");
    out.push_back(std::move(m));
  }
  for (const SimIncident& inc : replayed.incidents) {
    auto it = history.incidents.find(inc.recorded);
    if (it == history.incidents.end()) continue;
    const auto& real = it->second.tiers;
    std::size_t n = std::min(real.size(), inc.tiers.size());
    bool same = real.size() <= inc.tiers.size();
    for (std::size_t k = 0; same && k < n; ++k) {
      const Tier& t = inc.tiers[k];
      same = t.round == real[k].round && t.tier == real[k].tier && t.due == real[k].due && t.outcome == real[k].outcome;
    }
    if (same) continue;
    std::string recorded;
    for (const auto& t : real) {
      recorded += (recorded.empty() ? "" : ", ") + std::string("r") + std::to_string(t.round) + " tier " +
                  std::to_string(t.tier + 1) + " " + t.outcome;
    }
    out.push_back({inc.opening_seq, "tiers " + recorded, "tiers " + TiersText(inc)});
  }
  return out;
}

bool IsNight(const std::string& zone, TimePoint at) {
  auto wall = schedule::InstantToWallClock(zone, at);
  if (!wall) wall = at;
  auto since_midnight = wall->time_since_epoch() % std::chrono::hours(24);
  if (since_midnight.count() < 0) since_midnight += std::chrono::hours(24);
  return since_midnight < hours(8) || since_midnight >= hours(20);
}

Load ComputeLoad(const Config& config, const Outcome& outcome, TimePoint from, TimePoint to) {
  Load load;
  const auto week = hours(24 * 7);
  const double weeks = std::max(1.0, std::chrono::duration<double>(to - from) / week);
  std::map<std::string, PersonLoad> people;
  std::map<std::string, std::map<std::int64_t, int>> by_week;
  for (const auto& u : config.users) people[u.handle].user = u.handle;
  std::map<std::string, int> by_schedule;
  for (const auto& p : outcome.pages) {
    PersonLoad& person = people[p.user];
    person.user = p.user;
    ++person.pages;
    const User* u = config.FindUser(p.user);
    if (IsNight(u ? u->time_zone : "UTC", p.at)) ++person.night_pages;
    ++by_week[p.user][(p.at - from) / week];
    ++by_schedule[p.schedule];
  }
  // Nights on call: on call in some schedule at 03:00 in the person's own zone.
  auto directory = escalation::Directory::Create(config);
  const std::int64_t days = std::chrono::duration_cast<hours>(to - from).count() / 24 + 1;
  for (auto& [handle, person] : people) {
    person.per_week = person.pages / weeks;
    for (const auto& [w, n] : by_week[handle]) person.busiest_week = std::max(person.busiest_week, n);
    if (!directory) continue;
    const User* u = config.FindUser(handle);
    const std::string zone = u ? u->time_zone : "UTC";
    auto local_from = schedule::InstantToWallClock(zone, from).value_or(from);
    auto first_day = std::chrono::floor<std::chrono::days>(local_from);
    int run = 0;
    for (std::int64_t k = 0; k < days; ++k) {
      auto wall = first_day + std::chrono::days(k) + hours(3);
      auto at = schedule::WallClockToInstant(zone, wall).value_or(wall);
      if (at < from || at >= to) continue;
      bool on_call = false;
      for (const auto& def : config.schedules) {
        const schedule::Schedule* s = directory->FindSchedule(def.name);
        if (s && schedule::OnCallAt(*s, at).user == handle) {
          on_call = true;
          break;
        }
      }
      run = on_call ? run + 1 : 0;
      person.longest_night_run = std::max(person.longest_night_run, run);
    }
  }
  for (auto& [handle, person] : people) load.people.push_back(person);
  const int total = static_cast<int>(outcome.pages.size());
  for (const auto& [name, n] : by_schedule) {
    load.rotations.push_back({name, n, total > 0 ? static_cast<double>(n) / total : 0.0});
  }
  return load;
}

Result<std::unique_ptr<Report>> Run(const Config& in_force, const Config& candidate, const History& history) {
  auto report = std::make_unique<Report>();
  report->from = history.from;
  report->to = history.to;
  report->before_hash = in_force.source_sha256;
  report->after_hash = candidate.source_sha256;
  for (const auto& a : history.alerts) report->alerts += a.duplicate ? 0 : 1;
  auto before = Simulate(in_force, history);
  if (!before) return tl::unexpected(before.error());
  report->before = std::move(*before);
  // The same file (same hash) simulates the same: the candidate's outcome is a copy.
  if (!in_force.source_sha256.empty() && in_force.source_sha256 == candidate.source_sha256) {
    report->after = report->before;
  } else {
    auto after = Simulate(candidate, history);
    if (!after) return tl::unexpected(after.error());
    report->after = std::move(*after);
  }
  report->diff = Compare(report->before, report->after);
  report->fidelity = Fidelity(history, report->before);
  report->load_before = ComputeLoad(in_force, report->before, history.from, history.to);
  report->load_after = ComputeLoad(candidate, report->after, history.from, history.to);
  return report;
}

}  // namespace tocsin::core::replay
