#include "cli/commands.hpp"

#include <unistd.h>

#include <functional>
#include <iostream>
#include <map>
#include <memory>

#include "core/config.hpp"
#include "core/error.hpp"
#include "report/console.hpp"
#include "report/report.hpp"
#include "suite/suite.hpp"

namespace cutover::cli {
namespace {

/// Options shared by the subcommands (CLI11 binds to these).
struct options {
  std::string config;
  std::vector<std::string> targets;
  std::vector<std::string> suites;
  std::vector<std::string> metrics;
  std::string out;
  std::string stage;
};

options opts;
std::map<const CLI::App*, std::function<int()>> handlers;

std::string host_name() {
  char buf[256] = {};
  ::gethostname(buf, sizeof buf - 1);
  return buf;
}

config load(const std::string& file) {
  if (file.empty()) {
    if (const char* env = std::getenv("CUTOVER_CONFIG"); env && *env) return load_config(env);
    throw usage_error("--config is required (or set CUTOVER_CONFIG)");
  }
  return load_config(file);
}

report::report new_report(const config& cfg, std::string command) {
  report::report r;
  r.run.id = report::new_run_id();
  r.run.command = std::move(command);
  r.run.stage = opts.stage;
  r.run.profile = cfg.profile;
  r.run.host = host_name();
  r.run.started_at = report::now_rfc3339();
  for (const auto& t : cfg.targets) r.targets.push_back(to_redacted_json(t));
  return r;
}

void write_report(const report::report& r, const std::string& out) {
  if (out.empty()) return;
  report::write_atomic(out, report::to_json(r).dump(2) + "\n");
  std::cerr << "wrote " << out << '\n';
}

int run_bench() {
  auto cfg = load(opts.config);
  auto r = new_report(cfg, "bench");
  std::cerr << "cutover bench: profile " << cfg.profile << ", " << cfg.sampling.samples << " samples per metric\n";
  r.measurements = suite::run_bench(cfg, {opts.targets, opts.suites, opts.metrics},
                                    [](const report::measurement& m) { report::print_progress(std::cerr, m); });
  r.run.finished_at = report::now_rfc3339();
  report::print_measurements(std::cout, r.measurements);
  write_report(r, opts.out);
  if (suite::has_failures(r.measurements)) {
    std::cerr << "cutover bench: some samples failed (see errors above)\n";
    return 1;
  }
  return 0;
}

int not_built(const char* what) {
  std::cerr << "cutover " << what << ": not built yet in this version\n";
  return 2;
}

}  // namespace

std::string version_text() { return std::string("cutover ") + CUTOVER_VERSION + " (git " + CUTOVER_GIT_SHA + ")"; }

void register_commands(CLI::App& app) {
  auto* bench = app.add_subcommand("bench", "Latency suites (PostgreSQL, Redis, TCP) per target");
  bench->add_option("--config", opts.config, "Config file (default: $CUTOVER_CONFIG)");
  bench->add_option("--target", opts.targets, "Target name (repeatable; default: all)");
  bench->add_option("--suite", opts.suites, "Suite: db, redis, net (repeatable; default: all)");
  bench->add_option("--metric", opts.metrics, "Metric id or short name to run (repeatable; default: all)");
  bench->add_option("--out", opts.out, "Write the JSON report here");
  handlers[bench] = run_bench;

  auto* validate = app.add_subcommand("validate", "Run a stage's acceptance criteria and write the go/no-go report");
  validate->add_option("--config", opts.config, "Config file (default: $CUTOVER_CONFIG)");
  validate->add_option("--stage", opts.stage, "Stage")->required();
  validate->add_option("--out", opts.out, "Write the JSON report here");
  handlers[validate] = [] { return not_built("validate"); };

  auto* compare = app.add_subcommand("compare", "Before/after comparison of two reports");
  handlers[compare] = [] { return not_built("compare"); };
  compare->allow_extras();

  auto* rep = app.add_subcommand("report", "Render reports");
  auto* render = rep->add_subcommand("render", "Render a JSON report as md, html or junit");
  render->allow_extras();
  handlers[render] = [] { return not_built("report render"); };
  rep->require_subcommand(1);

  auto* gate = app.add_subcommand("gate", "bench + validate (+ compare) in one run, for CI");
  gate->allow_extras();
  handlers[gate] = [] { return not_built("gate"); };

  auto* lab = app.add_subcommand("lab", "The embedded lab (use fixtures/lab/lab up|down|status|env)");
  lab->allow_extras();
  handlers[lab] = [] {
    std::cerr << "cutover lab: run fixtures/lab/lab up|down|status|env from the repository\n";
    return 2;
  };
  auto* monitor = app.add_subcommand("monitor", "Soak sampling over hours or days");
  monitor->allow_extras();
  handlers[monitor] = [] { return not_built("monitor"); };
  auto* downtime = app.add_subcommand("downtime", "Stopwatch of the switchover window");
  downtime->allow_extras();
  handlers[downtime] = [] { return not_built("downtime"); };
}

int run_selected(CLI::App& app) {
  std::function<int(CLI::App*)> find = [&](CLI::App* a) -> int {
    for (auto* sub : a->get_subcommands()) {
      if (!sub->get_subcommands().empty()) return find(sub);
      if (auto it = handlers.find(sub); it != handlers.end()) return it->second();
    }
    throw usage_error("no subcommand");
  };
  return find(&app);
}

}  // namespace cutover::cli
