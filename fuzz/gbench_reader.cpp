// libFuzzer target: compare's input reader (Google Benchmark --benchmark_out
// files, and cutover reports through the same door), then a comparison of
// the input with itself and its renderings. A cutover::error is the clear
// one-line refusal and is fine; anything else is a finding.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "compare/comparison.hpp"
#include "compare/render.hpp"
#include "core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto in = cutover::compare::parse_input(text, "fuzz.json");
    cutover::compare::options opts;
    opts.resamples = 100;  // the statistics are not under test; the reader is
    const auto c = cutover::compare::compare_inputs(in, in, opts);
    (void)cutover::compare::render_markdown(c);
    (void)cutover::compare::render_html(c);
    (void)cutover::compare::to_json(c).dump(2);
  } catch (const cutover::error&) {
  }
  return 0;
}
