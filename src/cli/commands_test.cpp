// The command line as a user types it, for the subcommands that need no lab:
// `report render` (every sink, go/no-go and comparison reports), `compare`,
// and the exit code 2 for usage and input problems.
#include "cli/commands.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "core/version.hpp"
#include "report/report.hpp"

namespace cutover::cli {
namespace {

namespace fs = std::filesystem;

/// Runs `cutover <args>` as main() does: the exit code, 2 for usage or input problems.
int run(std::vector<std::string> args) {
  CLI::App app{"cutover"};
  app.require_subcommand(1);
  const commands commands(app);
  std::reverse(args.begin(), args.end());  // CLI11 takes the arguments last first
  try {
    app.parse(args);
    return commands.run_selected();
  } catch (const CLI::ParseError& e) {
    return e.get_exit_code() == 0 ? 0 : 2;
  } catch (const cutover::error&) {
    return 2;
  }
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

class cli_test : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("cutover-cli-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  /// A NO-GO validate report with a failed and an inconclusive criterion.
  fs::path write_report() {
    report::report r;
    r.run = {"run-1", "validate", "server-migration", "lab", "host1", "2026-01-01T00:00:00.000Z",
             "2026-01-01T00:00:09.000Z"};
    report::criterion_result pass;
    pass.id = "db.reachable";
    pass.status = report::status::pass;
    report::criterion_result fail;
    fail.id = "db.rows.parity";
    fail.status = report::status::fail;
    fail.detail = "bookings: 10 rows on source, 9 on target";
    report::criterion_result thin;
    thin.id = "db.latency.tunnel";
    thin.severity = report::severity::secondary;
    thin.status = report::status::inconclusive;
    r.criteria = {pass, fail, thin};
    r.verdict = report::verdict{report::decision::no_go, {"primary db.rows.parity fail"}, nlohmann::json::object()};
    auto file = dir_ / "r.json";
    report::write_atomic(file, report::to_json(r).dump(2));
    return file;
  }

  fs::path dir_;
};

TEST_F(cli_test, render_writes_every_format_from_one_report) {
  auto in = write_report();
  auto base = (dir_ / "out").string();
  ASSERT_EQ(run({"report", "render", in.string(), "--format", "md,junit,json,html", "--out", base}), 0);
  auto md = slurp(base + ".md");
  EXPECT_EQ(md.rfind("## cutover validate: **NO-GO**", 0), 0u) << md;
  EXPECT_NE(md.find("bookings: 10 rows on source, 9 on target"), std::string::npos);
  auto xml = slurp(base + ".xml");
  EXPECT_NE(xml.find("tests=\"3\" failures=\"2\" errors=\"0\" skipped=\"0\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<testcase classname=\"cutover.primary\" name=\"db.rows.parity\""), std::string::npos) << xml;
  auto back = report::read_report(base + ".json");
  ASSERT_TRUE(back.verdict);
  EXPECT_EQ(back.verdict->decision, report::decision::no_go);
  EXPECT_EQ(back.criteria.size(), 3u);
  auto html = slurp(base + ".html");
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u) << html.substr(0, 80);
  EXPECT_NE(html.find("NO-GO"), std::string::npos);
}

TEST_F(cli_test, render_refuses_bad_requests_with_exit_code_2) {
  auto in = write_report();
  // Several formats need a base name to write to.
  EXPECT_EQ(run({"report", "render", in.string(), "--format", "md,junit"}), 2);
  EXPECT_EQ(run({"report", "render", in.string(), "--format", "pdf", "--out", (dir_ / "x").string()}), 2);
  EXPECT_FALSE(fs::exists(dir_ / "x"));
  std::ofstream(dir_ / "broken.json") << "{\"schema\": \"cutover/report\", ";
  EXPECT_EQ(run({"report", "render", (dir_ / "broken.json").string(), "--format", "md", "--out", (dir_ / "y.md").string()}), 2);
  EXPECT_EQ(run({"report", "render", (dir_ / "missing.json").string(), "--format", "md", "--out", (dir_ / "z.md").string()}), 2);
  EXPECT_EQ(run({"report", "render"}), 2);
  EXPECT_EQ(run({"no-such-command"}), 2);
}

TEST_F(cli_test, compare_writes_a_comparison_that_renders) {
  const fs::path examples = fs::path(CUTOVER_SOURCE_DIR) / "reports" / "examples";
  auto out = dir_ / "c.json";
  int rc = run({"compare", (examples / "bench-before.json").string(), (examples / "bench-after.json").string(), "--out",
                out.string()});
  auto j = nlohmann::json::parse(slurp(out));
  EXPECT_EQ(j["schema"], "cutover/comparison");
  // The exit code is the comparison's decision.
  auto decision = report::decision_from_string(j["verdict"]["decision"].get<std::string>());
  ASSERT_TRUE(decision);
  EXPECT_EQ(rc, report::exit_code(*decision));
  ASSERT_EQ(run({"report", "render", out.string(), "--format", "md,junit", "--out", (dir_ / "c").string()}), 0);
  EXPECT_NE(slurp(dir_ / "c.md").find("compare.no_regression"), std::string::npos);
  EXPECT_NE(slurp(dir_ / "c.xml").find("<testcase"), std::string::npos);
}

TEST_F(cli_test, compare_needs_two_inputs_or_targets) {
  const fs::path examples = fs::path(CUTOVER_SOURCE_DIR) / "reports" / "examples";
  EXPECT_EQ(run({"compare", (examples / "bench-before.json").string()}), 2);
  EXPECT_EQ(run({"compare", (examples / "gate-report.json").string(), "--targets", "tunnel"}), 2);
}

TEST(cli_version, names_version_and_commit) {
  EXPECT_EQ(version_text(), "cutover " + std::string(version()) + " (git " + std::string(git_sha()) + ")");
}

}  // namespace
}  // namespace cutover::cli
