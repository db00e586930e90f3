#pragma once
/// The report model: JSON is the contract (reports/schema/report.schema.json),
/// every other rendering is made from it.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/outcome.hpp"
#include "stats/recorder.hpp"

namespace cutover::report {

/// Version of the report schema written by this build.
inline constexpr int schema_version = 1;

/// One metric measured on one target.
struct measurement {
  std::string metric;              ///< dotted id, area first: "pg.query.select1"
  std::string target;              ///< target name: "tunnel", "private", ...
  nlohmann::json workload;         ///< what was run and how (mode, samples, interval...): compare matches on it
  path_fingerprint fingerprint;    ///< what the probe actually reached
  stats::summary summary;          ///< percentiles etc.
  nlohmann::json histogram;        ///< stats::histogram::to_json(), so runs can be merged
  std::vector<std::int64_t> samples_ns;  ///< raw latencies (capped) for comparisons
};

/// Status of one criterion.
enum class status { pass, fail, error, skipped, waived, inconclusive };
/// "pass", "fail", ...
std::string_view to_string(status s) noexcept;
/// Parses to_string(); nullopt when unknown.
std::optional<status> status_from_string(std::string_view s) noexcept;

/// Severity following the plan's "Success Definition".
enum class severity { primary, secondary, info };
/// "primary", "secondary", "info".
std::string_view to_string(severity s) noexcept;
/// Parses to_string(); nullopt when unknown.
std::optional<severity> severity_from_string(std::string_view s) noexcept;

/// One evaluated acceptance criterion.
struct criterion_result {
  std::string id;             ///< e.g. "db.latency.private"
  std::string title;          ///< one line for people
  std::string stage;          ///< stage it belongs to ("all" for every stage)
  cutover::report::severity severity = severity::primary;
  std::string metric;         ///< metric id it reads, if any
  std::string op;             ///< "<", "<=", ">=", "==", ... or "" for yes/no checks
  nlohmann::json threshold;   ///< number, string or null
  nlohmann::json measured;    ///< what was found (number, string, object) or null
  std::string unit;           ///< "ms", "ratio", "rows", ...
  cutover::report::status status = status::error;
  std::string detail;         ///< why, in one or a few lines
  std::string waiver;         ///< the written reason when waived
  double duration_s = 0;      ///< time the check took
};

/// GO / NO-GO / INCONCLUSIVE.
enum class decision { go, no_go, inconclusive };
/// "GO", "NO-GO", "INCONCLUSIVE".
std::string_view to_string(decision d) noexcept;
/// Parses to_string(); nullopt when unknown.
std::optional<decision> decision_from_string(std::string_view s) noexcept;
/// Exit code of a decision: 0 GO, 1 NO-GO, 3 INCONCLUSIVE.
int exit_code(decision d) noexcept;

/// The decision and why.
struct verdict {
  cutover::report::decision decision = decision::no_go;
  std::vector<std::string> reasons;
  nlohmann::json policy;  ///< the policy applied (primary: all; secondary: >= 80%; info: never blocks)
};

/// Run metadata.
struct run_info {
  std::string id;
  std::string command;   ///< "bench", "validate", "gate"
  std::string stage;
  std::string profile;
  std::string host;
  std::string started_at;   ///< RFC 3339, UTC
  std::string finished_at;  ///< RFC 3339, UTC
};

/// A whole report.
struct report {
  std::string kind = "go-no-go";  ///< "go-no-go" (bench and validate write this kind too)
  run_info run;
  nlohmann::json targets = nlohmann::json::array();  ///< redacted (core::to_redacted_json)
  std::vector<measurement> measurements;
  std::vector<criterion_result> criteria;
  std::optional<cutover::report::verdict> verdict;
  std::vector<std::string> notes;  ///< run-level problems (e.g. a target that could not be reached)

  /// Finds a measurement; nullptr when absent.
  const measurement* find(std::string_view metric, std::string_view target) const;
};

/// Serialises a report (durations as integer `_ns` fields).
nlohmann::json to_json(const report& r);
/// Parses a report; throws cutover::config_error naming `origin` when malformed.
report from_json(const nlohmann::json& j, std::string_view origin);
/// Parses the text of a report (depth-bounded, see core/json_read.hpp);
/// throws cutover::config_error naming `origin` when it is not a valid report.
report parse_report(std::string_view text, std::string_view origin);
/// Reads a report file; throws cutover::config_error on a missing or malformed file.
report read_report(const std::filesystem::path& file);

/// Writes text to `file` after scrubbing every registered secret from it.
/// A new path or a regular file is written atomically (temporary file in the
/// same folder, fsync, rename; a file that appeared meanwhile is not replaced).
/// A character device or a FIFO (`/dev/null`, `/dev/stdout`, a pipe) is written
/// through, never replaced; a FIFO without a reader is an error, not a wait.
/// A symbolic link is kept and its target written by these rules (a dangling
/// link is refused). Directories and other kinds are refused. Throws cutover::error.
void write_atomic(const std::filesystem::path& file, std::string_view text);

/// Current UTC time, RFC 3339 with milliseconds.
std::string now_rfc3339();
/// A fresh run id (time + random suffix).
std::string new_run_id();

}  // namespace cutover::report
