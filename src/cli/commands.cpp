#include "cli/commands.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <span>

#include "compare/comparison.hpp"
#include "compare/render.hpp"
#include "core/config.hpp"
#include "core/duration.hpp"
#include "core/error.hpp"
#include "core/json_read.hpp"
#include "core/process.hpp"
#include "core/secret.hpp"
#include "core/version.hpp"
#include "criteria/criteria.hpp"
#include "criteria/runner.hpp"
#include "http/server.hpp"
#include "monitor/prometheus.hpp"
#include "monitor/run.hpp"
#include "monitor/schedule.hpp"
#include "report/console.hpp"
#include "report/sink.hpp"
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
  std::vector<std::string> only;
  std::string measurements;
  std::string out_dir;
  std::string baseline;
  std::string input;
  std::vector<std::string> formats;
  double rate = 0;
  int connections = 1;
  std::string open_duration = "10s";
};

options opts;
std::map<const CLI::App*, std::function<int()>> handlers;

/// Options of `cutover compare`; gate --baseline applies the same thresholds.
struct compare_cli {
  std::vector<std::string> inputs;
  std::vector<std::string> targets;
  std::string out;
  compare::options thresholds;
  bool ratio_metric_given = false;  ///< --ratio-metric was on the command line
};

compare_cli cmp;

std::string host_name() {
  char buf[256] = {};
  ::gethostname(buf, sizeof buf - 1);
  return buf;
}

config load(const std::string& file) {
  std::string path = file;
  if (path.empty()) {
    if (const char* env = std::getenv("CUTOVER_CONFIG"); env && *env) path = env;
    else throw usage_error("--config is required (or set CUTOVER_CONFIG)");
  }
  auto cfg = load_config(path);
  criteria::check_settings(cfg);  // unknown ids and severities stop the run before anything is measured
  return cfg;
}

/// A number option's check: finite, at least `lo` (above it when `strict`),
/// at most `hi`; the message shows the limits as they were written.
CLI::Validator number_in(double lo, double hi, bool strict = false) {
  auto show = [](double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return std::string(buf);
  };
  std::string range = std::isinf(hi) ? (strict ? "> " : ">= ") + show(lo) : show(lo) + " to " + show(hi);
  return CLI::Validator(
      [=](std::string& in) -> std::string {
        double v = 0;
        std::size_t used = 0;
        try {
          v = std::stod(in, &used);
        } catch (...) {
          used = 0;
        }
        if (used == 0 || used != in.size() || !std::isfinite(v) || v < lo || (strict && v == lo) || v > hi)
          return "expected a number " + range + ", got '" + in + "'";
        return {};
      },
      "NUMBER " + range);
}
constexpr double unbounded = std::numeric_limits<double>::infinity();

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

/// Refuses, before anything is measured, an output the run could not write
/// at its end: `--out` that is a directory (or a folder `--out-dir` that is
/// not), a path through a regular file, a folder without write permission.
void check_output(const std::string& option, const std::string& out, bool folder) {
  if (out.empty() || out == "-") return;
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path p = out;
  const auto st = fs::status(p, ec);
  if (fs::exists(st)) {
    if (!folder && fs::is_directory(st)) throw error(option + " " + out + ": is a directory");
    if (folder && !fs::is_directory(st)) throw error(option + " " + out + ": is not a directory");
  }
  // The nearest existing folder it goes in (or is) must be a writable folder.
  fs::path at = folder && fs::is_directory(st) ? p : p.parent_path();
  if (at.empty()) at = ".";
  while (!fs::exists(fs::status(at, ec)) && at.has_parent_path() && at != at.parent_path()) at = at.parent_path();
  if (!fs::is_directory(fs::status(at, ec))) throw error(option + " " + out + ": " + at.string() + " is not a directory");
  if (::access(at.c_str(), W_OK | X_OK) != 0)
    throw error(option + " " + out + ": cannot write in " + at.string() + ": " + std::strerror(errno));
}

