#pragma once
/// Which config the lab benchmarks read: $CUTOVER_CONFIG, else the lab's
/// generated one ($CUTOVER_LAB_DIR/cutover.json, default <repo>/.lab/cutover.json).
#include <cstdlib>
#include <filesystem>
#include <string>

#include "core/config.hpp"
#include "core/error.hpp"

#ifndef CUTOVER_SOURCE_DIR
#error "CUTOVER_SOURCE_DIR must name the repository (a compile definition)"
#endif

namespace cutover::bench {

/// The config file to use; throws cutover::usage_error when there is none.
inline std::filesystem::path config_path() {
  auto file = test_config_path(CUTOVER_SOURCE_DIR);
  if (std::filesystem::exists(file)) return file;
  throw usage_error("no config: set CUTOVER_CONFIG, or start the lab (fixtures/lab/lab up); " + file.string() +
                    " does not exist");
}

}  // namespace cutover::bench
