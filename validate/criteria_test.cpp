// Every acceptance criterion as a GoogleTest test, evaluated by the same
// definition `cutover validate` uses (src/criteria). Runs against the lab by
// default, or a real deployment with CUTOVER_CONFIG=... .
//
// CTest registration: after the build, this binary writes a CTest script
// (--cutover-ctest-script=F) with one test per (stage, criterion) and the
// labels `acceptance`, the stage and the severity, so `ctest -L primary` or
// `ctest -L db-migration` select by what the plan calls them.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "core/config.hpp"
#include "core/error.hpp"
#include "criteria/criteria.hpp"
#include "criteria/runner.hpp"
#include "report/report.hpp"

namespace {

using namespace cutover;

/// The config under test: CUTOVER_CONFIG, else the lab's.
std::filesystem::path config_path() { return test_config_path(CUTOVER_SOURCE_DIR); }

/// Stages a criterion is tested in: its own, or for "all" the two stages the
/// lab reproduces. None for the criteria judged from the series that
/// `cutover downtime` / `cutover monitor` record over hours (their own tests
/// in src/monitor cover them).
std::vector<std::string> test_stages(const criteria::definition& d) {
  if (d.id == "downtime.window" || d.id == "soak.uptime") return {};
  if (d.stages.size() == 1 && d.stages.front() == "all") return {"db-migration", "server-migration"};
  return d.stages;
}

std::string test_name(const std::string& id) {
  std::string n = id;
  for (auto& c : n)
    if (c == '.' || c == '-') c = '_';
  return n;
}

class criterion_test : public testing::Test {
public:
  criterion_test(std::string id, std::string stage) : id_(std::move(id)), stage_(std::move(stage)) {}
  void TestBody() override {
    auto file = config_path();
    ASSERT_TRUE(std::filesystem::exists(file)) << file << " does not exist: start the lab (fixtures/lab/lab up) or set CUTOVER_CONFIG";
    auto cfg = load_config(file);
    criteria::validate_request req{stage_, {id_}, {}, {}};
    if (const char* m = std::getenv("CUTOVER_MEASUREMENTS"); m && *m && std::filesystem::exists(m))
      req.measurements = report::read_report(m).measurements;
    report::report r;
    criteria::run_validate(cfg, std::move(req), r);
    ASSERT_EQ(r.criteria.size(), 1u);
    const auto& c = r.criteria.front();
    std::cout << "[ criterion] " << c.id << " (" << stage_ << ", " << to_string(c.severity) << "): "
              << to_string(c.status) << ": " << c.detail << '\n';
    // Judged as the verdict judges it (fail closed): a criterion disabled in
    // the config fails here too; excluding one takes a waiver with a reason.
    EXPECT_TRUE(c.status == report::status::pass || c.status == report::status::waived)
        << c.id << " " << to_string(c.status) << ": " << c.detail;
  }

private:
  std::string id_;
  std::string stage_;
};

/// Writes the CTest script: one test per (stage, criterion), with labels.
int write_ctest_script(const std::string& file, const std::string& self, const std::string& measurements) {
  std::ofstream out(file);
  for (const auto& d : criteria::all()) {
    for (const auto& stage : test_stages(d)) {
      auto name = "acceptance." + stage + "." + d.id;
      auto filter = stage + "." + test_name(d.id);
      for (auto& c : filter)
        if (c == '-') c = '_';
      out << "add_test([=[" << name << "]=] [=[" << self << "]=] [=[--gtest_filter=" << filter << "]=])\n"
          << "set_tests_properties([=[" << name << "]=] PROPERTIES LABELS [=[acceptance;" << stage << ";"
          << to_string(d.severity) << "]=] FIXTURES_REQUIRED [=[lab;acceptance_data]=] RESOURCE_LOCK lab TIMEOUT 300"
          << " ENVIRONMENT [=[CUTOVER_MEASUREMENTS=" << measurements
          << "]=])\n";
    }
  }
  return out ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string script;
  std::string measurements;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--cutover-ctest-script=", 0) == 0) script = a.substr(23);
    if (a.rfind("--cutover-measurements=", 0) == 0) measurements = a.substr(23);
  }
  if (!script.empty()) return write_ctest_script(script, argv[0], measurements);
  testing::InitGoogleTest(&argc, argv);
  for (const auto& d : criteria::all()) {
    for (const auto& stage : test_stages(d)) {
      auto suite = stage;
      for (auto& c : suite)
        if (c == '-') c = '_';
      testing::RegisterTest(suite.c_str(), test_name(d.id).c_str(), nullptr, nullptr, __FILE__, __LINE__,
                            [id = d.id, stage]() -> testing::Test* { return new criterion_test(id, stage); });
    }
  }
  return RUN_ALL_TESTS();
}