void write_report(const report::report& r, const std::string& out) {
  if (out.empty()) return;
  report::write_atomic(out, report::render_json(r));
  std::cerr << "wrote " << out << '\n';
}

void progress_line(const report::measurement& m) { report::print_progress(std::cerr, m); }

/// A target named with --target must have an endpoint for one of the chosen
/// suites: a bench that measures nothing must not pass (checked before measuring).
void check_bench_targets(const config& cfg) {
  std::vector<std::string> suites = opts.suites;
  if (suites.empty()) suites = {"db", "redis", "net"};
  if (std::any_of(opts.metrics.begin(), opts.metrics.end(), [](const auto& m) { return m.starts_with("e2e."); }))
    suites.push_back("e2e");
  auto has = [&](const char* s) { return std::find(suites.begin(), suites.end(), s) != suites.end(); };
  std::string list;
  for (const auto& s : suites) list += (list.empty() ? "" : ", ") + s;
  for (const auto& name : opts.targets) {
    const auto* t = cfg.find(name);
    if (!t) continue;  // suite::run_bench names it
    if (((has("db") || has("net")) && t->postgres) || (has("redis") && t->redis) || (has("e2e") && t->http)) continue;
    throw usage_error("--target " + name + ": nothing to measure for suite(s) " + list +
                      " (the target has no postgres, redis or http endpoint for them)");
  }
}

int run_bench() {
  auto cfg = load(opts.config);
  check_output("--out", opts.out, false);
  check_bench_targets(cfg);
  auto r = new_report(cfg, "bench");
  r.kind = "measurements";
  std::cerr << "cutover bench: profile " << cfg.profile << ", " << cfg.sampling.samples << " samples per headline metric\n";
  suite::bench_plan plan{opts.targets, opts.suites, opts.metrics, {}};
  if (opts.rate != 0) {  // a bad rate (negative, nan) is refused by run_bench, never a silent closed loop
    plan.open_loop = {opts.rate, opts.connections, parse_duration(opts.open_duration, "--duration")};
    std::cerr << "cutover bench: open loop at " << opts.rate << " ops/s over " << opts.connections
              << " connection(s) for " << opts.open_duration << " per metric and target\n";
  }
  auto result = suite::run_bench(cfg, plan, progress_line);
  r.measurements = std::move(result.measurements);
  r.notes = std::move(result.notes);
  r.run.finished_at = report::now_rfc3339();
  report::print_measurements(std::cout, r.measurements);
  for (const auto& n : r.notes) std::cout << "note: " << n << '\n';
  write_report(r, opts.out);
  if (r.measurements.empty())
    throw config_error("nothing was measured: no selected target has an endpoint for the chosen suites and metrics");
  if (suite::has_failures(r.measurements)) {
    std::cerr << "cutover bench: some samples failed (see errors above)\n";
    return 1;
  }
  return 0;
}

/// Validates a stage into `r`; measurements given are reused.
void validate_into(const config& cfg, report::report& r, std::vector<report::measurement> given,
                   std::vector<std::string> notes, suite::run_budget* budget = nullptr) {
  if (opts.stage.empty()) throw usage_error("--stage is required");
  criteria::run_validate(cfg, {opts.stage, opts.only, std::move(given), std::move(notes), budget}, r, progress_line);
  r.run.finished_at = report::now_rfc3339();
}

int run_validate() {
  auto cfg = load(opts.config);
  check_output("--out", opts.out, false);
  auto r = new_report(cfg, "validate");
  std::vector<report::measurement> given;
  if (!opts.measurements.empty()) given = report::read_report(opts.measurements).measurements;
  std::cerr << "cutover validate: stage " << opts.stage << ", profile " << cfg.profile << "\n";
  validate_into(cfg, r, std::move(given), {});
  report::print_criteria(std::cout, r);
  write_report(r, opts.out);
  return report::exit_code(r.verdict->decision);
}

