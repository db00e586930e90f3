#include "core/host.hpp"

#include <sys/statvfs.h>

#include <fstream>
#include <sstream>
#include <string>

#include "core/error.hpp"
#include "core/json_read.hpp"

namespace cutover {

host_reading parse_meminfo(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::string line;
  long long total = -1;
  long long available = -1;
  // Line by line: some lines ("HugePages_Total:   0") have no unit.
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string key;
    long long kb = -1;
    if (!(ls >> key >> kb)) continue;
    if (key == "MemTotal:") total = kb;
    if (key == "MemAvailable:") available = kb;
  }
  if (total <= 0 || available < 0 || available > total) throw error("cannot read /proc/meminfo (MemTotal, MemAvailable)");
  host_reading h;
  h.mem_total_bytes = total * 1024;
  h.mem_used_bytes = (total - available) * 1024;
  h.mem_used_pct = 100.0 * static_cast<double>(total - available) / static_cast<double>(total);
  return h;
}

host_reading read_host(const std::filesystem::path& disk_path) {
  std::ifstream mem("/proc/meminfo");
  std::ostringstream text;
  text << mem.rdbuf();
  auto h = parse_meminfo(text.str());
  struct statvfs v {};
  if (::statvfs(disk_path.c_str(), &v) != 0 || v.f_blocks == 0) throw error("cannot stat filesystem " + disk_path.string());
  h.disk_used_pct = 100.0 * (1.0 - static_cast<double>(v.f_bavail) / static_cast<double>(v.f_blocks));
  std::ifstream("/proc/loadavg") >> h.load[0] >> h.load[1] >> h.load[2];
  return h;
}

bool nft_has_input_hook(std::string_view ruleset_json) {
  const auto doc = parse_json_or_discarded(ruleset_json);
  if (!doc.is_object() || !doc.contains("nftables") || !doc["nftables"].is_array()) return false;
  for (const auto& item : doc["nftables"]) {
    if (!item.is_object() || !item.contains("chain")) continue;
    const auto& chain = item["chain"];
    if (chain.is_object() && chain.contains("hook") && chain["hook"] == "input") return true;
  }
  return false;
}

bool ufw_enabled(const std::filesystem::path& conf) {
  std::ifstream in(conf);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line == "ENABLED=yes" || line == "ENABLED=\"yes\"") return true;
  }
  return false;
}

}  // namespace cutover
