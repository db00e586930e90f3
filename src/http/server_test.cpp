// The loopback server with a plain socket client: requests reach the
// handler whole, answers carry its code and type, keep-alive works, and only
// loopback addresses are served.
#include "http/server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <mutex>
#include <vector>

#include "core/error.hpp"

namespace cutover::http {
namespace {

/// Sends `raw` to 127.0.0.1:port and reads until the server closes (or 2 s pass).
std::string exchange(std::uint16_t port, const std::string& raw) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::send(fd, raw.data(), raw.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(raw.size())) {
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

TEST(http_server, hands_whole_requests_to_the_handler_and_sends_its_answer) {
  std::mutex mu;
  std::vector<request> seen;
  server s([&](const request& q) {
    std::lock_guard lock(mu);
    seen.push_back(q);
    return q.target == "/echo" ? response{201, "application/json", q.body} : response{404, "text/plain", "no\n"};
  });
  ASSERT_TRUE(s.start("127.0.0.1", 0).ok());
  ASSERT_NE(s.port(), 0);
  // Two requests on one keep-alive connection, the second closing it.
  auto out = exchange(s.port(),
                      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\n{\"a\": 1}\n"
                      "GET /other?q=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 201 Created\r\n", 0), 0u) << out;
  EXPECT_NE(out.find("Content-Type: application/json\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("{\"a\": 1}\n"), std::string::npos) << out;
  EXPECT_NE(out.find("HTTP/1.1 404 Not Found\r\n"), std::string::npos) << out;
  std::lock_guard lock(mu);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].body, "{\"a\": 1}\n");
  EXPECT_EQ(seen[1].method, "GET");
  EXPECT_EQ(seen[1].target, "/other?q=1");
}

TEST(http_server, refuses_non_loopback_and_a_port_in_use) {
  server a([](const request&) { return response{}; });
  ASSERT_TRUE(a.start("127.0.0.1", 0).ok());
  server b([](const request&) { return response{}; });
  auto r = b.start("127.0.0.1", a.port());
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.message.find("cannot listen"), std::string::npos) << r.message;
  server wide([](const request&) { return response{}; });
  EXPECT_NE(wide.start("0.0.0.0", 0).message.find("not a loopback"), std::string::npos);
}

TEST(http_server, listen_text_is_loopback_only) {
  EXPECT_EQ(parse_loopback_listen("127.0.0.1:9464").second, 9464);
  EXPECT_EQ(parse_loopback_listen("[::1]:9464").first, "::1");
  EXPECT_THROW(parse_loopback_listen("0.0.0.0:9464"), usage_error);
  EXPECT_THROW(parse_loopback_listen("198.18.0.1:9464"), usage_error);
  EXPECT_THROW(parse_loopback_listen("localhost:9464"), usage_error);
  EXPECT_THROW(parse_loopback_listen("127.0.0.1"), usage_error);
  EXPECT_THROW(parse_loopback_listen("127.0.0.1:70000"), usage_error);
}

}  // namespace
}  // namespace cutover::http