void emit(const std::string& text, const std::string& file) {
  if (file.empty() || file == "-") {
    std::cout << scrub(text);
  } else {
    report::write_atomic(file, text);
    std::cerr << "wrote " << file << '\n';
  }
}

/// Renders `doc` through the sink `format` of its table into `file` ("" or "-": stdout).
template <class Doc>
void render_to(const Doc& doc, std::span<const report::sink<Doc>> table, std::string_view format,
               const std::string& file) {
  emit(report::find_sink(table, format).render(doc), file);
}

/// Writes `doc` through every sink of its table that names a file in `dir`.
template <class Doc>
void write_all(const Doc& doc, std::span<const report::sink<Doc>> table, const std::filesystem::path& dir) {
  for (const auto& f : report::write_sinks(doc, table, dir)) std::cerr << "wrote " << f.string() << '\n';
}

int run_render() {
  // Comparison reports render through their own sinks; anything else is read
  // as a go/no-go report (which gives the clear error when it is neither).
  const auto j = read_json_file(opts.input);
  std::optional<compare::comparison> c;
  std::optional<report::report> r;
  if (j.is_object() && j.contains("schema") && j["schema"] == "cutover/comparison") c = compare::from_json(j, opts.input);
  else r = report::from_json(j, opts.input);
  if (opts.formats.empty()) opts.formats.push_back("md");
  if (opts.formats.size() > 1 && (opts.out.empty() || opts.out == "-"))
    throw usage_error("several --format values need --out with a base name");
  for (const auto& f : opts.formats) {
    // Several formats: one file per sink, named by its extension.
    auto suffix = [&](const auto& table) {
      return opts.formats.size() > 1 ? "." + std::string(report::find_sink(table, f).extension) : std::string();
    };
    if (c) render_to(*c, compare::sinks(), f, opts.out + suffix(compare::sinks()));
    else render_to(*r, report::sinks(), f, opts.out + suffix(report::sinks()));
  }
  return 0;
}

void print_comparison_criteria(const compare::comparison& c) {
  report::report shell;
  shell.criteria = c.criteria;
  shell.verdict = c.verdict;
  report::print_criteria(std::cout, shell);
}

/// A metric named on the command line must be in an input: a typo would
/// otherwise drop the criterion that reads it.
void check_ratio_metric(const std::vector<compare::input>& inputs) {
  if (!cmp.ratio_metric_given) return;
  for (const auto& in : inputs)
    for (const auto& s : in.series)
      if (s.metric == cmp.thresholds.ratio_metric) return;
  std::string known;
  for (const auto& s : inputs.front().series)
    if (known.find(s.metric) == std::string::npos) known += (known.empty() ? "" : ", ") + s.metric;
  throw usage_error("--ratio-metric: no metric '" + cmp.thresholds.ratio_metric + "' in the inputs (" + known + ")");
}

int run_compare() {
  compare::comparison c;
  if (cmp.targets.empty()) {
    if (cmp.inputs.size() != 2) throw usage_error("compare needs BEFORE.json AFTER.json, or one report and --targets A,B");
    auto a = compare::read_input(cmp.inputs[0]);
    auto b = compare::read_input(cmp.inputs[1]);
    check_ratio_metric({a, b});
    c = compare::compare_inputs(a, b, cmp.thresholds);
  } else {
    if (cmp.targets.size() != 2) throw usage_error("--targets takes two target names (A,B)");
    const auto a = compare::read_input(cmp.inputs[0]);
    if (cmp.inputs.size() == 1) {
      check_ratio_metric({a});
      c = compare::compare_targets(a, cmp.targets[0], cmp.targets[1], cmp.thresholds);
    } else {
      const auto b = compare::read_input(cmp.inputs[1]);
      check_ratio_metric({a, b});
      c = compare::compare_targets(a, cmp.targets[0], b, cmp.targets[1], cmp.thresholds);
    }
  }
  compare::print_comparison(std::cout, c);
  print_comparison_criteria(c);
  if (!cmp.out.empty()) render_to(c, compare::sinks(), "json", cmp.out);
  return report::exit_code(c.verdict.decision);
}

