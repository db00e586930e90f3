#include "redis/client.hpp"

#include <arpa/inet.h>
#include <hiredis/hiredis.h>

#include <gtest/gtest.h>
#include <hiredis/read.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <thread>

#include "core/interrupt.hpp"
#include "net/fake_server.hpp"

using namespace cutover;

TEST(redis_classify, maps_hiredis_codes_and_errno_to_outcomes) {
  EXPECT_EQ(redis::classify(REDIS_ERR_IO, EAGAIN), outcome::timeout);  // SO_RCVTIMEO passed
  EXPECT_EQ(redis::classify(REDIS_ERR_IO, ETIMEDOUT), outcome::timeout);
  EXPECT_EQ(redis::classify(REDIS_ERR_IO, ECONNREFUSED), outcome::refused);
  EXPECT_EQ(redis::classify(REDIS_ERR_IO, ECONNRESET), outcome::reset);
  EXPECT_EQ(redis::classify(REDIS_ERR_IO, EPIPE), outcome::reset);
  EXPECT_EQ(redis::classify(REDIS_ERR_IO, EACCES), outcome::error);
  EXPECT_EQ(redis::classify(REDIS_ERR_EOF, 0), outcome::reset);
  EXPECT_EQ(redis::classify(REDIS_ERR_PROTOCOL, 0), outcome::protocol_error);
  EXPECT_EQ(redis::classify(REDIS_ERR_OTHER, 0), outcome::error);
}

TEST(redis_classify, maps_error_replies_by_their_code) {
  EXPECT_EQ(redis::classify_reply("NOAUTH Authentication required."), outcome::auth_failed);
  EXPECT_EQ(redis::classify_reply("WRONGPASS invalid username-password pair or user is disabled."), outcome::auth_failed);
  EXPECT_EQ(redis::classify_reply("NOAUTH"), outcome::auth_failed);
  EXPECT_EQ(redis::classify_reply("ERR unknown command"), outcome::error);
  // The code decides, not words in the text.
  EXPECT_EQ(redis::classify_reply("ERR NOAUTH-like text in a message"), outcome::error);
}

TEST(redis_client, closed_port_is_refused) {
  redis_endpoint e;
  e.port = 1;
  redis::client c(e, {});
  auto r = c.connect();
  EXPECT_EQ(r.result, outcome::refused) << r.message;
  EXPECT_FALSE(c.connected());
  EXPECT_EQ(c.command({"PING"}).result, outcome::reset);
}

// Every command has ONE deadline (command_timeout), not a timeout per read:
// misbehaving servers end the command within it. Tolerance: the deadline
// plus 700 ms for a loaded 2-core machine (a per-read timeout would take the
// whole drip: 8 s and more here).
namespace {

using namespace std::chrono_literals;
namespace fake = cutover::net::testing;

constexpr auto command_timeout = 400ms;
constexpr auto tolerance = 700ms;

struct timed {
  probe_result r;
  std::chrono::steady_clock::duration took;
};

timed ping(std::uint16_t port) {
  redis_endpoint e;
  e.port = port;
  redis::client c(e, {1000ms, command_timeout, false, ""});
  auto r = c.connect();
  if (!r.ok()) return {r, {}};
  auto t0 = std::chrono::steady_clock::now();
  r = c.command({"PING"});
  return {r, std::chrono::steady_clock::now() - t0};
}

}  // namespace

TEST(redis_deadline, a_dripping_reply_times_out_within_the_command_timeout) {
  fake::fake_server s(fake::drip("+PONGPONGPONGPONGPONGPONG\r\n", 50ms));
  auto [r, took] = ping(s.port());
  EXPECT_EQ(r.result, outcome::timeout) << r.message;
  EXPECT_FALSE(r.connection_usable);
  EXPECT_GE(took, command_timeout);
  EXPECT_LT(took, command_timeout + tolerance);
}

TEST(redis_deadline, an_endless_bulk_reply_ends_within_the_command_timeout) {
  fake::fake_server s(fake::flood("$2000000000\r\n", std::string(65536, 'x')));
  auto [r, took] = ping(s.port());
  EXPECT_TRUE(r.result == outcome::timeout || r.result == outcome::protocol_error) << r.message;
  EXPECT_LT(took, command_timeout + tolerance);
}

TEST(redis_deadline, an_endless_array_ends_within_the_command_timeout) {
  fake::fake_server s(fake::flood("*1000000\r\n", "$65530\r\n" + std::string(65530, 'x') + "\r\n"));
  auto [r, took] = ping(s.port());
  EXPECT_TRUE(r.result == outcome::timeout || r.result == outcome::protocol_error) << r.message;
  EXPECT_LT(took, command_timeout + tolerance);
}

TEST(redis_deadline, a_black_hole_times_out_and_garbage_is_a_protocol_error) {
  {
    fake::fake_server s(fake::black_hole());
    auto [r, took] = ping(s.port());
    EXPECT_EQ(r.result, outcome::timeout) << r.message;
    EXPECT_LT(took, command_timeout + tolerance);
  }
  fake::fake_server s(fake::flood("HTTP/1.1 400 Bad Request\r\n", "\r\n"));
  auto [r, took] = ping(s.port());
  EXPECT_EQ(r.result, outcome::protocol_error) << r.message;
  EXPECT_LT(took, command_timeout + tolerance);
}

TEST(redis_client, a_server_that_hangs_up_mid_command_is_a_reset) {
  // Reads the command, then closes: hiredis would call it REDIS_ERR_EOF; the
  // client's own read under the command deadline classifies it the same way.
  fake::fake_server s([](int fd, fake::stop_flag stop) { fake::await_request(fd, stop); });
  auto [r, took] = ping(s.port());
  EXPECT_EQ(r.result, outcome::reset) << r.message;
  EXPECT_EQ(r.result, redis::classify(REDIS_ERR_EOF, 0));
  EXPECT_FALSE(r.connection_usable);
}

TEST(redis_deadline, a_stop_request_interrupts_a_command_in_progress) {
  // In a child process: the stop request is process-wide and sticky.
  EXPECT_EXIT(
      {
        fake::fake_server s(fake::black_hole());
        redis_endpoint e;
        e.port = s.port();
        redis::client c(e, {1000ms, 30s, false, ""});
        if (!c.connect().ok()) std::_Exit(3);
        std::thread stopper([] {
          std::this_thread::sleep_for(100ms);
          request_stop();
        });
        auto t0 = std::chrono::steady_clock::now();
        auto r = c.command({"PING"});
        auto took = std::chrono::steady_clock::now() - t0;
        stopper.join();
        std::_Exit(r.result == outcome::skipped && took < 2s ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(redis_client, a_server_that_never_answers_is_a_timeout_said_in_words) {
  // A loopback socket that listens (the kernel completes the handshake) but never replies.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  redis_endpoint e;
  e.port = ntohs(a.sin_port);
  redis::client c(e, {std::chrono::milliseconds(1000), std::chrono::milliseconds(150), false, ""});
  ASSERT_TRUE(c.connect().ok());
  auto r = c.command({"PING"});
  ::close(fd);
  EXPECT_EQ(r.result, outcome::timeout) << r.message;
  EXPECT_EQ(r.message, "command: no complete reply within 150 ms");
}

TEST(redis_classify, context_errors_come_from_codes) {
  EXPECT_EQ(redis::classify(REDIS_ERR_IO, EAGAIN), outcome::timeout);
  EXPECT_EQ(redis::classify(REDIS_ERR_IO, ECONNREFUSED), outcome::refused);
  EXPECT_EQ(redis::classify(REDIS_ERR_IO, ECONNRESET), outcome::reset);
}
