#include "common/json_reader.hpp"

#include <charconv>
#include <cstring>
#include <limits>

namespace tocsin {
namespace {

constexpr int kMaxSkipDepth = 256;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    char b[2] = {static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F))};
    out.append(b, 2);
  } else if (cp < 0x10000) {
    char b[3] = {static_cast<char>(0xE0 | (cp >> 12)), static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
                 static_cast<char>(0x80 | (cp & 0x3F))};
    out.append(b, 3);
  } else {
    char b[4] = {static_cast<char>(0xF0 | (cp >> 18)), static_cast<char>(0x80 | ((cp >> 12) & 0x3F)),
                 static_cast<char>(0x80 | ((cp >> 6) & 0x3F)), static_cast<char>(0x80 | (cp & 0x3F))};
    out.append(b, 4);
  }
}

// A byte that ends a plain run inside a string: '"', '\\' or a control character.
bool Special(char c) { return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20; }

}  // namespace

bool JsonReader::Fail(const char* what) {
  if (!failed_) {
    failed_ = true;
    error_ = std::string(what) + " at byte " + std::to_string(offset());
  }
  return false;
}

bool JsonReader::Literal(std::string_view word) {
  if (static_cast<std::size_t>(end_ - p_) >= word.size() && std::memcmp(p_, word.data(), word.size()) == 0) {
    p_ += word.size();
    return true;
  }
  return Fail("invalid literal");
}

bool JsonReader::BeginObject() {
  if (failed_) return false;
  SkipWs();
  if (p_ == end_ || *p_ != '{') return Fail("expected an object");
  ++p_;
  first_ = true;
  return true;
}

bool JsonReader::BeginArray() {
  if (failed_) return false;
  SkipWs();
  if (p_ == end_ || *p_ != '[') return Fail("expected an array");
  ++p_;
  first_ = true;
  return true;
}

bool JsonReader::NextMember(std::string_view& name) {
  if (failed_) return false;
  SkipWs();
  if (p_ == end_) return Fail("unterminated object");
  if (*p_ == '}') {
    ++p_;
    first_ = false;
    return false;
  }
  if (!first_) {
    if (*p_ != ',') return Fail("expected ',' or '}'");
    ++p_;
    SkipWs();
  }
  first_ = false;
  if (p_ == end_ || *p_ != '"') return Fail("expected a member name");
  const char* start = ++p_;
  while (p_ < end_ && !Special(*p_)) ++p_;
  if (p_ < end_ && *p_ == '"') {
    name = std::string_view(start, static_cast<std::size_t>(p_ - start));
    ++p_;
  } else {
    key_.assign(start, static_cast<std::size_t>(p_ - start));
    if (!StringBody(key_)) return false;
    name = key_;
  }
  SkipWs();
  if (p_ == end_ || *p_ != ':') return Fail("expected ':'");
  ++p_;
  return true;
}

bool JsonReader::NextElement() {
  if (failed_) return false;
  SkipWs();
  if (p_ == end_) return Fail("unterminated array");
  if (*p_ == ']') {
    ++p_;
    first_ = false;
    return false;
  }
  if (!first_) {
    if (*p_ != ',') return Fail("expected ',' or ']'");
    ++p_;
  }
  first_ = false;
  return true;
}

