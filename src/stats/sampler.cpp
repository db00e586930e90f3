#include "stats/sampler.hpp"

#include <algorithm>
#include <ctime>
#include <sys/prctl.h>
#include <atomic>
#include <cmath>
#include <exception>
#include <future>
#include <latch>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/interrupt.hpp"

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

// Paces the iterations of a closed or paired loop: the interval between
// them, the back-off after a failed open(), the hard deadline.
class pacer {
public:
  explicit pacer(const closed_loop_options& o) : o_(o) {}

  // Waits until the next iteration may start; false (and the flag set) when
  // the deadline passed first.
  bool wait(loop_result& result) {
    for (;;) {
      const auto now = clock::now();
      if (now >= o_.deadline) {
        result.stopped_by_deadline = true;
        return false;
      }
      if (not_before_ <= now) return true;
      std::this_thread::sleep_until(std::min(not_before_, o_.deadline));
    }
  }

  // Ends an iteration; `open_failed` starts or extends the back-off.
  void done(bool open_failed) {
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
  clock::time_point not_before_ = clock::time_point::min();
  std::chrono::nanoseconds backoff_{0};
};

void check_bounded(const closed_loop_options& o) {
  if (o.samples <= 0 && o.duration <= 0ns && o.deadline == clock::time_point::max())
    throw error("sampler: a closed loop needs samples, a duration or a deadline");
}

// The closed loop's schedule: warm-up iterations, then recorded ones until
// samples/duration/deadline, paced by a pacer.
class closed_schedule {
public:
  explicit closed_schedule(const closed_loop_options& o)
      : o_(o), pace_(o), warm_left_(std::max(o.warmup, 0)), timed_start_(clock::now()) {
    check_bounded(o);
  }

  // Waits for the next iteration; false when the loop is over.
  bool next(loop_result& result) {
    if (warm_left_ == 0) {
      if (o_.samples > 0 && result.samples >= o_.samples) return false;
      if (o_.duration > 0ns && clock::now() - timed_start_ >= o_.duration) return false;
    }
    return pace_.wait(result);
  }

  bool recording() const { return warm_left_ == 0; }

  // Ends an iteration; `open_failed` starts or extends the back-off.
  void done(loop_result& result, bool open_failed) {
    if (warm_left_ > 0) {
      if (--warm_left_ == 0) timed_start_ = clock::now();
    } else {
      ++result.samples;
    }
    pace_.done(open_failed);
  }

private:
  const closed_loop_options& o_;
  pacer pace_;
  int warm_left_;
  clock::time_point timed_start_;
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

const clock_resolution& sample_clock_resolution() {
  static const clock_resolution measured = [] {
    clock_resolution c;
    timespec ts{};
    if (::clock_getres(CLOCK_MONOTONIC, &ts) == 0) c.reported_ns = ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
    auto best = std::chrono::nanoseconds::max();
    for (int i = 0; i < 2000; ++i) {
      const auto t0 = clock::now();
      auto t1 = clock::now();
      while (t1 == t0) t1 = clock::now();
      best = std::min<std::chrono::nanoseconds>(best, t1 - t0);
    }
    c.observed_ns = best.count();
    return c;
  }();
  return measured;
}

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
  check_bounded(options);
  const auto n = sessions.size();
  const int block = std::max(options.block, 1);
  const int block_warmup = std::max(options.block_warmup, 0);
  pacer pace(options);
  loop_result result;
  std::vector<std::int64_t> taken(n, 0);
  // A lane that keeps failing is retired so the others go on alone.
  std::vector<int> failed_in_a_row(n, 0);
  std::vector<bool> retired(n, false);

  // One iteration on lane i; false when the deadline ends the loop.
  const auto step = [&](std::size_t i, bool record) {
    if (!pace.wait(result)) return false;
    const auto [opened, ok] = sessions[i].iterate(record);
    if (record) {
      ++taken[i];
      if (!ok) ++result.failures;
    }
    failed_in_a_row[i] = ok ? 0 : failed_in_a_row[i] + 1;
    pace.done(!opened);
    if (options.give_up_after > 0 && failed_in_a_row[i] >= options.give_up_after) {
      retired[i] = true;
      result.gave_up = true;
    }
    return true;
  };
  const auto lane_done = [&](std::size_t i) {
    return retired[i] || (options.samples > 0 && taken[i] >= options.samples);
  };

  bool stop = false;
  std::size_t round = 0;
  for (int w = 0; w < options.warmup && !stop; ++w, ++round)
    for (std::size_t k = 0; k < n && !stop; ++k)
      if (const auto i = (round + k) % n; !retired[i]) stop = !step(i, false);

