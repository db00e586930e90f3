#include "http/server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <thread>

#include "core/error.hpp"

namespace cutover::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

/// One connection: read requests (keep-alive), answer each, until the peer
/// closes or idles out.
class connection : public std::enable_shared_from_this<connection> {
public:
  connection(tcp::socket socket, const handler& h, std::chrono::milliseconds idle)
      : stream_(std::move(socket)), handler_(h), idle_(idle) {}

  void read() {
    req_ = {};
    stream_.expires_after(idle_);
    bhttp::async_read(stream_, buffer_, req_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (!ec) self->answer();
    });
  }

private:
  void answer() {
    auto r = handler_({std::string(req_.method_string()), std::string(req_.target()), std::move(req_.body())});
    res_ = {static_cast<bhttp::status>(r.code), req_.version()};
    res_.set(bhttp::field::content_type, r.content_type);
    res_.body() = std::move(r.body);
    res_.keep_alive(req_.keep_alive());
    res_.prepare_payload();
    bhttp::async_write(stream_, res_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (!ec && self->res_.keep_alive()) self->read();
    });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  bhttp::request<bhttp::string_body> req_;
  bhttp::response<bhttp::string_body> res_;
  const handler& handler_;
  std::chrono::milliseconds idle_;
};

}  // namespace

std::pair<std::string, std::uint16_t> parse_loopback_listen(std::string_view text, std::string_view what) {
  const std::string w(what);
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) throw usage_error(w + ": expected 127.0.0.1:PORT");
  std::string host(text.substr(0, colon));
  if (host.size() > 1 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec || !addr.is_loopback())
    throw usage_error(w + ": '" + host + "' is not a loopback address (use 127.0.0.1; served data stays on this host)");
  int port = 0;
  try {
    port = std::stoi(std::string(text.substr(colon + 1)));
  } catch (const std::exception&) {
    port = -1;
  }
  if (port < 0 || port > 65535) throw usage_error(w + ": bad port in '" + std::string(text) + "'");
  return {host, static_cast<std::uint16_t>(port)};
}

struct server::impl {
  impl(handler h, std::chrono::milliseconds i) : serve(std::move(h)), idle(i) {}
  handler serve;
  std::chrono::milliseconds idle;
  std::uint16_t port = 0;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::thread thread;

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) std::make_shared<connection>(std::move(socket), serve, idle)->read();
      accept();
    });
  }
};

server::server(handler h, std::chrono::milliseconds idle) : impl_(std::make_unique<impl>(std::move(h), idle)) {}

server::~server() {
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

probe_result server::start(const std::string& host, std::uint16_t port) {
  auto where = host + ":" + std::to_string(port);
  beast::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec || !address.is_loopback())
    return probe_result::failure(outcome::error, host + " is not a loopback address");
  tcp::endpoint ep(address, port);
  auto& a = impl_->acceptor;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return probe_result::failure(outcome::error, "cannot listen on " + where + ": " + ec.message() +
                                                     (ec == asio::error::address_in_use ? " (another run using it?)" : ""));
  impl_->port = a.local_endpoint().port();
  impl_->accept();
  impl_->thread = std::thread([this] { impl_->io.run(); });
  return {};
}

std::uint16_t server::port() const noexcept { return impl_->port; }

}  // namespace cutover::http
