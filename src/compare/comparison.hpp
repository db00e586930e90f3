#pragma once
/// Before/after comparison: two reports (or two targets of one report, or two
/// Google Benchmark output files) matched metric by metric, each with the
/// ratio of medians A / B, its bootstrap interval, a Mann-Whitney U p-value
/// and a classification; criteria and a verdict in the go/no-go model.
/// JSON is the contract (reports/schema/comparison.schema.json).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/report.hpp"
#include "stats/recorder.hpp"

namespace cutover::compare {

/// Version of the comparison schema written by this build.
inline constexpr int schema_version = 1;

/// Thresholds and statistics settings (ratios are A / B: > 1 means B is faster).
struct options {
  double min_change = 0.05;     ///< a median moving less than this fraction is "unchanged"
  double alpha = 0.01;          ///< Mann-Whitney U significance level
  double min_ratio = 20;        ///< db.latency.improvement: A / B p50 ratio of ratio_metric must reach this
  std::string ratio_metric = "pg.query.select1";  ///< metric db.latency.improvement reads
  double max_regression = 0.10;  ///< compare.no_regression: largest slowdown of any metric (0.10 = 10%)
  double max_error_ratio = 0.01;  ///< compare.no_regression: B may fail this fraction of a metric's samples (if A failed no more)
  bool improvement_criterion = true;  ///< add db.latency.improvement when ratio_metric was compared
  int resamples = 2000;          ///< bootstrap resamples
  std::uint64_t seed = 42;       ///< bootstrap seed (same seed, same interval)
  double confidence = 0.95;      ///< bootstrap interval level
};

/// One side of one metric, as loaded from an input file.
struct metric_series {
  std::string metric;                 ///< metric id or Google Benchmark run name
  std::string target;                 ///< target name ("" for Google Benchmark)
  nlohmann::json workload;            ///< the measurement's workload (null for Google Benchmark)
  std::string path;                   ///< path fingerprint ("tunnel", "private", ...)
  std::vector<std::int64_t> values;   ///< latencies, in units of `ns_per_unit` ns
  double ns_per_unit = 1;             ///< 1 for reports; 0.001 for Google Benchmark (ps keeps sub-ns times)
  std::string source;                 ///< "samples", "histogram", "repetitions", "aggregate:<name>"
  std::optional<stats::summary> summary;  ///< reports only
  nlohmann::json histogram;           ///< stats::histogram JSON, reports only
};

/// What was read from one input file.
struct input {
  std::string file;                   ///< as given
  std::string label;                  ///< name in tables and legends (the file's stem unless set)
  std::string kind;                   ///< "cutover-report" or "google-benchmark"
  std::string run_id;                 ///< report run id or benchmark date
  std::string started_at;             ///< RFC 3339 when known
  std::string host;                   ///< host the numbers come from
  std::vector<metric_series> series;         ///< every metric in file order
  std::vector<std::string> notes;     ///< problems met while reading
  std::vector<std::string> failed;    ///< Google Benchmark runs that reported an error ("name: message")
};

/// One side of a row as the comparison report shows it (durations in ns).
struct side {
  std::string label;                  ///< the side's name: comparison::label_a or label_b
  std::string path;                   ///< path fingerprint
  std::int64_t count = 0;             ///< ok samples (or repetitions)
  std::int64_t errors = 0;            ///< failed samples
  double median_ns = 0;               ///< median of the values the ratio uses
  std::optional<std::int64_t> p50_ns; ///< only when claimed (stats::summary::claimed)
  std::optional<std::int64_t> p90_ns; ///< only when claimed
  std::optional<std::int64_t> p99_ns; ///< only when claimed
  std::string source;                 ///< where the values came from (metric_series::source)
  nlohmann::json histogram;           ///< for plots; null when none
};

/// improved / regressed / unchanged / insufficient.
enum class change { improved, regressed, unchanged, insufficient };
/// "improved", "regressed", "unchanged", "insufficient".
std::string_view to_string(change c) noexcept;
/// Parses to_string(); nullopt when unknown.
std::optional<change> change_from_string(std::string_view s) noexcept;

/// One metric compared.
struct row {
  std::string metric;                 ///< metric id
  std::string target;                 ///< target name on both sides ("" when comparing targets or Google Benchmark)
  nlohmann::json workload;            ///< workload fingerprint both sides share
  side a;                             ///< before (or the first target)
  side b;                             ///< after (or the second target)
  std::optional<double> ratio;        ///< median(A) / median(B)
  std::optional<double> ratio_lo;     ///< bootstrap interval, lower bound
  std::optional<double> ratio_hi;     ///< bootstrap interval, upper bound
  std::optional<double> ratio_p90;    ///< p90(A) / p90(B) when both claimed
  std::optional<double> ratio_p99;    ///< p99(A) / p99(B) when both claimed
  std::optional<double> p_value;      ///< Mann-Whitney U, two-sided
  change classification = change::insufficient;
  std::string note;                   ///< caveats (no interval, histogram fallback, ...)
};

/// Geometric means over the rows with a ratio.
struct geomean_row {
  std::size_t metrics = 0;            ///< rows included
  std::optional<double> a_ns;         ///< geometric mean of the A medians
  std::optional<double> b_ns;         ///< geometric mean of the B medians
  std::optional<double> ratio;        ///< geometric mean of the ratios
  change classification = change::insufficient;  ///< by min_change, and only as some row changed the same way
};

/// A whole comparison report.
struct comparison {
  report::run_info run;               ///< command "compare" (or "gate")
  std::string mode;                   ///< "reports", "targets" or "google-benchmark"
  input a;                            ///< A's metadata (series not kept)
  input b;                            ///< B's metadata (series not kept)
  std::string label_a;                ///< what A is ("before", "tunnel", a file name)
  std::string label_b;                ///< what B is
  options opts;                       ///< thresholds applied
  std::vector<row> rows;              ///< one per matched metric
  geomean_row geomean;                ///< the overall row
  std::vector<report::criterion_result> criteria;  ///< comparison criteria
  report::verdict verdict;            ///< criteria::decide() of them
  std::vector<std::string> notes;     ///< unmatched metrics, fallbacks, ...
};

/// The workload fingerprint compare matches on: the workload JSON without
/// sample counts and warm-up (they change precision, not what is measured).
nlohmann::json workload_fingerprint(const nlohmann::json& workload);

/// Parses the text of a cutover report or a Google Benchmark --benchmark_out
/// file; throws cutover::config_error naming `origin` when it is neither.
input parse_input(std::string_view text, const std::string& origin);
/// Reads a cutover report or a Google Benchmark --benchmark_out file.
/// Throws cutover::config_error naming the file when it is neither.
input read_input(const std::filesystem::path& file);
/// The series of a cutover report; `file` names it in messages.
input from_report(const report::report& r, std::string file);
/// The series of a Google Benchmark JSON document: one per run name, values
/// from the iteration runs (repetitions), else from the median or mean aggregate.
input from_google_benchmark(const nlohmann::json& doc, std::string file);

/// Compares two inputs metric by metric (same metric id and target name);
/// two reports with one target each under different names (before on the
/// tunnel, after on the private network) are paired as compare_targets().
/// Throws cutover::config_error when a matched metric's workloads differ,
/// when the inputs are of different kinds or when nothing matches.
comparison compare_inputs(const input& a, const input& b, const options& opts);
/// Compares two targets of one input (A = target_a, B = target_b).
/// Throws cutover::config_error as compare_inputs, or when a target is absent.
comparison compare_targets(const input& in, const std::string& target_a, const std::string& target_b,
                           const options& opts);
/// Compares target_a of input a with target_b of input b (same metric id,
/// same workload), e.g. before.json's tunnel with after.json's private.
/// Throws cutover::config_error as compare_targets.
comparison compare_targets(const input& a, const std::string& target_a, const input& b, const std::string& target_b,
                           const options& opts);

/// Classifies a row: insufficient without enough data; unchanged when the
/// test is not significant (p >= alpha) or the median moved less than
/// min_change; otherwise improved (B faster) or regressed.
change classify(std::optional<double> ratio, std::optional<double> p_value, bool sufficient, const options& opts);

/// Serialises a comparison (schema "cutover/comparison").
nlohmann::json to_json(const comparison& c);
/// Parses a comparison; throws cutover::config_error naming `origin` when malformed.
comparison from_json(const nlohmann::json& j, std::string_view origin);

}  // namespace cutover::compare
