#include "config/yaml_reader.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>

#include "config/env_substitution.hpp"

namespace tocsin::config::detail {
namespace {

std::string JoinPath(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// " (did you mean 'listen'?)" for a near miss, so typos are quick to fix.
std::string Suggestion(std::string_view key, std::initializer_list<std::string_view> known) {
  std::string_view best;
  std::size_t best_distance = 3;
  for (std::string_view candidate : known) {
    std::size_t d = EditDistance(key, candidate);
    if (d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  }
  if (best.empty()) return "";
  return " (did you mean '" + std::string(best) + "'?)";
}

std::string JoinWords(std::initializer_list<std::string_view> words) {
  std::string out;
  for (std::string_view w : words) {
    if (!out.empty()) out += ", ";
    out += w;
  }
  return out;
}

std::optional<std::string> DefaultEnv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

}  // namespace

const Value* Fields::Find(std::string_view key) const {
  for (const auto& [name, value] : entries_) {
    if (name == key) return &value;
  }
  return nullptr;
}

const Value* Fields::Get(std::string_view key) const {
  const Value* value = Find(key);
  if (value == nullptr || value->node.IsNull()) return nullptr;
  return value;
}

std::string Describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "'" + node.Scalar() + "'";
    default:
      return "nothing";
  }
}

std::vector<std::string> Texts(const std::vector<MarkedString>& items) {
  std::vector<std::string> out;
  out.reserve(items.size());
  for (const auto& item : items) out.push_back(item.text);
  return out;
}

Reader::Reader(std::string file, EnvLookup env) : file_(std::move(file)), env_(std::move(env)) {
  if (!env_) env_ = DefaultEnv;
}

core::SourceMark Reader::MarkOf(const YAML::Mark& mark) const {
  if (mark.is_null()) return core::SourceMark{file_, 0, 0};
  return core::SourceMark{file_, mark.line + 1, mark.column + 1};
}

void Reader::Report(const core::SourceMark& mark, std::string message) {
  problems_.push_back(Diagnostic{mark, std::move(message)});
}

void Reader::Report(const Value& value, const std::string& message) {
  Report(value.mark, value.path.empty() ? message : value.path + ": " + message);
}

std::vector<Diagnostic> Reader::TakeProblems() {
  std::stable_sort(problems_.begin(), problems_.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     if (a.mark.line != b.mark.line) return a.mark.line < b.mark.line;
                     return a.mark.column < b.mark.column;
                   });
  return std::move(problems_);
}

Value Reader::Root(const YAML::Node& node) const {
  core::SourceMark mark = MarkOf(node.Mark());
  if (mark.line == 0) mark = core::SourceMark{file_, 1, 1};
  return Value{node, "", mark};
}

std::optional<Fields> Reader::Map(const Value& value,
                                  std::initializer_list<std::string_view> known) {
  return ReadMap(value, known, false);
}

std::optional<Fields> Reader::OpenMap(const Value& value) { return ReadMap(value, {}, true); }

std::optional<Fields> Reader::ReadMap(const Value& value,
                                      std::initializer_list<std::string_view> known, bool open) {
  if (!value.node.IsMap()) {
    Report(value, "expected a mapping, got " + Describe(value.node));
    return std::nullopt;
  }
  Fields fields;
  fields.self_ = value;
  for (auto it = value.node.begin(); it != value.node.end(); ++it) {
    // Copies: yaml-cpp's iterator hands out a temporary pair, so references would dangle.
    const YAML::Node key = it->first;
    const YAML::Node entry = it->second;
    core::SourceMark key_mark = MarkOf(key.Mark());
    if (!key.IsScalar()) {
      Report(key_mark, JoinPath(value.path, "<key>") + ": a key must be a plain string, got " +
                           Describe(key));
      continue;
    }
    const std::string& name = key.Scalar();
    std::string path = JoinPath(value.path, name);
    if (!open && std::find(known.begin(), known.end(), name) == known.end()) {
      std::string where = value.path.empty() ? "" : value.path + ": ";
      Report(key_mark, where + "unknown key '" + name + "'" + Suggestion(name, known));
      continue;
    }
    if (const Value* first = fields.Find(name)) {
      Report(key_mark, path + ": duplicate key (first written at line " +
                           std::to_string(first->mark.line) + ")");
      continue;
    }
    core::SourceMark mark = entry.IsNull() ? key_mark : MarkOf(entry.Mark());
    if (mark.line == 0) mark = key_mark;
    fields.entries_.emplace_back(name, Value{entry, path, mark});
  }
  return fields;
}

