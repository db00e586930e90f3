#include "pg/async_driver.hpp"

#include <libpq-fe.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/event_driver.hpp"
#include "core/interrupt.hpp"
#include "core/peer.hpp"
#include "core/secret.hpp"

namespace cutover::pg {
namespace {

using clock = std::chrono::steady_clock;

/// A statement name as an SQL identifier (unique_statement_name() makes only [a-z0-9_]).
std::string as_identifier(const std::string& name) { return '"' + name + '"'; }

/// A string literal (standard_conforming_strings; our names and SQL have no backslash).
std::string literal(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

std::string one_line(std::string_view s) {
  std::string out;
  for (char c : s) out += (c == '\n' || c == '\r') ? ' ' : c;
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return scrub(out);
}

/// The outcome of one result: rows (when `want_rows`) or a completed
/// command, else the server's error.
probe_result judge(PGconn* conn, PGresult* res, bool want_rows) {
  const auto st = PQresultStatus(res);
  if (st == PGRES_TUPLES_OK || (st == PGRES_COMMAND_OK && !want_rows))
    return !want_rows || PQntuples(res) > 0 ? probe_result{}
                                            : probe_result::failure(outcome::check_failed, "query returned no rows", true);
  const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
  const std::string msg = PQresultErrorMessage(res);
  auto o = classify(state ? state : "");
  // An error without a SQLSTATE on a connection that closed is the connection's loss.
  if (o == outcome::error && PQstatus(conn) != CONNECTION_OK) o = outcome::reset;
  return probe_result::failure(o, "query: " + one_line(msg), PQstatus(conn) == CONNECTION_OK && o != outcome::reset);
}

class select1_driver final : public event_driver {
public:
  select1_driver(const pg_endpoint& endpoint, const session_options& options, int connections)
      : endpoint_(endpoint),
        connect_timeout_(options.connect_timeout),
        deadline_(client_deadline(options.statement_timeout)),
        epoll_(open_event_loop("pg")),
        conns_(static_cast<std::size_t>(connections)) {
  }
  ~select1_driver() override {
    for (auto& c : conns_) drop(c);
    ::close(epoll_);
  }
  select1_driver(const select1_driver&) = delete;
  select1_driver& operator=(const select1_driver&) = delete;

  std::size_t connections() const noexcept override { return conns_.size(); }

  probe_result open(std::size_t i) override {
    auto& c = conns_.at(i);
    drop(c);
    // pg::session's connect: one deadline, outcomes from SQLSTATE and the stage.
    if (auto r = open_connection(endpoint_, connect_timeout_, c.pg); !r.ok()) return r;
    // No session SET: behind a transaction pooler it would stay on the server
    // connection for the next client. SELECT 1 needs no setting, and every
    // operation has its client-side deadline.
    // A name no other client uses; one taken anyway on this server connection (42P05): another.
    std::string state;
    c.name = unique_statement_name();
    auto r = exec_blocking(c, [&] { return PQsendPrepare(c.pg, c.name.c_str(), "SELECT 1", 0, nullptr); }, &state);
    if (!r.ok() && state == "42P05") {
      c.name = unique_statement_name();
      r = exec_blocking(c, [&] { return PQsendPrepare(c.pg, c.name.c_str(), "SELECT 1", 0, nullptr); });
    }
    if (!r.ok()) {
      drop(c);
      r.connection_usable = false;
      return r;
    }
    c.fd = PQsocket(c.pg);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    if (c.fd < 0 || PQsetnonblocking(c.pg, 1) != 0 || ::epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &ev) != 0) {
      const int e = errno;
      drop(c);
      return probe_result::failure(outcome::error, std::string("query: cannot watch the connection: ") + std::strerror(e));
    }
    return {};
  }

  void send(std::size_t i) override {
    auto& c = conns_.at(i);
    if (!c.pg || c.fd < 0) {
      ready_.emplace_back(i, probe_result::failure(outcome::reset, "query: not connected"));
      return;
    }
    c.busy = true;
    c.result.reset();
    c.deadline = clock::now() + deadline_;
    c.baseline = bytes_received(c.fd);
    c.recovering = false;
    c.missing.clear();
    if (PQsendQueryPrepared(c.pg, c.name.c_str(), 0, nullptr, nullptr, nullptr, 0) != 1)
      return fail(i, c, outcome::reset, "query: " + one_line(PQerrorMessage(c.pg)));
    flush(i, c);
  }

  void wait(clock::time_point until, const completion& done) override {
    if (ready_.empty()) poll(until);
    auto batch = std::exchange(ready_, {});
    for (auto& [i, r] : batch) done(i, std::move(r));
    batch.clear();
    if (ready_.empty()) ready_.swap(batch);  // keep the storage
  }

private:
  struct conn {
    PGconn* pg = nullptr;
    int fd = -1;
    bool busy = false;
    bool writing = false;
    std::optional<probe_result> result;  // the first result of the operation in flight
    std::string name;                     // its prepared statement's name on the server
    std::string missing;                  // 26000/42P05 from this operation: re-prepare and run again
    bool recovering = false;              // running the statement again after `missing`
    std::uint64_t baseline = 0;           // bytes received when it was sent
    clock::time_point deadline{};
  };

  /// Runs one setup statement on a blocking connection under the statement
  /// deadline (poll, so a black hole or a stop request ends it).
  template <typename Send>
  probe_result exec_blocking(conn& c, Send&& send_it, std::string* state = nullptr) {
    if (send_it() != 1) return probe_result::failure(outcome::reset, "query: " + one_line(PQerrorMessage(c.pg)));
    const auto deadline = clock::now() + deadline_;
    probe_result out;
    bool got = false;
    for (;;) {
      while (!PQisBusy(c.pg)) {
        PGresult* res = PQgetResult(c.pg);
        if (!res) return got ? out : probe_result{};
        if (!got || out.ok()) {
          out = judge(c.pg, res, false);
          if (const char* s = PQresultErrorField(res, PG_DIAG_SQLSTATE); s && state) *state = s;
        }
        got = true;
        PQclear(res);
      }
      pollfd p[2] = {{PQsocket(c.pg), POLLIN, 0}, {stop_fd(), POLLIN, 0}};
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now()).count();
      if (left <= 0) return probe_result::failure(outcome::timeout, "query: no answer within " + std::to_string(deadline_.count()) + " ms");
      if (stop_requested()) return probe_result::failure(outcome::skipped, "query: interrupted by a signal");
      const int n = ::poll(p, p[1].fd >= 0 ? 2 : 1, static_cast<int>(std::min<long long>(left, 1000)));
      if (n < 0 && errno != EINTR) return probe_result::failure(outcome::error, std::string("query: poll: ") + std::strerror(errno));
      if (n > 0 && p[0].revents && PQconsumeInput(c.pg) != 1)
        return probe_result::failure(outcome::reset, "query: " + one_line(PQerrorMessage(c.pg)));
    }
  }

