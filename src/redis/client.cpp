#include "redis/client.hpp"

#include <hiredis/hiredis.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "core/interrupt.hpp"
#include "core/peer.hpp"
#include "core/secret.hpp"

namespace cutover::redis {
namespace {

using clock = std::chrono::steady_clock;

/// No probe needs a reply this large; a server streaming more is broken.
constexpr std::size_t max_reply_bytes = 64u << 20;

/// How a wait for the socket ended.
enum class wait_end { ready, timeout, interrupted };

/// Waits for `events` on fd until the deadline or a stop request (signal).
wait_end wait_for(int fd, short events, clock::time_point deadline) {
  pollfd p[2] = {{fd, events, 0}, {stop_fd(), POLLIN, 0}};
  for (;;) {
    if (stop_requested()) return wait_end::interrupted;
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now()).count();
    if (left <= 0) return wait_end::timeout;
    int n = ::poll(p, p[1].fd >= 0 ? 2 : 1, static_cast<int>(std::min<long long>(left, 1000)));
    if (n < 0 && errno != EINTR) return wait_end::timeout;
    if (n > 0 && p[1].revents) return wait_end::interrupted;
    if (n > 0 && p[0].revents) return wait_end::ready;
  }
}

timeval to_timeval(std::chrono::milliseconds ms) {
  return timeval{static_cast<time_t>(ms.count() / 1000), static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

void flatten(const redisReply* r, reply& out) {
  switch (r->type) {
    case REDIS_REPLY_STATUS: out.type = reply::kind::status; out.text.assign(r->str, r->len); break;
    case REDIS_REPLY_STRING: out.type = reply::kind::string; out.text.assign(r->str, r->len); break;
    case REDIS_REPLY_ERROR: out.type = reply::kind::error; out.text.assign(r->str, r->len); break;
    case REDIS_REPLY_INTEGER: out.type = reply::kind::integer; out.integer = r->integer; break;
    case REDIS_REPLY_ARRAY:
      out.type = reply::kind::array;
      for (std::size_t i = 0; i < r->elements; ++i) {
        reply e;
        flatten(r->element[i], e);
        if (e.type == reply::kind::array) out.elements.insert(out.elements.end(), e.elements.begin(), e.elements.end());
        else out.elements.push_back(e.type == reply::kind::integer ? std::to_string(e.integer) : e.text);
      }
      break;
    default: out.type = reply::kind::nil;
  }
}

}  // namespace

outcome classify(int err, int saved_errno) noexcept {
  switch (err) {
    case REDIS_ERR_IO:
      switch (saved_errno) {
        // A socket receive/send timeout surfaces as EAGAIN; a connect timeout as ETIMEDOUT.
        case ETIMEDOUT:
        case EAGAIN:
#if EWOULDBLOCK != EAGAIN
        case EWOULDBLOCK:
#endif
        case EINPROGRESS: return outcome::timeout;
        case ECONNREFUSED:
        case EHOSTUNREACH:
        case ENETUNREACH: return outcome::refused;
        case ECONNRESET:
        case ECONNABORTED:
        case EPIPE: return outcome::reset;
        default: return outcome::error;
      }
    case REDIS_ERR_EOF: return outcome::reset;
    case REDIS_ERR_PROTOCOL: return outcome::protocol_error;
#ifdef REDIS_ERR_TIMEOUT
    case REDIS_ERR_TIMEOUT: return outcome::timeout;
#endif
    default: return outcome::error;  // REDIS_ERR_OTHER (e.g. the name does not resolve), REDIS_ERR_OOM
  }
}

outcome classify_reply(std::string_view error_reply) noexcept {
  auto code = error_reply.substr(0, error_reply.find(' '));
  if (code == "NOAUTH" || code == "WRONGPASS") return outcome::auth_failed;
  return outcome::error;
}

struct client::impl {
  redisContext* ctx = nullptr;
  std::vector<const char*> argv;
  std::vector<std::size_t> argl;
  ~impl() { reset(); }
  void reset() {
    if (ctx) redisFree(ctx);
    ctx = nullptr;
  }
  std::chrono::milliseconds timeout{2000};
  char buf[16384];

  /// Drops the connection and returns a failure with this outcome.
  probe_result drop(outcome o, std::string msg) {
    reset();
    return probe_result::failure(o, std::move(msg), false);
  }

  /// Writes what is buffered and reads `n` replies under ONE deadline (the
  /// command timeout from now), not a timeout per read: a server that drips
  /// a byte at a time or streams an endless reply ends as `timeout` or
  /// `protocol_error` within the command timeout, and a stop request
  /// (SIGINT/SIGTERM) ends the wait at once.
  probe_result exchange(std::vector<redisReply*>& replies, std::size_t n, std::string_view what) {
    const auto deadline = clock::now() + timeout;
    const auto timed_out = [&] {
      return drop(outcome::timeout, std::string(what) + ": no complete reply within " +
                                        std::to_string(timeout.count()) + " ms");
    };
    const auto interrupted = [&] { return drop(outcome::skipped, std::string(what) + ": interrupted by a signal"); };
    for (int done = 0; !done;) {
      if (redisBufferWrite(ctx, &done) != REDIS_OK) return fail(what, errno);
      if (done) break;
      if (auto w = wait_for(ctx->fd, POLLOUT, deadline); w != wait_end::ready)
        return w == wait_end::timeout ? timed_out() : interrupted();
    }
    std::size_t read_bytes = 0;
    while (replies.size() < n) {
      void* raw = nullptr;
      if (redisGetReplyFromReader(ctx, &raw) != REDIS_OK) return fail(what, 0);
      if (raw) {
        replies.push_back(static_cast<redisReply*>(raw));
        continue;
      }
      if (auto w = wait_for(ctx->fd, POLLIN, deadline); w != wait_end::ready)
        return w == wait_end::timeout ? timed_out() : interrupted();
      auto got = ::recv(ctx->fd, buf, sizeof buf, MSG_DONTWAIT);
      // Read here rather than by hiredis (one deadline for the whole reply),
      // classified the way hiredis would report it: EOF, or I/O with errno.
      if (got == 0)
        return drop(classify(REDIS_ERR_EOF, 0), std::string(what) + ": the server closed the connection");
      if (got < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
        int e = errno;
        return drop(classify(REDIS_ERR_IO, e), std::string(what) + ": " + std::strerror(e));
      }
      read_bytes += static_cast<std::size_t>(got);
      if (read_bytes > max_reply_bytes)
        return drop(outcome::protocol_error, std::string(what) + ": reply larger than " +
                                                 std::to_string(max_reply_bytes >> 20) + " MiB");
      if (redisReaderFeed(ctx->reader, buf, static_cast<std::size_t>(got)) != REDIS_OK)
        return drop(outcome::protocol_error, std::string(what) + ": cannot buffer the reply");
    }
    return {};
  }

  /// Sends the command in argv/argl and reads its reply.
  probe_result run(reply* out) {
    if (redisAppendCommandArgv(ctx, static_cast<int>(argv.size()), argv.data(), argl.data()) != REDIS_OK)
      return fail("command", errno);
    std::vector<redisReply*> replies;
    if (auto x = exchange(replies, 1, "command"); !x.ok()) return x;
    auto* r = replies.front();
    probe_result result;
    if (r->type == REDIS_REPLY_ERROR) {
      std::string text(r->str, r->len);
      result = probe_result::failure(classify_reply(text), scrub(text), true);
    }
    if (out) {
      *out = reply{};
      flatten(r, *out);
    }
    freeReplyObject(r);
    return result;
  }

  /// Turns a failed context into a result and drops the connection. The
  /// outcome comes from hiredis' err and the errno of the failed call (read
  /// at once by the caller), never from errstr's text.
  probe_result fail(std::string_view what, int saved_errno) {
    if (!ctx) return probe_result::failure(outcome::error, std::string(what) + ": cannot allocate a context", false);
    auto o = classify(ctx->err, saved_errno);
    // A socket timeout shows as EAGAIN, whose text ("Resource temporarily
    // unavailable") says nothing to a reader: say what happened instead.
    std::string msg = o == outcome::timeout ? "no answer within " + std::to_string(timeout.count()) + " ms"
                                            : std::string(ctx->errstr);
    reset();
    return probe_result::failure(o, std::string(what) + ": " + scrub(msg), false);
  }
};

client::client(redis_endpoint endpoint, client_options options)
    : endpoint_(std::move(endpoint)), options_(std::move(options)), impl_(std::make_unique<impl>()) {}

client::~client() = default;

bool client::connected() const noexcept { return impl_->ctx != nullptr && impl_->ctx->err == 0; }

void client::close() noexcept { impl_->reset(); }

int client::native_handle() const noexcept { return impl_->ctx ? impl_->ctx->fd : -1; }

probe_result client::connect() {
  impl_->reset();
  auto tv = to_timeval(options_.connect_timeout);
  impl_->timeout = options_.connect_timeout;
  impl_->ctx = redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port, tv);
  if (!impl_->ctx || impl_->ctx->err) return impl_->fail("connect " + endpoint_.display(), errno);
  impl_->timeout = options_.command_timeout;
  if (redisSetTimeout(impl_->ctx, to_timeval(options_.command_timeout)) != REDIS_OK)
    return impl_->fail("set timeout", errno);
  impl_->timeout = options_.command_timeout;
  if (options_.authenticate && !endpoint_.password.empty()) {
    auto r = endpoint_.user.empty() ? command({"AUTH", endpoint_.password.reveal()})
                                    : command({"AUTH", endpoint_.user, endpoint_.password.reveal()});
    if (!r.ok()) {
      impl_->reset();
      // An error reply to AUTH (the connection still usable) is about the
      // credentials whatever its code: Redis < 6 says "ERR invalid password".
      if (r.result == outcome::error && r.connection_usable) r.result = outcome::auth_failed;
      r.connection_usable = false;
      r.message = "connect " + endpoint_.display() + ": " + r.message;
      return r;
    }
  }
  if (endpoint_.db != 0) {
    auto r = command({"SELECT", std::to_string(endpoint_.db)});
    if (!r.ok()) return r;
  }
  return {};
}

probe_result client::command(std::initializer_list<std::string_view> argv, reply* out) {
  if (!impl_->ctx) return probe_result::failure(outcome::reset, "not connected");
  impl_->argv.clear();
  impl_->argl.clear();
  for (auto a : argv) {
    impl_->argv.push_back(a.data());
    impl_->argl.push_back(a.size());
  }
  return impl_->run(out);
}

probe_result client::command(const std::vector<std::string>& argv, reply* out) {
  if (!impl_->ctx) return probe_result::failure(outcome::reset, "not connected");
  impl_->argv.clear();
  impl_->argl.clear();
  for (const auto& a : argv) {
    impl_->argv.push_back(a.data());
    impl_->argl.push_back(a.size());
  }
  return impl_->run(out);
}

probe_result client::pipeline(const std::vector<std::vector<std::string>>& commands, std::vector<reply>* out) {
  if (!impl_->ctx) return probe_result::failure(outcome::reset, "not connected");
  for (const auto& argv : commands) {
    impl_->argv.clear();
    impl_->argl.clear();
    for (const auto& a : argv) {
      impl_->argv.push_back(a.data());
      impl_->argl.push_back(a.size());
    }
    redisAppendCommandArgv(impl_->ctx, static_cast<int>(impl_->argv.size()), impl_->argv.data(), impl_->argl.data());
  }
  if (out) out->clear();
  std::vector<redisReply*> replies;
  auto x = impl_->exchange(replies, commands.size(), "pipeline");
  probe_result result;
  for (auto* r : replies) {
    if (r->type == REDIS_REPLY_ERROR && result.ok())
      result = probe_result::failure(classify_reply({r->str, r->len}), scrub({r->str, r->len}), true);
    if (out) flatten(r, out->emplace_back());
    freeReplyObject(r);
  }
  return x.ok() ? result : x;
}

path_fingerprint client::fingerprint() {
  path_fingerprint f;
  f.endpoint = endpoint_.host + ":" + std::to_string(endpoint_.port);
  f.path = options_.path;
  if (!connected()) return f;
  reply r;
  if (command({"INFO", "server"}, &r).ok()) {
    auto pos = r.text.find("redis_version:");
    if (pos != std::string::npos) {
      auto end = r.text.find_first_of("\r\n", pos);
      f.server_version = "Redis " + r.text.substr(pos + 14, end - pos - 14);
    }
    pos = r.text.find("tcp_port:");
    if (pos != std::string::npos) {
      auto end = r.text.find_first_of("\r\n", pos);
      f.server_addr = "port " + r.text.substr(pos + 9, end - pos - 9);
    }
  }
  f.resolved = peer_address(impl_->ctx->fd);
  return f;
}

}  // namespace cutover::redis
