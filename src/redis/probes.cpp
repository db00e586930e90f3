#include "redis/probes.hpp"

#include <array>
#include <unistd.h>

#include "core/named.hpp"

namespace cutover::redis {
namespace {

constexpr std::array<named<workload>, 4> infos{{
    {workload::ping, "redis.ping", "ping"},
    {workload::context_rw, "redis.context_rw", "context_rw"},
    {workload::queue_roundtrip, "redis.queue_roundtrip", "queue_roundtrip"},
    {workload::ping_pipeline, "redis.ping_pipeline16", "ping_pipeline16"},
}};
constexpr auto order = values_of(infos);

/// A conversation context of the size the app keeps (last messages + metadata).
std::string make_context_json() {
  std::string j = R"({"phone":"+70000000000","company_id":"962302","client":{"name":"Probe","visits":3},"messages":[)";
  for (int i = 0; i < 12; ++i) {
    if (i) j += ',';
    j += R"({"role":")" + std::string(i % 2 ? "assistant" : "user") + R"(","text":"message )" + std::to_string(i) +
         R"( about booking a haircut tomorrow at 15:00, with the usual master if available","ts":1730800000})";
  }
  j += R"(],"message_count":12,"last_message_id":"probe"})";
  return j;
}

class redis_probe : public probe {
public:
  redis_probe(const redis_endpoint& e, const client_options& o) : client_(e, o) {
    prefix_ = "cutover:probe:" + std::to_string(::getpid()) + ":" + std::to_string(reinterpret_cast<std::uintptr_t>(this)) + ":";
  }
  probe_result open() override {
    auto r = client_.connect();
    if (r.ok()) fingerprint_ = client_.fingerprint();
    return r;
  }
  path_fingerprint fingerprint() const override { return fingerprint_; }

protected:
  client client_;
  std::string prefix_;
  path_fingerprint fingerprint_;
};

class ping_probe final : public redis_probe {
public:
  using redis_probe::redis_probe;
  probe_result run() override {
    auto r = client_.command({"PING"}, &reply_);
    if (r.ok() && reply_.text != "PONG") return probe_result::failure(outcome::check_failed, "PING answered " + reply_.text, true);
    return r;
  }

private:
  reply reply_;
};

class context_probe final : public redis_probe {
public:
  context_probe(const redis_endpoint& e, const client_options& o) : redis_probe(e, o), value_(make_context_json()) {
    key_ = prefix_ + "context:+70000000000";
  }
  ~context_probe() override {
    if (client_.connected()) client_.command({"DEL", key_});
  }
  probe_result run() override {
    auto r = client_.command({"SET", key_, value_, "EX", "600"});
    if (!r.ok()) return r;
    r = client_.command({"GET", key_}, &reply_);
    if (r.ok() && reply_.text.size() != value_.size())
      return probe_result::failure(outcome::check_failed, "GET returned a different value", true);
    return r;
  }

private:
  std::string value_;
  std::string key_;
  reply reply_;
};

/// BullMQ keeps a job in a hash `bull:<queue>:<id>` and its id in the `wait`
/// then `active` lists; a worker moves it and stamps processedOn/finishedOn.
/// This replays those commands (5 round trips) on probe-owned keys.
class queue_probe final : public redis_probe {
public:
  queue_probe(const redis_endpoint& e, const client_options& o) : redis_probe(e, o) {
    q_ = prefix_ + "bull:cutover-probe:";
  }
  ~queue_probe() override {
    if (client_.connected()) client_.command({"DEL", q_ + "wait", q_ + "active", q_ + "completed", q_ + "job"});
  }
  probe_result run() override {
    auto id = std::to_string(++seq_);
    auto job = q_ + "job";
    if (auto r = client_.command({"HSET", job, "name", "message", "data", R"({"phone":"+70000000000","text":"hi"})",
                                  "timestamp", "1730800000000"});
        !r.ok())
      return r;
    if (auto r = client_.command({"LPUSH", q_ + "wait", id}); !r.ok()) return r;
    if (auto r = client_.command({"RPOPLPUSH", q_ + "wait", q_ + "active"}, &reply_); !r.ok()) return r;
    if (reply_.text != id) return probe_result::failure(outcome::check_failed, "queue returned another job id", true);
    if (auto r = client_.command({"HSET", job, "processedOn", "1730800000001", "finishedOn", "1730800000002"}); !r.ok())
      return r;
    return client_.command({"LREM", q_ + "active", "1", id});
  }

private:
  std::string q_;
  std::uint64_t seq_ = 0;
  reply reply_;
};

class pipeline_probe final : public redis_probe {
public:
  using redis_probe::redis_probe;
  probe_result run() override { return client_.pipeline(batch_, &replies_); }

private:
  std::vector<std::vector<std::string>> batch_ = std::vector<std::vector<std::string>>(16, {"PING"});
  std::vector<reply> replies_;
};

}  // namespace

std::span<const workload> all_workloads() noexcept { return order; }

std::string_view metric_id(workload w) noexcept { return id_of(infos, w, "redis.unknown"); }

std::optional<workload> workload_from_string(std::string_view s) noexcept { return find_named(infos, s); }

std::unique_ptr<probe> make_probe(workload w, const redis_endpoint& e, const client_options& o) {
  switch (w) {
    case workload::ping: return std::make_unique<ping_probe>(e, o);
    case workload::context_rw: return std::make_unique<context_probe>(e, o);
    case workload::queue_roundtrip: return std::make_unique<queue_probe>(e, o);
    case workload::ping_pipeline: return std::make_unique<pipeline_probe>(e, o);
  }
  return nullptr;
}

}  // namespace cutover::redis
