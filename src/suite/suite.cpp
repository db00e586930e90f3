#include "suite/suite.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <array>
#include <map>

#include "core/error.hpp"
#include "e2e/message.hpp"
#include "net/tcp_probe.hpp"
#include "pg/async_driver.hpp"
#include "pg/probes.hpp"
#include "redis/async_driver.hpp"
#include "redis/probes.hpp"
#include "stats/cpu_awake.hpp"
#include "stats/sampler.hpp"

namespace cutover::suite {
namespace {

using json = nlohmann::json;
using clock = std::chrono::steady_clock;

/// Open-loop bounds: connections (a thread each, or an event loop's), and rates a nanosecond clock
/// and a probe can mean.
constexpr int max_open_connections = 1024;
constexpr double max_open_rate = 1e7;

/// Samples per measurement kept in the report for comparisons.
constexpr std::size_t report_sample_cap = 20000;

bool wanted(const std::vector<std::string>& list, std::string_view item) {
  return list.empty() || std::find(list.begin(), list.end(), item) != list.end();
}

struct run_context {
  const config& cfg;
  const bench_plan& plan;
  clock::time_point deadline;
  const progress_fn& progress;
  bench_result& out;
  /// "area/target" endpoints given up on, with why (the run budget's).
  std::map<std::string, std::string>& dead;
  /// Whether the CPUs were held out of slow idle states (stats::cpu_awake).
  const stats::cpu_awake& awake;
  /// sampling.cpus applied: "pinned", "unavailable (...)" or "" (none asked).
  std::string pinned;
};

/// Makes a fresh probe for a target (called once per connection).
using probe_factory = std::function<std::unique_ptr<probe>(const target&)>;
/// Makes an open loop's event driver for a target and a connection count
/// (empty when the workload has none: the open loop then runs a thread per connection).
using driver_factory = std::function<std::unique_ptr<event_driver>(const target&, int connections)>;

/// Open loop on one target: `connections` probes at the plan's fixed rate,
/// latency from the intended send time (coordinated omission corrected).
void measure_open(run_context& ctx, const probe_factory& make, const driver_factory& drive, const target& t,
                  stats::recorder& r, json& workload, path_fingerprint& fingerprint) {
  const auto& o = ctx.plan.open_loop;
  stats::open_loop_options opts;
  opts.rate_per_s = o.rate_per_s;
  opts.duration = o.duration;
  opts.connections = o.connections;
  opts.deadline = ctx.deadline;
  opts.give_up_after = ctx.cfg.sampling.give_up_after;
  std::unique_ptr<event_driver> driver = drive ? drive(t, o.connections) : nullptr;
  workload["driver"] = driver ? "event loop (epoll, one thread for every connection)" : "one thread per connection";
  auto res = driver ? stats::run_open_loop(*driver, r, opts) : stats::run_open_loop([&] { return make(t); }, r, opts);
  driver.reset();
  // The load actually applied, beside the load asked for: a loop that fell
  // short measured something else, and says so.
  workload["achieved_ops_per_s"] = std::round(res.achieved_ops_per_s);
  workload["scheduled"] = res.scheduled;
  workload["sent"] = res.sent;
  workload["max_lag_ns"] = res.max_lag.count();
  workload["max_driver_lag_ns"] = res.max_driver_lag.count();
  workload["driver_late"] = res.driver_late;
  workload["interrupted"] = res.interrupted;
  workload["valid"] = res.valid;
  if (!res.valid) {
    workload["invalid_reason"] = res.invalid_reason;
    ctx.out.notes.push_back("open loop on " + t.name + " is invalid: " + res.invalid_reason);
  }
  // The loop's probes are gone; one more connection tells what the path is.
  auto p = make(t);
  if (p->open().ok()) fingerprint = p->fingerprint();
}

/// Appends the measurement of `metric` on `t` from its recorder, and shows it.
void add_measurement(run_context& ctx, std::string_view metric, const target& t, json workload,
                     const path_fingerprint& fingerprint, const stats::recorder& r) {
  report::measurement m;
  m.metric = metric;
  m.target = t.name;
  m.workload = std::move(workload);
  m.fingerprint = fingerprint;
  m.summary = r.summarize();
  m.histogram = r.histogram().to_json();
  auto s = r.samples();
  m.samples_ns.assign(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(std::min(s.size(), report_sample_cap)));
  if (ctx.progress) ctx.progress(m);
  ctx.out.measurements.push_back(std::move(m));
}

/// Runs one metric on every given target and appends the measurements: a
/// closed loop (paired when several targets and the config asks for it), or
/// the plan's open loop per target. `area` names the endpoint kind ("pg",
/// "redis", "tcp") for giving up on dead endpoints.
void measure(run_context& ctx, std::string_view area, std::string_view metric,
             const std::vector<const target*>& targets, const probe_factory& make, int samples, json workload,
             const driver_factory& drive = {}) {
  const bool open = ctx.plan.open_loop.rate_per_s > 0;
  std::vector<std::unique_ptr<probe>> probes;
  for (const auto* t : targets) probes.push_back(make(*t));
  std::vector<stats::recorder> recorders;
  recorders.reserve(targets.size());
  for (std::size_t i = 0; i < targets.size(); ++i)
    recorders.emplace_back(open ? stats::recorder::default_sample_cap : static_cast<std::size_t>(samples) + 16);
  stats::closed_loop_options opts;
  opts.warmup = ctx.cfg.sampling.warmup;
  opts.samples = samples;
  opts.interval = ctx.cfg.sampling.interval;
  opts.deadline = ctx.deadline;
  opts.give_up_after = ctx.cfg.sampling.give_up_after;
  opts.block = ctx.cfg.sampling.block;
  opts.block_warmup = ctx.cfg.sampling.block_warmup;
  if (open) {
    workload["rate_per_s"] = ctx.plan.open_loop.rate_per_s;
    workload["duration_ns"] = ctx.plan.open_loop.duration.count();
    workload["connections"] = ctx.plan.open_loop.connections;
    workload["samples"] = 0;
  } else {
    workload["warmup"] = opts.warmup;
    workload["samples"] = samples;
    workload["interval_us"] = std::chrono::duration_cast<std::chrono::microseconds>(opts.interval).count();
    workload["connections"] = 1;
  }
  std::vector<json> workloads(targets.size(), workload);
  std::vector<path_fingerprint> fingerprints(targets.size());

  // Endpoints already given up on, or a passed deadline, are not sampled.
  std::vector<stats::lane> lanes;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    auto key = std::string(area) + "/" + targets[i]->name;
    if (auto it = ctx.dead.find(key); it != ctx.dead.end()) {
      recorders[i].record_failure(outcome::skipped, "not sampled: " + it->second);
    } else if (clock::now() >= ctx.deadline) {
      recorders[i].record_failure(outcome::skipped, "not sampled: the run deadline passed");
    } else {
      lanes.push_back({probes[i].get(), &recorders[i]});
    }
  }
  bool paired = !open && ctx.cfg.sampling.paired && lanes.size() > 1;
  auto mode = open ? "open" : paired || (ctx.cfg.sampling.paired && targets.size() > 1) ? "closed-paired" : "closed";
  const auto& tick = stats::sample_clock_resolution();
  for (auto& w : workloads) {
    w["mode"] = mode;
    // Sufficiency's other half: a percentile is claimed only far above this.
    w["clock"] = {{"reported_resolution_ns", tick.reported_ns},
                  {"observed_step_ns", tick.observed_ns},
                  {"resolution_ns", tick.resolution_ns()},
                  {"claim_factor", stats::resolution_factor}};
    // Whether idle CPUs could halt (and how many wake-ups a sample pays
    // then depends on the schedule): see stats/cpu_awake.hpp.
    w["cpu_idle"] = {{"held_awake", ctx.awake.held()}, {"state", ctx.awake.state()}};
    if (!ctx.cfg.sampling.cpus.empty()) w["cpus"] = {{"requested", ctx.cfg.sampling.cpus}, {"state", ctx.pinned}};
    // How the samples were scheduled, so a reader can tell a paired figure
    // from one measured alone.
    if (paired)
      w["schedule"] = {{"kind", "abba-blocks"},
                       {"block", std::max(opts.block, 1)},
                       {"block_warmup", std::max(opts.block_warmup, 0)},
                       {"lanes", lanes.size()}};
    else if (!open)
      w["schedule"] = {{"kind", "alone"}};
  }
  bool deadline_hit = false;
  if (open) {
    for (std::size_t i = 0; i < targets.size(); ++i)
      if (std::any_of(lanes.begin(), lanes.end(), [&](const auto& l) { return l.r == &recorders[i]; }))
        measure_open(ctx, make, drive, *targets[i], recorders[i], workloads[i], fingerprints[i]);
  } else if (paired) {
    deadline_hit = stats::run_paired(lanes, opts).stopped_by_deadline;
  } else {
    for (auto& l : lanes) deadline_hit |= stats::run_closed_loop(*l.p, *l.r, opts).stopped_by_deadline;
  }
  if (deadline_hit) ctx.out.notes.push_back(std::string(metric) + ": the run deadline cut sampling short");

