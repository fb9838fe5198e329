#include "common/json_writer.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "common/json_reader.hpp"

namespace tocsin {
namespace {

using nlohmann::json;

std::string Quoted(std::string_view s) {
  std::string out;
  JsonWriter::AppendQuoted(out, s);
  return out;
}

// What the API answers used to print for a string (nlohmann, replace handler).
std::string NlohmannQuoted(const std::string& s) { return json(s).dump(-1, ' ', false, json::error_handler_t::replace); }

TEST(JsonWriter, EscapesQuotesBackslashAndShortForms) {
  EXPECT_EQ(Quoted(""), R"("")");
  EXPECT_EQ(Quoted("plain text / slash"), R"("plain text / slash")");
  EXPECT_EQ(Quoted("say \"hi\""), R"("say \"hi\"")");
  EXPECT_EQ(Quoted("C:\\path\\"), R"("C:\\path\\")");
  EXPECT_EQ(Quoted("a\bb\fc\nd\re\tf"), R"("a\bb\fc\nd\re\tf")");
}

TEST(JsonWriter, EscapesEveryControlCharacterAsNlohmannDoes) {
  for (int c = 0; c < 0x20; ++c) {
    std::string s = "x";
    s.push_back(static_cast<char>(c));
    s += "y";
    EXPECT_EQ(Quoted(s), NlohmannQuoted(s)) << "control character " << c;
    EXPECT_EQ(json::parse(Quoted(s)).get<std::string>(), s);
  }
  EXPECT_EQ(Quoted(std::string("\0", 1)), R"("\u0000")");
  EXPECT_EQ(Quoted("\x1f"), R"("\u001f")");
  EXPECT_EQ(Quoted("\x0b"), R"("\u000b")");
  EXPECT_EQ(Quoted("\x7f"), "\"\x7f\"");  // DEL is not a control character for JSON
}

TEST(JsonWriter, PassesValidUtf8Through) {
  for (std::string s : {"Sécurité", "日本語のタイトル", "emoji 🔥🚨 fire", "\xC2\x80", "\xDF\xBF", "\xE0\xA0\x80", "\xED\x9F\xBF",
                        "\xEE\x80\x80", "\xEF\xBF\xBF", "\xF0\x90\x80\x80", "\xF4\x8F\xBF\xBF"}) {
    EXPECT_EQ(Quoted(s), "\"" + s + "\"");
    EXPECT_EQ(Quoted(s), NlohmannQuoted(s));
    EXPECT_EQ(json::parse(Quoted(s)).get<std::string>(), s);
  }
}

TEST(JsonWriter, ReplacesInvalidUtf8AsNlohmannDoes) {
  const std::string kReplacement = "\xEF\xBF\xBD";
  EXPECT_EQ(Quoted("a\xFF" "b"), "\"a" + kReplacement + "b\"");
  EXPECT_EQ(Quoted("\xC3"), "\"" + kReplacement + "\"");            // truncated at the end
  EXPECT_EQ(Quoted("\xC3(x"), "\"" + kReplacement + "(x\"");        // bad continuation is read again
  EXPECT_EQ(Quoted("\xE2\x82"), "\"" + kReplacement + "\"");        // truncated 3-byte sequence
  for (std::string s : {"\x80", "\xBF", "\xC0\x80", "\xC1\xBF", "\xE0\x80\x80", "\xE0\x9F\xBF", "\xED\xA0\x80",
                        "\xED\xBF\xBF", "\xF0\x80\x80\x80", "\xF0\x8F\xBF\xBF", "\xF4\x90\x80\x80", "\xF5\x80\x80\x80",
                        "\xF8\x88\x80\x80\x80", "\xFE", "\xFF", "ok\xE2\x82(\"", "\xF0\x9F\x94", "\xF0\x9F\x94\"",
                        "\xE2\x82\xAC\xE2\x82", "\xC3\xA9\xC3"}) {
    EXPECT_EQ(Quoted(s), NlohmannQuoted(s)) << "bytes: " << json(s).dump(-1, ' ', true, json::error_handler_t::replace);
    EXPECT_NO_THROW(json::parse(Quoted(s)));
  }
}

// Random byte strings biased toward the interesting bytes: the writer must
// print exactly what nlohmann's dump (replace handler) prints.
TEST(JsonWriter, MatchesNlohmannOnRandomBytes) {
  std::mt19937 rng(20240501);
  const std::vector<unsigned char> interesting = {0x00, 0x01, 0x08, 0x09, 0x0A, 0x0C, 0x0D, 0x1F, 0x20, '"',  '\\',
                                                  '/',  'a',  0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1,
                                                  0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3,
                                                  0xF4, 0xF5, 0xFF};
  for (int round = 0; round < 20000; ++round) {
    std::string s;
    int len = static_cast<int>(rng() % 12);
    for (int k = 0; k < len; ++k) {
      s.push_back(static_cast<char>(rng() % 3 == 0 ? static_cast<unsigned char>(rng() % 256)
                                                   : interesting[rng() % interesting.size()]));
    }
    ASSERT_EQ(Quoted(s), NlohmannQuoted(s)) << "bytes: " << json(s).dump(-1, ' ', true, json::error_handler_t::replace);
  }
}

TEST(JsonWriter, WritesStructureWithCommas) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.Member("a", std::int64_t{1});
  w.Key("empty_object");
  w.BeginObject();
  w.EndObject();
  w.Key("empty_array");
  w.BeginArray();
  w.EndArray();
  w.Key("list");
  w.BeginArray();
  w.Int(-1);
  w.String("two");
  w.Bool(true);
  w.Bool(false);
  w.Null();
  w.BeginObject();
  w.NullMember("k\"ey");
  w.EndObject();
  w.BeginArray();
  w.EndArray();
  w.EndArray();
  w.Key("raw");
  w.Raw(R"({"x":[1,2]})");
  w.Key("with");
  w.StringWith([](std::string& o) { o += "2024-05-01"; });
  w.Member("last", "end");
  w.EndObject();
  EXPECT_TRUE(w.Complete());
  EXPECT_EQ(out,
            R"({"a":1,"empty_object":{},"empty_array":[],"list":[-1,"two",true,false,null,{"k\"ey":null},[]],)"
            R"("raw":{"x":[1,2]},"with":"2024-05-01","last":"end"})");
  EXPECT_NO_THROW(json::parse(out));
}

