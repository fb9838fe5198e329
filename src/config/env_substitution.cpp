#include "config/env_substitution.hpp"

namespace tocsin::config::detail {
namespace {

bool IsNameStart(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

// Index of the '}' closing the "${" that starts at `open`, honouring nested "${...}"
// in defaults; npos when unterminated.
std::size_t FindClose(std::string_view text, std::size_t open) {
  int depth = 0;
  for (std::size_t i = open; i < text.size(); ++i) {
    if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '{') {
      ++depth;
      ++i;
    } else if (text[i] == '}') {
      if (--depth == 0) return i;
    }
  }
  return std::string_view::npos;
}

void Expand(std::string_view text, const EnvLookup& env, Substitution& out) {
  std::size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 3, "$${") == 0) {
      out.text += "${";
      i += 3;
      continue;
    }
    if (text.compare(i, 2, "${") != 0) {
      out.text += text[i++];
      continue;
    }
    std::size_t close = FindClose(text, i);
    if (close == std::string_view::npos) {
      out.errors.push_back("unterminated '${' (write '$${' for a literal '${')");
      out.text.append(text.substr(i));
      return;
    }
    std::string_view body = text.substr(i + 2, close - i - 2);
    std::size_t name_end = 0;
    while (name_end < body.size() && IsNameChar(body[name_end])) ++name_end;
    std::string name(body.substr(0, name_end));
    std::string_view rest = body.substr(name_end);
    bool has_default = rest.substr(0, 2) == ":-";
    if (name.empty() || !IsNameStart(name[0]) || (!rest.empty() && !has_default)) {
      out.errors.push_back("malformed variable reference '${" + std::string(body) +
                           "}': expected ${NAME} or ${NAME:-default}");
      i = close + 1;
      continue;
    }
    std::optional<std::string> value = env(name);
    if (value && !(value->empty() && has_default)) {
      out.text += *value;
    } else if (has_default) {
      Expand(rest.substr(2), env, out);
    } else {
      out.errors.push_back("environment variable '" + name + "' is not set (write ${" + name +
                           ":-default} to give a default)");
    }
    i = close + 1;
  }
}

}  // namespace

Substitution SubstituteEnv(std::string_view text, const EnvLookup& env) {
  Substitution out;
  if (text.find('$') == std::string_view::npos) {
    out.text = std::string(text);
    return out;
  }
  Expand(text, env, out);
  return out;
}

}  // namespace tocsin::config::detail
