#include "core/interrupt.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <csignal>

namespace cutover {
namespace {

std::atomic<bool> stopped{false};
std::atomic<bool>* also_flag = nullptr;

// The pipe is made once, before any signal handler can run (stop_on_signals
// and stop_fd() both make it), so the handler only writes.
struct stop_pipe {
  int fds[2] = {-1, -1};
  stop_pipe() {
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) fds[0] = fds[1] = -1;
  }
};

stop_pipe& the_pipe() {
  static stop_pipe p;
  return p;
}
std::atomic<int> write_end{-1};

extern "C" void on_stop_signal(int) {
  if (stopped.load()) ::_exit(130);
  if (also_flag) also_flag->store(true);
  request_stop();
}

}  // namespace

void request_stop() noexcept {
  stopped.store(true);
  if (int fd = write_end.load(); fd >= 0) {
    char c = 1;
    // The read end is never drained: one byte keeps it readable for every waiter.
    [[maybe_unused]] auto n = ::write(fd, &c, 1);
  }
}

bool stop_requested() noexcept { return stopped.load(std::memory_order_relaxed); }

int stop_fd() noexcept {
  auto& p = the_pipe();
  write_end.store(p.fds[1]);
  if (stopped.load() && p.fds[1] >= 0) request_stop();  // a stop that came before the pipe
  return p.fds[0];
}

void stop_on_signals(std::atomic<bool>* also) {
  also_flag = also;
  stop_fd();
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

}  // namespace cutover
