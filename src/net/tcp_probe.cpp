#include "net/tcp_probe.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "core/interrupt.hpp"
#include "core/peer.hpp"

namespace cutover::net {
namespace {

using clock = std::chrono::steady_clock;

outcome from_errno(int e) {
  switch (e) {
    case ECONNREFUSED:
    case EHOSTUNREACH:  // an ICMP "unreachable": a router or firewall said no
    case ENETUNREACH: return outcome::refused;
    case ETIMEDOUT: return outcome::timeout;
    case ECONNRESET:
    case ECONNABORTED:
    case EPIPE: return outcome::reset;
    default: return outcome::error;
  }
}

/// A SOCKS5 CONNECT reply code (RFC 1928 section 6) as an outcome and its RFC name.
std::pair<outcome, const char*> socks5_reply(unsigned char code) {
  switch (code) {
    case 0x01: return {outcome::error, "general SOCKS server failure"};
    case 0x02: return {outcome::refused, "connection not allowed by ruleset"};
    case 0x03: return {outcome::refused, "network unreachable"};
    case 0x04: return {outcome::refused, "host unreachable"};
    case 0x05: return {outcome::refused, "connection refused"};
    case 0x06: return {outcome::timeout, "TTL expired"};
    case 0x07: return {outcome::protocol_error, "command not supported"};
    case 0x08: return {outcome::protocol_error, "address type not supported"};
    default: return {outcome::protocol_error, "unassigned reply code"};
  }
}

int remaining_ms(clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

/// Waits for `events` on fd until the deadline or a stop request
/// (SIGINT/SIGTERM); false on either.
bool wait_for(int fd, short events, clock::time_point deadline) {
  pollfd p[2] = {{fd, events, 0}, {stop_fd(), POLLIN, 0}};
  for (;;) {
    if (stop_requested()) return false;
    int n = ::poll(p, p[1].fd >= 0 ? 2 : 1, remaining_ms(deadline));
    if (n > 0) return p[0].revents != 0 && p[1].revents == 0;
    if (n == 0) return false;
    if (errno != EINTR) return false;
  }
}

/// The failure of a wait that did not see its event: a stop request, or the deadline.
probe_result not_in_time(const std::string& what) {
  if (stop_requested()) return probe_result::failure(outcome::skipped, what + ": interrupted by a signal");
  return probe_result::failure(outcome::timeout, what);
}

/// Sends all of `data` or fails.
probe_result send_all(int fd, const void* data, std::size_t size, clock::time_point deadline, const char* step) {
  const auto* p = static_cast<const char*>(data);
  while (size) {
    if (!wait_for(fd, POLLOUT, deadline))
      return not_in_time(std::string(step) + ": send timed out");
    auto n = ::send(fd, p, size, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return probe_result::failure(from_errno(errno), std::string(step) + ": " + std::strerror(errno));
    }
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return {};
}

/// Reads exactly `size` bytes or fails.
probe_result recv_exact(int fd, void* data, std::size_t size, clock::time_point deadline, const char* step) {
  auto* p = static_cast<char*>(data);
  while (size) {
    if (!wait_for(fd, POLLIN, deadline))
      return not_in_time(std::string(step) + ": no answer in time");
    auto n = ::recv(fd, p, size, 0);
    if (n == 0) return probe_result::failure(outcome::reset, std::string(step) + ": connection closed by peer");
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return probe_result::failure(from_errno(errno), std::string(step) + ": " + std::strerror(errno));
    }
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return {};
}

probe_result connect_until(const std::string& host, std::uint16_t port, clock::time_point deadline, int& fd) {
  fd = -1;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* res = nullptr;
  auto port_s = std::to_string(port);
  if (int rc = ::getaddrinfo(host.c_str(), port_s.c_str(), &hints, &res); rc != 0)
    return probe_result::failure(outcome::error, "resolve " + host + ": " + ::gai_strerror(rc));
  probe_result last = probe_result::failure(outcome::error, "no address for " + host);
  for (auto* ai = res; ai; ai = ai->ai_next) {
    int s = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (s < 0) continue;
    int one = 1;
    ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int rc = ::connect(s, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      if (!wait_for(s, POLLOUT, deadline)) {
        ::close(s);
        last = not_in_time("connect " + host + ":" + port_s + ": timed out");
        continue;
      }
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len);
      rc = err ? -1 : 0;
      errno = err;
    }
    if (rc == 0) {
      fd = s;
      ::freeaddrinfo(res);
      return {};
    }
    last = probe_result::failure(from_errno(errno), "connect " + host + ":" + port_s + ": " + std::strerror(errno));
    ::close(s);
  }
  ::freeaddrinfo(res);
  return last;
}

class tcp_probe final : public probe {
public:
  tcp_probe(std::string host, std::uint16_t port, std::chrono::milliseconds timeout, std::string path)
      : host_(std::move(host)), port_(port), timeout_(timeout) {
    fingerprint_.endpoint = host_ + ":" + std::to_string(port_);
    fingerprint_.path = std::move(path);
  }
  probe_result run() override {
    int fd = -1;
    auto r = connect_until(host_, port_, clock::now() + timeout_, fd);
    if (fd >= 0) {
      if (fingerprint_.resolved.empty()) fingerprint_.resolved = peer_address(fd);
      ::close(fd);
    }
    r.connection_usable = true;
    return r;
  }
  path_fingerprint fingerprint() const override { return fingerprint_; }

private:
  std::string host_;
  std::uint16_t port_;
  std::chrono::milliseconds timeout_;
  path_fingerprint fingerprint_;
};

}  // namespace

std::unique_ptr<probe> make_tcp_probe(std::string host, std::uint16_t port, std::chrono::milliseconds timeout,
                                      std::string path) {
  return std::make_unique<tcp_probe>(std::move(host), port, timeout, std::move(path));
}

probe_result tcp_connect(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout, int* fd_out) {
  int fd = -1;
  auto r = connect_until(host, port, clock::now() + timeout, fd);
  if (fd >= 0) {
    if (fd_out) *fd_out = fd;
    else ::close(fd);
  }
  return r;
}

probe_result socks5_check(const socks5_check_options& o) {
  auto deadline = clock::now() + o.timeout;
  int fd = -1;
  auto r = connect_until(o.proxy_host, o.proxy_port, deadline, fd);
  if (!r.ok()) {
    r.message = "socks5 proxy " + r.message;
    return r;
  }
  struct closer {
    int fd;
    ~closer() { ::close(fd); }
  } guard{fd};
  const unsigned char greeting[] = {0x05, 0x01, 0x00};  // version 5, one method: no authentication
  if (r = send_all(fd, greeting, sizeof greeting, deadline, "socks5 greeting"); !r.ok()) return r;
  unsigned char choice[2];
  if (r = recv_exact(fd, choice, 2, deadline, "socks5 greeting"); !r.ok()) return r;
  if (choice[0] != 0x05 || choice[1] != 0x00)
    return probe_result::failure(outcome::protocol_error, "socks5 greeting: proxy refused the no-auth method");

  std::vector<unsigned char> req{0x05, 0x01, 0x00};
  in_addr v4{};
  if (::inet_pton(AF_INET, o.dest_host.c_str(), &v4) == 1) {
    req.push_back(0x01);
    auto* b = reinterpret_cast<unsigned char*>(&v4);
    req.insert(req.end(), b, b + 4);
  } else {
    if (o.dest_host.size() > 255) return probe_result::failure(outcome::error, "socks5: destination name too long");
    req.push_back(0x03);
    req.push_back(static_cast<unsigned char>(o.dest_host.size()));
    req.insert(req.end(), o.dest_host.begin(), o.dest_host.end());
  }
  req.push_back(static_cast<unsigned char>(o.dest_port >> 8));
  req.push_back(static_cast<unsigned char>(o.dest_port & 0xff));
  if (r = send_all(fd, req.data(), req.size(), deadline, "socks5 connect"); !r.ok()) return r;
  unsigned char head[4];
  if (r = recv_exact(fd, head, 4, deadline, "socks5 connect"); !r.ok()) return r;
  if (head[0] != 0x05) return probe_result::failure(outcome::protocol_error, "socks5 connect: not a SOCKS5 reply");
  if (head[1] != 0x00) {
    auto [result, name] = socks5_reply(head[1]);
    return probe_result::failure(result, "socks5 connect to " + o.dest_host + ":" + std::to_string(o.dest_port) +
                                             " failed with reply code " + std::to_string(head[1]) + " (" + name + ")");
  }
  std::size_t addr_len = head[3] == 0x01 ? 4 : head[3] == 0x04 ? 16 : 0;
  if (head[3] == 0x03) {
    unsigned char n;
    if (r = recv_exact(fd, &n, 1, deadline, "socks5 connect"); !r.ok()) return r;
    addr_len = n;
  }
  std::vector<unsigned char> rest(addr_len + 2);
  if (r = recv_exact(fd, rest.data(), rest.size(), deadline, "socks5 connect"); !r.ok()) return r;
  if (!o.http_get) return {};

  std::string get = "GET / HTTP/1.0\r\nHost: " + o.dest_host + "\r\nConnection: close\r\n\r\n";
  if (r = send_all(fd, get.data(), get.size(), deadline, "http through socks5"); !r.ok()) return r;
  char status[12];
  if (r = recv_exact(fd, status, sizeof status, deadline, "http through socks5"); !r.ok()) return r;
  std::string line(status, sizeof status);
  if (!line.starts_with("HTTP/1."))
    return probe_result::failure(outcome::protocol_error, "http through socks5: not an HTTP answer");
  if (line[9] != '2' && line[9] != '3')
    return probe_result::failure(outcome::check_failed, "http through socks5: status " + line.substr(9, 3));
  return {};
}

}  // namespace cutover::net
