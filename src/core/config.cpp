#include "core/config.hpp"

#include <boost/url/parse.hpp>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <fstream>
#include <set>
#include <sstream>

#include "core/error.hpp"
#include "core/text.hpp"
#include "core/process.hpp"
#include "core/json_read.hpp"

namespace cutover {
namespace {

using json = nlohmann::json;

/// Walks the JSON with the current place, so every error names it.
struct reader {
  std::string origin;
  const env_map* env = nullptr;

  [[noreturn]] void fail(std::string_view place, std::string_view why) const {
    throw config_error(origin + ": " + std::string(place) + ": " + std::string(why));
  }

  void only_keys(const json& j, std::string_view place, std::initializer_list<std::string_view> keys) const {
    if (!j.is_object()) fail(place, "expected an object");
    for (auto& [k, v] : j.items()) {
      bool known = false;
      for (auto key : keys) known = known || key == k;
      if (!known) fail(join(place, k), "unknown key");
    }
  }

  static std::string join(std::string_view place, std::string_view key) {
    return place.empty() ? std::string(key) : std::string(place) + "." + std::string(key);
  }

  /// ${VAR} and ${VAR:-default}, from the process environment, then the .env file.
  std::string expand(std::string_view s, std::string_view place) const {
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
      if (s[i] == '$' && i + 1 < s.size() && s[i + 1] == '{') {
        auto close = s.find('}', i + 2);
        if (close == std::string_view::npos) fail(place, "unterminated ${ in string");
        std::string_view expr = s.substr(i + 2, close - i - 2);
        std::optional<std::string_view> fallback;
        if (auto d = expr.find(":-"); d != std::string_view::npos) {
          fallback = expr.substr(d + 2);
          expr = expr.substr(0, d);
        }
        std::string name(expr);
        if (const char* v = std::getenv(name.c_str()); v && *v) {
          register_variable(name, v);
          out += v;
        } else if (env && env->contains(name) && !env->find(name)->second.empty()) {
          out += env->find(name)->second;
        } else if (fallback) {
          out += *fallback;
        } else {
          fail(place, "variable ${" + name + "} is not set");
        }
        i = close + 1;
      } else {
        out += s[i++];
      }
    }
    return out;
  }

  /// How an error shows a configured value: as written in the file, so a
  /// ${VAR} shows as the reference and never as its (possibly secret) value.
  static std::string shown(const json& j) {
    if (j.is_string()) return "'" + j.get<std::string>() + "'";
    return j.dump();
  }

  std::string str(const json& j, std::string_view place) const {
    if (!j.is_string()) fail(place, "expected a string");
    return expand(j.get<std::string>(), place);
  }

  /// The whole of `s` read by `parse` (std::stoll, std::stod), or nullopt.
  template <class T>
  static std::optional<T> whole(const std::string& s, T (*parse)(const std::string&, std::size_t*)) {
    try {
      std::size_t used = 0;
      T v = parse(s, &used);
      if (used != 0 && used == s.size()) return v;
    } catch (...) {
    }
    return std::nullopt;
  }

