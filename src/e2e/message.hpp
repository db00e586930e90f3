#pragma once
/// End-to-end messages: inject at the app's webhook with a unique
/// correlation id, wait for the reply on the harness's listener, split the
/// time with the BullMQ job's timestamps. One steady clock times everything.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config.hpp"
#include "core/outcome.hpp"
#include "http/client.hpp"
#include "e2e/reply_book.hpp"
#include "e2e/reply_listener.hpp"
#include "redis/client.hpp"
#include "stats/recorder.hpp"

namespace cutover::e2e {

/// Everything a session needs, from the config's `app` section and a target.
struct session_options {
  http::url api;                        ///< the app's API base URL
  std::string webhook_path = "/webhook/whatsapp/batched";  ///< POST target for messages
  std::string reply_host = "127.0.0.1";  ///< the reply listener's address (loopback only)
  std::uint16_t reply_port = 0;        ///< 0: any free port (tests)
  std::string queue = "whatsapp-messages";  ///< BullMQ queue name
  std::optional<redis_endpoint> redis;  ///< the app's Redis (job hashes, contexts); none: no stage split
  std::string phone_prefix = "7999000";  ///< test phones (see app_settings::phone_prefix)
  std::chrono::milliseconds request_timeout{2000};  ///< the webhook POST
  std::chrono::milliseconds reply_timeout{15000};   ///< wait for one reply
  std::chrono::milliseconds connect_timeout{3000};  ///< Redis connect
  std::chrono::milliseconds command_timeout{2000};  ///< one Redis command
  std::chrono::milliseconds job_wait{1000};  ///< how long to poll for finishedOn after the reply
  std::chrono::milliseconds drain{1000};     ///< after the last message, for late and duplicate replies
  std::string path;                          ///< the target's declared path (fingerprint)
  /// "listener": the reply is the app's POST to the listener; "job": the
  /// reply is the message's BullMQ job completing (finishedOn, state,
  /// returnvalue), seen by polling its hash; "passive": nothing is sent.
  std::string reply_mode = "listener";
};

/// Session options for `t` (its `http` is the API, its `redis` the queue's).
/// Throws config_error when `t` has no http endpoint.
session_options make_session_options(const config& cfg, const target& t);

/// One message's outcome.
struct message_result {
  probe_result status;  ///< ok: the reply arrived in time; `elapsed` is webhook POST -> reply
  std::string id;       ///< correlation id (the BullMQ job id)
  std::optional<std::chrono::nanoseconds> queue_wait;  ///< processedOn - timestamp (1 ms resolution)
  std::optional<std::chrono::nanoseconds> processing;  ///< finishedOn - processedOn (1 ms resolution)
  nlohmann::json reply;  ///< the reply payload
};

/// A listener, the reply book and the test phones of one run. Thread-safe:
/// several message_probes may send at once.
class session {
public:
  /// Does nothing on the network yet; see start().
  explicit session(session_options options);
  /// Deletes the contexts of test phones it created (see finish()).
  ~session();
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  /// Starts the reply listener (listener mode) or checks that the app's Redis
  /// answers (job mode). An error (port in use, no Redis...) means no message can be judged.
  probe_result start();
  /// A new correlation id: "cutover-<run>-<n>" (valid as a BullMQ custom job id).
  std::string next_id();
  /// Test phone number `n` (prefix + 4 digits). The first use notes whether its
  /// context existed, so finish() deletes only contexts this run created.
  std::string phone(int n);
  /// Waits the drain time for late and duplicate replies, deletes the test
  /// contexts this run created, and returns the tally of every pass.
  reply_tally finish();

  /// What the messages reach: the API's address and the target's declared path.
  path_fingerprint fingerprint() const;
  /// The options it was made with.
  const session_options& options() const noexcept { return options_; }
  /// The reply book (thread-safe).
  reply_book& book() noexcept { return book_; }
  /// A Redis client for this session's app (nullptr when none is configured
  /// or it cannot connect; `why` says which). Not thread-safe: one caller at a time.
  redis::client* admin(std::string& why);

private:
  void cleanup_contexts();

