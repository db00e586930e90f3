#include "net/endpoint.hpp"

#include <charconv>

#include "core/error.hpp"

namespace cutover::net {

bool is_loopback(const boost::asio::ip::address& a) noexcept {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return a.to_v6().to_v4().is_loopback();
  }
  return a.is_loopback();
}

boost::asio::ip::tcp::endpoint parse_loopback_endpoint(std::string_view text, std::string_view what) {
  auto bad = [&](std::string_view why) {
    return usage_error(std::string(what) + " '" + std::string(text) + "': " + std::string(why));
  };
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    throw bad("expected ADDRESS:PORT");
  }
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port > 65535) {
    throw bad("bad port");
  }
  boost::system::error_code parse_ec;
  const auto address = boost::asio::ip::make_address(std::string(host), parse_ec);
  if (parse_ec) {
    throw bad("not a numeric IP address");
  }
  if (!is_loopback(address)) {
    throw bad("only loopback addresses (127.0.0.0/8, ::1) are allowed");
  }
  return {address, static_cast<unsigned short>(port)};
}

std::string to_string(const boost::asio::ip::tcp::endpoint& e) {
  const auto a = e.address();
  const std::string host = a.is_v6() ? "[" + a.to_string() + "]" : a.to_string();
  return host + ":" + std::to_string(e.port());
}

}  // namespace cutover::net
