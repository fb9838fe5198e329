// Entry points: parse the YAML, hand each top-level section to its loader, then
// check the references between sections.

#include "config/config_loader.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/random.hpp"
#include "config/sections.hpp"

namespace tocsin::config {
namespace {

using detail::LoadState;
using detail::Value;

// Sections a later release will read. Accepting them now lets a config written for
// that release load today.
constexpr std::string_view kReservedSections[] = {
    "notification_templates",
    "reminders",
};

// Where a line starts with a ',' outside any flow collection, quoted text or
// block scalar, if one does (0-based offset). yaml-cpp 0.7's LoadAll never
// returns on such a stray flow-entry token (",", "x\n,", found by
// fuzz_config_loader), so the loader refuses it before parsing. The scan is
// deliberately simple: it may miss odd cases, but never flags a comma that
// YAML reads as text.
std::optional<std::size_t> StrayLeadingComma(std::string_view text) {
  int depth = 0;                 // open [ and {
  char quote = 0;                // ' or " while inside quoted text
  int block_indent = -1;         // indentation of the line that opened a block scalar
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    std::size_t first = line.find_first_not_of(" \t\r");
    int indent = first == std::string_view::npos ? -1 : static_cast<int>(first);
    if (block_indent >= 0) {
      if (indent < 0 || indent > block_indent) {  // blank or deeper: block scalar content
        pos = end + 1;
        continue;
      }
      block_indent = -1;
    }
    if (indent >= 0 && !quote && depth == 0 && line[first] == ',') return pos + first;
    char previous = ' ';  // the last character that was not a space, on this line
    for (std::size_t i = indent < 0 ? line.size() : first; i < line.size(); ++i) {
      char c = line[i];
      if (quote) {
        if (c == '\\' && quote == '"') {
          ++i;
        } else if (c == quote) {
          if (quote == '\'' && i + 1 < line.size() && line[i + 1] == '\'') {
            ++i;
          } else {
            quote = 0;
          }
        }
        continue;
      }
      if (c == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) break;  // a comment
      bool starts_scalar = previous == ' ' || previous == ':' || previous == '-' || previous == ',' ||
                           previous == '[' || previous == '{' || previous == '?';
      if ((c == '"' || c == '\'') && starts_scalar && (i == first || line[i - 1] == ' ' || line[i - 1] == '\t' ||
                                                        line[i - 1] == '[' || line[i - 1] == '{' || line[i - 1] == ',')) {
        quote = c;
      } else if (c == '[' || c == '{') {
        ++depth;
      } else if ((c == ']' || c == '}') && depth > 0) {
        --depth;
      }
      if (c != ' ' && c != '\t' && c != '\r') {
        previous = c;
      }
    }
    // "key: |", "- >-", "key: |2 # note": the lines below are a block scalar.
    if (!quote && depth == 0 && indent >= 0) {
      std::string_view body = line.substr(first);
      std::size_t hash = body.find(" #");
      if (hash != std::string_view::npos) body = body.substr(0, hash);
      while (!body.empty() && (body.back() == ' ' || body.back() == '\t' || body.back() == '\r')) body.remove_suffix(1);
      while (!body.empty() && (body.back() == '-' || body.back() == '+' || (body.back() >= '1' && body.back() <= '9'))) {
        body.remove_suffix(1);
      }
      if (!body.empty() && (body.back() == '|' || body.back() == '>') &&
          (body.size() == 1 || body[body.size() - 2] == ' ')) {
        block_indent = indent;
      }
    }
    pos = end + 1;
  }
  return std::nullopt;
}

void LoadSections(LoadState& state, const Value& root) {
  detail::Reader& r = state.reader;
  auto fields = r.Map(
      root, {"server", "storage", "severities", "users", "teams", "channels", "rules", "templates",
             "dashboards", "schedules", "escalation_policies", "types", "checklists",
             "postmortem", "metrics", "slos", "reports", kReservedSections[0], kReservedSections[1]});
  if (!fields) return;
  using Loader = void (*)(LoadState&, const Value&);
  const std::pair<std::string_view, Loader> loaders[] = {
      {"server", detail::LoadServer},         {"storage", detail::LoadStorage},
      {"severities", detail::LoadSeverities}, {"users", detail::LoadUsers},
      {"teams", detail::LoadTeams},           {"channels", detail::LoadChannels},
      {"rules", detail::LoadRules},           {"templates", detail::LoadTemplates},
      {"dashboards", detail::LoadDashboards}, {"schedules", detail::LoadSchedules},
      {"escalation_policies", detail::LoadEscalationPolicies},
      {"types", detail::LoadTypes},           {"checklists", detail::LoadChecklists},
      {"postmortem", detail::LoadPostmortem},
      {"metrics", detail::LoadMetrics},       {"slos", detail::LoadSlos},
      {"reports", detail::LoadReports},
  };
  for (const auto& [name, load] : loaders) {
    // An empty section ("users:") means the same as leaving it out.
    if (const Value* section = fields->Get(name)) load(state, *section);
  }
  for (const auto& [name, value] : fields->entries()) {
    // An explicit channels section turns on notification-name checks, even an empty one.
    if (name == "channels") state.has_channels_section = true;
    if (name == "severities" && !value.node.IsNull()) state.has_severities_section = true;
    if (name == "types" && !value.node.IsNull()) state.has_types_section = true;
  }
}

}  // namespace

