// The PostgreSQL and Redis probes of `cutover bench` as Google Benchmark
// suites: BM_pg_<workload>/<target> and BM_redis_<workload>/<target>, one per
// target of the config that has the endpoint. Manual time is the probe's
// timed call only (open/reconnect is not timed); every sample also goes into
// a stats::recorder, whose p50 (and p99 once >= 1,000 samples claim it, see
// DESIGN.md "Sufficiency") become counters along with the failure count.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <string>

#include "bench_config.hpp"
#include "core/config.hpp"
#include "core/outcome.hpp"
#include "pg/probes.hpp"
#include "redis/probes.hpp"
#include "stats/recorder.hpp"
#include "stats/sampler.hpp"

namespace {

using namespace cutover;

/// A probe kept across the runs Google Benchmark makes of one benchmark, so
/// the connection is opened (and warmed up) once.
struct probe_slot {
  std::unique_ptr<probe> p;
  int warmup = 0;          // untimed runs before the first timed one
  int give_up_after = 5;   // failures in a row that end the benchmark
  bool open = false;
  bool warmed = false;
};

/// Benchmarks that ended with SkipWithError (the exit status reports them).
int failed_benchmarks = 0;

/// Ends the benchmark as failed (Google Benchmark prints `msg` as its error).
void fail(benchmark::State& state, const std::string& msg) {
  state.SkipWithError(msg.c_str());
  ++failed_benchmarks;
}

/// One operation: open if needed (untimed), then run() timed by the
/// sampler's clock or by the probe itself.
struct sample {
  probe_result r;
  std::chrono::nanoseconds elapsed{0};
};

sample run_once(probe_slot& slot) {
  sample s;
  if (!slot.open) {
    s.r = slot.p->open();
    slot.open = s.r.ok();
    if (!slot.open) return s;
  }
  const auto t0 = stats::sample_clock::now();
  s.r = slot.p->run();
  const auto t1 = stats::sample_clock::now();
  s.elapsed = s.r.elapsed.value_or(t1 - t0);
  slot.open = s.r.connection_usable;
  return s;
}

void run_probe(benchmark::State& state, probe_slot& slot) {
  if (!slot.warmed) {
    for (int i = 0; i < slot.warmup; ++i) run_once(slot);
    slot.warmed = true;
  }
  stats::recorder rec(std::min<std::size_t>(static_cast<std::size_t>(state.max_iterations),
                                            stats::recorder::default_sample_cap));
  int failed_in_row = 0;
  for (auto _ : state) {
    auto s = run_once(slot);
    state.SetIterationTime(std::chrono::duration<double>(s.elapsed).count());
    if (s.r.ok()) {
      rec.record(s.elapsed);
      failed_in_row = 0;
      continue;
    }
    rec.record_failure(s.r.result, s.r.message);
    if (slot.give_up_after > 0 && ++failed_in_row >= slot.give_up_after) {
      // A dead endpoint: stop instead of sampling failures until min_time.
      fail(state, "gave up after " + std::to_string(failed_in_row) + " failures in a row (" +
                      std::string(to_string(s.r.result)) + ": " + s.r.message + ")");
      break;
    }
  }
  if (state.error_occurred()) return;
  const auto sum = rec.summarize();
  if (sum.count == 0) {
    fail(state, "every sample failed: " + (sum.error_messages.empty() ? std::string("?") : sum.error_messages.front()));
    return;
  }
  state.counters["p50_ns"] = static_cast<double>(sum.p50_ns);
  if (sum.claimed(99)) state.counters["p99_ns"] = static_cast<double>(sum.p99_ns);
  state.counters["errors"] = static_cast<double>(sum.failures());
  const auto fp = slot.p->fingerprint();
  state.SetLabel(fp.path + " " + (fp.resolved.empty() ? fp.endpoint : fp.resolved));
}

/// "pg.query.select1" -> "select1", "redis.ping" -> "ping".
std::string short_name(std::string_view metric) { return std::string(metric.substr(metric.rfind('.') + 1)); }

void add(const std::string& name, std::shared_ptr<probe_slot> slot, bool opens_connection) {
  auto* b = benchmark::RegisterBenchmark(name.c_str(), [slot](benchmark::State& st) { run_probe(st, *slot); });
  b->UseManualTime()->Unit(opens_connection ? benchmark::kMillisecond : benchmark::kMicrosecond);
}

/// Registers every pg and redis workload on every target that has the endpoint.
void register_probe_benchmarks(const config& cfg) {
  for (const auto& t : cfg.targets) {
    if (!t.postgres) continue;
    for (auto w : pg::all_workloads()) {
      auto slot = std::make_shared<probe_slot>();
      slot->p = pg::make_probe(w, *t.postgres, {cfg.timeouts.connect, cfg.timeouts.statement, t.path}, cfg.expect);
      slot->warmup = pg::opens_connection(w) ? 1 : cfg.sampling.warmup;
      slot->give_up_after = cfg.sampling.give_up_after;
      add("BM_pg_" + short_name(pg::metric_id(w)) + "/" + t.name, std::move(slot), pg::opens_connection(w));
    }
  }
  for (const auto& t : cfg.targets) {
    if (!t.redis) continue;
    for (auto w : redis::all_workloads()) {
      auto slot = std::make_shared<probe_slot>();
      slot->p = redis::make_probe(w, *t.redis, {cfg.timeouts.connect, cfg.timeouts.command, true, t.path});
      slot->warmup = cfg.sampling.warmup;
      slot->give_up_after = cfg.sampling.give_up_after;
      add("BM_redis_" + short_name(redis::metric_id(w)) + "/" + t.name, std::move(slot), false);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  config cfg;
  try {
    cfg = load_config(bench::config_path());
  } catch (const std::exception& e) {
    std::cerr << "bench_probes: " << e.what() << '\n';
    return 2;
  }
  benchmark::AddCustomContext("cutover_config", cfg.file.string());
  benchmark::AddCustomContext("cutover_profile", cfg.profile);
  register_probe_benchmarks(cfg);
  benchmark::RunSpecifiedBenchmarks();
  // Close connections (and let Redis probes delete their keys) before exit.
  benchmark::ClearRegisteredBenchmarks();
  benchmark::Shutdown();
  return failed_benchmarks == 0 ? 0 : 1;
}
