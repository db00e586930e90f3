#pragma once
/// Acceptance criteria: one definition per criterion (id, stage, severity,
/// default threshold, evaluation), serving both `cutover validate` and the
/// CTest tests in validate/. Thresholds come from the config, with the
/// plan's values as defaults.
#include <array>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/named.hpp"
#include "report/report.hpp"

namespace cutover::criteria {

/// The stages of the plan, in order.
inline const std::vector<std::string> stages{"db-migration", "server-migration", "switchover", "parallel-run",
                                             "post-migration"};

/// A measurement the criterion reads: metric id on a target name.
struct need {
  std::string metric;
  std::string target;
};

/// The unit a criterion's `threshold` is written in, in the config and in
/// README's criteria table.
enum class threshold_unit { none, ms, s, min, pct, ratio, count };

/// Names of the threshold units, as README's criteria table writes them.
inline constexpr std::array<named<threshold_unit>, 7> threshold_units{{{threshold_unit::none, "-", ""},
                                                                       {threshold_unit::ms, "ms", ""},
                                                                       {threshold_unit::s, "s", ""},
                                                                       {threshold_unit::min, "min", ""},
                                                                       {threshold_unit::pct, "%", ""},
                                                                       {threshold_unit::ratio, "ratio", ""},
                                                                       {threshold_unit::count, "count", ""}}};

/// The unit's name ("ms", "%", "-" for none).
std::string_view to_string(threshold_unit u);
/// A duration in a time unit (ms, s, min); throws cutover::error for another unit.
std::chrono::nanoseconds to_duration(threshold_unit u, double value);
/// A duration as a number of a time unit (ms, s, min); throws cutover::error for another unit.
double from_duration(threshold_unit u, std::chrono::nanoseconds d);

struct definition;

/// What a criterion sees while it is evaluated.
struct context {
  const config& cfg;
  std::string stage;
  /// Measurements made for this run (by validate, or loaded with --measurements).
  const std::vector<report::measurement>& measurements;
  std::chrono::steady_clock::time_point deadline;
  /// The run's endpoints given up on ("pg/tunnel" -> why), shared with the
  /// measurements: a criterion does not probe them again. Null: none shared.
  std::map<std::string, std::string>* given_up = nullptr;

  /// Timeout `t` cut to what is left of the run (at least 1 ms), so a
  /// criterion started just before the deadline does not run a full timeout past it.
  std::chrono::milliseconds within_run(std::chrono::milliseconds t) const;
  /// Why the run gave up on endpoint `area`/`target`, or nullopt.
  std::optional<std::string> gave_up_on(std::string_view area, std::string_view target) const;
  /// Records that endpoint `area`/`target` failed, so later criteria skip it.
  void give_up(std::string_view area, std::string_view target, std::string why) const;

  /// The measurement, or nullptr when it was not made.
  const report::measurement* find(std::string_view metric, std::string_view target) const;
  /// The criterion's settings in the config (defaults when it has none).
  const criterion_settings& settings(std::string_view id) const;
  /// Numeric threshold in the definition's threshold unit: config override or the default.
  double threshold(const definition& d) const;
  /// The threshold of a criterion whose unit is a time (ms, s, min), as a duration.
  std::chrono::nanoseconds threshold_duration(const definition& d) const;
  /// Target name a criterion runs against: config override, else the stage's
  /// database target ("tunnel" for db-migration, "private" after).
  std::string target_for(std::string_view id) const;
};

/// One acceptance criterion.
struct definition {
  std::string id;
  std::string title;
  /// Stages `validate` evaluates it in; {"all"} for every stage; empty for a
  /// criterion another command judges (compare.no_regression by `compare` and
  /// `gate --baseline`, soak.hourly_p99 by `monitor`): defined here all the same.
  std::vector<std::string> stages;
  report::severity severity = report::severity::primary;
  std::string metric;                ///< metric id it reads ("" for checks)
  std::string op;                    ///< comparison shown in the report
  double default_threshold = 0;      ///< the plan's value, in `threshold_in`
  threshold_unit threshold_in = threshold_unit::none;  ///< the unit `threshold` is written in (config, README)
  std::string unit;                  ///< unit of the result's measured value and threshold ("ns" for times)
  /// Settings it reads besides enabled, severity, waive and note (which every
  /// criterion takes): "threshold", "target", "max_ms", ...; any other is refused.
  std::vector<std::string> settings;
  /// Measurements it needs for a stage (validate runs them before evaluating).
  std::function<std::vector<need>(const context&)> needs;
  /// Fills status, measured, threshold and detail of `out`. May throw only
  /// cutover::error for misuse; network faults are statuses.
  std::function<void(const context&, report::criterion_result& out)> evaluate;

  /// True when the criterion belongs to `stage`.
  bool in_stage(std::string_view stage) const;
};

/// Every criterion, in report order.
const std::vector<definition>& all();
/// The criterion with this id, or nullptr.
const definition* find(std::string_view id);
/// Criteria of a stage (throws config_error for an unknown stage).
std::vector<const definition*> for_stage(std::string_view stage);

/// A result for criterion `id` carrying its definition (id, title, severity,
/// metric, operator, unit) in `stage`, with `threshold` (null: the
/// definition's default), status error until judged. For the commands that
/// judge a criterion themselves (compare, monitor, gate). Throws
/// cutover::error for an id that is not defined.
report::criterion_result result_for(std::string_view id, std::string_view stage, nlohmann::json threshold = nullptr);

/// Checks the config's `criteria` settings against the registered criteria
/// before anything runs: every id is a criterion, every severity a known
/// one, every setting one the criterion reads. Throws config_error
/// `FILE: criteria."ID".KEY: why`.
void check_settings(const config& cfg);

/// The PM2 command of services.online's `command` setting (an argument
/// vector), or empty; `cutover monitor` checks PM2 with the same command.
std::vector<std::string> pm2_command(const config& cfg);

/// The measurements a set of criteria needs, grouped for one bench run.
std::vector<need> needs_of(const std::vector<const definition*>& ds, const context& ctx);

/// Evaluates one criterion: applies `enabled` and waivers from the config,
/// turns an exception or a passed deadline into status error, times it.
report::criterion_result evaluate(const definition& d, const context& ctx);

/// The plan's policy: every primary passes (waived counts, and is shown),
/// at least `secondary_ratio` of secondary ones pass, info never blocks;
/// a primary that errors or is skipped fails (fail closed); insufficient
/// data makes the decision INCONCLUSIVE unless something already failed.
report::verdict decide(const std::vector<report::criterion_result>& results, double secondary_ratio = 0.8);

}  // namespace cutover::criteria
