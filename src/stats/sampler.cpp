#include "stats/sampler.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <future>
#include <latch>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace cutover::stats {
namespace {

using namespace std::chrono_literals;
using clock = sample_clock;

constexpr std::chrono::nanoseconds first_backoff = 1ms;
constexpr std::chrono::nanoseconds max_backoff = 100ms;
// Linux oversleeps by ~50-100 us (timer slack); an open loop measures from the
// intended send time, so it sleeps to just short of it and spins the rest.
constexpr std::chrono::nanoseconds spin_window = 150us;

// A probe with its recorder and whether it currently holds a usable connection.
struct session {
  probe* p;
  recorder* r;
  bool is_open = false;
  clock::time_point last_end{};  // when the latest run() returned

  // Opens if needed; a failure is recorded and reported as false. Failures
  // count even during warm-up: they are data, and a dead endpoint must be
  // given up on before the warm-up ends.
  bool ensure_open(bool /*record*/) {
    if (is_open) return true;
    auto res = p->open();
    if (res.ok()) return is_open = true;
    r->record_failure(res.result, "open: " + res.message);
    return false;
  }

  // One timed run, measured from its own start or, in an open loop, from the
  // intended send time. Returns whether it succeeded.
  bool timed_run(bool record, const clock::time_point* intended = nullptr) {
    const auto t0 = clock::now();
    const auto res = p->run();
    const auto t1 = clock::now();
    last_end = t1;
    if (!res.connection_usable) is_open = false;
    if (!record) {
      if (!res.ok()) r->record_failure(res.result, res.message);
      return res.ok();
    }
    const auto from = intended ? *intended : t0;
    if (res.ok())
      r->record(res.elapsed ? (t0 - from) + *res.elapsed : t1 - from);
    else
      r->record_failure(res.result, res.message);
    return res.ok();
  }

  // One recorded or warm-up iteration: open if needed, then run. Returns
  // {opened, succeeded}.
  std::pair<bool, bool> iterate(bool record) {
    if (!ensure_open(record)) return {false, false};
    return {true, timed_run(record)};
  }
};

// The closed and paired loops share one schedule: warm-up iterations, then
// recorded ones until samples/duration/deadline, with interval and back-off.
class closed_schedule {
public:
  explicit closed_schedule(const closed_loop_options& o)
      : o_(o), warm_left_(std::max(o.warmup, 0)), timed_start_(clock::now()) {
    if (o_.samples <= 0 && o_.duration <= 0ns && o_.deadline == clock::time_point::max())
      throw error("sampler: a closed loop needs samples, a duration or a deadline");
  }

  // Waits for the next iteration; false when the loop is over.
  bool next(loop_result& result) {
    for (;;) {
      const auto now = clock::now();
      if (warm_left_ == 0) {
        if (o_.samples > 0 && result.samples >= o_.samples) return false;
        if (o_.duration > 0ns && now - timed_start_ >= o_.duration) return false;
      }
      if (now >= o_.deadline) {
        result.stopped_by_deadline = true;
        return false;
      }
      if (not_before_ <= now) return true;
      std::this_thread::sleep_until(std::min(not_before_, o_.deadline));
    }
  }

  bool recording() const { return warm_left_ == 0; }

  // Ends an iteration; `open_failed` starts or extends the back-off.
  void done(loop_result& result, bool open_failed) {
    if (warm_left_ > 0) {
      if (--warm_left_ == 0) timed_start_ = clock::now();
    } else {
      ++result.samples;
    }
    auto pause = o_.interval;
    if (open_failed) {
      backoff_ = backoff_ == 0ns ? first_backoff : std::min(2 * backoff_, max_backoff);
      pause = std::max(pause, backoff_);
    } else {
      backoff_ = 0ns;
    }
    not_before_ = pause > 0ns ? clock::now() + pause : clock::time_point::min();
  }

private:
  const closed_loop_options& o_;
  int warm_left_;
  clock::time_point timed_start_;
  clock::time_point not_before_ = clock::time_point::min();
  std::chrono::nanoseconds backoff_{0};
};

// Sleeps to just short of `t`, spins the rest; returns the time read last.
clock::time_point wait_until(clock::time_point t) {
  auto now = clock::now();
  if (t - now > spin_window) {
    std::this_thread::sleep_until(t - spin_window);
    now = clock::now();
  }
  while (now < t) {
    std::this_thread::yield();
    now = clock::now();
  }
  return now;
}

}  // namespace

loop_result run_closed_loop(probe& p, recorder& r, const closed_loop_options& options) {
  closed_schedule schedule(options);
  session s{&p, &r};
  loop_result result;
  int failed_in_a_row = 0;
  while (schedule.next(result)) {
    const bool recording = schedule.recording();
    const auto [opened, ok] = s.iterate(recording);
    if (recording && !ok) ++result.failures;
    failed_in_a_row = ok ? 0 : failed_in_a_row + 1;
    schedule.done(result, !opened);
    if (options.give_up_after > 0 && failed_in_a_row >= options.give_up_after) {
      result.gave_up = true;
      break;
    }
  }
  return result;
}

