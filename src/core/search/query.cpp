#include "core/search/query.hpp"

#include <algorithm>
#include <cctype>

namespace tocsin::core {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Bounds on a query's shape. The parser recurses once per level of nesting,
// and the SQL backends turn the tree into one expression whose depth grows
// with nesting and with the number of terms (SQLite refuses expressions
// deeper than 1000 and its parser's stack is smaller still).
constexpr int kMaxDepth = 32;
constexpr int kMaxTerms = 256;

enum class Tok { kWord, kQuoted, kLParen, kRParen, kColon, kMinus, kEnd };

struct Token {
  Tok kind;
  std::string text;
  std::size_t pos;
};

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<Query> Parse() {
    if (auto t = Tokenize(); !t) return tl::unexpected(t.error());
    if (tokens_.size() == 1) return Query{};  // empty query matches everything
    auto q = ParseOr();
    if (!q) return q;
    if (Peek().kind != Tok::kEnd) return Fail(Peek().pos, "unexpected '" + Peek().text + "'");
    return q;
  }

 private:
  Result<void> Tokenize() {
    std::size_t i = 0;
    while (i < text_.size()) {
      char c = text_[i];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i;
      } else if (c == '(') {
        tokens_.push_back({Tok::kLParen, "(", i++});
      } else if (c == ')') {
        tokens_.push_back({Tok::kRParen, ")", i++});
      } else if (c == ':') {
        tokens_.push_back({Tok::kColon, ":", i++});
      } else if (c == '-' && (tokens_.empty() || tokens_.back().kind != Tok::kColon) && i + 1 < text_.size() &&
                 !std::isspace(static_cast<unsigned char>(text_[i + 1]))) {
        tokens_.push_back({Tok::kMinus, "-", i++});
      } else if (c == '"') {
        std::size_t start = i++;
        std::string value;
        while (i < text_.size() && text_[i] != '"') {
          if (text_[i] == '\\' && i + 1 < text_.size()) ++i;
          value.push_back(text_[i++]);
        }
        if (i >= text_.size()) return Fail(start, "unterminated quoted string");
        ++i;
        tokens_.push_back({Tok::kQuoted, value, start});
      } else {
        std::size_t start = i;
        while (i < text_.size() && !std::isspace(static_cast<unsigned char>(text_[i])) && text_[i] != '(' &&
               text_[i] != ')' && text_[i] != ':' && text_[i] != '"') {
          ++i;
        }
        tokens_.push_back({Tok::kWord, std::string(text_.substr(start, i - start)), start});
      }
    }
    tokens_.push_back({Tok::kEnd, "end of query", text_.size()});
    return {};
  }

  const Token& Peek() const { return tokens_[pos_]; }
  bool IsKeyword(const char* kw) const { return Peek().kind == Tok::kWord && Peek().text == kw; }

  tl::unexpected<Error> Fail(std::size_t at, const std::string& what) const {
    return InvalidArgument("query: " + what + " at position " + std::to_string(at + 1));
  }

  Result<Query> ParseOr() {
    auto left = ParseAnd();
    if (!left) return left;
    if (!IsKeyword("OR")) return left;
    Query q{Query::Kind::kOr, "", "", {std::move(*left)}};
    while (IsKeyword("OR")) {
      ++pos_;
      auto right = ParseAnd();
      if (!right) return right;
      q.children.push_back(std::move(*right));
    }
    return q;
  }

  Result<Query> ParseAnd() {
    auto first = ParseUnary();
    if (!first) return first;
    Query q{Query::Kind::kAnd, "", "", {std::move(*first)}};
    while (true) {
      if (IsKeyword("AND")) {
        ++pos_;
      } else if (Peek().kind == Tok::kEnd || Peek().kind == Tok::kRParen || IsKeyword("OR")) {
        break;
      }
      auto next = ParseUnary();
      if (!next) return next;
      q.children.push_back(std::move(*next));
    }
    if (q.children.size() == 1) return std::move(q.children[0]);
    return q;
  }

  // Entering a NOT or a parenthesis: one level deeper.
  Result<void> Descend(std::size_t at) {
    if (++depth_ > kMaxDepth) {
      return Fail(at, "nested deeper than " + std::to_string(kMaxDepth) + " levels (parentheses and NOT)");
    }
    return {};
  }

  Result<void> CountTerm(std::size_t at) {
    if (++terms_ > kMaxTerms) return Fail(at, "more than " + std::to_string(kMaxTerms) + " terms");
    return {};
  }

  Result<Query> ParseUnary() {
    if (IsKeyword("NOT") || Peek().kind == Tok::kMinus) {
      if (auto ok = Descend(Peek().pos); !ok) return tl::unexpected(ok.error());
      ++pos_;
      auto inner = ParseUnary();
      if (!inner) return inner;
      --depth_;
      return Query{Query::Kind::kNot, "", "", {std::move(*inner)}};
    }
    return ParsePrimary();
  }

  Result<Query> ParsePrimary() {
    const Token& t = Peek();
    if (t.kind == Tok::kLParen) {
      if (auto ok = Descend(t.pos); !ok) return tl::unexpected(ok.error());
      ++pos_;
      auto inner = ParseOr();
      if (!inner) return inner;
      if (Peek().kind != Tok::kRParen) return Fail(Peek().pos, "expected ')'");
      ++pos_;
      --depth_;
      return inner;
    }
    if (t.kind == Tok::kQuoted) {
      if (auto ok = CountTerm(t.pos); !ok) return tl::unexpected(ok.error());
      ++pos_;
      return Query{Query::Kind::kText, "", t.text, {}};
    }
    if (t.kind != Tok::kWord || t.text == "AND" || t.text == "OR") {
      return Fail(t.pos, "expected a term, got '" + t.text + "'");
    }
    ++pos_;
    if (Peek().kind != Tok::kColon) {
      if (auto ok = CountTerm(t.pos); !ok) return tl::unexpected(ok.error());
      return Query{Query::Kind::kText, "", t.text, {}};
    }
    ++pos_;
    std::string facet = CanonicalFacet(t.text);
    if (facet.empty()) return Fail(t.pos, "empty facet name");
    if (Peek().kind == Tok::kLParen) {
      ++pos_;
      Query q{Query::Kind::kOr, "", "", {}};
      while (true) {
        auto v = ParseValue(facet);
        if (!v) return v;
        q.children.push_back(std::move(*v));
        if (IsKeyword("OR")) {
          ++pos_;
          continue;
        }
        if (Peek().kind == Tok::kRParen) break;
        return Fail(Peek().pos, "expected OR or ')' in the values of '" + t.text + "'");
      }
      ++pos_;
      if (q.children.size() == 1) return std::move(q.children[0]);
      return q;
    }
    return ParseValue(facet);
  }

  Result<Query> ParseValue(const std::string& facet) {
    const Token& v = Peek();
    if (v.kind != Tok::kWord && v.kind != Tok::kQuoted) return Fail(v.pos, "expected a value for '" + facet + "'");
    if (auto ok = CountTerm(v.pos); !ok) return tl::unexpected(ok.error());
    ++pos_;
    return Query{Query::Kind::kTerm, facet, v.text, {}};
  }

  std::string_view text_;
  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  int depth_ = 0;
  int terms_ = 0;
};

