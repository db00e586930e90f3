// The host reader: /proc/meminfo parsing and a live reading.
#include "core/host.hpp"

#include <gtest/gtest.h>

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
