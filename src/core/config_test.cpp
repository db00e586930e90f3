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
            "cfg.json: criteria.\"db.reachable\".waive: a waiver needs a written reason");
  auto malformed = error_of("{\"targets\": {\"a\": {}},\n }");
  EXPECT_EQ(malformed.rfind("cfg.json: malformed JSON at line 2", 0), 0u) << malformed;
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

TEST(config, http_url_with_credentials_is_refused_at_load_and_never_shown) {
  auto e = error_of(R"({"targets": {"a": {"http": "http://admin:http-secret-pw@127.0.0.1:3000"}}})");
  EXPECT_EQ(e, "cfg.json: targets.a.http: the API URL must not carry credentials (user:password@)");
  EXPECT_EQ(error_of(R"({"targets": {"a": {"http": "https://127.0.0.1"}}})"),
            "cfg.json: targets.a.http: expected an http:// URL (the app's API; https is not supported)");
  http_endpoint h{"http://admin:http-secret-pw@127.0.0.1:3000/x"};
  EXPECT_EQ(h.display(), "http://***@127.0.0.1:3000/x");
}

TEST(config, raw_reserved_characters_in_a_url_password_are_refused_without_showing_it) {
  for (std::string url : {"postgresql://u:p@ssw0rdX@127.0.0.1:40001/db", "postgresql://u:pa/ssw0rdX@127.0.0.1/db",
                          "postgresql://u:pa?ssw0rdX@127.0.0.1/db", "postgresql://u:pa#ssw0rdX@127.0.0.1/db",
                          "redis://:p@ssw0rdX@127.0.0.1:6379", "redis://:pa/ssw0rdX@127.0.0.1:6379",
                          "redis://:pa#ssw0rdX@127.0.0.1:6379/1"}) {
    auto kind = url.starts_with("redis") ? "redis" : "postgres";
    auto e = error_of(R"({"targets": {"a": {")" + std::string(kind) + R"(": ")" + url + R"("}}})");
    EXPECT_NE(e.find("percent-encode it"), std::string::npos) << e;
    EXPECT_EQ(e.find("ssw0rdX"), std::string::npos) << e;
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  }
  // Percent-encoded, the same password is fine.
  auto c = parse_config(R"({"targets": {"a": {"postgres": "postgresql://u:p%40ss%2Fw%3F%23X@127.0.0.1:40001/db"}}})", "cfg.json");
  EXPECT_EQ(c.targets[0].postgres->host, "127.0.0.1");
  EXPECT_EQ(c.targets[0].postgres->password.reveal(), "p@ss/w?#X");
}

TEST(config, an_env_variable_in_the_wrong_field_is_named_never_expanded) {
  ::setenv("CUTOVER_TEST_PG_PASSWORD", "hunter2-in-port", 1);
  ::setenv("CUTOVER_TEST_SOME_VALUE", "hunter3-in-port", 1);
  auto e = error_of(R"({"targets": {"a": {"postgres": {"port": "${CUTOVER_TEST_PG_PASSWORD}"}}}})");
  EXPECT_EQ(e, "cfg.json: targets.a.postgres.port: expected an integer, got '${CUTOVER_TEST_PG_PASSWORD}'");
  e = error_of(R"({"targets": {"a": {"redis": {"db": "${CUTOVER_TEST_SOME_VALUE}"}}}})");
  EXPECT_EQ(e.find("hunter3"), std::string::npos) << e;
  e = error_of(R"({"targets": {"a": {}}, "app": {"reply_listen": "${CUTOVER_TEST_SOME_VALUE}:1"}})");
  EXPECT_EQ(e.find("hunter3"), std::string::npos) << e;
  e = error_of(R"({"targets": {"a": {}}, "app": {"reply_listen": "127.0.0.1:${CUTOVER_TEST_SOME_VALUE}"}})");
  EXPECT_EQ(e.find("hunter3"), std::string::npos) << e;
  // A password-like variable read from the environment is a registered secret.
  EXPECT_EQ(scrub("x hunter2-in-port y"), "x *** y");
  ::unsetenv("CUTOVER_TEST_PG_PASSWORD");
  ::unsetenv("CUTOVER_TEST_SOME_VALUE");
}

TEST(config, redis_url_needs_a_host_and_a_database_number_from_0_to_15) {
  for (std::string url : {"redis://:pw@:6379", "redis://127.0.0.1:6379/99", "redis://127.0.0.1:6379/-1",
                          "redis://127.0.0.1:6379/1abc", "redis://127.0.0.1:6379/0?x=1"}) {
    auto e = error_of(R"({"targets": {"a": {"redis": ")" + url + R"("}}})");
    EXPECT_EQ(e.rfind("cfg.json: targets.a.redis: ", 0), 0u) << url << ": " << e;
  }
  EXPECT_EQ(error_of(R"({"targets": {"a": {"redis": {"host": ""}}}})"), "cfg.json: targets.a.redis: host is empty");
  EXPECT_EQ(error_of(R"({"targets": {"a": {"postgres": "postgresql:///db"}}})"),
            "cfg.json: targets.a.postgres: the URL has no host");
  auto c = parse_config(R"({"targets": {"a": {"redis": "redis://127.0.0.1:6379/15"}}})", "cfg.json");
  EXPECT_EQ(c.targets[0].redis->db, 15);
}

TEST(config, secrets_under_other_names_or_inside_env_values_are_scrubbed) {
  // An .env password under a name other than ...PASSWORD, a URL and a DSN
  // carrying passwords, and a query token in the API URL: none may reach
  // an output (the host field would show the first in every report).
  auto dir = std::filesystem::temp_directory_path() / "cutover_config_env_secrets_test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / ".env") << "db_pass=env-pass-value1\nDATABASE_URL=postgresql://app:env-url-value2@127.0.0.1/db\n"
                                 "PG_DSN=\"host=127.0.0.1 password=env-dsn-value3\"\n";
  ::setenv("CUTOVER_TEST_REDIS_PASS", "process-pass-value4", 1);
  auto c = parse_config(R"({"env_file": ".env", "targets": {"a": {
      "postgres": {"host": "${db_pass}", "user": "${CUTOVER_TEST_REDIS_PASS}"},
      "http": "http://127.0.0.1:3000/health?token=query-token-value5"}}})", "cfg.json", dir);
  ::unsetenv("CUTOVER_TEST_REDIS_PASS");
  auto text = scrub(to_redacted_json(c).dump() + " env-url-value2 env-dsn-value3");
  for (std::string_view s : {"value1", "value2", "value3", "value4", "value5"})
    EXPECT_EQ(text.find(s), std::string::npos) << s << " in " << text;
  std::filesystem::remove_all(dir);
}

TEST(config, profile_reads_variables_from_the_env_file) {
  auto dir = std::filesystem::temp_directory_path() / "cutover_config_profile_test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / ".env") << "CUTOVER_TEST_PROFILE_FROM_ENV=staging\n";
  auto c = parse_config(R"({"profile": "${CUTOVER_TEST_PROFILE_FROM_ENV}", "env_file": ".env", "targets": {"a": {}}})",
                        "cfg.json", dir);
  EXPECT_EQ(c.profile, "staging");
  std::filesystem::remove_all(dir);
}

TEST(config, an_env_file_that_is_a_directory_or_empty_is_refused) {
  auto dir = std::filesystem::temp_directory_path() / "cutover_config_envdir_test";
  std::filesystem::create_directories(dir / "envdir");
  try {
    parse_config(R"({"env_file": "envdir", "targets": {"a": {}}})", "cfg.json", dir);
    ADD_FAILURE() << "a directory was read as the .env";
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("is a directory"), std::string::npos) << e.what();
  }
  EXPECT_EQ(error_of(R"({"env_file": "", "targets": {"a": {}}})"),
            "cfg.json: env_file: is empty (leave the key out when there is no .env)");
  std::filesystem::remove_all(dir);
}

TEST(config, a_directory_given_as_config_says_so) {
  auto dir = std::filesystem::temp_directory_path();
  try {
    load_config(dir);
    ADD_FAILURE() << "a directory was loaded as a config";
  } catch (const config_error& e) {
    EXPECT_EQ(std::string(e.what()), dir.string() + ": is a directory, not a file");
  }
}

TEST(config, a_number_no_double_holds_is_a_config_error_naming_the_file) {
  EXPECT_EQ(error_of(R"({"targets": {"a": {}}, "criteria": {"db.reachable": {"threshold": 1e400}}})"),
            "cfg.json: malformed JSON: a number is out of range");
}

TEST(config, takes_libpq_tls_settings_from_objects_and_urls) {
  auto c = parse_config(R"({"targets": {
      "managed": {"postgres": {"host": "db.example.test", "hostaddr": "127.0.0.1", "port": 5432, "dbname": "default_db", "user": "gen_user",
                               "sslmode": "verify-full", "sslrootcert": "/etc/cutover/ca.crt",
                               "sslcert": "/etc/cutover/client.crt", "sslkey": "/etc/cutover/client.key"}},
      "uri": {"postgres": "postgresql://u@127.0.0.1:5432/db?sslmode=verify-ca&sslrootcert=%2Ftmp%2Fca%20x.crt"},
      "plain": {"postgres": "postgresql://u@127.0.0.1:5432/db"}}})",
                        "cfg.json");
  const auto& m = *c.find("managed")->postgres;
  EXPECT_EQ(m.sslmode, "verify-full");
  EXPECT_EQ(m.sslrootcert, "/etc/cutover/ca.crt");
  EXPECT_EQ(m.sslcert, "/etc/cutover/client.crt");
  EXPECT_EQ(m.sslkey, "/etc/cutover/client.key");
  auto ci = m.conninfo(std::chrono::milliseconds(3000));
  EXPECT_NE(ci.find("sslmode='verify-full'"), std::string::npos) << ci;
  EXPECT_NE(ci.find("sslrootcert='/etc/cutover/ca.crt'"), std::string::npos) << ci;
  EXPECT_NE(ci.find("sslkey='/etc/cutover/client.key'"), std::string::npos) << ci;
  EXPECT_NE(ci.find("hostaddr='127.0.0.1'"), std::string::npos) << ci;
  const auto& u = *c.find("uri")->postgres;
  EXPECT_EQ(u.sslmode, "verify-ca");
  EXPECT_EQ(u.sslrootcert, "/tmp/ca x.crt");
  // The plan's URL names no sslmode: libpq's default, which uses TLS when the server offers it.
  EXPECT_EQ(c.find("plain")->postgres->sslmode, "prefer");
  EXPECT_EQ(c.find("plain")->postgres->conninfo(std::chrono::milliseconds(3000)).find("sslrootcert"), std::string::npos);
}

