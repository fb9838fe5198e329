// Checks that need the whole file: names used in one section and defined in another.

#include <algorithm>

#include "config/sections.hpp"

namespace tocsin::config::detail {
namespace {

std::string WithPath(const MarkedString& where, const std::string& message) {
  return where.path.empty() ? message : where.path + ": " + message;
}

bool NamesTeam(const core::Team& team, const std::string& handle) {
  return team.oncall_handle == handle ||
         std::find(team.oncall_aliases.begin(), team.oncall_aliases.end(), handle) !=
             team.oncall_aliases.end();
}

const core::Team* FindTeam(const core::Config& config, const std::string& handle) {
  for (const core::Team& team : config.teams) {
    if (NamesTeam(team, handle)) return &team;
  }
  return nullptr;
}

std::string SeverityNames(const core::Config& config) {
  std::string out;
  for (const core::SeverityLevel& level : config.severities) {
    if (!out.empty()) out += ", ";
    out += level.name;
  }
  return out;
}

// "a slack channel", "an email channel".
std::string WithArticle(const std::string& word) {
  bool vowel = !word.empty() && std::string_view("aeiou").find(word.front()) != std::string_view::npos;
  return (vowel ? "an " : "a ") + word;
}

}  // namespace

std::string StripAt(std::string handle) {
  if (!handle.empty() && handle.front() == '@') handle.erase(0, 1);
  return handle;
}

bool IsValidHandle(const std::string& handle) {
  if (handle.empty()) return false;
  return std::all_of(handle.begin(), handle.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

bool CheckUnique(LoadState& state, std::vector<MarkedString>& seen, const MarkedString& name,
                 const std::string& what) {
  for (const MarkedString& first : seen) {
    if (first.text == name.text) {
      state.reader.Report(name.mark, WithPath(name, "duplicate " + what + " '" + name.text +
                                                        "' (first defined at line " +
                                                        std::to_string(first.mark.line) + ")"));
      return false;
    }
  }
  seen.push_back(name);
  return true;
}

void CheckReferences(LoadState& state) {
  Reader& r = state.reader;
  const core::Config& config = state.config;

  for (const MarkedString& member : state.refs.team_members) {
    if (config.FindUser(member.text) == nullptr) {
      r.Report(member.mark,
               WithPath(member, "unknown user '" + member.text + "' (list it under users:)"));
    }
  }

  // '@handle' in a rule must name exactly one thing.
  std::vector<MarkedString> seen_handles;
  for (const MarkedString& handle : state.refs.team_handles) {
    if (!CheckUnique(state, seen_handles, handle, "on-call handle")) continue;
    if (const core::User* user = config.FindUser(handle.text)) {
      r.Report(handle.mark, WithPath(handle, "'" + handle.text + "' is also a user handle (line " +
                                                 std::to_string(user->mark.line) + "), so '@" +
                                                 handle.text + "' would be ambiguous"));
    }
  }

  // An empty list means the severities section itself was unusable and already reported.
  if (!config.severities.empty()) {
    std::vector<MarkedString> severities = state.refs.rule_severities;
    severities.insert(severities.end(), state.refs.metric_severities.begin(), state.refs.metric_severities.end());
    for (const MarkedString& severity : severities) {
      if (config.FindSeverity(severity.text) == nullptr) {
        r.Report(severity.mark,
                 WithPath(severity, "unknown severity '" + severity.text +
                                        "' (configured: " + SeverityNames(config) + ")"));
      }
    }
  }

  for (const MarkedString& commander : state.refs.rule_commanders) {
    std::string handle = commander.text.substr(1);
    if (FindTeam(config, handle) == nullptr && config.FindUser(handle) == nullptr) {
      r.Report(commander.mark,
               WithPath(commander, "unknown handle '" + commander.text +
                                       "': no team has it as oncall_handle and no user has it"));
    }
  }

  // Every contact method goes through a channel of the type it needs: the one it
  // names, or the only one of that type.
  for (const auto& ref : state.refs.contact_channels) {
    core::ContactMethod& method = state.config.users[ref.user].contact_methods[ref.method];
    std::string needed = core::ContactChannelType(method.type);
    std::string label = core::ContactTypeLabel(method.type);
    const MarkedString& written = ref.written;
    if (!written.text.empty()) {
      const core::Channel* channel = config.FindChannel(written.text);
      if (channel == nullptr) {
        r.Report(written.mark, WithPath(written, "unknown channel '" + written.text + "' (list it under channels:)"));
      } else if (channel->type != needed) {
        r.Report(written.mark, WithPath(written, "channel '" + written.text + "' is " + WithArticle(channel->type) +
                                                     " channel; " + WithArticle(method.type) +
                                                     " contact method goes through " + WithArticle(needed) +
                                                     " channel"));
      } else {
        method.channel = written.text;
      }
      continue;
    }
    std::vector<std::string> candidates;
    for (const core::Channel& c : config.channels) {
      if (c.type == needed) candidates.push_back(c.name);
    }
    if (candidates.size() == 1) {
      method.channel = candidates.front();
    } else if (candidates.empty()) {
      r.Report(written.mark, WithPath(written, "no " + needed + " channel to send " + label +
                                                   " through: add one under channels: and name it here with channel:"));
    } else {
      std::string names;
      for (const std::string& n : candidates) names += (names.empty() ? "" : ", ") + n;
      r.Report(written.mark, WithPath(written, "several " + needed + " channels (" + names +
                                                   "): name the one to use with channel:"));
    }
  }

  // Reports and budget notices name channels that must exist, and a report
  // never pages.
  for (const MarkedString& name : state.refs.report_channels) {
    const core::Channel* channel = config.FindChannel(name.text);
    if (channel == nullptr) {
      r.Report(name.mark, WithPath(name, "unknown channel '" + name.text + "' (list it under channels:)"));
    } else if (channel->type == "pagerduty") {
      r.Report(name.mark, WithPath(name, "channel '" + name.text +
                                             "' is a PagerDuty channel: reports and budget notices do not page"
                                             " (name a Slack, email or webhook channel)"));
    }
  }

  // Without a channels section, notification names are free-form: early configs can
  // name targets before wiring them.
  if (state.has_channels_section) {
    for (const MarkedString& name : state.refs.severity_channels) {
      if (config.FindChannel(name.text) == nullptr) {
        r.Report(name.mark, WithPath(name, "unknown channel '" + name.text + "' (list it under channels:)"));
      }
    }
    for (const MarkedString& name : state.refs.rule_notifications) {
      bool found = std::any_of(config.channels.begin(), config.channels.end(),
                               [&](const core::Channel& c) { return c.name == name.text; });
      if (!found) {
        r.Report(name.mark,
                 WithPath(name, "unknown channel '" + name.text + "' (list it under channels:)"));
      }
    }
  }
}

}  // namespace tocsin::config::detail