  void drop(conn& c) {
    if (c.fd >= 0) ::epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
    if (c.pg) PQfinish(c.pg);
    c.pg = nullptr;
    c.fd = -1;
    c.busy = false;
    c.writing = false;
  }

  void fail(std::size_t i, conn& c, outcome o, std::string msg) {
    if (c.busy) ready_.emplace_back(i, probe_result::failure(o, std::move(msg), false));
    drop(c);
  }

  void watch_write(std::size_t i, conn& c, bool on) {
    if (c.writing == on) return;
    epoll_event ev{};
    ev.events = EPOLLIN | (on ? EPOLLOUT : 0u);
    ev.data.u64 = i;
    ::epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &ev);
    c.writing = on;
  }

  void flush(std::size_t i, conn& c) {
    const int f = PQflush(c.pg);
    if (f < 0) return fail(i, c, outcome::reset, "query: " + one_line(PQerrorMessage(c.pg)));
    watch_write(i, c, f == 1);
  }

  void read(std::size_t i, conn& c) {
    if (PQconsumeInput(c.pg) != 1) return fail(i, c, outcome::reset, "query: " + one_line(PQerrorMessage(c.pg)));
    if (!c.busy) return;  // a notice or a parameter status between operations
    if (bytes_received(c.fd) > c.baseline + max_statement_bytes)
      return fail(i, c, outcome::protocol_error,
                  "query: the reply exceeded " + std::to_string(max_statement_bytes >> 20) + " MiB");
    while (!PQisBusy(c.pg)) {
      PGresult* res = PQgetResult(c.pg);
      if (!res) {
        // ReadyForQuery: the operation is complete, unless a transaction
        // pooler moved it to a server connection without the statement
        // (26000) or with another client's of that name (42P05): prepared
        // there unless present and run, in one message, which lands on one
        // server connection; it keeps the statement, so this happens at most
        // once per server connection (the name stays, so nothing piles up).
        if (!c.missing.empty() && !c.recovering) {
          if (c.missing == "42P05") c.name = unique_statement_name();
          c.recovering = true;
          c.result.reset();
          const auto again = prepare_if_missing_sql(c.name, "SELECT 1", literal) + "; EXECUTE " + as_identifier(c.name);
          if (PQsendQuery(c.pg, again.c_str()) != 1) return fail(i, c, outcome::reset, "query: " + one_line(PQerrorMessage(c.pg)));
          return flush(i, c);
        }
        c.busy = false;
        ready_.emplace_back(i, c.result ? std::move(*c.result) : probe_result::failure(outcome::protocol_error, "query: no result"));
        if (PQstatus(c.pg) != CONNECTION_OK) drop(c);
        return;
      }
      const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
      if (state && !c.recovering && (std::strcmp(state, "26000") == 0 || std::strcmp(state, "42P05") == 0)) {
        c.missing = state;
      } else if (!(c.recovering && PQresultStatus(res) == PGRES_COMMAND_OK) && (!c.result || c.result->ok())) {
        c.result = judge(c.pg, res, true);  // (the PREPARE of a recovery completes without rows)
      }
      PQclear(res);
    }
  }

