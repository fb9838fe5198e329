#include "blackbox/golden.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

namespace tocsin::testing {

std::string ReplaceAll(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t pos = s.find(from); !from.empty() && pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
  return s;
}

void ExpectGoldenJson(const std::string& name, const json& actual, const std::map<std::string, std::string>& placeholders) {
  std::string text = actual.dump();
  for (const auto& [from, to] : placeholders) text = ReplaceAll(text, from, to);
  json normalised = ParseJson(text);
  std::string path = std::string(TOCSIN_SOURCE_DIR) + "/tests/golden/notify/" + name + ".json";
  if (std::getenv("TOCSIN_UPDATE_GOLDEN")) {
    std::ofstream(path) << normalised.dump(2) << "\n";
    return;
  }
  std::ifstream in(path);
  ASSERT_TRUE(in) << "missing golden file " << path << " (run with TOCSIN_UPDATE_GOLDEN=1)";
  json expected = ParseJson(std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()));
  EXPECT_EQ(normalised, expected) << name << ": got " << normalised.dump(2);
}

}  // namespace tocsin::testing
