#include "config/config_diff.hpp"

#include <yaml-cpp/yaml.h>

#include <set>

#include "common/json_writer.hpp"

namespace tocsin::config {
namespace {

using Kind = EntryChange::Kind;

// The identity of a list entry: its first identifying key, else its position.
std::string IdentityOf(const YAML::Node& item, std::size_t index) {
  if (item.IsMap()) {
    for (const char* key : {"id", "handle", "rule_name", "name", "incident_type", "phase"}) {
      const YAML::Node v = item[key];
      if (v && v.IsScalar()) return v.Scalar();
    }
  }
  return "#" + std::to_string(index + 1);
}

bool SameNode(const YAML::Node& a, const YAML::Node& b);

// Paths under `path` where a and b differ (mapping keys, list positions).
void CollectDiffs(const YAML::Node& a, const YAML::Node& b, const std::string& path, std::vector<std::string>& out) {
  auto join = [&](const std::string& key) { return path.empty() ? key : path + "." + key; };
  if (a.IsMap() && b.IsMap()) {
    std::set<std::string> seen;
    for (const auto& kv : a) {
      std::string key = kv.first.as<std::string>("");
      seen.insert(key);
      const YAML::Node other = b[key];
      if (!other) {
        out.push_back(join(key));
      } else {
        CollectDiffs(kv.second, other, join(key), out);
      }
    }
    for (const auto& kv : b) {
      std::string key = kv.first.as<std::string>("");
      if (!seen.count(key)) out.push_back(join(key));
    }
    return;
  }
  if (a.IsSequence() && b.IsSequence() && a.size() == b.size()) {
    for (std::size_t i = 0; i < a.size(); ++i) {
      CollectDiffs(a[i], b[i], path + "[" + std::to_string(i) + "]", out);
    }
    return;
  }
  if (!SameNode(a, b)) out.push_back(path.empty() ? "(value)" : path);
}

bool SameNode(const YAML::Node& a, const YAML::Node& b) {
  if (a.Type() != b.Type()) return false;
  switch (a.Type()) {
    case YAML::NodeType::Scalar:
      return a.Scalar() == b.Scalar();
    case YAML::NodeType::Sequence:
      if (a.size() != b.size()) return false;
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (!SameNode(a[i], b[i])) return false;
      }
      return true;
    case YAML::NodeType::Map: {
      if (a.size() != b.size()) return false;
      for (const auto& kv : a) {
        const YAML::Node other = b[kv.first.as<std::string>("")];
        if (!other || !SameNode(kv.second, other)) return false;
      }
      return true;
    }
    default:
      return true;  // both null or undefined
  }
}

void DiffSection(const std::string& section, const YAML::Node& a, const YAML::Node& b, ConfigDiff& diff) {
  if (a.IsSequence() && b.IsSequence()) {
    std::vector<std::pair<std::string, YAML::Node>> olds, news;
    for (std::size_t i = 0; i < a.size(); ++i) olds.emplace_back(IdentityOf(a[i], i), a[i]);
    for (std::size_t i = 0; i < b.size(); ++i) news.emplace_back(IdentityOf(b[i], i), b[i]);
    auto find = [](const auto& list, const std::string& id) -> const YAML::Node* {
      for (const auto& [key, node] : list) {
        if (key == id) return &node;
      }
      return nullptr;
    };
    for (const auto& [id, node] : news) {
      const YAML::Node* before = find(olds, id);
      if (!before) {
        diff.changes.push_back({section, id, Kind::kAdded, {}});
        continue;
      }
      std::vector<std::string> fields;
      CollectDiffs(*before, node, "", fields);
      if (!fields.empty()) diff.changes.push_back({section, id, Kind::kChanged, std::move(fields)});
    }
    for (const auto& [id, node] : olds) {
      if (!find(news, id)) diff.changes.push_back({section, id, Kind::kRemoved, {}});
    }
    return;
  }
  std::vector<std::string> fields;
  CollectDiffs(a, b, "", fields);
  if (!fields.empty()) diff.changes.push_back({section, "", Kind::kChanged, std::move(fields)});
}

Result<YAML::Node> Parse(std::string_view text, const std::string& name) {
  try {
    YAML::Node root = YAML::Load(std::string(text));
    if (root.IsNull()) return YAML::Node(YAML::NodeType::Map);
    if (!root.IsMap()) return InvalidArgument(name + ": the configuration must be a YAML mapping");
    return root;
  } catch (const YAML::Exception& e) {
    return InvalidArgument(name + ": not valid YAML: " + e.what());
  }
}

const char* KindName(Kind k) {
  switch (k) {
    case Kind::kAdded:
      return "added";
    case Kind::kRemoved:
      return "removed";
    case Kind::kChanged:
      break;
  }
  return "changed";
}

std::string JoinFields(const std::vector<std::string>& fields) {
  std::string out;
  for (const auto& f : fields) out += (out.empty() ? "" : ", ") + f;
  return out;
}

}  // namespace

Result<ConfigDiff> DiffConfigText(std::string_view old_yaml, std::string_view new_yaml, const std::string& old_name,
                                  const std::string& new_name) {
  auto a = Parse(old_yaml, old_name);
  if (!a) return tl::unexpected(a.error());
  auto b = Parse(new_yaml, new_name);
  if (!b) return tl::unexpected(b.error());
  ConfigDiff diff;
  std::set<std::string> seen;
  for (const auto& kv : *b) {
    std::string section = kv.first.as<std::string>("");
    seen.insert(section);
    const YAML::Node before = (*a)[section];
    if (!before) {
      diff.changes.push_back({section, "", Kind::kAdded, {}});
      continue;
    }
    DiffSection(section, before, kv.second, diff);
  }
  for (const auto& kv : *a) {
    std::string section = kv.first.as<std::string>("");
    if (!seen.count(section)) diff.changes.push_back({section, "", Kind::kRemoved, {}});
  }
  return diff;
}

std::vector<std::string> DiffLines(const ConfigDiff& diff) {
  std::vector<std::string> lines;
  for (const auto& c : diff.changes) {
    std::string line = c.section + ": ";
    line += c.entry.empty() ? std::string("section") : "'" + c.entry + "'";
    line += std::string(" ") + KindName(c.kind);
    if (!c.fields.empty()) line += " (" + JoinFields(c.fields) + ")";
    lines.push_back(std::move(line));
  }
  return lines;
}

std::string DiffText(const ConfigDiff& diff) {
  if (diff.empty()) return "no difference\n";
  std::string out;
  for (const auto& line : DiffLines(diff)) out += line + "\n";
  out += std::to_string(diff.changes.size()) + " change(s)\n";
  return out;
}

std::string DiffJson(const ConfigDiff& diff) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.Key("changes");
  w.BeginArray();
  for (const auto& c : diff.changes) {
    w.BeginObject();
    w.Member("section", c.section);
    if (c.entry.empty()) {
      w.NullMember("entry");
    } else {
      w.Member("entry", c.entry);
    }
    w.Member("change", KindName(c.kind));
    w.Key("fields");
    w.BeginArray();
    for (const auto& f : c.fields) w.String(f);
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  out += "\n";
  return out;
}

std::vector<std::string> NeedsRestart(const ConfigDiff& diff) {
  std::vector<std::string> out;
  for (const auto& c : diff.changes) {
    if (c.section != "server" && c.section != "storage") continue;
    if (c.fields.empty()) {
      out.push_back(c.section);
    } else {
      for (const auto& f : c.fields) out.push_back(c.section + "." + f);
    }
  }
  return out;
}

}  // namespace tocsin::config
