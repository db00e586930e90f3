#include "report/report.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/error.hpp"

using namespace cutover;
namespace fs = std::filesystem;

namespace {

// A fresh folder per test, removed at the end.
struct scratch {
  fs::path dir = fs::temp_directory_path() / ("cutover_report_test." + std::to_string(::getpid()) + "." +
                                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
  scratch() { fs::create_directories(dir); }
  ~scratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string report_text(std::string_view summary_json) {
  return std::string(R"({"schema": "cutover/report", "schema_version": 1, "kind": "measurements", "run": {},
    "measurements": [{"metric": "pg.query.select1", "target": "private", "summary": )") +
         std::string(summary_json) + "}]}";
}

std::string error_of(std::string_view text) {
  try {
    report::parse_report(text, "r.json");
  } catch (const config_error& e) {
    return e.what();
  }
  return "accepted";
}

constexpr const char* good_summary =
    R"({"count": 20, "errors": {}, "error_messages": [], "min_ns": 10, "p50_ns": 20, "p90_ns": 30, "p95_ns": 30,
        "p99_ns": 30, "p999_ns": 30, "max_ns": 30, "mean_ns": 20, "stddev_ns": 5, "exact": true})";

}  // namespace

TEST(write_atomic, new_and_regular_files_are_replaced_atomically) {
  scratch s;
  const auto f = s.dir / "sub" / "r.json";
  report::write_atomic(f, "one\n");
  EXPECT_EQ(slurp(f), "one\n");
  ::chmod(f.c_str(), 0600);
  report::write_atomic(f, "two\n");
  EXPECT_EQ(slurp(f), "two\n");
  struct ::stat st{};
  ASSERT_EQ(::stat(f.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "the file's mode is kept";
  // No temporary file is left behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(f.parent_path()), fs::directory_iterator()), 1);
}

TEST(write_atomic, a_fifo_is_written_through_never_replaced) {
  scratch s;
  const auto fifo = s.dir / "out.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // Nobody reading: an error at once, not a wait.
  EXPECT_THROW(report::write_atomic(fifo, "x"), cutover::error);
  std::string got;
  std::thread reader([&] { got = slurp(fifo); });
  // The reader may not have opened yet: retry until it has.
  for (int i = 0; i < 500; ++i) {
    try {
      report::write_atomic(fifo, "through the pipe\n");
      break;
    } catch (const cutover::error&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  reader.join();
  EXPECT_EQ(got, "through the pipe\n");
  struct ::stat st{};
  ASSERT_EQ(::lstat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
}

TEST(write_atomic, a_character_device_is_written_through_never_replaced) {
  scratch s;
  // /dev/null itself as a non-root user (it cannot be replaced then anyway);
  // as root a node of our own, so the machine's /dev/null is never at risk.
  fs::path dev = "/dev/null";
  if (::geteuid() == 0) {
    dev = s.dir / "null";
    ASSERT_EQ(::mknod(dev.c_str(), S_IFCHR | 0666, ::makedev(1, 3)), 0);
  }
  EXPECT_NO_THROW(report::write_atomic(dev, "discarded\n"));
  struct ::stat st{};
  ASSERT_EQ(::lstat(dev.c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode)) << dev << " was replaced";
}

TEST(write_atomic, a_symbolic_link_is_kept_and_its_target_written) {
  scratch s;
  std::ofstream(s.dir / "real.md") << "old";
  fs::create_symlink("real.md", s.dir / "link.md");
  report::write_atomic(s.dir / "link.md", "new");
  EXPECT_TRUE(fs::is_symlink(s.dir / "link.md"));
  EXPECT_EQ(slurp(s.dir / "real.md"), "new");
  fs::create_symlink("nowhere.md", s.dir / "dangling.md");
  EXPECT_THROW(report::write_atomic(s.dir / "dangling.md", "x"), cutover::error);
  EXPECT_TRUE(fs::is_symlink(s.dir / "dangling.md"));
  EXPECT_FALSE(fs::exists(s.dir / "nowhere.md"));
  fs::create_directory(s.dir / "dir.md");
  EXPECT_THROW(report::write_atomic(s.dir / "dir.md", "x"), cutover::error);
}

TEST(parse_report, impossible_measurements_are_refused_naming_file_and_measurement) {
  EXPECT_EQ(error_of(report_text(good_summary)), "accepted");
  std::string negative = good_summary;
  negative.replace(negative.find("\"p50_ns\": 20"), 12, "\"p50_ns\": -1");
  EXPECT_EQ(error_of(report_text(negative)),
            "r.json: measurement 0 (pg.query.select1 on private): summary: p50_ns -1 is negative");
  std::string wrapped = good_summary;
  wrapped.replace(wrapped.find("\"p50_ns\": 20"), 12, "\"p50_ns\": 18446744073709551615");
  EXPECT_EQ(error_of(report_text(wrapped)),
            "r.json: measurement 0 (pg.query.select1 on private): summary: p50_ns: integer out of range");
  std::string text = report_text(good_summary);
  text.insert(text.rfind('}', text.size() - 3), R"(, "samples_ns": [20, -3])");
  EXPECT_EQ(error_of(text), "r.json: measurement 0 (pg.query.select1 on private): samples_ns: negative latency -3");
}

TEST(parse_report, deep_nesting_and_wrong_types_are_one_line_errors) {
  std::string deep = report_text(good_summary);
  deep.insert(deep.find("\"run\": {") + 8, "\"x\": " + std::string(100000, '[') + std::string(100000, ']'));
  EXPECT_EQ(error_of(deep), "r.json: JSON nested deeper than 64 levels");
  EXPECT_EQ(error_of(R"({"schema": 5})"), "r.json: not a cutover report (schema field missing)");
  EXPECT_EQ(error_of(R"({"schema": "cutover/report", "schema_version": 1e300})"),
            "r.json: unsupported schema_version 1e+300");
  const auto typed = error_of(R"({"schema": "cutover/report", "schema_version": 1, "kind": 5, "run": {}, "measurements": []})");
  EXPECT_TRUE(typed.starts_with("r.json: malformed report: ")) << typed;
}
