#include "e2e/reply_book.hpp"

namespace cutover::e2e {

double reply_tally::success_pct() const noexcept {
  return sent ? 100.0 * static_cast<double>(answered) / static_cast<double>(sent) : 0.0;
}

nlohmann::json reply_tally::to_json() const {
  return {{"sent", sent},       {"answered", answered},     {"late", late},          {"lost", lost},
          {"duplicated", duplicated}, {"unexpected", unexpected}, {"success_pct", success_pct()}};
}

bool reply_book::expect(const std::string& id, std::string pass, e2e_clock::time_point sent_at,
                        e2e_clock::time_point deadline) {
  std::lock_guard lock(mutex_);
  return entries_.emplace(id, entry{std::move(pass), sent_at, deadline, std::nullopt, 0, nullptr}).second;
}

void reply_book::cancel(const std::string& id) {
  std::lock_guard lock(mutex_);
  entries_.erase(id);
}

void reply_book::on_reply(const std::string& id, e2e_clock::time_point at, nlohmann::json payload) {
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(id);
    if (it == entries_.end()) {
      // A reply from an earlier run (or another harness) is not ours to judge.
      ++unexpected_;
      return;
    }
    if (++it->second.replies == 1) {
      it->second.first_reply = at;
      it->second.payload = std::move(payload);
    }
  }
  arrived_.notify_all();
}

std::optional<e2e_clock::time_point> reply_book::wait(const std::string& id, e2e_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return std::nullopt;
  const auto& e = it->second;  // map nodes are stable while we wait
  arrived_.wait_until(lock, deadline, [&] { return e.first_reply.has_value(); });
  if (!e.first_reply || *e.first_reply > e.deadline) return std::nullopt;
  return e.first_reply;
}

nlohmann::json reply_book::payload(const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id);
  return it == entries_.end() ? nlohmann::json() : it->second.payload;
}

reply_tally reply_book::tally(const std::string& pass) const {
  std::lock_guard lock(mutex_);
  reply_tally t;
  for (const auto& [id, e] : entries_) {
    if (!pass.empty() && e.pass != pass) continue;
    ++t.sent;
    if (!e.first_reply) ++t.lost;
    else if (*e.first_reply > e.deadline) ++t.late;
    else ++t.answered;
    if (e.replies > 1) t.duplicated += e.replies - 1;
  }
  if (pass.empty()) t.unexpected = unexpected_;
  return t;
}

}  // namespace cutover::e2e
