#pragma once
/// The application criteria (every stage): health endpoints, PM2 services,
/// end-to-end replies, success rate, AI time, and context persistence.
#include <vector>

#include "criteria/criteria.hpp"

namespace cutover::criteria {

/// Appends api.health, services.online, e2e.reply, e2e.success_rate,
/// e2e.ai_time and e2e.context.
void add_app_checks(std::vector<definition>& list);

}  // namespace cutover::criteria
