#pragma once
/// Small checks on text people write into configs and reports.
#include <string_view>

namespace cutover {

/// Whether `s` holds at least one letter or digit (ASCII, or any non-ASCII
/// UTF-8 character that is not a space): a written reason, not blanks or dots.
bool has_words(std::string_view s) noexcept;

}  // namespace cutover
