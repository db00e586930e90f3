#include "redis/client.hpp"

#include <hiredis/hiredis.h>
#include <netdb.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "core/peer.hpp"
#include "core/secret.hpp"

namespace cutover::redis {
namespace {

bool contains(std::string_view hay, std::string_view needle) { return hay.find(needle) != std::string_view::npos; }

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

outcome classify(std::string_view m) noexcept {
  if (contains(m, "NOAUTH") || contains(m, "WRONGPASS") || contains(m, "invalid password") ||
      contains(m, "invalid username-password") || contains(m, "AUTH <password> called without"))
    return outcome::auth_failed;
  if (contains(m, "timed out") || contains(m, "temporarily unavailable") || contains(m, "Timeout"))
    return outcome::timeout;
  if (contains(m, "Connection refused")) return outcome::refused;
  if (contains(m, "reset by peer") || contains(m, "Server closed") || contains(m, "Broken pipe") ||
      contains(m, "closed the connection"))
    return outcome::reset;
  if (contains(m, "Protocol error")) return outcome::protocol_error;
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
  /// Sends the command in argv/argl and reads its reply.
  probe_result run(reply* out) {
    auto* r = static_cast<redisReply*>(redisCommandArgv(ctx, static_cast<int>(argv.size()), argv.data(), argl.data()));
    if (!r) return fail("command");
    probe_result result;
    if (r->type == REDIS_REPLY_ERROR) {
      std::string text(r->str, r->len);
      result = probe_result::failure(classify(text), scrub(text), true);
    }
    if (out) {
      *out = reply{};
      flatten(r, *out);
    }
    freeReplyObject(r);
    return result;
  }
  /// Turns a failed context into a result and drops the connection.
  probe_result fail(std::string_view what) {
    std::string msg = ctx ? std::string(ctx->errstr) : "cannot allocate context";
    // hiredis reports a receive timeout as EAGAIN ("Resource temporarily unavailable").
    auto o = classify(msg);
    reset();
    return probe_result::failure(o, std::string(what) + ": " + scrub(msg), false);
  }
};

client::client(redis_endpoint endpoint, client_options options)
    : endpoint_(std::move(endpoint)), options_(std::move(options)), impl_(std::make_unique<impl>()) {}

client::~client() = default;

bool client::connected() const noexcept { return impl_->ctx != nullptr && impl_->ctx->err == 0; }

void client::close() noexcept { impl_->reset(); }

probe_result client::connect() {
  impl_->reset();
  auto tv = to_timeval(options_.connect_timeout);
  impl_->ctx = redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port, tv);
  if (!impl_->ctx || impl_->ctx->err) return impl_->fail("connect " + endpoint_.display());
  if (redisSetTimeout(impl_->ctx, to_timeval(options_.command_timeout)) != REDIS_OK)
    return impl_->fail("set timeout");
  if (options_.authenticate && !endpoint_.password.empty()) {
    auto r = endpoint_.user.empty() ? command({"AUTH", endpoint_.password.reveal()})
                                    : command({"AUTH", endpoint_.user, endpoint_.password.reveal()});
    if (!r.ok()) {
      impl_->reset();
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
  probe_result result;
  for (std::size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(impl_->ctx, &raw) != REDIS_OK || !raw) return impl_->fail("pipeline");
    auto* r = static_cast<redisReply*>(raw);
    if (r->type == REDIS_REPLY_ERROR && result.ok())
      result = probe_result::failure(classify({r->str, r->len}), scrub({r->str, r->len}), true);
    if (out) flatten(r, out->emplace_back());
    freeReplyObject(r);
  }
  return result;
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