loop_result run_paired(std::span<lane> lanes, const closed_loop_options& options) {
  if (lanes.empty()) throw error("sampler: run_paired needs at least one lane");
  std::vector<session> sessions;
  for (const auto& l : lanes) {
    if (l.p == nullptr || l.r == nullptr) throw error("sampler: run_paired lane without probe or recorder");
    sessions.push_back(session{l.p, l.r});
  }
  closed_schedule schedule(options);
  loop_result result;
  // A lane that keeps failing is retired so the others go on alone.
  std::vector<int> failed_in_a_row(sessions.size(), 0);
  std::size_t live = sessions.size();
  for (std::size_t round = 0; live > 0 && schedule.next(result); ++round) {
    const bool recording = schedule.recording();
    bool open_failed = false;
    for (std::size_t k = 0; k < sessions.size(); ++k) {
      const auto i = (round + k) % sessions.size();
      if (options.give_up_after > 0 && failed_in_a_row[i] >= options.give_up_after) continue;
      const auto [opened, ok] = sessions[i].iterate(recording);
      open_failed |= !opened;
      if (recording && !ok) ++result.failures;
      failed_in_a_row[i] = ok ? 0 : failed_in_a_row[i] + 1;
      if (options.give_up_after > 0 && failed_in_a_row[i] >= options.give_up_after) {
        result.gave_up = true;
        --live;
      }
    }
    schedule.done(result, open_failed);
  }
  return result;
}

open_loop_result run_open_loop(const std::function<std::unique_ptr<probe>()>& factory, recorder& r,
                               const open_loop_options& options) {
  if (!(options.rate_per_s > 0) || options.duration <= 0ns || options.connections <= 0)
    throw error("sampler: an open loop needs a rate, a duration and connections > 0");
  const auto n = static_cast<std::size_t>(options.connections);

  std::vector<std::unique_ptr<probe>> probes;
  for (std::size_t i = 0; i < n; ++i) {
    probes.push_back(factory());
    if (!probes.back()) throw error("sampler: the probe factory returned null");
  }
  // Per-thread caps add up to the target's, so merging keeps memory bounded.
  // Built in place: a copied recorder would lose its reserved storage.
  std::vector<recorder> recorders;
  recorders.reserve(n);
  for (std::size_t i = 0; i < n; ++i) recorders.emplace_back((r.sample_cap() + n - 1) / n);

  struct worker_result {
    std::int64_t sent = 0;
    std::int64_t ok = 0;
    clock::time_point last{};
    bool stopped_by_deadline = false;
    std::exception_ptr failure;
  };
  std::vector<worker_result> results(n);
  std::atomic<bool> abort{false};
  std::latch opened(static_cast<std::ptrdiff_t>(n));
  std::promise<clock::time_point> start_promise;
  std::shared_future<clock::time_point> start_future = start_promise.get_future().share();

  const double period_ns = 1e9 * static_cast<double>(n) / options.rate_per_s;
  const auto body = [&](std::size_t i) {
    auto& out = results[i];
    session s{probes[i].get(), &recorders[i]};
    try {
      s.ensure_open(false);  // untimed; a failure is retried and recorded at the first slot
    } catch (...) {
      out.failure = std::current_exception();
      abort = true;
    }
    opened.count_down();
    const auto start = start_future.get();
    if (out.failure) return;
    const auto end = start + options.duration;
    const double offset_ns = period_ns * static_cast<double>(i) / static_cast<double>(n);
    try {
      for (std::int64_t k = 0;; ++k) {
        const auto intended =
            start + std::chrono::nanoseconds(std::llround(offset_ns + period_ns * static_cast<double>(k)));
        if (intended >= end || abort.load(std::memory_order_relaxed)) break;
        if (intended >= options.deadline || wait_until(intended) >= options.deadline) {
          out.stopped_by_deadline = true;
          break;
        }
        ++out.sent;
        if (s.ensure_open(true) && s.timed_run(true, &intended)) ++out.ok;
      }
      out.last = s.last_end;
    } catch (...) {
      out.failure = std::current_exception();
      abort = true;
    }
  };

  std::vector<std::jthread> threads;
  threads.reserve(n);
  for (std::size_t i = 0; i < n; ++i) threads.emplace_back(body, i);
  opened.wait();
  // A short lead so no thread starts its schedule already behind.
  const auto start = clock::now() + 1ms;
  start_promise.set_value(start);
  for (auto& t : threads) t.join();

  for (const auto& w : results)
    if (w.failure) std::rethrow_exception(w.failure);
  open_loop_result result;
  clock::time_point last = start;
  for (std::size_t i = 0; i < n; ++i) {
    result.sent += results[i].sent;
    result.ok += results[i].ok;
    result.stopped_by_deadline |= results[i].stopped_by_deadline;
    last = std::max(last, results[i].last);
    r.merge(recorders[i]);
  }
  result.wall = last - start;
  if (result.wall > 0ns)
    result.achieved_ops_per_s = static_cast<double>(result.ok) / std::chrono::duration<double>(result.wall).count();
  return result;
}

}  // namespace cutover::stats
