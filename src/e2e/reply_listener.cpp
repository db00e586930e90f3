#include "e2e/reply_listener.hpp"

#include <atomic>

#include "core/json_read.hpp"
#include "http/server.hpp"

namespace cutover::e2e {

struct reply_listener::impl {
  impl(reply_book& b, std::string h, std::uint16_t p)
      : book(b), host(std::move(h)), port(p), srv([this](const http::request& q) { return on_request(q); }) {}

  http::response on_request(const http::request& q) {
    // Stamped once the whole request is in: the reply has then arrived.
    auto at = e2e_clock::now();
    auto body = parse_json_or_discarded(q.body);
    bool ok = q.method == "POST" && body.is_object() && body.contains("message_id") && body["message_id"].is_string();
    if (ok) {
      auto id = body["message_id"].get<std::string>();
      book.on_reply(id, at, std::move(body));
      return {200, "application/json", R"({"status":"received"})"};
    }
    ++rejected;
    return {400, "application/json", R"({"status":"error","error":"expected a JSON reply with message_id"})"};
  }

  reply_book& book;
  std::string host;
  std::uint16_t port;
  std::atomic<std::int64_t> rejected{0};
  http::server srv;  // last: stopped before the members its handler uses
};

reply_listener::reply_listener(reply_book& book, std::string host, std::uint16_t port)
    : impl_(std::make_unique<impl>(book, std::move(host), port)) {}

reply_listener::~reply_listener() = default;

probe_result reply_listener::start() {
  auto r = impl_->srv.start(impl_->host, impl_->port);
  if (!r.ok()) return probe_result::failure(outcome::error, "reply listener: " + r.message);
  impl_->port = impl_->srv.port();
  return {};
}

std::uint16_t reply_listener::port() const noexcept { return impl_->port; }

std::int64_t reply_listener::rejected() const noexcept { return impl_->rejected.load(); }

}  // namespace cutover::e2e