  long long integer(const json& j, std::string_view place, long long lo, long long hi) const {
    long long v = 0;
    if (j.is_number_integer()) {
      v = j.get<long long>();
    } else if (j.is_string()) {
      auto parsed = whole<long long>(str(j, place), [](const std::string& s, std::size_t* n) { return std::stoll(s, n); });
      if (!parsed) fail(place, "expected an integer, got " + shown(j));
      v = *parsed;
    } else {
      fail(place, "expected an integer");
    }
    if (v < lo || v > hi) fail(place, "out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return v;
  }

  /// A number from `lo` to `hi`: a JSON number, or a string holding one (${VAR}).
  double number(const json& j, std::string_view place, double lo, double hi, std::string_view expected) const {
    double v = 0;
    if (j.is_number()) {
      v = j.get<double>();
    } else if (j.is_string()) {
      auto parsed = whole<double>(str(j, place), [](const std::string& s, std::size_t* n) { return std::stod(s, n); });
      if (!parsed) fail(place, std::string(expected) + ", got " + shown(j));
      v = *parsed;
    } else {
      fail(place, expected);
    }
    if (!std::isfinite(v) || v < lo || v > hi) fail(place, expected);
    return v;
  }

  bool boolean(const json& j, std::string_view place) const {
    if (j.is_boolean()) return j.get<bool>();
    if (j.is_string()) {
      auto s = str(j, place);
      if (s == "true" || s == "1") return true;
      if (s == "false" || s == "0") return false;
    }
    fail(place, "expected true or false");
  }

  std::vector<std::string> strings(const json& j, std::string_view place) const {
    if (!j.is_array()) fail(place, "expected an array of strings");
    std::vector<std::string> out;
    for (std::size_t i = 0; i < j.size(); ++i) out.push_back(str(j[i], std::string(place) + "[" + std::to_string(i) + "]"));
    return out;
  }
};

/// A port number; `shown` is how an error names the value (never an expanded ${VAR}).
std::uint16_t to_port(std::string_view s, std::string_view place, const reader& r, std::string_view shown) {
  unsigned long v = 0;
  try {
    std::size_t used = 0;
    v = std::stoul(std::string(s), &used);
    if (used != s.size()) v = 0;
  } catch (...) {
    v = 0;
  }
  if (v == 0 || v > 65535) r.fail(place, "invalid port" + (shown.empty() ? std::string() : " " + std::string(shown)));
  return static_cast<std::uint16_t>(v);
}

/// Refuses a URL whose user or password holds a raw '@', '/', '?' or '#':
/// a parser would take part of the password for the host (or drop it), and
/// the message would show it. The error shows no part of the URL.
void check_userinfo(std::string_view url, std::string_view place) {
  auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return;
  auto rest = url.substr(scheme + 3);
  auto at = rest.rfind('@');
  if (at == std::string_view::npos) return;
  auto userinfo = rest.substr(0, at);
  if (userinfo.find_first_of("@/?#") == std::string_view::npos) return;
  // Whatever it is, keep it out of every later message.
  if (auto colon = userinfo.find(':'); colon != std::string_view::npos) register_secret(userinfo.substr(colon + 1));
  register_secret(userinfo);
  throw config_error(std::string(place) +
                     ": the user or password in the URL contains a raw '@', '/', '?' or '#'; percent-encode it "
                     "(@ as %40, / as %2F, ? as %3F, # as %23)");
}

bool valid_sslmode(std::string_view m) {
  for (auto v : {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"})
    if (m == v) return true;
  return false;
}

std::string sslmode_problem(std::string_view m) {
  return "invalid sslmode '" + std::string(m) + "' (disable, allow, prefer, require, verify-ca or verify-full)";
}

pg_endpoint read_pg(const json& j, std::string_view place, const reader& r) {
  if (j.is_string()) return parse_pg_url(r.str(j, place), std::string(r.origin) + ": " + std::string(place));
  r.only_keys(j, place, {"url", "host", "hostaddr", "port", "dbname", "user", "password", "sslmode", "sslrootcert", "sslcert",
                         "sslkey"});
  pg_endpoint e;
  if (j.contains("url")) e = parse_pg_url(r.str(j["url"], reader::join(place, "url")), r.origin + ": " + reader::join(place, "url"));
  if (j.contains("host")) e.host = r.str(j["host"], reader::join(place, "host"));
  if (j.contains("port")) e.port = static_cast<std::uint16_t>(r.integer(j["port"], reader::join(place, "port"), 1, 65535));
  if (j.contains("dbname")) e.dbname = r.str(j["dbname"], reader::join(place, "dbname"));
  if (j.contains("user")) e.user = r.str(j["user"], reader::join(place, "user"));
  if (j.contains("password")) e.password = secret(r.str(j["password"], reader::join(place, "password")));
  if (j.contains("sslmode")) e.sslmode = r.str(j["sslmode"], reader::join(place, "sslmode"));
  if (j.contains("hostaddr")) e.hostaddr = r.str(j["hostaddr"], reader::join(place, "hostaddr"));
  if (j.contains("sslrootcert")) e.sslrootcert = r.str(j["sslrootcert"], reader::join(place, "sslrootcert"));
  if (j.contains("sslcert")) e.sslcert = r.str(j["sslcert"], reader::join(place, "sslcert"));
  if (j.contains("sslkey")) e.sslkey = r.str(j["sslkey"], reader::join(place, "sslkey"));
  if (!valid_sslmode(e.sslmode)) r.fail(reader::join(place, "sslmode"), sslmode_problem(e.sslmode));
  if (e.host.empty()) r.fail(place, "host is empty");
  return e;
}

redis_endpoint read_redis(const json& j, std::string_view place, const reader& r) {
  if (j.is_string()) return parse_redis_url(r.str(j, place), r.origin + ": " + std::string(place));
  r.only_keys(j, place, {"url", "host", "port", "user", "password", "db"});
  redis_endpoint e;
  if (j.contains("url")) e = parse_redis_url(r.str(j["url"], reader::join(place, "url")), r.origin + ": " + reader::join(place, "url"));
  if (j.contains("host")) e.host = r.str(j["host"], reader::join(place, "host"));
  if (j.contains("port")) e.port = static_cast<std::uint16_t>(r.integer(j["port"], reader::join(place, "port"), 1, 65535));
  if (j.contains("user")) e.user = r.str(j["user"], reader::join(place, "user"));
  if (j.contains("password")) e.password = secret(r.str(j["password"], reader::join(place, "password")));
  if (j.contains("db")) e.db = static_cast<int>(r.integer(j["db"], reader::join(place, "db"), 0, 15));
  if (e.host.empty()) r.fail(place, "host is empty");
  return e;
}

socks5_endpoint read_socks5(const json& j, std::string_view place, const reader& r) {
  socks5_endpoint e;
  if (j.is_string()) {
    auto s = r.str(j, place);
    auto u = boost::urls::parse_uri(s);
    if (!u || u->scheme() != "socks5" || u->host().empty()) r.fail(place, "expected socks5://host:port");
    e.host = std::string(u->host_address());
    if (u->has_port()) e.port = to_port(u->port(), place, r, "");
    return e;
  }
  r.only_keys(j, place, {"host", "port"});
  if (j.contains("host")) e.host = r.str(j["host"], reader::join(place, "host"));
  if (j.contains("port")) e.port = static_cast<std::uint16_t>(r.integer(j["port"], reader::join(place, "port"), 1, 65535));
  if (e.host.empty()) r.fail(place, "host is empty");
  return e;
}

target read_target(const std::string& name, const json& j, std::string_view place, const reader& r) {
  r.only_keys(j, place, {"path", "postgres", "redis", "http", "socks5"});
  target t;
  t.name = name;
  t.path = j.contains("path") ? r.str(j["path"], reader::join(place, "path")) : name;
  if (j.contains("postgres")) t.postgres = read_pg(j["postgres"], reader::join(place, "postgres"), r);
  if (j.contains("redis")) t.redis = read_redis(j["redis"], reader::join(place, "redis"), r);
  if (j.contains("http")) {
    // Checked here, before anything is measured, by the rules the HTTP
    // client applies; the message never shows the URL (it may carry a password).
    auto hplace = reader::join(place, "http");
    auto url = r.str(j["http"], hplace);
    register_embedded_secrets(url);  // ?token=... and the like stay out of every output
    check_userinfo(url, r.origin + ": " + hplace);
    auto u = boost::urls::parse_uri(url);
    if (!u) r.fail(hplace, "invalid URL");
    if (u->has_userinfo()) {
      if (u->has_password()) register_secret(u->password());
      r.fail(hplace, "the API URL must not carry credentials (user:password@)");
    }
    if (u->scheme() != "http") r.fail(hplace, "expected an http:// URL (the app's API; https is not supported)");
    if (u->host().empty()) r.fail(hplace, "the URL has no host");
    t.http = http_endpoint{url};
  }
  if (j.contains("socks5")) t.socks5 = read_socks5(j["socks5"], reader::join(place, "socks5"), r);
  return t;
}

/// One criterion's settings; `place` is `criteria."ID"`. Each key has one
/// type, checked (and ${VAR}-expanded) here; which keys the criterion reads
/// is checked against its definition by criteria::check_settings.
criterion_settings read_criterion(const json& v, const std::string& place, const reader& r) {
  r.only_keys(v, place, {"threshold", "waive", "enabled", "severity", "target", "max_error_ratio", "max_ms",
                         "max_disk_pct", "path", "command", "note", "recheck_ms"});
  auto at = [&](std::string_view key) { return reader::join(place, key); };
  constexpr double any = std::numeric_limits<double>::max();
  criterion_settings s;
  for (const auto& [k, _] : v.items()) s.keys.push_back(k);
  if (v.contains("threshold")) s.threshold = r.number(v["threshold"], at("threshold"), -any, any, "expected a number");
  if (v.contains("waive")) {
    s.waive = r.str(v["waive"], at("waive"));
    if (!has_words(s.waive)) r.fail(at("waive"), "a waiver needs a written reason");
  }
  if (v.contains("enabled")) s.enabled = r.boolean(v["enabled"], at("enabled"));
  if (v.contains("severity")) s.severity = r.str(v["severity"], at("severity"));
  if (v.contains("target")) s.target = r.str(v["target"], at("target"));
  if (v.contains("path")) s.path = r.str(v["path"], at("path"));
  if (v.contains("note")) s.note = r.str(v["note"], at("note"));
  if (v.contains("max_error_ratio"))
    s.max_error_ratio = r.number(v["max_error_ratio"], at("max_error_ratio"), 0, 1, "expected a number from 0 to 1");
  if (v.contains("max_ms")) s.max_ms = r.number(v["max_ms"], at("max_ms"), 0, any, "expected milliseconds, a number >= 0");
  if (v.contains("max_disk_pct"))
    s.max_disk_pct = r.number(v["max_disk_pct"], at("max_disk_pct"), 0, 100, "expected a percent from 0 to 100");
  if (v.contains("recheck_ms"))
    s.recheck = std::chrono::milliseconds(r.integer(v["recheck_ms"], at("recheck_ms"), 0, 86400000));
  // A command is an argument vector, run without a shell: "pm2 jlist" is
  // split at spaces, ["/opt/my pm2", "jlist"] is taken as it is.
  if (v.contains("command")) {
    s.command = v["command"].is_string() ? split_command(r.str(v["command"], at("command")))
                                         : r.strings(v["command"], at("command"));
    if (s.command.empty() || s.command[0].empty())
      r.fail(at("command"), "expected a command: \"program arg ...\" or [\"program\", \"arg\", ...]");
  }
  return s;
}

app_settings read_app(const json& j, const reader& r) {
  r.only_keys(j, "app", {"target", "webhook_path", "health_paths", "reply_listen", "queue", "phone_prefix", "pm2_home",
                         "pm2_command", "services", "max_restarts", "messages", "concurrency", "reply_timeout_ms",
                         "drain_ms", "ai_window_ms", "reply_mode", "passive_jobs"});
  app_settings a;
  auto ms = [&](const char* key, long long lo, long long hi) {
    return std::chrono::milliseconds(r.integer(j[key], std::string("app.") + key, lo, hi));
  };
  if (j.contains("target")) a.target = r.str(j["target"], "app.target");
  if (j.contains("webhook_path")) a.webhook_path = r.str(j["webhook_path"], "app.webhook_path");
  if (j.contains("health_paths")) a.health_paths = r.strings(j["health_paths"], "app.health_paths");
  if (j.contains("reply_listen")) {
    // The listener takes replies from the app: it never listens beyond loopback.
    auto s = r.str(j["reply_listen"], "app.reply_listen");
    auto colon = s.rfind(':');
    if (colon == std::string::npos) r.fail("app.reply_listen", "expected 127.0.0.1:PORT");
    a.reply_host = s.substr(0, colon);
    if (a.reply_host != "127.0.0.1" && a.reply_host != "localhost")
      r.fail("app.reply_listen", "the reply listener binds loopback only (127.0.0.1), got " + reader::shown(j["reply_listen"]));
    a.reply_host = "127.0.0.1";
    a.reply_port = to_port(s.substr(colon + 1), "app.reply_listen", r, reader::shown(j["reply_listen"]));
  }
  if (j.contains("queue")) a.queue = r.str(j["queue"], "app.queue");
  if (j.contains("phone_prefix")) {
    a.phone_prefix = r.str(j["phone_prefix"], "app.phone_prefix");
    if (a.phone_prefix.empty() || a.phone_prefix.size() > 16 ||
        a.phone_prefix.find_first_not_of("0123456789") != std::string::npos)
      r.fail("app.phone_prefix", "expected 1-16 digits");
  }
  if (j.contains("pm2_home")) a.pm2_home = r.str(j["pm2_home"], "app.pm2_home");
  if (j.contains("pm2_command")) a.pm2_command = r.str(j["pm2_command"], "app.pm2_command");
  if (j.contains("services")) a.services = r.strings(j["services"], "app.services");
  if (j.contains("max_restarts")) a.max_restarts = static_cast<int>(r.integer(j["max_restarts"], "app.max_restarts", 0, 1000000));
  if (j.contains("messages")) a.messages = static_cast<int>(r.integer(j["messages"], "app.messages", 1, 100000));
  if (j.contains("concurrency")) a.concurrency = static_cast<int>(r.integer(j["concurrency"], "app.concurrency", 1, 256));
  if (j.contains("reply_timeout_ms")) a.reply_timeout = ms("reply_timeout_ms", 1, 600000);
  if (j.contains("drain_ms")) a.drain = ms("drain_ms", 0, 60000);
  if (j.contains("reply_mode")) {
    a.reply_mode = r.str(j["reply_mode"], "app.reply_mode");
    if (a.reply_mode != "listener" && a.reply_mode != "job" && a.reply_mode != "passive")
      r.fail("app.reply_mode", "expected \"listener\", \"job\" or \"passive\", got '" + a.reply_mode + "'");
  }
  if (j.contains("passive_jobs")) a.passive_jobs = static_cast<int>(r.integer(j["passive_jobs"], "app.passive_jobs", 1, 100000));
  if (j.contains("ai_window_ms")) {
    const auto& w = j["ai_window_ms"];
    if (!w.is_array() || w.size() != 2) r.fail("app.ai_window_ms", "expected [min, max] in milliseconds");
    a.ai_min = std::chrono::milliseconds(r.integer(w[0], "app.ai_window_ms[0]", 0, 3600000));
    a.ai_max = std::chrono::milliseconds(r.integer(w[1], "app.ai_window_ms[1]", 0, 3600000));
    if (a.ai_min > a.ai_max) r.fail("app.ai_window_ms", "min is above max");
  }
  return a;
}

std::string conninfo_quote(std::string_view v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

}  // namespace

pg_endpoint parse_pg_url(std::string_view url, std::string_view place) {
  auto fail = [&](std::string_view why) { throw config_error(std::string(place) + ": " + std::string(why)); };
  check_userinfo(url, place);
  auto u = boost::urls::parse_uri(url);
  if (!u) fail("invalid PostgreSQL URL");
  if (u->scheme() != "postgresql" && u->scheme() != "postgres") fail("expected a postgresql:// URL");
  pg_endpoint e;
  if (u->host().empty()) fail("the URL has no host");
  e.host = std::string(u->host_address());
  if (u->has_port()) {
    reader r{std::string(place), nullptr};
    e.port = to_port(u->port(), "port", r, "");
  }
  if (u->has_userinfo()) {
    e.user = u->user();
    if (u->has_password()) e.password = secret(u->password());
  }
  std::string path = u->path();
  if (path.size() > 1) e.dbname = path.substr(1);
  for (auto p : u->params()) {
    if (p.key == "sslmode") e.sslmode = p.value;
    else if (p.key == "sslrootcert") e.sslrootcert = p.value;
    else if (p.key == "hostaddr") e.hostaddr = p.value;
    else if (p.key == "sslcert") e.sslcert = p.value;
    else if (p.key == "sslkey") e.sslkey = p.value;
    else if (p.key != "connect_timeout" && p.key != "application_name") fail("unsupported URL parameter '" + std::string(p.key) + "'");
  }
  if (!valid_sslmode(e.sslmode)) fail(sslmode_problem(e.sslmode));
  return e;
}

redis_endpoint parse_redis_url(std::string_view url, std::string_view place) {
  auto fail = [&](std::string_view why) { throw config_error(std::string(place) + ": " + std::string(why)); };
  check_userinfo(url, place);
  auto u = boost::urls::parse_uri(url);
  if (!u) fail("invalid Redis URL");
  if (u->scheme() != "redis") fail("expected a redis:// URL");
  redis_endpoint e;
  if (u->host().empty()) fail("the URL has no host");
  e.host = std::string(u->host_address());
  if (u->has_port()) {
    reader r{std::string(place), nullptr};
    e.port = to_port(u->port(), "port", r, "");
  }
  if (u->has_userinfo()) {
    e.user = u->user();
    if (u->has_password()) e.password = secret(u->password());
  }
  std::string path = u->path();
  if (path.size() > 1) {
    auto digits = path.substr(1);
    if (digits.size() > 2 || digits.find_first_not_of("0123456789") != std::string::npos || std::stoi(digits) > 15)
      fail("invalid database number in the URL path (expected /0 to /15)");
    e.db = std::stoi(digits);
  }
  if (u->has_query() || u->has_fragment()) fail("unexpected ?query or #fragment in a Redis URL");
  return e;
}

std::string pg_endpoint::conninfo(std::chrono::milliseconds connect_timeout) const {
  // libpq's connect_timeout is whole seconds, minimum 2 (it treats 1 as 2).
  auto secs = std::max<long long>(2, (connect_timeout.count() + 999) / 1000);
  std::string s = "host=" + conninfo_quote(host) + " port=" + std::to_string(port) + " dbname=" + conninfo_quote(dbname) +
                  " user=" + conninfo_quote(user) + " sslmode=" + conninfo_quote(sslmode) +
                  " connect_timeout=" + std::to_string(secs) + " application_name='cutover'";
  if (!hostaddr.empty()) s += " hostaddr=" + conninfo_quote(hostaddr);
  if (!sslrootcert.empty()) s += " sslrootcert=" + conninfo_quote(sslrootcert);
  if (!sslcert.empty()) s += " sslcert=" + conninfo_quote(sslcert);
  if (!sslkey.empty()) s += " sslkey=" + conninfo_quote(sslkey);
  if (!password.empty()) s += " password=" + conninfo_quote(password.reveal());
  return s;
}

std::string pg_endpoint::display() const {
  std::string hostpart = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return "postgresql://" + user + (password.empty() ? "" : ":***") + "@" + hostpart + ":" + std::to_string(port) + "/" + dbname;
}

std::string redis_endpoint::display() const {
  std::string auth = user.empty() && password.empty() ? "" : user + (password.empty() ? "" : ":***") + "@";
  return "redis://" + auth + host + ":" + std::to_string(port) + (db ? "/" + std::to_string(db) : "");
}

std::string socks5_endpoint::display() const { return "socks5://" + host + ":" + std::to_string(port); }

const target* config::find(std::string_view name) const {
  for (const auto& t : targets)
    if (t.name == name) return &t;
  return nullptr;
}

config parse_config(std::string_view text, std::string_view origin, const std::filesystem::path& base_dir) {
  reader r{std::string(origin), nullptr};
  // Bounded depth, one-line messages naming the origin (malformed, 1e400).
  json j = parse_json(text, origin);
  r.only_keys(j, "", {"$schema", "version", "profile", "env_file", "targets", "timeouts", "sampling", "expect", "app", "criteria"});
  config c;
  c.file = std::string(origin);
  if (j.contains("version") && r.integer(j["version"], "version", 1, 1) != 1) r.fail("version", "unsupported");
  if (j.contains("env_file")) {
    std::filesystem::path p = r.str(j["env_file"], "env_file");
    if (p.empty()) r.fail("env_file", "is empty (leave the key out when there is no .env)");
    if (p.is_relative()) p = base_dir / p;
    c.env_file = p;
    c.env = read_env_file(p);
    // Values that look secret must never be printed.
    for (auto& [k, v] : c.env) register_variable(k, v);
    r.env = &c.env;
  }
  // After the .env, so ${VAR} from it works here as everywhere else.
  if (j.contains("profile")) c.profile = r.str(j["profile"], "profile");
  if (!j.contains("targets")) r.fail("targets", "missing (at least one target is required)");
  if (!j["targets"].is_object() || j["targets"].empty()) r.fail("targets", "expected a non-empty object of named targets");
  for (auto& [name, t] : j["targets"].items()) c.targets.push_back(read_target(name, t, "targets." + name, r));

  if (j.contains("timeouts")) {
    auto& t = j["timeouts"];
    r.only_keys(t, "timeouts", {"connect_ms", "statement_ms", "command_ms", "run_s"});
    if (t.contains("connect_ms")) c.timeouts.connect = std::chrono::milliseconds(r.integer(t["connect_ms"], "timeouts.connect_ms", 1, 600000));
    if (t.contains("statement_ms")) c.timeouts.statement = std::chrono::milliseconds(r.integer(t["statement_ms"], "timeouts.statement_ms", 1, 3600000));
    if (t.contains("command_ms")) c.timeouts.command = std::chrono::milliseconds(r.integer(t["command_ms"], "timeouts.command_ms", 1, 600000));
    if (t.contains("run_s")) c.timeouts.run = std::chrono::seconds(r.integer(t["run_s"], "timeouts.run_s", 1, 86400 * 30));
  }
  if (j.contains("sampling")) {
    auto& s = j["sampling"];
    r.only_keys(s, "sampling", {"warmup", "samples", "workload_samples", "connect_samples", "interval_us", "paired", "block", "block_warmup", "give_up_after", "cpu_awake", "cpus"});
    if (s.contains("warmup")) c.sampling.warmup = static_cast<int>(r.integer(s["warmup"], "sampling.warmup", 0, 1000000));
    if (s.contains("samples")) c.sampling.samples = static_cast<int>(r.integer(s["samples"], "sampling.samples", 1, 100000000));
    if (s.contains("workload_samples")) c.sampling.workload_samples = static_cast<int>(r.integer(s["workload_samples"], "sampling.workload_samples", 1, 100000000));
    if (s.contains("give_up_after")) c.sampling.give_up_after = static_cast<int>(r.integer(s["give_up_after"], "sampling.give_up_after", 0, 1000000));
    if (s.contains("connect_samples")) c.sampling.connect_samples = static_cast<int>(r.integer(s["connect_samples"], "sampling.connect_samples", 1, 1000000));
    if (s.contains("interval_us")) c.sampling.interval = std::chrono::microseconds(r.integer(s["interval_us"], "sampling.interval_us", 0, 60000000));
    if (s.contains("paired")) c.sampling.paired = r.boolean(s["paired"], "sampling.paired");
    if (s.contains("block")) c.sampling.block = static_cast<int>(r.integer(s["block"], "sampling.block", 1, 1000000));
    if (s.contains("block_warmup")) c.sampling.block_warmup = static_cast<int>(r.integer(s["block_warmup"], "sampling.block_warmup", 0, 1000000));
    if (s.contains("cpu_awake")) c.sampling.cpu_awake = r.boolean(s["cpu_awake"], "sampling.cpu_awake");
    if (s.contains("cpus")) {
      const auto& l = s["cpus"];
      if (!l.is_array() || l.size() > 1024) r.fail("sampling.cpus", "expected an array of CPU numbers, e.g. [0, 1]");
      for (std::size_t i = 0; i < l.size(); ++i)
        c.sampling.cpus.push_back(static_cast<int>(r.integer(l[i], "sampling.cpus[" + std::to_string(i) + "]", 0, 4095)));
    }
  }
  if (j.contains("expect")) {
    auto& e = j["expect"];
    r.only_keys(e, "expect", {"company_id", "whatsapp_keys", "key_types", "env_required", "socks5_probe", "private_host", "tables"});
    if (e.contains("company_id")) c.expect.company_id = r.str(e["company_id"], "expect.company_id");
    if (e.contains("whatsapp_keys")) c.expect.whatsapp_keys = static_cast<int>(r.integer(e["whatsapp_keys"], "expect.whatsapp_keys", 0, 100000000));
    if (e.contains("key_types")) c.expect.key_types = r.strings(e["key_types"], "expect.key_types");
    if (e.contains("env_required")) c.expect.env_required = r.strings(e["env_required"], "expect.env_required");
    if (e.contains("socks5_probe")) c.expect.socks5_probe = r.str(e["socks5_probe"], "expect.socks5_probe");
    if (e.contains("private_host")) c.expect.private_host = r.str(e["private_host"], "expect.private_host");
    if (e.contains("tables")) c.expect.tables = r.strings(e["tables"], "expect.tables");
  }
  if (j.contains("app")) c.app = read_app(j["app"], r);
  if (j.contains("criteria")) {
    if (!j["criteria"].is_object()) r.fail("criteria", "expected an object keyed by criterion id");
    for (auto& [id, v] : j["criteria"].items()) c.criteria[id] = read_criterion(v, "criteria.\"" + id + "\"", r);
  }
  return c;
}

config load_config(const std::filesystem::path& file) {
  auto text = read_text_file(file, max_input_file_bytes);
  auto c = parse_config(text, file.string(), file.parent_path().empty() ? "." : file.parent_path());
  c.file = file;
  return c;
}

std::filesystem::path lab_dir(const std::filesystem::path& repo_dir) {
  if (const char* d = std::getenv("CUTOVER_LAB_DIR"); d && *d) return d;
  return repo_dir / ".lab";
}

std::filesystem::path test_config_path(const std::filesystem::path& repo_dir) {
  if (const char* c = std::getenv("CUTOVER_CONFIG"); c && *c) return c;
  return lab_dir(repo_dir) / "cutover.json";
}

json to_redacted_json(const target& t) {
  json j{{"name", t.name}, {"path", t.path}};
  if (t.postgres) j["postgres"] = t.postgres->display();
  if (t.redis) j["redis"] = t.redis->display();
  if (t.http) j["http"] = t.http->display();
  if (t.socks5) j["socks5"] = t.socks5->display();
  return j;
}

json to_redacted_json(const config& c) {
  json targets = json::array();
  for (const auto& t : c.targets) targets.push_back(to_redacted_json(t));
  return json{{"profile", c.profile}, {"targets", targets}};
}

}  // namespace cutover
