#include "core/outcome.hpp"

#include "core/named.hpp"

namespace cutover {
namespace {
constexpr std::array<named<outcome>, outcome_count> names{{
    {outcome::ok, "ok", {}},
    {outcome::timeout, "timeout", {}},
    {outcome::refused, "refused", {}},
    {outcome::reset, "reset", {}},
    {outcome::auth_failed, "auth_failed", {}},
    {outcome::protocol_error, "protocol_error", {}},
    {outcome::check_failed, "check_failed", {}},
    {outcome::skipped, "skipped", {}},
    {outcome::error, "error", {}},
    {outcome::tls_failed, "tls_failed", {}},
}};
}  // namespace

std::string_view to_string(outcome o) noexcept { return id_of(names, o, "error"); }

std::optional<outcome> outcome_from_string(std::string_view s) noexcept { return find_named(names, s); }

}  // namespace cutover