  const auto timed_start = clock::now();
  const auto time_is_up = [&] { return options.duration > 0ns && clock::now() - timed_start >= options.duration; };
  for (; !stop; ++round) {
    bool any = false;
    for (std::size_t k = 0; k < n && !stop; ++k) {
      const auto i = (round + k) % n;
      if (lane_done(i)) continue;
      any = true;
      for (int j = 0; j < block_warmup && !retired[i] && !stop; ++j) stop = !step(i, false);
      for (int j = 0; j < block && !lane_done(i) && !stop; ++j) stop = time_is_up() || !step(i, true);
    }
    stop |= !any;
  }
  result.samples = *std::max_element(taken.begin(), taken.end());
  return result;
}

namespace {

// Checks an open loop's options; returns the period of one connection's
// schedule in nanoseconds.
double open_loop_period_ns(const open_loop_options& options) {
  if (!std::isfinite(options.rate_per_s) || !(options.rate_per_s > 0) || options.duration <= 0ns ||
      options.connections <= 0)
    throw error("sampler: an open loop needs a finite rate > 0, a duration and connections > 0");
  const double seconds = std::chrono::duration<double>(options.duration).count();
  if (options.rate_per_s * seconds < 1)
    throw error("sampler: a rate of " + std::to_string(options.rate_per_s) + "/s schedules no operation in the duration");
  const double period_ns = 1e9 * static_cast<double>(options.connections) / options.rate_per_s;
  if (period_ns < 1)
    throw error("sampler: a rate of " + std::to_string(options.rate_per_s) + "/s is beyond a nanosecond clock");
  return period_ns;
}

// Operations connection i's schedule calls for within the duration.
std::int64_t scheduled_ops(const open_loop_options& options, double offset_ns, double period_ns) {
  return static_cast<std::int64_t>(std::ceil((static_cast<double>(options.duration.count()) - offset_ns) / period_ns));
}

// Achieved rate, saturation and validity, from the counters already summed.
void judge_open_loop(open_loop_result& result, const open_loop_options& options) {
  const auto span = std::max<std::chrono::nanoseconds>(result.wall, options.duration);
  result.achieved_ops_per_s = static_cast<double>(result.ok) / std::chrono::duration<double>(span).count();
  result.driver_saturated = result.sent > 0 && static_cast<double>(result.driver_late) > 0.05 * static_cast<double>(result.sent);
  if (result.interrupted)
    result.invalid_reason = "a stop request (signal) ended the loop";
  else if (result.stopped_by_deadline)
    result.invalid_reason = "the run deadline cut the schedule short";
  else if (result.gave_up)
    result.invalid_reason = "a connection failed " + std::to_string(options.give_up_after) + " operations in a row";
  else if (result.driver_saturated)
    result.invalid_reason = "the driver was saturated: " + std::to_string(result.driver_late) + " of " +
                            std::to_string(result.sent) + " operations started late by its own doing";
  else if (result.achieved_ops_per_s < min_achieved_share * options.rate_per_s)
    result.invalid_reason = "achieved " + std::to_string(std::llround(result.achieved_ops_per_s)) + "/s, below 95% of the target " +
                            std::to_string(std::llround(options.rate_per_s)) + "/s";
  result.valid = result.invalid_reason.empty();
}

}  // namespace

open_loop_result run_open_loop(const std::function<std::unique_ptr<probe>()>& factory, recorder& r,
                               const open_loop_options& options) {
  const double period_ns = open_loop_period_ns(options);
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
    std::int64_t scheduled = 0;
    std::int64_t driver_late = 0;
    clock::duration max_lag{0};
    clock::duration max_driver_lag{0};
    clock::time_point last{};
    bool stopped_by_deadline = false;
    bool gave_up = false;
    std::exception_ptr failure;
  };
  std::vector<worker_result> results(n);
  std::atomic<bool> abort{false};
  std::latch opened(static_cast<std::ptrdiff_t>(n));
  std::promise<clock::time_point> start_promise;
  std::shared_future<clock::time_point> start_future = start_promise.get_future().share();
  const auto late_threshold = std::max<clock::duration>(1ms, std::chrono::nanoseconds(std::llround(period_ns)));