  for (std::size_t i = 0; i < targets.size(); ++i) {
    auto key = std::string(area) + "/" + targets[i]->name;
    if (recorders[i].count() == 0 && !ctx.dead.contains(key)) {
      auto s = recorders[i].summarize();
      auto why = s.error_messages.empty() ? std::string("every sample failed") : s.error_messages.front();
      ctx.dead[key] = std::string(metric) + " on " + targets[i]->name + " failed: " + why;
      ctx.out.notes.push_back("gave up on " + std::string(area) + " of target " + targets[i]->name + " after " +
                              std::string(metric) + " (" + why + ")");
    }
    auto fingerprint = open ? fingerprints[i] : probes[i]->fingerprint();
    if (fingerprint.path.empty()) fingerprint.path = targets[i]->path;
    add_measurement(ctx, metric, *targets[i], std::move(workloads[i]), fingerprint, recorders[i]);
  }
}

/// The metrics one e2e run produces (all of them together: one session).
constexpr std::array<std::string_view, 4> e2e_metrics{"e2e.message", "e2e.queue_wait", "e2e.processing",
                                                      "e2e.message.concurrent"};

bool is_e2e_metric(std::string_view m) {
  return std::find(e2e_metrics.begin(), e2e_metrics.end(), m) != e2e_metrics.end();
}


/// Passive e2e on one target: sends nothing; e2e.queue_wait and
/// e2e.processing of the latest completed jobs of real traffic.
void measure_e2e_passive(run_context& ctx, const target& t) {
  const auto& app = ctx.cfg.app;
  const auto o = e2e::make_session_options(ctx.cfg, t);
  e2e::pass_recorders jobs;
  e2e::passive_tally tally;
  auto r = e2e::read_completed_jobs(o, app.passive_jobs, jobs, tally);
  if (!r.ok()) {
    ctx.out.notes.push_back("e2e (passive) on " + t.name + ": " + r.message);
    jobs.queue_wait.record_failure(r.result, r.message);
    jobs.processing.record_failure(r.result, r.message);
  } else if (tally.used < app.passive_jobs) {
    ctx.out.notes.push_back("e2e (passive) on " + t.name + ": " + std::to_string(tally.used) + " of " +
                            std::to_string(app.passive_jobs) + " completed jobs of real traffic found in bull:" +
                            app.queue + ":completed");
  }
  path_fingerprint fp;
  if (o.redis) fp.endpoint = o.redis->host + ":" + std::to_string(o.redis->port);
  fp.resolved = fp.endpoint;
  fp.path = t.path;
  json w{{"suite", "e2e"},
         {"mode", "passive"},
         {"queue", app.queue},
         {"source", "bull:" + app.queue + ":completed, latest first, harness test jobs skipped"},
         {"jobs", app.passive_jobs},
         {"read", tally.to_json()},
         {"warmup", 0},
         {"samples", tally.used}};
  w["operation"] = "BullMQ job: timestamp -> processedOn";
  add_measurement(ctx, "e2e.queue_wait", t, w, fp, jobs.queue_wait);
  w["operation"] = "BullMQ job: processedOn -> finishedOn";
  add_measurement(ctx, "e2e.processing", t, w, fp, jobs.processing);
}

/// End to end on one target: a sequential pass, then a concurrent one, into
/// e2e.message, e2e.queue_wait, e2e.processing (sequential) and
/// e2e.message.concurrent, each workload carrying its reply tally.
void measure_e2e(run_context& ctx, const target& t) {
  const auto& app = ctx.cfg.app;
  if (app.reply_mode == "passive") return measure_e2e_passive(ctx, t);
  e2e::session s(e2e::make_session_options(ctx.cfg, t));
  e2e::pass_recorders seq;
  e2e::pass_recorders conc;
  json base{{"suite", "e2e"},
            {"api", s.options().api.display() + app.webhook_path},
            {"queue", app.queue},
            {"reply_timeout_ns", std::chrono::nanoseconds(app.reply_timeout).count()},
            {"messages", app.messages},
            {"warmup", 0},
            {"samples", app.messages}};
  if (app.reply_mode == "listener") {
    base["reply_listener"] = app.reply_host + ":" + std::to_string(app.reply_port);
  } else {
    base["reply_mode"] = app.reply_mode;
    base["reply"] = "BullMQ job completion: bull:" + app.queue + ":<id> finishedOn in the completed set, returnvalue (polled every 1-20 ms)";
  }
  auto skip_all = [&](e2e::pass_recorders& r, const std::string& why) {
    for (int i = 0; i < app.messages; ++i) r.message.record_failure(outcome::skipped, why);
  };
  if (auto started = s.start(); !started.ok()) {
    ctx.out.notes.push_back("e2e on " + t.name + ": " + started.message);
    skip_all(seq, "not sent: " + started.message);
    skip_all(conc, "not sent: " + started.message);
  } else {
    e2e::pass_options o{"sequential", app.messages, 1, 0, ctx.deadline, ctx.cfg.sampling.give_up_after};
    auto stop = e2e::run_pass(s, o, seq);
    if (stop.gave_up || stop.deadline) {
      ctx.out.notes.push_back("e2e on " + t.name + ": sequential pass stopped: " + stop.why);
      skip_all(conc, "not sent: the sequential pass stopped: " + stop.why);
    } else {
      o = {"concurrent", app.messages, app.concurrency, 1, ctx.deadline, ctx.cfg.sampling.give_up_after};
      if (auto c = e2e::run_pass(s, o, conc); c.gave_up || c.deadline)
        ctx.out.notes.push_back("e2e on " + t.name + ": concurrent pass stopped: " + c.why);
    }
  }
  // After the drain, so late and duplicate replies are counted.
  s.finish();
  auto fp = s.fingerprint();
  auto w = base;
  w["mode"] = "sequential";
  w["concurrency"] = 1;
  w["replies"] = s.book().tally("sequential").to_json();
  add_measurement(ctx, "e2e.message", t, w, fp, seq.message);
  w["operation"] = "BullMQ job: timestamp -> processedOn";
  add_measurement(ctx, "e2e.queue_wait", t, w, fp, seq.queue_wait);
  w["operation"] = "BullMQ job: processedOn -> finishedOn";
  add_measurement(ctx, "e2e.processing", t, w, fp, seq.processing);
  w = base;
  w["mode"] = "concurrent";
  w["concurrency"] = app.concurrency;
  w["replies"] = s.book().tally("concurrent").to_json();
  add_measurement(ctx, "e2e.message.concurrent", t, w, fp, conc.message);
}

}  // namespace