/// Compares the baseline with this gate run and adds the regression criterion
/// to `r` (improvement across the migration is validate's db.latency.improvement
/// on the paired run, so it is not repeated here). A baseline that cannot be
/// compared is a criterion in error: the report is still written.
void compare_baseline(const compare::input& baseline, report::report& r, const std::filesystem::path& dir) {
  auto thresholds = cmp.thresholds;
  thresholds.improvement_criterion = false;
  auto current = compare::from_report(r, (dir / "report.json").string());
  current.label = "this run";
  try {
    auto c = compare::compare_inputs(baseline, current, thresholds);
    c.run.command = "gate";
    compare::print_comparison(std::cout, c);
    r.criteria.insert(r.criteria.end(), c.criteria.begin(), c.criteria.end());
    write_all(c, compare::sinks(), dir);
  } catch (const config_error& e) {
    auto k = criteria::result_for("compare.no_regression", "all", thresholds.max_regression * 100);
    k.detail = e.what();
    r.criteria.push_back(std::move(k));
  }
  r.verdict = criteria::decide(r.criteria);
}

int run_gate() {
  auto cfg = load(opts.config);
  if (opts.out_dir.empty()) throw usage_error("--out-dir is required");
  criteria::for_stage(opts.stage);  // an unknown stage is a usage error, before anything is measured
  check_output("--out-dir", opts.out_dir, true);
  // Read the baseline before measuring, so a bad file stops the run at once.
  std::optional<compare::input> baseline;
  if (!opts.baseline.empty()) {
    baseline = compare::read_input(opts.baseline);
    baseline->label = "baseline";
  }
  auto r = new_report(cfg, "gate");
  std::cerr << "cutover gate: stage " << opts.stage << ", profile " << cfg.profile << "\n";
  // Bench the targets first (paired), so criteria read the same samples the
  // report shows; one budget (timeouts.run_s) for the bench and the criteria.
  auto budget = suite::run_budget::start(cfg);
  auto bench = suite::run_bench(cfg, {opts.targets, opts.suites, {}, {}}, progress_line, &budget);
  validate_into(cfg, r, std::move(bench.measurements), std::move(bench.notes), &budget);
  std::filesystem::path dir = opts.out_dir;
  report::print_measurements(std::cout, r.measurements);
  if (baseline) compare_baseline(*baseline, r, dir);
  report::print_criteria(std::cout, r);
  write_all(r, report::sinks(), dir);
  return report::exit_code(r.verdict->decision);
}

/// Options of `cutover monitor` and `cutover downtime` (durations as text, parsed on use).
struct soak_cli {
  std::vector<std::string> watch;
  std::string target;
  std::string interval;
  std::string duration;
  std::string timeout;
  std::string window;
  std::string hourly_p99;
  std::string pm2_command;
  std::string pm2_home;
  std::vector<std::string> api_paths;
  std::string disk_path = "/";
  bool reuse = false;
  bool resume = false;
  std::string metrics_file;
  std::string listen;
};

soak_cli soak;

monitor::check_options soak_checks(const config& cfg, const std::string& default_timeout) {
  monitor::check_options c;
  c.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
      parse_duration(soak.timeout.empty() ? default_timeout : soak.timeout, "--timeout"));
  c.reuse_connections = soak.reuse;
  if (!soak.api_paths.empty()) c.api_paths = soak.api_paths;
  c.disk_path = soak.disk_path;
  // PM2 is optional: the command (an argument vector, no shell) comes from
  // the flag, else from services.online's setting; --pm2-home alone means
  // `<app.pm2_command> jlist`.
  c.pm2_command = split_command(soak.pm2_command);
  if (c.pm2_command.empty()) c.pm2_command = criteria::pm2_command(cfg);
  if (c.pm2_command.empty() && !soak.pm2_home.empty()) c.pm2_command = {cfg.app.pm2_command, "jlist"};
  c.pm2_home = soak.pm2_home;
  return c;
}

