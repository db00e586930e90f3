// The acceptance criteria of the plan (DESIGN.md "Acceptance criteria"), in
// report order. Each family lives in its own file (checks.hpp); a definition
// gives stage, severity, the plan's threshold with its unit, the settings it
// reads, the measurements it needs, and how it is judged.
#include "criteria/checks.hpp"
#include "criteria/criteria.hpp"

namespace cutover::criteria {

const std::vector<definition>& all() {
  static const std::vector<definition> list = [] {
    std::vector<definition> d;
    add_db_checks(d);
    add_data_checks(d);
    add_usable_checks(d);
    add_env_checks(d);
    add_db_latency_checks(d);
    add_redis_proxy_checks(d);
    add_host_checks(d);
    add_app_checks(d);
    add_series_checks(d);
    return d;
  }();
  return list;
}

}  // namespace cutover::criteria
