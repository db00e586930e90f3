#include "core/version.hpp"

#include "cutover_git_sha.hpp"

namespace cutover {

std::string_view version() noexcept { return CUTOVER_VERSION; }
std::string_view git_sha() noexcept { return CUTOVER_GIT_SHA; }

}  // namespace cutover
