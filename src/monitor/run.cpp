#include "monitor/run.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <ctime>
#include <mutex>
#include <set>
#include <thread>

#include "core/error.hpp"
#include "core/secret.hpp"
#include "criteria/criteria.hpp"
#include "core/duration.hpp"
#include "monitor/prometheus.hpp"
#include "monitor/schedule.hpp"
#include "stats/recorder.hpp"

namespace cutover::monitor {
namespace {

using json = nlohmann::json;

std::string rfc3339(std::int64_t epoch_ns) {
  std::time_t secs = static_cast<std::time_t>(epoch_ns / 1'000'000'000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03lldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(epoch_ns / 1'000'000 % 1000));
  return buf;
}

double round3(double v) { return std::round(v * 1000) / 1000; }

json outage_json(const interval& i) {
  return {{"start", rfc3339(i.when.start_ns)}, {"end", rfc3339(i.when.end_ns)},  {"start_ns", i.when.start_ns},
          {"end_ns", i.when.end_ns},          {"duration_ns", i.when.length_ns()}, {"first_error", i.first_error},
          {"open", i.open}};
}

/// Outages of the whole service: overlapping component outages merged, each
/// keeping the error of the component that went down first.
std::vector<interval> service_outages(const series_stats& s) {
  std::vector<interval> all;
  for (const auto& c : s.components())
    if (c.availability)
      for (auto i : c.outages.intervals()) {
        i.first_error = c.name + ": " + i.first_error;
        all.push_back(std::move(i));
      }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.when.start_ns < b.when.start_ns; });
  std::vector<interval> out;
  for (auto& i : all) {
    if (!out.empty() && i.when.start_ns <= out.back().when.end_ns) {
      out.back().when.end_ns = std::max(out.back().when.end_ns, i.when.end_ns);
      out.back().open = out.back().open || i.open;
    } else {
      out.push_back(std::move(i));
    }
  }
  return out;
}

stats::summary summary_of(const series_stats::component& c) {
  stats::summary s;
  const auto& h = c.latency;
  s.count = h.count();
  s.errors = c.errors;
  s.error_messages = c.error_messages;
  s.min_ns = h.min();
  s.p50_ns = h.value_at_percentile(50);
  s.p90_ns = h.value_at_percentile(90);
  s.p95_ns = h.value_at_percentile(95);
  s.p99_ns = h.value_at_percentile(99);
  s.p999_ns = h.value_at_percentile(99.9);
  s.max_ns = h.max();
  s.mean_ns = h.mean();
  s.stddev_ns = h.stddev();
  s.exact = false;
  return s;
}

json component_workload(const series_stats::component& c, json base) {
  base["checks"] = c.outages.checks();
  base["failures"] = c.outages.failures();
  base["observed_ns"] = c.outages.observed_ns();
  base["downtime_ns"] = c.outages.downtime_ns();
  base["uptime_pct"] = round3(c.outages.uptime_pct());
  base["outage_count"] = c.outages.outage_count();
  base["still_down"] = c.outages.down();
  json outs = json::array();
  for (const auto& i : c.outages.intervals()) outs.push_back(outage_json(i));
  base["outages"] = std::move(outs);
  if (c.outages.dropped()) base["outages_not_listed"] = c.outages.dropped();
  return base;
}

json service_workload(const series_stats& s, json base) {
  std::int64_t checks = -1;
  std::int64_t failures = 0;
  bool down = false;
  for (const auto& c : s.components())
    if (c.availability) {
      checks = checks < 0 ? c.outages.checks() : std::min(checks, c.outages.checks());
      failures += c.outages.failures();
      down = down || c.outages.down();
    }
  auto outages = service_outages(s);
  std::int64_t downtime = 0;
  json outs = json::array();
  for (const auto& i : outages) {
    downtime += i.when.length_ns();
    outs.push_back(outage_json(i));
  }
  std::int64_t observed = 0;
  for (const auto& o : s.service_observed()) observed += o.length_ns();
  base["checks"] = std::max<std::int64_t>(checks, 0);
  base["failures"] = failures;
  base["observed_ns"] = observed;
  base["downtime_ns"] = downtime;
  base["uptime_pct"] = round3(s.service_uptime_pct(INT64_MIN / 2, INT64_MAX / 2));
  base["outage_count"] = static_cast<std::int64_t>(outages.size());
  base["still_down"] = down;
  base["outages"] = std::move(outs);
  json comps = json::array();
  for (const auto& c : s.components())
    if (c.availability) comps.push_back(c.name);
  base["components"] = std::move(comps);
  return base;
}

report::measurement make_measurement(std::string metric, std::string target, json workload,
                                     const series_stats::component* c) {
  report::measurement m;
  m.metric = std::move(metric);
  m.target = std::move(target);
  m.workload = std::move(workload);
  if (c) {
    m.summary = summary_of(*c);
    m.histogram = c->latency.to_json();
  }
  return m;
}

void finish(const config& cfg, report::report& r, const std::string& stage) {
  criteria::context ctx{cfg, stage, r.measurements, std::chrono::steady_clock::now() + std::chrono::minutes(1)};
  for (const auto* id : {"soak.uptime", "downtime.window"}) {
    const auto* d = criteria::find(id);
    if (d && d->in_stage(stage)) r.criteria.push_back(criteria::evaluate(*d, ctx));
  }
}

std::vector<check> monitor_checks(const config& cfg, const monitor_options& o, std::vector<std::string>& notes) {
  auto wants = [&](const char* kind) { return o.watch.empty() || std::find(o.watch.begin(), o.watch.end(), kind) != o.watch.end(); };
  for (const auto& w : o.watch)
    if (w != "db" && w != "redis" && w != "api" && w != "pm2" && w != "host")
      throw usage_error("--watch: unknown component '" + w + "' (db, redis, api, pm2, host)");
  std::vector<check> checks;
  std::set<std::string> seen;  // targets often share one Redis: check it once
  for (const auto& t : cfg.targets) {
    if (!o.targets.empty() && std::find(o.targets.begin(), o.targets.end(), t.name) == o.targets.end()) continue;
    if (wants("db") && t.postgres && seen.insert("db " + t.postgres->display()).second)
      checks.push_back(make_db_check("db." + t.name, *t.postgres, o.checks, t.path));
    if (wants("redis") && t.redis && seen.insert("redis " + t.redis->display()).second)
      checks.push_back(make_redis_check("redis." + t.name, *t.redis, o.checks, t.path));
    if (wants("api") && t.http && seen.insert("api " + t.http->display()).second)
      checks.push_back(make_api_check("api." + t.name, *t.http, o.checks));
  }
  for (const auto& name : o.targets)
    if (!cfg.find(name)) throw usage_error("--target: no target named '" + name + "' in the config");
  if (wants("pm2")) {
    if (!o.checks.pm2_command.empty()) checks.push_back(make_pm2_check(o.checks));
    else if (!o.watch.empty()) throw usage_error("--watch pm2 needs --pm2-command (or criteria.services.online.command)");
    else notes.push_back("PM2 not checked: no --pm2-command configured");
  }
  if (wants("host")) checks.push_back(make_host_check(o.checks));
  if (checks.empty()) throw usage_error("nothing to monitor: no target has the components asked for");
  return checks;
}

}  // namespace