std::optional<std::vector<Value>> Reader::List(const Value& value) {
  if (!value.node.IsSequence()) {
    Report(value, "expected a list, got " + Describe(value.node));
    return std::nullopt;
  }
  std::vector<Value> items;
  std::size_t index = 0;
  for (const YAML::Node& item : value.node) {  // a temporary kept alive by the loop
    // yaml-cpp gives an empty item ("-" alone) the position of the next token; the
    // list's own position is the better blame.
    core::SourceMark mark = item.IsNull() ? value.mark : MarkOf(item.Mark());
    if (mark.line == 0) mark = value.mark;
    items.push_back(Value{item, value.path + "[" + std::to_string(index++) + "]", mark});
  }
  return items;
}

const Value* Reader::Require(const Fields& fields, std::string_view key) {
  if (const Value* value = fields.Get(key)) return value;
  if (const Value* empty = fields.Find(key)) {
    Report(*empty, "a value is required");
  } else {
    Report(fields.self(), "missing required key '" + std::string(key) + "'");
  }
  return nullptr;
}

std::optional<std::string> Reader::Substitute(const Value& value) {
  Substitution result = SubstituteEnv(value.node.Scalar(), env_);
  for (const std::string& error : result.errors) Report(value, error);
  if (!result.errors.empty()) return std::nullopt;
  return std::move(result.text);
}

std::optional<std::string> Reader::String(const Value* value) {
  if (value == nullptr) return std::nullopt;
  if (!value->node.IsScalar()) {
    Report(*value, "expected a string, got " + Describe(value->node));
    return std::nullopt;
  }
  return Substitute(*value);
}

std::optional<std::int64_t> Reader::Integer(const Value* value, std::int64_t min,
                                            std::int64_t max) {
  std::optional<std::string> text = String(value);
  if (!text) return std::nullopt;
  std::int64_t number = 0;
  const char* end = text->data() + text->size();
  auto [ptr, ec] = std::from_chars(text->data(), end, number);
  if (text->empty() || ec == std::errc::invalid_argument || ptr != end) {
    Report(*value, "expected an integer, got '" + *text + "'");
    return std::nullopt;
  }
  if (ec == std::errc::result_out_of_range || number < min || number > max) {
    Report(*value, "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                       ", got " + *text);
    return std::nullopt;
  }
  return number;
}

std::optional<bool> Reader::Bool(const Value* value) {
  std::optional<std::string> text = String(value);
  if (!text) return std::nullopt;
  std::string lower = *text;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "true" || lower == "yes" || lower == "on") return true;
  if (lower == "false" || lower == "no" || lower == "off") return false;
  Report(*value, "expected true or false, got '" + *text + "'");
  return std::nullopt;
}

std::optional<std::chrono::seconds> Reader::Duration(const Value* value, bool allow_zero) {
  std::optional<std::string> text = String(value);
  if (!text) return std::nullopt;
  std::optional<std::chrono::seconds> duration = ParseDuration(*text);
  if (!duration) {
    Report(*value, "expected a duration like 10s, 5m or 1h, got '" + *text + "'");
    return std::nullopt;
  }
  if (!allow_zero && duration->count() == 0) {
    Report(*value, "must be longer than zero");
    return std::nullopt;
  }
  return duration;
}

std::optional<std::string> Reader::OneOf(const Value* value,
                                         std::initializer_list<std::string_view> allowed) {
  std::optional<std::string> text = String(value);
  if (!text) return std::nullopt;
  if (std::find(allowed.begin(), allowed.end(), *text) == allowed.end()) {
    Report(*value, "expected one of " + JoinWords(allowed) + "; got '" + *text + "'");
    return std::nullopt;
  }
  return text;
}

std::optional<std::vector<MarkedString>> Reader::StringList(const Value* value, ListForm form) {
  if (value == nullptr) return std::nullopt;
  std::vector<MarkedString> out;
  if (value->node.IsScalar() && form != ListForm::kListOnly) {
    std::optional<std::string> text = String(value);
    if (!text) return out;
    if (form == ListForm::kListOrScalar) {
      out.push_back(MarkedString{*text, value->mark, value->path});
      return out;
    }
    std::string_view rest = *text;
    while (!rest.empty()) {
      std::size_t comma = rest.find(',');
      std::string_view part = rest.substr(0, comma);
      while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
      while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
      if (!part.empty()) out.push_back(MarkedString{std::string(part), value->mark, value->path});
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    return out;
  }
  if (!value->node.IsSequence()) {
    std::string expected =
        form == ListForm::kListOnly ? "a list of strings" : "a string or a list of strings";
    Report(*value, "expected " + expected + ", got " + Describe(value->node));
    return std::nullopt;
  }
  std::optional<std::vector<Value>> items = List(*value);
  for (const Value& item : *items) {
    if (item.node.IsNull()) {
      Report(item, "empty list item");
      continue;
    }
    if (std::optional<std::string> text = String(&item)) {
      out.push_back(MarkedString{*text, item.mark, item.path});
    }
  }
  return out;
}

}  // namespace tocsin::config::detail
