#include "app/oncall.hpp"

#include <map>

namespace tocsin::app {

namespace esc = core::escalation;

Result<std::unique_ptr<OnCallDirectory>> OnCallDirectory::Create(std::shared_ptr<const core::Config> config,
                                                                  core::Store& store) {
  std::unique_ptr<OnCallDirectory> d(new OnCallDirectory(std::move(config), store));
  auto built = d->Build(*d->config_, nullptr);
  if (!built) return tl::unexpected(built.error());
  d->current_ = std::move(*built);
  return d;
}

std::shared_ptr<const esc::Directory> OnCallDirectory::Get() const {
  std::lock_guard lock(mu_);
  return current_;
}

Result<OnCallDirectory::Prepared> OnCallDirectory::Prepare(const core::Config& config) const {
  std::lock_guard lock(mu_);
  auto built = Build(config, nullptr);
  if (!built) return tl::unexpected(built.error());
  return Prepared{std::move(*built), generation_};
}

void OnCallDirectory::Use(std::shared_ptr<const core::Config> config, Prepared prepared) {
  std::lock_guard lock(mu_);
  if (prepared.generation != generation_) {
    // An override changed since Prepare: build again with it (it was
    // validated against the old schedules; if it no longer fits the new ones,
    // keep the prepared directory rather than none).
    if (auto again = Build(*config, nullptr)) prepared.directory = std::move(*again);
  }
  config_ = std::move(config);
  current_ = std::move(prepared.directory);
}

Result<std::shared_ptr<const esc::Directory>> OnCallDirectory::Build(const core::Config& config,
                                                                     const core::OverrideRecord* extra) const {
  auto dir = esc::Directory::Create(config);
  if (!dir) return tl::unexpected(dir.error());
  auto stored = store_.ListOverrides();
  if (!stored) return tl::unexpected(stored.error());
  std::map<std::string, std::vector<core::schedule::Override>> by_schedule;
  for (const auto& o : *stored) {
    if (!o.removed) by_schedule[o.schedule].push_back({o.id, o.user, o.for_user, o.start, o.end});
  }
  if (extra) by_schedule[extra->schedule].push_back({extra->id, extra->user, extra->for_user, extra->start, extra->end});
  for (auto& [name, overrides] : by_schedule) {
    const core::schedule::Schedule* base = dir->FindSchedule(name);
    if (!base) continue;  // a schedule removed from the config: its old overrides no longer apply
    auto with = base->WithOverrides(std::move(overrides));
    if (!with) return tl::unexpected(with.error());
    dir->PutSchedule(std::move(*with));
  }
  return std::make_shared<const esc::Directory>(std::move(*dir));
}

Result<std::string> OnCallDirectory::AddOverride(const std::string& schedule, core::schedule::Override o,
                                                 const core::Actor& actor, TimePoint now, const std::string& new_id) {
  std::lock_guard lock(mu_);
  if (!current_->FindSchedule(schedule)) return NotFound("no schedule named '" + schedule + "'");
  if (!config_->FindUser(o.user)) return InvalidArgument("data.attributes.user: no user with handle '" + o.user + "'");
  if (!o.for_user.empty() && !config_->FindUser(o.for_user)) {
    return InvalidArgument("data.attributes.for_user: no user with handle '" + o.for_user + "'");
  }
  if (!(o.start < o.end)) return InvalidArgument("data.attributes.end: must be after start");
  core::OverrideRecord rec{new_id, schedule, o.user, o.for_user, o.start, o.end, actor.handle, now, std::nullopt, ""};
  auto candidate = Build(*config_, &rec);  // validates overlaps with the schedule's other overrides
  if (!candidate) return tl::unexpected(Error{ErrorCode::kInvalidArgument, candidate.error().message});
  if (auto ok = store_.AddOverride(rec); !ok) return tl::unexpected(ok.error());
  current_ = std::move(*candidate);
  ++generation_;
  return rec.id;
}

Result<void> OnCallDirectory::RemoveOverride(const std::string& schedule, const std::string& id,
                                             const core::Actor& actor, TimePoint now) {
  std::lock_guard lock(mu_);
  auto stored = store_.ListOverrides();
  if (!stored) return tl::unexpected(stored.error());
  bool found = false;
  for (const auto& o : *stored) found = found || (o.id == id && o.schedule == schedule && !o.removed);
  if (!found) return NotFound("no override '" + id + "' on schedule '" + schedule + "'");
  if (auto ok = store_.RemoveOverride(id, actor.handle, now); !ok) return ok;
  ++generation_;
  auto rebuilt = Build(*config_, nullptr);
  if (!rebuilt) return tl::unexpected(rebuilt.error());
  current_ = std::move(*rebuilt);
  return {};
}

Result<std::string> DescribeOnCall(const core::Config& config, core::Store& store, const std::string& team, TimePoint at) {
  auto dir = OnCallDirectory::Create(std::make_shared<const core::Config>(config), store);
  if (!dir) return tl::unexpected(dir.error());
  std::string id = team;
  if (!id.empty() && id[0] == '@') id = id.substr(1);
  const core::Team* t = config.FindTeam(id);
  if (!t) t = config.FindTeamByHandle(id);
  if (!t) return NotFound("no team '" + team + "'");
  auto people = (*dir)->Get()->TeamOnCall(t->id, at);
  std::string out = "On call for " + t->name + " (@" + t->oncall_handle + ") at " + FormatRfc3339(at) + ":\n";
  if (people.empty()) out += "  nobody\n";
  for (const auto& p : people) out += "  @" + p.user + "  (" + esc::DescribeChain(p.why) + ")\n";
  return out;
}

}  // namespace tocsin::app
