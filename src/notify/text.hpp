#pragma once
// Text as receivers limit and parse it: UTF-8 that stays valid when it is cut
// to a receiver's length limit, and Slack's mrkdwn escaping. Every length limit
// a channel applies goes through TruncateUtf8 (see docs/notifications.md,
// "Limits, truncation and encoding").

#include <cstddef>
#include <string>
#include <string_view>

namespace tocsin::notify {

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

// Slack mrkdwn: `&`, `<` and `>` as `&amp;`, `&lt;` and `&gt;` (the three
// characters Slack's formatting reads as control sequences: mentions such as
// <!channel>, links such as <http://x|text>). Everything else is left alone.
std::string EscapeMrkdwn(std::string_view text);

// TruncateUtf8 for text already escaped with EscapeMrkdwn: never cuts inside
// an entity (`&amp;`, `&lt;`, `&gt;`).
std::string TruncateMrkdwn(std::string_view escaped, std::size_t max_bytes);

}  // namespace tocsin::notify
