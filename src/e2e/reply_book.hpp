#pragma once
/// Matches replies to the messages sent, by correlation id (the message id),
/// and keeps the accounting: answered, lost, late, duplicated, unexpected.
/// Thread-safe: the listener thread reports replies while senders wait.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace cutover::e2e {

/// Clock of every e2e timing (monotonic; the listener stamps arrivals on it).
using e2e_clock = std::chrono::steady_clock;

/// Counts of one pass (or of everything, see reply_book::tally).
struct reply_tally {
  std::int64_t sent = 0;        ///< messages the webhook accepted
  std::int64_t answered = 0;    ///< first reply arrived before the message's deadline
  std::int64_t late = 0;        ///< first reply arrived after the deadline (the message counted as timed out)
  std::int64_t lost = 0;        ///< no reply at all (when tallied)
  std::int64_t duplicated = 0;  ///< replies beyond the first for one message
  std::int64_t unexpected = 0;  ///< replies with an id nobody sent in this run (only in the total tally)
  /// answered / sent, in percent (0 when nothing was sent).
  double success_pct() const noexcept;
  /// {"sent":..,"answered":..,...,"success_pct":..}.
  nlohmann::json to_json() const;
};

/// The book of messages in flight and the replies seen.
class reply_book {
public:
  /// Registers a message sent at `sent_at` whose reply is due by `deadline`;
  /// `pass` groups messages for tally(). Returns false if the id is known.
  bool expect(const std::string& id, std::string pass, e2e_clock::time_point sent_at, e2e_clock::time_point deadline);
  /// Forgets a message that was never sent (its webhook call failed).
  void cancel(const std::string& id);
  /// Records a reply for `id` that arrived at `at`, with its payload.
  void on_reply(const std::string& id, e2e_clock::time_point at, nlohmann::json payload = {});
  /// Blocks until the first reply for `id` arrives or `deadline` passes.
  /// Returns the arrival time when it arrived in time (a reply stamped after
  /// the message's own deadline is late and does not count).
  std::optional<e2e_clock::time_point> wait(const std::string& id, e2e_clock::time_point deadline);
  /// The first reply's payload for `id` (null when none).
  nlohmann::json payload(const std::string& id) const;
  /// Counts for messages of `pass` (every pass when empty; then `unexpected` too).
  reply_tally tally(const std::string& pass = {}) const;

private:
  struct entry {
    std::string pass;
    e2e_clock::time_point sent_at;
    e2e_clock::time_point deadline;
    std::optional<e2e_clock::time_point> first_reply;
    int replies = 0;
    nlohmann::json payload;
  };
  mutable std::mutex mutex_;
  std::condition_variable arrived_;
  std::map<std::string, entry> entries_;
  std::int64_t unexpected_ = 0;
};

}  // namespace cutover::e2e
