#include "report/sink.hpp"

#include <array>

#include "report/html.hpp"
#include "report/render.hpp"

namespace cutover::report {

std::string render_json(const report& r) { return to_json(r).dump(2) + "\n"; }

std::span<const sink<report>> sinks() {
  static constexpr std::array<sink<report>, 4> table{{
      {"json", "json", "report.json", render_json},
      {"md", "md", "report.md", render_markdown},
      {"junit", "xml", "junit.xml", render_junit},
      {"html", "html", "report.html", render_html},
  }};
  return table;
}

}  // namespace cutover::report
