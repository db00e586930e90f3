#pragma once
/// PostgreSQL probes: connection cost and the plan's real queries.
#include <memory>
#include <span>
#include <string_view>

#include "core/config.hpp"
#include "core/outcome.hpp"
#include "pg/session.hpp"

namespace cutover::pg {

/// The PostgreSQL workloads (see DESIGN.md "Workloads").
enum class workload {
  connect,           ///< pg.connect: new connection including authentication
  connect_query,     ///< pg.connect_query: new connection + SELECT 1 (what a `psql -c` loop times)
  select1,           ///< pg.query.select1: prepared SELECT 1 on a warm connection
  select1_simple,    ///< pg.query.select1_simple: simple-protocol SELECT 1
  now,               ///< pg.query.now: SELECT NOW()
  auth_state,        ///< pg.query.auth_state: Baileys creds load (whatsapp_auth by company)
  keys_by_ids,       ///< pg.query.keys_by_ids: whatsapp_keys by company, type and a set of ids
  schedule,          ///< pg.query.schedule: a staff schedule lookup
  booking_rollback,  ///< pg.tx.booking_rollback: BEGIN; INSERT booking; ROLLBACK
};

/// Every workload, in report order.
std::span<const workload> all_workloads() noexcept;
/// Metric id, e.g. "pg.query.select1".
std::string_view metric_id(workload w) noexcept;
/// Parses a metric id or short name ("select1").
std::optional<workload> workload_from_string(std::string_view s) noexcept;
/// True for workloads that open a new connection per sample (sampled fewer times).
bool opens_connection(workload w) noexcept;

/// Makes a probe for one workload against one endpoint. The probe owns its
/// session; open() connects and prepares, run() is one timed operation.
std::unique_ptr<probe> make_probe(workload w, const pg_endpoint& endpoint, const session_options& options,
                                  const expectations& expect);

}  // namespace cutover::pg
