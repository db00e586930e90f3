#include "pg/session.hpp"

#include <linux/tcp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <pqxx/pqxx>
#include <random>
#include <thread>

#include "core/interrupt.hpp"
#include "core/peer.hpp"
#include "core/secret.hpp"

namespace cutover::pg {
namespace {

using clock = std::chrono::steady_clock;

bool contains(std::string_view hay, std::string_view needle) { return hay.find(needle) != std::string_view::npos; }

/// No statement of the harness reads this much (the largest, parity's
/// narrowed buckets, is at most 10 x 32k keys with their hashes, ~17 MB); a
/// server streaming more is broken. It also bounds the deadline: libpq keeps
/// every row it parsed until the statement fails, and discarding them runs
/// after the watchdog fired (measured on an endless result of 11-byte rows:
/// 256 MiB took 1.1-1.8 s in all against a 0.58 s watchdog, 32 MiB 0.5-0.7 s).
constexpr std::uint64_t max_statement_bytes = 32ull << 20;

/// Bytes the socket has received so far (0 when the kernel does not say).
std::uint64_t bytes_received(int fd) {
  tcp_info info{};
  socklen_t len = sizeof info;
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0 ||
      len < offsetof(tcp_info, tcpi_bytes_received) + sizeof info.tcpi_bytes_received)
    return 0;
  return info.tcpi_bytes_received;
}

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

outcome classify(std::string_view m, std::string_view sqlstate) noexcept {
  if (sqlstate == "57014" || contains(m, "statement timeout") || contains(m, "timeout expired") ||
      contains(m, "timed out"))
    return outcome::timeout;
  if (sqlstate.starts_with("28") || contains(m, "password authentication failed") ||
      contains(m, "no password supplied") || contains(m, "authentication failed") ||
      contains(m, "no pg_hba.conf entry"))
    return outcome::auth_failed;
  if (contains(m, "Connection refused")) return outcome::refused;
  if (contains(m, "server closed the connection") || contains(m, "Connection reset") ||
      contains(m, "terminating connection") || contains(m, "Lost connection") || contains(m, "EOF detected") ||
      contains(m, "Broken pipe") || contains(m, "not connected") || contains(m, "no connection to the server") ||
      sqlstate.starts_with("08") || sqlstate == "57P01")
    return outcome::reset;
  if (contains(m, "protocol")) return outcome::protocol_error;
  return outcome::error;
}

struct session::impl {
  std::unique_ptr<pqxx::connection> conn;
  watchdog dog;
  std::string begin_sql;  // what reopens the open transaction; empty: none is open
  struct statement {
    std::string server_name;
    std::string sql;
  };
  std::map<std::string, statement> prepared;  // by the caller's name
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

probe_result session::connect() {
  close();
  try {
    impl_->conn = std::make_unique<pqxx::connection>(endpoint_.conninfo(options_.connect_timeout));
  } catch (const std::exception& e) {
    impl_->conn.reset();
    return probe_result::failure(classify(e.what()), "connect " + endpoint_.display() + ": " + one_line(e.what()));
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
static probe_result guarded(std::unique_ptr<pqxx::connection>& conn, watchdog& dog, std::chrono::milliseconds timeout,
                            std::string_view what, F&& f) {
  if (!conn || !conn->is_open()) return probe_result::failure(outcome::reset, std::string(what) + ": not connected");
  // The client-side deadline is a little longer than the server's, so a
  // server that answers gives its own (more precise) timeout error first.
  dog.arm(conn->sock(), timeout + timeout / 4 + std::chrono::milliseconds(200));
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
  } catch (const pqxx::sql_error& e) {
    dog.disarm();
    if (auto cut = cut_short(dog, what)) {
      conn.reset();
      return *cut;
    }
    auto o = dog.fired() ? outcome::timeout : classify(e.what(), e.sqlstate());
    bool usable = !dog.fired() && conn->is_open() && o != outcome::reset;
    return probe_result::failure(o, std::string(what) + ": " + one_line(e.what()), usable);
  } catch (const std::exception& e) {
    dog.disarm();
    if (auto cut = cut_short(dog, what)) {
      conn.reset();
      return *cut;
    }
    auto o = dog.fired() ? outcome::timeout : classify(e.what());
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
  return f;
}

}  // namespace cutover::pg
