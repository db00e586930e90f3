#include "redis/async_driver.hpp"

#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/event_driver.hpp"
#include "core/interrupt.hpp"
#include "core/secret.hpp"

namespace cutover::redis {
namespace {

using clock = std::chrono::steady_clock;

/// No PING needs a reply this large; a server streaming more is broken.
constexpr std::size_t max_reply_bytes = 64u << 20;
/// PING as hiredis would format it (a multi-bulk, like redis-benchmark's PING_MBULK).
constexpr std::string_view ping_command = "*1\r\n$4\r\nPING\r\n";

/// A socket error classified as the client classifies hiredis's: I/O with errno.
outcome from_errno(int e) noexcept { return classify(REDIS_ERR_IO, e); }

class ping_driver final : public event_driver {
public:
  ping_driver(const redis_endpoint& endpoint, const client_options& options, int connections)
      : timeout_(options.command_timeout), epoll_(open_event_loop("redis")) {
    conns_.reserve(static_cast<std::size_t>(connections));
    for (int i = 0; i < connections; ++i) conns_.push_back(std::make_unique<conn>(endpoint, options));
  }
  ~ping_driver() override {
    for (auto& c : conns_) drop(*c);
    ::close(epoll_);
  }
  ping_driver(const ping_driver&) = delete;
  ping_driver& operator=(const ping_driver&) = delete;

  std::size_t connections() const noexcept override { return conns_.size(); }

  probe_result open(std::size_t i) override {
    auto& c = *conns_.at(i);
    drop(c);
    c.why_closed.clear();
    auto r = c.cl.connect();
    if (!r.ok()) return r;
    c.fd = c.cl.native_handle();
    const int flags = ::fcntl(c.fd, F_GETFL);
    c.reader = redisReaderCreate();
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    if (flags < 0 || ::fcntl(c.fd, F_SETFL, flags | O_NONBLOCK) != 0 || !c.reader ||
        ::epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &ev) != 0) {
      const int e = errno;
      drop(c);
      return probe_result::failure(outcome::error, std::string("PING: cannot watch the connection: ") + std::strerror(e));
    }
    return {};
  }

  void send(std::size_t i) override {
    auto& c = *conns_.at(i);
    if (c.fd < 0) {
      ready_.emplace_back(i, probe_result::failure(c.why_closed.empty() ? outcome::reset : outcome::protocol_error,
                                                   c.why_closed.empty() ? "PING: not connected" : c.why_closed));
      return;
    }
    c.busy = true;
    c.deadline = clock::now() + timeout_;
    c.read_bytes = 0;
    c.out_left = ping_command.size();
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
    conn(const redis_endpoint& e, const client_options& o) : cl(e, o) {}
    client cl;
    int fd = -1;
    redisReader* reader = nullptr;
    bool busy = false;
    bool writing = false;  // EPOLLOUT is watched
    std::size_t out_left = 0;
    std::size_t read_bytes = 0;
    clock::time_point deadline{};
    std::string why_closed;  // a protocol fault found while no operation was in flight
  };

  void drop(conn& c) {
    if (c.fd >= 0) ::epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
    c.cl.close();
    c.fd = -1;
    if (c.reader) redisReaderFree(c.reader);
    c.reader = nullptr;
    c.busy = false;
    c.writing = false;
  }

