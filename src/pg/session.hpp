#pragma once
/// A PostgreSQL connection with deadlines on every step, returning typed
/// outcomes instead of throwing. libpqxx stays behind this header.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.hpp"
#include "core/outcome.hpp"

namespace cutover::pg {

/// Query results as text: rows of nullable columns.
using rows = std::vector<std::vector<std::optional<std::string>>>;

/// Deadlines for one session. Units as named.
struct session_options {
  std::chrono::milliseconds connect_timeout{3000};    ///< TCP + TLS + auth (libpq rounds up to whole seconds, min 2 s)
  std::chrono::milliseconds statement_timeout{5000};  ///< server-side statement_timeout and client-side watchdog
  std::string path;                                   ///< declared path ("tunnel", "private", ...) for fingerprints
};

/// One PostgreSQL connection. Not thread-safe. Every call is bounded: the
/// server's statement_timeout, and a client-side watchdog that shuts the
/// socket when the server (or the path to it) does not answer in time, so a
/// black-holed tunnel ends as `timeout`, never a hang.
class session {
public:
  session(pg_endpoint endpoint, session_options options);
  ~session();
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  /// Opens (or reopens) the connection; sets statement_timeout, UTC, ISO dates.
  probe_result connect();
  /// True while the connection can take queries.
  bool connected() const noexcept;
  /// Closes the connection.
  void close() noexcept;

  /// Runs SQL with the simple protocol (several statements allowed); rows of the last.
  probe_result exec(std::string_view sql, rows* out = nullptr);
  /// Runs SQL with text parameters ($1, $2, ...).
  probe_result exec_params(std::string_view sql, const std::vector<std::optional<std::string>>& params,
                           rows* out = nullptr);
  /// Declares a prepared statement (prepared lazily on first use, as libpqxx does).
  void prepare(const std::string& name, const std::string& sql);
  /// Runs a prepared statement with text parameters.
  probe_result exec_prepared(const std::string& name, const std::vector<std::optional<std::string>>& params = {},
                             rows* out = nullptr);

  /// Rows returned by the last successful statement (without copying them out).
  std::size_t last_row_count() const noexcept { return last_rows_; }

  /// Asks the server what it sees of this connection (version, inet_server_addr, ...).
  path_fingerprint fingerprint();
  /// The endpoint, for display.
  const pg_endpoint& endpoint() const noexcept { return endpoint_; }
  /// The deadlines it was made with (to open a sibling session on the same server).
  const session_options& options() const noexcept { return options_; }

private:
  struct impl;
  pg_endpoint endpoint_;
  session_options options_;
  std::unique_ptr<impl> impl_;
  std::size_t last_rows_ = 0;
};

/// Maps a libpq/libpqxx error message (and SQLSTATE, when known) to an outcome.
outcome classify(std::string_view message, std::string_view sqlstate = {}) noexcept;

}  // namespace cutover::pg
