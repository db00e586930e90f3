#pragma once
/// What the data-migration criteria share: both databases connected, and
/// findings cut to a line.
#include <string>
#include <string_view>
#include <vector>

#include "criteria/criteria.hpp"
#include "pg/session.hpp"

namespace cutover::criteria {

/// Both sides of the data migration, connected: the source config's role on
/// the source, the criterion's target (the app's role) on the target. Throws
/// cutover::error with the failing side's message when either cannot be reached.
struct both_sides {
  pg::session source;  ///< the source database
  pg::session target;  ///< the criterion's target database
  both_sides(const context& ctx, std::string_view id);
  /// The postgres endpoint of target `name`; throws cutover::error when there is none.
  static const pg_endpoint& endpoint(const context& ctx, const std::string& name);
};

/// Connects `s` to target `name`'s database unless the run has given up on
/// that endpoint (a measurement or an earlier criterion could not reach it);
/// a connection that fails is given up on for the rest of the run, so a
/// black-holed database costs one connect timeout, not one per criterion.
/// Throws cutover::error, its message prefixed with `side` (e.g. "target: ").
void connect_or_give_up(const context& ctx, pg::session& s, const std::string& name, std::string_view side = "");

/// At most `n` lines joined with "; ", with a count of the rest.
std::string first_lines(const std::vector<std::string>& lines, std::size_t n = 5);

}  // namespace cutover::criteria
