#include "monitor/schedule.hpp"

#include "core/interrupt.hpp"

#include <thread>

#include <unistd.h>

namespace cutover::monitor {
namespace {

/// Sleeps until `when` in short slices so a stop is seen within 50 ms.
bool sleep_until(std::chrono::steady_clock::time_point when, const std::atomic<bool>* stop) {
  while (true) {
    if (stop && stop->load()) return false;
    auto now = std::chrono::steady_clock::now();
    if (now >= when) return true;
    std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(when - now, std::chrono::milliseconds(50)));
  }
}

}  // namespace

std::int64_t epoch_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void run_schedule(std::vector<check>& checks, const schedule_options& o, const sample_sink& sink) {
  auto anchor = std::chrono::steady_clock::now();
  auto anchor_epoch = epoch_ns();
  auto period = std::max(o.period, std::chrono::nanoseconds(std::chrono::milliseconds(1)));
  std::vector<std::thread> threads;
  for (auto& c : checks) {
    threads.emplace_back([&c, &o, &sink, anchor, anchor_epoch, period] {
      for (std::int64_t k = 0;; ++k) {
        auto tick = anchor + k * period;
        if (o.until_ns && anchor_epoch + (tick - anchor).count() >= o.until_ns) return;
        if (!sleep_until(tick, o.stop)) return;
        sample s;
        s.component = c.name;
        s.start_ns = epoch_ns();
        auto t0 = std::chrono::steady_clock::now();
        auto r = c.run(s.values);
        auto t1 = std::chrono::steady_clock::now();
        // A check that a stop (signal) interrupted measured nothing.
        if (!r.ok() && o.stop && o.stop->load()) return;
        s.latency_ns = r.elapsed ? r.elapsed->count() : std::chrono::nanoseconds(t1 - t0).count();
        s.result = r.result;
        s.message = std::move(r.message);
        sink(c, std::move(s));
        // An overrun skips the missed ticks instead of bursting to catch up.
        auto behind = (t1 - anchor) / period;
        if (behind > k) k = behind;
      }
    });
  }
  for (auto& t : threads) t.join();
}

void stop_on_signals(std::atomic<bool>& flag) {
  // The process-wide stop also interrupts probes blocked on the network.
  cutover::stop_on_signals(&flag);
}

}  // namespace cutover::monitor
