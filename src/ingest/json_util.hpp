#pragma once
// JSON helpers shared by the ingest parsers: a bounded, exception-free body
// parser, typed member readers that report the JSON path of what is wrong, and
// the small text rules every source shares (tag lists, timestamps, runbooks).
// Everything here is pure; every error is kInvalidArgument with a message of
// the form "<json path>: <problem>".

#include <cstddef>
#include <exception>
#include <new>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "common/time.hpp"
#include "ingest/ingest.hpp"

namespace tocsin::ingest {

using Json = nlohmann::json;

// Bounds on what one request body may contain. Senders never need more; the
// bounds keep a hostile body from costing unbounded memory or stack later on.
inline constexpr std::size_t kMaxJsonDepth = 32;
inline constexpr std::size_t kMaxJsonStringBytes = 64 * 1024;
// A monitoring system's clock may be off, but not by a year.
inline constexpr std::chrono::hours kMaxFutureSkew{24 * 366};

// Parses `body` as one JSON value. Refuses malformed JSON, nesting deeper than
// kMaxJsonDepth and strings or keys longer than kMaxJsonStringBytes, naming
// the path where the problem was found. Never throws.
Result<Json> ParseJsonBody(std::string_view body);

// Path building: MemberPath("alerts[3]", "labels") == "alerts[3].labels",
// MemberPath("", "title") == "title", ElementPath("alerts", 3) == "alerts[3]".
std::string MemberPath(std::string_view parent, std::string_view key);
std::string ElementPath(std::string_view parent, std::size_t index);
// "<path>: <problem>" as kInvalidArgument; an empty path reads "body".
tl::unexpected<Error> FieldError(std::string_view path, std::string_view problem);
// `text` JSON-quoted and cut to a readable length, for error messages.
std::string QuoteForMessage(std::string_view text);
// Name of a JSON value's type as a sender would say it ("an array", "a number").
std::string_view JsonTypeName(const Json& value);

// Member readers. A member that is absent or null counts as "not given":
// Datadog substitutes empty variables and senders write null for "none".
// Scalars are accepted as text because templated payloads often leave a
// number unquoted ("alert_id": 1234).
Result<std::optional<std::string>> ReadText(const Json& object, std::string_view key, std::string_view path);
// Like ReadText, but an empty string also counts as "not given".
Result<std::optional<std::string>> ReadNonEmptyText(const Json& object, std::string_view key, std::string_view path);
// Reads several text members of one object in a row: each call returns the
// member trimmed ("" when not given), and the first error is kept, so that a
// parser reads all its fields and checks once.
class TextMembers {
 public:
  TextMembers(const Json& object, std::string_view path) : object_(object), path_(path) {}
  std::string operator()(std::string_view key);
  const std::optional<Error>& error() const { return error_; }

 private:
  const Json& object_;
  std::string path_;
  std::optional<Error> error_;
};
// The member if it is an object (nullptr when absent or null).
Result<const Json*> ReadObject(const Json& object, std::string_view key, std::string_view path);
// The member if it is an array (nullptr when absent or null).
Result<const Json*> ReadArray(const Json& object, std::string_view key, std::string_view path);
// An object of scalar values (Alertmanager labels, generic scope), as
// (key, text) pairs in key order.
Result<std::vector<std::pair<std::string, std::string>>> ReadStringMap(const Json& object, std::string_view path);

// Splits "a:b, c , d:e" on commas and trims each part; empty parts dropped.
std::vector<std::string> SplitCommaList(std::string_view text);
std::string_view Trim(std::string_view text);
std::string ToLower(std::string_view text);

// Timestamps. Each check refuses times before 1970, after year 9999 and more
// than kMaxFutureSkew after `received_at`, naming `path`.
Result<TimePoint> CheckPlausibleTime(TimePoint t, TimePoint received_at, std::string_view path);
// An RFC 3339 text. With `go_zero_is_unset`, Go's zero time
// ("0001-01-01T00:00:00Z", which Prometheus and Alertmanager send for "no end")
// reads as "not given".
Result<std::optional<TimePoint>> ReadRfc3339(const Json& object, std::string_view key, std::string_view path,
                                             TimePoint received_at, bool go_zero_is_unset = false);
// Epoch milliseconds as a number or a decimal string (Datadog's $DATE), or an
// RFC 3339 text.
Result<std::optional<TimePoint>> ReadEpochMillisOrRfc3339(const Json& object, std::string_view key,
                                                          std::string_view path, TimePoint received_at);

// The first http(s) URL shortly after the word "runbook" in a message, as in
// the seed's "📕 **Runbook:** https://…/RUNBOOKS.md#section"; "" if none.
std::string FindRunbookUrl(std::string_view message);

// Refuses more than limits.max_alerts alerts in one request.
Result<void> CheckAlertCount(std::size_t count, const ParseLimits& limits, std::string_view path);

// Runs a parser body, turning any exception that escapes it into an error so
// that no parser ever throws into the API layer.
template <typename Fn>
Result<std::vector<core::Alert>> NoThrow(Fn&& fn) noexcept {
  try {
    return fn();
  } catch (const std::bad_alloc&) {
    return MakeError(ErrorCode::kResourceExhausted, "body: too large to process");
  } catch (const std::exception& e) {
    return Internal(std::string("ingest parser failed: ") + e.what());
  } catch (...) {
    return Internal("ingest parser failed");
  }
}

}  // namespace tocsin::ingest
