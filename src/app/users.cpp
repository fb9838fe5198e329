#include "app/users.hpp"

#include "common/password.hpp"

namespace tocsin::app {

Result<void> SetPassword(const core::Config& config, core::Store& store, const std::string& raw_handle,
                         const std::string& password, TimePoint now) {
  std::string handle = !raw_handle.empty() && raw_handle[0] == '@' ? raw_handle.substr(1) : raw_handle;
  if (!config.FindUser(handle)) return InvalidArgument("HANDLE: no user with handle '" + handle + "' in the configuration");
  auto hash = HashPassword(password);
  if (!hash) return tl::unexpected(hash.error());
  return store.SetPasswordHash(handle, *hash, now);
}

}  // namespace tocsin::app
