#include "report/report.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <random>
#include <sstream>

#include "core/error.hpp"
#include "core/json_read.hpp"
#include "core/named.hpp"
#include "core/secret.hpp"
#include "core/version.hpp"
#include "stats/histogram.hpp"

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
  json j{{"endpoint", f.endpoint}, {"resolved", f.resolved}, {"server_version", f.server_version},
         {"server_addr", f.server_addr}, {"client_addr", f.client_addr}, {"path", f.path}};
  if (!f.tls.empty()) j["tls"] = f.tls;
  return j;
}

path_fingerprint fingerprint_from(const json& j) {
  path_fingerprint f;
  f.endpoint = j.value("endpoint", "");
  f.resolved = j.value("resolved", "");
  f.server_version = j.value("server_version", "");
  f.server_addr = j.value("server_addr", "");
  f.client_addr = j.value("client_addr", "");
  f.path = j.value("path", "");
  f.tls = j.value("tls", "");
  return f;
}

// A config_error that already names the file.
struct origin_error : config_error {
  using config_error::config_error;
};

// One measurement, checked for what no recorder writes (negative or
// out-of-range durations, percentiles out of order, a histogram whose buckets
// do not add up to its count): criteria and compare must never read those.
template <class Fail>
measurement measurement_from(const json& m, std::size_t index, const Fail& fail) {
  measurement x;
  x.metric = m.at("metric").get<std::string>();
  x.target = m.at("target").get<std::string>();
  const auto where = "measurement " + std::to_string(index) + " (" + x.metric + " on " + x.target + "): ";
  try {
    x.workload = m.value("workload", json::object());
    x.fingerprint = fingerprint_from(m.value("fingerprint", json::object()));
    x.summary = stats::summary::from_json(m.at("summary"));
    x.histogram = m.value("histogram", json::object());
    if (!x.histogram.is_object() && !x.histogram.is_null()) throw error("histogram: expected an object");
    if (x.histogram.is_object() && !x.histogram.empty()) (void)stats::histogram::from_json(x.histogram);
    if (m.contains("samples_ns")) {
      const auto& samples = m["samples_ns"];
      if (!samples.is_array()) throw error("samples_ns: expected an array");
      if (static_cast<std::int64_t>(samples.size()) > x.summary.count)
        throw error("samples_ns: " + std::to_string(samples.size()) + " samples for count " +
                    std::to_string(x.summary.count));
      x.samples_ns.reserve(samples.size());
      for (const auto& v : samples) {
        const auto ns = json_int64(v, "samples_ns");
        if (ns < 0) throw error("samples_ns: negative latency " + std::to_string(ns));
        x.samples_ns.push_back(ns);
      }
    }
  } catch (const cutover::error& e) {
    fail(where + e.what());
  } catch (const json::exception& e) {
    fail(where + e.what());
  }
  return x;
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
  auto fail = [&](const std::string& why) { throw origin_error(std::string(origin) + ": " + why); };
  if (!j.is_object() || !j.contains("schema") || j["schema"] != "cutover/report")
    fail("not a cutover report (schema field missing)");
  if (!j.contains("schema_version") || j["schema_version"] != schema_version)
    fail("unsupported schema_version " + (j.contains("schema_version") ? j["schema_version"].dump() : std::string("(none)")));
  report r;
  try {
    r.kind = j.at("kind").get<std::string>();
    const auto& run = j.at("run");
    r.run = {run.value("id", ""), run.value("command", ""), run.value("stage", ""), run.value("profile", ""),
             run.value("host", ""), run.value("started_at", ""), run.value("finished_at", "")};
    r.targets = j.value("targets", json::array());
    const auto& ms = j.at("measurements");
    if (!ms.is_array()) fail("measurements: expected an array");
    r.measurements.reserve(ms.size());
    for (const auto& m : ms) r.measurements.push_back(measurement_from(m, r.measurements.size(), fail));
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
      x.duration_s = c.contains("duration_ns") ? static_cast<double>(json_int64(c["duration_ns"], "duration_ns")) / 1e9 : 0;
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
  } catch (const origin_error&) {
    throw;
  } catch (const cutover::error& e) {
    fail(e.what());
  } catch (const std::exception& e) {
    fail(std::string("malformed report: ") + e.what());
  }
  return r;
}

