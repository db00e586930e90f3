// Unit tests (no network beyond a loopback listener of the test's own):
// reply matching and lost/late/duplicate accounting, health-body checks,
// pm2 jlist parsing and judging.
#include <gtest/gtest.h>

#include <thread>

#include "core/config.hpp"
#include "core/error.hpp"
#include "e2e/checks.hpp"
#include "e2e/message.hpp"
#include "http/client.hpp"
#include "http/server.hpp"
#include "e2e/reply_book.hpp"
#include "e2e/reply_listener.hpp"

using namespace cutover;
using namespace cutover::e2e;
using namespace std::chrono_literals;

namespace {
const auto t0 = e2e_clock::time_point{} + 1h;
}

TEST(reply_book, matches_replies_by_id_and_counts_lost_late_duplicated) {
  reply_book b;
  ASSERT_TRUE(b.expect("a", "seq", t0, t0 + 15s));
  ASSERT_TRUE(b.expect("b", "seq", t0, t0 + 15s));
  ASSERT_TRUE(b.expect("c", "seq", t0, t0 + 15s));
  ASSERT_TRUE(b.expect("d", "conc", t0, t0 + 15s));
  EXPECT_FALSE(b.expect("a", "seq", t0, t0 + 15s)) << "an id is unique";
  b.on_reply("a", t0 + 50ms, {{"message_id", "a"}, {"text", "first"}});
  b.on_reply("a", t0 + 60ms, {{"message_id", "a"}, {"text", "again"}});  // duplicate
  b.on_reply("b", t0 + 16s);                                              // late
  b.on_reply("zzz", t0 + 1s);                                             // someone else's
  b.on_reply("d", t0 + 1s);
  // "c" never answered: lost.
  auto seq = b.tally("seq");
  EXPECT_EQ(seq.sent, 3);
  EXPECT_EQ(seq.answered, 1);
  EXPECT_EQ(seq.late, 1);
  EXPECT_EQ(seq.lost, 1);
  EXPECT_EQ(seq.duplicated, 1);
  EXPECT_EQ(seq.unexpected, 0) << "unexpected replies belong to no pass";
  EXPECT_NEAR(seq.success_pct(), 100.0 / 3, 1e-9);
  auto all = b.tally();
  EXPECT_EQ(all.sent, 4);
  EXPECT_EQ(all.answered, 2);
  EXPECT_EQ(all.unexpected, 1);
  EXPECT_EQ(b.payload("a")["text"], "first") << "the first reply's payload is kept";
  auto j = all.to_json();
  EXPECT_EQ(j["lost"], 1);
  EXPECT_EQ(j["sent"], 4);
}

TEST(reply_book, wait_returns_the_arrival_time_and_rejects_a_late_reply) {
  reply_book b;
  auto now = e2e_clock::now();
  b.expect("x", "p", now, now + 10s);
  std::thread replier([&] {
    std::this_thread::sleep_for(20ms);
    b.on_reply("x", e2e_clock::now());
  });
  auto at = b.wait("x", now + 5s);
  replier.join();
  ASSERT_TRUE(at.has_value());
  EXPECT_GE(*at - now, 20ms);
  // A reply stamped after the message's own deadline does not count.
  b.expect("y", "p", now, now + 1ms);
  b.on_reply("y", now + 2ms);
  EXPECT_FALSE(b.wait("y", e2e_clock::now()).has_value());
  // No reply: the wait ends at its deadline.
  b.expect("z", "p", now, now + 10s);
  auto before = e2e_clock::now();
  EXPECT_FALSE(b.wait("z", before + 30ms).has_value());
  EXPECT_GE(e2e_clock::now() - before, 30ms);
  EXPECT_FALSE(b.wait("unknown", before).has_value());
  b.cancel("z");
  EXPECT_EQ(b.tally("p").sent, 2) << "a cancelled message was never sent";
}

