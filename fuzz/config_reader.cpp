// libFuzzer target: the config reader (what `--config` and $CUTOVER_CONFIG
// hand every command), with ${VAR} expansion, URL parsing and the criteria
// settings check. A cutover::error is the clear one-line refusal and is
// fine; anything else escaping, a sanitizer report or a leak is a finding.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/config.hpp"
#include "core/error.hpp"
#include "criteria/criteria.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // env_file names a file to read (/dev/stdin would wait forever): the .env
  // parser has its own target, so inputs that name one are left out here.
  if (text.find("env_file") != std::string_view::npos) return 0;
  try {
    const auto c = cutover::parse_config(text, "fuzz.json");
    cutover::criteria::check_settings(c);
    (void)cutover::to_redacted_json(c).dump();
    for (const auto& t : c.targets) {
      if (t.postgres) (void)t.postgres->display();
      if (t.redis) (void)t.redis->display();
      if (t.http) (void)t.http->display();
    }
  } catch (const cutover::error&) {
  }
  return 0;
}