  const auto body = [&](std::size_t i) {
    auto& out = results[i];
    session s{probes[i].get(), &recorders[i]};
    try {
      if (!abort) s.ensure_open(false);  // untimed; a failure is retried and recorded at the first slot
    } catch (...) {
      out.failure = std::current_exception();
      abort = true;
    }
    opened.count_down();
    const auto start = start_future.get();
    if (out.failure || abort) return;
    const auto end = start + options.duration;
    // A thread woken a little late for its last operation still sends it.
    const auto grace = std::min<clock::duration>(options.duration / 10, 100ms);
    const double offset_ns = period_ns * static_cast<double>(i) / static_cast<double>(n);
    // Operations this connection's schedule calls for within the duration.
    out.scheduled = scheduled_ops(options, offset_ns, period_ns);
    int failed_in_a_row = 0;
    clock::time_point prev_end = start;
    try {
      for (std::int64_t k = 0;; ++k) {
        const auto intended =
            start + std::chrono::nanoseconds(std::llround(offset_ns + period_ns * static_cast<double>(k)));
        if (intended >= end || abort.load(std::memory_order_relaxed)) break;
        if (intended >= options.deadline) {
          out.stopped_by_deadline = true;
          break;
        }
        const auto now = wait_until(intended);
        if (now >= options.deadline) {
          out.stopped_by_deadline = true;
          break;
        }
        // Behind schedule past the end (and its grace): the rest is not sent.
        if (now >= end + grace) break;
        out.max_lag = std::max(out.max_lag, now - intended);
        const auto own = now - std::max(intended, prev_end);
        out.max_driver_lag = std::max(out.max_driver_lag, own);
        if (own > late_threshold) ++out.driver_late;
        ++out.sent;
        const bool ok = s.ensure_open(true) && s.timed_run(true, &intended);
        prev_end = clock::now();
        if (ok) ++out.ok;
        failed_in_a_row = ok ? 0 : failed_in_a_row + 1;
        if (options.give_up_after > 0 && failed_in_a_row >= options.give_up_after) {
          out.gave_up = true;
          abort = true;
          break;
        }
      }
      out.last = s.last_end;
    } catch (...) {
      out.failure = std::current_exception();
      abort = true;
    }
  };

  std::vector<std::jthread> threads;
  threads.reserve(n);
  try {
    for (std::size_t i = 0; i < n; ++i) threads.emplace_back(body, i);
  } catch (const std::system_error& e) {
    // Out of threads (ulimit, memory): stop the ones that started, then fail.
    abort = true;
    for (auto k = threads.size(); k < n; ++k) opened.count_down();
    start_promise.set_value(clock::now());
    for (auto& t : threads) t.join();
    throw error("sampler: cannot start " + std::to_string(n) + " open-loop connections (started " +
                std::to_string(threads.size()) + "): " + e.what());
  }
  opened.wait();
  // A short lead so no thread starts its schedule already behind.
  const auto start = clock::now() + 1ms;
  start_promise.set_value(start);
  for (auto& t : threads) t.join();

  for (const auto& w : results)
    if (w.failure) std::rethrow_exception(w.failure);
  open_loop_result result;
  result.target_ops_per_s = options.rate_per_s;
  clock::time_point last = start;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& w = results[i];
    result.sent += w.sent;
    result.ok += w.ok;
    result.scheduled += w.scheduled;
    result.driver_late += w.driver_late;
    result.max_lag = std::max<std::chrono::nanoseconds>(result.max_lag, w.max_lag);
    result.max_driver_lag = std::max<std::chrono::nanoseconds>(result.max_driver_lag, w.max_driver_lag);
    result.stopped_by_deadline |= w.stopped_by_deadline;
    result.gave_up |= w.gave_up;
    last = std::max(last, w.last);
    r.merge(recorders[i]);
  }
  result.wall = last - start;
  judge_open_loop(result, options);
  return result;
}

namespace {

// Lowers this thread's timer slack (Linux oversleeps a timed wait by up to
// 50 us by default) while an event-loop open loop sleeps in its driver's
// wait, and restores it.
class fine_timer_slack {
public:
  fine_timer_slack() : old_(::prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0)) {
    if (old_ > 0) ::prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  }
  ~fine_timer_slack() {
    if (old_ > 0) ::prctl(PR_SET_TIMERSLACK, static_cast<unsigned long>(old_), 0, 0, 0);
  }
  fine_timer_slack(const fine_timer_slack&) = delete;
  fine_timer_slack& operator=(const fine_timer_slack&) = delete;

private:
  int old_;
};

}  // namespace

