// The one HTTP client against the loopback server: answers, refused and
// timed-out exchanges as outcomes, and URL parsing.
#include "http/client.hpp"

#include <gtest/gtest.h>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <thread>

#include "core/error.hpp"
#include "http/server.hpp"
#include "net/fake_server.hpp"

namespace cutover::http {
namespace {

using namespace std::chrono_literals;

TEST(http_client, gets_the_answer_with_code_type_and_body) {
  server s([](const request& q) { return response{q.method == "POST" ? 201 : 200, "application/json", q.target + " " + q.body}; });
  ASSERT_TRUE(s.start("127.0.0.1", 0).ok());
  auto r = send({"127.0.0.1", s.port(), "/api"}, "POST", "/webhook", R"({"x":1})", 2s);
  ASSERT_TRUE(r.status.ok()) << r.status.message;
  EXPECT_EQ(r.code, 201);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, R"(/api/webhook {"x":1})");
}

TEST(http_client, refused_and_timeout_are_outcomes) {
  std::uint16_t port = 0;
  {
    server s([](const request&) { return response{}; });
    ASSERT_TRUE(s.start("127.0.0.1", 0).ok());
    port = s.port();
  }
  auto r = send({"127.0.0.1", port, ""}, "GET", "/health", {}, 1s);
  EXPECT_EQ(r.status.result, outcome::refused) << r.status.message;
  EXPECT_NE(r.status.message.find("GET http://127.0.0.1:" + std::to_string(port) + "/health"), std::string::npos)
      << r.status.message;

  server slow([](const request&) {
    std::this_thread::sleep_for(600ms);
    return response{};
  });
  ASSERT_TRUE(slow.start("127.0.0.1", 0).ok());
  auto t = send({"127.0.0.1", slow.port(), ""}, "GET", "/", {}, 200ms);
  EXPECT_EQ(t.status.result, outcome::timeout) << t.status.message;
}

TEST(http_client, an_answer_that_lands_with_the_stop_check_still_ends_the_exchange) {
  // The exchange checks for a stop request every 50 ms. An answer that
  // completes in the same wake-up as that check once re-armed it forever
  // (a hang under load). Answers land around 50 ms here (3 s in all), over and
  // over; the child must finish them all within its alarm.
  EXPECT_EXIT(
      {
        std::atomic<int> n{0};
        net::testing::fake_server s([&](int fd, net::testing::stop_flag stop) {
          char buf[4096];
          pollfd p{fd, POLLIN, 0};
          if (::poll(&p, 1, 1000) <= 0 || ::recv(fd, buf, sizeof buf, 0) <= 0 || stop) return;
          const int i = n++;
          std::this_thread::sleep_for(std::chrono::microseconds(47000 + (i % 40) * 150));
          const std::string answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
          ::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
        });
        ::alarm(15);
        for (int i = 0; i < 60; ++i)
          if (!send({"127.0.0.1", s.port(), ""}, "GET", "/", {}, 2s).status.ok()) std::_Exit(2);
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(http_client, parses_plain_http_urls_only) {
  auto u = parse_url("http://127.0.0.1:3000/api/", "t");
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.port, 3000);
  EXPECT_EQ(u.path, "/api");
  EXPECT_EQ(u.display(), "http://127.0.0.1:3000/api");
  EXPECT_EQ(parse_url("http://localhost", "t").port, 80);
  EXPECT_THROW(parse_url("https://127.0.0.1/", "t"), config_error);
  EXPECT_THROW(parse_url("http://127.0.0.1:99999/", "t"), config_error);
  EXPECT_THROW(parse_url("http://user:pw@127.0.0.1/", "t"), config_error);
  EXPECT_THROW(parse_url("not a url", "t"), config_error);
}

}  // namespace

// One deadline for the whole HTTP exchange: a server that drips its answer,
// never answers, or streams an endless one ends within the timeout.
// Tolerance: the timeout plus 700 ms for a loaded 2-core machine.
namespace {

using namespace std::chrono_literals;
namespace fake = cutover::net::testing;
constexpr auto http_timeout = 400ms;
constexpr auto http_tolerance = 700ms;

std::pair<reply, std::chrono::steady_clock::duration> get(std::uint16_t port) {
  auto to = parse_url("http://127.0.0.1:" + std::to_string(port), "test");
  auto t0 = std::chrono::steady_clock::now();
  auto r = send(to, "GET", "/health", "", http_timeout);
  return {r, std::chrono::steady_clock::now() - t0};
}

}  // namespace

TEST(http_deadline, a_dripping_answer_times_out_within_the_timeout) {
  fake::fake_server s(fake::drip("HTTP/1.1 200 OK\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n", 50ms));
  auto [r, took] = get(s.port());
  EXPECT_EQ(r.status.result, outcome::timeout) << r.status.message;
  EXPECT_LT(took, http_timeout + http_tolerance);
}

TEST(http_deadline, a_silent_server_times_out_within_the_timeout) {
  fake::fake_server s(fake::black_hole());
  auto [r, took] = get(s.port());
  EXPECT_EQ(r.status.result, outcome::timeout) << r.status.message;
  EXPECT_LT(took, http_timeout + http_tolerance);
}

TEST(http_deadline, an_endless_answer_ends_within_the_timeout) {
  fake::fake_server s(fake::flood("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "4\r\nabcd\r\n"));
  auto [r, took] = get(s.port());
  EXPECT_FALSE(r.status.ok());
  EXPECT_LT(took, http_timeout + http_tolerance);
}

}  // namespace cutover::http
