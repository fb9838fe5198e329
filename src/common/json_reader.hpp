#pragma once
// A small pull parser for hot paths that read a known document shape (e.g. the
// stored incident): no DOM, values are read straight into the caller's types.
//
//   JsonReader r(text);
//   std::string_view key;
//   if (!r.BeginObject()) ...;
//   while (r.NextMember(key)) {
//     if (key == "title") r.ReadString(title);
//     else r.SkipValue();
//   }
//   if (!r.Finish()) return error(r.error());
//
// Syntax is strict RFC 8259 (no comments, no trailing commas, no raw control
// characters in strings, \u escapes with proper surrogate pairs). Bytes >= 0x80
// inside strings are passed through as they are, without UTF-8 validation.
// After the first error every call returns false and error() says what was
// expected at which byte offset; loops over NextMember/NextElement therefore
// end by themselves.

#include <cstdint>
#include <string>
#include <string_view>

namespace tocsin {

class JsonReader {
 public:
  explicit JsonReader(std::string_view text) : p_(text.data()), begin_(text.data()), end_(text.data() + text.size()) {}

  // '{'; then NextMember until it returns false (at '}', consumed, or on error).
  bool BeginObject();
  // The next member's name (valid until the next call); the caller then reads
  // or skips exactly one value.
  bool NextMember(std::string_view& name);
  // '['; then NextElement until it returns false; after each true, read or
  // skip exactly one value.
  bool BeginArray();
  bool NextElement();

  bool ReadString(std::string& out);
  // An integer; a number with a fraction or exponent is truncated toward zero
  // (as nlohmann's get<std::int64_t>() does), if it is in range.
  bool ReadInt64(std::int64_t& out);
  bool ReadInt(int& out);
  bool ReadBool(bool& out);
  // Consumes a null and returns true; returns false (without an error) if the
  // next value is something else.
  bool ReadNull();
  bool SkipValue();
  // Whether the next value starts with `c` (e.g. '[' or '{'); consumes nothing.
  bool NextIs(char c) {
    if (failed_) return false;
    SkipWs();
    return p_ < end_ && *p_ == c;
  }

  // True if no error happened and only whitespace is left.
  bool Finish();

  bool failed() const { return failed_; }
  const std::string& error() const { return error_; }
  std::size_t offset() const { return static_cast<std::size_t>(p_ - begin_); }

 private:
  void SkipWs() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  bool Fail(const char* what);
  bool Literal(std::string_view word);
  // Reads a string body after the opening quote into out (appending).
  bool StringBody(std::string& out);
  bool SkipValueAt(int depth);
  // Scans a number's text into number_.
  bool ScanNumber(bool& is_int);

  const char* p_;
  const char* begin_;
  const char* end_;
  bool first_ = false;  // right after '{' or '[': no comma before the next item
  bool failed_ = false;
  std::string error_;
  std::string key_;      // a member name that needed unescaping
  std::string scratch_;  // strings skipped by SkipValue
  std::string_view number_;
};

}  // namespace tocsin