bool ContainsNoCase(std::string_view haystack, std::string_view needle) {
  return Lower(haystack).find(Lower(needle)) != std::string::npos;
}

std::string StripAt(std::string_view s) { return std::string(!s.empty() && s[0] == '@' ? s.substr(1) : s); }

bool TermMatches(const Query& q, const Incident& i) {
  const std::string& f = q.facet;
  const std::string& v = q.value;
  bool any = v == "*";
  if (f == "state") return any || StateName(i.state) == v;
  if (f == "severity") return any || i.severity == v;
  if (f == "title") return any || ContainsNoCase(i.title, v);
  if (f == "customer_impacted") return any || (i.customer_impacted ? "true" : "false") == v;
  if (f == "commander") {
    if (!i.commander) return false;
    return any || i.commander->handle == StripAt(v) || i.commander->user_uuid == v;
  }
  if (f == "public_id") return any || std::to_string(i.public_id) == v;
  auto it = i.fields.find(f);
  if (it == i.fields.end()) {
    // The workflow's phase and the incident type, unless a field has the name.
    const std::string* own = f == "phase" ? &i.phase : f == "type" ? &i.type : nullptr;
    if (!own || own->empty()) return false;
    return any || *own == v;
  }
  auto values = it->second.Values();
  if (any) return !values.empty();
  return std::find(values.begin(), values.end(), v) != values.end();
}

void SortCounts(std::vector<FacetCount>& v) {
  std::sort(v.begin(), v.end(), [](const FacetCount& a, const FacetCount& b) {
    return a.count != b.count ? a.count > b.count : a.name < b.name;
  });
}

}  // namespace

std::string CanonicalFacet(std::string_view facet) {
  std::string f = Lower(facet);
  if (f.rfind("fields.", 0) == 0) f = f.substr(7);
  if (f == "team") return "teams";
  if (f == "service") return "services";
  if (f == "status") return "state";
  return f;
}

Result<Query> ParseQuery(std::string_view text) {
  if (text.size() > 4096) return InvalidArgument("query: longer than 4096 characters");
  return Parser(text).Parse();
}

bool Matches(const Query& q, const Incident& incident) {
  switch (q.kind) {
    case Query::Kind::kAll: return true;
    case Query::Kind::kTerm: return TermMatches(q, incident);
    case Query::Kind::kText: return ContainsNoCase(incident.title, q.value);
    case Query::Kind::kNot: return !Matches(q.children[0], incident);
    case Query::Kind::kAnd:
      return std::all_of(q.children.begin(), q.children.end(), [&](const Query& c) { return Matches(c, incident); });
    case Query::Kind::kOr:
      return std::any_of(q.children.begin(), q.children.end(), [&](const Query& c) { return Matches(c, incident); });
  }
  return false;
}

void NormalizeFacets(SearchFacets& facets) {
  SortCounts(facets.state);
  SortCounts(facets.severity);
  SortCounts(facets.commander);
  std::sort(facets.fields.begin(), facets.fields.end(), [](auto& a, auto& b) { return a.first < b.first; });
  for (auto& [name, counts] : facets.fields) SortCounts(counts);
  std::sort(facets.phase_by_severity.begin(), facets.phase_by_severity.end(),
            [](auto& a, auto& b) { return a.first < b.first; });
  for (auto& [severity, counts] : facets.phase_by_severity) SortCounts(counts);
}

void AddTermCount(SearchFacets& facets, const std::string& facet, const std::string& value, const std::string& severity,
                  std::int64_t count) {
  auto add = [&](std::vector<std::pair<std::string, std::vector<FacetCount>>>& lists, const std::string& key,
                 const std::string& name) {
    auto list = std::find_if(lists.begin(), lists.end(), [&](const auto& l) { return l.first == key; });
    if (list == lists.end()) list = lists.insert(lists.end(), {key, {}});
    auto it = std::find_if(list->second.begin(), list->second.end(), [&](const FacetCount& f) { return f.name == name; });
    if (it == list->second.end()) {
      list->second.push_back({name, count});
    } else {
      it->count += count;
    }
  };
  add(facets.fields, facet, value);
  if (facet == "phase") add(facets.phase_by_severity, severity, value);
}

}  // namespace tocsin::core