run_budget run_budget::start(const config& cfg) { return {clock::now() + cfg.timeouts.run, {}}; }

bool run_budget::expired() const { return clock::now() >= deadline; }

bench_result run_bench(const config& cfg, const bench_plan& plan, const progress_fn& progress, run_budget* budget) {
  for (const auto& s : plan.suites)
    if (s != "db" && s != "redis" && s != "net" && s != "e2e")
      throw config_error("--suite: unknown suite '" + s + "' (db, redis, net, e2e)");
  std::vector<const target*> selected;
  for (const auto& name : plan.targets) {
    const auto* t = cfg.find(name);
    if (!t) throw config_error("--target: no target named '" + name + "' in " + cfg.file.string());
    selected.push_back(t);
  }
  if (plan.targets.empty())
    for (const auto& t : cfg.targets) selected.push_back(&t);
  for (const auto& m : plan.metrics)
    if (!pg::workload_from_string(m) && !redis::workload_from_string(m) && m != "net.tcp_connect" && !is_e2e_metric(m))
      throw config_error("--metric: unknown metric '" + m + "'");

  bench_result out;
  if (const auto& ol = plan.open_loop; ol.rate_per_s != 0) {
    const double seconds = std::chrono::duration<double>(ol.duration).count();
    if (!std::isfinite(ol.rate_per_s) || ol.rate_per_s < 0 || ol.rate_per_s > max_open_rate)
      throw config_error("--rate: expected operations per second, more than 0 and at most 10000000");
    if (ol.connections < 1 || ol.connections > max_open_connections)
      throw config_error("--connections: expected 1 to " + std::to_string(max_open_connections));
    if (ol.duration.count() <= 0) throw config_error("--duration: expected a positive duration");
    if (ol.rate_per_s * seconds < ol.connections)
      throw config_error("--rate " + std::to_string(ol.rate_per_s) + " over --duration " + std::to_string(seconds) +
                         " s schedules fewer operations than --connections; raise the rate or the duration");
  }
  run_budget own;
  if (!budget) {
    own = run_budget::start(cfg);
    budget = &own;
  }
  const stats::cpu_awake awake(cfg.sampling.cpu_awake);
  if (cfg.sampling.cpu_awake && !awake.held())
    out.notes.push_back("the CPUs could not be held out of slow idle states (" + awake.state() +
                        "): on a VM, latencies then include waking a halted CPU, as many times as the schedule makes "
                        "it (run as root, or set sampling.cpu_awake false to say it is meant)");
  run_context ctx{cfg, plan, budget->deadline, progress, out, budget->dead, awake, stats::pin_to_cpus(cfg.sampling.cpus)};

  if (wanted(plan.suites, "net")) {
    std::vector<const target*> ts;
    for (const auto* t : selected)
      if (t->postgres) ts.push_back(t);
    if (!ts.empty() && (plan.metrics.empty() || wanted(plan.metrics, "net.tcp_connect"))) {
      auto make = [&](const target& t) {
        return net::make_tcp_probe(t.postgres->host, t.postgres->port, cfg.timeouts.connect, t.path);
      };
      measure(ctx, "tcp", "net.tcp_connect", ts, make, cfg.sampling.samples,
              {{"suite", "net"}, {"operation", "tcp connect to the PostgreSQL endpoint"}});
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
      auto make = [&](const target& t) {
        return redis::make_probe(w, *t.redis, {cfg.timeouts.connect, cfg.timeouts.command, true, t.path});
      };
      driver_factory drive;
      if (redis::has_event_driver(w))
        drive = [&](const target& t, int connections) {
          return redis::make_event_driver(w, *t.redis, {cfg.timeouts.connect, cfg.timeouts.command, true, t.path},
                                          connections);
        };
      int n = w == redis::workload::ping ? cfg.sampling.samples : cfg.sampling.workload_samples;
      measure(ctx, "redis", id, ts, make, n, {{"suite", "redis"}, {"operation", id}}, drive);
    }
  }
  if (wanted(plan.suites, "db")) {
    std::vector<const target*> ts;
    for (const auto* t : selected)
      if (t->postgres) ts.push_back(t);
    // The headline query first, new-connection workloads (slow over a WAN) last.
    std::vector<pg::workload> order(pg::all_workloads().begin(), pg::all_workloads().end());
    std::stable_partition(order.begin(), order.end(), [](auto w) { return w == pg::workload::select1; });
    std::stable_partition(order.begin(), order.end(), [](auto w) { return !pg::opens_connection(w); });
    for (auto w : order) {
      auto id = pg::metric_id(w);
      if (ts.empty() || !(plan.metrics.empty() || std::any_of(plan.metrics.begin(), plan.metrics.end(), [&](auto& m) {
                            return pg::workload_from_string(m) == w;
                          })))
        continue;
      auto make = [&](const target& t) {
        return pg::make_probe(w, *t.postgres, {cfg.timeouts.connect, cfg.timeouts.statement, t.path}, cfg.expect);
      };
      driver_factory drive;
      if (pg::has_event_driver(w))
        drive = [&](const target& t, int connections) {
          return pg::make_event_driver(w, *t.postgres, {cfg.timeouts.connect, cfg.timeouts.statement, t.path},
                                       connections);
        };
      int n = pg::opens_connection(w) ? cfg.sampling.connect_samples
              : w == pg::workload::select1 ? cfg.sampling.samples
                                            : cfg.sampling.workload_samples;
      measure(ctx, "pg", id, ts, make, n, {{"suite", "db"}, {"operation", id}}, drive);
    }
  }

  // Only when asked for (by suite or metric): it sends messages through the app.
  bool e2e_asked = std::find(plan.suites.begin(), plan.suites.end(), "e2e") != plan.suites.end() ||
                   std::any_of(plan.metrics.begin(), plan.metrics.end(), is_e2e_metric);
  if (e2e_asked) {
    std::vector<const target*> ts;
    for (const auto* t : selected)
      if (t->http && (cfg.app.target.empty() || t->name == cfg.app.target)) ts.push_back(t);
    if (ts.empty()) out.notes.push_back("e2e: no selected target has an http endpoint (the app's API)" +
                                        (cfg.app.target.empty() ? std::string() : " named by app.target '" + cfg.app.target + "'"));
    for (const auto* t : ts) {
      if (clock::now() >= ctx.deadline) {
        out.notes.push_back("e2e on " + t->name + ": not run, the run deadline passed");
        continue;
      }
      measure_e2e(ctx, *t);
    }
  }

  return out;
}

bool has_failures(const std::vector<report::measurement>& ms) {
  return std::any_of(ms.begin(), ms.end(), [](const auto& m) { return m.summary.count == 0 || m.summary.failures() > 0; });
}

}  // namespace cutover::suite