report::report monitor_report(const config& cfg, const series_stats& stats, const series_header& header,
                              const monitor_options& o, report::report r) {
  r.run.stage = o.stage;
  json base{{"mode", "monitor"}, {"series", header.id}, {"interval_ns", header.interval_ns},
            {"timeout_ns", std::chrono::nanoseconds(o.checks.timeout).count()}, {"started_ns", header.started_ns},
            {"started", rfc3339(header.started_ns)}};
  auto windows = stats.windows();
  for (const auto& c : stats.components()) {
    if (!c.availability) continue;
    auto w = component_workload(c, base);
    json hours = json::array();
    json days = json::array();
    for (const auto& row : windows)
      if (row.component == c.name) (row.window == "hour" ? hours : days).push_back(row.to_json());
    w["windows"] = {{"hour", std::move(hours)}, {"day", std::move(days)}};
    r.measurements.push_back(make_measurement("soak.uptime", c.name, std::move(w), &c));
  }
  auto service = service_workload(stats, base);
  json days = json::array();
  auto last_day = stats.last_ns() > header.started_ns ? (stats.last_ns() - header.started_ns) / day_ns : 0;
  for (std::int64_t d = 0; d <= last_day; ++d) {
    auto from = header.started_ns + d * day_ns;
    json day{{"day", d}, {"start", rfc3339(from)}, {"uptime_pct", round3(stats.service_uptime_pct(from, from + day_ns))}};
    std::int64_t failures = 0;
    for (const auto& row : windows)
      if (row.window == "day" && row.index == d) {
        const auto* c = stats.find(row.component);
        if (c && c->availability) failures += row.failures;
      }
    day["failed_checks"] = failures;
    if (auto it = stats.days().find(d); it != stats.days().end()) {
      const auto& h = it->second;
      if (h.pm2_seen) day["restarts"] = h.restarts;
      if (h.host_seen) {
        day["mem_used_max_bytes"] = h.mem_used_max_bytes;
        day["mem_used_max_pct"] = round3(h.mem_used_max_pct);
        day["disk_used_max_pct"] = round3(h.disk_used_max_pct);
        day["load1_max"] = round3(h.load1_max);
      }
    }
    days.push_back(std::move(day));
  }
  service["days"] = std::move(days);
  r.measurements.push_back(make_measurement("soak.uptime", "service", std::move(service), nullptr));

  finish(cfg, r, o.stage);
  if (o.hourly_p99) {
    // The per-window criterion: p99 of every hour of every component under the limit.
    auto c = criteria::result_for("soak.hourly_p99", o.stage, o.hourly_p99->count());
    std::int64_t worst = 0;
    std::string worst_at;
    int thin = 0;
    int over = 0;
    for (const auto& row : windows) {
      const auto* comp = stats.find(row.component);
      if (row.window != "hour" || !comp || !comp->availability) continue;
      auto ok = row.checks - row.failures;
      if (ok < stats::samples_needed(99)) ++thin;
      if (row.p99_ns >= o.hourly_p99->count()) ++over;
      if (row.p99_ns > worst) {
        worst = row.p99_ns;
        worst_at = row.component + " hour " + std::to_string(row.index);
      }
    }
    c.measured = worst;
    c.status = over ? report::status::fail : thin ? report::status::inconclusive : report::status::pass;
    c.detail = "worst hourly p99 " + std::to_string(worst / 1000) + " us (" + worst_at + "); " + std::to_string(over) +
               " hour(s) over the limit" +
               (thin ? ", " + std::to_string(thin) + " hour(s) with fewer than 1000 ok checks (p99 not claimed)" : "");
    r.criteria.push_back(std::move(c));
  }
  r.verdict = criteria::decide(r.criteria);
  r.run.finished_at = report::now_rfc3339();
  return r;
}

