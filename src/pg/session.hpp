#pragma once
/// A PostgreSQL connection with deadlines on every step, returning typed
/// outcomes instead of throwing. libpqxx stays behind this header.
#include <chrono>
#include <functional>
#include <memory>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.hpp"
#include "core/outcome.hpp"

struct pg_conn;  // libpq's PGconn

namespace cutover::pg {

/// Query results as text: rows of nullable columns.
using rows = std::vector<std::vector<std::optional<std::string>>>;

/// No statement of the harness reads this much (the largest, parity's
/// narrowed buckets, is at most 10 x 32k keys with their hashes, ~17 MB); a
/// server streaming more is broken. It also bounds the deadline: libpq keeps
/// every row it parsed until the statement fails, and discarding them runs
/// after the watchdog fired (measured on an endless result of 11-byte rows:
/// 256 MiB took 1.1-1.8 s in all against a 0.58 s watchdog, 32 MiB 0.5-0.7 s).
inline constexpr std::uint64_t max_statement_bytes = 32ull << 20;

/// The client's own deadline for one statement: a little longer than the
/// server's statement_timeout, so a server that answers gives its own (more
/// precise) timeout error first.
constexpr std::chrono::milliseconds client_deadline(std::chrono::milliseconds statement_timeout) {
  return statement_timeout + statement_timeout / 4 + std::chrono::milliseconds(200);
}

/// Deadlines for one session. Units as named.
struct session_options {
  std::chrono::milliseconds connect_timeout{3000};    ///< TCP + TLS + auth, one deadline (polled by cutover, not libpq)
  std::chrono::milliseconds statement_timeout{5000};  ///< server-side statement_timeout and client-side watchdog
  std::string path;                                   ///< declared path ("tunnel", "private", ...) for fingerprints
};

/// One setting pinned for a transaction: `SET LOCAL name = value` ("DEFAULT":
/// the value a new session of the role gets, whatever the connection carries).
struct setting {
  std::string name;   ///< GUC name, e.g. "TimeZone"
  std::string value;  ///< its text value, or "DEFAULT"
};

/// What the harness's catalog and content reads pin, so their text is the same
/// on both sides whatever the server or a pooled connection carries: UTC, ISO
/// dates and intervals, exact floats, hex bytea, C money, and a search_path of
/// pg_catalog only (definitions and type names print fully qualified).
const std::vector<setting>& read_settings();

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

  /// Opens (or reopens) the connection. It changes no session state: behind a
  /// transaction pooler (PgBouncer, Supavisor) a session SET would stay on the
  /// server connection and reach the app's next query. Settings go in begin().
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
  /// Declares a prepared statement (prepared lazily on first use, as libpqxx
  /// does), on the server under a name no other client uses (unique_statement_name()).
  void prepare(const std::string& name, const std::string& sql);
  /// Runs a prepared statement with text parameters. Behind a transaction
  /// pooler a statement can land on a server connection that lacks it (26000):
  /// it is prepared there and run in one transaction; one whose name is taken
  /// there (42P05) is prepared under a fresh name. By SQLSTATE, never by text.
  probe_result exec_prepared(const std::string& name, const std::vector<std::optional<std::string>>& params = {},
                             rows* out = nullptr);

  /// Opens a READ ONLY transaction when none is open, then pins the server-side
  /// statement_timeout and `settings` in it with SET LOCAL (one round trip):
  /// nothing outlives the transaction. Inside it, a failed statement does not
  /// poison the next: the transaction is rolled back and reopened with the
  /// same settings. Statements outside one are bounded by the watchdog only.
  probe_result begin(const std::vector<setting>& settings = read_settings());
  /// Ends the transaction begin() opened (ROLLBACK: it only read). Bounded.
  void end() noexcept;
  /// True while a transaction opened by begin() is open.
  bool in_transaction() const noexcept;

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
  std::string tls_;  ///< "none", or the TLS protocol and cipher of the open connection

  /// After a statement: a failure inside begin()'s transaction reopens it.
  probe_result settle(probe_result r);
};

/// begin() for the span of a scope; end() when it opened the transaction.
class read_transaction {
public:
  /// Begins (or pins `settings` in the open transaction of) `s`.
  explicit read_transaction(session& s, const std::vector<setting>& settings = read_settings());
  ~read_transaction();
  read_transaction(const read_transaction&) = delete;
  read_transaction& operator=(const read_transaction&) = delete;
  /// The outcome of begin(): not ok means the scope's statements run without it.
  const probe_result& status() const noexcept { return status_; }

private:
  session& s_;
  bool opened_;
  probe_result status_;
};

/// A prepared statement name no other client of the server (or pooler) uses:
/// cutover_<per-process random>_<counter>.
std::string unique_statement_name();

/// SQL that prepares `sql` as `name` on this server connection unless it has
/// it already (a DO block, one statement): idempotent, so it cannot fail with
/// 42P05 wherever a transaction pooler lands it. `literal` quotes a string.
std::string prepare_if_missing_sql(const std::string& name, const std::string& sql,
                                   const std::function<std::string(const std::string&)>& literal);


/// Maps a server's SQLSTATE to an outcome (57014 -> timeout, class 28 ->
/// auth_failed, class 08 and 57P0x -> reset, ...; anything else -> error).
outcome classify(std::string_view sqlstate) noexcept;

/// How far a failed connection attempt got (from libpq's PQstatus while polling).
enum class connect_stage {
  resolve,  ///< name resolution
  tcp,      ///< TCP connect
  tls,      ///< SSLRequest and TLS handshake, certificate verification
  startup,  ///< startup packet, authentication, session set-up
};
/// Maps a failed connection attempt to an outcome: the server's SQLSTATE when
/// it sent one, otherwise what libpq reports (a password it had none for) and
/// the stage the attempt failed in.
/// `password_sent`: the server asked for the password and got it (libpq's
/// PQconnectionUsedPassword); a pooler's 08P01 after it is the refusal.
outcome classify_connect(std::string_view sqlstate, connect_stage stage, bool password_missing,
                         bool password_sent = false) noexcept;

/// Opens a libpq connection under ONE deadline (TCP, TLS, authentication
/// polled with PQconnectPoll; a stop request ends it), its failure classified
/// by SQLSTATE, libpq's status and the stage it failed in. On success `out`
/// is the open connection (the caller PQfinish-es it); on failure nullptr.
probe_result open_connection(const pg_endpoint& endpoint, std::chrono::milliseconds timeout, ::pg_conn*& out);

/// The SQLSTATE of the last server error in libpq's error text when the
/// connection was polled at PQERRORS_VERBOSE ("SEVERITY:  28P01: ..."), or "".
/// The code is protocol, the same in every language; the text around it is not.
std::string sqlstate_in(std::string_view verbose_error);

}  // namespace cutover::pg
