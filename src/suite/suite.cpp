#include "suite/suite.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "net/tcp_probe.hpp"
#include "pg/probes.hpp"
#include "redis/probes.hpp"
#include "stats/sampler.hpp"

namespace cutover::suite {
namespace {

using json = nlohmann::json;
using clock = std::chrono::steady_clock;

/// Samples per measurement kept in the report for comparisons.
constexpr std::size_t report_sample_cap = 20000;

bool wanted(const std::vector<std::string>& list, std::string_view item) {
  return list.empty() || std::find(list.begin(), list.end(), item) != list.end();
}

struct run_context {
  const config& cfg;
  clock::time_point deadline;
  const progress_fn& progress;
  std::vector<report::measurement>& out;
};

/// Runs one metric on every given target (paired when several and the
/// config asks for it) and appends the measurements.
void measure(run_context& ctx, std::string_view metric, const std::vector<const target*>& targets,
             std::vector<std::unique_ptr<probe>> probes, int samples, json workload) {
  std::vector<stats::recorder> recorders;
  recorders.reserve(targets.size());
  for (std::size_t i = 0; i < targets.size(); ++i) recorders.emplace_back(static_cast<std::size_t>(samples) + 16);
  stats::closed_loop_options opts;
  opts.warmup = ctx.cfg.sampling.warmup;
  opts.samples = samples;
  opts.interval = ctx.cfg.sampling.interval;
  opts.deadline = ctx.deadline;
  bool paired = ctx.cfg.sampling.paired && targets.size() > 1;
  workload["mode"] = paired ? "closed-paired" : "closed";
  workload["warmup"] = opts.warmup;
  workload["samples"] = samples;
  workload["interval_us"] = std::chrono::duration_cast<std::chrono::microseconds>(opts.interval).count();
  workload["connections"] = 1;
  if (paired) {
    std::vector<stats::lane> lanes;
    for (std::size_t i = 0; i < targets.size(); ++i) lanes.push_back({probes[i].get(), &recorders[i]});
    stats::run_paired(lanes, opts);
  } else {
    for (std::size_t i = 0; i < targets.size(); ++i) stats::run_closed_loop(*probes[i], recorders[i], opts);
  }
  for (std::size_t i = 0; i < targets.size(); ++i) {
    report::measurement m;
    m.metric = metric;
    m.target = targets[i]->name;
    m.workload = workload;
    m.fingerprint = probes[i]->fingerprint();
    if (m.fingerprint.path.empty()) m.fingerprint.path = targets[i]->path;
    m.summary = recorders[i].summarize();
    m.histogram = recorders[i].histogram().to_json();
    auto s = recorders[i].samples();
    m.samples_ns.assign(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(std::min(s.size(), report_sample_cap)));
    if (ctx.progress) ctx.progress(m);
    ctx.out.push_back(std::move(m));
  }
}

}  // namespace

std::vector<report::measurement> run_bench(const config& cfg, const bench_plan& plan, const progress_fn& progress) {
  for (const auto& s : plan.suites)
    if (s != "db" && s != "redis" && s != "net") throw config_error("--suite: unknown suite '" + s + "' (db, redis, net)");
  std::vector<const target*> selected;
  for (const auto& name : plan.targets) {
    const auto* t = cfg.find(name);
    if (!t) throw config_error("--target: no target named '" + name + "' in " + cfg.file.string());
    selected.push_back(t);
  }
  if (plan.targets.empty())
    for (const auto& t : cfg.targets) selected.push_back(&t);
  for (const auto& m : plan.metrics)
    if (!pg::workload_from_string(m) && !redis::workload_from_string(m) && m != "net.tcp_connect")
      throw config_error("--metric: unknown metric '" + m + "'");

  std::vector<report::measurement> out;
  run_context ctx{cfg, clock::now() + cfg.timeouts.run, progress, out};

  if (wanted(plan.suites, "net")) {
    std::vector<const target*> ts;
    for (const auto* t : selected)
      if (t->postgres) ts.push_back(t);
    if (!ts.empty() && (plan.metrics.empty() || wanted(plan.metrics, "net.tcp_connect"))) {
      std::vector<std::unique_ptr<probe>> probes;
      for (const auto* t : ts)
        probes.push_back(net::make_tcp_probe(t->postgres->host, t->postgres->port, cfg.timeouts.connect, t->path));
      measure(ctx, "net.tcp_connect", ts, std::move(probes), cfg.sampling.samples,
              {{"suite", "net"}, {"operation", "tcp connect to the PostgreSQL endpoint"}});
    }
  }

  if (wanted(plan.suites, "db")) {
    std::vector<const target*> ts;
    for (const auto* t : selected)
      if (t->postgres) ts.push_back(t);
    for (auto w : pg::all_workloads()) {
      auto id = pg::metric_id(w);
      if (ts.empty() || !(plan.metrics.empty() || std::any_of(plan.metrics.begin(), plan.metrics.end(), [&](auto& m) {
                            return pg::workload_from_string(m) == w;
                          })))
        continue;
      std::vector<std::unique_ptr<probe>> probes;
      for (const auto* t : ts)
        probes.push_back(pg::make_probe(w, *t->postgres, {cfg.timeouts.connect, cfg.timeouts.statement, t->path}, cfg.expect));
      int n = pg::opens_connection(w) ? cfg.sampling.connect_samples : cfg.sampling.samples;
      measure(ctx, id, ts, std::move(probes), n, {{"suite", "db"}, {"operation", id}});
    }
  }

  if (wanted(plan.suites, "redis")) {
    std::vector<const target*> ts;
    for (const auto* t : selected)
      if (t->redis) ts.push_back(t);
    for (auto w : redis::all_workloads()) {
      auto id = redis::metric_id(w);
      if (ts.empty() || !(plan.metrics.empty() || std::any_of(plan.metrics.begin(), plan.metrics.end(), [&](auto& m) {
                            return redis::workload_from_string(m) == w;
                          })))
        continue;
      std::vector<std::unique_ptr<probe>> probes;
      for (const auto* t : ts)
        probes.push_back(redis::make_probe(w, *t->redis, {cfg.timeouts.connect, cfg.timeouts.command, true, t->path}));
      measure(ctx, id, ts, std::move(probes), cfg.sampling.samples, {{"suite", "redis"}, {"operation", id}});
    }
  }
  return out;
}

bool has_failures(const std::vector<report::measurement>& ms) {
  return std::any_of(ms.begin(), ms.end(), [](const auto& m) { return m.summary.count == 0 || m.summary.failures() > 0; });
}

}  // namespace cutover::suite