std::string render_metrics_to_track(const report::report& r) {
  const auto* service = r.find("soak.uptime", "service");
  std::string md = "# Monitor: " + r.run.id + "\n\n";
  if (!service) return md + "No monitor series in this report.\n";
  const auto& w = service->workload;
  md += "Series " + w.value("series", "") + " from " + w.value("started", "") + ", one check per component every " +
        clock_text(std::chrono::nanoseconds(w.value("interval_ns", std::int64_t{0})), true) + "; observed " +
        clock_text(std::chrono::nanoseconds(w.value("observed_ns", std::int64_t{0}))) + ".\n\n";
  std::vector<std::int64_t> cols{0, 1, 3, 7};
  auto day = [&](std::int64_t d) -> const json* {
    for (const auto& x : w["days"])
      if (x.value("day", -1) == d) return &x;
    return nullptr;
  };
  auto ms = [](std::int64_t ns) {
    char b[32];
    std::snprintf(b, sizeof b, "%.2f ms", static_cast<double>(ns) / 1e6);
    return std::string(b);
  };
  auto fmt = [](double v, const char* unit) {
    char b[32];
    std::snprintf(b, sizeof b, "%.2f%s", v, unit);
    return std::string(b);
  };
  double target_uptime = 99.0;
  for (const auto& c : r.criteria)
    if (c.id == "soak.uptime" && c.threshold.is_number()) target_uptime = c.threshold.get<double>();
  md += "## Metrics to Track\n\n| Metric | Target | Day 0 | Day 1 | Day 3 | Day 7 |\n|---|---|---|---|---|---|\n";
  auto row = [&](const std::string& name, const std::string& target, auto cell) {
    md += "| " + name + " | " + target + " |";
    for (auto d : cols) md += " " + cell(d) + " |";
    md += "\n";
  };
  row("Uptime %", ">" + fmt(target_uptime, "%"), [&](std::int64_t d) {
    const auto* x = day(d);
    return x ? fmt(x->value("uptime_pct", 0.0), "%") : std::string("—");
  });
  for (const auto& m : r.measurements) {
    if (m.metric != "soak.uptime" || m.target == "service") continue;
    row(m.target + " check time (p50 / p99)", m.target.starts_with("db") ? "<50 ms" : "-", [&](std::int64_t d) {
      for (const auto& x : m.workload["windows"]["day"])
        if (x.value("index", -1) == d && x.value("checks", 0) > x.value("failures", 0))
          return ms(x.value("p50_ns", std::int64_t{0})) + " / " + ms(x.value("p99_ns", std::int64_t{0}));
      return std::string("—");
    });
  }
  row("Failed checks", "0", [&](std::int64_t d) {
    const auto* x = day(d);
    return x ? std::to_string(x->value("failed_checks", 0)) : std::string("—");
  });
  row("Service Restarts (PM2)", "<3/day", [&](std::int64_t d) {
    const auto* x = day(d);
    return x && x->contains("restarts") ? std::to_string((*x)["restarts"].get<std::int64_t>()) : std::string("—");
  });
  row("Memory Usage (max)", "<12GB", [&](std::int64_t d) {
    const auto* x = day(d);
    return x && x->contains("mem_used_max_bytes")
               ? fmt(static_cast<double>((*x)["mem_used_max_bytes"].get<std::int64_t>()) / 1e9, " GB")
               : std::string("—");
  });
  row("Disk used (max)", "<50%", [&](std::int64_t d) {
    const auto* x = day(d);
    return x && x->contains("disk_used_max_pct") ? fmt((*x)["disk_used_max_pct"].get<double>(), "%") : std::string("—");
  });
  row("Load (1 min, max)", "-", [&](std::int64_t d) {
    const auto* x = day(d);
    return x && x->contains("load1_max") ? fmt((*x)["load1_max"].get<double>(), "") : std::string("—");
  });
  md += "\nDay N is the N-th 24 h since the series start; — means not observed (yet). "
        "WhatsApp status and message success rate come from end-to-end checks, not from this monitor.\n";
  md += "\n## Outages\n\n";
  int listed = 0;
  for (const auto& m : r.measurements) {
    if (m.metric != "soak.uptime") continue;
    for (const auto& o : m.workload["outages"]) {
      if (listed == 0) md += "| component | start | duration | first error |\n|---|---|---|---|\n";
      if (++listed > 50) break;
      md += "| " + m.target + " | " + o.value("start", "") + " | " +
            clock_text(std::chrono::nanoseconds(o.value("duration_ns", std::int64_t{0})), true) +
            (o.value("open", false) ? " (still down)" : "") + " | " + o.value("first_error", "") + " |\n";
    }
  }
  if (listed == 0) md += "None.\n";
  md += "\n## Criteria\n\n";
  for (const auto& c : r.criteria)
    md += "- **" + c.id + "** " + std::string(report::to_string(c.status)) + ": " + c.detail + "\n";
  if (r.verdict) md += "\nVerdict: **" + std::string(report::to_string(r.verdict->decision)) + "**\n";
  return md;
}

