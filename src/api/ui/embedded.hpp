#pragma once
// The web UI's files (ui/ in the source tree), embedded at build time by
// cmake/embed_files.cmake.

#include <cstddef>
#include <string_view>
#include <vector>

namespace tocsin::ui {

struct EmbeddedFile {
  const char* name;  // path under ui/, e.g. "app.js"
  const unsigned char* data;
  std::size_t size;
  std::string_view text() const { return {reinterpret_cast<const char*>(data), size}; }
};

const std::vector<EmbeddedFile>& EmbeddedFiles();

}  // namespace tocsin::ui