TEST(reply_listener, stamps_posted_replies_and_rejects_other_requests) {
  reply_book b;
  reply_listener l(b, "127.0.0.1", 0);
  ASSERT_TRUE(l.start().ok());
  ASSERT_NE(l.port(), 0);
  auto sent = e2e_clock::now();
  b.expect("m-1", "p", sent, sent + 5s);
  http::url u{"127.0.0.1", l.port(), ""};
  auto r = http::send(u, "POST", "/reply", R"({"message_id":"m-1","text":"hi"})", 2s);
  ASSERT_TRUE(r.status.ok()) << r.status.message;
  EXPECT_EQ(r.code, 200);
  auto at = b.wait("m-1", sent + 1s);
  ASSERT_TRUE(at.has_value());
  EXPECT_EQ(b.payload("m-1")["text"], "hi");
  auto bad = http::send(u, "POST", "/reply", "not json", 2s);
  EXPECT_EQ(bad.code, 400);
  EXPECT_EQ(l.rejected(), 1);
  // A second listener on the same port fails with a clear message, not an exception.
  reply_listener other(b, "127.0.0.1", l.port());
  auto e = other.start();
  EXPECT_FALSE(e.ok());
  EXPECT_NE(e.message.find("cannot listen"), std::string::npos) << e.message;
  reply_listener wide(b, "0.0.0.0", 0);
  EXPECT_NE(wide.start().message.find("not a loopback"), std::string::npos);
}

TEST(health, one_judgement_names_the_path) {
  http::server s([](const http::request& q) {
    if (q.target == "/health") return http::response{200, "application/json", R"({"status":"ok"})"};
    return http::response{500, "application/json", R"({"status":"error"})"};
  });
  ASSERT_TRUE(s.start("127.0.0.1", 0).ok());
  http::url api{"127.0.0.1", s.port(), ""};
  EXPECT_TRUE(check_health_path(api, "/health", 2s).ok());
  auto bad = check_health_path(api, "/api/health/redis", 2s);
  EXPECT_EQ(bad.result, outcome::check_failed);
  EXPECT_EQ(bad.message.rfind("/api/health/redis: HTTP 500", 0), 0u) << bad.message;
  auto report = check_health(api, {"/health", "/api/health/redis"}, 2s);
  EXPECT_EQ(report.ok_paths, std::vector<std::string>{"/health"});
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0], bad.message);
}

TEST(health, judges_code_json_and_status) {
  EXPECT_TRUE(check_health_answer(200, R"({"status":"ok","uptime_s":3})").ok());
  auto e500 = check_health_answer(500, R"({"status":"error","error":"lab fault"})");
  EXPECT_EQ(e500.result, outcome::check_failed);
  EXPECT_NE(e500.message.find("HTTP 500"), std::string::npos) << e500.message;
  EXPECT_NE(e500.message.find("lab fault"), std::string::npos) << e500.message;
  auto garbage = check_health_answer(200, "<html>oops</html>\n");
  EXPECT_EQ(garbage.result, outcome::protocol_error);
  EXPECT_NE(garbage.message.find("not JSON"), std::string::npos) << garbage.message;
  auto down = check_health_answer(200, R"({"status":"error"})");
  EXPECT_EQ(down.result, outcome::check_failed);
  EXPECT_NE(down.message.find(R"(status is "error")"), std::string::npos) << down.message;
  EXPECT_EQ(check_health_answer(200, R"([1,2])").result, outcome::check_failed);
  EXPECT_EQ(check_health_answer(503, "").result, outcome::check_failed);
}

TEST(pm2, parses_jlist_after_a_banner_and_judges_services) {
  auto list = parse_pm2_jlist(
      "[PM2] Spawning PM2 daemon with pm2_home=/x\n"
      R"([{"name":"ai-admin-api","pid":10,"pm2_env":{"status":"online","restart_time":0}},)"
      R"({"name":"ai-admin-worker-v2","pid":0,"pm2_env":{"status":"stopped","restart_time":0}},)"
      R"({"name":"ai-admin-telegram-bot","pid":12,"pm2_env":{"status":"online","restart_time":4}},)"
      R"({"name":"odd"}])");
  ASSERT_EQ(list.size(), 4u);
  EXPECT_EQ(list[0].pid, 10);
  EXPECT_EQ(list[1].status, "stopped");
  EXPECT_EQ(list[2].restarts, 4);
  EXPECT_EQ(list[3].status, "unknown");
  auto problems = judge_services(list, {"ai-admin-api", "ai-admin-worker-v2", "ai-admin-telegram-bot", "baileys-whatsapp-service"}, 3);
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems[0], "ai-admin-worker-v2 is stopped");
  EXPECT_EQ(problems[1], "ai-admin-telegram-bot restarted 4 times (max 3)");
  EXPECT_EQ(problems[2], "baileys-whatsapp-service is not in PM2's list");
  EXPECT_TRUE(judge_services(list, {"ai-admin-api"}, 0).empty());
  EXPECT_TRUE(parse_pm2_jlist("[]").empty());
  EXPECT_THROW(parse_pm2_jlist("sh: pm2: command not found"), error);
}