TEST(config, rejects_an_unknown_sslmode) {
  EXPECT_NE(error_of(R"({"targets": {"t": {"postgres": {"host": "h", "sslmode": "verify_full"}}}})")
                .find("targets.t.postgres.sslmode: invalid sslmode 'verify_full'"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"targets": {"t": {"postgres": "postgresql://u@h/db?sslmode=on"}}})").find("invalid sslmode 'on'"),
            std::string::npos);
}

TEST(config, sampling_cpus_and_cpu_awake) {
  auto c = parse_config(R"({"targets": {"a": {"postgres": "postgresql://u@127.0.0.1:5432/db"}},
      "sampling": {"cpus": [0, 2], "cpu_awake": false}})", "cfg.json");
  EXPECT_EQ(c.sampling.cpus, (std::vector<int>{0, 2}));
  EXPECT_FALSE(c.sampling.cpu_awake);
  auto d = parse_config(R"({"targets": {"a": {"postgres": "postgresql://u@127.0.0.1:5432/db"}}})", "cfg.json");
  EXPECT_TRUE(d.sampling.cpus.empty()) << "no pinning unless asked";
  EXPECT_TRUE(d.sampling.cpu_awake);
  for (const char* bad : {R"("0")", "[-1]", "[4096]", R"(["x"])", "[0.5]"}) {
    try {
      parse_config(std::string(R"({"targets": {"a": {"postgres": "postgresql://u@127.0.0.1:5432/db"}}, "sampling": {"cpus": )") + bad + "}}",
                   "cfg.json");
      ADD_FAILURE() << "accepted sampling.cpus " << bad;
    } catch (const config_error& e) {
      EXPECT_NE(std::string(e.what()).find("sampling.cpus"), std::string::npos) << e.what();
    }
  }
}
