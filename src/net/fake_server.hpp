#pragma once
/// Tests only: a small loopback TCP server that misbehaves on purpose (drips
/// a reply a byte at a time, floods an endless one, or never answers), to
/// prove that probes end within their deadlines. Header-only, POSIX sockets.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace cutover::net::testing {

/// Whether the server should stop (checked by behaviours between steps).
using stop_flag = const std::atomic<bool>&;
/// What the server does with one accepted connection (fd closed afterwards).
using behaviour = std::function<void(int fd, stop_flag stop)>;

/// Listens on 127.0.0.1 (ephemeral port) and runs `b` on every connection,
/// each in its own thread, until destroyed.
class fake_server {
public:
  explicit fake_server(behaviour b) : b_(std::move(b)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 16) != 0)
      throw std::runtime_error("fake_server: cannot listen");
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~fake_server() {
    stop_ = true;
    acceptor_.join();
    std::lock_guard lock(mutex_);
    for (auto& t : workers_) t.join();
    ::close(fd_);
  }
  fake_server(const fake_server&) = delete;
  fake_server& operator=(const fake_server&) = delete;

  /// The port it listens on.
  std::uint16_t port() const { return port_; }
  /// Connections accepted so far.
  int accepted() const { return accepted_.load(); }

private:
  void accept_loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      ++accepted_;
      std::lock_guard lock(mutex_);
      workers_.emplace_back([this, c] {
        b_(c, stop_);
        ::close(c);
      });
    }
  }
  behaviour b_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::thread acceptor_;
  std::mutex mutex_;
  std::vector<std::thread> workers_;
};

/// Sleeps in short slices; false when told to stop.
inline bool nap(std::chrono::milliseconds d, stop_flag stop) {
  for (auto end = std::chrono::steady_clock::now() + d; std::chrono::steady_clock::now() < end;) {
    if (stop) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return !stop;
}

/// Reads and discards whatever arrives for `d` (or until stop); false when
/// the peer closed.
inline bool drain(int fd, std::chrono::milliseconds d, stop_flag stop) {
  char buf[4096];
  for (auto end = std::chrono::steady_clock::now() + d; !stop && std::chrono::steady_clock::now() < end;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5) > 0 && ::recv(fd, buf, sizeof buf, MSG_DONTWAIT) == 0) return false;
  }
  return true;
}

/// What a server does first on a connection (e.g. a protocol's startup);
/// false to hang up.
using handshake = std::function<bool(int fd, stop_flag stop)>;

/// Waits until a request arrives and reads it (what comes within 20 ms).
inline bool await_request(int fd, stop_flag stop) {
  char buf[4096];
  while (!stop) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    if (::recv(fd, buf, sizeof buf, MSG_DONTWAIT) <= 0) return false;
    return drain(fd, std::chrono::milliseconds(20), stop);
  }
  return false;
}

/// After the handshake, waits for a request and answers with `reply`, one
/// byte every `every`, forever (the reply repeats).
inline behaviour drip(std::string reply, std::chrono::milliseconds every, handshake start = {}) {
  return [=](int fd, stop_flag stop) {
    if ((start && !start(fd, stop)) || !await_request(fd, stop)) return;
    for (std::size_t i = 0; nap(every, stop); ++i)
      if (::send(fd, &reply[i % reply.size()], 1, MSG_NOSIGNAL) < 0) return;
  };
}

/// After the handshake, waits for a request, sends `head`, then `chunk` over
/// and over as fast as the client reads (an endless reply).
inline behaviour flood(std::string head, std::string chunk, handshake start = {}) {
  return [=](int fd, stop_flag stop) {
    if ((start && !start(fd, stop)) || !await_request(fd, stop)) return;
    if (::send(fd, head.data(), head.size(), MSG_NOSIGNAL) < 0) return;
    while (!stop) {
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      if (::send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL | MSG_DONTWAIT) < 0 && errno != EAGAIN) return;
    }
  };
}

/// After the handshake, reads and never answers.
inline behaviour black_hole(handshake start = {}) {
  return [=](int fd, stop_flag stop) {
    if (start && !start(fd, stop)) return;
    while (!stop && drain(fd, std::chrono::milliseconds(50), stop)) {
    }
  };
}

}  // namespace cutover::net::testing
