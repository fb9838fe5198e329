#include "common/json_reader.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <limits>
#include <random>
#include <string>
#include <vector>

#include "common/json_writer.hpp"

namespace tocsin {
namespace {

using nlohmann::json;

std::string ReadOneString(const std::string& text, bool* ok = nullptr) {
  JsonReader r(text);
  std::string out;
  bool good = r.ReadString(out) && r.Finish();
  if (ok) *ok = good;
  return out;
}

TEST(JsonReader, ReadsAnObjectMemberByMember) {
  JsonReader r(R"( { "s" : "text", "i": -42, "b": true, "n": null, "a": [1, "x", {"k": [ ]}], "o": {"x": {}} , "t": false} )");
  ASSERT_TRUE(r.BeginObject());
  std::string_view key;
  std::vector<std::string> seen;
  std::string s;
  std::int64_t i = 0;
  bool b = false, t = true;
  while (r.NextMember(key)) {
    seen.emplace_back(key);
    if (key == "s") {
      ASSERT_TRUE(r.ReadString(s));
    } else if (key == "i") {
      ASSERT_TRUE(r.ReadInt64(i));
    } else if (key == "b") {
      ASSERT_TRUE(r.ReadBool(b));
    } else if (key == "t") {
      ASSERT_TRUE(r.ReadBool(t));
    } else if (key == "n") {
      ASSERT_TRUE(r.ReadNull());
    } else {
      ASSERT_TRUE(r.SkipValue()) << r.error();
    }
  }
  ASSERT_TRUE(r.Finish()) << r.error();
  EXPECT_EQ(seen, (std::vector<std::string>{"s", "i", "b", "n", "a", "o", "t"}));
  EXPECT_EQ(s, "text");
  EXPECT_EQ(i, -42);
  EXPECT_TRUE(b);
  EXPECT_FALSE(t);
}

TEST(JsonReader, ReadsArrays) {
  JsonReader r("[\"a\", \"b\",\"c\"]");
  ASSERT_TRUE(r.BeginArray());
  std::vector<std::string> items;
  while (r.NextElement()) ASSERT_TRUE(r.ReadString(items.emplace_back()));
  EXPECT_TRUE(r.Finish());
  EXPECT_EQ(items, (std::vector<std::string>{"a", "b", "c"}));

  JsonReader empty(" [ ] ");
  ASSERT_TRUE(empty.BeginArray());
  EXPECT_FALSE(empty.NextElement());
  EXPECT_TRUE(empty.Finish());
}

TEST(JsonReader, ReadNullLeavesOtherValuesAlone) {
  JsonReader r("[null, 5]");
  ASSERT_TRUE(r.BeginArray());
  ASSERT_TRUE(r.NextElement());
  EXPECT_TRUE(r.ReadNull());
  ASSERT_TRUE(r.NextElement());
  EXPECT_FALSE(r.ReadNull());
  EXPECT_FALSE(r.failed());
  std::int64_t v = 0;
  EXPECT_TRUE(r.ReadInt64(v));
  EXPECT_EQ(v, 5);
  EXPECT_FALSE(r.NextElement());
  EXPECT_TRUE(r.Finish());
}

TEST(JsonReader, UnescapesStrings) {
  EXPECT_EQ(ReadOneString(R"("a\"b\\c\/d\b\f\n\r\t")"), "a\"b\\c/d\b\f\n\r\t");
  EXPECT_EQ(ReadOneString(R"("\u0000\u001f\u00e9\u20ac")"), std::string("\0\x1f\xC3\xA9\xE2\x82\xAC", 7));
  EXPECT_EQ(ReadOneString(R"("\ud83d\udd25 fire")"), "\xF0\x9F\x94\xA5 fire");
  EXPECT_EQ(ReadOneString(R"("\uD83D\uDD25")"), "\xF0\x9F\x94\xA5");
  EXPECT_EQ(ReadOneString("\"Sécurité 日本 🚨\""), "Sécurité 日本 🚨");
}

TEST(JsonReader, RejectsBadStrings) {
  for (std::string bad : {R"("unterminated)", "\"raw\ncontrol\"", R"("\x")", R"("\u12")", R"("\u12G4")",
                          R"("\ud83d")", R"("\ud83d\u0041")", R"("\udd25")", R"("ends with \)", "'single'"}) {
    bool ok = true;
    ReadOneString(bad, &ok);
    EXPECT_FALSE(ok) << bad;
  }
}

TEST(JsonReader, ReadsNumbers) {
  auto read = [](const std::string& text, std::int64_t& out) {
    JsonReader r(text);
    return r.ReadInt64(out) && r.Finish();
  };
  std::int64_t v = 0;
  EXPECT_TRUE(read("0", v));
  EXPECT_EQ(v, 0);
  EXPECT_TRUE(read("-9223372036854775808", v));
  EXPECT_EQ(v, std::numeric_limits<std::int64_t>::min());
  EXPECT_TRUE(read("9223372036854775807", v));
  EXPECT_EQ(v, std::numeric_limits<std::int64_t>::max());
  EXPECT_TRUE(read("1715000000123456", v));
  EXPECT_EQ(v, 1715000000123456);
  EXPECT_TRUE(read("12.9", v));  // truncated, as nlohmann's get<int64_t> does
  EXPECT_EQ(v, 12);
  EXPECT_TRUE(read("-1.5e2", v));
  EXPECT_EQ(v, -150);
  for (std::string bad : {"9223372036854775808", "01", "-", "1.", ".5", "1e", "+1", "1e400", "\"1\"", "true"}) {
    EXPECT_FALSE(read(bad, v)) << bad;
  }
  int small = 0;
  JsonReader r("[2147483647, 2147483648]");
  ASSERT_TRUE(r.BeginArray());
  ASSERT_TRUE(r.NextElement());
  EXPECT_TRUE(r.ReadInt(small));
  EXPECT_EQ(small, 2147483647);
  ASSERT_TRUE(r.NextElement());
  EXPECT_FALSE(r.ReadInt(small));
}

TEST(JsonReader, RejectsBadSyntaxAndStopsAfterTheFirstError) {
  for (std::string bad : {"", "{", "{\"a\" 1}", "{\"a\":1,}", "{,\"a\":1}", "{\"a\":1 \"b\":2}", "[1,]", "[,1]", "[1 2]",
                          "{\"a\":tru}", "{\"a\":nul}", "{\"a\":1} x", "{\"a\":[}", "{'a':1}", "{\"a\":1}}"}) {
    JsonReader r(bad);
    bool ok = r.SkipValue() && r.Finish();
    EXPECT_FALSE(ok) << bad;
    EXPECT_FALSE(r.error().empty()) << bad;
    std::string_view key;
    EXPECT_FALSE(r.NextMember(key));
    EXPECT_FALSE(r.BeginObject());
  }
  JsonReader wrong_type(R"({"a": 1})");
  ASSERT_TRUE(wrong_type.BeginObject());
  std::string_view key;
  ASSERT_TRUE(wrong_type.NextMember(key));
  std::string s;
  EXPECT_FALSE(wrong_type.ReadString(s));
  EXPECT_EQ(wrong_type.error(), "expected a string at byte 6");
}

TEST(JsonReader, SkipsDeepButNotEndlessNesting) {
  std::string deep(200, '[');
  deep += std::string(200, ']');
  JsonReader ok(deep);
  EXPECT_TRUE(ok.SkipValue() && ok.Finish()) << ok.error();
  std::string too_deep(100000, '[');
  JsonReader bad(too_deep);
  EXPECT_FALSE(bad.SkipValue());
}

TEST(JsonReader, UnescapesMemberNames) {
  JsonReader r(R"({"plain": 1, "esc\"aped\u00e9": 2})");
  ASSERT_TRUE(r.BeginObject());
  std::string_view key;
  std::vector<std::string> keys;
  while (r.NextMember(key)) {
    keys.emplace_back(key);
    ASSERT_TRUE(r.SkipValue());
  }
  EXPECT_TRUE(r.Finish());
  EXPECT_EQ(keys, (std::vector<std::string>{"plain", "esc\"aped\xC3\xA9"}));
}

// Whatever valid UTF-8 text the writer writes, the reader reads back; and it
// reads nlohmann's own escaping (ensure_ascii) too.
TEST(JsonReader, RoundTripsTheWriter) {
  std::mt19937 rng(7);
  const std::vector<std::string> pieces = {"a", " ", "\"", "\\", "/", "\n", "\t", std::string("\0", 1), "\x01", "\x1f",
                                           "\x7f", "é", "€", "日", "🔥", "\xF4\x8F\xBF\xBF", "\xEF\xBF\xBF"};
  for (int round = 0; round < 5000; ++round) {
    std::string s;
    int n = static_cast<int>(rng() % 10);
    for (int k = 0; k < n; ++k) s += pieces[rng() % pieces.size()];
    std::string written;
    JsonWriter::AppendQuoted(written, s);
    bool ok = false;
    ASSERT_EQ(ReadOneString(written, &ok), s);
    ASSERT_TRUE(ok);
    std::string ascii = json(s).dump(-1, ' ', true);
    ASSERT_EQ(ReadOneString(ascii, &ok), s) << ascii;
    ASSERT_TRUE(ok);
  }
}

}  // namespace
}  // namespace tocsin
