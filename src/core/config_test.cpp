#include "core/config.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/error.hpp"

using namespace cutover;

namespace {
std::string error_of(std::string_view text) {
  try {
    parse_config(text, "cfg.json");
  } catch (const config_error& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST(config, loads_targets_from_urls_and_objects) {
  ::setenv("CUTOVER_TEST_PG", "postgresql://gen_user:s%40cret-pw@127.0.0.1:15433/default_db?sslmode=disable", 1);
  auto c = parse_config(R"({
    "profile": "lab",
    "targets": {
      "tunnel": {"path": "tunnel", "postgres": "${CUTOVER_TEST_PG}",
                 "redis": "redis://:redis-pw-123@127.0.0.1:16379/2"},
      "private": {"postgres": {"host": "127.0.0.1", "port": "15432", "dbname": "default_db",
                               "user": "gen_user", "password": "pw-private-1"},
                  "socks5": "socks5://127.0.0.1:11080", "http": "http://127.0.0.1:3000"}
    },
    "timeouts": {"connect_ms": 1500, "run_s": 30},
    "sampling": {"samples": 200, "interval_us": 100},
    "expect": {"whatsapp_keys": 335, "private_host": "127.0.0.1"}
  })", "cfg.json");
  ASSERT_EQ(c.targets.size(), 2u);
  auto* t = c.find("tunnel");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->path, "tunnel");
  EXPECT_EQ(t->postgres->port, 15433);
  EXPECT_EQ(t->postgres->user, "gen_user");
  EXPECT_EQ(t->postgres->password.reveal(), "s@cret-pw");
  EXPECT_EQ(t->postgres->sslmode, "disable");
  EXPECT_EQ(t->redis->password.reveal(), "redis-pw-123");
  EXPECT_EQ(t->redis->db, 2);
  auto* p = c.find("private");
  EXPECT_EQ(p->path, "private");
  EXPECT_EQ(p->postgres->port, 15432);
  EXPECT_EQ(p->socks5->port, 11080);
  EXPECT_EQ(c.timeouts.connect.count(), 1500);
  EXPECT_EQ(c.timeouts.run.count(), 30000);
  EXPECT_EQ(c.sampling.samples, 200);
  EXPECT_EQ(c.sampling.interval.count(), 100);
  EXPECT_EQ(c.find("nope"), nullptr);
}

TEST(config, errors_name_file_and_place) {
  EXPECT_EQ(error_of(R"({"targets": {"a": {"postgres": {"prot": 1}}}})"), "cfg.json: targets.a.postgres.prot: unknown key");
  EXPECT_EQ(error_of(R"({"targets": {"a": {"postgres": "${CUTOVER_SURELY_UNSET_VAR}"}}})"),
            "cfg.json: targets.a.postgres: variable ${CUTOVER_SURELY_UNSET_VAR} is not set");
  EXPECT_EQ(error_of(R"({"targets": {}})"), "cfg.json: targets: expected a non-empty object of named targets");
  EXPECT_EQ(error_of(R"({"targets": {"a": {}}, "bogus": 1})"), "cfg.json: bogus: unknown key");
  EXPECT_EQ(error_of(R"({"targets": {"a": {"postgres": {"port": "54x"}}}})"),
            "cfg.json: targets.a.postgres.port: expected an integer, got '54x'");
  EXPECT_EQ(error_of(R"({"targets": {"a": {"postgres": {"port": 70000}}}})"),
            "cfg.json: targets.a.postgres.port: out of range [1, 65535]");
  EXPECT_EQ(error_of(R"({"targets": {"a": {"redis": "http://x"}}})"), "cfg.json: targets.a.redis: expected a redis:// URL");
  EXPECT_EQ(error_of(R"({"targets": {"a": {}}, "criteria": {"db.reachable": {"waive": ""}}})"),
            "cfg.json: criteria.db.reachable.waive: a waiver needs a written reason");
  auto malformed = error_of("{\"targets\": {\"a\": {}},\n }");
  EXPECT_EQ(malformed.rfind("cfg.json: (json): malformed JSON at line 2", 0), 0u) << malformed;
  EXPECT_EQ(malformed.find('\n'), std::string::npos);
}

TEST(config, default_value_syntax_and_env_file) {
  auto dir = std::filesystem::temp_directory_path() / "cutover_config_test";
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir / ".env") << "POSTGRES_HOST=127.0.0.5\nPOSTGRES_PORT=6543\nPOSTGRES_PASSWORD=env-file-pw\n";
  }
  auto c = parse_config(R"({
    "env_file": ".env",
    "targets": {"private": {"postgres": {"host": "${POSTGRES_HOST}", "port": "${POSTGRES_PORT}",
                                         "user": "${POSTGRES_USER:-gen_user}", "password": "${POSTGRES_PASSWORD}"}}}
  })", "cfg.json", dir);
  auto& pg = *c.targets.at(0).postgres;
  EXPECT_EQ(pg.host, "127.0.0.5");
  EXPECT_EQ(pg.port, 6543);
  EXPECT_EQ(pg.user, "gen_user");
  EXPECT_EQ(pg.password.reveal(), "env-file-pw");
  EXPECT_EQ(c.env.at("POSTGRES_HOST"), "127.0.0.5");
  std::filesystem::remove_all(dir);
}

TEST(config, redacted_json_never_contains_passwords) {
  auto c = parse_config(R"({"targets": {
      "t": {"postgres": "postgresql://u:pg-secret-value@127.0.0.1:5432/db",
            "redis": "redis://:redis-secret-value@127.0.0.1:6379"}}})", "cfg.json");
  auto text = to_redacted_json(c).dump();
  EXPECT_EQ(text.find("pg-secret-value"), std::string::npos) << text;
  EXPECT_EQ(text.find("redis-secret-value"), std::string::npos) << text;
  EXPECT_NE(text.find("postgresql://u:***@127.0.0.1:5432/db"), std::string::npos) << text;
  EXPECT_NE(text.find("redis://:***@127.0.0.1:6379"), std::string::npos) << text;
}

TEST(config, conninfo_quotes_values_and_rounds_timeout_up) {
  pg_endpoint e;
  e.host = "127.0.0.1";
  e.user = "o'neil";
  e.password = secret("pw with space");
  auto ci = e.conninfo(std::chrono::milliseconds(2500));
  EXPECT_NE(ci.find("user='o\\'neil'"), std::string::npos) << ci;
  EXPECT_NE(ci.find("password='pw with space'"), std::string::npos);
  EXPECT_NE(ci.find("connect_timeout=3"), std::string::npos);
}
