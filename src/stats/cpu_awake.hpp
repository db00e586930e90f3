#pragma once
// Keeps the machine's CPUs out of idle states that take time to leave while
// a measurement runs, the way latency tools do (cyclictest, tuned's
// latency-performance profile): a PM QoS request of 0 us exit latency on
// /dev/cpu_dma_latency, held while the file stays open and dropped by the
// kernel when it closes (even if the process dies).
//
// Why: on a VM whose idle CPU halts (a Firecracker guest here), waking a
// halted vCPU costs ~40 us, and how many such wake-ups a round trip pays
// depends on the schedule, not on the path: the same prepared SELECT 1
// measured 25 us with client and backend on one CPU and 108 us on two, so a
// paired run (bursts after the tunnel's idle block, which the kernel runs on
// one CPU) read 4x below the same path measured alone. With the CPUs held
// awake every schedule reads 27-32 us, and pgbench agrees (bench/README.md).

#include <string>
#include <vector>

namespace cutover::stats {

class cpu_awake {
public:
  /// Asks for it when `want`; never throws (a refusal is recorded in state()).
  explicit cpu_awake(bool want);
  ~cpu_awake();
  cpu_awake(const cpu_awake&) = delete;
  cpu_awake& operator=(const cpu_awake&) = delete;

  bool held() const noexcept { return fd_ >= 0; }
  /// "held", "off" (not asked for), or "unavailable (<errno name>)".
  const std::string& state() const noexcept { return state_; }

private:
  int fd_ = -1;
  std::string state_;
};

/// Pins the calling thread (and the threads it starts later) to `cpus`, as
/// the lab's config asks so the harness runs on its client side's CPUs (see
/// fixtures/lab/lab: split_cpus). Returns how it went, for the report: "" when
/// `cpus` is empty, "pinned", or "unavailable (<errno name>)" (never throws).
std::string pin_to_cpus(const std::vector<int>& cpus);

}  // namespace cutover::stats
