#include "core/event_driver.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "core/error.hpp"
#include "core/interrupt.hpp"

namespace cutover {

int open_event_loop(const char* what) {
  const int epoll = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll < 0) throw error(std::string(what) + ": cannot create an event loop: " + std::strerror(errno));
  if (stop_fd() >= 0) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = stop_event_key;
    ::epoll_ctl(epoll, EPOLL_CTL_ADD, stop_fd(), &ev);
  }
  return epoll;
}

int wait_for_events(int epoll, epoll_event* events, int max, std::chrono::steady_clock::time_point until) {
  using clock = std::chrono::steady_clock;
  if (until == clock::time_point::max()) return ::epoll_wait(epoll, events, max, -1);
  const auto left = std::max<clock::duration>(until - clock::now(), clock::duration::zero());
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
  timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
  const int n = ::epoll_pwait2(epoll, events, max, &ts, nullptr);
  if (n < 0 && errno == ENOSYS)  // kernels before 5.11: millisecond waits
    return ::epoll_wait(epoll, events, max, static_cast<int>((ns + 999'999) / 1'000'000));
  return n;
}

bool own_stop_request(int epoll) {
  if (stop_requested()) return true;
  ::epoll_ctl(epoll, EPOLL_CTL_DEL, stop_fd(), nullptr);
  return false;
}

}  // namespace cutover
