#include "pg/async_driver.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <string>

#include "net/fake_server.hpp"

using namespace cutover;
using namespace std::chrono_literals;
namespace fake = cutover::net::testing;

// The event driver's operations have ONE deadline each, as pg::session's
// watchdog (statement timeout x 1.25 + 200 ms). The fake server speaks just
// enough of the protocol to get past the startup and the PREPARE (no SET:
// a session setting would outlive the harness behind a transaction pooler).
// Tolerance: the deadline plus 700 ms for a loaded 2-core machine.
namespace {

constexpr auto statement_timeout = 300ms;
constexpr auto deadline = statement_timeout + statement_timeout / 4 + 200ms;
constexpr auto tolerance = 700ms;

std::string message(char type, const std::string& body) {
  std::uint32_t len = htonl(static_cast<std::uint32_t>(body.size() + 4));
  std::string m(1, type);
  m.append(reinterpret_cast<const char*>(&len), 4);
  return m + body;
}

bool say(int fd, const std::string& s) { return ::send(fd, s.data(), s.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(s.size()); }

// Startup (authentication ok, parameters, ready), then the PREPARE (parse complete, ready).
bool pg_setup(int fd, fake::stop_flag stop) {
  const auto param = [](const std::string& k, const std::string& v) {
    return message('S', k + std::string(1, '\0') + v + std::string(1, '\0'));
  };
  if (!fake::await_request(fd, stop) ||
      !say(fd, message('R', std::string(4, '\0')) + param("server_version", "15.0") + param("client_encoding", "UTF8") +
                   param("integer_datetimes", "on") + message('Z', "I")))
    return false;
  return fake::await_request(fd, stop) && say(fd, message('1', "") + message('Z', "I"));
}

struct one_op {
  probe_result r;
  std::chrono::steady_clock::duration took{};
  bool completed = false;
};

one_op query_once(std::uint16_t port, probe_result* opened = nullptr) {
  pg_endpoint e;
  e.host = "127.0.0.1";
  e.port = port;
  e.sslmode = "disable";
  auto d = pg::make_event_driver(pg::workload::select1, e, {2000ms, statement_timeout, ""}, 1);
  one_op out;
  auto o = d->open(0);
  if (opened) *opened = o;
  if (!o.ok()) return out;
  const auto t0 = std::chrono::steady_clock::now();
  d->send(0);
  const event_driver::completion done = [&](std::size_t, probe_result&& r) {
    out.r = std::move(r);
    out.completed = true;
  };
  while (!out.completed && std::chrono::steady_clock::now() - t0 < 10s) d->wait(t0 + 10s, done);
  out.took = std::chrono::steady_clock::now() - t0;
  return out;
}

}  // namespace

TEST(pg_event_driver, only_select1_has_one) {
  EXPECT_TRUE(pg::has_event_driver(pg::workload::select1));
  EXPECT_FALSE(pg::has_event_driver(pg::workload::select1_simple));
  EXPECT_EQ(pg::make_event_driver(pg::workload::now, {}, {}, 2), nullptr);
}

TEST(pg_event_driver, a_black_hole_times_out_within_the_deadline) {
  fake::fake_server s([](int fd, fake::stop_flag stop) {
    if (!pg_setup(fd, stop)) return;
    while (!stop && fake::drain(fd, 50ms, stop)) {
    }
  });
  probe_result opened;
  auto x = query_once(s.port(), &opened);
  ASSERT_TRUE(opened.ok()) << opened.message;
  ASSERT_TRUE(x.completed);
  EXPECT_EQ(x.r.result, outcome::timeout) << x.r.message;
  EXPECT_FALSE(x.r.connection_usable);
  EXPECT_GE(x.took, deadline);
  EXPECT_LT(x.took, deadline + tolerance);
}

TEST(pg_event_driver, an_endless_result_ends_within_the_deadline) {
  std::string desc("\0\1c\0", 4);
  desc += std::string(6, '\0') + std::string("\0\0\0\x19", 4) + std::string("\xff\xff\xff\xff\xff\xff\0\0", 8);
  std::string rows;
  for (int i = 0; i < 2000; ++i) rows += message('D', std::string("\0\1\0\0\0\2ok", 8));
  fake::fake_server s(fake::flood(message('2', "") + message('T', desc), rows, pg_setup));
  probe_result opened;
  auto x = query_once(s.port(), &opened);
  ASSERT_TRUE(opened.ok()) << opened.message;
  ASSERT_TRUE(x.completed);
  EXPECT_TRUE(x.r.result == outcome::timeout || x.r.result == outcome::protocol_error) << x.r.message;
  EXPECT_LT(x.took, deadline + tolerance);
}

TEST(pg_event_driver, a_closed_port_is_refused) {
  probe_result opened;
  query_once(1, &opened);
  EXPECT_EQ(opened.result, outcome::refused) << opened.message;
}

TEST(pg_event_driver, opens_like_pg_session_one_connect_deadline_and_the_sqlstate) {
  // A server that never answers the startup: the connect deadline (600 ms)
  // holds, not libpq's whole-second connect_timeout (at least 2 s).
  {
    fake::fake_server s(fake::black_hole());
    pg_endpoint e;
    e.host = "127.0.0.1";
    e.port = s.port();
    e.sslmode = "disable";
    auto d = pg::make_event_driver(pg::workload::select1, e, {600ms, statement_timeout, ""}, 1);
    const auto t0 = std::chrono::steady_clock::now();
    auto o = d->open(0);
    const auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_EQ(o.result, outcome::timeout) << o.message;
    EXPECT_GE(took, 600ms);
    EXPECT_LT(took, 600ms + tolerance);
  }
  // A refusal of the password, in Russian: the SQLSTATE (28P01) decides.
  fake::fake_server s([](int fd, fake::stop_flag stop) {
    if (!fake::await_request(fd, stop)) return;
    const std::string fields = std::string("SВАЖНО") + '\0' + "VFATAL" + '\0' + "C28P01" + '\0' +
                               "Mпользователь \"u\" не прошёл проверку подлинности (по паролю)" + '\0' + '\0';
    say(fd, message('E', fields));
  });
  pg_endpoint e;
  e.host = "127.0.0.1";
  e.port = s.port();
  e.sslmode = "disable";
  auto d = pg::make_event_driver(pg::workload::select1, e, {2000ms, statement_timeout, ""}, 1);
  auto o = d->open(0);
  EXPECT_EQ(o.result, outcome::auth_failed) << o.message;
}
