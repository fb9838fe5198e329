#pragma once
// Typed, mistake-collecting access to a parsed YAML tree. Every accessor reports
// what is wrong (with the key path and file position) and returns nullopt, so
// section loaders read straight through and the user sees all problems at once.

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config_loader.hpp"

namespace tocsin::config::detail {

// One value in the document, with the name and position to blame it by.
struct Value {
  YAML::Node node;
  std::string path;       // "server.read_timeout", "rules[2].trigger.monitors[0]"
  core::SourceMark mark;  // of the value; of its key when the value is empty
};

// A string read from the document with where it was written, for checks that
// can only run once every section is known (references between sections).
struct MarkedString {
  std::string text;
  core::SourceMark mark;
  std::string path;
};

// The entries of one mapping, after the key checks.
class Fields {
 public:
  // nullptr when the key is absent or written with an empty value ("key:" or "key: ~"),
  // which every optional key treats as "use the default".
  const Value* Get(std::string_view key) const;
  const Value& self() const { return self_; }
  // Every accepted entry in file order, including empty values.
  const std::vector<std::pair<std::string, Value>>& entries() const { return entries_; }

 private:
  friend class Reader;
  const Value* Find(std::string_view key) const;

  Value self_;
  std::vector<std::pair<std::string, Value>> entries_;
};

class Reader {
 public:
  Reader(std::string file, EnvLookup env);

  const std::string& file() const { return file_; }
  core::SourceMark MarkOf(const YAML::Mark& mark) const;

  void Report(const core::SourceMark& mark, std::string message);
  // Prefixes the message with the value's path: "server.listen: ...".
  void Report(const Value& value, const std::string& message);
  std::vector<Diagnostic> TakeProblems();
  // How many problems were reported so far: a section compares it before and after
  // reading a part to know whether that part was malformed.
  std::size_t problem_count() const { return problems_.size(); }
  const std::vector<Diagnostic>& problems() const { return problems_; }

  // The document root, named by its path "" (top-level keys then read as "server").
  Value Root(const YAML::Node& node) const;

  // Reads a mapping whose keys must all be in `known`; unknown and duplicate keys are
  // reported at the key. nullopt (reported) when the value is not a mapping.
  std::optional<Fields> Map(const Value& value, std::initializer_list<std::string_view> known);
  // Same, but any key is accepted (channel settings).
  std::optional<Fields> OpenMap(const Value& value);
  // Items of a list, paths "path[i]". nullopt (reported) when not a list.
  std::optional<std::vector<Value>> List(const Value& value);

  // Reports "missing required key" (at the mapping) or "empty value" (at the key).
  const Value* Require(const Fields& fields, std::string_view key);

  // Scalars. Each returns nullopt without a report when `value` is null (key absent),
  // and with a report when the value is present but wrong. ${VAR} is substituted first.
  std::optional<std::string> String(const Value* value);
  std::optional<std::int64_t> Integer(const Value* value, std::int64_t min, std::int64_t max);
  std::optional<bool> Bool(const Value* value);
  // Positive durations only when `allow_zero` is false.
  std::optional<std::chrono::seconds> Duration(const Value* value, bool allow_zero = false);
  std::optional<std::string> OneOf(const Value* value,
                                   std::initializer_list<std::string_view> allowed);

  enum class ListForm {
    kListOnly,         // [a, b]
    kListOrScalar,     // [a, b] or a single a
    kListOrCommaText,  // [a, b] or "a, b"
  };
  // A list of strings, each with its own mark. Items that are not strings are reported
  // and skipped; nullopt only when the value itself has the wrong shape.
  std::optional<std::vector<MarkedString>> StringList(const Value* value, ListForm form);

 private:
  std::optional<Fields> ReadMap(const Value& value, std::initializer_list<std::string_view> known,
                                bool open);
  std::optional<std::string> Substitute(const Value& value);

  std::string file_;
  EnvLookup env_;
  std::vector<Diagnostic> problems_;
};

// "a list", "a mapping", "nothing", "'text'": how a wrong value is named in messages.
std::string Describe(const YAML::Node& node);

// Plain strings of a StringList result.
std::vector<std::string> Texts(const std::vector<MarkedString>& items);

}  // namespace tocsin::config::detail
