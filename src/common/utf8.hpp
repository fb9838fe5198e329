#pragma once
// UTF-8 that stays valid when it is cut to a length limit: every limit Tocsin
// applies to text (receivers' limits in notify/, the API's limits on alert
// text in core/) cuts through TruncateUtf8, on a code point boundary, with a
// marker.

#include <cstddef>
#include <string>
#include <string_view>

namespace tocsin {

// Appended where text was cut ("…", U+2026, 3 bytes in UTF-8).
inline constexpr std::string_view kTruncationMarker = "\xE2\x80\xA6";

// `text` with every byte that is not part of a well-formed UTF-8 sequence
// (stray continuation bytes, overlong forms, surrogates, code points above
// U+10FFFF, sequences cut short) replaced by U+FFFD.
std::string ValidUtf8(std::string_view text);

// The length of the longest prefix of `text` of at most `max_bytes` bytes that
// does not end inside a multi-byte UTF-8 sequence.
std::size_t Utf8PrefixLength(std::string_view text, std::size_t max_bytes);

// `text` unchanged when it has at most `max_bytes` bytes; otherwise its
// longest prefix that ends on a code point boundary and leaves room for
// `marker`, followed by `marker`: never more than `max_bytes` bytes. (Limits
// counted in characters are met too: a character is at least one byte.)
std::string TruncateUtf8(std::string_view text, std::size_t max_bytes,
                         std::string_view marker = kTruncationMarker);

}  // namespace tocsin
