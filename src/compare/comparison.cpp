#include "compare/comparison.hpp"

#include <unistd.h>

#include <algorithm>
#include <optional>
#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "core/error.hpp"
#include "core/json_read.hpp"
#include "core/named.hpp"
#include "criteria/criteria.hpp"
#include "report/format.hpp"
#include "stats/compare.hpp"
#include "stats/histogram.hpp"

namespace cutover::compare {
namespace {

using json = nlohmann::json;

constexpr std::array<named<change>, 4> change_names{{{change::improved, "improved", {}},
                                                     {change::regressed, "regressed", {}},
                                                     {change::unchanged, "unchanged", {}},
                                                     {change::insufficient, "insufficient", {}}}};

// Expanding a histogram into values costs memory per sample; beyond this the
// bucket counts are scaled down, which keeps the shape and the median. The
// per-input budget splits 8e6 values (64 MB) over the histograms to expand,
// each getting at least 100 (a median and its interval still make sense).
constexpr std::int64_t max_histogram_values = 1'000'000;
constexpr std::int64_t histogram_values_per_input = 8'000'000;
constexpr std::int64_t min_histogram_values = 100;
// Bootstrap resamples over all rows of one comparison (2000 rows at the
// default 2000 each), and the fewest a row gets when there are more rows.
constexpr std::int64_t bootstrap_budget = 4'000'000;
constexpr int min_resamples = 200;
// compare.py's advice: fewer repetitions make the U test weak.
constexpr std::size_t optimal_repetitions = 9;

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

using report::ratio_text;

// Bucket midpoints, at most `cap` of them. The buckets, not the `count` field,
// say how many values there are: a file claiming 1e12 values in its buckets
// gets a scaled-down copy of their shape, never 1e12 allocations.
std::vector<std::int64_t> values_from_histogram(const json& h, std::int64_t cap) {
  std::vector<stats::recorded_bucket> buckets;
  double total = 0;
  stats::for_each_recorded(h, [&](const stats::recorded_bucket& b) {
    buckets.push_back(b);
    total += static_cast<double>(b.count);
  });
  const double scale = total > static_cast<double>(cap) ? static_cast<double>(cap) / total : 1.0;
  std::vector<std::int64_t> out;
  out.reserve(static_cast<std::size_t>(std::min(total * scale, static_cast<double>(cap))) + buckets.size());
  for (const auto& b : buckets) {
    const auto n = std::llround(static_cast<double>(b.count) * scale);
    out.insert(out.end(), static_cast<std::size_t>(std::max<long long>(n, 0)), b.value_ns);
  }
  return out;
}

// Time unit of a Google Benchmark entry in picoseconds.
double ps_per_unit(const std::string& unit, const std::string& file) {
  if (unit == "ns") return 1e3;
  if (unit == "us") return 1e6;
  if (unit == "ms") return 1e9;
  if (unit == "s") return 1e12;
  throw config_error(file + ": unknown time_unit '" + unit + "'");
}

std::optional<std::int64_t> nearest_rank(const std::vector<std::int64_t>& sorted, double p, double ns_per_unit) {
  if (sorted.empty() || static_cast<std::int64_t>(sorted.size()) < stats::samples_needed(p)) return std::nullopt;
  auto rank = static_cast<std::size_t>(std::ceil(p / 100 * static_cast<double>(sorted.size())));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return std::llround(static_cast<double>(sorted[rank - 1]) * ns_per_unit);
}

side side_of(const metric_series& s, const std::string& label) {
  side x;
  x.label = label;
  x.path = s.path;
  x.source = s.source;
  x.histogram = s.histogram;
  x.median_ns = s.values.empty() ? 0 : stats::median(s.values) * s.ns_per_unit;
  if (s.summary) {
    const auto& m = *s.summary;
    x.count = m.count;
    x.errors = m.failures();
    if (m.claimed(50)) x.p50_ns = m.p50_ns;
    if (m.claimed(90)) x.p90_ns = m.p90_ns;
    if (m.claimed(99)) x.p99_ns = m.p99_ns;
  } else {
    // Google Benchmark: its own headline number is the median repetition.
    x.count = static_cast<std::int64_t>(s.values.size());
    auto sorted = s.values;
    std::sort(sorted.begin(), sorted.end());
    if (!sorted.empty()) x.p50_ns = std::llround(x.median_ns);
    x.p90_ns = nearest_rank(sorted, 90, s.ns_per_unit);
    x.p99_ns = nearest_rank(sorted, 99, s.ns_per_unit);
  }
  return x;
}

row make_row(const metric_series& sa, const metric_series& sb, const std::string& label_a, const std::string& label_b,
             const options& opts) {
  row r;
  r.metric = sa.metric;
  r.workload = workload_fingerprint(sa.workload);
  r.a = side_of(sa, label_a);
  r.b = side_of(sb, label_b);
  std::vector<std::string> notes;
  // Comparable, but said: a side whose idle CPUs could halt pays wake-ups the other did not.
  const auto held = [](const json& w) -> std::optional<bool> {
    if (!w.is_object() || !w.contains("cpu_idle") || !w["cpu_idle"].is_object()) return std::nullopt;
    const auto& h = w["cpu_idle"].value("held_awake", json());
    return h.is_boolean() ? std::optional<bool>(h.get<bool>()) : std::nullopt;
  };
  if (const auto ha = held(sa.workload), hb = held(sb.workload); ha != hb)
    notes.push_back(std::string("CPUs held awake: A ") + (ha ? (*ha ? "yes" : "no") : "not recorded") + ", B " +
                    (hb ? (*hb ? "yes" : "no") : "not recorded") + " (stats/cpu_awake.hpp)");
  // A percentile is claimed from 20 samples on; a report's median below that
  // is noise. Google Benchmark repetitions are what the developer chose.
  const bool sufficient = sa.summary ? sa.summary->claimed(50) && sb.summary->claimed(50)
                                     : !sa.values.empty() && !sb.values.empty();
  if (!sufficient)
    notes.push_back("too few samples (A " + std::to_string(r.a.count) + ", B " + std::to_string(r.b.count) +
                    "; the median needs " + std::to_string(stats::samples_needed(50)) + ")");
  if (r.a.median_ns > 0 && r.b.median_ns > 0) r.ratio = r.a.median_ns / r.b.median_ns;
  if (r.a.p90_ns && r.b.p90_ns && *r.b.p90_ns > 0)
    r.ratio_p90 = static_cast<double>(*r.a.p90_ns) / static_cast<double>(*r.b.p90_ns);
  if (r.a.p99_ns && r.b.p99_ns && *r.b.p99_ns > 0)
    r.ratio_p99 = static_cast<double>(*r.a.p99_ns) / static_cast<double>(*r.b.p99_ns);
  if (sa.values.size() >= 2 && sb.values.size() >= 2) {
    r.p_value = stats::mann_whitney_u(sa.values, sb.values).p_value;
    if (r.ratio) {
      // Ratios are unit-free, so Google Benchmark's ps values need no conversion.
      auto ci = stats::bootstrap_ratio_of_medians(sa.values, sb.values, opts.resamples, opts.seed, opts.confidence);
      if (std::isfinite(ci.lo) && std::isfinite(ci.hi)) {
        r.ratio_lo = ci.lo;
        r.ratio_hi = ci.hi;
      }
    }
    if (!sa.summary && std::min(sa.values.size(), sb.values.size()) < optimal_repetitions)
      notes.push_back("fewer than " + std::to_string(optimal_repetitions) + " repetitions: the U test is weak");
  } else if (!sa.values.empty() && !sb.values.empty()) {
    notes.push_back("one value per side (no repetitions): no interval and no significance test");
  }
  for (const auto* s : {&sa, &sb}) {
    const char* which = s == &sa ? "A" : "B";
    if (s->source == "histogram")
      notes.push_back(std::string(which) + " has no raw samples: interval and test from histogram bucket midpoints");
    else if (s->source.starts_with("aggregate:"))
      notes.push_back(std::string(which) + " has only the " + s->source.substr(10) + " aggregate");
    if (s->summary && s->source == "samples" && static_cast<std::int64_t>(s->values.size()) < s->summary->count)
      notes.push_back(std::string(which) + ": interval from the " + std::to_string(s->values.size()) + " samples kept of " +
                      std::to_string(s->summary->count));
  }
  r.classification = classify(r.ratio, r.p_value, sufficient, opts);
  for (const auto& n : notes) r.note += (r.note.empty() ? "" : "; ") + n;
  return r;
}

report::criterion_result improvement_criterion(const std::vector<const row*>& rows, const options& opts) {
  // The same criterion validate judges on one paired run, here on medians with their interval.
  auto c = criteria::result_for("db.latency.improvement", "server-migration", opts.min_ratio);
  c.metric = opts.ratio_metric;
  // Every target compared must reach it: the smallest ratio decides.
  const row* worst = nullptr;
  bool insufficient = false;
  for (const auto* r : rows) {
    if (r->classification == change::insufficient || !r->ratio) {
      insufficient = true;
      continue;
    }
    if (!worst || *r->ratio < *worst->ratio) worst = r;
  }
  if (!worst) {
    c.status = report::status::inconclusive;
    c.detail = opts.ratio_metric + ": too few samples to compare medians";
    return c;
  }
  c.measured = std::round(*worst->ratio * 1000) / 1000;
  c.detail = opts.ratio_metric + " " + worst->a.label + " / " + worst->b.label + " median " +
             report::human_ns(worst->a.median_ns) + " / " + report::human_ns(worst->b.median_ns) + " = " +
             ratio_text(*worst->ratio);
  if (worst->ratio_lo && worst->ratio_hi)
    c.detail += ", " + fmt("%.0f", opts.confidence * 100) + "% interval [" + ratio_text(*worst->ratio_lo) + ", " +
                ratio_text(*worst->ratio_hi) + "]";
  if (worst->p_value) c.detail += *worst->p_value < 1e-16 ? ", p < 1e-16" : ", p = " + fmt("%.2g", *worst->p_value);
  if (*worst->ratio < opts.min_ratio) c.status = report::status::fail;
  else if (!insufficient) c.status = report::status::pass;
  else {
    c.status = report::status::inconclusive;
    c.detail += "; another target had too few samples";
  }
  return c;
}

// A metric's failed fraction: errors / (ok + errors); 0 without samples.
double error_ratio(const side& s) {
  const auto total = static_cast<double>(s.count) + static_cast<double>(s.errors);
  return total > 0 ? static_cast<double>(s.errors) / total : 0;
}

// `lost`: metrics A had that B is missing or failed outright (always a failure).
report::criterion_result no_regression_criterion(const std::vector<row>& rows, const std::vector<std::string>& lost,
                                                 const options& opts) {
  auto c = criteria::result_for("compare.no_regression", "all", opts.max_regression * 100);
  double worst = 0;
  std::vector<std::string> over = lost;
  std::vector<std::string> unknown;
  for (const auto& r : rows) {
    const auto name = r.metric + (r.target.empty() ? "" : " (" + r.target + ")");
    // Failed samples are a regression the latencies of the ok ones cannot show.
    if (const double eb = error_ratio(r.b); eb > opts.max_error_ratio && eb > error_ratio(r.a)) {
      over.push_back(name + " failed " + fmt("%.1f", eb * 100) + "% of samples in " + r.b.label + " (" +
                     fmt("%.1f", error_ratio(r.a) * 100) + "% in " + r.a.label + ")");
      continue;
    }
    if (r.classification == change::insufficient) {
      unknown.push_back(name);
      continue;
    }
    if (r.classification != change::regressed || !r.ratio) continue;
    const double slowdown = 1 / *r.ratio - 1;
    worst = std::max(worst, slowdown);
    if (slowdown > opts.max_regression) over.push_back(name + " +" + fmt("%.1f", slowdown * 100) + "%");
  }
  c.measured = std::round(worst * 1000) / 10;
  if (!over.empty()) {
    c.status = report::status::fail;
    c.detail = lost.empty() ? "regressed: " : "regressed or lost: ";
    for (std::size_t i = 0; i < over.size(); ++i) c.detail += (i ? ", " : "") + over[i];
  } else if (!unknown.empty()) {
    c.status = report::status::inconclusive;
    c.detail = "too few samples to tell for: ";
    for (std::size_t i = 0; i < unknown.size(); ++i) c.detail += (i ? ", " : "") + unknown[i];
  } else {
    c.status = report::status::pass;
    c.detail = "worst significant slowdown " + fmt("%.1f", worst * 100) + "% over " + std::to_string(rows.size()) +
               " metrics (alpha " + fmt("%g", opts.alpha) + ", min change " + fmt("%g", opts.min_change * 100) + "%)";
  }
  return c;
}

input metadata_of(const input& in) {
  input m = in;
  m.series.clear();
  return m;
}

comparison finish(std::vector<std::pair<const metric_series*, const metric_series*>> pairs, const input& a, const input& b,
                  std::string mode, std::string label_a, std::string label_b, std::vector<std::string> notes,
                  const std::vector<std::string>& lost, const options& opts) {
  comparison c;
  c.run.id = report::new_run_id();
  c.run.command = "compare";
  c.run.started_at = report::now_rfc3339();
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  c.run.host = host;
  c.mode = std::move(mode);
  c.a = metadata_of(a);
  c.b = metadata_of(b);
  c.label_a = std::move(label_a);
  c.label_b = std::move(label_b);
  c.opts = opts;
  c.notes = std::move(notes);
  for (const auto& n : a.notes) c.notes.push_back("A: " + n);
  for (const auto& n : b.notes) c.notes.push_back("B: " + n);
  // The bootstrap costs its resamples per row: many rows share a fixed budget
  // (so 100,000 metrics compare in seconds), never below 200 resamples each.
  auto row_opts = opts;
  if (!pairs.empty() && static_cast<std::int64_t>(opts.resamples) * static_cast<std::int64_t>(pairs.size()) > bootstrap_budget) {
    row_opts.resamples = std::max(min_resamples, static_cast<int>(bootstrap_budget / static_cast<std::int64_t>(pairs.size())));
    if (row_opts.resamples < opts.resamples)
      c.notes.push_back("bootstrap resamples reduced from " + std::to_string(opts.resamples) + " to " +
                        std::to_string(row_opts.resamples) + " per metric to compare " + std::to_string(pairs.size()) +
                        " metrics in bounded time");
  }
  c.rows.reserve(pairs.size());
  for (const auto& [sa, sb] : pairs) {
    c.rows.push_back(make_row(*sa, *sb, c.label_a, c.label_b, row_opts));
    if (c.mode == "reports") c.rows.back().target = sa->target;
  }

  std::vector<double> ratios, as, bs;
  for (const auto& r : c.rows) {
    if (!r.ratio || r.classification == change::insufficient) continue;
    ratios.push_back(*r.ratio);
    as.push_back(r.a.median_ns);
    bs.push_back(r.b.median_ns);
  }
  c.geomean.metrics = ratios.size();
  if (!ratios.empty()) {
    c.geomean.ratio = stats::geometric_mean(ratios);
    c.geomean.a_ns = stats::geometric_mean(as);
    c.geomean.b_ns = stats::geometric_mean(bs);
    c.geomean.classification = classify(c.geomean.ratio, std::nullopt, true, opts);
    // The mean has no test of its own: it only moves when some metric significantly did.
    const bool backed = std::any_of(c.rows.begin(), c.rows.end(),
                                    [&](const row& r) { return r.classification == c.geomean.classification; });
    if (!backed) c.geomean.classification = change::unchanged;
  }

  if (opts.improvement_criterion) {
    std::vector<const row*> headline;
    for (const auto& r : c.rows)
      if (r.metric == opts.ratio_metric) headline.push_back(&r);
    if (headline.empty())
      c.notes.push_back("db.latency.improvement not evaluated: " + opts.ratio_metric + " is not in both inputs");
    else
      c.criteria.push_back(improvement_criterion(headline, opts));
  }
  c.criteria.push_back(no_regression_criterion(c.rows, lost, opts));
  c.verdict = criteria::decide(c.criteria);
  c.run.finished_at = report::now_rfc3339();
  return c;
}

void check_workloads(const metric_series& sa, const metric_series& sb, const std::string& what) {
  auto wa = workload_fingerprint(sa.workload);
  auto wb = workload_fingerprint(sb.workload);
  if (wa != wb)
    throw config_error("cannot compare " + what + ": the workload of " + sa.metric +
                       (sa.target.empty() ? "" : " on " + sa.target) + " differs (A " + wa.dump() + ", B " + wb.dump() +
                       ")");
}

std::string key_of(std::string_view metric, std::string_view target) {
  std::string k(metric);
  k += '\0';
  k += target;
  return k;
}

// Series by metric and target; the first of duplicates wins.
std::unordered_map<std::string, const metric_series*> index_of(const std::vector<metric_series>& series) {
  std::unordered_map<std::string, const metric_series*> index;
  index.reserve(series.size());
  for (const auto& s : series) index.emplace(key_of(s.metric, s.target), &s);
  return index;
}

// The target names of an input's series, in first-seen order.
std::vector<std::string> targets_of(const input& in) {
  std::vector<std::string> present;
  for (const auto& s : in.series)
    if (std::find(present.begin(), present.end(), s.target) == present.end()) present.push_back(s.target);
  return present;
}

// Side labels for tables and legends: the file names, told apart when equal.
std::pair<std::string, std::string> labels_of(const input& a, const input& b) {
  const auto& la = a.label;
  const auto& lb = b.label;
  if (la == lb) return {"A " + la, "B " + lb};
  return {la, lb};
}

}  // namespace

std::string_view to_string(change c) noexcept { return id_of(change_names, c, "insufficient"); }

std::optional<change> change_from_string(std::string_view s) noexcept { return find_named(change_names, s); }

json workload_fingerprint(const json& workload) {
  if (!workload.is_object()) return workload;
  json w = workload;
  // Counts, and facts about the measuring machine rather than the workload
  // (its clock's resolution, whether its CPUs were held awake, which CPUs
  // the harness ran on): before and after are often two hosts.
  for (const char* k : {"samples", "warmup", "warmup_samples", "clock", "cpu_idle", "cpus"}) w.erase(k);
  return w;
}

input from_report(const report::report& r, std::string file) {
  input in;
  in.file = std::move(file);
  in.label = std::filesystem::path(in.file).stem().string();
  in.kind = "cutover-report";
  in.run_id = r.run.id;
  in.started_at = r.run.started_at;
  in.host = r.run.host;
  const auto expanded = std::count_if(r.measurements.begin(), r.measurements.end(),
                                      [](const report::measurement& m) { return m.samples_ns.empty(); });
  const auto cap = std::clamp<std::int64_t>(histogram_values_per_input / std::max<std::int64_t>(expanded, 1),
                                            min_histogram_values, max_histogram_values);
  in.series.reserve(r.measurements.size());
  for (const auto& m : r.measurements) {
    metric_series s;
    s.metric = m.metric;
    s.target = m.target;
    s.workload = m.workload;
    s.path = m.fingerprint.path;
    s.summary = m.summary;
    s.histogram = m.histogram;
    if (!m.samples_ns.empty()) {
      s.values = m.samples_ns;
      s.source = "samples";
    } else {
      s.values = values_from_histogram(m.histogram, cap);
      s.source = "histogram";
    }
    in.series.push_back(std::move(s));
  }
  return in;
}

input from_google_benchmark(const json& doc, std::string file) {
  input in;
  in.file = std::move(file);
  in.label = std::filesystem::path(in.file).stem().string();
  in.kind = "google-benchmark";
  const auto& ctx = doc.value("context", json::object());
  in.run_id = ctx.value("date", "");
  in.host = ctx.value("host_name", "");
  std::map<std::string, std::size_t> index;
  std::map<std::string, std::map<std::string, std::int64_t>> aggregates;
  auto series_for = [&](const std::string& name) -> metric_series& {
    auto [it, fresh] = index.try_emplace(name, in.series.size());
    if (fresh) {
      metric_series s;
      s.metric = name;
      s.ns_per_unit = 1e-3;
      s.source = "repetitions";
      in.series.push_back(std::move(s));
    }
    return in.series[it->second];
  };
  try {
    for (const auto& b : doc.at("benchmarks")) {
      const auto name = b.value("run_name", b.at("name").get<std::string>());
      if (b.value("error_occurred", false)) {
        in.notes.push_back(name + ": " + b.value("error_message", std::string("error")));
        in.failed.push_back(in.notes.back());
        continue;
      }
      const double t = b.at("real_time").get<double>() * ps_per_unit(b.value("time_unit", "ns"), in.file);
      // A time no benchmark measures: negative, not a number, or beyond int64 picoseconds (106 days).
      if (!std::isfinite(t) || t < 0 || t >= 9.2e18)
        throw config_error(in.file + ": " + name + ": real_time " + b.at("real_time").dump() + " is not a duration");
      const auto ps = std::llround(t);
      if (b.value("run_type", "iteration") == "aggregate") {
        // Only time aggregates are times; "cv" and user-defined ones are not.
        const auto agg = b.value("aggregate_name", "");
        if (b.value("aggregate_unit", "time") == "time") aggregates[name][agg] = ps;
        series_for(name);
      } else {
        series_for(name).values.push_back(ps);
      }
    }
  } catch (const cutover::error&) {
    throw;
  } catch (const std::exception& e) {
    throw config_error(in.file + ": malformed Google Benchmark JSON: " + e.what());
  }
  for (auto& s : in.series) {
    if (!s.values.empty()) continue;
    const auto& aggs = aggregates[s.metric];
    for (const char* a : {"median", "mean"}) {
      if (auto it = aggs.find(a); it != aggs.end()) {
        s.values.push_back(it->second);
        s.source = std::string("aggregate:") + a;
        break;
      }
    }
  }
  std::erase_if(in.series, [](const metric_series& s) { return s.values.empty(); });
  return in;
}

input parse_input(std::string_view text, const std::string& origin) {
  const auto j = parse_json(text, origin);
  const auto schema = j.is_object() && j.contains("schema") ? j["schema"] : json();
  if (schema == "cutover/report") return from_report(report::from_json(j, origin), origin);
  if (j.is_object() && j.contains("benchmarks") && j["benchmarks"].is_array()) return from_google_benchmark(j, origin);
  if (schema == "cutover/comparison")
    throw config_error(origin + ": is a comparison report; compare reports or Google Benchmark files");
  throw config_error(origin + ": neither a cutover report nor a Google Benchmark JSON file");
}

input read_input(const std::filesystem::path& file) { return parse_input(read_text_file(file), file.string()); }

comparison compare_inputs(const input& a, const input& b, const options& opts) {
  if (a.kind != b.kind)
    throw config_error("cannot compare a " + a.kind + " (" + a.file + ") with a " + b.kind + " (" + b.file + ")");
  // Before on the old server (tunnel), after on the new one (private): one
  // target each, under different names, is the plan's before/after report.
  if (a.kind == "cutover-report") {
    const auto ta = targets_of(a);
    const auto tb = targets_of(b);
    if (ta.size() == 1 && tb.size() == 1 && ta[0] != tb[0]) {
      auto c = compare_targets(a, ta[0], b, tb[0], opts);
      c.notes.insert(c.notes.begin(), "each report has one target: " + ta[0] + " of " + a.file + " paired with " +
                                          tb[0] + " of " + b.file);
      return c;
    }
  }
  const std::string what = a.file + " with " + b.file;
  std::vector<std::pair<const metric_series*, const metric_series*>> pairs;
  std::vector<std::string> notes;
  std::vector<std::string> lost;
  // Hash lookups: a report may hold 100,000 measurements.
  const auto index_a = index_of(a.series);
  const auto index_b = index_of(b.series);
  std::unordered_set<std::string> errored_in_b;
  for (const auto& f : b.failed) errored_in_b.insert(f.substr(0, f.find(": ")));
  for (const auto& sa : a.series) {
    auto it = index_b.find(key_of(sa.metric, sa.target));
    if (it == index_b.end()) {
      const auto name = sa.metric + (sa.target.empty() ? "" : " on " + sa.target);
      notes.push_back("only in A: " + name);
      // A benchmark that ran before and errors now is reported as such below.
      if (!errored_in_b.contains(sa.metric)) lost.push_back(name + " missing from " + b.label);
      continue;
    }
    check_workloads(sa, *it->second, what);
    pairs.emplace_back(&sa, it->second);
  }
  for (const auto& sb : b.series)
    if (!index_a.contains(key_of(sb.metric, sb.target)))
      notes.push_back("only in B: " + sb.metric + (sb.target.empty() ? "" : " on " + sb.target));
  bool errored = false;
  for (const auto& f : b.failed) {
    const auto name = f.substr(0, f.find(": "));
    if (!index_a.contains(key_of(name, ""))) continue;
    lost.push_back(name + " errored in " + b.label + " (" + f.substr(std::min(f.size(), name.size() + 2)) + ")");
    errored = true;
  }
  if (pairs.empty() && !errored) throw config_error("cannot compare " + what + ": no metric (id and target) in common");
  auto [la, lb] = labels_of(a, b);
  return finish(std::move(pairs), a, b, a.kind == "google-benchmark" ? "google-benchmark" : "reports", la, lb,
                std::move(notes), lost, opts);
}

comparison compare_targets(const input& a, const std::string& target_a, const input& b, const std::string& target_b,
                           const options& opts) {
  for (const input* in : {&a, &b})
    if (in->kind != "cutover-report") throw config_error(in->file + ": --targets needs a cutover report");
  for (const auto& [in, t] : {std::pair{&a, &target_a}, std::pair{&b, &target_b}}) {
    const auto present = targets_of(*in);
    if (std::find(present.begin(), present.end(), *t) != present.end()) continue;
    std::string list;
    for (const auto& p : present) list += (list.empty() ? "" : ", ") + p;
    throw config_error(in->file + ": no measurement on target '" + *t + "' (targets: " + list + ")");
  }
  const bool one_file = &a == &b;
  const auto index_a = index_of(a.series);
  const auto index_b = index_of(b.series);
  std::vector<std::pair<const metric_series*, const metric_series*>> pairs;
  std::vector<std::string> notes;
  std::vector<std::string> lost;
  const std::string what = one_file ? target_a + " with " + target_b + " in " + a.file
                                    : target_a + " of " + a.file + " with " + target_b + " of " + b.file;
  for (const auto& sa : a.series) {
    if (sa.target != target_a) continue;
    auto it = index_b.find(key_of(sa.metric, target_b));
    if (it == index_b.end()) {
      notes.push_back("only on " + target_a + ": " + sa.metric);
      lost.push_back(sa.metric + " missing on " + target_b);
      continue;
    }
    check_workloads(sa, *it->second, what);
    pairs.emplace_back(&sa, it->second);
  }
  if (!one_file)
    for (const auto& sb : b.series)
      if (sb.target == target_b && !index_a.contains(key_of(sb.metric, target_a)))
        notes.push_back("only on " + target_b + ": " + sb.metric);
  if (pairs.empty()) throw config_error("cannot compare " + what + ": no metric measured on both");
  // Two files on the same target name keep the files' labels; otherwise the targets name the sides.
  auto [la, lb] = target_a == target_b ? labels_of(a, b) : std::pair{target_a, target_b};
  return finish(std::move(pairs), a, b, "targets", la, lb, std::move(notes), lost, opts);
}

comparison compare_targets(const input& in, const std::string& target_a, const std::string& target_b,
                           const options& opts) {
  return compare_targets(in, target_a, in, target_b, opts);
}

change classify(std::optional<double> ratio, std::optional<double> p_value, bool sufficient, const options& opts) {
  if (!sufficient || !ratio || !std::isfinite(*ratio) || *ratio <= 0) return change::insufficient;
  if (p_value && *p_value >= opts.alpha) return change::unchanged;
  // Relative change of B against A: -0.2 is 20% faster, +0.2 20% slower.
  const double delta = 1 / *ratio - 1;
  if (delta <= -opts.min_change) return change::improved;
  if (delta >= opts.min_change) return change::regressed;
  return change::unchanged;
}

namespace {

json opt_json(const std::optional<double>& v) { return v ? json(*v) : json(); }
json opt_json(const std::optional<std::int64_t>& v) { return v ? json(*v) : json(); }
template <class T>
std::optional<T> opt_from(const json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return std::nullopt;
  if constexpr (std::is_same_v<T, std::int64_t>) return json_int64(j[key], key);
  else return j[key].get<T>();
}

json side_json(const side& s) {
  json j{{"label", s.label},       {"path", s.path},     {"count", s.count},
         {"errors", s.errors},     {"median_ns", std::llround(s.median_ns)},
         {"p50_ns", opt_json(s.p50_ns)}, {"p90_ns", opt_json(s.p90_ns)}, {"p99_ns", opt_json(s.p99_ns)},
         {"source", s.source}};
  if (!s.histogram.is_null() && !s.histogram.empty()) j["histogram"] = s.histogram;
  return j;
}

side side_from(const json& j) {
  side s;
  s.label = j.at("label").get<std::string>();
  s.path = j.value("path", "");
  s.count = json_int64(j.at("count"), "count");
  s.errors = j.contains("errors") ? json_int64(j["errors"], "errors") : 0;
  s.median_ns = j.at("median_ns").get<double>();
  s.p50_ns = opt_from<std::int64_t>(j, "p50_ns");
  s.p90_ns = opt_from<std::int64_t>(j, "p90_ns");
  s.p99_ns = opt_from<std::int64_t>(j, "p99_ns");
  s.source = j.value("source", "");
  s.histogram = j.value("histogram", json());
  return s;
}

json input_json(const input& in) {
  return {{"file", in.file}, {"label", in.label}, {"kind", in.kind}, {"run_id", in.run_id}, {"started_at", in.started_at}, {"host", in.host}};
}

input input_from(const json& j) {
  input in;
  in.file = j.value("file", "");
  in.label = j.value("label", "");
  in.kind = j.value("kind", "");
  in.run_id = j.value("run_id", "");
  in.started_at = j.value("started_at", "");
  in.host = j.value("host", "");
  return in;
}

}  // namespace

json to_json(const comparison& c) {
  json rows = json::array();
  for (const auto& r : c.rows) {
    json ci;
    if (r.ratio_lo && r.ratio_hi) ci = {{"lo", *r.ratio_lo}, {"hi", *r.ratio_hi}, {"confidence", c.opts.confidence}};
    rows.push_back({{"metric", r.metric},
                    {"target", r.target},
                    {"workload", r.workload},
                    {"a", side_json(r.a)},
                    {"b", side_json(r.b)},
                    {"ratio", opt_json(r.ratio)},
                    {"ratio_ci", ci},
                    {"ratio_p90", opt_json(r.ratio_p90)},
                    {"ratio_p99", opt_json(r.ratio_p99)},
                    {"p_value", opt_json(r.p_value)},
                    {"classification", to_string(r.classification)},
                    {"note", r.note}});
  }
  // Criteria and verdict use the go/no-go report's exact encoding.
  report::report shell;
  shell.criteria = c.criteria;
  shell.verdict = c.verdict;
  const auto encoded = report::to_json(shell);
  auto round = [](const std::optional<double>& v) { return v ? json(std::llround(*v)) : json(); };
  return {{"schema", "cutover/comparison"},
          {"schema_version", schema_version},
          {"tool", encoded["tool"]},
          {"run", {{"id", c.run.id}, {"command", c.run.command}, {"host", c.run.host},
                   {"started_at", c.run.started_at}, {"finished_at", c.run.finished_at}}},
          {"mode", c.mode},
          {"a", input_json(c.a)},
          {"b", input_json(c.b)},
          {"label_a", c.label_a},
          {"label_b", c.label_b},
          {"thresholds",
           {{"min_change", c.opts.min_change}, {"alpha", c.opts.alpha}, {"min_ratio", c.opts.min_ratio},
            {"ratio_metric", c.opts.ratio_metric}, {"max_regression", c.opts.max_regression},
            {"resamples", c.opts.resamples}, {"seed", c.opts.seed}, {"confidence", c.opts.confidence}}},
          {"rows", rows},
          {"geomean",
           {{"metrics", c.geomean.metrics}, {"a_ns", round(c.geomean.a_ns)}, {"b_ns", round(c.geomean.b_ns)},
            {"ratio", opt_json(c.geomean.ratio)}, {"classification", to_string(c.geomean.classification)}}},
          {"criteria", encoded["criteria"]},
          {"verdict", encoded["verdict"]},
          {"notes", c.notes}};
}

comparison from_json(const json& j, std::string_view origin) {
  auto fail = [&](const std::string& why) { throw config_error(std::string(origin) + ": " + why); };
  if (!j.is_object() || !j.contains("schema") || j["schema"] != "cutover/comparison") fail("not a cutover comparison");
  if (!j.contains("schema_version") || j["schema_version"] != schema_version)
    fail("unsupported schema_version " + (j.contains("schema_version") ? j["schema_version"].dump() : std::string("(none)")));
  comparison c;
  try {
    const auto& run = j.at("run");
    c.run.id = run.value("id", "");
    c.run.command = run.value("command", "compare");
    c.run.host = run.value("host", "");
    c.run.started_at = run.value("started_at", "");
    c.run.finished_at = run.value("finished_at", "");
    c.mode = j.at("mode").get<std::string>();
    c.a = input_from(j.at("a"));
    c.b = input_from(j.at("b"));
    c.label_a = j.at("label_a").get<std::string>();
    c.label_b = j.at("label_b").get<std::string>();
    const auto& t = j.at("thresholds");
    c.opts.min_change = t.at("min_change").get<double>();
    c.opts.alpha = t.at("alpha").get<double>();
    c.opts.min_ratio = t.at("min_ratio").get<double>();
    c.opts.ratio_metric = t.at("ratio_metric").get<std::string>();
    c.opts.max_regression = t.at("max_regression").get<double>();
    if (t.contains("resamples")) c.opts.resamples = static_cast<int>(std::clamp<std::int64_t>(json_int64(t["resamples"], "resamples"), 0, 1'000'000));
    if (t.contains("seed")) {
      if (!t["seed"].is_number_unsigned() && !(t["seed"].is_number_integer() && t["seed"].get<std::int64_t>() >= 0))
        fail("thresholds.seed: expected a non-negative integer");
      c.opts.seed = t["seed"].get<std::uint64_t>();
    }
    c.opts.confidence = t.value("confidence", c.opts.confidence);
    for (const auto& x : j.at("rows")) {
      row r;
      r.metric = x.at("metric").get<std::string>();
      r.target = x.value("target", "");
      r.workload = x.value("workload", json());
      r.a = side_from(x.at("a"));
      r.b = side_from(x.at("b"));
      r.ratio = opt_from<double>(x, "ratio");
      if (x.contains("ratio_ci") && x["ratio_ci"].is_object()) {
        r.ratio_lo = x["ratio_ci"].at("lo").get<double>();
        r.ratio_hi = x["ratio_ci"].at("hi").get<double>();
      }
      r.ratio_p90 = opt_from<double>(x, "ratio_p90");
      r.ratio_p99 = opt_from<double>(x, "ratio_p99");
      r.p_value = opt_from<double>(x, "p_value");
      auto cl = change_from_string(x.at("classification").get<std::string>());
      if (!cl) fail("row " + r.metric + ": unknown classification");
      r.classification = *cl;
      r.note = x.value("note", "");
      c.rows.push_back(std::move(r));
    }
    const auto& g = j.at("geomean");
    c.geomean.metrics = g.contains("metrics") ? static_cast<std::size_t>(std::max<std::int64_t>(json_int64(g["metrics"], "metrics"), 0)) : 0;
    c.geomean.a_ns = opt_from<double>(g, "a_ns");
    c.geomean.b_ns = opt_from<double>(g, "b_ns");
    c.geomean.ratio = opt_from<double>(g, "ratio");
    c.geomean.classification = change_from_string(g.value("classification", "insufficient")).value_or(change::insufficient);
    // Criteria and verdict: decoded by the report parser they were encoded for.
    const auto shell = report::from_json({{"schema", "cutover/report"},
                                          {"schema_version", report::schema_version},
                                          {"kind", "comparison"},
                                          {"run", json::object()},
                                          {"measurements", json::array()},
                                          {"criteria", j.at("criteria")},
                                          {"verdict", j.at("verdict")}},
                                         origin);
    c.criteria = shell.criteria;
    if (shell.verdict) c.verdict = *shell.verdict;
    c.notes = j.value("notes", std::vector<std::string>{});
  } catch (const cutover::error& e) {
    if (std::string_view(e.what()).starts_with(origin)) throw;
    fail(e.what());
  } catch (const std::exception& e) {
    fail(std::string("malformed comparison: ") + e.what());
  }
  return c;
}

}  // namespace cutover::compare
