#include "criteria/checks.hpp"
#include "criteria/support.hpp"

#include <cmath>
#include <cstdio>

#include "core/error.hpp"
#include "e2e/checks.hpp"
#include "e2e/message.hpp"
#include "http/client.hpp"
#include "report/format.hpp"
#include "stats/recorder.hpp"

namespace cutover::criteria {
namespace {

using report::criterion_result;
using report::status;
using json = nlohmann::json;

/// The target the app runs on: the criterion's `target` setting, else
/// app.target, else the stage's target.
std::string app_target(const context& ctx, std::string_view id) {
  if (const auto& t = ctx.settings(id).target; !t.empty()) return t;
  return ctx.cfg.app.target.empty() ? ctx.target_for(id) : ctx.cfg.app.target;
}

const target& app_endpoint(const context& ctx, std::string_view id) {
  auto name = app_target(ctx, id);
  const auto* t = ctx.cfg.find(name);
  if (!t) throw error("no target named '" + name + "' in the config (app.target)");
  if (!t->http) throw error("target '" + name + "' has no http endpoint (the app's API URL)");
  return *t;
}

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += (out.empty() ? "" : "; ") + l;
  return out;
}

std::vector<need> e2e_needs(const context& ctx, std::string_view id, std::vector<std::string> metrics) {
  std::vector<need> out;
  for (auto& m : metrics) out.push_back({std::move(m), app_target(ctx, id)});
  return out;
}

/// The e2e measurement, or nullptr with `out` set to error.
const report::measurement* e2e_measurement(const context& ctx, criterion_result& out, const std::string& metric) {
  auto name = app_target(ctx, out.id);
  const auto* m = ctx.find(metric, name);
  if (!m) {
    out.status = status::error;
    out.detail = metric + " on " + name + " was not measured (cutover bench --suite e2e)";
    if (ctx.cfg.app.reply_mode == "passive" && metric.starts_with("e2e.message"))
      out.detail = metric + " on " + name + " was not measured: app.reply_mode passive sends no message (listener or job do)";
  }
  return m;
}

std::string first_error(const stats::summary& s) { return s.error_messages.empty() ? "" : s.error_messages.front(); }

// --- service checks -----------------------------------------------------------

void eval_api_health(const context& ctx, criterion_result& out) {
  const auto& t = app_endpoint(ctx, out.id);
  auto api = http::parse_url(t.http->url, "targets." + t.name + ".http");
  auto r = e2e::check_health(api, ctx.cfg.app.health_paths, ctx.within_run(ctx.cfg.timeouts.command));
  out.measured = {{"ok", r.ok_paths.size()}, {"checked", ctx.cfg.app.health_paths.size()}};
  out.status = r.problems.empty() && !r.ok_paths.empty() ? status::pass : status::fail;
  out.detail = r.problems.empty() ? join(r.ok_paths) + " on " + api.display() + " answered 200 {\"status\":\"ok\"}"
                                  : join(r.problems);
}

void eval_services_online(const context& ctx, criterion_result& out) {
  const auto& app = ctx.cfg.app;
  const auto& s = ctx.settings(out.id);
  auto max_restarts = s.threshold ? static_cast<std::int64_t>(*s.threshold) : app.max_restarts;
  out.threshold = max_restarts;
  std::string text;
  // `command` (an argument vector, also read by `cutover monitor`) replaces `<pm2_command> jlist`.
  auto r = e2e::run_pm2_jlist(e2e::pm2_query_of(app, pm2_command(ctx.cfg)), ctx.within_run(ctx.cfg.timeouts.connect + ctx.cfg.timeouts.command),
                              text);
  if (!r.ok()) {
    out.status = status::fail;
    out.measured = std::string(to_string(r.result));
    out.detail = r.message;
    return;
  }
  auto list = e2e::parse_pm2_jlist(text);
  auto problems = e2e::judge_services(list, app.services, max_restarts);
  std::int64_t restarts = 0;
  int online = 0;
  for (const auto& name : app.services)
    for (const auto& p : list)
      if (p.name == name) {
        restarts += p.restarts;
        online += p.status == "online";
      }
  out.measured = {{"online", online}, {"expected", app.services.size()}, {"restarts", restarts}};
  out.status = problems.empty() ? status::pass : status::fail;
  out.detail = problems.empty() ? std::to_string(online) + "/" + std::to_string(app.services.size()) +
                                      " services online, " + std::to_string(restarts) + " restarts (max " +
                                      std::to_string(max_restarts) + " each)"
                                : join(problems);
}

// --- end to end -----------------------------------------------------------------

void eval_e2e_reply(const context& ctx, criterion_result& out) {
  auto limit_ns = static_cast<double>(ctx.threshold_duration(*find(out.id)).count());
  out.threshold = static_cast<std::int64_t>(limit_ns);
  out.unit = "ns";
  const auto* m = e2e_measurement(ctx, out, "e2e.message");
  if (!m) return;
  const auto& s = m->summary;
  auto total = s.count + s.failures();
  if (s.count == 0) {
    out.status = status::fail;
    auto timeouts = s.errors.contains(outcome::timeout) ? s.errors.at(outcome::timeout) : 0;
    out.detail = "no message got a reply (" + std::to_string(total) + " planned, " + std::to_string(timeouts) +
                 " timed out)" + (first_error(s).empty() ? "" : ": " + first_error(s));
    return;
  }
  out.measured = s.max_ns;
  out.status = static_cast<double>(s.max_ns) <= limit_ns ? status::pass : status::fail;
  out.detail = std::to_string(s.count) + " of " + std::to_string(total) + " messages answered: p50 " +
               report::human_ns(static_cast<double>(s.p50_ns)) + (s.claimed(99) ? ", p99 " + report::human_ns(static_cast<double>(s.p99_ns)) : "") +
               ", slowest " + report::human_ns(static_cast<double>(s.max_ns)) + " (limit " + report::human_ns(limit_ns) + ")";
  if (s.failures() > 0) out.detail += "; unanswered: " + first_error(s);
}

void eval_e2e_success_rate(const context& ctx, criterion_result& out) {
  double limit = ctx.threshold(*find(out.id));
  out.unit = "%";
  std::int64_t planned = 0;
  e2e::reply_tally sum;
  std::string problems;
  for (const char* metric : {"e2e.message", "e2e.message.concurrent"}) {
    const auto* m = e2e_measurement(ctx, out, metric);
    if (!m) return;
    const auto& r = m->workload.value("replies", json::object());
    planned += m->workload.value("messages", std::int64_t{0});
    sum.sent += r.value("sent", std::int64_t{0});
    sum.answered += r.value("answered", std::int64_t{0});
    sum.late += r.value("late", std::int64_t{0});
    sum.lost += r.value("lost", std::int64_t{0});
    sum.duplicated += r.value("duplicated", std::int64_t{0});
  }
  if (planned <= 0) throw error("the e2e measurements record no planned messages");
  // Messages never sent (the pass gave up, or the webhook refused them) count as failed.
  double pct = 100.0 * static_cast<double>(sum.answered) / static_cast<double>(planned);
  out.measured = std::round(pct * 100) / 100;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f%%", pct);
  out.detail = std::string(buf) + ": " + std::to_string(sum.answered) + " of " + std::to_string(planned) +
               " messages answered in time (" + std::to_string(sum.sent) + " accepted by the webhook, " +
               std::to_string(sum.lost) + " lost, " + std::to_string(sum.late) + " late, " +
               std::to_string(sum.duplicated) + " duplicate replies)";
  auto needed = detail::trials_to_exceed(limit, planned);
  if (pct <= limit || sum.duplicated > 0) {
    out.status = status::fail;
    if (sum.duplicated > 0 && pct > limit) out.detail += "; the app answered some messages more than once";
  } else if (planned < needed) {
    out.status = status::inconclusive;
    out.detail += "; " + std::to_string(planned) + " messages cannot show > " + std::to_string(static_cast<int>(limit)) +
                  "% (need " + std::to_string(needed) + ": app.messages)";
  } else {
    out.status = status::pass;
  }
}

void eval_e2e_ai_time(const context& ctx, criterion_result& out) {
  const auto& app = ctx.cfg.app;
  auto lo = std::chrono::nanoseconds(app.ai_min).count();
  auto hi = std::chrono::nanoseconds(app.ai_max).count();
  out.threshold = {{"min_ns", lo}, {"max_ns", hi}};
  out.unit = "ns";
  const auto* m = e2e_measurement(ctx, out, "e2e.processing");
  if (!m) return;
  const auto& s = m->summary;
  if (s.count == 0) {
    out.status = status::fail;
    out.detail = "no job processing time measured (no reply, or no BullMQ job hash bull:" + app.queue + ":<id>)";
    return;
  }
  out.measured = s.p50_ns;
  out.status = s.p50_ns >= lo && s.p50_ns <= hi ? status::pass : status::fail;
  out.detail = "job processing (BullMQ processedOn..finishedOn) p50 " + report::human_ns(static_cast<double>(s.p50_ns)) + ", min " +
               report::human_ns(static_cast<double>(s.min_ns)) + ", max " + report::human_ns(static_cast<double>(s.max_ns)) + " over " +
               std::to_string(s.count) + " messages (window " + report::human_ns(static_cast<double>(lo)) + " - " +
               report::human_ns(static_cast<double>(hi)) + ")";
}

void eval_e2e_context(const context& ctx, criterion_result& out) {
  if (ctx.cfg.app.reply_mode == "passive") {
    out.status = status::skipped;
    out.detail = "app.reply_mode passive sends no message, so the context cannot be checked (listener or job do)";
    return;
  }
  const auto& t = app_endpoint(ctx, out.id);
  e2e::session s(e2e::make_session_options(ctx.cfg, t));
  if (auto r = s.start(); !r.ok()) throw error(r.message);
  auto r = e2e::check_context(s);
  s.finish();
  out.measured = r.ok() ? json("ok") : json(std::string(to_string(r.result)));
  out.status = r.ok() ? status::pass : status::fail;
  out.detail = r.message;
}

}  // namespace

