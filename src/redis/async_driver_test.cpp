#include "redis/async_driver.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <thread>

#include "core/interrupt.hpp"
#include "net/fake_server.hpp"
#include "stats/recorder.hpp"
#include "stats/sampler.hpp"

using namespace cutover;
using namespace std::chrono_literals;
namespace fake = cutover::net::testing;

namespace {

constexpr auto command_timeout = 400ms;
// A loaded 2-core machine: the deadline plus this much (as client_test).
constexpr auto tolerance = 700ms;

std::unique_ptr<event_driver> driver_for(std::uint16_t port, int connections,
                                         std::chrono::milliseconds timeout = command_timeout) {
  redis_endpoint e;
  e.port = port;
  return redis::make_event_driver(redis::workload::ping, e, {1000ms, timeout, false, ""}, connections);
}

// Sends one PING on connection 0 and waits (at most `limit`) for it.
struct one_op {
  probe_result r;
  std::chrono::steady_clock::duration took{};
  bool completed = false;
};
one_op ping_once(event_driver& d, std::chrono::seconds limit = 10s) {
  one_op out;
  const auto t0 = std::chrono::steady_clock::now();
  d.send(0);
  const event_driver::completion done = [&](std::size_t, probe_result&& r) {
    out.r = std::move(r);
    out.completed = true;
  };
  while (!out.completed && std::chrono::steady_clock::now() - t0 < limit) d.wait(t0 + limit, done);
  out.took = std::chrono::steady_clock::now() - t0;
  return out;
}

// Answers every PING it reads with +PONG (pipelined requests included).
fake::behaviour pong() {
  return [](int fd, fake::stop_flag stop) {
    char buf[4096];
    std::size_t pending = 0;  // bytes of the 14-byte command seen so far
    while (!stop) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const auto n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n <= 0) return;
      pending += static_cast<std::size_t>(n);
      std::string out;
      for (; pending >= 14; pending -= 14) out += "+PONG\r\n";
      if (!out.empty() && ::send(fd, out.data(), out.size(), MSG_NOSIGNAL) < 0) return;
    }
  };
}

}  // namespace

TEST(redis_event_driver, only_ping_has_one) {
  EXPECT_TRUE(redis::has_event_driver(redis::workload::ping));
  EXPECT_FALSE(redis::has_event_driver(redis::workload::context_rw));
  EXPECT_EQ(redis::make_event_driver(redis::workload::context_rw, {}, {}, 4), nullptr);
  EXPECT_EQ(redis::make_event_driver(redis::workload::ping, {}, {}, 0), nullptr);
}

TEST(redis_event_driver, one_thread_drives_every_connection_of_an_open_loop) {
  fake::fake_server s(pong());
  auto d = driver_for(s.port(), 4);
  ASSERT_EQ(d->connections(), 4u);
  stats::recorder r;
  const auto res = stats::run_open_loop(*d, r, {.rate_per_s = 2'000, .duration = 300ms, .connections = 4});
  EXPECT_EQ(s.accepted(), 4);
  EXPECT_EQ(res.scheduled, 600);
  EXPECT_EQ(res.sent, 600);
  EXPECT_EQ(res.ok, 600);
  EXPECT_EQ(r.count(), 600);
  EXPECT_EQ(r.summarize().failures(), 0);
}

TEST(redis_event_driver, refused_and_wrong_answers_are_outcomes) {
  {
    auto d = driver_for(1, 1);
    EXPECT_EQ(d->open(0).result, outcome::refused);
    auto x = ping_once(*d);  // never opened: not connected
    EXPECT_EQ(x.r.result, outcome::reset) << x.r.message;
  }
  fake::fake_server s([](int fd, fake::stop_flag stop) {
    if (!fake::await_request(fd, stop)) return;
    ::send(fd, "-ERR unknown command\r\n", 22, MSG_NOSIGNAL);
    if (!fake::await_request(fd, stop)) return;
    ::send(fd, "+PANG\r\n", 7, MSG_NOSIGNAL);
    fake::drain(fd, 1s, stop);
  });
  auto d = driver_for(s.port(), 1);
  ASSERT_TRUE(d->open(0).ok());
  auto x = ping_once(*d);
  EXPECT_EQ(x.r.result, outcome::error) << x.r.message;
  EXPECT_TRUE(x.r.connection_usable);
  x = ping_once(*d);
  EXPECT_EQ(x.r.result, outcome::check_failed) << x.r.message;
}

// Every operation has ONE deadline, the command timeout from its send.
TEST(redis_event_driver, a_dripping_reply_times_out_within_the_command_timeout) {
  fake::fake_server s(fake::drip("+PONGPONGPONGPONGPONGPONG\r\n", 50ms));
  auto d = driver_for(s.port(), 1);
  ASSERT_TRUE(d->open(0).ok());
  auto x = ping_once(*d);
  EXPECT_EQ(x.r.result, outcome::timeout) << x.r.message;
  EXPECT_FALSE(x.r.connection_usable);
  EXPECT_GE(x.took, command_timeout);
  EXPECT_LT(x.took, command_timeout + tolerance);
}

TEST(redis_event_driver, endless_replies_and_black_holes_end_within_the_command_timeout) {
  for (auto b : {fake::flood("$2000000000\r\n", std::string(65536, 'x')),
                 fake::flood("*1000000\r\n", "$65530\r\n" + std::string(65530, 'x') + "\r\n"), fake::black_hole()}) {
    fake::fake_server s(b);
    auto d = driver_for(s.port(), 1);
    ASSERT_TRUE(d->open(0).ok());
    auto x = ping_once(*d);
    EXPECT_TRUE(x.r.result == outcome::timeout || x.r.result == outcome::protocol_error) << x.r.message;
    EXPECT_LT(x.took, command_timeout + tolerance);
  }
  fake::fake_server s(fake::flood("HTTP/1.1 400 Bad Request\r\n", "\r\n"));
  auto d = driver_for(s.port(), 1);
  ASSERT_TRUE(d->open(0).ok());
  auto x = ping_once(*d);
  EXPECT_EQ(x.r.result, outcome::protocol_error) << x.r.message;
}

TEST(redis_event_driver, a_stop_request_ends_an_open_loop_at_once) {
  // In a child process: the stop request is process-wide and sticky (and
  // re-executed, so the child's stop pipe is not this process's).
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        fake::fake_server s(fake::black_hole());
        auto d = driver_for(s.port(), 2, 30s);
        std::thread stopper([] {
          std::this_thread::sleep_for(200ms);
          request_stop();
        });
        stats::recorder r;
        const auto t0 = std::chrono::steady_clock::now();
        const auto res = stats::run_open_loop(*d, r, {.rate_per_s = 100, .duration = 20s, .connections = 2});
        const auto took = std::chrono::steady_clock::now() - t0;
        stopper.join();
        std::_Exit(res.interrupted && !res.valid && r.failures(outcome::skipped) >= 1 && took < 2s ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}