report::report run_monitor(const config& cfg, const monitor_options& o, report::report base, std::atomic<bool>& stop,
                           std::ostream& log) {
  if (o.out_dir.empty()) throw usage_error("--out is required (a folder)");
  std::vector<std::string> notes;
  auto checks = monitor_checks(cfg, o, notes);
  std::unique_ptr<metrics_server> server;
  std::mutex mu;  // guards stats and the writer; the server reads under it too
  series_stats stats;
  std::error_code ec;
  std::filesystem::create_directories(o.out_dir, ec);
  if (ec) throw usage_error("--out " + o.out_dir.string() + ": cannot create the folder: " + ec.message());
  // A metrics file that cannot be written is refused now, before the series
  // starts, not found out hours later.
  if (!o.metrics_file.empty()) report::write_atomic(o.metrics_file, render_prometheus(stats));
  auto file = o.out_dir / "samples.jsonl";
  series_header header;
  std::unique_ptr<series_writer> writer;
  std::int64_t seq = 0;
  if (o.resume && std::filesystem::exists(file)) {
    auto rr = replay(file, stats);
    header = rr.header;
    seq = rr.last_seq;
    writer = std::make_unique<series_writer>(file, rr.valid_bytes);
    writer->write(resume_line(epoch_ns()));
    stats.gap();
    log << "cutover monitor: resuming series " << header.id << " at sample " << seq + 1 << " ("
        << rr.samples << " samples read" << (rr.truncated_tail ? ", a truncated last line dropped" : "") << ")\n";
    if (rr.truncated_tail) notes.push_back("resume dropped a truncated last line of samples.jsonl");
    if (rr.bad_lines) notes.push_back(std::to_string(rr.bad_lines) + " malformed line(s) in samples.jsonl skipped");
  } else {
    if (std::filesystem::exists(file) && std::filesystem::file_size(file) > 0)
      throw usage_error(file.string() + " already exists: pass --resume to continue that series, or another --out");
    header.id = base.run.id;
    header.started_ns = epoch_ns();
    header.interval_ns = o.interval.count();
    header.duration_ns = o.duration.count();
    for (const auto& c : checks) header.components.push_back(c.name);
    stats.set_start(header.started_ns);
    writer = std::make_unique<series_writer>(file);
    writer->write(to_line(header));
  }
  base.notes.insert(base.notes.end(), notes.begin(), notes.end());
  auto render_metrics = [&] {
    std::lock_guard lock(mu);
    return render_prometheus(stats);
  };
  if (!o.listen.empty()) {
    server = std::make_unique<metrics_server>(o.listen, render_metrics);
    log << "cutover monitor: serving http://" << o.listen << "/metrics\n";
  }
  auto write_outputs = [&](bool final_) {
    report::report r;
    {
      std::lock_guard lock(mu);
      r = monitor_report(cfg, stats, header, o, base);
    }
    report::write_sinks(r, sinks(), o.out_dir);
    if (final_) log << "wrote " << (o.out_dir / "report.json").string() << " and report.md\n";
    return r;
  };

  schedule_options so{o.interval, header.started_ns + o.duration.count(), &stop};
  log << "cutover monitor: " << checks.size() << " checks every " << clock_text(o.interval, true) << " until "
      << rfc3339(so.until_ns) << " -> " << file.string() << '\n';
  std::atomic<bool> done{false};
  std::int64_t samples_written = 0;
  std::exception_ptr runner_failure;  // set before `done`, read after join
  std::thread runner([&] {
    try {
      run_schedule(checks, so, [&](const check& c, sample s) {
        std::lock_guard lock(mu);
        s.seq = ++seq;
        writer->write(to_line(s));
        stats.add(s, c.availability);
        ++samples_written;
      });
    } catch (...) {
      // The series cannot go on without its log (samples.jsonl): stop, keep the report.
      runner_failure = std::current_exception();
      stop = true;
    }
    done = true;
  });
  auto last_metrics = std::chrono::steady_clock::now() - std::chrono::hours(1);
  auto last_report = std::chrono::steady_clock::now();
  std::int64_t metrics_at = -1;
  // The metrics file is a side output: when it cannot be written (disk full,
  // folder removed) the series goes on and the report says so.
  std::string metrics_error;
  auto write_metrics = [&] {
    try {
      report::write_atomic(o.metrics_file, render_metrics());
    } catch (const std::exception& e) {
      if (metrics_error.empty()) log << "cutover monitor: " << e.what() << " (the series goes on)\n";
      metrics_error = e.what();
    }
  };
  // Nothing may leave this scope with the runner still running (std::terminate).
  std::exception_ptr failure;
  try {
    while (!done) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      auto now = std::chrono::steady_clock::now();
      std::int64_t n = 0;
      {
        std::lock_guard lock(mu);
        n = samples_written;
      }
      if (!o.metrics_file.empty() && n != metrics_at && now - last_metrics >= std::chrono::seconds(1)) {
        write_metrics();
        last_metrics = now;
        metrics_at = n;
      }
      if (now - last_report >= std::chrono::minutes(5)) {
        write_outputs(false);
        last_report = now;
      }
    }
  } catch (...) {
    failure = std::current_exception();
    stop = true;
  }
  runner.join();
  if (!failure) failure = runner_failure;
  if (failure) {
    // What was measured is still written (best effort), then the error ends the run.
    try {
      base.notes.push_back("the series stopped early on an error");
      write_outputs(true);
    } catch (const std::exception&) {
    }
    std::rethrow_exception(failure);
  }
  if (!o.metrics_file.empty()) write_metrics();
  if (!metrics_error.empty()) base.notes.push_back("metrics file not written: " + metrics_error);
  if (stop) log << "cutover monitor: stopped; --resume continues the series\n";
  return write_outputs(true);
}

