#pragma once
// On-call endpoints under /api/v2/on-call/:
//   GET  teams, teams/{team}?at=                 who is on call (and why)
//   GET  schedules, schedules/{name}?at=         the schedule's on-call person
//   GET  schedules/{name}/shifts?from=&to=       final shifts (at most 93 days)
//   GET  schedules/{name}/calendar.ics, users/{handle}/calendar.ics   iCalendar feeds
//   GET|POST schedules/{name}/overrides, DELETE schedules/{name}/overrides/{id}

#include <string>
#include <vector>

#include "api/v2/api.hpp"
#include "http/message.hpp"

namespace tocsin::api::v2 {

http::Response HandleOnCall(const ApiContext& ctx, const http::Request& request,
                            const std::vector<std::string>& path, const core::Actor& actor);

}  // namespace tocsin::api::v2
