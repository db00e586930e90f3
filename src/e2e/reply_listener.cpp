#include "e2e/reply_listener.hpp"

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <thread>

namespace cutover::e2e {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

/// Idle keep-alive connections are dropped after this long.
constexpr auto idle_timeout = std::chrono::seconds(30);

/// One connection: read requests (keep-alive), answer each, until the peer
/// closes or idles out.
class connection : public std::enable_shared_from_this<connection> {
public:
  connection(tcp::socket socket, reply_book& book, std::atomic<std::int64_t>& rejected)
      : stream_(std::move(socket)), book_(book), rejected_(rejected) {}

  void read() {
    req_ = {};
    stream_.expires_after(idle_timeout);
    http::async_read(stream_, buffer_, req_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (!ec) self->answer();
    });
  }

private:
  void answer() {
    // Stamped once the whole request is in: the reply has then arrived.
    auto at = e2e_clock::now();
    auto body = nlohmann::json::parse(req_.body(), nullptr, false);
    bool ok = req_.method() == http::verb::post && body.is_object() && body.contains("message_id") &&
              body["message_id"].is_string();
    if (ok) {
      auto id = body["message_id"].get<std::string>();
      book_.on_reply(id, at, std::move(body));
    } else {
      ++rejected_;
    }
    res_ = {ok ? http::status::ok : http::status::bad_request, req_.version()};
    res_.set(http::field::content_type, "application/json");
    res_.body() = ok ? R"({"status":"received"})" : R"({"status":"error","error":"expected a JSON reply with message_id"})";
    res_.keep_alive(req_.keep_alive());
    res_.prepare_payload();
    http::async_write(stream_, res_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (!ec && self->res_.keep_alive()) self->read();
    });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  reply_book& book_;
  std::atomic<std::int64_t>& rejected_;
};

}  // namespace

struct reply_listener::impl {
  impl(reply_book& b, std::string h, std::uint16_t p) : book(b), host(std::move(h)), port(p) {}
  reply_book& book;
  std::string host;
  std::uint16_t port;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::thread thread;
  std::atomic<std::int64_t> rejected{0};

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) std::make_shared<connection>(std::move(socket), book, rejected)->read();
      accept();
    });
  }
};

reply_listener::reply_listener(reply_book& book, std::string host, std::uint16_t port)
    : impl_(std::make_unique<impl>(book, std::move(host), port)) {}

reply_listener::~reply_listener() {
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

probe_result reply_listener::start() {
  auto where = impl_->host + ":" + std::to_string(impl_->port);
  beast::error_code ec;
  auto address = asio::ip::make_address(impl_->host, ec);
  if (ec || !address.is_loopback())
    return probe_result::failure(outcome::error, "reply listener: " + impl_->host + " is not a loopback address");
  tcp::endpoint ep(address, impl_->port);
  auto& a = impl_->acceptor;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return probe_result::failure(outcome::error, "reply listener cannot listen on " + where + ": " + ec.message() +
                                                     (ec == asio::error::address_in_use ? " (another run using it?)" : ""));
  impl_->port = a.local_endpoint().port();
  impl_->accept();
  impl_->thread = std::thread([this] { impl_->io.run(); });
  return {};
}

std::uint16_t reply_listener::port() const noexcept { return impl_->port; }

std::int64_t reply_listener::rejected() const noexcept { return impl_->rejected.load(); }

}  // namespace cutover::e2e
