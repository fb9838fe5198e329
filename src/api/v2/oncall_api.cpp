#include "api/v2/oncall_api.hpp"

#include <nlohmann/json.hpp>

#include "api/v2/errors.hpp"
#include "api/v2/ical.hpp"
#include "api/v2/incident_json.hpp"

namespace tocsin::api::v2 {
namespace {

namespace esc = core::escalation;
namespace sch = core::schedule;

http::Response Json(int status, const json& body) {
  return http::Response::Json(status, body.dump(-1, ' ', false, json::error_handler_t::replace));
}

Result<TimePoint> TimeParam(const http::Request& req, const std::string& name, TimePoint fallback) {
  auto v = req.Query(name);
  if (!v) return fallback;
  auto t = ParseRfc3339(*v);
  if (!t) return InvalidArgument(name + ": '" + *v + "' is not an RFC 3339 date-time");
  return *t;
}

json Person(const core::Config& config, const std::string& handle, const std::string& why) {
  const core::User* u = config.FindUser(handle);
  return json{{"handle", handle}, {"name", u ? u->name : handle}, {"email", u ? u->email : ""}, {"why", why}};
}

json TeamOnCall(const ApiContext& ctx, const esc::Directory& dir, const core::Team& team, TimePoint at) {
  json people = json::array();
  for (const auto& r : dir.TeamOnCall(team.id, at)) people.push_back(Person(*ctx.config, r.user, esc::DescribeChain(r.why)));
  return json{{"id", team.id},
              {"type", "on_call"},
              {"attributes", {{"team", team.name}, {"handle", "@" + team.oncall_handle}, {"at", FormatRfc3339(at)},
                              {"on_call", people}}}};
}

json ScheduleNow(const core::Config& config, const sch::Schedule& s, TimePoint at) {
  sch::OnCall now = sch::OnCallAt(s, at);
  json person = now.user ? Person(config, *now.user, now.source.Describe()) : json(nullptr);
  return json{{"id", s.name()},
              {"type", "schedules"},
              {"attributes", {{"name", s.name()}, {"team", s.definition().team}, {"time_zone", s.definition().time_zone},
                              {"at", FormatRfc3339(at)}, {"on_call", person}}}};
}

json OverrideJson(const core::OverrideRecord& o) {
  return json{{"id", o.id},
              {"type", "schedule_overrides"},
              {"attributes", {{"schedule", o.schedule}, {"user", o.user}, {"for_user", o.for_user},
                              {"start", FormatRfc3339(o.start)}, {"end", FormatRfc3339(o.end)},
                              {"created_by", o.created_by}, {"created", FormatRfc3339(o.created)},
                              {"removed", o.removed ? json(FormatRfc3339(*o.removed)) : json(nullptr)},
                              {"removed_by", o.removed_by}}}};
}

http::Response Calendar(const ApiContext& ctx, const std::vector<const sch::Schedule*>& schedules,
                        const std::string& only_user, const std::string& name) {
  TimePoint now = ctx.clock->Now();
  std::vector<CalendarShift> shifts;
  for (const auto* s : schedules) {
    for (auto& shift : sch::FinalShifts(*s, now - std::chrono::hours(24 * 7), now + std::chrono::hours(24 * 56))) {
      if (!only_user.empty() && shift.user != only_user) continue;
      shifts.push_back({s->name(), std::move(shift)});
    }
  }
  http::Response r;
  r.content_type = "text/calendar; charset=utf-8";
  r.body = RenderCalendar(shifts, CalendarOptions{name, "tocsin", now});
  return r;
}

}  // namespace

http::Response HandleOnCall(const ApiContext& ctx, const http::Request& req, const std::vector<std::string>& p,
                            const core::Actor& actor) {
  // p = {"api", "v2", "on-call", ...}
  if (!ctx.directory) return ErrorResponse(404, "Not found");
  auto dir = ctx.directory();
  const core::Config& config = *ctx.config;
  const std::string& m = req.method;
  auto at = TimeParam(req, "at", ctx.clock->Now());
  if (!at) return ErrorResponse(at.error());
  std::size_t n = p.size();
  if (n == 4 && p[3] == "teams" && m == "GET") {
    json data = json::array();
    for (const auto& t : config.teams) data.push_back(TeamOnCall(ctx, *dir, t, *at));
    return Json(200, {{"data", data}});
  }
  if (n == 5 && p[3] == "teams" && m == "GET") {
    std::string id = !p[4].empty() && p[4][0] == '@' ? p[4].substr(1) : p[4];
    const core::Team* team = config.FindTeam(id);
    if (!team) team = config.FindTeamByHandle(id);
    if (!team) return ErrorResponse(404, "no team '" + p[4] + "'");
    return Json(200, {{"data", TeamOnCall(ctx, *dir, *team, *at)}});
  }
  if (n == 4 && p[3] == "schedules" && m == "GET") {
    json data = json::array();
    for (const auto& s : config.schedules) {
      if (const auto* compiled = dir->FindSchedule(s.name)) data.push_back(ScheduleNow(config, *compiled, *at));
    }
    return Json(200, {{"data", data}});
  }
  if (n == 6 && p[3] == "users" && p[5] == "calendar.ics" && m == "GET") {
    if (!config.FindUser(p[4])) return ErrorResponse(404, "no user '" + p[4] + "'");
    std::vector<const sch::Schedule*> all;
    for (const auto& s : config.schedules) {
      if (const auto* c = dir->FindSchedule(s.name)) all.push_back(c);
    }
    return Calendar(ctx, all, p[4], "On call: @" + p[4]);
  }
  if (n >= 5 && p[3] == "schedules") {
    const sch::Schedule* s = dir->FindSchedule(p[4]);
    if (!s) return ErrorResponse(404, "no schedule '" + p[4] + "'");
    if (n == 5 && m == "GET") return Json(200, {{"data", ScheduleNow(config, *s, *at)}});
    if (n == 6 && p[5] == "calendar.ics" && m == "GET") return Calendar(ctx, {s}, "", "On call: " + s->name());
    if (n == 6 && p[5] == "shifts" && m == "GET") {
      auto from = TimeParam(req, "from", ctx.clock->Now());
      if (!from) return ErrorResponse(from.error());
      auto to = TimeParam(req, "to", *from + std::chrono::hours(24 * 7));
      if (!to) return ErrorResponse(to.error());
      if (!(*from < *to)) return ErrorResponse(400, "to: must be after from");
      if (*to - *from > std::chrono::hours(24 * 93)) return ErrorResponse(400, "to: the range may span at most 93 days");
      json data = json::array();
      for (const auto& shift : sch::FinalShifts(*s, *from, *to)) {
        data.push_back({{"type", "shifts"},
                        {"attributes", {{"user", shift.user}, {"start", FormatRfc3339(shift.start)},
                                        {"end", FormatRfc3339(shift.end)}, {"source", shift.source.Describe()}}}});
      }
      return Json(200, {{"data", data}});
    }
    if (n == 6 && p[5] == "overrides" && m == "GET") {
      auto all = ctx.store->ListOverrides();
      if (!all) return ErrorResponse(all.error());
      json data = json::array();
      for (const auto& o : *all) {
        if (o.schedule == p[4]) data.push_back(OverrideJson(o));
      }
      return Json(200, {{"data", data}});
    }
    if (n == 6 && p[5] == "overrides" && m == "POST") {
      auto body = ParseBody(req.body);
      if (!body) return ErrorResponse(body.error());
      const json& b = *body;
      if (!b.is_object() || !b.contains("data") || !b["data"].is_object() || !b["data"].contains("attributes") ||
          !b["data"]["attributes"].is_object()) {
        return ErrorResponse(400, "data.attributes: is required");
      }
      const json& a = b["data"]["attributes"];
      sch::Override o;
      for (auto [key, target] : {std::pair{"user", &o.user}, std::pair{"for_user", &o.for_user}}) {
        if (!a.contains(key) || a[key].is_null()) continue;
        if (!a[key].is_string()) return ErrorResponse(400, std::string("data.attributes.") + key + ": must be a string");
        *target = a[key].get<std::string>();
        if (!target->empty() && (*target)[0] == '@') *target = target->substr(1);
      }
      if (o.user.empty()) return ErrorResponse(400, "data.attributes.user: is required");
      for (auto [key, target] : {std::pair{"start", &o.start}, std::pair{"end", &o.end}}) {
        if (!a.contains(key) || !a[key].is_string()) {
          return ErrorResponse(400, std::string("data.attributes.") + key + ": is required (an RFC 3339 date-time)");
        }
        auto t = ParseRfc3339(a[key].get<std::string>());
        if (!t) return ErrorResponse(400, std::string("data.attributes.") + key + ": not an RFC 3339 date-time");
        *target = *t;
      }
      auto id = ctx.add_override(p[4], o, actor);
      if (!id) return ErrorResponse(id.error());
      auto all = ctx.store->ListOverrides();
      if (all) {
        for (const auto& rec : *all) {
          if (rec.id == *id) return Json(201, {{"data", OverrideJson(rec)}});
        }
      }
      return Json(201, {{"data", {{"id", *id}, {"type", "schedule_overrides"}}}});
    }
    if (n == 7 && p[5] == "overrides" && m == "DELETE") {
      auto ok = ctx.remove_override(p[4], p[6], actor);
      if (!ok) return ErrorResponse(ok.error());
      http::Response r;
      r.status = 204;
      return r;
    }
  }
  return ErrorResponse(404, "Not found");
}

}  // namespace tocsin::api::v2
