#pragma once
/// An event-loop driver for the open loop's Redis workloads: N connections
/// served by one thread through epoll (as redis-benchmark and wrk2 do),
/// instead of one blocking thread per connection.
#include <memory>

#include "core/config.hpp"
#include "core/event_driver.hpp"
#include "redis/client.hpp"
#include "redis/probes.hpp"

namespace cutover::redis {

/// Whether workload `w` has an event driver (redis.ping has).
bool has_event_driver(workload w) noexcept;

/// Makes an event driver of `connections` connections for workload `w`
/// (nullptr when it has none). Each connection is opened with redis::client
/// (connect, AUTH, SELECT, its timeouts and outcomes), then its socket is
/// taken over non-blocking: every operation is one pre-formatted command
/// written at once and its reply parsed by hiredis's reader as bytes arrive.
/// Each operation has one overall deadline (the command timeout from its
/// send): a server that drips or floods ends it as `timeout` or
/// `protocol_error` (reply over 64 MiB) and the connection is dropped.
std::unique_ptr<event_driver> make_event_driver(workload w, const redis_endpoint& endpoint,
                                                const client_options& options, int connections);

}  // namespace cutover::redis
