#pragma once
/// The data-migration criteria (schema, rows, content, Baileys), source vs target.
#include <vector>

#include "criteria/criteria.hpp"

namespace cutover::criteria {

/// Appends db.schema.parity, db.rows.parity, db.content.parity, baileys.auth and baileys.keys.
void add_data_checks(std::vector<definition>& list);

}  // namespace cutover::criteria
