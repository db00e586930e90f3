// Reading, rendering and comparing large reports (issue 13, item 16): each
// benchmark runs at 1,000 / 10,000 / 100,000 measurements and Google
// Benchmark fits the growth (BigO line): linear is "N", the 1,000 case is the
// reference measured in the same run. No network.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

#include "compare/comparison.hpp"
#include "compare/render.hpp"
#include "report/html.hpp"
#include "report/render.hpp"
#include "report/report.hpp"
#include "stats/recorder.hpp"

namespace {

using namespace cutover;

// A report of `n` measurements, half on "tunnel", half on "private", 20
// samples each (enough to claim a median, so every row is really compared).
std::string report_text(std::int64_t n) {
  report::report r;
  r.kind = "measurements";
  r.measurements.reserve(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    stats::recorder rec(20);
    for (int k = 0; k < 20; ++k) rec.record(std::chrono::nanoseconds(40'000 + (i % 7) * 1000 + k * 10));
    report::measurement m;
    m.metric = "pg.query.m" + std::to_string(i / 2);
    m.target = i % 2 ? "private" : "tunnel";
    m.workload = {{"suite", "db"}};
    m.fingerprint.path = m.target;
    m.summary = rec.summarize();
    m.histogram = rec.histogram().to_json();
    m.samples_ns.assign(rec.samples().begin(), rec.samples().end());
    r.measurements.push_back(std::move(m));
  }
  return report::to_json(r).dump();
}

// Parse + validate + Markdown + HTML: what `report render` does.
void BM_report_read_render(benchmark::State& state) {
  const auto text = report_text(state.range(0));
  for (auto _ : state) {
    const auto r = report::parse_report(text, "bench.json");
    benchmark::DoNotOptimize(report::render_markdown(r).size() + report::render_html(r).size());
  }
  state.SetComplexityN(state.range(0));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_report_read_render)->RangeMultiplier(10)->Range(1'000, 100'000)->Unit(benchmark::kMillisecond)
    ->Complexity(benchmark::oN);

// Parse + compare tunnel with private + Markdown: what `compare --targets` does.
void BM_compare_targets(benchmark::State& state) {
  const auto text = report_text(state.range(0));
  for (auto _ : state) {
    const auto in = compare::parse_input(text, "bench.json");
    const auto c = compare::compare_targets(in, "tunnel", "private", {});
    benchmark::DoNotOptimize(compare::render_markdown(c).size());
  }
  state.SetComplexityN(state.range(0));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_compare_targets)->RangeMultiplier(10)->Range(1'000, 100'000)->Unit(benchmark::kMillisecond)
    ->Complexity(benchmark::oN);

}  // namespace

BENCHMARK_MAIN();
