#pragma once
/// An event-loop driver for the open loop's pg.query.select1: N libpq
/// connections served by one thread through epoll (libpq's asynchronous API),
/// instead of one blocking thread per connection.
#include <memory>

#include "core/config.hpp"
#include "core/event_driver.hpp"
#include "pg/probes.hpp"
#include "pg/session.hpp"

namespace cutover::pg {

/// Whether workload `w` has an event driver (pg.query.select1 has).
bool has_event_driver(workload w) noexcept;

/// Makes an event driver of `connections` connections for workload `w`
/// (nullptr when it has none). Each connection is opened blocking (libpq's
/// connect_timeout; then statement_timeout, UTC and the prepared statement,
/// each under the statement deadline) and switched to non-blocking: every
/// operation is PQsendQueryPrepared, its reply read with PQconsumeInput as
/// bytes arrive. One deadline per operation, as pg::session's watchdog
/// (statement timeout x 1.25 + 200 ms): a server that drips, floods (past
/// 32 MiB: protocol_error) or never answers ends it and the connection is
/// dropped; a stop request (SIGINT/SIGTERM) ends operations in flight.
std::unique_ptr<event_driver> make_event_driver(workload w, const pg_endpoint& endpoint,
                                                const session_options& options, int connections);

}  // namespace cutover::pg
