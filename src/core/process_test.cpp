// The one process runner: argument vectors (no shell), deadlines, bounded output.
#include "core/process.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include <unistd.h>

#include "core/error.hpp"

namespace cutover {
namespace {

std::filesystem::path scratch(const char* name) {
  auto d = std::filesystem::temp_directory_path() / ("cutover-process-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(d);
  return d / name;
}

}  // namespace

TEST(process, shell_syntax_in_an_argument_is_never_run) {
  auto marker = scratch("pwned");
  std::filesystem::remove(marker);
  std::string hostile = "x'; touch " + marker.string() + "; '$(touch " + marker.string() + ")`touch " + marker.string() + "`";
  auto r = run_process({{"echo", hostile}, {{"PM2_HOME", hostile}}, std::chrono::seconds(5)});
  ASSERT_TRUE(r.status.ok()) << r.status.message;
  EXPECT_EQ(r.out, hostile + "\n");
  EXPECT_FALSE(std::filesystem::exists(marker));
  // The environment value reaches the child as it is, too.
  r = run_process({{"printenv", "PM2_HOME"}, {{"PM2_HOME", hostile}}, std::chrono::seconds(5)});
  EXPECT_EQ(r.out, hostile + "\n");
  EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST(process, a_hung_child_and_its_group_are_killed_at_the_deadline) {
  auto start = std::chrono::steady_clock::now();
  // `timeout` starts `sleep` as its own child, which holds the pipe too: both must end.
  auto r = run_process({{"timeout", "30", "sleep", "30"}, {}, std::chrono::milliseconds(200)});
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.status.result, outcome::timeout);
  EXPECT_LT(took, std::chrono::seconds(5));  // deadline 200 ms; 5 s is a loose bound for a loaded machine
}

TEST(process, endless_output_is_cut_at_the_limit) {
  process_options o{{"yes"}, {}, std::chrono::seconds(10)};
  o.max_output = 64 * 1024;
  auto r = run_process(o);
  EXPECT_EQ(r.status.result, outcome::error);
  EXPECT_NE(r.status.message.find("more than"), std::string::npos);
  EXPECT_LE(r.out.size(), o.max_output);
}

TEST(process, exit_status_and_missing_program_are_errors_naming_the_program_only) {
  auto r = run_process({{"false"}, {}, std::chrono::seconds(5)});
  EXPECT_EQ(r.status.result, outcome::error);
  EXPECT_EQ(r.exit_code, 1);
  r = run_process({{"/no/such/program", "secret-arg"}, {}, std::chrono::seconds(5)});
  EXPECT_EQ(r.status.result, outcome::error);
  EXPECT_EQ(r.status.message.find("secret-arg"), std::string::npos);
  EXPECT_THROW(run_process({}), error);
}

TEST(process, split_command_splits_at_whitespace_without_interpreting_anything) {
  EXPECT_EQ(split_command("  pm2   jlist "), (std::vector<std::string>{"pm2", "jlist"}));
  EXPECT_EQ(split_command("a';b"), (std::vector<std::string>{"a';b"}));
  EXPECT_TRUE(split_command(" \t").empty());
}

}  // namespace cutover