void add_app_checks(std::vector<definition>& d) {
  using report::severity;
  using enum threshold_unit;
  d.push_back({"api.health", "/health, /api/health/database and /api/health/redis answer 200 {\"status\":\"ok\"}",
               {"all"}, severity::primary, "", "", 0, none, "", {"target"}, nullptr, eval_api_health});
  d.push_back({"services.online", "PM2 shows the plan's services online, restarts within the limit", {"all"},
               severity::primary, "", "<=", 0, count, "restarts", {"threshold", "command"}, nullptr, eval_services_online});
  d.push_back({"e2e.reply", "A test message gets a reply within 15 s (slowest of the sequential pass)", {"all"},
               severity::primary, "e2e.message", "<=", 15.0, s, "ns", {"threshold", "target"},
               [](const context& c) { return e2e_needs(c, "e2e.reply", {"e2e.message"}); }, eval_e2e_reply});
  d.push_back({"e2e.success_rate", "More than 98% of the test messages are answered", {"all"}, severity::primary,
               "e2e.message", ">", 98.0, pct, "%", {"threshold", "target"},
               [](const context& c) { return e2e_needs(c, "e2e.success_rate", {"e2e.message", "e2e.message.concurrent"}); },
               eval_e2e_success_rate});
  d.push_back({"e2e.ai_time", "AI processing time (BullMQ job, p50) within the window (plan: 9-15 s)", {"all"},
               severity::secondary, "e2e.processing", "", 0, none, "ns", {"target"},
               [](const context& c) { return e2e_needs(c, "e2e.ai_time", {"e2e.processing"}); }, eval_e2e_ai_time});
  d.push_back({"e2e.context", "A second message sees the first one's context (Redis context:<phone>)", {"all"},
               severity::primary, "", "", 0, none, "", {"target"}, nullptr, eval_e2e_context});
}

}  // namespace cutover::criteria