TEST(config, app_section_defaults_and_overrides) {
  auto def = parse_config(R"({"targets": {"private": {"http": "http://127.0.0.1:3000"}}})", "cfg.json");
  EXPECT_EQ(def.app.services.size(), 8u) << "the plan's eight PM2 services by default";
  EXPECT_EQ(def.app.ai_min.count(), 9000);
  EXPECT_EQ(def.app.ai_max.count(), 15000);
  EXPECT_EQ(def.app.reply_timeout.count(), 15000);
  auto c = parse_config(R"({"targets": {"private": {"http": "http://127.0.0.1:3000"}},
    "app": {"target": "private", "reply_listen": "127.0.0.1:32431", "pm2_home": "/tmp/x/pm2",
            "services": ["ai-admin-api"], "messages": 12, "concurrency": 3, "ai_window_ms": [5, 1000]}})",
                        "cfg.json");
  EXPECT_EQ(c.app.reply_port, 32431);
  EXPECT_EQ(c.app.services, std::vector<std::string>{"ai-admin-api"});
  EXPECT_EQ(c.app.messages, 12);
  EXPECT_EQ(c.app.ai_min.count(), 5);
  auto error_of = [](const char* app) {
    try {
      parse_config(std::string(R"({"targets": {"t": {}}, "app": )") + app + "}", "cfg.json");
    } catch (const config_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of(R"({"reply_listen": "0.0.0.0:3999"})").find("loopback only"), std::string::npos);
  EXPECT_NE(error_of(R"({"ai_window_ms": [15000, 9000]})").find("min is above max"), std::string::npos);
  EXPECT_NE(error_of(R"({"phone_prefix": "+7"})").find("app.phone_prefix"), std::string::npos);
  EXPECT_NE(error_of(R"({"colour": 1})").find("app.colour: unknown key"), std::string::npos);
  EXPECT_NE(error_of(R"({"reply_mode": "webhook"})").find("app.reply_mode"), std::string::npos);
  EXPECT_NE(error_of(R"({"passive_jobs": 0})").find("app.passive_jobs"), std::string::npos);
  EXPECT_EQ(def.app.reply_mode, "listener");
  auto job = parse_config(R"({"targets": {"t": {}}, "app": {"reply_mode": "job"}})", "cfg.json");
  EXPECT_EQ(job.app.reply_mode, "job");
  auto passive = parse_config(R"({"targets": {"t": {}}, "app": {"reply_mode": "passive", "passive_jobs": 50}})", "cfg.json");
  EXPECT_EQ(passive.app.passive_jobs, 50);
}

TEST(passive, tally_names_the_span_of_the_jobs_read_in_utc) {
  passive_tally t;
  EXPECT_TRUE(t.to_json()["oldest_finished_at"].is_null()) << "no job read: no span";
  t.used = 2;
  t.oldest_finished_ms = 1795595637250;
  t.newest_finished_ms = 1795595640001;
  auto j = t.to_json();
  EXPECT_EQ(j["used"], 2);
  EXPECT_EQ(j["oldest_finished_at"], "2026-11-25T08:33:57.250Z");
  EXPECT_EQ(j["newest_finished_at"], "2026-11-25T08:34:00.001Z");
}

TEST(passive, without_a_redis_endpoint_it_says_so_and_records_nothing) {
  session_options o;
  pass_recorders rec;
  passive_tally t;
  auto r = read_completed_jobs(o, 10, rec, t);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.message.find("no"), std::string::npos) << r.message;
  EXPECT_EQ(rec.processing.summarize().count, 0);
}

TEST(passive, a_refused_redis_is_an_outcome_not_a_throw) {
  session_options o;
  o.redis = redis_endpoint{};
  o.redis->port = 1;  // nothing listens on port 1 of loopback
  o.connect_timeout = 500ms;
  pass_recorders rec;
  passive_tally t;
  auto r = read_completed_jobs(o, 10, rec, t);
  EXPECT_EQ(r.result, outcome::refused) << r.message;
  EXPECT_EQ(t.used, 0);
}
