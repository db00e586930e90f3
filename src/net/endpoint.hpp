#pragma once
/// Loopback-only endpoints: this workplace allows no other network target.
#include <string>
#include <string_view>

#include <boost/asio/ip/tcp.hpp>

namespace cutover::net {

/// True for 127.0.0.0/8 and ::1 (also ::ffff:127.x.y.z).
bool is_loopback(const boost::asio::ip::address& a) noexcept;

/// Parses "127.0.0.1:PORT" or "[::1]:PORT" (numeric addresses only, port 0
/// allowed); throws usage_error naming `what` on bad syntax or a non-loopback address.
boost::asio::ip::tcp::endpoint parse_loopback_endpoint(std::string_view text, std::string_view what);

/// "127.0.0.1:5432" or "[::1]:5432".
std::string to_string(const boost::asio::ip::tcp::endpoint& e);

}  // namespace cutover::net
