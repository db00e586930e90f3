#include "core/json_read.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "core/error.hpp"
#include "core/text.hpp"

using namespace cutover;

namespace {

std::string message_of(std::string_view text) {
  try {
    parse_json(text, "in.json");
  } catch (const config_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(json_read, nesting_100000_deep_is_a_clear_error_not_a_crash) {
  const std::string deep = "{\"note\": " + std::string(100000, '[') + std::string(100000, ']') + "}";
  EXPECT_EQ(message_of(deep), "in.json: JSON nested deeper than 64 levels");
  // Brackets inside strings are text, not nesting; the limit itself is accepted.
  EXPECT_EQ(message_of("{\"s\": \"" + std::string(1000, '[') + "\"}"), "");
  EXPECT_EQ(message_of(std::string(64, '[') + std::string(64, ']')), "");
  EXPECT_EQ(message_of(std::string(65, '[') + std::string(65, ']')), "in.json: JSON nested deeper than 64 levels");
}

TEST(json_read, malformed_and_out_of_range_numbers_name_the_file) {
  EXPECT_EQ(message_of("{\"a\": 1e400}"), "in.json: malformed JSON: a number is out of range");
  EXPECT_TRUE(message_of("{\"a\": ").starts_with("in.json: malformed JSON at line 1"));
}

TEST(json_read, a_directory_is_refused_by_name) {
  const auto dir = std::filesystem::temp_directory_path();
  try {
    read_json_file(dir);
    FAIL() << "a directory was read";
  } catch (const config_error& e) {
    EXPECT_EQ(std::string(e.what()), dir.string() + ": is a directory, not a file");
  }
  EXPECT_THROW(read_json_file(dir / "cutover-no-such-file.json"), config_error);
}

TEST(json_int64, refuses_what_int64_cannot_hold_instead_of_wrapping) {
  EXPECT_EQ(json_int64(nlohmann::json::parse("9223372036854775807"), "x"), INT64_MAX);
  EXPECT_EQ(json_int64(nlohmann::json::parse("-5"), "x"), -5);
  EXPECT_EQ(json_int64(nlohmann::json::parse("2.0"), "x"), 2);
  // 2^64-1 used to come back as -1 ns.
  EXPECT_THROW(json_int64(nlohmann::json::parse("18446744073709551615"), "x"), config_error);
  EXPECT_THROW(json_int64(nlohmann::json::parse("9223372036854775808"), "x"), config_error);
  EXPECT_THROW(json_int64(nlohmann::json::parse("1e30"), "x"), config_error);
  EXPECT_THROW(json_int64(nlohmann::json::parse("2.5"), "x"), config_error);
  EXPECT_THROW(json_int64(nlohmann::json::parse("\"5\""), "x"), config_error);
}

TEST(has_words, a_waiver_reason_needs_words_not_blanks) {
  EXPECT_TRUE(has_words("measured by the provider"));
  EXPECT_TRUE(has_words("  x "));
  EXPECT_TRUE(has_words("провайдер измерил"));
  EXPECT_FALSE(has_words(""));
  EXPECT_FALSE(has_words("   \t\n"));
  EXPECT_FALSE(has_words("..."));
  EXPECT_FALSE(has_words("\xC2\xA0\xE3\x80\x80"));  // no-break space, ideographic space
}
