#pragma once
// Test helpers: synthetic measurements with a known distribution.
#include <chrono>
#include <cstdint>
#include <random>
#include <string>

#include "report/report.hpp"
#include "stats/recorder.hpp"

namespace cutover::compare::testing {

// `n` latencies around `median_ns` (log-normal, 10% spread), seeded.
inline report::measurement make_measurement(std::string metric, std::string target, double median_ns, int n,
                                            std::uint64_t seed = 1) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> dist(std::log(median_ns), 0.1);
  stats::recorder rec(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) rec.record(std::chrono::nanoseconds(static_cast<std::int64_t>(dist(rng))));
  report::measurement m;
  m.metric = std::move(metric);
  m.target = std::move(target);
  m.workload = {{"suite", "db"}, {"operation", "select1"}, {"mode", "closed-paired"}, {"interval_us", 0},
                {"connections", 1}, {"samples", n}, {"warmup", 20}};
  m.fingerprint.path = m.target;
  m.summary = rec.summarize();
  m.histogram = rec.histogram().to_json();
  m.samples_ns.assign(rec.samples().begin(), rec.samples().end());
  return m;
}

// A measurements report holding `ms`.
inline report::report make_report(std::vector<report::measurement> ms) {
  report::report r;
  r.kind = "measurements";
  r.run.id = "test-run";
  r.run.command = "bench";
  r.run.host = "test-host";
  r.run.started_at = "2024-01-01T00:00:00.000Z";
  r.run.finished_at = "2024-01-01T00:00:01.000Z";
  r.measurements = std::move(ms);
  return r;
}

}  // namespace cutover::compare::testing
