#include "core/secret.hpp"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <vector>

namespace cutover {
namespace {

struct registry {
  std::mutex mutex;
  std::vector<std::string> values;
};

registry& secrets() {
  static registry r;
  return r;
}

std::string percent_encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

void replace_all(std::string& text, std::string_view needle) {
  if (needle.empty()) return;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + redacted.size()))
    text.replace(pos, needle.size(), redacted);
}

}  // namespace

secret::secret(std::string value) : value_(std::move(value)) { register_secret(value_); }

/// A boolean, null or a number: no password, and scrubbing it would corrupt
/// the figures and the JSON of every report ("exact": true -> "exact": ***).
bool plain_value(std::string_view v) {
  std::string low(v);
  for (auto& c : low) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (std::string_view w : {"true", "false", "null", "none", "yes", "off"})
    if (low == w) return true;
  return v.find_first_not_of("0123456789.+-eE") == std::string_view::npos;
}

void register_secret(std::string_view value) {
  if (value.size() < 4 || plain_value(value)) return;
  auto& r = secrets();
  std::lock_guard lock(r.mutex);
  for (std::string v : {std::string(value), percent_encode(value)})
    if (std::find(r.values.begin(), r.values.end(), v) == r.values.end()) r.values.push_back(std::move(v));
  // Longest first, so a secret containing another is replaced whole.
  std::sort(r.values.begin(), r.values.end(), [](auto& a, auto& b) { return a.size() > b.size(); });
}

bool looks_secret(std::string_view name) noexcept {
  std::string up(name);
  for (auto& c : up) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (std::string_view w : {"PASSWORD", "PASSWD", "SECRET", "TOKEN", "KEY"})
    if (up.find(w) != std::string::npos) return true;
  if (up == "PWD" || up == "OLDPWD") return false;  // the shell's working directories
  for (std::size_t start = 0; start <= up.size();) {
    auto end = up.find_first_of("_-.", start);
    if (end == std::string::npos) end = up.size();
    std::string_view part(up.data() + start, end - start);
    for (std::string_view w : {"PASS", "PWD", "AUTH", "CREDENTIAL", "CREDENTIALS"})
      if (part == w) return true;
    start = end + 1;
  }
  return false;
}

void register_embedded_secrets(std::string_view value) {
  // scheme://user:password@host: the password (and the whole userinfo, for a
  // raw '@', '/' or '?' inside it), for every URL in the value.
  for (auto pos = value.find("://"); pos != std::string_view::npos; pos = value.find("://", pos + 3)) {
    auto start = pos + 3;
    auto stop = value.find_first_of(" \t\n\"'", start);
    auto url = value.substr(start, stop == std::string_view::npos ? std::string_view::npos : stop - start);
    auto at = url.rfind('@');
    if (at == std::string_view::npos) continue;
    auto userinfo = url.substr(0, at);
    if (auto colon = userinfo.find(':'); colon != std::string_view::npos) register_secret(userinfo.substr(colon + 1));
    if (userinfo.find_first_of("/?#") != std::string_view::npos) register_secret(userinfo);
  }
  // key=value pairs separated by spaces, '&', '?', ';' or ',' (libpq DSN,
  // URL query, connection strings); a quoted DSN value runs to its quote.
  for (std::size_t eq = value.find('='); eq != std::string_view::npos; eq = value.find('=', eq + 1)) {
    auto key_start = value.find_last_of(" \t&?;,", eq);
    key_start = key_start == std::string_view::npos ? 0 : key_start + 1;
    if (!looks_secret(value.substr(key_start, eq - key_start))) continue;
    auto v = eq + 1;
    while (v < value.size() && value[v] == ' ') ++v;
    std::size_t end;
    if (v < value.size() && value[v] == '\'') {
      ++v;
      end = value.find('\'', v);
    } else {
      end = value.find_first_of(" \t&;,#", v);
    }
    register_secret(value.substr(v, end == std::string_view::npos ? std::string_view::npos : end - v));
  }
}

void register_variable(std::string_view name, std::string_view value) {
  if (looks_secret(name)) register_secret(value);
  register_embedded_secrets(value);
}

std::string redact_userinfo(std::string_view url) {
  auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  auto start = scheme + 3;
  // The authority ends at the first '/', '?' or '#'; userinfo is up to its
  // last '@'. An '@' only after that end means a raw '/', '?' or '#' cut a
  // password short: then everything up to the last '@' goes.
  auto end = url.find_first_of("/?#", start);
  auto authority = url.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
  auto at = authority.rfind('@');
  std::size_t cut = at != std::string_view::npos ? start + at : url.rfind('@');
  if (cut == std::string_view::npos || cut < start) return std::string(url);
  return std::string(url.substr(0, start)) + std::string(redacted) + std::string(url.substr(cut));
}

std::string scrub(std::string_view text) {
  std::string out(text);
  auto& r = secrets();
  std::lock_guard lock(r.mutex);
  for (const auto& v : r.values) replace_all(out, v);
  return out;
}

}  // namespace cutover