open_loop_result run_open_loop(event_driver& driver, recorder& r, const open_loop_options& options) {
  const double period_ns = open_loop_period_ns(options);
  const auto n = static_cast<std::size_t>(options.connections);
  if (driver.connections() != n)
    throw error("sampler: the event driver holds " + std::to_string(driver.connections()) +
                " connections, the open loop asks for " + std::to_string(n));

  // One connection's place in its schedule.
  struct slot {
    double offset_ns = 0;
    std::int64_t k = 0;                 // index of the next operation
    clock::time_point intended{};       // its intended send time
    clock::time_point prev_end{};       // when the previous operation ended
    bool open = false;
    bool busy = false;                  // an operation in flight
    bool finished = false;              // nothing more to send
    int failed_in_a_row = 0;
  };
  std::vector<slot> c(n);
  open_loop_result result;
  result.target_ops_per_s = options.rate_per_s;

  // Untimed opens; a failure is recorded and retried at the connection's first slot.
  for (std::size_t i = 0; i < n && !stop_requested() && clock::now() < options.deadline; ++i) {
    auto res = driver.open(i);
    if (res.ok()) c[i].open = true;
    else r.record_failure(res.result, "open: " + res.message);
  }

  fine_timer_slack slack;
  // A short lead so no connection starts its schedule already behind.
  const auto start = clock::now() + 1ms;
  const auto end = start + options.duration;
  // A connection a little late for its last operation still sends it.
  const auto grace = std::min<clock::duration>(options.duration / 10, 100ms);
  const auto late_threshold = std::max<clock::duration>(1ms, std::chrono::nanoseconds(std::llround(period_ns)));
  const auto at = [&](const slot& x) {
    return start + std::chrono::nanoseconds(std::llround(x.offset_ns + period_ns * static_cast<double>(x.k)));
  };
  for (std::size_t i = 0; i < n; ++i) {
    c[i].offset_ns = period_ns * static_cast<double>(i) / static_cast<double>(n);
    c[i].intended = at(c[i]);
    c[i].prev_end = start;
    result.scheduled += scheduled_ops(options, c[i].offset_ns, period_ns);
  }

  clock::time_point last = start;
  std::size_t busy = 0;
  bool abort = false;
  // Ends connection i's current operation (sent, or failed to open).
  const auto finish_op = [&](slot& x, bool ok, clock::time_point t1) {
    x.prev_end = t1;
    last = std::max(last, t1);
    if (ok) ++result.ok;
    x.failed_in_a_row = ok ? 0 : x.failed_in_a_row + 1;
    if (options.give_up_after > 0 && x.failed_in_a_row >= options.give_up_after) {
      result.gave_up = true;
      abort = true;
    }
    ++x.k;
    x.intended = at(x);
  };
  const event_driver::completion done = [&](std::size_t i, probe_result&& res) {
    const auto t1 = clock::now();
    auto& x = c.at(i);
    if (!x.busy) return;
    x.busy = false;
    --busy;
    if (!res.connection_usable) x.open = false;
    // Latency from the intended send time: coordinated omission corrected.
    if (res.ok()) r.record(t1 - x.intended);
    else r.record_failure(res.result, res.message);
    finish_op(x, res.ok(), t1);
  };

  for (;;) {
    if (stop_requested()) {
      result.interrupted = true;
      break;
    }
    auto next = clock::time_point::max();
    std::size_t active = 0;
    for (auto& x : c) {
      if (x.finished || x.busy) {
        active += x.busy ? 1 : 0;
        continue;
      }
      const auto now = clock::now();
      if (abort || x.intended >= end) {
        x.finished = true;
        continue;
      }
      if (x.intended >= options.deadline || now >= options.deadline) {
        result.stopped_by_deadline = true;
        x.finished = true;
        continue;
      }
      ++active;
      if (x.intended > now) {
        next = std::min(next, x.intended);
        continue;
      }
      // Behind schedule past the end (and its grace): the rest is not sent.
      if (now >= end + grace) {
        x.finished = true;
        --active;
        continue;
      }
      result.max_lag = std::max<std::chrono::nanoseconds>(result.max_lag, now - x.intended);
      const auto own = now - std::max(x.intended, x.prev_end);
      result.max_driver_lag = std::max<std::chrono::nanoseconds>(result.max_driver_lag, own);
      if (own > late_threshold) ++result.driver_late;
      ++result.sent;
      const auto i = static_cast<std::size_t>(&x - c.data());
      if (!x.open) {
        auto res = driver.open(i);
        if (!res.ok()) {
          r.record_failure(res.result, "open: " + res.message);
          finish_op(x, false, clock::now());
          next = clock::time_point::min();  // look at this connection again at once
          continue;
        }
        x.open = true;
      }
      x.busy = true;
      ++busy;
      driver.send(i);
    }
    if (active == 0) break;
    if (clock::now() >= options.deadline) {
      // Operations still in flight are abandoned (sent, not recorded).
      result.stopped_by_deadline = true;
      break;
    }
    if (next == clock::time_point::min()) continue;
    // Sleeps to the next send itself (1 ns timer slack), without the threaded
    // loop's final spin: one thread that spins before every send of every
    // connection is CPU-bound and, on a busy machine, preempted for whole
    // ticks (measured at 2000/s on 4 connections, load 7.5 on 2 cores: 258-357
    // of 4000 operations started late by the driver with a 150 us spin,
    // 115-204 without).
    driver.wait(std::min(next, options.deadline), done);
  }
  result.wall = last - start;
  judge_open_loop(result, options);
  return result;
}

}  // namespace cutover::stats