int run_monitor() {
  auto cfg = load(opts.config);
  monitor::monitor_options o;
  o.targets = opts.targets;
  o.watch = soak.watch;
  o.interval = parse_duration(soak.interval.empty() ? "60s" : soak.interval, "--interval");
  o.duration = parse_duration(soak.duration.empty() ? "48h" : soak.duration, "--duration");
  o.out_dir = opts.out;
  o.resume = soak.resume;
  o.checks = soak_checks(cfg, "5s");
  o.metrics_file = soak.metrics_file;
  o.listen = soak.listen;
  if (!opts.stage.empty()) {
    criteria::for_stage(opts.stage);  // an unknown stage is a usage error, before any sampling
    o.stage = opts.stage;
  }
  if (!soak.hourly_p99.empty()) o.hourly_p99 = parse_duration(soak.hourly_p99, "--hourly-p99");
  if (!soak.listen.empty()) http::parse_loopback_listen(soak.listen);  // refuse before sampling starts
  std::atomic<bool> stop{false};
  monitor::stop_on_signals(stop);
  opts.stage = o.stage;
  auto r = monitor::run_monitor(cfg, o, new_report(cfg, "monitor"), stop, std::cerr);
  report::print_criteria(std::cout, r);
  return report::exit_code(r.verdict->decision);
}

int run_downtime() {
  auto cfg = load(opts.config);
  monitor::downtime_options o;
  o.target = soak.target;
  o.interval = parse_duration(soak.interval.empty() ? "100ms" : soak.interval, "--interval");
  if (!soak.duration.empty()) o.duration = parse_duration(soak.duration, "--duration");
  if (!soak.window.empty()) o.window = parse_duration(soak.window, "--window");
  o.checks = soak_checks(cfg, "1s");
  o.live = ::isatty(STDERR_FILENO) != 0;
  if (!soak.watch.empty()) {
    o.watch = soak.watch;
  } else if (const auto* t = cfg.find(o.target.empty() ? (cfg.find("private") ? "private" : "") : o.target)) {
    // Default: every component the target has.
    o.watch.clear();
    if (t->http) o.watch.push_back("api");
    if (t->postgres) o.watch.push_back("db");
    if (t->redis) o.watch.push_back("redis");
  }
  std::atomic<bool> stop{false};
  monitor::stop_on_signals(stop);
  std::cerr << "cutover downtime: watching";
  for (const auto& w : o.watch) std::cerr << ' ' << w;
  std::cerr << " every " << clock_text(o.interval, true) << "; Ctrl-C ends the watch and writes the report\n";
  opts.stage = "switchover";
  auto r = monitor::run_downtime(cfg, o, new_report(cfg, "downtime"), stop, std::cerr);
  report::print_criteria(std::cout, r);
  write_report(r, opts.out);
  return report::exit_code(r.verdict->decision);
}

void add_check_flags(CLI::App* app, const char* default_timeout) {
  app->add_option("--config", opts.config, "Config file (default: $CUTOVER_CONFIG)");
  app->add_option("--timeout", soak.timeout, std::string("Timeout of each check (default ") + default_timeout + ")");
  app->add_option("--api-path", soak.api_paths, "API path that must answer 200 {\"status\":\"ok\"} as for api.health (repeatable; default /health)");
  app->add_flag("--reuse-connections", soak.reuse, "db: SELECT 1 on a kept connection (default: a new connection per check)");
}

}  // namespace

std::string version_text() {
  return "cutover " + std::string(version()) + " (git " + std::string(git_sha()) + ")";
}

