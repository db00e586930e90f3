// libFuzzer target: the .env reader (dotenv syntax: quotes, escapes,
// multi-line values, `export`, comments, a byte order mark). A
// cutover::error is the clear one-line refusal and is fine; anything else
// escaping, a sanitizer report or a leak is a finding.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/env_file.hpp"
#include "core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    (void)cutover::parse_env(text, "fuzz.env");
  } catch (const cutover::error&) {
  }
  return 0;
}
