#include "stats/cpu_awake.hpp"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

namespace cutover::stats {

namespace {
constexpr const char* pm_qos_path = "/dev/cpu_dma_latency";

std::string errno_name(int e) {
  switch (e) {
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ENODEV: return "ENODEV";
    case EROFS: return "EROFS";
    case EINVAL: return "EINVAL";
    default: return "errno " + std::to_string(e);
  }
}
}  // namespace

cpu_awake::cpu_awake(bool want) {
  if (!want) {
    state_ = "off";
    return;
  }
  const int fd = ::open(pm_qos_path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    state_ = "unavailable (" + errno_name(errno) + ")";
    return;
  }
  const std::int32_t zero_us = 0;
  if (::write(fd, &zero_us, sizeof zero_us) != static_cast<ssize_t>(sizeof zero_us)) {
    state_ = "unavailable (" + errno_name(errno) + ")";
    ::close(fd);
    return;
  }
  fd_ = fd;
  state_ = "held";
}

cpu_awake::~cpu_awake() {
  if (fd_ >= 0) ::close(fd_);
}

std::string pin_to_cpus(const std::vector<int>& cpus) {
  if (cpus.empty()) return "";
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int c : cpus)
    if (c >= 0 && c < CPU_SETSIZE) CPU_SET(c, &set);
  if (::sched_setaffinity(0, sizeof set, &set) != 0) return "unavailable (" + errno_name(errno) + ")";
  return "pinned";
}

}  // namespace cutover::stats