void register_commands(CLI::App& app) {
  // A fresh command line starts from the defaults (tests register several).
  opts = {};
  cmp = {};
  soak = {};
  handlers.clear();
  auto* bench = app.add_subcommand("bench", "Latency suites (PostgreSQL, Redis, TCP) per target");
  bench->add_option("--config", opts.config, "Config file (default: $CUTOVER_CONFIG)");
  bench->add_option("--target", opts.targets, "Target name (repeatable; default: all)");
  bench->add_option("--suite", opts.suites, "Suite: db, redis, net, e2e (repeatable; default: db, redis, net)");
  bench->add_option("--metric", opts.metrics, "Metric id or short name to run (repeatable; default: all)");
  bench->add_option("--out", opts.out, "Write the JSON report here");
  bench->add_option("--rate", opts.rate, "Open loop: operations per second per target (coordinated-omission corrected); 0: closed loop")
      ->check(number_in(0, unbounded));
  bench->add_option("--connections", opts.connections, "Open loop: connections sharing the rate")->check(number_in(1, 100000));
  bench->add_option("--duration", opts.open_duration, "Open loop: how long each metric runs per target (e.g. 10s)");
  handlers[bench] = run_bench;

  auto* validate = app.add_subcommand("validate", "Run a stage's acceptance criteria and write the go/no-go report");
  validate->add_option("--config", opts.config, "Config file (default: $CUTOVER_CONFIG)");
  validate->add_option("--stage", opts.stage, "Stage")->required();
  validate->add_option("--out", opts.out, "Write the JSON report here");
  validate->add_option("--only", opts.only, "Criterion id to evaluate (repeatable; default: the whole stage)");
  validate->add_option("--measurements", opts.measurements, "Reuse the measurements of an earlier report");
  handlers[validate] = run_validate;

  auto* compare = app.add_subcommand("compare", "Before/after comparison: two reports, two targets of one report, or a target of each");
  auto& t = cmp.thresholds;
  compare
      ->add_option("inputs", cmp.inputs,
                   "BEFORE.json AFTER.json (cutover reports or Google Benchmark --benchmark_out files; one target each, "
                   "under different names, pairs those targets), or one report with --targets")
      ->required()
      ->expected(1, 2);
  compare->add_option("--targets", cmp.targets,
                      "Compare target A with target B (e.g. tunnel,private): of one report, or A of BEFORE.json with B "
                      "of AFTER.json")
      ->delimiter(',');
  compare->add_option("--out", cmp.out, "Write the comparison JSON here");
  compare->add_option("--min-change", t.min_change, "Median change below this fraction is 'unchanged'")->capture_default_str()
      ->check(number_in(0, 1));
  compare->add_option("--alpha", t.alpha, "Mann-Whitney U significance level")->capture_default_str()->check(number_in(0, 1));
  compare->add_option("--min-ratio", t.min_ratio, "db.latency.improvement: A/B p50 ratio needed")->capture_default_str()
      ->check(number_in(0, unbounded, true));
  compare->add_option("--ratio-metric", t.ratio_metric, "Metric db.latency.improvement reads")->capture_default_str()
      ->each([](const std::string&) { cmp.ratio_metric_given = true; });
  compare->add_option("--max-error-ratio", t.max_error_ratio,
                      "compare.no_regression: largest fraction of failed samples in B (when A failed fewer)")
      ->capture_default_str()->check(number_in(0, 1));
  compare->add_option("--max-regression", t.max_regression, "compare.no_regression: largest slowdown (0.10 = 10%)")->capture_default_str()
      ->check(number_in(0, unbounded));
  compare->add_option("--seed", t.seed, "Bootstrap seed")->capture_default_str();
  compare->add_option("--resamples", t.resamples, "Bootstrap resamples")->capture_default_str()->check(number_in(100, 1000000));
  handlers[compare] = run_compare;

  auto* rep = app.add_subcommand("report", "Render reports");
  auto* render = rep->add_subcommand("render", "Render a JSON report (go/no-go or comparison) as md, junit, json or html");
  render->add_option("report", opts.input, "Report file (JSON)")->required();
  render->add_option("--format", opts.formats, "md, junit, json, html (repeatable, or comma-separated)")->delimiter(',');
  render->add_option("--out", opts.out, "Output file (default: stdout); a base name with several formats");
  handlers[render] = run_render;
  rep->require_subcommand(1);

  auto* gate = app.add_subcommand("gate", "bench + validate (+ compare) in one run, for CI");
  gate->add_option("--config", opts.config, "Config file (default: $CUTOVER_CONFIG)");
  gate->add_option("--stage", opts.stage, "Stage")->required();
  gate->add_option("--out-dir", opts.out_dir, "Folder for report.json, report.md, junit.xml")->required();
  gate->add_option("--target", opts.targets, "Target name (repeatable; default: all)");
  gate->add_option("--suite", opts.suites, "Suite: db, redis, net, e2e (repeatable; default: db, redis, net)");
  gate->add_option("--baseline", opts.baseline, "Compare against this earlier report (writes compare.json, compare.md)");
  gate->add_option("--max-regression", cmp.thresholds.max_regression,
                   "With --baseline: largest slowdown of any metric (0.10 = 10%)")->capture_default_str()
      ->check(number_in(0, unbounded));
  handlers[gate] = run_gate;

  auto* lab = app.add_subcommand("lab", "The embedded lab (use fixtures/lab/lab up|down|status|env)");
  lab->allow_extras();
  handlers[lab] = [] {
    std::cerr << "cutover lab: run fixtures/lab/lab up|down|status|env from the repository\n";
    return 2;
  };
  auto* monitor = app.add_subcommand("monitor", "Soak sampling over hours or days");
  add_check_flags(monitor, "5s");
  monitor->add_option("--out", opts.out, "Folder for samples.jsonl, report.json, report.md")->required();
  monitor->add_option("--interval", soak.interval, "Check period (default 60s)");
  monitor->add_option("--duration", soak.duration, "Length of the whole series (default 48h; a resume keeps the end)");
  monitor->add_option("--target", opts.targets, "Target name (repeatable; default: all)");
  monitor->add_option("--watch", soak.watch, "db, redis, api, pm2, host (comma-separated; default: all configured)")
      ->delimiter(',');
  monitor->add_flag("--resume", soak.resume, "Continue the series in --out after a stop or kill");
  monitor->add_option("--metrics-file", soak.metrics_file, "Prometheus text file (node_exporter textfile collector)");
  monitor->add_option("--listen", soak.listen, "Serve /metrics on 127.0.0.1:PORT (loopback only)");
  monitor->add_option("--stage", opts.stage, "Stage whose soak.uptime is judged (default parallel-run)");
  monitor->add_option("--hourly-p99", soak.hourly_p99, "Limit for the p99 of every hour (e.g. 50ms)");
  monitor->add_option("--pm2-command", soak.pm2_command, "Command printing `pm2 jlist`, split at spaces and run without a shell (default: none, PM2 not checked)");
  monitor->add_option("--pm2-home", soak.pm2_home, "PM2_HOME for the PM2 command (implies `pm2 jlist`)");
  monitor->add_option("--disk-path", soak.disk_path, "Filesystem whose usage is tracked (default /)");
  handlers[monitor] = run_monitor;
  auto* downtime = app.add_subcommand("downtime", "Stopwatch of the switchover window");
  add_check_flags(downtime, "1s");
  downtime->add_option("--out", opts.out, "Write the JSON report here");
  downtime->add_option("--target", soak.target, "Target to watch (default: private)");
  downtime->add_option("--watch", soak.watch, "api, db, redis (comma-separated; default: what the target has)")
      ->delimiter(',');
  downtime->add_option("--interval", soak.interval, "Check period per component (default 100ms: 10 Hz)");
  downtime->add_option("--duration", soak.duration, "Stop after this long (default: at Ctrl-C / SIGTERM)");
  downtime->add_option("--window", soak.window, "Allowed downtime (default 15m, or criteria.downtime.window.threshold minutes; 4h for the server move)");
  handlers[downtime] = run_downtime;
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
