#pragma once
/// The families of criteria, one file each; definitions.cpp lists them in
/// report order. Each appends its definitions to the registry.
#include <vector>

#include "criteria/criteria.hpp"

namespace cutover::criteria {

/// db.reachable, db.auth (db_checks.cpp).
void add_db_checks(std::vector<definition>& list);
/// db.schema.parity, db.rows.parity, db.content.parity, baileys.auth, baileys.keys (data_checks.cpp).
void add_data_checks(std::vector<definition>& list);
/// The db.usable.* criteria: the app's own role can use the target as it used
/// the source (usable_checks.cpp; pg/parity_usable.hpp for each check).
void add_usable_checks(std::vector<definition>& list);
/// env.required (host_checks.cpp).
void add_env_checks(std::vector<definition>& list);
/// net.private.reachable, db.latency.private, db.latency.improvement, db.latency.tunnel (db_checks.cpp).
void add_db_latency_checks(std::vector<definition>& list);
/// redis.auth, redis.latency, proxy.socks5 (redis_proxy_checks.cpp).
void add_redis_proxy_checks(std::vector<definition>& list);
/// host.resources, host.hardening (host_checks.cpp).
void add_host_checks(std::vector<definition>& list);
/// api.health, services.online, e2e.reply, e2e.success_rate, e2e.ai_time,
/// e2e.context: the application in every stage (app_checks.cpp).
void add_app_checks(std::vector<definition>& list);
/// downtime.window and soak.uptime, judged from a downtime or monitor series,
/// and compare.no_regression and soak.hourly_p99, which compare, gate and
/// monitor judge themselves (series_checks.cpp).
void add_series_checks(std::vector<definition>& list);

}  // namespace cutover::criteria
