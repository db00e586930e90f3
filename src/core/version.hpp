#pragma once
/// What build this is: the project version and the git commit it was built
/// from (read at build time, so it follows commits without a reconfigure).
#include <string_view>

namespace cutover {

/// The project version ("0.1.0").
std::string_view version() noexcept;
/// Short git commit of the build ("abc123def456"), or "unknown" outside a checkout.
std::string_view git_sha() noexcept;

}  // namespace cutover
