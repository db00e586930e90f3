#include "cli/commands.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
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
#include "monitor/run.hpp"
#include "monitor/schedule.hpp"
#include "report/console.hpp"
#include "report/report.hpp"
#include "report/sink.hpp"
#include "suite/suite.hpp"

namespace cutover::cli {
namespace {

// --- what every command shares ------------------------------------------------

std::string host_name() {
  char buf[256] = {};
  ::gethostname(buf, sizeof buf - 1);
  return buf;
}

/// The config of --config (else $CUTOVER_CONFIG), its criteria settings
/// checked against the criteria: a bad file stops the run before anything is measured.
config load(const std::string& file) {
  std::string path = file;
  if (path.empty()) {
    if (const char* env = std::getenv("CUTOVER_CONFIG"); env && *env) path = env;
    else throw usage_error("--config is required (or set CUTOVER_CONFIG)");
  }
  auto cfg = load_config(path);
  criteria::check_settings(cfg);
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

void add_config_option(CLI::App* app, std::string& file) {
  app->add_option("--config", file, "Config file (default: $CUTOVER_CONFIG)");
}

/// A report of `command` in `stage` with the run's metadata and the redacted targets.
report::report new_report(const config& cfg, std::string command, std::string stage) {
  report::report r;
  r.run.id = report::new_run_id();
  r.run.command = std::move(command);
  r.run.stage = std::move(stage);
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

void progress_line(const report::measurement& m) { report::print_progress(std::cerr, m); }

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

/// Prints the criteria and the decision; the decision's exit code.
int decided(const report::report& r) {
  report::print_criteria(std::cout, r);
  return report::exit_code(r.verdict->decision);
}

/// The JSON report into `out`, when one is asked for.
void write_json(const report::report& r, const std::string& out) {
  if (!out.empty()) render_to(r, report::sinks(), "json", out);
}

// --- bench ----------------------------------------------------------------------

struct bench_command {
  std::string config;
  std::vector<std::string> targets;
  std::vector<std::string> suites;
  std::vector<std::string> metrics;
  std::string out;
  double rate = 0;
  int connections = 1;
  std::string duration = "10s";

  void declare(CLI::App* app) {
    add_config_option(app, config);
    app->add_option("--target", targets, "Target name (repeatable; default: all)");
    app->add_option("--suite", suites, "Suite: db, redis, net, e2e (repeatable; default: db, redis, net)");
    app->add_option("--metric", metrics, "Metric id or short name to run (repeatable; default: all)");
    app->add_option("--out", out, "Write the JSON report here");
    app->add_option("--rate", rate, "Open loop: operations per second per target (coordinated-omission corrected); 0: closed loop")
        ->check(number_in(0, unbounded));
    app->add_option("--connections", connections, "Open loop: connections sharing the rate")->check(number_in(1, 100000));
    app->add_option("--duration", duration, "Open loop: how long each metric runs per target (e.g. 10s)");
  }

  /// A target named with --target must have an endpoint for one of the chosen
  /// suites: a bench that measures nothing must not pass (checked before measuring).
  void check_targets(const cutover::config& cfg) const {
    std::vector<std::string> chosen = suites;
    if (chosen.empty()) chosen = {"db", "redis", "net"};
    if (std::any_of(metrics.begin(), metrics.end(), [](const auto& m) { return m.starts_with("e2e."); }))
      chosen.push_back("e2e");
    auto has = [&](const char* s) { return std::find(chosen.begin(), chosen.end(), s) != chosen.end(); };
    std::string list;
    for (const auto& s : chosen) list += (list.empty() ? "" : ", ") + s;
    for (const auto& name : targets) {
      const auto* t = cfg.find(name);
      if (!t) continue;  // suite::run_bench names it
      if (((has("db") || has("net")) && t->postgres) || (has("redis") && t->redis) || (has("e2e") && t->http)) continue;
      throw usage_error("--target " + name + ": nothing to measure for suite(s) " + list +
                        " (the target has no postgres, redis or http endpoint for them)");
    }
  }

  suite::bench_plan plan() const {
    suite::bench_plan p{targets, suites, metrics, {}};
    if (rate != 0) {  // a bad rate (negative, nan) is refused by run_bench, never a silent closed loop
      p.open_loop = {rate, connections, parse_duration(duration, "--duration")};
      std::cerr << "cutover bench: open loop at " << rate << " ops/s over " << connections << " connection(s) for "
                << duration << " per metric and target\n";
    }
    return p;
  }

  int run() const {
    const auto cfg = load(config);
    check_output("--out", out, false);
    check_targets(cfg);
    auto r = new_report(cfg, "bench", "");
    r.kind = "measurements";
    std::cerr << "cutover bench: profile " << cfg.profile << ", " << cfg.sampling.samples << " samples per headline metric\n";
    auto result = suite::run_bench(cfg, plan(), progress_line);
    r.measurements = std::move(result.measurements);
    r.notes = std::move(result.notes);
    r.run.finished_at = report::now_rfc3339();
    report::print_measurements(std::cout, r.measurements);
    for (const auto& n : r.notes) std::cout << "note: " << n << '\n';
    write_json(r, out);
    if (r.measurements.empty())
      throw config_error("nothing was measured: no selected target has an endpoint for the chosen suites and metrics");
    if (suite::has_failures(r.measurements)) {
      std::cerr << "cutover bench: some samples failed (see errors above)\n";
      return 1;
    }
    return 0;
  }
};

// --- validate -------------------------------------------------------------------

/// Validates `stage` into `r` (criteria results and verdict); measurements given are reused.
void validate_into(const config& cfg, const std::string& stage, std::vector<std::string> only, report::report& r,
                   std::vector<report::measurement> given, std::vector<std::string> notes,
                   suite::run_budget* budget = nullptr) {
  criteria::run_validate(cfg, {stage, std::move(only), std::move(given), std::move(notes), budget}, r, progress_line);
  r.run.finished_at = report::now_rfc3339();
}

struct validate_command {
  std::string config;
  std::string stage;
  std::string out;
  std::vector<std::string> only;
  std::string measurements;

  void declare(CLI::App* app) {
    add_config_option(app, config);
    app->add_option("--stage", stage, "Stage")->required();
    app->add_option("--out", out, "Write the JSON report here");
    app->add_option("--only", only, "Criterion id to evaluate (repeatable; default: the whole stage)");
    app->add_option("--measurements", measurements, "Reuse the measurements of an earlier report");
  }

  int run() const {
    const auto cfg = load(config);
    check_output("--out", out, false);
    std::vector<report::measurement> given;
    if (!measurements.empty()) given = report::read_report(measurements).measurements;
    auto r = new_report(cfg, "validate", stage);
    std::cerr << "cutover validate: stage " << stage << ", profile " << cfg.profile << "\n";
    validate_into(cfg, stage, only, r, std::move(given), {});
    write_json(r, out);
    return decided(r);
  }
};

// --- compare ----------------------------------------------------------------------

/// The comparison thresholds and their options (compare; gate --baseline
/// declares only --max-regression).
struct compare_thresholds {
  compare::options values;
  bool ratio_metric_given = false;  ///< --ratio-metric was on the command line

  void declare(CLI::App* app) {
    auto& t = values;
    app->add_option("--min-change", t.min_change, "Median change below this fraction is 'unchanged'")->capture_default_str()
        ->check(number_in(0, 1));
    app->add_option("--alpha", t.alpha, "Mann-Whitney U significance level")->capture_default_str()->check(number_in(0, 1));
    app->add_option("--min-ratio", t.min_ratio, "db.latency.improvement: A/B p50 ratio needed")->capture_default_str()
        ->check(number_in(0, unbounded, true));
    app->add_option("--ratio-metric", t.ratio_metric, "Metric db.latency.improvement reads")->capture_default_str()
        ->each([this](const std::string&) { ratio_metric_given = true; });
    app->add_option("--max-error-ratio", t.max_error_ratio,
                    "compare.no_regression: largest fraction of failed samples in B (when A failed fewer)")
        ->capture_default_str()->check(number_in(0, 1));
    declare_max_regression(app, "compare.no_regression: largest slowdown (0.10 = 10%)");
    app->add_option("--seed", t.seed, "Bootstrap seed")->capture_default_str();
    app->add_option("--resamples", t.resamples, "Bootstrap resamples")->capture_default_str()->check(number_in(100, 1000000));
  }

  void declare_max_regression(CLI::App* app, const std::string& help) {
    app->add_option("--max-regression", values.max_regression, help)->capture_default_str()->check(number_in(0, unbounded));
  }

  /// A metric named on the command line must be in an input: a typo would
  /// otherwise drop the criterion that reads it.
  void check_ratio_metric(const std::vector<compare::input>& inputs) const {
    if (!ratio_metric_given) return;
    for (const auto& in : inputs)
      for (const auto& s : in.series)
        if (s.metric == values.ratio_metric) return;
    std::string known;
    for (const auto& s : inputs.front().series)
      if (known.find(s.metric) == std::string::npos) known += (known.empty() ? "" : ", ") + s.metric;
    throw usage_error("--ratio-metric: no metric '" + values.ratio_metric + "' in the inputs (" + known + ")");
  }
};

void print_comparison_criteria(const compare::comparison& c) {
  report::report shell;
  shell.criteria = c.criteria;
  shell.verdict = c.verdict;
  report::print_criteria(std::cout, shell);
}

struct compare_command {
  std::vector<std::string> inputs;
  std::vector<std::string> targets;
  std::string out;
  compare_thresholds thresholds;

  void declare(CLI::App* app) {
    app->add_option("inputs", inputs,
                    "BEFORE.json AFTER.json (cutover reports or Google Benchmark --benchmark_out files; one target each, "
                    "under different names, pairs those targets), or one report with --targets")
        ->required()
        ->expected(1, 2);
    app->add_option("--targets", targets,
                    "Compare target A with target B (e.g. tunnel,private): of one report, or A of BEFORE.json with B "
                    "of AFTER.json")
        ->delimiter(',');
    app->add_option("--out", out, "Write the comparison JSON here");
    thresholds.declare(app);
  }

  /// Reads the inputs and pairs them: two reports, or two targets of one or two reports.
  compare::comparison compared() const {
    const auto& t = thresholds.values;
    if (targets.empty()) {
      if (inputs.size() != 2) throw usage_error("compare needs BEFORE.json AFTER.json, or one report and --targets A,B");
      auto a = compare::read_input(inputs[0]);
      auto b = compare::read_input(inputs[1]);
      thresholds.check_ratio_metric({a, b});
      return compare::compare_inputs(a, b, t);
    }
    if (targets.size() != 2) throw usage_error("--targets takes two target names (A,B)");
    const auto a = compare::read_input(inputs[0]);
    if (inputs.size() == 1) {
      thresholds.check_ratio_metric({a});
      return compare::compare_targets(a, targets[0], targets[1], t);
    }
    const auto b = compare::read_input(inputs[1]);
    thresholds.check_ratio_metric({a, b});
    return compare::compare_targets(a, targets[0], b, targets[1], t);
  }

  int run() const {
    const auto c = compared();
    compare::print_comparison(std::cout, c);
    print_comparison_criteria(c);
    if (!out.empty()) render_to(c, compare::sinks(), "json", out);
    return report::exit_code(c.verdict.decision);
  }
};

// --- report render ------------------------------------------------------------------

struct render_command {
  std::string input;
  std::vector<std::string> formats;
  std::string out;

  void declare(CLI::App* app) {
    app->add_option("report", input, "Report file (JSON)")->required();
    app->add_option("--format", formats, "md, junit, json, html (repeatable, or comma-separated)")->delimiter(',');
    app->add_option("--out", out, "Output file (default: stdout); a base name with several formats");
  }

  /// Writes `doc` in every format: one file per sink, named by its extension, when there are several.
  template <class Doc>
  void render_all(const Doc& doc, std::span<const report::sink<Doc>> table, const std::vector<std::string>& chosen) const {
    for (const auto& f : chosen)
      render_to(doc, table, f, chosen.size() > 1 ? out + "." + std::string(report::find_sink(table, f).extension) : out);
  }

  int run() const {
    const auto chosen = formats.empty() ? std::vector<std::string>{"md"} : formats;
    if (chosen.size() > 1 && (out.empty() || out == "-"))
      throw usage_error("several --format values need --out with a base name");
    // Comparison reports render through their own sinks; anything else is read
    // as a go/no-go report (which gives the clear error when it is neither).
    const auto j = read_json_file(input);
    if (j.is_object() && j.contains("schema") && j["schema"] == "cutover/comparison")
      render_all(compare::from_json(j, input), compare::sinks(), chosen);
    else
      render_all(report::from_json(j, input), report::sinks(), chosen);
    return 0;
  }
};

// --- gate ---------------------------------------------------------------------------

/// Compares the baseline with this gate run and adds the regression criterion
/// to `r` (improvement across the migration is validate's db.latency.improvement
/// on the paired run, so it is not repeated here). A baseline that cannot be
/// compared is a criterion in error: the report is still written.
void compare_baseline(const compare::input& baseline, compare::options thresholds, report::report& r,
                      const std::filesystem::path& dir) {
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

struct gate_command {
  std::string config;
  std::string stage;
  std::string out_dir;
  std::vector<std::string> targets;
  std::vector<std::string> suites;
  std::string baseline_file;
  compare_thresholds thresholds;

  void declare(CLI::App* app) {
    add_config_option(app, config);
    app->add_option("--stage", stage, "Stage")->required();
    app->add_option("--out-dir", out_dir, "Folder for report.json, report.md, junit.xml")->required();
    app->add_option("--target", targets, "Target name (repeatable; default: all)");
    app->add_option("--suite", suites, "Suite: db, redis, net, e2e (repeatable; default: db, redis, net)");
    app->add_option("--baseline", baseline_file, "Compare against this earlier report (writes compare.json, compare.md)");
    thresholds.declare_max_regression(app, "With --baseline: largest slowdown of any metric (0.10 = 10%)");
  }

  int run() const {
    const auto cfg = load(config);
    criteria::for_stage(stage);  // an unknown stage is a usage error, before anything is measured
    check_output("--out-dir", out_dir, true);
    // Read the baseline before measuring, so a bad file stops the run at once.
    std::optional<compare::input> baseline;
    if (!baseline_file.empty()) {
      baseline = compare::read_input(baseline_file);
      baseline->label = "baseline";
    }
    auto r = new_report(cfg, "gate", stage);
    std::cerr << "cutover gate: stage " << stage << ", profile " << cfg.profile << "\n";
    // Bench the targets first (paired), so criteria read the same samples the
    // report shows; one budget (timeouts.run_s) for the bench and the criteria.
    auto budget = suite::run_budget::start(cfg);
    auto bench = suite::run_bench(cfg, {targets, suites, {}, {}}, progress_line, &budget);
    validate_into(cfg, stage, {}, r, std::move(bench.measurements), std::move(bench.notes), &budget);
    report::print_measurements(std::cout, r.measurements);
    if (baseline) compare_baseline(*baseline, thresholds.values, r, out_dir);
    write_all(r, report::sinks(), out_dir);
    return decided(r);
  }
};

// --- monitor, downtime --------------------------------------------------------------

/// The check options monitor and downtime share (durations as text, parsed on use).
struct check_flags {
  std::string config;
  std::string timeout;
  std::vector<std::string> api_paths;
  bool reuse = false;

  void declare(CLI::App* app, const char* default_timeout) {
    add_config_option(app, config);
    app->add_option("--timeout", timeout, std::string("Timeout of each check (default ") + default_timeout + ")");
    app->add_option("--api-path", api_paths,
                    "API path that must answer 200 {\"status\":\"ok\"} as for api.health (repeatable; default /health)");
    app->add_flag("--reuse-connections", reuse, "db: SELECT 1 on a kept connection (default: a new connection per check)");
  }

  monitor::check_options options(const std::string& default_timeout, const std::string& disk_path) const {
    monitor::check_options c;
    c.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
        parse_duration(timeout.empty() ? default_timeout : timeout, "--timeout"));
    c.reuse_connections = reuse;
    if (!api_paths.empty()) c.api_paths = api_paths;
    c.disk_path = disk_path;
    return c;
  }
};

struct monitor_command {
  check_flags checks;
  std::string out;
  std::string interval = "60s";
  std::string duration = "48h";
  std::vector<std::string> targets;
  std::vector<std::string> watch;
  bool resume = false;
  std::string metrics_file;
  std::string listen;
  std::string stage;
  std::string hourly_p99;
  std::string pm2_command;
  std::string pm2_home;
  std::string disk_path = "/";

  void declare(CLI::App* app) {
    checks.declare(app, "5s");
    app->add_option("--out", out, "Folder for samples.jsonl, report.json, report.md")->required();
    app->add_option("--interval", interval, "Check period (default 60s)");
    app->add_option("--duration", duration, "Length of the whole series (default 48h; a resume keeps the end)");
    app->add_option("--target", targets, "Target name (repeatable; default: all)");
    app->add_option("--watch", watch, "db, redis, api, pm2, host (comma-separated; default: all configured)")->delimiter(',');
    app->add_flag("--resume", resume, "Continue the series in --out after a stop or kill");
    app->add_option("--metrics-file", metrics_file, "Prometheus text file (node_exporter textfile collector)");
    app->add_option("--listen", listen, "Serve /metrics on 127.0.0.1:PORT (loopback only)");
    app->add_option("--stage", stage, "Stage whose soak.uptime is judged (default parallel-run)");
    app->add_option("--hourly-p99", hourly_p99, "Limit for the p99 of every hour (e.g. 50ms)");
    app->add_option("--pm2-command", pm2_command,
                    "Command printing `pm2 jlist`, split at spaces and run without a shell (default: none, PM2 not checked)");
    app->add_option("--pm2-home", pm2_home, "PM2_HOME for the PM2 command (implies `pm2 jlist`)");
    app->add_option("--disk-path", disk_path, "Filesystem whose usage is tracked (default /)");
  }

  /// The options, checked before any sampling (an unknown stage or a
  /// listen address off loopback is a usage error).
  monitor::monitor_options plan(const cutover::config& cfg) const {
    monitor::monitor_options o;
    o.targets = targets;
    o.watch = watch;
    o.interval = parse_duration(interval, "--interval");
    o.duration = parse_duration(duration, "--duration");
    o.out_dir = out;
    o.resume = resume;
    o.checks = checks.options("5s", disk_path);
    // PM2 is optional: the command (an argument vector, no shell) comes from
    // the flag, else from the one services.online runs; --pm2-home alone
    // means `<app.pm2_command> jlist`.
    o.checks.pm2_command = split_command(pm2_command);
    if (o.checks.pm2_command.empty()) o.checks.pm2_command = criteria::pm2_command(cfg);
    if (o.checks.pm2_command.empty() && !pm2_home.empty()) o.checks.pm2_command = {cfg.app.pm2_command, "jlist"};
    o.checks.pm2_home = pm2_home;
    o.metrics_file = metrics_file;
    o.listen = listen;
    if (!stage.empty()) {
      criteria::for_stage(stage);
      o.stage = stage;
    }
    if (!hourly_p99.empty()) o.hourly_p99 = parse_duration(hourly_p99, "--hourly-p99");
    if (!listen.empty()) http::parse_loopback_listen(listen);
    return o;
  }

  int run() const {
    const auto cfg = load(checks.config);
    const auto o = plan(cfg);
    // A soak of days must not end by finding it cannot write.
    check_output("--out", out, true);
    if (!metrics_file.empty()) check_output("--metrics-file", metrics_file, false);
    std::atomic<bool> stop{false};  // SIGINT / SIGTERM end the series, which then writes its report
    monitor::stop_on_signals(stop);
    // run_monitor judges, decides and writes its sinks into --out as the series grows.
    return decided(monitor::run_monitor(cfg, o, new_report(cfg, "monitor", o.stage), stop, std::cerr));
  }
};

struct downtime_command {
  check_flags checks;
  std::string out;
  std::string target;
  std::vector<std::string> watch;
  std::string interval = "100ms";
  std::string duration;
  std::string window;

  void declare(CLI::App* app) {
    checks.declare(app, "1s");
    app->add_option("--out", out, "Write the JSON report here");
    app->add_option("--target", target, "Target to watch (default: private)");
    app->add_option("--watch", watch, "api, db, redis (comma-separated; default: what the target has)")->delimiter(',');
    app->add_option("--interval", interval, "Check period per component (default 100ms: 10 Hz)");
    app->add_option("--duration", duration, "Stop after this long (default: at Ctrl-C / SIGTERM)");
    app->add_option("--window", window,
                    "Allowed downtime (default 15m, or criteria.downtime.window.threshold minutes; 4h for the server move)");
  }

  monitor::downtime_options plan(const cutover::config& cfg) const {
    monitor::downtime_options o;
    o.target = target;
    o.interval = parse_duration(interval, "--interval");
    if (!duration.empty()) o.duration = parse_duration(duration, "--duration");
    if (!window.empty()) o.window = parse_duration(window, "--window");
    o.checks = checks.options("1s", "/");
    o.live = ::isatty(STDERR_FILENO) != 0;
    if (!watch.empty()) {
      o.watch = watch;
    } else if (const auto* t = cfg.find(o.target.empty() ? (cfg.find("private") ? "private" : "") : o.target)) {
      // Default: every component the target has.
      o.watch.clear();
      if (t->http) o.watch.push_back("api");
      if (t->postgres) o.watch.push_back("db");
      if (t->redis) o.watch.push_back("redis");
    }
    return o;
  }

  int run() const {
    const auto cfg = load(checks.config);
    const auto o = plan(cfg);
    check_output("--out", out, false);  // the switchover's stopwatch must not be lost at its end
    std::atomic<bool> stop{false};  // SIGINT / SIGTERM end the watch, which then writes its report
    monitor::stop_on_signals(stop);
    std::cerr << "cutover downtime: watching";
    for (const auto& w : o.watch) std::cerr << ' ' << w;
    std::cerr << " every " << clock_text(o.interval, true) << "; Ctrl-C ends the watch and writes the report\n";
    const auto r = monitor::run_downtime(cfg, o, new_report(cfg, "downtime", "switchover"), stop, std::cerr);
    write_json(r, out);
    return decided(r);
  }
};

/// Declares `Command`'s options on `app` and keeps it for `commands::run_selected`.
template <class Command>
std::function<int()> declared(CLI::App* app) {
  auto command = std::make_shared<Command>();
  command->declare(app);
  return [command] { return command->run(); };
}

}  // namespace

std::string version_text() {
  return "cutover " + std::string(version()) + " (git " + std::string(git_sha()) + ")";
}

commands::commands(CLI::App& app) {
  auto add = [&](CLI::App* sub, std::function<int()> run) { handlers_.emplace_back(sub, std::move(run)); };
  auto* bench = app.add_subcommand("bench", "Latency suites (PostgreSQL, Redis, TCP) per target");
  add(bench, declared<bench_command>(bench));
  auto* validate = app.add_subcommand("validate", "Run a stage's acceptance criteria and write the go/no-go report");
  add(validate, declared<validate_command>(validate));
  auto* compare =
      app.add_subcommand("compare", "Before/after comparison: two reports, two targets of one report, or a target of each");
  add(compare, declared<compare_command>(compare));
  auto* rep = app.add_subcommand("report", "Render reports");
  auto* render = rep->add_subcommand("render", "Render a JSON report (go/no-go or comparison) as md, junit, json or html");
  add(render, declared<render_command>(render));
  rep->require_subcommand(1);
  auto* gate = app.add_subcommand("gate", "bench + validate (+ compare) in one run, for CI");
  add(gate, declared<gate_command>(gate));
  auto* lab = app.add_subcommand("lab", "The embedded lab (use fixtures/lab/lab up|down|status|env)");
  lab->allow_extras();
  add(lab, [] {
    std::cerr << "cutover lab: run fixtures/lab/lab up|down|status|env from the repository\n";
    return 2;
  });
  auto* monitor = app.add_subcommand("monitor", "Soak sampling over hours or days");
  add(monitor, declared<monitor_command>(monitor));
  auto* downtime = app.add_subcommand("downtime", "Stopwatch of the switchover window");
  add(downtime, declared<downtime_command>(downtime));
}

int commands::run_selected() const {
  for (const auto& [sub, run] : handlers_)
    if (sub->parsed()) return run();
  throw usage_error("no subcommand");
}

}  // namespace cutover::cli