TEST(JsonWriter, AppendsToExistingText) {
  std::string out = "prefix:";
  JsonWriter w(out);
  w.BeginArray();
  w.EndArray();
  EXPECT_EQ(out, "prefix:[]");
}

TEST(JsonWriter, WritesIntegersAtTheLimits) {
  std::string out;
  JsonWriter w(out);
  w.BeginArray();
  w.Int(0);
  w.Int(std::numeric_limits<std::int64_t>::min());
  w.Int(std::numeric_limits<std::int64_t>::max());
  w.UInt(std::numeric_limits<std::uint64_t>::max());
  w.EndArray();
  EXPECT_EQ(out, "[0,-9223372036854775808,9223372036854775807,18446744073709551615]");
  json j = json::array({0, std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max(),
                        std::numeric_limits<std::uint64_t>::max()});
  EXPECT_EQ(out, j.dump());
}

TEST(JsonWriter, WritesDoublesThatReadBackExactly) {
  const double values[] = {0.0, -0.0, 1.0, -2.5, 0.1, 1.0 / 3.0, 1e-7, 123456.789, 1e300, -1e-300,
                           std::numeric_limits<double>::max(), std::numeric_limits<double>::min(),
                           std::numeric_limits<double>::denorm_min()};
  for (double v : values) {
    std::string out;
    JsonWriter w(out);
    w.Double(v);
    json j = json::parse(out);
    EXPECT_TRUE(j.is_number_float()) << out;
    EXPECT_EQ(j.get<double>(), v) << out;
    EXPECT_EQ(std::signbit(j.get<double>()), std::signbit(v)) << out;
  }
  std::string out;
  JsonWriter w(out);
  w.BeginArray();
  w.Double(2.0);
  w.Double(0.5);
  w.Double(std::nan(""));
  w.Double(std::numeric_limits<double>::infinity());
  w.Double(-std::numeric_limits<double>::infinity());
  w.EndArray();
  EXPECT_EQ(out, "[2.0,0.5,null,null,null]");
}

TEST(JsonWriter, EscapesKeys) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.Member("tab\there \"q\" é", "v");
  w.EndObject();
  EXPECT_EQ(out, R"({"tab\there \"q\" é":"v"})");
  EXPECT_EQ(json::parse(out).begin().key(), "tab\there \"q\" é");
}

#ifndef NDEBUG
TEST(JsonWriterDeathTest, AssertsOnMalformedStructure) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        std::string out;
        JsonWriter w(out);
        w.BeginObject();
        w.Int(1);  // a value without a key
      },
      "without a key");
  EXPECT_DEATH(
      {
        std::string out;
        JsonWriter w(out);
        w.BeginArray();
        w.Key("k");
      },
      "outside an object");
  EXPECT_DEATH(
      {
        std::string out;
        JsonWriter w(out);
        w.BeginObject();
        w.EndArray();
      },
      "not open");
}
#endif

}  // namespace
}  // namespace tocsin
