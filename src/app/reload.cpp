#include "app/reload.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/validate.hpp"
#include "common/log.hpp"
#include "common/random.hpp"
#include "config/config_diff.hpp"
#include "config/config_loader.hpp"

namespace tocsin::app {
namespace {

using Answer = api::v2::ReloadAnswer;

std::optional<std::string> ReadFile(const std::string& path, std::string& error) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    error = path + ": cannot read configuration file: it is a directory";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path + ": cannot read configuration file: " + std::strerror(errno);
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    error = path + ": cannot read configuration file: read error";
    return std::nullopt;
  }
  return text.str();
}

std::string Short(const std::string& hash) { return hash.substr(0, 12); }

}  // namespace

CheckedConfig CheckConfigFile(const std::string& path) {
  CheckedConfig out;
  std::string error;
  auto text = ReadFile(path, error);
  if (!text) {
    out.config.source_file = path;
    out.problems.push_back(error);
    return out;
  }
  return CheckConfigText(std::move(*text), path);
}

CheckedConfig CheckConfigText(std::string text, const std::string& name) {
  CheckedConfig out;
  auto loaded = config::LoadConfigString(text, name);
  for (const auto& p : loaded.problems) out.problems.push_back(p.ToString());
  for (const auto& n : loaded.notes) out.notes.push_back(n.ToString());
  for (auto& p : ValidateAdapters(loaded.config)) out.problems.push_back(std::move(p));
  out.config = std::move(loaded.config);
  out.text = std::move(text);
  return out;
}

ConfigReloader::ConfigReloader(Parts parts) : parts_(std::move(parts)) {
  if (parts_.path.empty()) return;
  std::string error;
  if (auto text = ReadFile(parts_.path, error)) current_text_ = std::move(*text);
}

Answer ConfigReloader::Reload(const std::string& who) {
  Answer answer;
  std::unique_lock lock(mu_, std::try_to_lock);
  if (!lock.owns_lock()) {
    answer.kind = Answer::Kind::kBusy;
    answer.errors.push_back("another configuration reload is in progress; try again when it has finished");
    return answer;
  }
  auto running = parts_.holder->Get();
  answer.previous_hash = running->source_sha256;
  if (parts_.path.empty()) {
    answer.kind = Answer::Kind::kFailed;
    answer.errors.push_back("this server was not started from a configuration file; nothing to reload");
    return answer;
  }
  auto refuse = [&](std::vector<std::string> errors) {
    answer.kind = Answer::Kind::kInvalid;
    answer.errors = std::move(errors);
    log::Error("configuration reload refused; the running configuration stays in force",
               {{"by", who}, {"file", parts_.path}, {"problems", std::to_string(answer.errors.size())}});
    for (const auto& e : answer.errors) log::Error("configuration problem", {{"problem", e}});
    return answer;
  };
  CheckedConfig checked = CheckConfigFile(parts_.path);
  if (!checked.problems.empty()) return refuse(std::move(checked.problems));
  auto diff = config::DiffConfigText(current_text_, checked.text, "running configuration", parts_.path);
  if (diff) {
    answer.changes = config::DiffLines(*diff);
    answer.needs_restart = config::NeedsRestart(*diff);
  }
  core::Config next = std::move(checked.config);
  // Settings read only at start keep their running values (they were also
  // adjusted by command-line flags such as --listen and --data).
  next.server = running->server;
  next.storage = running->storage;
  auto oncall = parts_.oncall->Prepare(next);
  if (!oncall) return refuse({parts_.path + ": " + oncall.error().message});
  answer.hash = next.source_sha256;

  if (parts_.before_swap) parts_.before_swap();
  core::ConfigReloadRecord record{NewUuidV4(), parts_.clock->Now(), who, answer.hash, answer.previous_hash,
                                  answer.changes, answer.needs_restart};
  if (auto ok = parts_.store->RecordConfigReload(record); !ok) {
    answer.kind = Answer::Kind::kFailed;
    answer.errors.push_back("cannot record the reload, so it was not applied: " + ok.error().message);
    return answer;
  }
  auto snapshot = std::make_shared<const core::Config>(std::move(next));
  parts_.holder->Set(snapshot);
  parts_.oncall->Use(snapshot, std::move(*oncall));
  current_text_ = std::move(checked.text);
  log::Info("configuration reloaded", {{"by", who},
                                       {"hash", Short(answer.hash)},
                                       {"previous_hash", Short(answer.previous_hash)},
                                       {"changes", std::to_string(answer.changes.size())}});
  for (const auto& c : answer.changes) log::Info("configuration change", {{"change", c}});
  for (const auto& r : answer.needs_restart) {
    log::Warn("configuration setting changed but applies only after a restart", {{"setting", r}});
  }
  return answer;
}

}  // namespace tocsin::app
