#pragma once
/// Readings of the machine cutover runs on: memory (/proc/meminfo), disk
/// usage of one filesystem (statvfs) and load averages (/proc/loadavg).
#include <cstdint>
#include <filesystem>
#include <string_view>

namespace cutover {

/// One reading of the host.
struct host_reading {
  std::int64_t mem_total_bytes = 0;  ///< MemTotal
  std::int64_t mem_used_bytes = 0;   ///< MemTotal - MemAvailable
  double mem_used_pct = 0;           ///< mem_used_bytes / mem_total_bytes, in percent
  double disk_used_pct = 0;          ///< 1 - blocks available to users / blocks, in percent
  double load[3] = {0, 0, 0};        ///< 1, 5 and 15 minute load averages (0 when unreadable)
};

/// Reads memory, the usage of the filesystem holding `disk_path`, and load.
/// Throws cutover::error when memory or the filesystem cannot be read.
host_reading read_host(const std::filesystem::path& disk_path);

/// Memory figures from /proc/meminfo text (kB lines); throws cutover::error
/// when MemTotal or MemAvailable is missing.
host_reading parse_meminfo(std::string_view text);

/// Whether an nftables ruleset in its JSON form (`nft -j list ruleset`) has a
/// chain on the input hook: read from the structure, never from nft's text.
bool nft_has_input_hook(std::string_view ruleset_json);

/// Whether ufw's own configuration switches it on (`ENABLED=yes` in ufw.conf).
bool ufw_enabled(const std::filesystem::path& conf = "/etc/ufw/ufw.conf");

}  // namespace cutover
