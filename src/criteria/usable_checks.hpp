#pragma once
/// The db.usable.* criteria: the app's own role can use the target as it used
/// the source (sequences, privileges, integrity, objects, RLS, settings,
/// collation, statistics). See pg/parity_usable.hpp for each check.
#include <vector>

#include "criteria/criteria.hpp"

namespace cutover::criteria {

/// Appends the db.usable.* criteria (stage db-migration).
void add_usable_checks(std::vector<definition>& list);

}  // namespace cutover::criteria
