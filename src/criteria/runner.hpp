#pragma once
/// `validate` in one call: measure what a stage's criteria need (unless the
/// measurements are given), evaluate every criterion, decide.
#include <optional>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "report/report.hpp"
#include "suite/suite.hpp"

namespace cutover::criteria {

/// What a validation run is asked to do.
struct validate_request {
  std::string stage;
  std::vector<std::string> only;  ///< criterion ids to keep; empty: the whole stage
  /// Measurements made earlier (e.g. by `bench` in the same gate run, or a
  /// CTest fixture); only what is missing is measured again.
  std::vector<report::measurement> measurements;
  std::vector<std::string> notes;  ///< carried into the report
  /// The run's budget when the caller measured under it already (gate);
  /// null: validate starts its own (`timeouts.run_s` from now). Every
  /// measurement and criterion of the run shares its deadline.
  suite::run_budget* budget = nullptr;
};

/// Runs the request and fills criteria, measurements, notes and verdict of
/// `out` (run metadata is the caller's). Throws config_error for an unknown
/// stage or criterion id.
void run_validate(const config& cfg, validate_request request, report::report& out,
                  const suite::progress_fn& progress = {});

}  // namespace cutover::criteria
