#include "criteria/criteria.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "core/error.hpp"
#include "core/secret.hpp"
#include "core/text.hpp"

namespace cutover::criteria {

const report::measurement* context::find(std::string_view metric, std::string_view target) const {
  for (const auto& m : measurements)
    if (m.metric == metric && m.target == target) return &m;
  return nullptr;
}

std::chrono::milliseconds context::within_run(std::chrono::milliseconds t) const {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return std::clamp(left, std::chrono::milliseconds(1), std::max(t, std::chrono::milliseconds(1)));
}

std::optional<std::string> context::gave_up_on(std::string_view area, std::string_view target) const {
  if (!given_up) return std::nullopt;
  auto it = given_up->find(std::string(area) + "/" + std::string(target));
  if (it == given_up->end()) return std::nullopt;
  return it->second;
}

void context::give_up(std::string_view area, std::string_view target, std::string why) const {
  if (given_up) given_up->try_emplace(std::string(area) + "/" + std::string(target), std::move(why));
}

std::string_view to_string(threshold_unit u) { return id_of(threshold_units, u, "-"); }

namespace {

/// Nanoseconds in one of a time unit; 0 for a unit that is not a time.
double ns_per(threshold_unit u) {
  switch (u) {
    case threshold_unit::ms: return 1e6;
    case threshold_unit::s: return 1e9;
    case threshold_unit::min: return 60e9;
    default: return 0;
  }
}

double require_time_unit(threshold_unit u) {
  const double ns = ns_per(u);
  if (ns == 0) throw error("threshold unit '" + std::string(to_string(u)) + "' is not a time");
  return ns;
}

}  // namespace

std::chrono::nanoseconds to_duration(threshold_unit u, double value) {
  return std::chrono::nanoseconds(static_cast<std::int64_t>(std::llround(value * require_time_unit(u))));
}

double from_duration(threshold_unit u, std::chrono::nanoseconds d) {
  return static_cast<double>(d.count()) / require_time_unit(u);
}

const criterion_settings& context::settings(std::string_view id) const {
  static const criterion_settings none;
  auto it = cfg.criteria.find(id);
  return it == cfg.criteria.end() ? none : it->second;
}

double context::threshold(const definition& d) const { return settings(d.id).threshold.value_or(d.default_threshold); }

std::chrono::nanoseconds context::threshold_duration(const definition& d) const {
  return to_duration(d.threshold_in, threshold(d));
}

std::string context::target_for(std::string_view id) const {
  const auto& s = settings(id);
  if (!s.target.empty()) return s.target;
  return stage == "db-migration" ? "tunnel" : "private";
}

bool definition::in_stage(std::string_view stage) const {
  return std::any_of(stages.begin(), stages.end(), [&](const auto& s) { return s == "all" || s == stage; });
}

const definition* find(std::string_view id) {
  for (const auto& d : all())
    if (d.id == id) return &d;
  return nullptr;
}

std::vector<const definition*> for_stage(std::string_view stage) {
  if (std::find(stages.begin(), stages.end(), stage) == stages.end()) {
    std::string list;
    for (const auto& s : stages) list += (list.empty() ? "" : ", ") + s;
    throw config_error("unknown stage '" + std::string(stage) + "' (one of: " + list + ")");
  }
  std::vector<const definition*> out;
  for (const auto& d : all())
    if (d.in_stage(stage)) out.push_back(&d);
  return out;
}

report::criterion_result result_for(std::string_view id, std::string_view stage, nlohmann::json threshold) {
  const auto* d = find(id);
  if (!d) throw error("no criterion '" + std::string(id) + "' is defined");
  report::criterion_result r;
  r.id = d->id;
  r.title = d->title;
  r.stage = stage;
  r.severity = d->severity;
  r.metric = d->metric;
  r.op = d->op;
  r.unit = d->unit;
  if (!d->op.empty()) r.threshold = threshold.is_null() ? nlohmann::json(d->default_threshold) : std::move(threshold);
  return r;
}

namespace {

/// A setting a criterion once read under another name: the old name is
/// refused with the new one (README, "Criteria settings that moved").
struct moved_setting {
  std::string_view id;
  std::string_view old_key;
  std::string_view hint;
};
constexpr moved_setting moved_settings[] = {
    {"host.resources", "max_ms",
     "was the disk limit in percent; write it as max_disk_pct (the same number: percent of the disk used)"},
};

}  // namespace

void check_settings(const config& cfg) {
  auto fail = [&](std::string_view id, std::string_view key, const std::string& why) {
    throw config_error(cfg.file.string() + ": criteria.\"" + std::string(id) + "\"" +
                       (key.empty() ? "" : "." + std::string(key)) + ": " + why);
  };
  auto list = [](const auto& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + std::string(n);
    return out;
  };
  static const std::vector<std::string> every_criterion_reads{"enabled", "severity", "waive", "note"};
  for (const auto& [id, s] : cfg.criteria) {
    const auto* d = find(id);
    if (!d) {
      std::vector<std::string> known;
      for (const auto& k : all()) known.push_back(k.id);
      fail(id, "", "unknown criterion (one of: " + list(known) + ")");
    }
    if (!s.severity.empty() && !report::severity_from_string(s.severity))
      fail(id, "severity", "expected primary, secondary or info");
    for (const auto& key : s.keys) {
      auto reads = [&](const std::vector<std::string>& keys) { return std::find(keys.begin(), keys.end(), key) != keys.end(); };
      if (reads(every_criterion_reads) || reads(d->settings)) continue;
      for (const auto& m : moved_settings)
        if (m.id == id && m.old_key == key) fail(id, key, std::string(m.hint));
      auto settings = every_criterion_reads;
      settings.insert(settings.end(), d->settings.begin(), d->settings.end());
      fail(id, key, "not a setting of " + id + " (it reads: " + list(settings) + ")");
    }
  }
}

std::vector<std::string> pm2_command(const config& cfg) {
  auto it = cfg.criteria.find("services.online");
  return it == cfg.criteria.end() ? std::vector<std::string>{} : it->second.command;
}

std::vector<need> needs_of(const std::vector<const definition*>& ds, const context& ctx) {
  std::vector<need> out;
  for (const auto* d : ds) {
    if (!d->needs) continue;
    if (!ctx.settings(d->id).enabled) continue;
    for (auto& n : d->needs(ctx))
      if (std::none_of(out.begin(), out.end(), [&](const need& x) { return x.metric == n.metric && x.target == n.target; }))
        out.push_back(std::move(n));
  }
  return out;
}

report::criterion_result evaluate(const definition& d, const context& ctx) {
  report::criterion_result r;
  r.id = d.id;
  r.title = d.title;
  r.stage = d.stages.size() == 1 ? d.stages.front() : ctx.stage;
  r.severity = d.severity;
  r.metric = d.metric;
  r.op = d.op;
  r.unit = d.unit;
  const auto& s = ctx.settings(d.id);
  if (!s.severity.empty()) {
    auto sev = report::severity_from_string(s.severity);
    if (!sev) throw config_error("criteria.\"" + d.id + "\".severity: expected primary, secondary or info");
    r.severity = *sev;
  }
  if (!d.op.empty()) r.threshold = ctx.threshold(d);
  auto t0 = std::chrono::steady_clock::now();
  if (!s.enabled) {
    r.status = report::status::skipped;
    r.detail = "disabled in the config";
  } else if (std::chrono::steady_clock::now() > ctx.deadline) {
    r.status = report::status::error;
    r.detail = "the run deadline passed before this check could run";
  } else {
    try {
      d.evaluate(ctx, r);
    } catch (const std::exception& e) {
      r.status = report::status::error;
      r.detail = scrub(e.what());
    }
  }
  // A note in the config says why a threshold or switch differs from the plan.
  if (!s.note.empty()) r.detail += (r.detail.empty() ? "" : " ") + std::string("[config: ") + s.note + "]";
  r.detail = scrub(r.detail);
  r.duration_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // A waiver turns anything but a pass into "waived", with its reason shown.
  if (has_words(s.waive) && r.status != report::status::pass) {
    r.waiver = s.waive;
    r.detail = "was " + std::string(report::to_string(r.status)) + (r.detail.empty() ? "" : ": " + r.detail);
    r.status = report::status::waived;
  }
  return r;
}

report::verdict decide(const std::vector<report::criterion_result>& results, double secondary_ratio) {
  using report::status;
  report::verdict v;
  v.policy = {{"primary", "all must pass (error or skipped counts as failed; a waiver needs a written reason)"},
              {"secondary_min_pass_ratio", secondary_ratio},
              {"info", "never blocks"},
              {"inconclusive", "insufficient data gives INCONCLUSIVE unless something failed"}};
  bool failed = false;
  bool inconclusive = false;
  int sec_total = 0;
  int sec_pass = 0;
  for (const auto& r : results) {
    if (r.severity == report::severity::primary) {
      if (r.status == status::inconclusive) {
        inconclusive = true;
        v.reasons.push_back(r.id + " is inconclusive: " + r.detail);
      } else if (r.status != status::pass && !(r.status == status::waived && has_words(r.waiver))) {
        failed = true;
        v.reasons.push_back("primary " + r.id + " " + std::string(report::to_string(r.status)) +
                            (r.status == status::waived ? " without a written reason" : "") +
                            (r.detail.empty() ? "" : ": " + r.detail));
      }
    } else if (r.severity == report::severity::secondary) {
      ++sec_total;
      if (r.status == status::pass || (r.status == status::waived && has_words(r.waiver))) ++sec_pass;
    }
  }
  if (sec_total > 0) {
    double ratio = static_cast<double>(sec_pass) / sec_total;
    char buf[96];
    std::snprintf(buf, sizeof buf, "%d of %d secondary criteria passed (%.0f%%, need %.0f%%)", sec_pass, sec_total,
                  ratio * 100, secondary_ratio * 100);
    if (ratio + 1e-9 < secondary_ratio) {
      failed = true;
      v.reasons.push_back(buf);
    } else {
      v.reasons.push_back(buf);
    }
  }
  if (results.empty()) {
    inconclusive = true;
    v.reasons.push_back("no criterion was evaluated");
  }
  v.decision = failed ? report::decision::no_go : inconclusive ? report::decision::inconclusive : report::decision::go;
  if (v.decision == report::decision::go) v.reasons.insert(v.reasons.begin(), "every primary criterion passed");
  return v;
}

}  // namespace cutover::criteria
