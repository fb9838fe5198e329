#pragma once
// A streaming JSON writer for hot paths: appends compact JSON text to one
// std::string, with no intermediate DOM.
//
//   std::string out;
//   out.reserve(4096);
//   JsonWriter w(out);
//   w.BeginObject();
//   w.Key("title"); w.String(title);
//   w.Key("public_id"); w.Int(42);
//   w.EndObject();
//
// Output is what nlohmann::json::dump(-1, ' ', false, error_handler_t::replace)
// prints for the same document with its members in the order they are written:
// strings escape '"', '\\', \b \f \n \r \t and the other control characters as
// \u00XX (lowercase hex); other characters, including valid UTF-8 and DEL, pass
// through unchanged; each invalid UTF-8 sequence becomes U+FFFD exactly as
// nlohmann's "replace" handler does. Integers print in decimal; doubles print
// as the shortest text that reads back as the same value (non-finite: null).
//
// The writer inserts commas itself; the caller is responsible for a
// well-formed structure (keys only inside objects, one value per key), which
// debug builds assert.

#include <cstdint>
#include <cassert>
#include <string>
#include <string_view>
#include <vector>

namespace tocsin {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  void BeginObject() { Open('{', kObject); }
  void EndObject() { Close('}', kObject); }
  void BeginArray() { Open('[', kArray); }
  void EndArray() { Close(']', kArray); }

  // An object member's name; the value follows with one value call.
  void Key(std::string_view name) {
#ifndef NDEBUG
    CheckKey();
#endif
    if (need_comma_) out_.push_back(',');
    AppendQuoted(out_, name);
    out_.push_back(':');
    need_comma_ = false;
  }

  // A literal name: when it is plain ASCII without quotes or backslashes (a
  // short check the compiler can often fold), it is copied as it is.
  template <std::size_t N>
  void Key(const char (&name)[N]) {
    PlainKey(name, N - 1);
  }
  template <std::size_t N, typename T>
  void Member(const char (&name)[N], const T& value) {
    PlainKey(name, N - 1);
    Value(value);
  }

  void String(std::string_view s) {
    BeforeValue();
    AppendQuoted(out_, s);
  }
  void String(const char* s) { String(std::string_view(s)); }
  void Int(std::int64_t v);
  void UInt(std::uint64_t v);
  void Double(double v);
  void Bool(bool v) {
    BeforeValue();
    out_.append(v ? "true" : "false", v ? 4 : 5);
  }
  void Null() {
    BeforeValue();
    out_.append("null", 4);
  }
  // A string value whose characters `append(out())` adds between the quotes;
  // they must need no escaping (e.g. a formatted time or a UUID).
  template <typename F>
  void StringWith(F&& append) {
    BeforeValue();
    out_.push_back('"');
    append(out_);
    out_.push_back('"');
  }
  // A value that is already JSON text (e.g. from a cold-path nlohmann dump).
  void Raw(std::string_view json) {
    BeforeValue();
    out_.append(json);
  }

  // Key + value shorthands.
  void Member(std::string_view name, std::string_view s) {
    Key(name);
    String(s);
  }
  void Member(std::string_view name, const char* s) { Member(name, std::string_view(s)); }
  void Member(std::string_view name, const std::string& s) { Member(name, std::string_view(s)); }
  void Member(std::string_view name, std::int64_t v) {
    Key(name);
    Int(v);
  }
  void Member(std::string_view name, int v) { Member(name, static_cast<std::int64_t>(v)); }
  void Member(std::string_view name, bool v) {
    Key(name);
    Bool(v);
  }
  void NullMember(std::string_view name) {
    Key(name);
    Null();
  }

  std::string& out() { return out_; }
  // True once exactly one complete top-level value has been written.
  bool Complete() const { return depth_ == 0 && wrote_value_; }

  // Appends `s` as a quoted, escaped JSON string (no comma handling).
  static void AppendQuoted(std::string& out, std::string_view s);

 private:
  enum Frame : char { kObject = 'o', kArray = 'a' };

  void PlainKey(const char* name, std::size_t n) {
    for (std::size_t k = 0; k < n; ++k) {
      auto c = static_cast<unsigned char>(name[k]);
      if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') return Key(std::string_view(name, n));
    }
#ifndef NDEBUG
    CheckKey();
#endif
    if (need_comma_) out_.push_back(',');
    out_.push_back('"');
    out_.append(name, n);
    out_.append("\":", 2);
    need_comma_ = false;
  }
  void Value(std::string_view s) { String(s); }
  void Value(const std::string& s) { String(std::string_view(s)); }
  void Value(const char* s) { String(std::string_view(s)); }
  void Value(std::int64_t v) { Int(v); }
  void Value(int v) { Int(v); }
  void Value(bool v) { Bool(v); }

  void BeforeValue() {
#ifndef NDEBUG
    CheckValue();
#endif
    if (need_comma_) out_.push_back(',');
    need_comma_ = true;
    if (depth_ == 0) wrote_value_ = true;
  }
  void Open(char c, Frame f) {
    BeforeValue();
    out_.push_back(c);
    need_comma_ = false;
    ++depth_;
#ifndef NDEBUG
    PushFrame(f);
#else
    (void)f;
#endif
  }
  void Close(char c, Frame f) {
#ifndef NDEBUG
    PopFrame(f);
#else
    (void)f;
#endif
    --depth_;
    out_.push_back(c);
    need_comma_ = true;
  }
  // Structure checks, called in debug builds only (the members exist in every
  // build so that the class has one layout).
  void CheckValue();
  void CheckKey();
  void PushFrame(Frame f);
  void PopFrame(Frame f);
  std::vector<Frame> frames_;
  bool expect_key_ = false;  // inside an object, before a member's name

  std::string& out_;
  int depth_ = 0;
  bool need_comma_ = false;
  bool wrote_value_ = false;
};

}  // namespace tocsin
