#pragma once
/// Report sinks as a table, the way google/benchmark's runner drives its
/// reporters: every rendering of one kind of document (the go/no-go report, a
/// comparison, a monitor report) is one row {name, extension, file, render},
/// and the commands (`report render`, `gate`, `compare`, `monitor`) drive the
/// table instead of choosing renderings by hand. A failed run is data every
/// sink renders, never an exception.
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "report/report.hpp"

namespace cutover::report {

/// One rendering of a document of type Doc.
template <class Doc>
struct sink {
  std::string_view name;       ///< what `--format` takes: "md", "junit", "json", "html"
  std::string_view extension;  ///< file extension without the dot ("md", "xml", ...)
  std::string_view file;       ///< file name in a command's output folder ("report.md", "junit.xml"); empty: none
  std::string (*render)(const Doc&);  ///< the whole file's text
};

/// The row named `name`; throws cutover::usage_error listing the names otherwise.
template <class Doc>
const sink<Doc>& find_sink(std::span<const sink<Doc>> table, std::string_view name) {
  std::string names;
  for (const auto& s : table) {
    if (s.name == name) return s;
    names += (names.empty() ? "" : ", ") + std::string(s.name);
  }
  throw usage_error("--format: unknown format '" + std::string(name) + "' (" + names + ")");
}

/// Writes `doc` through every row that names a file, into `dir` (atomically,
/// secrets scrubbed); returns the files written, in table order.
template <class Doc>
std::vector<std::filesystem::path> write_sinks(const Doc& doc, std::span<const sink<Doc>> table,
                                               const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> written;
  for (const auto& s : table) {
    if (s.file.empty()) continue;
    written.push_back(dir / s.file);
    write_atomic(written.back(), s.render(doc));
  }
  return written;
}

/// The JSON contract as text (2-space indent, final newline).
std::string render_json(const report& r);

/// The go/no-go report's sinks: json (report.json), md (report.md), junit
/// (junit.xml), html (report.html).
std::span<const sink<report>> sinks();

}  // namespace cutover::report
