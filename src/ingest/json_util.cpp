#include "ingest/json_util.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <limits>

namespace tocsin::ingest {
namespace {

// Builds the DOM through nlohmann's SAX interface so that the depth and size
// bounds are enforced while reading (the DOM parser would build the whole
// value first) and so that a refusal can name the path it happened at.
class BoundedDomBuilder final : public nlohmann::json_sax<Json> {
 public:
  Json& root() { return root_; }
  const std::optional<std::string>& problem() const { return problem_; }

  bool null() override { return AddScalar(Json(nullptr)); }
  bool boolean(bool val) override { return AddScalar(Json(val)); }
  bool number_integer(number_integer_t val) override { return AddScalar(Json(val)); }
  bool number_unsigned(number_unsigned_t val) override { return AddScalar(Json(val)); }
  bool number_float(number_float_t val, const string_t& /*text*/) override { return AddScalar(Json(val)); }
  bool string(string_t& val) override {
    BeginValue();
    if (val.size() > kMaxJsonStringBytes) {
      return Refuse("string of " + std::to_string(val.size()) + " bytes exceeds the limit of " +
                    std::to_string(kMaxJsonStringBytes));
    }
    Insert(Json(std::move(val)));
    return true;
  }
  bool binary(binary_t& /*val*/) override { return Refuse("binary values are not JSON"); }

  bool start_object(std::size_t /*elements*/) override { return Open(Json::object()); }
  bool key(string_t& val) override {
    Frame& top = frames_.back();
    if (val.size() > kMaxJsonStringBytes) {
      top.key = val.substr(0, 32);
      return Refuse("member name of " + std::to_string(val.size()) + " bytes exceeds the limit of " +
                    std::to_string(kMaxJsonStringBytes));
    }
    top.key = std::move(val);
    return true;
  }
  bool end_object() override {
    frames_.pop_back();
    return true;
  }
  bool start_array(std::size_t /*elements*/) override { return Open(Json::array()); }
  bool end_array() override {
    frames_.pop_back();
    return true;
  }

  bool parse_error(std::size_t /*position*/, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& ex) override {
    // nlohmann's message starts with "[json.exception.parse_error.101] ";
    // the sender needs only what follows.
    std::string what = ex.what();
    if (auto pos = what.find("] "); pos != std::string::npos && what.rfind("[json.exception", 0) == 0) {
      what.erase(0, pos + 2);
    }
    problem_ = "body: malformed JSON: " + what;
    return false;
  }

 private:
  struct Frame {
    Json* container = nullptr;
    std::string key;        // objects: the member being read
    std::size_t index = 0;  // arrays: the element being read
    std::size_t count = 0;  // arrays: elements started so far
  };

  // Records which array element is being read before any check can fail,
  // so that refusals name it.
  void BeginValue() {
    if (!frames_.empty() && frames_.back().container->is_array()) {
      Frame& top = frames_.back();
      top.index = top.count++;
    }
  }

