#include "monitor/series.hpp"

#include <algorithm>
#include <fstream>

#include <unistd.h>

#include "core/error.hpp"
#include "core/json_read.hpp"

namespace cutover::monitor {
namespace {

using json = nlohmann::json;

std::vector<span> down_spans(const outage_tracker& t) {
  std::vector<span> out;
  for (const auto& i : t.intervals()) out.push_back(i.when);
  return out;
}

}  // namespace

std::string to_line(const sample& s) {
  json j{{"type", "sample"},       {"seq", s.seq},
         {"component", s.component}, {"start_ns", s.start_ns},
         {"latency_ns", s.latency_ns}, {"outcome", std::string(to_string(s.result))}};
  if (!s.message.empty()) j["message"] = s.message;
  if (!s.values.is_null()) j["values"] = s.values;
  return j.dump();
}

std::string to_line(const series_header& h) {
  return json{{"type", "start"},           {"id", h.id},
              {"started_ns", h.started_ns}, {"interval_ns", h.interval_ns},
              {"duration_ns", h.duration_ns}, {"components", h.components}}
      .dump();
}

std::string resume_line(std::int64_t at_ns) { return json{{"type", "resume"}, {"at_ns", at_ns}}.dump(); }

sample sample_from_json(const json& j) {
  try {
    sample s;
    s.seq = j.at("seq").get<std::int64_t>();
    s.component = j.at("component").get<std::string>();
    s.start_ns = j.at("start_ns").get<std::int64_t>();
    s.latency_ns = j.at("latency_ns").get<std::int64_t>();
    auto o = outcome_from_string(j.at("outcome").get<std::string>());
    if (!o) throw error("unknown outcome");
    s.result = *o;
    s.message = j.value("message", "");
    if (j.contains("values")) s.values = j["values"];
    return s;
  } catch (const error&) {
    throw;
  } catch (const std::exception& e) {
    throw error(std::string("malformed sample: ") + e.what());
  }
}

replay_result replay(const std::filesystem::path& file, series_stats& stats) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw error("cannot read series " + file.string());
  replay_result r;
  bool have_header = false;
  std::string line;
  std::uintmax_t offset = 0;
  while (std::getline(in, line)) {
    bool complete = !in.eof();  // getline hit a newline
    auto next = offset + line.size() + (complete ? 1 : 0);
    auto j = parse_json_or_discarded(line);
    if (!complete) {
      // A kill mid-write leaves a partial last line; it is dropped and rewritten by nobody.
      if (!line.empty()) r.truncated_tail = true;
      break;
    }
    offset = next;
    r.valid_bytes = offset;
    if (j.is_discarded() || !j.is_object()) {
      ++r.bad_lines;
      continue;
    }
    auto type = j.value("type", "");
    if (type == "start" && !have_header) {
      r.header.id = j.value("id", "");
      r.header.started_ns = j.value("started_ns", std::int64_t{0});
      r.header.interval_ns = j.value("interval_ns", std::int64_t{0});
      r.header.duration_ns = j.value("duration_ns", std::int64_t{0});
      r.header.components = j.value("components", std::vector<std::string>{});
      stats.set_start(r.header.started_ns);
      have_header = true;
    } else if (type == "resume") {
      stats.gap();
    } else if (type == "sample") {
      try {
        auto s = sample_from_json(j);
        stats.add(s, s.component != "host");
        r.last_seq = std::max(r.last_seq, s.seq);
        ++r.samples;
      } catch (const error&) {
        ++r.bad_lines;
      }
    } else {
      ++r.bad_lines;
    }
  }
  if (!have_header) throw error("series " + file.string() + " has no start line");
  return r;
}

series_writer::series_writer(const std::filesystem::path& file, std::optional<std::uintmax_t> keep_bytes)
    : file_(file) {
  if (keep_bytes) {
    std::error_code ec;
    if (std::filesystem::file_size(file, ec) != *keep_bytes && !ec) std::filesystem::resize_file(file, *keep_bytes, ec);
    if (ec) throw error("cannot cut " + file.string() + " to its last complete line: " + ec.message());
  }
  f_ = std::fopen(file.c_str(), "ab");
  if (!f_) throw error("cannot open " + file.string() + " for appending");
}

series_writer::~series_writer() {
  if (f_) std::fclose(f_);
}

void series_writer::write(const std::string& line) {
  // One fwrite per line, then a flush: the kernel has it even if we are killed next.
  std::string buf = line + "\n";
  if (std::fwrite(buf.data(), 1, buf.size(), f_) != buf.size() || std::fflush(f_) != 0)
    throw error("cannot write to " + file_.string());
}

nlohmann::json window_row::to_json() const {
  return {{"component", component}, {"window", window},     {"index", index},   {"start_ns", start_ns},
          {"checks", checks},       {"failures", failures}, {"p50_ns", p50_ns}, {"p90_ns", p90_ns},
          {"p99_ns", p99_ns},       {"max_ns", max_ns},     {"uptime_pct", uptime_pct}};
}

series_stats::component& series_stats::get(const std::string& name, bool availability) {
  for (auto& c : components_)
    if (c.name == name) return c;
  components_.emplace_back();
  components_.back().name = name;
  components_.back().availability = availability;
  return components_.back();
}

