#include "common/json_writer.hpp"

#include <array>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstring>

namespace tocsin {
namespace {

// 0: copied as is; 1: escaped (control characters, '"', '\\'); 2: starts a
// multi-byte UTF-8 sequence (or is invalid).
constexpr std::array<std::uint8_t, 256> MakeClasses() {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = 1;
  t['"'] = 1;
  t['\\'] = 1;
  for (int c = 0x80; c < 0x100; ++c) t[c] = 2;
  return t;
}
constexpr std::array<std::uint8_t, 256> kClass = MakeClasses();

constexpr char kHex[] = "0123456789abcdef";

bool InRange(unsigned char c, unsigned char lo, unsigned char hi) { return c >= lo && c <= hi; }

// Length of the valid UTF-8 sequence starting at p (lead byte >= 0x80), as
// RFC 3629 defines it (no overlongs, surrogates or code points past
// U+10FFFF). Returns 0 if it is not valid; then `bad` is how many bytes
// belong to the invalid part, as nlohmann's decoder sees it: the lead byte
// alone if it cannot start a sequence, else the lead and the continuation
// bytes accepted before the first unexpected byte (which is read again as the
// start of what follows), or everything up to the end of the input.
std::size_t Utf8Sequence(const unsigned char* p, const unsigned char* end, std::size_t& bad) {
  unsigned char c = p[0];
  std::size_t n;
  unsigned char lo = 0x80, hi = 0xBF;  // range of the first continuation byte
  if (InRange(c, 0xC2, 0xDF)) {
    n = 2;
  } else if (InRange(c, 0xE0, 0xEF)) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (InRange(c, 0xF0, 0xF4)) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    bad = 1;
    return 0;
  }
  for (std::size_t k = 1; k < n; ++k) {
    if (p + k >= end) {
      bad = k;
      return 0;
    }
    unsigned char b = p[k];
    bool ok = k == 1 ? InRange(b, lo, hi) : InRange(b, 0x80, 0xBF);
    if (!ok) {
      bad = k;
      return 0;
    }
  }
  return n;
}

}  // namespace

void JsonWriter::AppendQuoted(std::string& out, std::string_view s) {
  out.push_back('"');
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  const auto* run = p;  // start of the bytes not yet appended
  auto flush = [&] { out.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(p - run)); };
  while (p < end) {
    // Fast path: 8 plain bytes at a time (printable ASCII other than '"' and '\\').
    while (end - p >= 8) {
      std::uint64_t x;
      std::memcpy(&x, p, 8);
      constexpr std::uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
      auto has_zero = [](std::uint64_t v) { return (v - kOnes) & ~v & kHigh; };
      std::uint64_t special = (x & kHigh) | ((x - kOnes * 0x20) & ~x & kHigh) | has_zero(x ^ (kOnes * '"')) |
                              has_zero(x ^ (kOnes * '\\'));
      if (special) break;
      p += 8;
    }
    if (p >= end) break;
    std::uint8_t k = kClass[*p];
    if (k == 0) {
      ++p;
      continue;
    }
    if (k == 2) {
      std::size_t bad = 0;
      if (std::size_t n = Utf8Sequence(p, end, bad)) {
        p += n;
        continue;
      }
      flush();
      out.append("\xEF\xBF\xBD", 3);
      p += bad;
      run = p;
      continue;
    }
    flush();
    char esc = 0;
    switch (*p) {
      case '"': esc = '"'; break;
      case '\\': esc = '\\'; break;
      case '\b': esc = 'b'; break;
      case '\f': esc = 'f'; break;
      case '\n': esc = 'n'; break;
      case '\r': esc = 'r'; break;
      case '\t': esc = 't'; break;
      default: break;
    }
    if (esc) {
      char e[2] = {'\\', esc};
      out.append(e, 2);
    } else {
      char u[6] = {'\\', 'u', '0', '0', kHex[*p >> 4], kHex[*p & 0xF]};
      out.append(u, 6);
    }
    ++p;
    run = p;
  }
  flush();
  out.push_back('"');
}

void JsonWriter::Int(std::int64_t v) {
  BeforeValue();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, static_cast<std::size_t>(r.ptr - buf));
}

void JsonWriter::UInt(std::uint64_t v) {
  BeforeValue();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, static_cast<std::size_t>(r.ptr - buf));
}

void JsonWriter::Double(double v) {
  BeforeValue();
  if (!std::isfinite(v)) {
    out_.append("null", 4);  // as nlohmann does: JSON has no NaN or infinity
    return;
  }
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  std::size_t n = static_cast<std::size_t>(r.ptr - buf);
  out_.append(buf, n);
  // Keep it a floating-point number when read back ("2.0", not "2").
  if (std::memchr(buf, '.', n) == nullptr && std::memchr(buf, 'e', n) == nullptr) out_.append(".0", 2);
}

void JsonWriter::CheckKey() {
  assert(!frames_.empty() && frames_.back() == kObject && "JsonWriter: a key outside an object");
  assert(expect_key_ && "JsonWriter: two keys without a value");
  expect_key_ = false;
}

void JsonWriter::CheckValue() {
  if (frames_.empty()) {
    assert(!wrote_value_ && "JsonWriter: a second top-level value");
    return;
  }
  if (frames_.back() == kObject) {
    assert(!expect_key_ && "JsonWriter: a value in an object without a key");
    expect_key_ = true;
  }
}

void JsonWriter::PushFrame(Frame f) {
  frames_.push_back(f);
  expect_key_ = f == kObject;
}

void JsonWriter::PopFrame(Frame f) {
  assert(!frames_.empty() && frames_.back() == f && "JsonWriter: closing a container that is not open");
  assert((f != kObject || expect_key_) && "JsonWriter: an object closed after a key without its value");
  (void)f;
  frames_.pop_back();
  expect_key_ = !frames_.empty() && frames_.back() == kObject;
}

}  // namespace tocsin