bool JsonReader::StringBody(std::string& out) {
  while (true) {
    const char* start = p_;
    while (p_ < end_ && !Special(*p_)) ++p_;
    out.append(start, static_cast<std::size_t>(p_ - start));
    if (p_ == end_) return Fail("unterminated string");
    char c = *p_;
    if (c == '"') {
      ++p_;
      return true;
    }
    if (c != '\\') return Fail("control character in string");
    if (++p_ == end_) return Fail("unterminated string");
    char e = *p_++;
    switch (e) {
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      case '/': out.push_back('/'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'u': {
        auto hex4 = [this](std::uint32_t& v) {
          if (end_ - p_ < 4) return false;
          v = 0;
          for (int k = 0; k < 4; ++k) {
            int h = HexValue(p_[k]);
            if (h < 0) return false;
            v = v << 4 | static_cast<std::uint32_t>(h);
          }
          p_ += 4;
          return true;
        };
        std::uint32_t cp;
        if (!hex4(cp)) return Fail("invalid \\u escape");
        if (cp >= 0xDC00 && cp <= 0xDFFF) return Fail("unpaired surrogate in \\u escape");
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          std::uint32_t low;
          if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return Fail("unpaired surrogate in \\u escape");
          p_ += 2;
          if (!hex4(low)) return Fail("invalid \\u escape");
          if (low < 0xDC00 || low > 0xDFFF) return Fail("unpaired surrogate in \\u escape");
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        AppendUtf8(out, cp);
        break;
      }
      default:
        --p_;
        return Fail("invalid escape in string");
    }
  }
}

bool JsonReader::ReadString(std::string& out) {
  if (failed_) return false;
  SkipWs();
  if (p_ == end_ || *p_ != '"') return Fail("expected a string");
  ++p_;
  out.clear();
  return StringBody(out);
}

bool JsonReader::ScanNumber(bool& is_int) {
  if (failed_) return false;
  SkipWs();
  const char* start = p_;
  if (p_ < end_ && *p_ == '-') ++p_;
  if (p_ == end_ || !IsDigit(*p_)) {
    p_ = start;
    return Fail("expected a number");
  }
  if (*p_ == '0') {
    ++p_;
  } else {
    while (p_ < end_ && IsDigit(*p_)) ++p_;
  }
  is_int = true;
  if (p_ < end_ && *p_ == '.') {
    is_int = false;
    ++p_;
    if (p_ == end_ || !IsDigit(*p_)) return Fail("expected a digit");
    while (p_ < end_ && IsDigit(*p_)) ++p_;
  }
  if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
    is_int = false;
    ++p_;
    if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
    if (p_ == end_ || !IsDigit(*p_)) return Fail("expected a digit");
    while (p_ < end_ && IsDigit(*p_)) ++p_;
  }
  number_ = std::string_view(start, static_cast<std::size_t>(p_ - start));
  return true;
}

bool JsonReader::ReadInt64(std::int64_t& out) {
  bool is_int = true;
  if (!ScanNumber(is_int)) return false;
  const char* first = number_.data();
  const char* last = first + number_.size();
  if (is_int) {
    auto r = std::from_chars(first, last, out);
    if (r.ec != std::errc() || r.ptr != last) return Fail("integer out of range");
    return true;
  }
  double d = 0;
  auto r = std::from_chars(first, last, d);
  // 2^63 is exact as a double; every double below it fits in an int64.
  if (r.ec != std::errc() || r.ptr != last || !(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) {
    return Fail("number out of range");
  }
  out = static_cast<std::int64_t>(d);
  return true;
}

bool JsonReader::ReadInt(int& out) {
  std::int64_t v = 0;
  if (!ReadInt64(v)) return false;
  if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max()) return Fail("integer out of range");
  out = static_cast<int>(v);
  return true;
}

bool JsonReader::ReadBool(bool& out) {
  if (failed_) return false;
  SkipWs();
  if (p_ < end_ && *p_ == 't') {
    out = true;
    return Literal("true");
  }
  if (p_ < end_ && *p_ == 'f') {
    out = false;
    return Literal("false");
  }
  return Fail("expected true or false");
}

bool JsonReader::ReadNull() {
  if (failed_) return false;
  SkipWs();
  if (p_ < end_ && *p_ == 'n') return Literal("null");
  return false;
}

bool JsonReader::SkipValue() { return SkipValueAt(0); }

bool JsonReader::SkipValueAt(int depth) {
  if (failed_) return false;
  if (depth > kMaxSkipDepth) return Fail("nested too deeply");
  SkipWs();
  if (p_ == end_) return Fail("expected a value");
  switch (*p_) {
    case '{': {
      BeginObject();
      std::string_view name;
      while (NextMember(name)) {
        if (!SkipValueAt(depth + 1)) return false;
      }
      return !failed_;
    }
    case '[': {
      BeginArray();
      while (NextElement()) {
        if (!SkipValueAt(depth + 1)) return false;
      }
      return !failed_;
    }
    case '"':
      return ReadString(scratch_);
    case 't':
    case 'f': {
      bool b;
      return ReadBool(b);
    }
    case 'n':
      return Literal("null");
    default: {
      bool is_int;
      return ScanNumber(is_int);
    }
  }
}

bool JsonReader::Finish() {
  if (failed_) return false;
  SkipWs();
  if (p_ != end_) return Fail("unexpected text after the document");
  return true;
}

}  // namespace tocsin
