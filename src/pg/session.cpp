#include "pg/session.hpp"

#include <libpq-fe.h>
#include <linux/tcp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <map>
#include <mutex>
#include <pqxx/pqxx>
#include <random>
#include <thread>
#include <utility>

#include "core/interrupt.hpp"
#include "core/peer.hpp"
#include "core/secret.hpp"

namespace cutover::pg {
namespace {

using clock = std::chrono::steady_clock;


/// Shuts a socket down when an armed deadline passes, a stop is requested
/// (SIGINT/SIGTERM), or the statement has received more than
/// max_statement_bytes. Arming and disarming are single atomic stores so the
/// measured path pays (almost) nothing; the thread checks every few
/// milliseconds, which is plenty for deadlines of seconds.
class watchdog {
public:
  watchdog() : thread_([this](std::stop_token st) { loop(st); }) {}
  ~watchdog() {
    thread_.request_stop();
    cv_.notify_all();
  }
  void arm(int fd, clock::duration timeout) {
    fired_.store(false, std::memory_order_relaxed);
    oversized_.store(false, std::memory_order_relaxed);
    fd_.store(fd, std::memory_order_relaxed);
    deadline_.store((clock::now() + timeout).time_since_epoch().count(), std::memory_order_release);
  }
  void disarm() { deadline_.store(0, std::memory_order_release); }
  /// True when the last armed deadline passed and the socket was shut.
  bool fired() const { return fired_.load(std::memory_order_acquire); }
  /// True when the socket was shut because the reply was too large.
  bool oversized() const { return oversized_.load(std::memory_order_acquire); }

private:
  void loop(std::stop_token st) {
    std::unique_lock lock(mutex_);
    clock::rep seen = 0;          // the arming being watched
    std::uint64_t baseline = 0;   // bytes received when it was first seen
    while (!st.stop_requested()) {
      cv_.wait_for(lock, std::chrono::milliseconds(10));
      auto d = deadline_.load(std::memory_order_acquire);
      if (d == 0) continue;
      const int fd = fd_.load(std::memory_order_relaxed);
      const auto got = bytes_received(fd);
      if (d != seen) {
        seen = d;
        baseline = got;
      }
      const bool too_big = got > baseline + max_statement_bytes;
      if (clock::now().time_since_epoch().count() > d || stop_requested() || too_big) {
        if (deadline_.compare_exchange_strong(d, 0)) {
          oversized_.store(too_big, std::memory_order_relaxed);
          fired_.store(true, std::memory_order_release);
          ::shutdown(fd, SHUT_RDWR);
        }
      }
    }
  }
  std::atomic<clock::rep> deadline_{0};
  std::atomic<int> fd_{-1};
  std::atomic<bool> fired_{false};
  std::atomic<bool> oversized_{false};
  std::mutex mutex_;
  std::condition_variable cv_;
  std::jthread thread_;
};

std::string one_line(std::string_view s) {
  std::string out;
  for (char c : s) out += (c == '\n' || c == '\r') ? ' ' : c;
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return scrub(out);
}

/// Copies a result out as text (only when asked for) and returns its row count.
std::size_t to_rows(const pqxx::result& r, rows* out) {
  if (!out) return r.size();
  out->clear();
  out->reserve(r.size());
  for (const auto& row : r) {
    auto& dst = out->emplace_back();
    dst.reserve(row.size());
    for (const auto& f : row) dst.push_back(f.is_null() ? std::nullopt : std::optional<std::string>(f.c_str()));
  }
  return r.size();
}

}  // namespace

outcome classify(std::string_view s) noexcept {
  if (s.size() != 5) return outcome::error;
  auto cls = s.substr(0, 2);
  if (s == "57014") return outcome::timeout;     // query_canceled: statement_timeout
  if (cls == "28") return outcome::auth_failed;  // 28000 invalid_authorization_specification, 28P01 invalid_password
  if (s == "08P01") return outcome::protocol_error;
  // The server turned the session away: too many connections, starting up or
  // shutting down, "unable to establish" / "rejected establishment".
  if (s == "53300" || s == "57P03" || s == "08001" || s == "08004") return outcome::refused;
  // The connection is gone: connection exceptions, admin/crash shutdown,
  // database dropped, idle (in transaction) session timeouts.
  if (cls == "08" || s == "57P01" || s == "57P02" || s == "57P04" || s == "57P05" || s == "25P03")
    return outcome::reset;
  return outcome::error;
}

outcome classify_connect(std::string_view sqlstate, connect_stage stage, bool password_missing,
                         bool password_sent) noexcept {
  // PgBouncer refuses a password with 08P01 (protocol_violation), its code
  // for every error: right after a password exchange, that is the refusal.
  if (sqlstate == "08P01" && password_sent && stage == connect_stage::startup) return outcome::auth_failed;
  if (!sqlstate.empty()) return classify(sqlstate);
  if (password_missing) return outcome::auth_failed;
  switch (stage) {
    case connect_stage::resolve: return outcome::error;
    case connect_stage::tcp: return outcome::refused;
    case connect_stage::tls: return outcome::tls_failed;
    case connect_stage::startup: return outcome::reset;
  }
  return outcome::error;
}

std::string sqlstate_in(std::string_view text) {
  // libpq formats a server error as "%s:  " (severity) then, at VERBOSE,
  // "%s: " (SQLSTATE): five digits or upper-case letters between the two.
  auto code_char = [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'); };
  std::string found;
  for (auto i = text.find(":  "); i != std::string_view::npos; i = text.find(":  ", i + 1)) {
    auto at = i + 3;
    if (at + 7 > text.size()) break;
    bool ok = text[at + 5] == ':' && text[at + 6] == ' ';
    for (std::size_t k = 0; ok && k < 5; ++k) ok = code_char(text[at + k]);
    if (ok) found = std::string(text.substr(at, 5));
  }
  return found;
}

namespace {

/// libpqxx 6 connects only in blocking mode with whole-second timeouts and
/// reports a failed connection as an exception holding libpq's translated
/// text. cutover connects with libpq itself (one deadline, the SQLSTATE, the
/// stage it failed in) and hands the open PGconn to libpqxx through this
/// policy. It never reconnects: a lost connection stays lost.
class adopted_policy final : public pqxx::connectionpolicy {
public:
  explicit adopted_policy(PGconn* c) : pqxx::connectionpolicy(std::string{}), conn_(c) {}
  ~adopted_policy() noexcept override {
    if (conn_) PQfinish(conn_);
  }
  adopted_policy(const adopted_policy&) = delete;
  adopted_policy& operator=(const adopted_policy&) = delete;
  handle do_startconnect(handle orig) override { return orig ? orig : std::exchange(conn_, nullptr); }
  handle do_completeconnect(handle orig) override { return orig; }

private:
  PGconn* conn_;
};

/// A libpqxx connection over a PGconn that is already open.
class adopted_connection final : public pqxx::connection_base {
public:
  // The base only keeps a reference to the policy; init() runs once it exists.
  explicit adopted_connection(PGconn* c) : pqxx::connection_base(policy_), policy_(c) { init(); }
  ~adopted_connection() noexcept { close(); }

private:
  adopted_policy policy_;
};

connect_stage stage_of(ConnStatusType s, const pg_endpoint& e) {
  switch (s) {
    case CONNECTION_STARTED: return connect_stage::tcp;
    case CONNECTION_SSL_STARTUP:
    case CONNECTION_GSS_STARTUP: return connect_stage::tls;
    case CONNECTION_NEEDED:
    case CONNECTION_BAD: {
      // libpq resolves and connects in one step here: if the name resolves,
      // the TCP connect is what failed.
      if (!e.hostaddr.empty() || e.host.empty() || e.host.front() == '/') return connect_stage::tcp;
      addrinfo hints{};
      hints.ai_socktype = SOCK_STREAM;
      addrinfo* res = nullptr;
      if (::getaddrinfo(e.host.c_str(), nullptr, &hints, &res) != 0) return connect_stage::resolve;
      ::freeaddrinfo(res);
      return connect_stage::tcp;
    }
    default: return connect_stage::startup;
  }
}

const char* stage_words(connect_stage s) {
  switch (s) {
    case connect_stage::resolve: return "resolving the host";
    case connect_stage::tcp: return "TCP connect";
    case connect_stage::tls: return "TLS handshake";
    case connect_stage::startup: return "startup and authentication";
  }
  return "";
}

/// What of libpq's error text a person needs: the line with the server's
/// error when there is one (not VERBOSE's extra lines), else every line but
/// the indented hints.
std::string error_text(std::string_view text, std::string_view sqlstate) {
  std::string out;
  const std::string marker = ":  " + std::string(sqlstate) + ": ";
  while (!text.empty()) {
    auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    if (!line.empty() && line.front() != '\t' && line.front() != ' ') {
      if (!sqlstate.empty() && line.find(marker) != std::string_view::npos) return std::string(line);
      out += (out.empty() ? "" : " ") + std::string(line);
    }
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

std::string tls_of(PGconn* c) {
  if (!PQsslInUse(c)) return "none";
  const char* protocol = PQsslAttribute(c, "protocol");
  const char* cipher = PQsslAttribute(c, "cipher");
  return std::string(protocol ? protocol : "TLS") + (cipher ? std::string(" ") + cipher : "");
}

}  // namespace

struct session::impl {
  std::unique_ptr<pqxx::connection_base> conn;
  watchdog dog;
  std::string begin_sql;  // what reopens the open transaction; empty: none is open
  struct statement {
    std::string server_name;
    std::string sql;
  };
  std::map<std::string, statement> prepared;  // by the caller's name
  PGconn* pg = nullptr;  // conn's libpq handle; valid only while conn is open

  /// The libpq handle when the connection is open, else nullptr.
  PGconn* open_pg() const { return conn && conn->is_open() ? pg : nullptr; }
};

std::string prepare_if_missing_sql(const std::string& name, const std::string& sql,
                                   const std::function<std::string(const std::string&)>& literal) {
  std::string ident = "\"";
  for (char c : name) ident += c == '"' ? std::string("\"\"") : std::string(1, c);
  ident += '"';
  return "DO " + literal("BEGIN IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_prepared_statements WHERE name = " +
                         literal(name) + ") THEN EXECUTE " + literal("PREPARE " + ident + " AS " + sql) +
                         "; END IF; END");
}

std::string unique_statement_name() {
  static const auto process = std::random_device{}();
  static std::atomic<std::uint64_t> serial{0};
  char buf[64];
  std::snprintf(buf, sizeof buf, "cutover_%08x_%llu", process,
                static_cast<unsigned long long>(serial.fetch_add(1, std::memory_order_relaxed)));
  return buf;
}

session::session(pg_endpoint endpoint, session_options options)
    : endpoint_(std::move(endpoint)), options_(std::move(options)), impl_(std::make_unique<impl>()) {}

session::~session() = default;

bool session::connected() const noexcept { return impl_->conn && impl_->conn->is_open(); }

void session::close() noexcept {
  try {
    if (impl_->conn) impl_->conn->disconnect();
  } catch (...) {
  }
  impl_->conn.reset();
  impl_->begin_sql.clear();
  impl_->prepared.clear();
}

probe_result open_connection(const pg_endpoint& endpoint, std::chrono::milliseconds timeout, PGconn*& out) {
  out = nullptr;
  const auto deadline = clock::now() + timeout;
  const auto what = "connect " + endpoint.display();
  PGconn* c = PQconnectStart(endpoint.conninfo(timeout).c_str());
  if (!c) return probe_result::failure(outcome::error, what + ": libpq could not allocate a connection");
  struct finisher {
    PGconn*& c;
    ~finisher() {
      if (c) PQfinish(c);
    }
  } finish{c};
  // Set before any server message is read, so that libpq writes the server's
  // SQLSTATE into the error text (the one place it keeps it after a failure).
  PQsetErrorVerbosity(c, PQERRORS_VERBOSE);
  ConnStatusType status = PQstatus(c);
  auto polling = status == CONNECTION_BAD ? PGRES_POLLING_FAILED : PGRES_POLLING_WRITING;
  while (polling != PGRES_POLLING_OK && polling != PGRES_POLLING_FAILED) {
    // The socket, and the stop request (SIGINT/SIGTERM) beside it.
    pollfd p[2] = {{PQsocket(c), static_cast<short>(polling == PGRES_POLLING_READING ? POLLIN : POLLOUT), 0},
                   {stop_fd(), POLLIN, 0}};
    int n = 0;
    do {
      if (stop_requested()) return probe_result::failure(outcome::skipped, what + ": interrupted by a signal");
      auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now()).count();
      n = left <= 0 ? 0 : ::poll(p, p[1].fd >= 0 ? 2 : 1, static_cast<int>(left));
    } while (n < 0 && errno == EINTR);
    if (n > 0 && p[1].fd >= 0 && p[1].revents)
      return probe_result::failure(outcome::skipped, what + ": interrupted by a signal");
    if (n == 0)
      return probe_result::failure(outcome::timeout, what + ": no answer within " +
                                                         std::to_string(timeout.count()) + " ms (" +
                                                         stage_words(stage_of(PQstatus(c), endpoint)) + ")");
    status = PQstatus(c);
    polling = PQconnectPoll(c);
  }
  if (polling == PGRES_POLLING_FAILED) {
    std::string_view text = PQerrorMessage(c);
    auto code = sqlstate_in(text);
    bool password_missing = PQconnectionNeedsPassword(c) != 0;
    auto o = classify_connect(code, stage_of(status, endpoint), password_missing, PQconnectionUsedPassword(c) != 0);
    std::string detail = one_line(error_text(text, code));
    if (o == outcome::tls_failed)
      detail = "TLS failed (sslmode=" + endpoint.sslmode +
               (endpoint.sslrootcert.empty() ? "" : ", sslrootcert=" + endpoint.sslrootcert) + "): " + detail;
    else if (code.empty() && password_missing)
      detail = "the server asks for a password and none is configured: " + detail;
    return probe_result::failure(o, what + ": " + detail);
  }
  out = std::exchange(c, nullptr);
  return {};
}

probe_result session::connect() {
  close();
  PGconn* c = nullptr;
  if (auto r = open_connection(endpoint_, options_.connect_timeout, c); !r.ok()) return r;
  const auto what = "connect " + endpoint_.display();
  tls_ = tls_of(c);
  try {
    impl_->pg = c;
    impl_->conn = std::make_unique<adopted_connection>(std::exchange(c, nullptr));
  } catch (const std::exception& e) {
    impl_->conn.reset();
    return probe_result::failure(outcome::reset, what + ": " + one_line(e.what()));
  }
  return {};
}

/// The failure of a statement the watchdog cut for another reason than its
/// deadline: a stop request, or a reply too large.
static std::optional<probe_result> cut_short(const watchdog& dog, std::string_view what) {
  if (!dog.fired()) return std::nullopt;
  if (dog.oversized())
    return probe_result::failure(outcome::protocol_error, std::string(what) + ": the reply exceeded " +
                                                              std::to_string(max_statement_bytes >> 20) + " MiB");
  if (stop_requested()) return probe_result::failure(outcome::skipped, std::string(what) + ": interrupted by a signal");
  return std::nullopt;
}

template <typename F>
static probe_result guarded(std::unique_ptr<pqxx::connection_base>& conn, watchdog& dog, std::chrono::milliseconds timeout,
                            std::string_view what, F&& f) {
  if (!conn || !conn->is_open()) return probe_result::failure(outcome::reset, std::string(what) + ": not connected");
  dog.arm(conn->sock(), client_deadline(timeout));
  try {
    f();
    dog.disarm();
    if (dog.fired()) {
      // The answer raced the watchdog: the result is good, the socket is not.
      probe_result r;
      r.connection_usable = false;
      return r;
    }
    return {};
  } catch (const pqxx::broken_connection& e) {
    dog.disarm();
    if (auto cut = cut_short(dog, what)) {
      conn.reset();
      return *cut;
    }
    auto o = dog.fired() ? outcome::timeout : outcome::reset;
    auto msg = dog.fired() ? std::string(what) + ": no answer within " + std::to_string(timeout.count()) + " ms"
                           : std::string(what) + ": " + one_line(e.what());
    conn.reset();
    return probe_result::failure(o, msg, false);
  } catch (const pqxx::sql_error& e) {
    dog.disarm();
    if (auto cut = cut_short(dog, what)) {
      conn.reset();
      return *cut;
    }
    bool open = conn->is_open();
    auto o = dog.fired() ? outcome::timeout : classify(e.sqlstate());
    // An error without a SQLSTATE on a connection that closed is the connection's loss.
    if (!dog.fired() && !open && o == outcome::error) o = outcome::reset;
    bool usable = !dog.fired() && open && o != outcome::reset;
    return probe_result::failure(o, std::string(what) + ": " + one_line(e.what()), usable);
  } catch (const std::exception& e) {
    dog.disarm();
    if (auto cut = cut_short(dog, what)) {
      conn.reset();
      return *cut;
    }
    auto o = dog.fired() ? outcome::timeout : conn->is_open() ? outcome::error : outcome::reset;
    auto msg = dog.fired() ? std::string(what) + ": no answer within " + std::to_string(timeout.count()) + " ms"
                           : std::string(what) + ": " + one_line(e.what());
    conn.reset();
    return probe_result::failure(o, msg, false);
  }
}

probe_result session::exec(std::string_view sql, rows* out) {
  return settle(guarded(impl_->conn, impl_->dog, options_.statement_timeout, "query", [&] {
    pqxx::nontransaction tx(*impl_->conn);
    last_rows_ = to_rows(tx.exec(std::string(sql)), out);
  }));
}

namespace {
auto as_params(const std::vector<const char*>& v) {
  return pqxx::prepare::make_dynamic_params(v.begin(), v.end());
}
std::vector<const char*> raw(const std::vector<std::optional<std::string>>& params) {
  std::vector<const char*> v;
  v.reserve(params.size());
  for (const auto& p : params) v.push_back(p ? p->c_str() : nullptr);
  return v;
}
}  // namespace

probe_result session::exec_params(std::string_view sql, const std::vector<std::optional<std::string>>& params,
                                  rows* out) {
  return settle(guarded(impl_->conn, impl_->dog, options_.statement_timeout, "query", [&] {
    pqxx::nontransaction tx(*impl_->conn);
    auto v = raw(params);
    last_rows_ = to_rows(tx.exec_params(std::string(sql), as_params(v)), out);
  }));
}

void session::prepare(const std::string& name, const std::string& sql) {
  if (!impl_->conn) return;
  auto& st = impl_->prepared[name];
  st = {unique_statement_name(), sql};
  impl_->conn->prepare(st.server_name, sql);
}

probe_result session::exec_prepared(const std::string& name, const std::vector<std::optional<std::string>>& params,
                                    rows* out) {
  if (!connected()) return probe_result::failure(outcome::reset, "prepared query: not connected");
  auto it = impl_->prepared.find(name);
  if (it == impl_->prepared.end())
    return probe_result::failure(outcome::error, "prepared query: no statement '" + name + "' was prepared", true);
  auto& st = it->second;
  const auto v = raw(params);
  // The measured path: libpq itself, as pgbench does. libpqxx's transaction
  // and result objects cost ~2 us a statement, ~8% of a loopback SELECT 1
  // (bench/peers). Failures are thrown as libpqxx's exceptions, so guarded()
  // judges them as it judges every other statement's; only a statement this
  // server connection lacks (26000, 42P05: a pooler) goes on to the libpqxx
  // path below, which prepares it again.
  if (PGconn* pg = impl_->open_pg(); pg && !out && !in_transaction()) {
    bool done = true;
    auto r = guarded(impl_->conn, impl_->dog, options_.statement_timeout, "prepared query", [&] {
      PGresult* res = PQexecPrepared(pg, st.server_name.c_str(), static_cast<int>(v.size()), v.data(), nullptr, nullptr, 0);
      const std::unique_ptr<PGresult, decltype(&PQclear)> owned(res, &PQclear);
      const auto status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
      if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
        last_rows_ = static_cast<std::size_t>(PQntuples(res));
        return;
      }
      const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
      if (state && (std::string_view(state) == "26000" || std::string_view(state) == "42P05")) {
        done = false;
        return;
      }
      const std::string message = res ? PQresultErrorMessage(res) : PQerrorMessage(pg);
      if (!state && PQstatus(pg) != CONNECTION_OK) throw pqxx::broken_connection(message);
      throw pqxx::sql_error(message, st.sql, state);
    });
    if (done) return r;
  }
  auto run = [&](pqxx::nontransaction& tx) {
    last_rows_ = to_rows(params.empty() ? tx.exec_prepared(st.server_name)
                                        : tx.exec_prepared(st.server_name, as_params(v)),
                         out);
  };
  return settle(guarded(impl_->conn, impl_->dog, options_.statement_timeout, "prepared query", [&] {
    for (int attempt = 0;; ++attempt) {
      std::string state;
      try {
        pqxx::nontransaction tx(*impl_->conn);
        run(tx);
        return;
      } catch (const pqxx::sql_error& e) {
        // Inside begin()'s transaction the statement cannot have moved: a real error.
        state = e.sqlstate();
        if (attempt == 2 || in_transaction() || (state != "26000" && state != "42P05")) throw;
      }
      if (state == "42P05") {
        // The name is taken on this server connection (another client's): a fresh one.
        st.server_name = unique_statement_name();
        impl_->conn->prepare(st.server_name, st.sql);
        continue;
      }
      // 26000: this server connection lacks it (a transaction pooler moved us).
      // Prepared (unless there already) and run in one transaction, so both
      // land on the same server connection; it keeps the statement, as the
      // session keeps the name, so each server connection needs this once.
      pqxx::nontransaction tx(*impl_->conn);
      auto literal = [&](const std::string& s) { return impl_->conn->quote(s); };
      tx.exec("BEGIN; " + prepare_if_missing_sql(st.server_name, st.sql, literal));
      try {
        run(tx);
      } catch (...) {
        tx.exec("ROLLBACK");
        throw;
      }
      tx.exec("COMMIT");
      return;
    }
  }));
}

const std::vector<setting>& read_settings() {
  static const std::vector<setting> s{{"search_path", "pg_catalog"}, {"TimeZone", "UTC"},
                                      {"DateStyle", "ISO, YMD"},     {"IntervalStyle", "iso_8601"},
                                      {"extra_float_digits", "3"},   {"bytea_output", "hex"},
                                      {"lc_monetary", "C"}};
  return s;
}

probe_result session::begin(const std::vector<setting>& settings) {
  if (!connected()) return probe_result::failure(outcome::reset, "begin: not connected");
  // SET LOCAL ends with the transaction, so a transaction pooler hands the
  // server connection on as it found it. statement_timeout first: it bounds the rest.
  std::string pins;
  auto pin = [&](std::string_view name, std::string_view value) {
    pins += "SET LOCAL " + impl_->conn->quote_name(std::string(name)) +
            (value == "DEFAULT" ? std::string(" TO DEFAULT") : " = " + impl_->conn->quote(std::string(value))) + "; ";
  };
  const bool open = in_transaction();
  if (!open) pin("statement_timeout", std::to_string(options_.statement_timeout.count()));
  for (const auto& s : settings) pin(s.name, s.value);
  const std::string sql = open ? pins : "BEGIN READ ONLY; " + pins;
  auto r = guarded(impl_->conn, impl_->dog, options_.statement_timeout, "begin", [&] {
    pqxx::nontransaction tx(*impl_->conn);
    tx.exec(sql);
  });
  if (!r.ok()) {
    if (open) {
      settle(r);
    } else if (connected()) {
      impl_->begin_sql = sql;  // BEGIN may have run before a setting failed
      end();
    }
    return r;
  }
  impl_->begin_sql = open ? impl_->begin_sql + pins : sql;
  return r;
}

void session::end() noexcept {
  if (!in_transaction()) return;
  impl_->begin_sql.clear();
  if (!connected()) return;
  auto r = guarded(impl_->conn, impl_->dog, options_.statement_timeout, "rollback", [&] {
    pqxx::nontransaction tx(*impl_->conn);
    tx.exec("ROLLBACK");
  });
  // A connection that could not end it must not be used (or pooled) with it open.
  if (!r.ok()) close();
}

bool session::in_transaction() const noexcept { return !impl_->begin_sql.empty(); }

probe_result session::settle(probe_result r) {
  if (r.ok() || !in_transaction()) return r;
  if (!connected()) {
    impl_->begin_sql.clear();
    return r;
  }
  // The failed statement aborted the transaction: reopen it with the same pins.
  const std::string sql = "ROLLBACK; " + impl_->begin_sql;
  auto again = guarded(impl_->conn, impl_->dog, options_.statement_timeout, "begin", [&] {
    pqxx::nontransaction tx(*impl_->conn);
    tx.exec(sql);
  });
  if (!again.ok()) close();
  return r;
}

read_transaction::read_transaction(session& s, const std::vector<setting>& settings)
    : s_(s), opened_(!s.in_transaction()), status_(s.begin(settings)) {
  if (!status_.ok()) opened_ = false;
}

read_transaction::~read_transaction() {
  if (opened_) s_.end();
}

path_fingerprint session::fingerprint() {
  path_fingerprint f;
  f.endpoint = endpoint_.host + ":" + std::to_string(endpoint_.port);
  f.path = options_.path;
  if (!connected()) return f;
  rows r;
  if (exec("SELECT current_setting('server_version'), coalesce(host(inet_server_addr()) || ':' || "
           "inet_server_port(), 'unix'), coalesce(host(inet_client_addr()), 'unix')",
           &r)
          .ok() &&
      !r.empty()) {
    f.server_version = "PostgreSQL " + r[0][0].value_or("");
    f.server_addr = r[0][1].value_or("");
    f.client_addr = r[0][2].value_or("");
  }
  f.resolved = peer_address(impl_->conn->sock());
  f.tls = tls_;
  return f;
}

}  // namespace cutover::pg
