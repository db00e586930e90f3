#pragma once
/// Durations as people write them ("100ms", "60s", "48h": command lines,
/// configs) and as clock text ("00:02:13.1").
#include <chrono>
#include <string>
#include <string_view>

namespace cutover {

/// Parses a positive duration: a number (decimals allowed) followed by one
/// unit of ns, us, ms, s, m, h or d ("100ms", "1.5s", "48h"). Throws
/// cutover::usage_error naming `what` for anything else (no unit, zero, negative).
std::chrono::nanoseconds parse_duration(std::string_view text, std::string_view what = "duration");

/// "HH:MM:SS" (hours grow past 99), or "HH:MM:SS.s" with `tenths`.
std::string clock_text(std::chrono::nanoseconds d, bool tenths = false);

}  // namespace cutover
