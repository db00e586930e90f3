#include "report/report.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <random>
#include <sstream>

#include "core/error.hpp"
#include "core/named.hpp"
#include "core/secret.hpp"
#include "core/version.hpp"

namespace cutover::report {
namespace {

using json = nlohmann::json;

constexpr std::array<named<status>, 6> status_names{{{status::pass, "pass", {}},
                                                      {status::fail, "fail", {}},
                                                      {status::error, "error", {}},
                                                      {status::skipped, "skipped", {}},
                                                      {status::waived, "waived", {}},
                                                      {status::inconclusive, "inconclusive", {}}}};
constexpr std::array<named<severity>, 3> severity_names{
    {{severity::primary, "primary", {}}, {severity::secondary, "secondary", {}}, {severity::info, "info", {}}}};
constexpr std::array<named<decision>, 3> decision_names{
    {{decision::go, "GO", {}}, {decision::no_go, "NO-GO", {}}, {decision::inconclusive, "INCONCLUSIVE", {}}}};

json fingerprint_json(const path_fingerprint& f) {
  return {{"endpoint", f.endpoint}, {"resolved", f.resolved}, {"server_version", f.server_version},
          {"server_addr", f.server_addr}, {"client_addr", f.client_addr}, {"path", f.path}};
}

path_fingerprint fingerprint_from(const json& j) {
  path_fingerprint f;
  f.endpoint = j.value("endpoint", "");
  f.resolved = j.value("resolved", "");
  f.server_version = j.value("server_version", "");
  f.server_addr = j.value("server_addr", "");
  f.client_addr = j.value("client_addr", "");
  f.path = j.value("path", "");
  return f;
}

}  // namespace

std::string_view to_string(status s) noexcept { return id_of(status_names, s, "error"); }
std::optional<status> status_from_string(std::string_view s) noexcept { return find_named(status_names, s); }
std::string_view to_string(severity s) noexcept { return id_of(severity_names, s, "primary"); }
std::optional<severity> severity_from_string(std::string_view s) noexcept { return find_named(severity_names, s); }
std::string_view to_string(decision d) noexcept { return id_of(decision_names, d, "NO-GO"); }
std::optional<decision> decision_from_string(std::string_view s) noexcept { return find_named(decision_names, s); }
int exit_code(decision d) noexcept { return d == decision::go ? 0 : d == decision::inconclusive ? 3 : 1; }

const measurement* report::find(std::string_view metric, std::string_view target) const {
  for (const auto& m : measurements)
    if (m.metric == metric && m.target == target) return &m;
  return nullptr;
}

json to_json(const report& r) {
  json ms = json::array();
  for (const auto& m : r.measurements)
    ms.push_back({{"metric", m.metric}, {"target", m.target}, {"workload", m.workload},
                  {"fingerprint", fingerprint_json(m.fingerprint)}, {"summary", m.summary.to_json()},
                  {"histogram", m.histogram}, {"samples_ns", m.samples_ns}});
  json cs = json::array();
  for (const auto& c : r.criteria) {
    json j{{"id", c.id}, {"title", c.title}, {"stage", c.stage}, {"severity", to_string(c.severity)},
           {"metric", c.metric}, {"operator", c.op}, {"threshold", c.threshold}, {"measured", c.measured},
           {"unit", c.unit}, {"status", to_string(c.status)}, {"detail", c.detail},
           {"duration_ns", static_cast<std::int64_t>(c.duration_s * 1e9)}};
    if (!c.waiver.empty()) j["waiver"] = c.waiver;
    cs.push_back(std::move(j));
  }
  json out{{"schema", "cutover/report"},
           {"schema_version", schema_version},
           {"kind", r.kind},
           {"tool", {{"name", "cutover"}, {"version", version()}, {"git_sha", git_sha()}}},
           {"run", {{"id", r.run.id}, {"command", r.run.command}, {"stage", r.run.stage}, {"profile", r.run.profile},
                    {"host", r.run.host}, {"started_at", r.run.started_at}, {"finished_at", r.run.finished_at}}},
           {"targets", r.targets},
           {"measurements", ms},
           {"criteria", cs},
           {"notes", r.notes}};
  if (r.verdict)
    out["verdict"] = {{"decision", to_string(r.verdict->decision)}, {"reasons", r.verdict->reasons},
                      {"policy", r.verdict->policy}, {"exit_code", exit_code(r.verdict->decision)}};
  return out;
}

report from_json(const json& j, std::string_view origin) {
  auto fail = [&](const std::string& why) { throw config_error(std::string(origin) + ": " + why); };
  if (!j.is_object() || j.value("schema", "") != "cutover/report") fail("not a cutover report (schema field missing)");
  if (j.value("schema_version", 0) != schema_version)
    fail("unsupported schema_version " + std::to_string(j.value("schema_version", 0)));
  report r;
  try {
    r.kind = j.at("kind").get<std::string>();
    const auto& run = j.at("run");
    r.run = {run.value("id", ""), run.value("command", ""), run.value("stage", ""), run.value("profile", ""),
             run.value("host", ""), run.value("started_at", ""), run.value("finished_at", "")};
    r.targets = j.value("targets", json::array());
    for (const auto& m : j.at("measurements")) {
      measurement x;
      x.metric = m.at("metric").get<std::string>();
      x.target = m.at("target").get<std::string>();
      x.workload = m.value("workload", json::object());
      x.fingerprint = fingerprint_from(m.value("fingerprint", json::object()));
      x.summary = stats::summary::from_json(m.at("summary"));
      x.histogram = m.value("histogram", json::object());
      x.samples_ns = m.value("samples_ns", std::vector<std::int64_t>{});
      r.measurements.push_back(std::move(x));
    }
    for (const auto& c : j.value("criteria", json::array())) {
      criterion_result x;
      x.id = c.at("id").get<std::string>();
      x.title = c.value("title", "");
      x.stage = c.value("stage", "");
      auto sev = severity_from_string(c.value("severity", "primary"));
      auto st = status_from_string(c.value("status", "error"));
      if (!sev || !st) fail("criterion " + x.id + ": unknown severity or status");
      x.severity = *sev;
      x.status = *st;
      x.metric = c.value("metric", "");
      x.op = c.value("operator", "");
      x.threshold = c.value("threshold", json());
      x.measured = c.value("measured", json());
      x.unit = c.value("unit", "");
      x.detail = c.value("detail", "");
      x.waiver = c.value("waiver", "");
      x.duration_s = static_cast<double>(c.value("duration_ns", std::int64_t{0})) / 1e9;
      r.criteria.push_back(std::move(x));
    }
    r.notes = j.value("notes", std::vector<std::string>{});
    if (j.contains("verdict")) {
      const auto& v = j["verdict"];
      verdict x;
      // An unknown decision reads as NO-GO: never a false GO.
      x.decision = decision_from_string(v.at("decision").get<std::string>()).value_or(decision::no_go);
      x.reasons = v.value("reasons", std::vector<std::string>{});
      x.policy = v.value("policy", json::object());
      r.verdict = std::move(x);
    }
  } catch (const cutover::error&) {
    throw;
  } catch (const std::exception& e) {
    fail(std::string("malformed report: ") + e.what());
  }
  return r;
}

report read_report(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw config_error(file.string() + ": cannot read report");
  json j;
  try {
    j = json::parse(in);
  } catch (const json::parse_error& e) {
    std::string what = e.what();
    auto at = what.find("at line");
    throw config_error(file.string() + ": malformed JSON " + (at == std::string::npos ? what : what.substr(at)));
  }
  return from_json(j, file.string());
}

void write_atomic(const std::filesystem::path& file, std::string_view text) {
  auto clean = scrub(text);
  auto dir = file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  auto tmp = dir / ("." + file.filename().string() + ".tmp." + std::to_string(::getpid()));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw error(file.string() + ": cannot write: " + std::strerror(errno));
  std::size_t off = 0;
  while (off < clean.size()) {
    auto n = ::write(fd, clean.data() + off, clean.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw error(file.string() + ": write failed: " + std::strerror(errno));
    }
    off += static_cast<std::size_t>(n);
  }
  ::fsync(fd);
  ::close(fd);
  if (::rename(tmp.c_str(), file.c_str()) != 0) {
    ::unlink(tmp.c_str());
    throw error(file.string() + ": rename failed: " + std::strerror(errno));
  }
}

std::string now_rfc3339() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::time_point_cast<std::chrono::seconds>(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - secs).count();
  std::time_t t = std::chrono::system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03lldZ", buf, static_cast<long long>(ms));
  return out;
}

std::string new_run_id() {
  auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  std::random_device rd;
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "%06x", rd() & 0xffffff);
  return std::string(buf) + "-" + suffix;
}

}  // namespace cutover::report
