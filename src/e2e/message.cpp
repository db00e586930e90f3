#include "e2e/message.hpp"

#include <algorithm>
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
  return o;
}

// --- session ------------------------------------------------------------------

session::session(session_options options)
    : options_(std::move(options)), listener_(book_, options_.reply_host, options_.reply_port), run_token_(random_hex(8)) {}

session::~session() {
  if (!finished_) cleanup_contexts();
}

probe_result session::start() { return listener_.start(); }

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
