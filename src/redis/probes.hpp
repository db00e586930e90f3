#pragma once
/// Redis probes: PING, the app's context read/write, a BullMQ-layout queue
/// round trip, and a pipelined PING batch. Writes go only to keys under
/// `cutover:probe:` that the probe deletes when it is destroyed.
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "core/config.hpp"
#include "core/outcome.hpp"
#include "redis/client.hpp"

namespace cutover::redis {

/// The Redis workloads.
enum class workload {
  ping,            ///< redis.ping
  context_rw,      ///< redis.context_rw: SET then GET of a ~2 KB context:<phone> JSON value
  queue_roundtrip, ///< redis.queue_roundtrip: enqueue, take, finish a job in BullMQ's list/hash layout
  ping_pipeline,   ///< redis.ping_pipeline16: 16 PINGs in one pipeline (one sample per batch)
};

/// Every workload, in report order.
std::span<const workload> all_workloads() noexcept;
/// Metric id, e.g. "redis.ping".
std::string_view metric_id(workload w) noexcept;
/// Parses a metric id or short name.
std::optional<workload> workload_from_string(std::string_view s) noexcept;

/// Makes a probe for one workload; open() connects and authenticates.
std::unique_ptr<probe> make_probe(workload w, const redis_endpoint& endpoint, const client_options& options);

}  // namespace cutover::redis
