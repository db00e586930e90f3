#include "core/secret.hpp"

#include <algorithm>
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

void register_secret(std::string_view value) {
  if (value.size() < 4) return;
  auto& r = secrets();
  std::lock_guard lock(r.mutex);
  for (std::string v : {std::string(value), percent_encode(value)})
    if (std::find(r.values.begin(), r.values.end(), v) == r.values.end()) r.values.push_back(std::move(v));
  // Longest first, so a secret containing another is replaced whole.
  std::sort(r.values.begin(), r.values.end(), [](auto& a, auto& b) { return a.size() > b.size(); });
}

bool looks_secret(std::string_view name) noexcept {
  for (std::string_view w : {"PASSWORD", "KEY", "SECRET", "TOKEN"})
    if (name.find(w) != std::string_view::npos) return true;
  return false;
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
