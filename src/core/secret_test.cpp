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

TEST(secret, redact_userinfo_hides_user_and_password_of_any_url) {
  EXPECT_EQ(redact_userinfo("http://admin:hunter2@127.0.0.1:3000/api"), "http://***@127.0.0.1:3000/api");
  EXPECT_EQ(redact_userinfo("http://127.0.0.1:3000/api"), "http://127.0.0.1:3000/api");
  // A raw '/' may have cut a password short: everything up to the last '@'
  // goes (an '@' in a path is redacted too: safe beats pretty).
  EXPECT_EQ(redact_userinfo("http://127.0.0.1:3000/a@b"), "http://***@b");
  EXPECT_EQ(redact_userinfo("redis://:pa/ss@127.0.0.1:6379"), "redis://***@127.0.0.1:6379");
  EXPECT_EQ(redact_userinfo("no url here"), "no url here");
}
