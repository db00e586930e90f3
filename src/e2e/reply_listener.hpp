#pragma once
/// The HTTP listener the app delivers replies to (its REPLY_URL): every POST
/// with a JSON body carrying "message_id" is stamped on the e2e clock and
/// handed to a reply_book. Runs its own thread; loopback only.
#include <cstdint>
#include <memory>
#include <string>

#include "core/outcome.hpp"
#include "e2e/reply_book.hpp"

namespace cutover::e2e {

/// Listens on 127.0.0.1:port while alive. Thread-safe to construct and
/// destroy from one thread; the book must outlive it.
class reply_listener {
public:
  /// Does not listen yet; see start().
  reply_listener(reply_book& book, std::string host, std::uint16_t port);
  ~reply_listener();
  reply_listener(const reply_listener&) = delete;
  reply_listener& operator=(const reply_listener&) = delete;

  /// Binds and starts the accept thread. Fails (error) for a non-loopback
  /// host or a port already in use. Port 0 picks a free port.
  probe_result start();
  /// The bound port (after start()).
  std::uint16_t port() const noexcept;
  /// Requests that were not a reply (bad JSON, no message_id): answered 400.
  std::int64_t rejected() const noexcept;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace cutover::e2e