  Json* Insert(Json value) {
    if (frames_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    Frame& top = frames_.back();
    if (top.container->is_array()) {
      top.container->push_back(std::move(value));
      return &top.container->back();
    }
    Json& slot = (*top.container)[top.key];
    slot = std::move(value);
    return &slot;
  }

  bool AddScalar(Json value) {
    BeginValue();
    Insert(std::move(value));
    return true;
  }

  bool Open(Json empty) {
    BeginValue();
    if (frames_.size() + 1 > kMaxJsonDepth) {
      return Refuse("JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    }
    // Pointers to open containers stay valid: a container only grows while
    // it is the innermost open one, and then no pointer into it is held.
    Json* child = Insert(std::move(empty));
    frames_.push_back(Frame{child, {}, 0, 0});
    return true;
  }

  bool Refuse(const std::string& what) {
    std::string path;
    for (const Frame& f : frames_) {
      path = f.container->is_array() ? ElementPath(path, f.index) : MemberPath(path, f.key);
    }
    problem_ = (path.empty() ? std::string("body") : path) + ": " + what;
    return false;
  }

  Json root_;
  std::vector<Frame> frames_;
  std::optional<std::string> problem_;
};

// Microseconds of 10000-01-01T00:00:00Z: the first instant after year 9999.
constexpr std::int64_t kYear10000Micros = 253402300800LL * 1000000LL;

std::string ScalarText(const Json& v) {
  switch (v.type()) {
    case Json::value_t::string: return v.get_ref<const std::string&>();
    case Json::value_t::boolean: return v.get<bool>() ? "true" : "false";
    case Json::value_t::number_integer: return std::to_string(v.get<std::int64_t>());
    case Json::value_t::number_unsigned: return std::to_string(v.get<std::uint64_t>());
    case Json::value_t::number_float: return v.dump();
    default: return {};
  }
}

bool IsScalar(const Json& v) { return v.is_string() || v.is_boolean() || v.is_number(); }

bool IsUrlEnd(char c) {
  return std::isspace(static_cast<unsigned char>(c)) || c == ')' || c == ']' || c == '>' || c == '<' || c == '"' ||
         c == '\'' || c == '`' || c == '*' || c == '|';
}

}  // namespace

Result<Json> ParseJsonBody(std::string_view body) {
  try {
    BoundedDomBuilder builder;
    bool ok = Json::sax_parse(body.begin(), body.end(), &builder);
    if (!ok || builder.problem()) {
      return InvalidArgument(builder.problem().value_or("body: malformed JSON"));
    }
    return std::move(builder.root());
  } catch (const std::exception& e) {
    return InvalidArgument(std::string("body: malformed JSON: ") + e.what());
  }
}

std::string MemberPath(std::string_view parent, std::string_view key) {
  std::string out(parent);
  if (!out.empty()) out.push_back('.');
  if (key.size() > 64) {
    out.append(key.substr(0, 64));
    out += "...";
  } else {
    out.append(key);
  }
  return out;
}

std::string ElementPath(std::string_view parent, std::size_t index) {
  std::string out(parent);
  out.push_back('[');
  out += std::to_string(index);
  out.push_back(']');
  return out;
}

tl::unexpected<Error> FieldError(std::string_view path, std::string_view problem) {
  std::string message(path.empty() ? std::string_view("body") : path);
  message += ": ";
  message.append(problem);
  return InvalidArgument(std::move(message));
}

std::string QuoteForMessage(std::string_view text) {
  constexpr std::size_t kShown = 80;
  bool cut = text.size() > kShown;
  std::string shown(text.substr(0, kShown));
  // Cutting may split a UTF-8 sequence; drop the partial bytes so that the
  // message itself stays valid UTF-8 (it is sent back as JSON).
  if (cut) {
    std::size_t end = shown.size();
    std::size_t back = end;
    while (back > 0 && (static_cast<unsigned char>(shown[back - 1]) & 0xC0) == 0x80) --back;
    if (back > 0 && (static_cast<unsigned char>(shown[back - 1]) & 0x80) != 0) {
      unsigned char lead = static_cast<unsigned char>(shown[back - 1]);
      std::size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
      if (end - (back - 1) < need) shown.resize(back - 1);
    }
  }
  std::string out = Json(shown).dump(-1, ' ', false, Json::error_handler_t::replace);
  if (cut) out += "...";
  return out;
}

std::string_view JsonTypeName(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::object: return "an object";
    case Json::value_t::array: return "an array";
    case Json::value_t::string: return "a string";
    case Json::value_t::boolean: return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float: return "a number";
    default: return "an unsupported value";
  }
}

Result<std::optional<std::string>> ReadText(const Json& object, std::string_view key, std::string_view path) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::optional<std::string>();
  if (!IsScalar(*it)) {
    return FieldError(MemberPath(path, key), std::string("expected a string, got ") + std::string(JsonTypeName(*it)));
  }
  return std::optional<std::string>(ScalarText(*it));
}

Result<std::optional<std::string>> ReadNonEmptyText(const Json& object, std::string_view key, std::string_view path) {
  auto text = ReadText(object, key, path);
  if (!text) return text;
  if (*text && Trim(**text).empty()) return std::optional<std::string>();
  return text;
}

std::string TextMembers::operator()(std::string_view key) {
  if (error_) return {};
  auto read = ReadText(object_, key, path_);
  if (!read) {
    error_ = read.error();
    return {};
  }
  return *read ? std::string(Trim(**read)) : std::string();
}

Result<const Json*> ReadObject(const Json& object, std::string_view key, std::string_view path) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return static_cast<const Json*>(nullptr);
  if (!it->is_object()) {
    return FieldError(MemberPath(path, key), std::string("expected an object, got ") + std::string(JsonTypeName(*it)));
  }
  return &*it;
}

Result<const Json*> ReadArray(const Json& object, std::string_view key, std::string_view path) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return static_cast<const Json*>(nullptr);
  if (!it->is_array()) {
    return FieldError(MemberPath(path, key), std::string("expected an array, got ") + std::string(JsonTypeName(*it)));
  }
  return &*it;
}

