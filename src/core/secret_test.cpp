#include "core/secret.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace cutover;

TEST(secret, display_never_shows_the_value) {
  secret s("hunter2-very-secret");
  EXPECT_EQ(s.display(), "***");
  EXPECT_EQ(s.reveal(), "hunter2-very-secret");
  EXPECT_EQ(secret{}.display(), "");
}

TEST(secret, scrub_replaces_plain_and_percent_encoded_values) {
  secret s("p@ss/word:42");
  auto text = scrub("url postgresql://u:p%40ss%2Fword%3A42@h/db failed; raw p@ss/word:42 here");
  EXPECT_EQ(text.find("p@ss"), std::string::npos) << text;
  EXPECT_EQ(text.find("p%40ss"), std::string::npos) << text;
  EXPECT_NE(text.find("***"), std::string::npos);
}

TEST(secret, short_values_are_not_registered) {
  register_secret("ab");
  EXPECT_EQ(scrub("abc about"), "abc about");
}

TEST(secret, numbers_and_booleans_are_not_registered_so_reports_stay_valid_json) {
  // USE_DATABASE_AUTH_STATE=true in an app's .env is a flag, not a password.
  register_variable("USE_DATABASE_AUTH_STATE", "true");
  register_variable("API_KEY_ENABLED", "False");
  register_variable("TOKEN_TTL", "36000");
  register_secret("1.5e3");
  const std::string report = R"({"exact": true, "ok": false, "ttl": 36000, "x": 1.5e3})";
  EXPECT_EQ(scrub(report), report);
}

TEST(secret, redact_userinfo_hides_user_and_password_of_any_url) {
  EXPECT_EQ(redact_userinfo("http://admin:hunter2@127.0.0.1:3000/api"), "http://***@127.0.0.1:3000/api");
  EXPECT_EQ(redact_userinfo("http://127.0.0.1:3000/api"), "http://127.0.0.1:3000/api");
  // A raw '/' may have cut a password short: everything up to the last '@'
  // goes (an '@' in a path is redacted too: safe beats pretty).
  EXPECT_EQ(redact_userinfo("http://127.0.0.1:3000/a@b"), "http://***@b");
  EXPECT_EQ(redact_userinfo("redis://:pa/ss@127.0.0.1:6379"), "redis://***@127.0.0.1:6379");
  EXPECT_EQ(redact_userinfo("no url here"), "no url here");
}

TEST(secret, looks_secret_knows_common_names_in_any_case_and_not_ordinary_ones) {
  for (std::string_view n : {"POSTGRES_PASSWORD", "db_password", "DB_PASS", "redis-pass", "PG_PWD", "PGPASSWORD",
                             "MYSQL_PASSWD", "api_key", "GEMINI_API_KEY", "client_secret", "AUTH", "BASIC_AUTH",
                             "GOOGLE_APPLICATION_CREDENTIALS", "access_token"})
    EXPECT_TRUE(looks_secret(n)) << n;
  for (std::string_view n : {"PWD", "OLDPWD", "PASSIVE_JOBS", "POSTGRES_HOST", "AUTHOR", "COMPASS_URL", "PORT"})
    EXPECT_FALSE(looks_secret(n)) << n;
}

TEST(secret, passwords_inside_urls_and_key_value_strings_are_registered) {
  register_embedded_secrets("postgresql://app:url-embedded-pw1@127.0.0.1:5432/db");
  register_embedded_secrets("host=127.0.0.1 user=app password=dsn-embedded-pw2 dbname=db");
  register_embedded_secrets("host=127.0.0.1 password='dsn quoted pw3' dbname=db");
  register_embedded_secrets("http://127.0.0.1:3000/health?x=1&api_key=query-embedded-pw4&y=2");
  register_embedded_secrets("redis://:raw/slash-pw5@127.0.0.1:6379");
  register_variable("DB_PASS", "named-pass-pw6");
  register_variable("DATABASE_URL", "postgres://u:var-url-pw7@127.0.0.1/db");
  auto text = scrub(
      "a url-embedded-pw1 b dsn-embedded-pw2 c dsn quoted pw3 d query-embedded-pw4 e raw/slash-pw5 f named-pass-pw6 "
      "g var-url-pw7 h");
  for (std::string_view s : {"pw1", "pw2", "pw3", "pw4", "pw5", "pw6", "pw7"})
    EXPECT_EQ(text.find(s), std::string::npos) << s << " in " << text;
  // Ordinary values stay readable.
  register_embedded_secrets("host=127.0.0.1 dbname=ordinary-db user=ordinary-user");
  EXPECT_EQ(scrub("ordinary-db ordinary-user 127.0.0.1"), "ordinary-db ordinary-user 127.0.0.1");
}
