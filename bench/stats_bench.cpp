// Cost of the measurement machinery itself: what recording one sample adds
// to a measured loop, and what a summary of a long run costs. No network.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <random>

#include "stats/histogram.hpp"
#include "stats/recorder.hpp"

namespace {

using namespace cutover;

/// Latencies shaped like a loopback query (lognormal around 50 us, with a
/// tail), fixed seed so every run records the same values.
const std::array<std::int64_t, 4096>& latencies() {
  static const auto values = [] {
    std::array<std::int64_t, 4096> v{};
    std::mt19937_64 rng(42);
    std::lognormal_distribution<double> d(std::log(50'000.0), 0.5);
    for (auto& x : v) x = static_cast<std::int64_t>(d(rng));
    return v;
  }();
  return values;
}

// One sample into a recorder (kept sample + histogram), as the samplers do
// after every timed operation: the overhead per sample the harness adds.
void BM_recorder_record(benchmark::State& state) {
  const auto& v = latencies();
  stats::recorder r(std::min<std::size_t>(static_cast<std::size_t>(state.max_iterations),
                                          stats::recorder::default_sample_cap));
  std::size_t i = 0;
  for (auto _ : state) {
    r.record(std::chrono::nanoseconds(v[i++ & (v.size() - 1)]));
    benchmark::ClobberMemory();
  }
  benchmark::DoNotOptimize(r.count());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_recorder_record);

// The histogram alone (what a recorder past its sample cap pays).
void BM_histogram_record(benchmark::State& state) {
  const auto& v = latencies();
  stats::histogram h;
  std::size_t i = 0;
  for (auto _ : state) {
    h.record(v[i++ & (v.size() - 1)]);
    benchmark::ClobberMemory();
  }
  benchmark::DoNotOptimize(h.count());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_histogram_record);

// Summary (exact percentiles: sorts a copy) of a recorder holding one million samples.
void BM_summary_1M(benchmark::State& state) {
  static const stats::recorder full = [] {
    stats::recorder r(1'000'000);
    std::mt19937_64 rng(7);
    std::lognormal_distribution<double> d(std::log(50'000.0), 0.5);
    for (int k = 0; k < 1'000'000; ++k) r.record(std::chrono::nanoseconds(static_cast<std::int64_t>(d(rng))));
    return r;
  }();
  for (auto _ : state) {
    auto s = full.summarize();
    benchmark::DoNotOptimize(s.p99_ns);
  }
  state.SetItemsProcessed(state.iterations() * 1'000'000);
}
BENCHMARK(BM_summary_1M)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