  /// Ends connection i's operation in failure and drops the connection.
  void fail(std::size_t i, conn& c, outcome o, std::string msg) {
    if (c.busy) ready_.emplace_back(i, probe_result::failure(o, std::move(msg), false));
    else c.why_closed = std::move(msg);
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
    while (c.out_left > 0) {
      const auto off = ping_command.size() - c.out_left;
      const auto n = ::send(c.fd, ping_command.data() + off, c.out_left, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        c.out_left -= static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return watch_write(i, c, true);
      const int e = n < 0 ? errno : EPIPE;
      return fail(i, c, from_errno(e), std::string("PING: send: ") + std::strerror(e));
    }
    watch_write(i, c, false);
  }

  void read(std::size_t i, conn& c) {
    for (;;) {
      const auto n = ::recv(c.fd, buf_, sizeof buf_, MSG_DONTWAIT);
      if (n == 0) return fail(i, c, classify(REDIS_ERR_EOF, 0), "PING: the server closed the connection");
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        const int e = errno;
        return fail(i, c, from_errno(e), std::string("PING: ") + std::strerror(e));
      }
      if (!c.busy) return fail(i, c, outcome::protocol_error, "PING: the server sent data nobody asked for");
      c.read_bytes += static_cast<std::size_t>(n);
      if (c.read_bytes > max_reply_bytes)
        return fail(i, c, outcome::protocol_error,
                    "PING: reply larger than " + std::to_string(max_reply_bytes >> 20) + " MiB");
      void* raw = nullptr;
      if (redisReaderFeed(c.reader, buf_, static_cast<std::size_t>(n)) != REDIS_OK ||
          redisReaderGetReply(c.reader, &raw) != REDIS_OK)
        return fail(i, c, classify(c.reader->err, 0), std::string("PING: ") + scrub(c.reader->errstr));
      if (raw) return finish(i, c, static_cast<redisReply*>(raw));
      if (static_cast<std::size_t>(n) < sizeof buf_) return;  // drained; epoll says when more comes
    }
  }

  void finish(std::size_t i, conn& c, redisReply* r) {
    const std::string_view text = r->str ? std::string_view(r->str, r->len) : std::string_view();
    probe_result res;
    if (r->type == REDIS_REPLY_ERROR)
      res = probe_result::failure(classify_reply(text), scrub(text), true);
    else if ((r->type != REDIS_REPLY_STATUS && r->type != REDIS_REPLY_STRING) || text != "PONG")
      res = probe_result::failure(outcome::check_failed, "PING answered " + scrub(text), true);
    freeReplyObject(r);
    c.busy = false;
    if (c.reader->pos < c.reader->len) {
      // More than one reply to one command: the stream is out of step.
      ready_.emplace_back(i, probe_result::failure(outcome::protocol_error, "PING: more than one reply", false));
      return drop(c);
    }
    ready_.emplace_back(i, std::move(res));
  }

  void poll(clock::time_point until) {
    auto limit = until;
    for (const auto& c : conns_)
      if (c->busy) limit = std::min(limit, c->deadline);
    epoll_event events[64];
    const int n = wait_for_events(epoll_, events, 64, limit);
    for (int k = 0; k < n; ++k) {
      const auto key = events[k].data.u64;
      if (key == stop_event_key) {
        if (!own_stop_request(epoll_)) continue;
        for (std::size_t i = 0; i < conns_.size(); ++i)
          if (conns_[i]->busy) fail(i, *conns_[i], outcome::skipped, "PING: interrupted by a signal");
        continue;
      }
      auto& c = *conns_.at(key);
      if (c.fd < 0) continue;
      if ((events[k].events & EPOLLOUT) && c.out_left > 0) flush(key, c);
      if (c.fd >= 0 && (events[k].events & (EPOLLIN | EPOLLERR | EPOLLHUP))) read(key, c);
    }
    const auto now = clock::now();
    for (std::size_t i = 0; i < conns_.size(); ++i)
      if (auto& c = *conns_[i]; c.busy && now >= c.deadline)
        fail(i, c, outcome::timeout, "PING: no complete reply within " + std::to_string(timeout_.count()) + " ms");
  }

  std::chrono::milliseconds timeout_;
  int epoll_;
  std::vector<std::unique_ptr<conn>> conns_;
  std::vector<std::pair<std::size_t, probe_result>> ready_;
  char buf_[16384];
};

}  // namespace

bool has_event_driver(workload w) noexcept { return w == workload::ping; }

std::unique_ptr<event_driver> make_event_driver(workload w, const redis_endpoint& endpoint,
                                                const client_options& options, int connections) {
  if (!has_event_driver(w) || connections <= 0) return nullptr;
  return std::make_unique<ping_driver>(endpoint, options, connections);
}

}  // namespace cutover::redis
