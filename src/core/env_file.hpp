#pragma once
/// Reading an application's `.env` file (dotenv syntax).
#include <filesystem>
#include <map>
#include <string>

namespace cutover {

/// Variables of a .env file, in file order of first appearance.
using env_map = std::map<std::string, std::string, std::less<>>;

/// Parses dotenv text: `KEY=value`, optional `export `, `#` comments, single
/// quotes (literal), double quotes (with \n, \", \\ escapes), inline ` #`
/// comments after unquoted values. Throws config_error naming `origin:line`
/// for a line that is not an assignment.
env_map parse_env(std::string_view text, std::string_view origin = ".env");
/// Reads and parses a file; throws config_error when it cannot be read.
env_map read_env_file(const std::filesystem::path& file);

}  // namespace cutover
