// libFuzzer target: the go/no-go report reader and every sink that renders
// what it read (what `report render`, `validate --measurements` and `compare`
// do with a file a user hands them). A cutover::error is the clear one-line
// refusal and is fine; anything else escaping, a sanitizer report, a leak or
// a blown memory limit is a finding.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/error.hpp"
#include "report/html.hpp"
#include "report/render.hpp"
#include "report/report.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto r = cutover::report::parse_report(text, "fuzz.json");
    (void)cutover::report::render_markdown(r);
    (void)cutover::report::render_junit(r);
    (void)cutover::report::render_html(r);
    (void)cutover::report::to_json(r).dump(2);
  } catch (const cutover::error&) {
  }
  return 0;
}
