#pragma once
/// Reading JSON that a user or another program handed us: reports, Google
/// Benchmark files, configs. Hostile or careless input gives one-line
/// cutover::config_error messages naming the file, never a crash: nesting is
/// bounded before the document is built (a DOM nested 100,000 deep overflows
/// the stack when copied or printed), numbers are range-checked on use.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace cutover {

/// Deepest nesting of arrays and objects accepted (cutover's own files need < 10).
inline constexpr int max_json_depth = 64;

/// Parses `text`; throws config_error "<origin>: malformed JSON at line L, column C: ...",
/// "<origin>: JSON nested deeper than 64 levels" or "<origin>: number out of range".
nlohmann::json parse_json(std::string_view text, std::string_view origin);

/// Parses text from a server or a tool (an HTTP body, `pm2 jlist`, a line of
/// our own series): a discarded value when it is malformed or nested deeper
/// than max_json_depth, never an exception.
nlohmann::json parse_json_or_discarded(std::string_view text);

/// Largest config or .env file read (64 MiB): far above any real one.
inline constexpr std::size_t max_input_file_bytes = std::size_t{64} << 20;

/// Reads a whole file as text; throws config_error naming `file` when it is
/// missing, unreadable, a directory or larger than `max_bytes`.
std::string read_text_file(const std::filesystem::path& file, std::size_t max_bytes = std::size_t{1} << 30);

/// Reads and parses a JSON file (read_text_file() then parse_json()).
nlohmann::json read_json_file(const std::filesystem::path& file);

/// An integer that fits std::int64_t (a JSON integer, or a float with an integral
/// value in range); throws config_error "<what>: ..." otherwise (2^64-1 is not -1).
std::int64_t json_int64(const nlohmann::json& v, std::string_view what);

}  // namespace cutover