Result<std::vector<std::pair<std::string, std::string>>> ReadStringMap(const Json& object, std::string_view path) {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(object.size());
  for (auto it = object.begin(); it != object.end(); ++it) {
    const Json& v = it.value();
    if (v.is_null()) continue;
    if (!IsScalar(v)) {
      return FieldError(MemberPath(path, it.key()),
                        std::string("expected a string, got ") + std::string(JsonTypeName(v)));
    }
    std::string text = ScalarText(v);
    // Prometheus treats an empty label value as an absent label; so do we.
    if (text.empty()) continue;
    out.emplace_back(it.key(), std::move(text));
  }
  return out;
}

std::string_view Trim(std::string_view text) {
  auto b = text.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  auto e = text.find_last_not_of(" \t\r\n");
  return text.substr(b, e - b + 1);
}

std::string ToLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> SplitCommaList(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    auto comma = text.find(',');
    auto part = Trim(text.substr(0, comma));
    if (!part.empty()) out.emplace_back(part);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

Result<TimePoint> CheckPlausibleTime(TimePoint t, TimePoint received_at, std::string_view path) {
  if (ToUnixMicros(t) < 0) return FieldError(path, "timestamp is before 1970");
  if (ToUnixMicros(t) >= kYear10000Micros) return FieldError(path, "timestamp is after year 9999");
  if (t > received_at + kMaxFutureSkew) {
    return FieldError(path, FormatRfc3339(t) + " is more than 1 year after the time the alert was received (" +
                                FormatRfc3339(received_at) + ")");
  }
  return t;
}

Result<std::optional<TimePoint>> ReadRfc3339(const Json& object, std::string_view key, std::string_view path,
                                             TimePoint received_at, bool go_zero_is_unset) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::optional<TimePoint>();
  std::string member_path = MemberPath(path, key);
  if (!it->is_string()) {
    return FieldError(member_path,
                      std::string("expected an RFC 3339 timestamp string, got ") + std::string(JsonTypeName(*it)));
  }
  std::string_view text = it->get_ref<const std::string&>();
  if (Trim(text).empty()) return std::optional<TimePoint>();
  if (go_zero_is_unset && text.rfind("0001-01-01T00:00:00", 0) == 0) return std::optional<TimePoint>();
  // ParseRfc3339 refuses years before 1970 like any other bad text; say which
  // it is, since "absurd" and "unreadable" need different fixes at the sender.
  int year = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + std::min<std::size_t>(text.size(), 4), year);
  if (ec == std::errc() && end == text.data() + 4 && year < 1970) {
    return FieldError(member_path, "timestamp " + QuoteForMessage(text) + " is before 1970");
  }
  auto parsed = ParseRfc3339(text);
  if (!parsed) {
    return FieldError(member_path, "not an RFC 3339 timestamp: " + QuoteForMessage(text));
  }
  auto checked = CheckPlausibleTime(*parsed, received_at, member_path);
  if (!checked) return tl::unexpected(checked.error());
  return std::optional<TimePoint>(*checked);
}