std::span<const report::sink<report::report>> sinks() {
  static constexpr std::array<report::sink<report::report>, 2> table{{
      {"json", "json", "report.json", report::render_json},
      {"md", "md", "report.md", render_metrics_to_track},
  }};
  return table;
}

std::string status_line(const series_stats& s, std::int64_t now_ns) {
  std::string line;
  std::int64_t total = 0;
  for (const auto& c : s.components()) {
    if (!c.availability) continue;
    line += (line.empty() ? "" : ", ") + c.name;
    if (c.outages.checks() == 0) line += " ?";
    else if (c.outages.down())
      line += " DOWN " + clock_text(std::chrono::nanoseconds(now_ns - c.outages.down_since_ns()), true);
    else line += " up";
  }
  for (const auto& i : service_outages(s)) total += i.open ? now_ns - i.when.start_ns : i.when.length_ns();
  return line + " | downtime " + clock_text(std::chrono::nanoseconds(total), true);
}

report::report downtime_report(const config& cfg, const series_stats& stats, const downtime_options& o,
                               report::report r) {
  r.run.stage = "switchover";
  json base{{"mode", "downtime"},
            {"interval_ns", o.interval.count()},
            {"timeout_ns", std::chrono::nanoseconds(o.checks.timeout).count()},
            {"target", o.target}};
  for (const auto& c : stats.components())
    if (c.availability) r.measurements.push_back(make_measurement("downtime.total", c.name, component_workload(c, base), &c));
  r.measurements.push_back(make_measurement("downtime.total", "service", service_workload(stats, base), nullptr));
  config copy = cfg;
  if (o.window) {
    // The window given on the command line wins over the config (minutes, as the criterion reads it).
    copy.criteria["downtime.window"].threshold = criteria::from_duration(criteria::find("downtime.window")->threshold_in, *o.window);
  }
  finish(copy, r, "switchover");
  r.verdict = criteria::decide(r.criteria);
  r.run.finished_at = report::now_rfc3339();
  return r;
}

