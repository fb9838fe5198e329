// JsonReader / JsonWriter (common/json_reader.hpp, json_writer.hpp), checked
// against nlohmann::json:
// - a document the reader walks completely is copied through the writer; when
//   nlohmann also accepts the input, nlohmann reads the copy as the same value;
// - a document the reader accepts is refused by nlohmann only for invalid UTF-8
//   (which the reader passes through by design) or a number it cannot hold;
// - JsonWriter::String escapes exactly as nlohmann's dump with the "replace"
//   error handler (the writer's documented contract).
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "common/json_reader.hpp"
#include "common/json_writer.hpp"
#include "fuzz_support.hpp"

namespace {

using tocsin::JsonReader;
using tocsin::JsonWriter;

constexpr int kMaxDepth = 64;

// Copies one value; false when the reader refused it or it is too deep.
bool Copy(JsonReader& r, JsonWriter& w, int depth) {
  if (depth > kMaxDepth) return false;
  if (r.NextIs('{')) {
    if (!r.BeginObject()) return false;
    w.BeginObject();
    std::string_view key;
    while (r.NextMember(key)) {
      w.Key(std::string(key));
      if (!Copy(r, w, depth + 1)) return false;
    }
    if (r.failed()) return false;
    w.EndObject();
    return true;
  }
  if (r.NextIs('[')) {
    if (!r.BeginArray()) return false;
    w.BeginArray();
    while (r.NextElement()) {
      if (!Copy(r, w, depth + 1)) return false;
    }
    if (r.failed()) return false;
    w.EndArray();
    return true;
  }
  if (r.NextIs('"')) {
    std::string s;
    if (!r.ReadString(s)) return false;
    w.String(s);
    return true;
  }
  if (r.NextIs('t') || r.NextIs('f')) {
    bool b = false;
    if (!r.ReadBool(b)) return false;
    w.Bool(b);
    return true;
  }
  if (r.ReadNull()) {
    w.Null();
    return true;
  }
  std::int64_t v = 0;
  if (!r.ReadInt64(v)) return false;
  w.Int(v);
  return true;
}

bool HasFractionOrExponent(std::string_view text) {
  // Crude: the reader truncates such numbers to integers, so value equality
  // with nlohmann is only checked for documents without them.
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '.' || c == 'e' || c == 'E') {
      return true;
    }
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = tocsin::fuzz::AsText(data, size);

  // The writer's string escaping equals nlohmann's dump with "replace".
  {
    std::string mine;
    JsonWriter w(mine);
    w.String(text);
    std::string theirs = nlohmann::json(std::string(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (mine != theirs) {
      std::fprintf(stderr, "JsonWriter::String differs from nlohmann:\n  %s\n  %s\n", mine.c_str(), theirs.c_str());
      std::abort();
    }
  }

  JsonReader r(text);
  std::string copy;
  JsonWriter w(copy);
  bool walked = Copy(r, w, 0) && r.Finish();
  if (!walked) {
    // Also drive SkipValue over the same text.
    JsonReader skip(text);
    (void)(skip.SkipValue() && skip.Finish());
    return 0;
  }
  auto theirs = nlohmann::json::parse(text, nullptr, false);
  if (theirs.is_discarded()) {
    // Only invalid UTF-8 (passed through by the reader) may explain it.
    try {
      (void)nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
      std::string what = e.what();
      if (what.find("UTF-8") != std::string::npos || what.find("number overflow") != std::string::npos) return 0;
      std::fprintf(stderr, "JsonReader accepted what nlohmann refuses: %s\n", e.what());
      std::abort();
    }
    return 0;
  }
  auto reread = nlohmann::json::parse(copy, nullptr, false);
  if (reread.is_discarded()) {
    std::fprintf(stderr, "JsonWriter wrote invalid JSON: %s\n", copy.c_str());
    std::abort();
  }
  if (!HasFractionOrExponent(text) && reread != theirs) {
    std::fprintf(stderr, "round trip changed the value:\n  in:  %s\n  out: %s\n", theirs.dump().c_str(), copy.c_str());
    std::abort();
  }
  return 0;
}