const series_stats::component* series_stats::find(std::string_view name) const {
  for (const auto& c : components_)
    if (c.name == name) return &c;
  return nullptr;
}

window_row series_stats::row_of(const component& c, const component::open_window& w, const char* kind) const {
  window_row r;
  r.component = c.name;
  r.window = kind;
  r.index = w.index;
  auto len = std::string_view(kind) == "hour" ? hour_ns : day_ns;
  r.start_ns = started_ns_ + w.index * len;
  r.checks = w.checks;
  r.failures = w.failures;
  r.p50_ns = w.latency.value_at_percentile(50);
  r.p90_ns = w.latency.value_at_percentile(90);
  r.p99_ns = w.latency.value_at_percentile(99);
  r.max_ns = w.latency.max();
  r.uptime_pct = monitor::uptime_pct(down_spans(c.outages), c.outages.observed(), r.start_ns, r.start_ns + len);
  return r;
}

void series_stats::add(const sample& s, bool availability) {
  auto& c = get(s.component, availability);
  ++samples_;
  last_ns_ = std::max(last_ns_, s.end_ns());
  bool ok = s.result == outcome::ok;
  c.outages.add(s.start_ns, s.end_ns(), ok, ok ? "" : std::string(to_string(s.result)) + ": " + s.message);
  c.last = s.result;
  c.last_message = s.message;
  c.last_latency_ns = s.latency_ns;
  c.last_start_ns = s.start_ns;
  if (!s.values.is_null()) c.last_values = s.values;
  if (ok) {
    c.latency.record(s.latency_ns);
  } else {
    ++c.errors[s.result];
    if (c.error_messages.size() < 5) {
      auto text = std::string(to_string(s.result)) + ": " + s.message;
      if (std::find(c.error_messages.begin(), c.error_messages.end(), text) == c.error_messages.end())
        c.error_messages.push_back(std::move(text));
    }
  }
  // Windows: a sample of a later window closes the open one into a row; a
  // late sample of an earlier window (threads race at the boundary) lands in the open one.
  auto since = std::max<std::int64_t>(0, s.start_ns - started_ns_);
  for (auto [w, len, kind] : {std::tuple{&c.hour, hour_ns, "hour"}, std::tuple{&c.day, day_ns, "day"}}) {
    auto index = since / len;
    if (w->index >= 0 && index > w->index) {
      c.closed.push_back(row_of(c, *w, kind));
      *w = component::open_window{};
    }
    if (w->index < 0) w->index = index;
    ++w->checks;
    if (ok) w->latency.record(s.latency_ns);
    else ++w->failures;
  }
  auto day = since / day_ns;
  if (s.component == "host" && ok && s.values.is_object()) {
    auto& d = days_[day];
    d.host_seen = true;
    d.mem_used_max_bytes = std::max(d.mem_used_max_bytes, s.values.value("mem_used_bytes", std::int64_t{0}));
    d.mem_used_max_pct = std::max(d.mem_used_max_pct, s.values.value("mem_used_pct", 0.0));
    d.disk_used_max_pct = std::max(d.disk_used_max_pct, s.values.value("disk_used_pct", 0.0));
    d.load1_max = std::max(d.load1_max, s.values.value("load1", 0.0));
  }
  if (s.component == "pm2" && s.values.is_object() && s.values.contains("restarts") &&
      s.values["restarts"].is_object()) {
    auto& d = days_[day];
    d.pm2_seen = true;
    for (auto& [name, v] : s.values["restarts"].items()) {
      if (!v.is_number_integer()) continue;
      auto now = v.get<std::int64_t>();
      auto it = pm2_last_restarts_.find(name);
      // A lower counter means PM2 itself was restarted (or the process re-added): count from zero.
      if (it != pm2_last_restarts_.end()) d.restarts += now >= it->second ? now - it->second : now;
      pm2_last_restarts_[name] = now;
    }
  }
}

void series_stats::gap() {
  for (auto& c : components_) c.outages.gap();
}

std::vector<window_row> series_stats::windows() const {
  std::vector<window_row> out;
  for (const char* kind : {"hour", "day"}) {
    for (const auto& c : components_) {
      for (const auto& r : c.closed)
        if (r.window == kind) out.push_back(r);
      const auto& w = std::string_view(kind) == "hour" ? c.hour : c.day;
      if (w.index >= 0) out.push_back(row_of(c, w, kind));
    }
  }
  return out;
}

std::vector<span> series_stats::service_down() const {
  std::vector<span> all;
  for (const auto& c : components_)
    if (c.availability)
      for (const auto& i : c.outages.intervals()) all.push_back(i.when);
  return merge(std::move(all));
}

std::vector<span> series_stats::service_observed() const {
  std::vector<span> all;
  for (const auto& c : components_)
    if (c.availability) all.insert(all.end(), c.outages.observed().begin(), c.outages.observed().end());
  return merge(std::move(all));
}

double series_stats::service_uptime_pct(std::int64_t from_ns, std::int64_t to_ns) const {
  return uptime_pct(service_down(), service_observed(), from_ns, to_ns);
}

}  // namespace cutover::monitor