report parse_report(std::string_view text, std::string_view origin) { return from_json(parse_json(text, origin), origin); }

report read_report(const std::filesystem::path& file) { return parse_report(read_text_file(file), file.string()); }

namespace {

void write_all(int fd, std::string_view text, const std::string& name) {
  std::size_t off = 0;
  while (off < text.size()) {
    const auto n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw error(name + ": write failed: " + std::strerror(errno));
    }
    off += static_cast<std::size_t>(n);
  }
}

// A device or a pipe is written as it is: replacing /dev/null or a FIFO with a
// regular file (as root) is damage outside the output.
void write_through(const std::filesystem::path& path, std::string_view text, const std::string& name) {
  // O_NONBLOCK: a pipe nobody reads is an error now, not a hang.
  const int fd = ::open(path.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    throw error(name + ": cannot write: " + (errno == ENXIO ? std::string("a pipe with no reader") : std::strerror(errno)));
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  try {
    write_all(fd, text, name);
  } catch (...) {
    ::close(fd);
    throw;
  }
  if (::close(fd) != 0) throw error(name + ": write failed: " + std::strerror(errno));
}

// Temporary file beside `path`, then rename: readers see the old or the new
// file, never half of one. `replace`: path is a regular file now; otherwise it
// must still not exist when the new file is linked in (RENAME_NOREPLACE).
void replace_atomically(const std::filesystem::path& path, std::string_view text, const std::string& name, bool replace,
                        mode_t mode) {
  const auto dir = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  static std::atomic<unsigned> serial{0};
  const auto tmp = dir / ("." + path.filename().string() + ".tmp." + std::to_string(::getpid()) + "." +
                          std::to_string(serial++));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) throw error(name + ": cannot write: " + std::strerror(errno));
  auto fail = [&](const std::string& why) {
    ::unlink(tmp.c_str());
    throw error(name + ": " + why);
  };
  try {
    write_all(fd, text, name);
  } catch (const error&) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    fail(std::string("write failed: ") + std::strerror(err));
  }
  if (::close(fd) != 0) fail(std::string("write failed: ") + std::strerror(errno));
  if (replace) {
    // Checked again just before: the rename must land on a regular file.
    struct ::stat st{};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) fail("changed while being written; not replaced");
    if (::rename(tmp.c_str(), path.c_str()) != 0) fail(std::string("rename failed: ") + std::strerror(errno));
    return;
  }
  if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) == 0) return;
  if (errno == EEXIST) fail("appeared while being written; not replaced");
  // A filesystem without RENAME_NOREPLACE: link() also never replaces.
  if (::link(tmp.c_str(), path.c_str()) != 0) fail(std::string("cannot write: ") + std::strerror(errno));
  ::unlink(tmp.c_str());
}

}  // namespace

void write_atomic(const std::filesystem::path& file, std::string_view text) {
  const auto clean = scrub(text);
  const std::string name = file.string();
  std::filesystem::path path = file;
  struct ::stat st{};
  if (::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
    // The link stays; what it points to is written (by the rules below).
    std::error_code ec;
    path = std::filesystem::canonical(file, ec);
    if (ec) throw error(name + ": a symbolic link to nothing that exists; not replacing the link");
  }
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) throw error(name + ": cannot write: " + std::strerror(errno));
    replace_atomically(path, clean, name, false, 0644);
    return;
  }
  if (S_ISREG(st.st_mode)) return replace_atomically(path, clean, name, true, st.st_mode & 07777);
  if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) return write_through(path, clean, name);
  if (S_ISDIR(st.st_mode)) throw error(name + ": is a directory");
  throw error(name + ": neither a regular file, a device nor a pipe; not replacing it");
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
