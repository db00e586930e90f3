#include "e2e/message.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <random>
#include <thread>

#include "core/error.hpp"
#include "core/json_read.hpp"

namespace cutover::e2e {
namespace {

using namespace std::chrono_literals;

std::string random_hex(int digits) {
  std::random_device rd;
  std::uniform_int_distribution<int> d(0, 15);
  std::string s;
  for (int i = 0; i < digits; ++i) s += "0123456789abcdef"[d(rd)];
  return s;
}

std::optional<std::int64_t> to_int(const std::string& s) {
  try {
    std::size_t used = 0;
    auto v = std::stoll(s, &used);
    if (used == s.size()) return v;
  } catch (...) {
  }
  return std::nullopt;
}

std::string seconds_text(std::chrono::milliseconds ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g s", static_cast<double>(ms.count()) / 1000.0);
  return buf;
}

}  // namespace

session_options make_session_options(const config& cfg, const target& t) {
  if (!t.http) throw config_error("target '" + t.name + "' has no http endpoint (the app's API URL)");
  session_options o;
  o.api = http::parse_url(t.http->url, "targets." + t.name + ".http");
  o.webhook_path = cfg.app.webhook_path;
  o.reply_host = cfg.app.reply_host;
  o.reply_port = cfg.app.reply_port;
  o.queue = cfg.app.queue;
  o.redis = t.redis;
  o.phone_prefix = cfg.app.phone_prefix;
  o.request_timeout = cfg.timeouts.command;
  o.reply_timeout = cfg.app.reply_timeout;
  o.connect_timeout = cfg.timeouts.connect;
  o.command_timeout = cfg.timeouts.command;
  o.drain = cfg.app.drain;
  o.path = t.path;
  o.reply_mode = cfg.app.reply_mode;
  return o;
}

// --- session ------------------------------------------------------------------

session::session(session_options options)
    : options_(std::move(options)), listener_(book_, options_.reply_host, options_.reply_port), run_token_(random_hex(8)) {}

session::~session() {
  if (!finished_) cleanup_contexts();
}

probe_result session::start() {
  if (options_.reply_mode == "listener") return listener_.start();
  if (options_.reply_mode != "job")
    return probe_result::failure(outcome::skipped, "reply_mode " + options_.reply_mode + " sends no message", false);
  // Job mode reads every answer from the app's Redis: without it nothing can be judged.
  std::lock_guard lock(admin_mutex_);
  std::string why;
  if (!admin(why)) return probe_result::failure(outcome::error, "reply_mode job needs the app's Redis: " + why, false);
  return {};
}

std::string session::next_id() { return "cutover-" + run_token_ + "-" + std::to_string(++seq_); }

redis::client* session::admin(std::string& why) {
  if (!options_.redis) {
    why = "no redis endpoint for the app's target";
    return nullptr;
  }
  if (!admin_ || !admin_->connected()) {
    admin_ = std::make_unique<redis::client>(
        *options_.redis, redis::client_options{options_.connect_timeout, options_.command_timeout, true, options_.path});
    if (auto r = admin_->connect(); !r.ok()) {
      why = r.message;
      admin_.reset();
      return nullptr;
    }
  }
  return admin_.get();
}

std::string session::phone(int n) {
  char digits[8];
  std::snprintf(digits, sizeof digits, "%04d", n % 10000);
  auto p = options_.phone_prefix + digits;
  std::lock_guard lock(admin_mutex_);
  if (seen_phones_.insert(p).second) {
    std::string why;
    redis::reply rep;
    // Unknown (no Redis): assume it existed, so nothing of others is deleted.
    if (auto* c = admin(why); c && c->command({"EXISTS", "context:" + p}, &rep).ok() && rep.integer == 0)
      created_phones_.insert(p);
  }
  return p;
}

void session::cleanup_contexts() {
  std::lock_guard lock(admin_mutex_);
  std::string why;
  if (auto* c = admin(why))
    for (const auto& p : created_phones_) c->command({"DEL", "context:" + p});
  created_phones_.clear();
}

reply_tally session::finish() {
  std::this_thread::sleep_for(options_.drain);
  cleanup_contexts();
  finished_ = true;
  return book_.tally();
}

// --- message probe ------------------------------------------------------------

message_probe::message_probe(session& s, std::string phone, std::string pass)
    : session_(s), phone_(std::move(phone)), pass_(std::move(pass)) {}

probe_result message_probe::open() {
  const auto& o = session_.options();
  if (o.redis && (!redis_ || !redis_->connected())) {
    redis_ = std::make_unique<redis::client>(*o.redis, redis::client_options{o.connect_timeout, o.command_timeout, true, o.path});
    if (!redis_->connect().ok()) redis_.reset();  // only the stage split is lost
  }
  return {};
}

probe_result message_probe::run() {
  last_ = send("cutover e2e check");
  return last_.status;
}

path_fingerprint message_probe::fingerprint() const { return session_.fingerprint(); }

path_fingerprint session::fingerprint() const {
  const auto& o = options_;
  path_fingerprint f;
  f.endpoint = o.api.host + ":" + std::to_string(o.api.port);
  f.resolved = f.endpoint;
  f.path = o.path;
  return f;
}

message_result message_probe::send(const std::string& text) {
  const auto& o = session_.options();
  message_result r;
  r.id = session_.next_id();
  auto body = nlohmann::json{{"phone", phone_}, {"text", text}, {"message_id", r.id}}.dump();
  // Registered before the POST: the reply may arrive before the POST returns.
  auto sent_at = e2e_clock::now();
  auto deadline = sent_at + o.reply_timeout;
  session_.book().expect(r.id, pass_, sent_at, deadline);
  auto res = http::send(o.api, "POST", o.webhook_path, body, o.request_timeout);
  auto refuse = [&](outcome oc, const std::string& why) {
    session_.book().cancel(r.id);
    r.status = probe_result::failure(oc, why, true);
    return r;
  };
  if (!res.status.ok()) return refuse(res.status.result, res.status.message);
  auto answer = parse_json_or_discarded(res.body);
  std::string where = "POST " + o.webhook_path;
  if (res.code != 200) return refuse(outcome::error, where + ": HTTP " + std::to_string(res.code) + " " + res.body.substr(0, 120));
  if (!answer.is_object()) return refuse(outcome::protocol_error, where + ": the answer is not JSON: " + res.body.substr(0, 80));
  if (answer.value("status", "") != "queued")
    return refuse(outcome::check_failed, where + ": not queued: " + res.body.substr(0, 120));
  if (o.reply_mode == "job")
    if (auto watched = watch_job(r.id, sent_at, deadline); !watched.ok()) {
      r.status = watched;
      return r;
    }
  auto at = session_.book().wait(r.id, deadline);
  if (!at) {
    r.status = probe_result::failure(outcome::timeout, "no reply to " + r.id + " within " + seconds_text(o.reply_timeout), true);
    return r;
  }
  r.status.elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(*at - sent_at);
  r.reply = session_.book().payload(r.id);
  read_job(r);
  return r;
}

void message_probe::read_job(message_result& r) {
  if (!redis_) return;
  const auto& o = session_.options();
  auto key = "bull:" + o.queue + ":" + r.id;
  // finishedOn is written after the reply POST returns: poll briefly.
  auto until = e2e_clock::now() + o.job_wait;
  for (;;) {
    redis::reply rep;
    if (!redis_->command({"HMGET", key, "timestamp", "processedOn", "finishedOn"}, &rep).ok() || rep.elements.size() != 3)
      return;
    auto ts = to_int(rep.elements[0]);
    auto started = to_int(rep.elements[1]);
    auto finished = to_int(rep.elements[2]);
    if (ts && started) r.queue_wait = std::chrono::milliseconds(std::max<std::int64_t>(0, *started - *ts));
    if (started && finished) {
      r.processing = std::chrono::milliseconds(std::max<std::int64_t>(0, *finished - *started));
      return;
    }
    if (e2e_clock::now() >= until) return;
    std::this_thread::sleep_for(2ms);
  }
}

// Job mode: the answer is the job's completion. Polls the job hash (and the
// completed set, BullMQ's state) until finishedOn appears or the deadline
// passes; a completed job is a reply to the book, stamped when seen, with its
// returnvalue as the payload. The poll interval grows with the wait (1 ms,
// up to elapsed/200, at most 20 ms), so seeing the completion adds <= 0.5%
// (or 1 ms) to the measured time. ok when completed or still running at the
// deadline (the book then says timeout); check_failed for a failed job.
probe_result message_probe::watch_job(const std::string& id, e2e_clock::time_point sent_at, e2e_clock::time_point deadline) {
  auto fail = [](outcome oc, std::string why) { return probe_result::failure(oc, std::move(why), true); };
  if (!redis_) return fail(outcome::error, "no connection to the app's Redis (reply_mode job reads the job hash there)");
  const auto& o = session_.options();
  const auto key = "bull:" + o.queue + ":" + id;
  const std::vector<std::vector<std::string>> poll{{"HMGET", key, "timestamp", "finishedOn", "returnvalue", "failedReason"},
                                                  {"ZSCORE", "bull:" + o.queue + ":completed", id}};
  bool seen = false;
  for (;;) {
    std::vector<redis::reply> reps;
    auto res = redis_->pipeline(poll, &reps);
    const auto now = e2e_clock::now();
    if (!res.ok()) return fail(res.result, "reading " + key + ": " + res.message);
    if (reps.size() != 2 || reps[0].elements.size() != 4) return fail(outcome::protocol_error, "reading " + key + ": unexpected reply");
    const auto& f = reps[0].elements;
    if (to_int(f[0])) seen = true;
    if (to_int(f[1])) {
      if (reps[1].type != redis::reply::kind::nil) {
        auto payload = parse_json_or_discarded(f[2]);
        session_.book().on_reply(id, now, payload.is_discarded() ? nlohmann::json(f[2]) : payload);
        return {};
      }
      return fail(outcome::check_failed, "job " + id + " failed: " +
                                             (f[3].empty() ? std::string("finished but not in the completed set") : f[3].substr(0, 200)));
    }
    if (!to_int(f[0]) && seen)
      return fail(outcome::protocol_error, "job hash " + key +
                                               " vanished before it was seen finished (removeOnComplete?): reply_mode job "
                                               "needs the app to keep completed jobs");
    if (now >= deadline) return {};
    const auto wait = std::clamp<e2e_clock::duration>((now - sent_at) / 200, 1ms, 20ms);
    std::this_thread::sleep_for(std::min<e2e_clock::duration>(wait, deadline - now));
  }
}

// --- passive ----------------------------------------------------------------

nlohmann::json passive_tally::to_json() const {
  auto rfc3339 = [](std::int64_t ms) -> nlohmann::json {
    if (ms <= 0) return nullptr;
    std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    ::gmtime_r(&secs, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
    return buf;
  };
  return {{"completed_in_set", completed_in_set}, {"failed_in_set", failed_in_set}, {"ids_read", ids_read},
          {"test_jobs_skipped", test_jobs_skipped}, {"missing", missing}, {"used", used},
          {"oldest_finished_at", rfc3339(oldest_finished_ms)}, {"newest_finished_at", rfc3339(newest_finished_ms)}};
}

probe_result read_completed_jobs(const session_options& o, int jobs, pass_recorders& into, passive_tally& tally) {
  if (!o.redis) return probe_result::failure(outcome::error, "passive mode reads the app's Redis: the target has none", false);
  redis::client c(*o.redis, redis::client_options{o.connect_timeout, o.command_timeout, true, o.path});
  if (auto r = c.connect(); !r.ok()) return r;
  // Read-only: ZCARD, ZREVRANGE and HMGET, nothing else.
  const auto prefix = "bull:" + o.queue + ":";
  std::vector<redis::reply> counts;
  if (auto r = c.pipeline({{"ZCARD", prefix + "completed"}, {"ZCARD", prefix + "failed"}}, &counts); !r.ok()) return r;
  if (counts.size() == 2) {
    tally.completed_in_set = counts[0].integer;
    tally.failed_in_set = counts[1].integer;
  }
  constexpr std::int64_t page = 500;
  // Enough pages for `jobs` real ones even when test jobs are mixed in, but bounded.
  const std::int64_t max_ids = std::max<std::int64_t>(page, static_cast<std::int64_t>(jobs) * 20);
  for (std::int64_t start = 0; tally.used < jobs && start < std::min(tally.completed_in_set, max_ids); start += page) {
    redis::reply ids;
    if (auto r = c.command({"ZREVRANGE", prefix + "completed", std::to_string(start), std::to_string(start + page - 1)}, &ids);
        !r.ok())
      return r;
    if (ids.elements.empty()) break;
    std::vector<std::vector<std::string>> reads;
    for (const auto& id : ids.elements) {
      ++tally.ids_read;
      if (id.starts_with("cutover-")) {
        ++tally.test_jobs_skipped;
        continue;
      }
      reads.push_back({"HMGET", prefix + id, "timestamp", "processedOn", "finishedOn"});
    }
    std::vector<redis::reply> hashes;
    if (!reads.empty())
      if (auto r = c.pipeline(reads, &hashes); !r.ok()) return r;
    for (std::size_t i = 0; i < hashes.size() && tally.used < jobs; ++i) {
      const auto& f = hashes[i].elements;
      // -1: the field is missing (hash expired or removed between the two reads).
      const auto ts = f.size() == 3 ? to_int(f[0]).value_or(-1) : -1;
      const auto started = f.size() == 3 ? to_int(f[1]).value_or(-1) : -1;
      const auto finished = f.size() == 3 ? to_int(f[2]).value_or(-1) : -1;
      if (ts < 0 || started < 0 || finished < 0) {
        ++tally.missing;
        continue;
      }
      into.queue_wait.record(std::chrono::milliseconds(std::max<std::int64_t>(0, started - ts)));
      into.processing.record(std::chrono::milliseconds(std::max<std::int64_t>(0, finished - started)));
      ++tally.used;
      if (tally.newest_finished_ms == 0 || finished > tally.newest_finished_ms) tally.newest_finished_ms = finished;
      if (tally.oldest_finished_ms == 0 || finished < tally.oldest_finished_ms) tally.oldest_finished_ms = finished;
    }
  }
  return {};
}

// --- passes -------------------------------------------------------------------

pass_stop run_pass(session& s, const pass_options& options, pass_recorders& into) {
  int lanes = std::max(1, std::min(options.concurrency, options.messages));
  std::atomic<int> next{0};
  std::atomic<int> failures_in_a_row{0};
  std::atomic<bool> stop{false};
  std::mutex stop_mutex;
  pass_stop why;
  auto stop_with = [&](bool gave_up, bool deadline, std::string text) {
    std::lock_guard lock(stop_mutex);
    if (!stop.exchange(true)) why = {gave_up, deadline, std::move(text)};
  };
  std::vector<std::unique_ptr<pass_recorders>> per_lane;
  std::vector<std::unique_ptr<message_probe>> probes;
  for (int i = 0; i < lanes; ++i) {
    per_lane.push_back(std::make_unique<pass_recorders>());
    probes.push_back(std::make_unique<message_probe>(s, s.phone(options.first_phone + i), options.pass));
  }
  auto lane = [&](int i) {
    auto& rec = *per_lane[static_cast<std::size_t>(i)];
    auto& p = *probes[static_cast<std::size_t>(i)];
    p.open();
    for (;;) {
      if (stop) return;
      if (e2e_clock::now() >= options.deadline) {
        stop_with(false, true, "the run deadline passed");
        return;
      }
      if (next.fetch_add(1) >= options.messages) return;
      auto r = p.run();
      if (r.ok()) {
        failures_in_a_row = 0;
        rec.message.record(*r.elapsed);
        if (p.last().queue_wait) rec.queue_wait.record(*p.last().queue_wait);
        if (p.last().processing) rec.processing.record(*p.last().processing);
        continue;
      }
      rec.message.record_failure(r.result, r.message);
      int in_a_row = ++failures_in_a_row;
      if (r.result == outcome::timeout && s.book().tally().answered == 0)
        stop_with(true, false, "no reply to any message yet and " + r.message + ": the path looks dead");
      else if (options.give_up_after > 0 && in_a_row >= options.give_up_after)
        stop_with(true, false, std::to_string(in_a_row) + " messages in a row failed (last: " + r.message + ")");
    }
  };
  std::vector<std::thread> threads;
  for (int i = 1; i < lanes; ++i) threads.emplace_back(lane, i);
  lane(0);
  for (auto& t : threads) t.join();
  for (auto& r : per_lane) {
    into.message.merge(r->message);
    into.queue_wait.merge(r->queue_wait);
    into.processing.merge(r->processing);
  }
  int unsent = options.messages - std::min(next.load(), options.messages);
  for (int i = 0; i < unsent; ++i) into.message.record_failure(outcome::skipped, "not sent: " + why.why);
  return why;
}

// --- context persistence ------------------------------------------------------

probe_result check_context(session& s) {
  std::string why;
  // A phone with no context yet, so the first message starts a conversation.
  std::string phone;
  {
    std::random_device rd;
    for (int i = 0; i < 10 && phone.empty(); ++i) {
      auto candidate = 9000 + static_cast<int>(rd() % 1000);
      auto p = s.phone(candidate);
      auto* c = s.admin(why);
      if (!c) return probe_result::failure(outcome::error, "cannot read the app's Redis: " + why);
      redis::reply rep;
      if (c->command({"EXISTS", "context:" + p}, &rep).ok() && rep.integer == 0) phone = p;
    }
  }
  if (phone.empty()) return probe_result::failure(outcome::error, "no free test phone under prefix " + s.options().phone_prefix);
  message_probe probe(s, phone, "context");
  probe.open();
  auto first = probe.send("cutover context check: first message");
  if (!first.status.ok()) return probe_result::failure(first.status.result, "first message: " + first.status.message);
  auto second = probe.send("cutover context check: second message");
  if (!second.status.ok()) return probe_result::failure(second.status.result, "second message: " + second.status.message);
  const auto& rep = second.reply;
  auto seen = rep.value("context_message_count", -1);
  auto previous = rep.value("context_previous_message_id", std::string());
  if (seen < 1 || previous != first.id)
    return probe_result::failure(outcome::check_failed, "the second reply did not see the first message in its context (context_message_count " +
                                                            std::to_string(seen) + ", previous id '" + previous +
                                                            "', expected '" + first.id + "')");
  auto* c = s.admin(why);
  if (!c) return probe_result::failure(outcome::error, "cannot read the app's Redis: " + why);
  redis::reply value;
  auto key = "context:" + phone;
  if (auto r = c->command({"GET", key}, &value); !r.ok()) return probe_result::failure(r.result, "GET " + key + ": " + r.message);
  auto ctx = parse_json_or_discarded(value.text);
  if (value.type != redis::reply::kind::string || !ctx.is_object())
    return probe_result::failure(outcome::check_failed, key + " is missing or not JSON after two messages");
  std::vector<std::string> ids;
  for (const auto& m : ctx.value("messages", nlohmann::json::array()))
    if (m.is_object()) ids.push_back(m.value("id", ""));
  bool both = std::find(ids.begin(), ids.end(), first.id) != ids.end() && std::find(ids.begin(), ids.end(), second.id) != ids.end();
  if (!both || ctx.value("last_message_id", "") != second.id)
    return probe_result::failure(outcome::check_failed, key + " does not hold both messages (last_message_id '" +
                                                            ctx.value("last_message_id", "") + "')");
  probe_result ok;
  ok.message = "the second reply saw the first message (" + first.id + ") in its context, and " + key + " holds both (" +
               std::to_string(ids.size()) + " messages)";
  return ok;
}

}  // namespace cutover::e2e