  void poll(clock::time_point until) {
    auto limit = until;
    for (const auto& c : conns_)
      if (c.busy) limit = std::min(limit, c.deadline);
    epoll_event events[64];
    const int n = wait_for_events(epoll_, events, 64, limit);
    for (int k = 0; k < n; ++k) {
      const auto key = events[k].data.u64;
      if (key == stop_event_key) {
        if (!own_stop_request(epoll_)) continue;
        for (std::size_t i = 0; i < conns_.size(); ++i)
          if (conns_[i].busy) fail(i, conns_[i], outcome::skipped, "query: interrupted by a signal");
        continue;
      }
      auto& c = conns_.at(key);
      if (!c.pg) continue;
      if ((events[k].events & EPOLLOUT) && c.writing) flush(key, c);
      if (c.pg && (events[k].events & (EPOLLIN | EPOLLERR | EPOLLHUP))) read(key, c);
    }
    const auto now = clock::now();
    for (std::size_t i = 0; i < conns_.size(); ++i)
      if (auto& c = conns_[i]; c.busy && now >= c.deadline)
        fail(i, c, outcome::timeout, "query: no answer within " + std::to_string(deadline_.count()) + " ms");
  }

  pg_endpoint endpoint_;
  std::chrono::milliseconds connect_timeout_;
  std::chrono::milliseconds deadline_;
  int epoll_;
  std::vector<conn> conns_;
  std::vector<std::pair<std::size_t, probe_result>> ready_;
};

}  // namespace

bool has_event_driver(workload w) noexcept { return w == workload::select1; }

std::unique_ptr<event_driver> make_event_driver(workload w, const pg_endpoint& endpoint, const session_options& options,
                                                int connections) {
  if (!has_event_driver(w) || connections <= 0) return nullptr;
  return std::make_unique<select1_driver>(endpoint, options, connections);
}

}  // namespace cutover::pg
