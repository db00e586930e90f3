// The host reader: /proc/meminfo parsing and a live reading.
#include "core/host.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "core/error.hpp"

namespace cutover {

TEST(host, meminfo_lines_without_a_unit_do_not_derail_the_parse) {
  auto h = parse_meminfo(
      "HugePages_Total:       0\nHugePages_Free:        0\nMemTotal:       16000000 kB\n"
      "MemFree:         1000000 kB\nMemAvailable:    4000000 kB\n");
  EXPECT_EQ(h.mem_total_bytes, 16000000LL * 1024);
  EXPECT_EQ(h.mem_used_bytes, 12000000LL * 1024);
  EXPECT_DOUBLE_EQ(h.mem_used_pct, 75.0);
}

TEST(host, meminfo_without_available_memory_is_an_error) {
  EXPECT_THROW(parse_meminfo("MemTotal: 100 kB\n"), error);
  EXPECT_THROW(parse_meminfo(""), error);
  EXPECT_THROW(parse_meminfo("MemTotal: 100 kB\nMemAvailable: 200 kB\n"), error);
}

TEST(host, reads_this_machine_and_refuses_a_missing_filesystem) {
  auto h = read_host("/");
  EXPECT_GT(h.mem_total_bytes, 0);
  EXPECT_GE(h.disk_used_pct, 0.0);
  EXPECT_LE(h.disk_used_pct, 100.0);
  EXPECT_THROW(read_host("/no/such/dir/x"), error);
}

}  // namespace cutover

TEST(host, an_input_hook_is_read_from_the_nft_json_structure) {
  EXPECT_TRUE(cutover::nft_has_input_hook(R"({"nftables": [{"metainfo": {"json_schema_version": 1}},
    {"table": {"family": "inet", "name": "filter"}},
    {"chain": {"family": "inet", "table": "filter", "name": "input", "type": "filter", "hook": "input", "prio": 0}}]})"));
  // A forward-only ruleset, the words in a comment, and garbage are no input hook.
  EXPECT_FALSE(cutover::nft_has_input_hook(R"({"nftables": [{"chain": {"name": "fwd", "hook": "forward"}},
    {"rule": {"comment": "hook input"}}]})"));
  EXPECT_FALSE(cutover::nft_has_input_hook("table inet filter { chain input { type filter hook input priority 0; } }"));
  EXPECT_FALSE(cutover::nft_has_input_hook(""));
}

TEST(host, ufw_is_enabled_by_its_configuration_switch) {
  const auto dir = std::filesystem::temp_directory_path() / ("cutover-ufw-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "on.conf") << "# comment ENABLED=yes\nENABLED=yes\nLOGLEVEL=low\n";
  std::ofstream(dir / "off.conf") << "ENABLED=no\n";
  EXPECT_TRUE(cutover::ufw_enabled(dir / "on.conf"));
  EXPECT_FALSE(cutover::ufw_enabled(dir / "off.conf"));
  EXPECT_FALSE(cutover::ufw_enabled(dir / "missing.conf"));
  std::filesystem::remove_all(dir);
}
