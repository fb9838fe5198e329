#pragma once
// Text as receivers limit and parse it: UTF-8 that stays valid when it is cut
// to a receiver's length limit, and Slack's mrkdwn escaping. Every length limit
// a channel applies goes through TruncateUtf8 (see docs/notifications.md,
// "Limits, truncation and encoding").

#include <cstddef>
#include <string>
#include <string_view>

#include "common/utf8.hpp"

namespace tocsin::notify {

// The UTF-8 helpers live in common/utf8.hpp; these names stay for notify/.
using tocsin::kTruncationMarker;
using tocsin::TruncateUtf8;
using tocsin::Utf8PrefixLength;
using tocsin::ValidUtf8;

// Slack mrkdwn: `&`, `<` and `>` as `&amp;`, `&lt;` and `&gt;` (the three
// characters Slack's formatting reads as control sequences: mentions such as
// <!channel>, links such as <http://x|text>). Everything else is left alone.
std::string EscapeMrkdwn(std::string_view text);

// TruncateUtf8 for text already escaped with EscapeMrkdwn: never cuts inside
// an entity (`&amp;`, `&lt;`, `&gt;`).
std::string TruncateMrkdwn(std::string_view escaped, std::size_t max_bytes);

// An HTML page as plain text, for an email's text alternative: the contents
// of <style>, <script>, <svg> and <head> dropped, block ends and <br> as line
// breaks, table cells separated by " | ", other tags removed, the common
// entities decoded and runs of blank lines collapsed.
std::string HtmlToText(std::string_view html);

}  // namespace tocsin::notify
