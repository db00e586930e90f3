#include "http/client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

#include <functional>

#include "core/error.hpp"
#include "core/interrupt.hpp"
#include "core/secret.hpp"

namespace cutover::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

outcome classify(const boost::system::error_code& ec) {
  if (ec == beast::error::timeout || ec == asio::error::timed_out) return outcome::timeout;
  if (ec == asio::error::connection_refused) return outcome::refused;
  if (ec == asio::error::connection_reset || ec == asio::error::eof || ec == bhttp::error::end_of_stream ||
      ec == asio::error::broken_pipe)
    return outcome::reset;
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_version).category()) return outcome::protocol_error;
  return outcome::error;
}

}  // namespace

std::string url::display() const { return "http://" + host + ":" + std::to_string(port) + path; }

url parse_url(std::string_view url, std::string_view place) {
  auto fail = [&](std::string_view why) { throw config_error(std::string(place) + ": " + std::string(why)); };
  const auto shown = "'" + redact_userinfo(url) + "'";
  auto u = boost::urls::parse_uri(url);
  if (!u) fail("invalid URL " + shown);
  if (u->scheme() != "http") fail("expected an http:// URL (the app's API), got " + shown);
  if (u->has_userinfo()) fail("the API URL must not carry credentials");
  http::url out;
  out.host = std::string(u->host_address());
  if (out.host.empty()) fail("the URL has no host");
  if (u->has_port()) {
    int p = 0;
    try {
      p = std::stoi(std::string(u->port()));
    } catch (...) {
      p = 0;
    }
    if (p <= 0 || p > 65535) fail("invalid port in " + shown);
    out.port = static_cast<std::uint16_t>(p);
  }
  out.path = std::string(u->encoded_path());
  while (!out.path.empty() && out.path.back() == '/') out.path.pop_back();
  return out;
}

reply send(const http::url& url, std::string_view method, std::string_view target, std::string_view json_body,
           std::chrono::milliseconds timeout) {
  reply out;
  auto what = std::string(method) + " " + url.display() + std::string(target);
  auto fail = [&](outcome o, const std::string& msg) {
    out.status = probe_result::failure(o, what + ": " + msg);
    return out;
  };
  asio::io_context io;
  beast::tcp_stream stream(io);
  // One deadline for the whole exchange: every async step below fails with
  // beast::error::timeout once it has passed.
  stream.expires_after(timeout);
  boost::system::error_code ec;
  auto address = asio::ip::make_address(url.host, ec);
  if (ec) {
    // Names are resolved synchronously (the lab and the plan use addresses);
    // the deadline then bounds everything after.
    tcp::resolver resolver(io);
    auto results = resolver.resolve(url.host, std::to_string(url.port), ec);
    if (ec || results.empty()) return fail(outcome::error, "cannot resolve " + url.host + ": " + ec.message());
    address = results.begin()->endpoint().address();
  }
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), url.path + std::string(target), 11};
  req.set(bhttp::field::host, url.host + ":" + std::to_string(url.port));
  req.set(bhttp::field::user_agent, "cutover");
  req.set(bhttp::field::connection, "close");
  if (!json_body.empty()) {
    req.set(bhttp::field::content_type, "application/json");
    req.body() = std::string(json_body);
  }
  req.prepare_payload();
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(1 << 20);
  boost::system::error_code result;
  // A stop request (SIGINT/SIGTERM) ends the exchange at once: checked every
  // 50 ms by a timer that the exchange's last handler cancels.
  // The check stops once the exchange is done: cancel() alone misses a
  // check whose timer already fired in the same wake-up as the answer, and
  // that check would re-arm itself forever.
  asio::steady_timer watch(io);
  bool done = false;
  auto finish = [&](boost::system::error_code e) {
    result = e;
    done = true;
    watch.cancel();
  };
  std::function<void(boost::system::error_code)> check_stop = [&](boost::system::error_code e) {
    if (e || done) return;
    if (stop_requested()) {
      stream.close();
      return;
    }
    watch.expires_after(std::chrono::milliseconds(50));
    watch.async_wait(check_stop);
  };
  check_stop({});
  stream.async_connect(tcp::endpoint(address, url.port), [&](boost::system::error_code e) {
    if (e) return finish(e);
    bhttp::async_write(stream, req, [&](boost::system::error_code e2, std::size_t) {
      if (e2) return finish(e2);
      bhttp::async_read(stream, buffer, parser, [&](boost::system::error_code e3, std::size_t) { finish(e3); });
    });
  });
  io.run();
  if (stop_requested() && result) return fail(outcome::skipped, "interrupted by a signal");
  if (result) {
    if (result == beast::error::timeout)
      return fail(outcome::timeout, "no answer within " + std::to_string(timeout.count()) + " ms");
    return fail(classify(result), result.message());
  }
  const auto& res = parser.get();
  out.code = static_cast<int>(res.result_int());
  out.content_type = std::string(res[bhttp::field::content_type]);
  out.body = res.body();
  return out;
}

}  // namespace cutover::http
