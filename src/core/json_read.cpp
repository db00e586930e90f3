#include "core/json_read.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>

#include "core/error.hpp"

namespace cutover {
namespace {

// The deepest nesting of `text`, stopping as soon as it passes `limit`: one
// pass over the bytes, strings skipped, so a hostile file costs O(n) and no stack.
bool deeper_than(std::string_view text, int limit) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

}  // namespace

nlohmann::json parse_json(std::string_view text, std::string_view origin) {
  const std::string where(origin);
  if (deeper_than(text, max_json_depth))
    throw config_error(where + ": JSON nested deeper than " + std::to_string(max_json_depth) + " levels");
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    std::string what = e.what();
    auto at = what.find("at line");
    throw config_error(where + ": malformed JSON " + (at == std::string::npos ? what : what.substr(at)));
  } catch (const nlohmann::json::out_of_range&) {
    // 1e400 and the like: nlohmann reports a number it cannot hold this way.
    throw config_error(where + ": malformed JSON: a number is out of range");
  } catch (const nlohmann::json::exception&) {
    throw config_error(where + ": malformed JSON");
  }
}

nlohmann::json parse_json_or_discarded(std::string_view text) {
  if (deeper_than(text, max_json_depth)) return nlohmann::json(nlohmann::json::value_t::discarded);
  return nlohmann::json::parse(text, nullptr, false);
}

std::string read_text_file(const std::filesystem::path& file, std::size_t max_bytes) {
  const std::string name = file.string();
  struct ::stat st{};
  if (::stat(file.c_str(), &st) != 0) throw config_error(name + ": cannot read: " + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) throw config_error(name + ": is a directory, not a file");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw config_error(name + ": cannot read: " + std::strerror(errno));
  std::string text;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_bytes)
      throw config_error(name + ": larger than " + std::to_string(max_bytes >> 20) + " MiB; refusing to read it");
  }
  if (in.bad()) throw config_error(name + ": read failed");
  return text;
}

nlohmann::json read_json_file(const std::filesystem::path& file) { return parse_json(read_text_file(file), file.string()); }

std::int64_t json_int64(const nlohmann::json& v, std::string_view what) {
  const auto fail = [&](const char* why) -> std::int64_t { throw config_error(std::string(what) + ": " + why); };
  if (v.is_number_integer() && !v.is_number_unsigned()) return v.get<std::int64_t>();
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return fail("integer out of range");
    return static_cast<std::int64_t>(u);
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    // 2^63 is the first double that does not fit; the bounds are exact doubles.
    if (!std::isfinite(d) || d != std::floor(d) || d < -9223372036854775808.0 || d >= 9223372036854775808.0)
      return fail("not an integer in range");
    return static_cast<std::int64_t>(d);
  }
  return fail("not an integer");
}

}  // namespace cutover
