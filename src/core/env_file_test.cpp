#include "core/env_file.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/error.hpp"

using namespace cutover;

TEST(env_file, parses_plain_quoted_exported_and_commented_lines) {
  auto env = parse_env(
      "# comment\n"
      "POSTGRES_HOST=127.0.0.1\n"
      "export POSTGRES_PORT=5432\n"
      "POSTGRES_PASSWORD='p@ss #not a comment'\n"
      "GEMINI_API_KEY=\"a\\\"b\\nc\"\n"
      "BAILEYS_STANDALONE=true # inline comment\n"
      "EMPTY=\n"
      "  SPACED  =  value  \r\n");
  EXPECT_EQ(env.at("POSTGRES_HOST"), "127.0.0.1");
  EXPECT_EQ(env.at("POSTGRES_PORT"), "5432");
  EXPECT_EQ(env.at("POSTGRES_PASSWORD"), "p@ss #not a comment");
  EXPECT_EQ(env.at("GEMINI_API_KEY"), "a\"b\nc");
  EXPECT_EQ(env.at("BAILEYS_STANDALONE"), "true");
  EXPECT_EQ(env.at("EMPTY"), "");
  EXPECT_EQ(env.at("SPACED"), "value");
  EXPECT_EQ(env.size(), 7u);
}

TEST(env_file, later_assignment_wins) {
  auto env = parse_env("A=1\nA=2\n");
  EXPECT_EQ(env.at("A"), "2");
}

TEST(env_file, multi_line_double_quoted_value) {
  auto env = parse_env("KEY=\"line1\nline2\"\nNEXT=x\n");
  EXPECT_EQ(env.at("KEY"), "line1\nline2");
  EXPECT_EQ(env.at("NEXT"), "x");
}

TEST(env_file, malformed_line_names_origin_and_line) {
  try {
    parse_env("A=1\nthis is not an assignment\n", "app/.env");
    FAIL() << "expected config_error";
  } catch (const config_error& e) {
    EXPECT_STREQ(e.what(), "app/.env:2: expected KEY=value");
  }
}

TEST(env_file, unterminated_quote_is_an_error) {
  EXPECT_THROW(parse_env("A='abc\n"), config_error);
  EXPECT_THROW(parse_env("1BAD=x\n"), config_error);
}

TEST(env_file, missing_file_is_a_config_error) {
  EXPECT_THROW(read_env_file("/nonexistent/.env"), config_error);
}

TEST(env_file, a_utf8_byte_order_mark_is_not_part_of_the_first_name) {
  auto env = parse_env("\xEF\xBB\xBFV1=a\nV2=b\n");
  EXPECT_EQ(env.at("V1"), "a");
  EXPECT_EQ(env.at("V2"), "b");
}

TEST(env_file, a_directory_or_an_empty_name_is_an_error_not_an_empty_file) {
  auto dir = std::filesystem::temp_directory_path();
  try {
    read_env_file(dir);
    FAIL() << "a directory was read as a .env file";
  } catch (const config_error& e) {
    EXPECT_EQ(std::string(e.what()), dir.string() + ": is a directory, not a file");
  }
  EXPECT_THROW(read_env_file(""), config_error);
  EXPECT_THROW(read_env_file(dir / "cutover-no-such.env"), config_error);
}
