#include "monitor/prometheus.hpp"

#include <cstdio>

#include "core/error.hpp"
#include "http/server.hpp"

namespace cutover::monitor {
namespace {

std::string num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

struct family {
  std::string& out;
  family(std::string& o, const char* name, const char* type, const char* help) : out(o) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  }
  void add(const std::string& name_and_labels, double v) { out += name_and_labels + " " + num(v) + "\n"; }
};

std::string lbl(const char* key, std::string_view v) { return std::string(key) + "=\"" + prometheus_label(v) + "\""; }

}  // namespace

std::string prometheus_label(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string render_prometheus(const series_stats& s) {
  std::string out;
  std::vector<const series_stats::component*> avail;
  for (const auto& c : s.components())
    if (c.availability) avail.push_back(&c);
  {
    family f(out, "cutover_up", "gauge", "1 when the component's last check succeeded, else 0.");
    for (const auto* c : avail) f.add("cutover_up{" + lbl("component", c->name) + "}", c->last == outcome::ok ? 1 : 0);
  }
  {
    family f(out, "cutover_checks_total", "counter", "Checks run, by outcome.");
    for (const auto* c : avail) {
      f.add("cutover_checks_total{" + lbl("component", c->name) + ",outcome=\"ok\"}",
            static_cast<double>(c->outages.checks() - c->outages.failures()));
      for (const auto& [o, n] : c->errors)
        f.add("cutover_checks_total{" + lbl("component", c->name) + "," + lbl("outcome", to_string(o)) + "}", static_cast<double>(n));
    }
  }
  {
    family f(out, "cutover_uptime_percent", "gauge", "Time-based uptime since the series start, percent.");
    for (const auto* c : avail) f.add("cutover_uptime_percent{" + lbl("component", c->name) + "}", c->outages.uptime_pct());
    f.add("cutover_uptime_percent{component=\"service\"}", s.service_uptime_pct(INT64_MIN / 2, INT64_MAX / 2));
  }
  {
    family f(out, "cutover_downtime_seconds_total", "counter", "Downtime since the series start, seconds.");
    for (const auto* c : avail)
      f.add("cutover_downtime_seconds_total{" + lbl("component", c->name) + "}", static_cast<double>(c->outages.downtime_ns()) / 1e9);
  }
  {
    family f(out, "cutover_outages_total", "counter", "Outages (failed checks until the next success) since the series start.");
    for (const auto* c : avail)
      f.add("cutover_outages_total{" + lbl("component", c->name) + "}", static_cast<double>(c->outages.outage_count()));
  }
  {
    family f(out, "cutover_check_latency_seconds", "summary", "Latency of successful checks since the series start.");
    for (const auto* c : avail) {
      auto l = lbl("component", c->name);
      for (double q : {0.5, 0.9, 0.99})
        f.add("cutover_check_latency_seconds{" + l + ",quantile=\"" + num(q) + "\"}",
              static_cast<double>(c->latency.value_at_percentile(q * 100)) / 1e9);
      f.add("cutover_check_latency_seconds_sum{" + l + "}", c->latency.mean() * static_cast<double>(c->latency.count()) / 1e9);
      f.add("cutover_check_latency_seconds_count{" + l + "}", static_cast<double>(c->latency.count()));
    }
  }
  if (const auto* h = s.find("host"); h && h->last_values.is_object()) {
    const auto& v = h->last_values;
    family(out, "cutover_host_memory_used_bytes", "gauge", "Memory in use (MemTotal - MemAvailable).")
        .add("cutover_host_memory_used_bytes", v.value("mem_used_bytes", 0.0));
    family(out, "cutover_host_memory_used_percent", "gauge", "Memory in use, percent.")
        .add("cutover_host_memory_used_percent", v.value("mem_used_pct", 0.0));
    family(out, "cutover_host_disk_used_percent", "gauge", "Disk in use on the watched filesystem, percent.")
        .add("cutover_host_disk_used_percent", v.value("disk_used_pct", 0.0));
    family(out, "cutover_host_load1", "gauge", "1-minute load average.").add("cutover_host_load1", v.value("load1", 0.0));
  }
  if (const auto* p = s.find("pm2"); p && p->last_values.is_object()) {
    const auto& v = p->last_values;
    family(out, "cutover_pm2_processes_online", "gauge", "PM2 processes online.")
        .add("cutover_pm2_processes_online", v.value("online", 0.0));
    family(out, "cutover_pm2_processes", "gauge", "PM2 processes listed.").add("cutover_pm2_processes", v.value("total", 0.0));
    if (v.contains("restarts") && v["restarts"].is_object()) {
      family f(out, "cutover_pm2_restarts", "gauge", "PM2 restart counter per process (restart_time).");
      for (auto& [name, n] : v["restarts"].items())
        if (n.is_number()) f.add("cutover_pm2_restarts{" + lbl("process", name) + "}", n.get<double>());
    }
  }
  family(out, "cutover_last_sample_timestamp_seconds", "gauge", "End of the latest check, Unix seconds.")
      .add("cutover_last_sample_timestamp_seconds", static_cast<double>(s.last_ns()) / 1e9);
  return out;
}

struct metrics_server::impl {
  // Only GET /metrics; the body is rendered per request.
  explicit impl(std::function<std::string()> b)
      : body(std::move(b)), srv([this](const http::request& q) { return on_request(q); }, std::chrono::seconds(5)) {}

  http::response on_request(const http::request& q) {
    if (q.method == "GET" && (q.target == "/metrics" || q.target.starts_with("/metrics?")))
      return {200, "text/plain; version=0.0.4; charset=utf-8", body()};
    return {404, "text/plain", "only GET /metrics here\n"};
  }

  std::function<std::string()> body;
  http::server srv;  // last: stopped before `body` goes
};

metrics_server::metrics_server(std::string_view listen, std::function<std::string()> body)
    : impl_(std::make_unique<impl>(std::move(body))) {
  auto [host, port] = http::parse_loopback_listen(listen);
  if (auto r = impl_->srv.start(host, port); !r.ok()) throw error("--listen " + std::string(listen) + ": " + r.message);
}

metrics_server::~metrics_server() = default;

std::uint16_t metrics_server::port() const noexcept { return impl_->srv.port(); }

}  // namespace cutover::monitor
