#include "core/workflow/names.hpp"

#include "common/random.hpp"

namespace tocsin::core::workflow {

std::string FieldKey(std::string_view display_name) {
  std::string out;
  bool gap = false;
  for (char c : display_name) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum) {
      gap = true;
      continue;
    }
    if (gap && !out.empty()) out += '_';
    gap = false;
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

std::string TypeId(std::string_view type_name) { return NameUuid("incident-type:" + std::string(type_name)); }

}  // namespace tocsin::core::workflow
