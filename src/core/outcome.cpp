#include "core/outcome.hpp"

#include <array>

namespace cutover {
namespace {
constexpr std::array<std::string_view, outcome_count> names{
    "ok", "timeout", "refused", "reset", "auth_failed", "protocol_error", "check_failed", "skipped", "error"};
}

std::string_view to_string(outcome o) noexcept { return names[static_cast<std::size_t>(o)]; }

std::optional<outcome> outcome_from_string(std::string_view s) noexcept {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == s) return static_cast<outcome>(i);
  return std::nullopt;
}

}  // namespace cutover
