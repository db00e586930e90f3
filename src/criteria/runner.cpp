#include "criteria/runner.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "criteria/criteria.hpp"

namespace cutover::criteria {

void run_validate(const config& cfg, validate_request req, report::report& out, const suite::progress_fn& progress) {
  auto defs = for_stage(req.stage);
  for (const auto& id : req.only)
    if (!find(id)) throw config_error("no criterion '" + id + "'");
  if (!req.only.empty())
    std::erase_if(defs, [&](const definition* d) { return std::find(req.only.begin(), req.only.end(), d->id) == req.only.end(); });
  if (defs.empty()) throw config_error("stage " + req.stage + " has none of the criteria asked for");

  // One budget for the run: the measurements below and the criteria after
  // them share its deadline and its list of endpoints given up on.
  auto own = suite::run_budget::start(cfg);
  auto& budget = req.budget ? *req.budget : own;
  std::vector<report::measurement> ms = std::move(req.measurements);
  context ctx{cfg, req.stage, ms, budget.deadline, &budget.dead};

  // Measure what is needed and not given, one bench run per metric so the
  // targets of a metric are paired.
  std::vector<std::string> metrics;
  for (const auto& n : needs_of(defs, ctx))
    if (!ctx.find(n.metric, n.target) && std::find(metrics.begin(), metrics.end(), n.metric) == metrics.end())
      metrics.push_back(n.metric);
  for (const auto& metric : metrics) {
    std::vector<std::string> targets;
    for (const auto& n : needs_of(defs, ctx))
      if (n.metric == metric && !ctx.find(n.metric, n.target) && cfg.find(n.target)) targets.push_back(n.target);
    if (targets.empty()) continue;  // the criterion reports the missing target itself
    suite::bench_plan plan{targets, {}, {metric}, {}};
    auto r = suite::run_bench(cfg, plan, progress, &budget);
    for (auto& m : r.measurements) ms.push_back(std::move(m));
    for (auto& n : r.notes)  // once each (every bench run says the same of the machine)
      if (std::find(req.notes.begin(), req.notes.end(), n) == req.notes.end()) req.notes.push_back(std::move(n));
  }

  for (const auto* d : defs) out.criteria.push_back(evaluate(*d, ctx));
  out.verdict = decide(out.criteria);
  for (auto& m : ms) out.measurements.push_back(std::move(m));
  for (auto& n : req.notes) out.notes.push_back(std::move(n));
}

}  // namespace cutover::criteria
