#pragma once
/// Duration parsing and clock text moved to core (core/duration.hpp); these
/// names remain for callers not yet switched to it.
#include "core/duration.hpp"

namespace cutover::monitor {

using cutover::clock_text;
using cutover::parse_duration;

}  // namespace cutover::monitor
