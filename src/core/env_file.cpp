#include "core/env_file.hpp"

#include <cctype>

#include "core/error.hpp"
#include "core/json_read.hpp"

namespace cutover {
namespace {

std::string_view trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

bool valid_key(std::string_view k) {
  if (k.empty() || std::isdigit(static_cast<unsigned char>(k[0]))) return false;
  for (char c : k)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-')) return false;
  return true;
}

}  // namespace

env_map parse_env(std::string_view text, std::string_view origin) {
  env_map out;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  auto fail = [&](std::string_view why) {
    throw config_error(std::string(origin) + ":" + std::to_string(line_no) + ": " + std::string(why));
  };
  // Editors on Windows save a UTF-8 byte order mark first; it is not part of the first name.
  if (text.starts_with("\xEF\xBB\xBF")) pos = 3;
  while (pos <= text.size()) {
    auto nl = text.find('\n', pos);
    std::string_view raw = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++line_no;
    auto line = trim(raw);
    if (line.empty() || line[0] == '#') continue;
    if (line.starts_with("export ")) line = trim(line.substr(7));
    auto eq = line.find('=');
    if (eq == std::string_view::npos) fail("expected KEY=value");
    auto key = trim(line.substr(0, eq));
    if (!valid_key(key)) fail("invalid variable name '" + std::string(key) + "'");
    auto rest = trim(line.substr(eq + 1));
    std::string value;
    if (!rest.empty() && (rest[0] == '"' || rest[0] == '\'')) {
      char q = rest[0];
      std::size_t i = 1;
      bool closed = false;
      // A double-quoted value may span lines.
      std::string_view src = rest;
      std::size_t extra_pos = pos;
      for (;;) {
        for (; i < src.size(); ++i) {
          char c = src[i];
          if (c == q) { closed = true; break; }
          if (q == '"' && c == '\\' && i + 1 < src.size()) {
            char n = src[++i];
            value += n == 'n' ? '\n' : n == 't' ? '\t' : n == 'r' ? '\r' : n;
          } else {
            value += c;
          }
        }
        if (closed || q != '"' || extra_pos > text.size()) break;
        auto nl2 = text.find('\n', extra_pos);
        src = text.substr(extra_pos, nl2 == std::string_view::npos ? std::string_view::npos : nl2 - extra_pos);
        extra_pos = nl2 == std::string_view::npos ? text.size() + 1 : nl2 + 1;
        ++line_no;
        value += '\n';
        i = 0;
      }
      if (!closed) fail("unterminated quoted value for " + std::string(key));
      pos = std::max(pos, extra_pos);
      auto after = trim(src.substr(i + 1));
      if (!after.empty() && after[0] != '#') fail("unexpected text after quoted value for " + std::string(key));
    } else {
      auto hash = rest.find(" #");
      value = std::string(trim(rest.substr(0, hash)));
    }
    out.insert_or_assign(std::string(key), std::move(value));
  }
  return out;
}

env_map read_env_file(const std::filesystem::path& file) {
  return parse_env(read_text_file(file, max_input_file_bytes), file.string());
}

}  // namespace cutover