  session_options options_;
  reply_book book_;
  reply_listener listener_;
  std::string run_token_;
  std::atomic<std::int64_t> seq_{0};
  std::mutex admin_mutex_;
  std::unique_ptr<redis::client> admin_;
  std::set<std::string> created_phones_;
  std::set<std::string> seen_phones_;
  bool finished_ = false;
};

/// The e2e.message probe: run() sends one message for its phone and waits for
/// the reply. Timed by the probe itself (elapsed), so Redis reads after the
/// reply are not counted. One per thread.
class message_probe : public probe {
public:
  /// `pass` groups its messages in the session's tally.
  message_probe(session& s, std::string phone, std::string pass);
  /// Connects to the app's Redis for the job hashes (a failure only loses the stage split).
  probe_result open() override;
  /// One message; ok with `elapsed` set, or why not (timeout, webhook error...).
  probe_result run() override;
  /// The session's fingerprint.
  path_fingerprint fingerprint() const override;
  /// The last message sent by run().
  const message_result& last() const noexcept { return last_; }
  /// Sends one message with `text` and waits for its reply.
  message_result send(const std::string& text);

private:
  void read_job(message_result& r);
  probe_result watch_job(const std::string& id, e2e_clock::time_point sent_at, e2e_clock::time_point deadline);

  session& session_;
  std::string phone_;
  std::string pass_;
  std::unique_ptr<redis::client> redis_;
  message_result last_;
};

/// Recorders of one pass, constructed in place.
struct pass_recorders {
  stats::recorder message{4096};     ///< webhook -> reply
  stats::recorder queue_wait{4096};  ///< BullMQ timestamp -> processedOn
  stats::recorder processing{4096};  ///< BullMQ processedOn -> finishedOn
};

/// How a pass sends.
struct pass_options {
  std::string pass;      ///< tally group ("sequential", "concurrent")
  int messages = 30;     ///< messages to send in this pass
  int concurrency = 1;   ///< lanes, each sending one message at a time with its own phone
  int first_phone = 0;   ///< lane i uses session::phone(first_phone + i)
  e2e_clock::time_point deadline = e2e_clock::time_point::max();
  /// Stop after this many failures in a row (0: never); a timeout before any
  /// reply in the session stops at once (the path is dead: each further
  /// message would cost the whole reply timeout).
  int give_up_after = 5;
};

/// What stopped a pass early, if anything.
struct pass_stop {
  bool gave_up = false;   ///< too many failures, or the path looked dead
  bool deadline = false;  ///< the run deadline passed
  std::string why;        ///< one line for notes and skipped samples
};

/// Sends `messages` messages over `concurrency` lanes into `into`. Messages
/// not sent because the pass stopped are recorded as skipped.
pass_stop run_pass(session& s, const pass_options& options, pass_recorders& into);

/// What passive mode read from the queue (counts for the report's workload).
struct passive_tally {
  std::int64_t completed_in_set = 0;  ///< ZCARD bull:<queue>:completed
  std::int64_t failed_in_set = 0;     ///< ZCARD bull:<queue>:failed
  std::int64_t ids_read = 0;          ///< completed job ids read, latest first
  std::int64_t test_jobs_skipped = 0; ///< ids this harness makes ("cutover-..."): not real traffic
  std::int64_t missing = 0;           ///< ids whose hash is gone or lacks its timestamps
  std::int64_t used = 0;              ///< jobs recorded
  std::int64_t oldest_finished_ms = 0;  ///< finishedOn of the oldest job used (ms epoch; 0: none)
  std::int64_t newest_finished_ms = 0;  ///< finishedOn of the newest job used
  /// {"completed_in_set":..,...,"oldest_finished_at":"RFC 3339",...}.
  nlohmann::json to_json() const;
};

/// Passive mode: sends nothing and writes nothing. Reads the latest `jobs`
/// completed jobs of real traffic (bull:<queue>:completed, newest first;
/// the harness's own "cutover-" jobs skipped) and records each one's queue
/// wait (timestamp -> processedOn) and processing (processedOn -> finishedOn)
/// into `into` (1 ms resolution: BullMQ's timestamps). ok, or why not
/// (no Redis endpoint, connection refused...), with the counts in `tally`.
probe_result read_completed_jobs(const session_options& o, int jobs, pass_recorders& into, passive_tally& tally);

/// The plan's Test 3 (context persistence): two messages from a fresh test
/// phone; the second reply must see the first message in its context, and
/// `context:<phone>` in Redis must hold both. ok, or why not.
probe_result check_context(session& s);

}  // namespace cutover::e2e