report::report run_downtime(const config& cfg, const downtime_options& o, report::report base, std::atomic<bool>& stop,
                            std::ostream& status) {
  downtime_options opts = o;
  if (opts.target.empty()) opts.target = cfg.find("private") ? "private" : cfg.targets.empty() ? "" : cfg.targets.front().name;
  const auto* t = cfg.find(opts.target);
  if (!t) throw usage_error("--target: no target named '" + opts.target + "' in the config");
  std::vector<check> checks;
  for (const auto& w : opts.watch) {
    if (w == "db") {
      if (!t->postgres) throw usage_error("--watch db: target '" + t->name + "' has no postgres endpoint");
      checks.push_back(make_db_check("db", *t->postgres, opts.checks, t->path));
    } else if (w == "redis") {
      if (!t->redis) throw usage_error("--watch redis: target '" + t->name + "' has no redis endpoint");
      checks.push_back(make_redis_check("redis", *t->redis, opts.checks, t->path));
    } else if (w == "api") {
      if (!t->http) throw usage_error("--watch api: target '" + t->name + "' has no http endpoint");
      checks.push_back(make_api_check("api", *t->http, opts.checks));
    } else {
      throw usage_error("--watch: unknown component '" + w + "' (api, db, redis)");
    }
  }
  if (checks.empty()) throw usage_error("--watch: nothing to watch");
  std::mutex mu;
  series_stats stats(epoch_ns());
  std::vector<std::string> transitions;
  schedule_options so{opts.interval, opts.duration ? epoch_ns() + opts.duration->count() : 0, &stop};
  std::atomic<bool> done{false};
  std::thread runner([&] {
    run_schedule(checks, so, [&](const check& c, sample s) {
      std::lock_guard lock(mu);
      const auto* before = stats.find(c.name);
      bool was_down = before && before->outages.down();
      stats.add(s, true);
      const auto* after = stats.find(c.name);
      if (after->outages.down() != was_down) {
        transitions.push_back(after->outages.down()
                                  ? rfc3339(s.start_ns) + " " + c.name + " DOWN: " + std::string(to_string(s.result)) +
                                        ": " + s.message
                                  : rfc3339(s.end_ns()) + " " + c.name + " up again after " +
                                        clock_text(std::chrono::nanoseconds(after->outages.intervals().back().when.length_ns()), true));
      }
    });
    done = true;
  });
  while (!done) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::lock_guard lock(mu);
    for (const auto& line : transitions) status << (opts.live ? "\r\033[K" : "") << scrub(line) << '\n';
    transitions.clear();
    if (opts.live) status << "\r\033[K" << status_line(stats, epoch_ns()) << std::flush;
  }
  runner.join();
  for (const auto& line : transitions) status << (opts.live ? "\r\033[K" : "") << scrub(line) << '\n';
  if (opts.live) status << "\r\033[K" << status_line(stats, epoch_ns()) << '\n';
  return downtime_report(cfg, stats, opts, std::move(base));
}

}  // namespace cutover::monitor