std::string Diagnostic::ToString() const {
  if (mark.line <= 0) return mark.file + ": " + message;
  return mark.file + ":" + std::to_string(mark.line) + ":" + std::to_string(mark.column) + ": " +
         message;
}

LoadResult LoadConfigString(std::string_view yaml_text, const std::string& file_name,
                            EnvLookup env) {
  LoadState state(detail::Reader(file_name, std::move(env)));
  state.config.source_file = file_name;
  state.config.source_sha256 = Sha256Hex(yaml_text);
  detail::Reader& r = state.reader;

  std::vector<YAML::Node> documents;
  // YAML streams cannot hold NUL, and yaml-cpp 0.7's LoadAll never returns on
  // some text with NUL bytes (",\0\0", found by fuzz_config_loader): refuse it first.
  std::optional<std::size_t> stray = StrayLeadingComma(yaml_text);
  if (std::size_t nul = yaml_text.find('\0'); nul != std::string_view::npos || stray) {
    std::size_t at = nul != std::string_view::npos ? nul : *stray;
    int line = 1, column = 1;
    for (std::size_t i = 0; i < at; ++i) {
      if (yaml_text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    r.Report(core::SourceMark{file_name, line, column},
             nul != std::string_view::npos ? "a NUL byte: a configuration file is text"
                                           : "YAML syntax error: ',' outside a [list] or {mapping}");
  } else {
    try {
      documents = YAML::LoadAll(std::string(yaml_text));
    } catch (const YAML::ParserException& e) {
      r.Report(r.MarkOf(e.mark), "YAML syntax error: " + e.msg);
    } catch (const YAML::Exception& e) {
      r.Report(core::SourceMark{file_name, 0, 0}, std::string("cannot parse YAML: ") + e.what());
    }
  }

  if (!documents.empty()) {
    if (documents.size() > 1) {
      r.Report(r.MarkOf(documents[1].Mark()), "expected one YAML document, found " +
                                                  std::to_string(documents.size()) +
                                                  " ('---' starts another)");
    }
    const YAML::Node& root = documents.front();
    if (!root.IsNull()) {
      if (root.IsMap()) {
        LoadSections(state, r.Root(root));
      } else {
        std::string got = detail::Describe(root);
        r.Report(r.Root(root).mark,
                 "expected sections (server:, rules:, ...) at the top level, got " + got);
      }
    }
  }
  if (!state.has_severities_section) {
    state.config.severities = core::DefaultSeverities();
    for (auto& level : state.config.severities) level.mark.file = file_name;
  }
  detail::CheckReferences(state);
  detail::CheckWorkflow(state);
  detail::CheckOnCall(state);

  LoadResult result;
  result.problems = r.TakeProblems();
  std::stable_sort(state.notes.begin(), state.notes.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     if (a.mark.line != b.mark.line) return a.mark.line < b.mark.line;
                     return a.mark.column < b.mark.column;
                   });
  result.notes = std::move(state.notes);
  result.config = std::move(state.config);
  return result;
}

LoadResult LoadConfigFile(const std::string& path, EnvLookup env) {
  auto fail = [&](const std::string& message) {
    LoadResult result;
    result.config.source_file = path;
    result.problems.push_back(Diagnostic{core::SourceMark{path, 0, 0}, message});
    return result;
  };
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return fail("cannot read configuration file: it is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(std::string("cannot read configuration file: ") + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return fail("cannot read configuration file: read error");
  return LoadConfigString(text.str(), path, std::move(env));
}

}  // namespace tocsin::config
