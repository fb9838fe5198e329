#pragma once
// Small text helpers shared by the SQL backends (sqlite, postgres).

#include <string>
#include <vector>

namespace tocsin::storage {

// A list of one-line texts as one column (newlines inside a line become
// spaces), and back.
std::string JoinLines(const std::vector<std::string>& lines);
std::vector<std::string> SplitLines(const std::string& text);

// A LIKE pattern (ESCAPE '\') that matches `v` anywhere in the text.
std::string LikePattern(const std::string& v);

// One numbered, forward-only schema migration.
struct Migration {
  int version;
  const char* name;
  const char* sql;
};

}  // namespace tocsin::storage