Result<std::optional<TimePoint>> ReadEpochMillisOrRfc3339(const Json& object, std::string_view key,
                                                          std::string_view path, TimePoint received_at) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::optional<TimePoint>();
  std::string member_path = MemberPath(path, key);
  // Bounds are checked before converting so that no value can overflow.
  constexpr std::int64_t kMaxMillis = kYear10000Micros / 1000;
  auto from_millis = [&](long double ms) -> Result<std::optional<TimePoint>> {
    if (ms < 0) return FieldError(member_path, "timestamp is before 1970");
    if (ms >= static_cast<long double>(kMaxMillis)) return FieldError(member_path, "timestamp is after year 9999");
    auto checked = CheckPlausibleTime(FromUnixMicros(static_cast<std::int64_t>(ms * 1000)), received_at, member_path);
    if (!checked) return tl::unexpected(checked.error());
    return std::optional<TimePoint>(*checked);
  };
  if (it->is_number_integer() && !it->is_number_unsigned()) {
    return from_millis(static_cast<long double>(it->get<std::int64_t>()));
  }
  if (it->is_number_unsigned()) return from_millis(static_cast<long double>(it->get<std::uint64_t>()));
  if (it->is_number_float()) return from_millis(static_cast<long double>(it->get<double>()));
  if (!it->is_string()) {
    return FieldError(member_path, std::string("expected epoch milliseconds or an RFC 3339 timestamp, got ") +
                                       std::string(JsonTypeName(*it)));
  }
  std::string_view text = Trim(it->get_ref<const std::string&>());
  if (text.empty()) return std::optional<TimePoint>();
  bool numeric = std::all_of(text.begin() + (text[0] == '-' ? 1 : 0), text.end(),
                             [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) &&
                 text != "-";
  if (numeric) {
    if (text[0] == '-') return FieldError(member_path, "timestamp is before 1970");
    // More digits than any millisecond count before year 10000.
    if (text.size() > 15) return FieldError(member_path, "timestamp is after year 9999");
    std::int64_t ms = 0;
    std::from_chars(text.data(), text.data() + text.size(), ms);
    return from_millis(static_cast<long double>(ms));
  }
  Json as_object = Json::object();
  as_object[std::string(key)] = std::string(text);
  return ReadRfc3339(as_object, key, path, received_at);
}

std::string FindRunbookUrl(std::string_view message) {
  // How far after the word the URL may start: enough for "📕 **Runbook:** "
  // or "[Runbook](", not so far that an unrelated link is picked up.
  constexpr std::size_t kWindow = 64;
  std::string lower = ToLower(message);
  for (std::size_t at = lower.find("runbook"); at != std::string::npos; at = lower.find("runbook", at + 1)) {
    std::size_t from = at + 7;
    std::size_t limit = std::min(lower.size(), from + kWindow);
    // Only a URL starting inside the window counts, so only the window (plus
    // room for the scheme) is searched: searching on to the end of the
    // message for every mention made a message full of "runbook" quadratic.
    std::size_t best = std::string::npos;
    for (std::string_view scheme : {"https://", "http://"}) {
      std::size_t end = std::min(lower.size(), limit + scheme.size() - 1);
      if (from >= end) continue;
      auto pos = std::string_view(lower).substr(from, end - from).find(scheme);
      if (pos != std::string_view::npos) best = std::min(best, from + pos);
    }
    if (best == std::string::npos) continue;
    std::size_t end = best;
    while (end < message.size() && !IsUrlEnd(message[end])) ++end;
    // Sentence punctuation after a URL belongs to the sentence.
    while (end > best && std::string_view(".,;:!?").find(message[end - 1]) != std::string_view::npos) --end;
    std::string url(message.substr(best, end - best));
    if (url.size() > 8) return url;
  }
  return {};
}

Result<void> CheckAlertCount(std::size_t count, const ParseLimits& limits, std::string_view path) {
  if (count > limits.max_alerts) {
    return FieldError(path, std::to_string(count) + " alerts in one request exceeds the limit of " +
                                std::to_string(limits.max_alerts));
  }
  return {};
}

}  // namespace tocsin::ingest
