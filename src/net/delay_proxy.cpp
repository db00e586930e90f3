#include "net/delay_proxy.hpp"

#include <algorithm>
#include <cstdio>
#include <deque>
#include <future>
#include <random>
#include <span>
#include <utility>
#include <vector>

#include <boost/asio/buffers_iterator.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "net/endpoint.hpp"

namespace cutover::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

std::string format_ms(std::chrono::microseconds d) {
  char text[32];
  std::snprintf(text, sizeof text, "%gms", static_cast<double>(d.count()) / 1000.0);
  return text;
}

std::optional<std::chrono::microseconds> ms_to_us(std::string_view text) {
  const auto ms = detail::parse_non_negative(text);
  // An hour is far beyond any WAN; the bound keeps time_point arithmetic safe.
  if (!ms || *ms > 3'600'000.0) {
    return std::nullopt;
  }
  return std::chrono::round<std::chrono::microseconds>(std::chrono::duration<double, std::milli>(*ms));
}

std::vector<std::string_view> split_words(std::string_view line) {
  std::vector<std::string_view> words;
  std::size_t pos = 0;
  while (true) {
    pos = line.find_first_not_of(" \t\r\n", pos);
    if (pos == std::string_view::npos) {
      return words;
    }
    const auto end = std::min(line.find_first_of(" \t\r\n", pos), line.size());
    words.push_back(line.substr(pos, end - pos));
    pos = end;
  }
}

void require_loopback(const tcp::endpoint& e, std::string_view what) {
  if (!is_loopback(e.address())) {
    throw usage_error(std::string(what) + " " + to_string(e) + ": only loopback addresses (127.0.0.0/8, ::1) are allowed");
  }
}

error_code open_acceptor(tcp::acceptor& acceptor, const tcp::endpoint& at) {
  error_code ec;
  acceptor.open(at.protocol(), ec);
  if (!ec) {
    // The listener is reopened on the same port after refuse/down, while
    // earlier connections may sit in TIME_WAIT.
    acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  }
  if (!ec) {
    acceptor.bind(at, ec);
  }
  if (!ec) {
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    error_code ignored;
    acceptor.close(ignored);
  }
  return ec;
}

void close_socket(tcp::socket& s, bool with_reset) {
  error_code ignored;
  if (with_reset && s.is_open()) {
    // Linger 0 makes close() send RST instead of FIN: the peer sees "connection reset".
    s.set_option(asio::socket_base::linger(true, 0), ignored);
  }
  s.close(ignored);
}

}  // namespace

std::string to_json(const delay_proxy_status& s) {
  const nlohmann::json j = {
      {"delay_ms", static_cast<double>(s.one_way_delay.count()) / 1000.0},
      {"jitter_ms", static_cast<double>(s.jitter.count()) / 1000.0},
      {"fault", s.fault},
      {"fault_settings", s.fault_settings},
      {"accepting", s.accepting},
      {"connections", s.connections},
      {"accepted", s.accepted},
      {"bytes_up", s.bytes_up},
      {"bytes_down", s.bytes_down},
  };
  return j.dump();
}

namespace detail {

class connection;
class control_session;

/// State shared by the listener, the control port and every connection;
/// touched only on the io_context's thread.
class proxy_core : public std::enable_shared_from_this<proxy_core> {
public:
  proxy_core(asio::io_context& io, delay_proxy_options options);

  void start();
  void stop();
  void set_delay(std::chrono::microseconds one_way, std::chrono::microseconds jitter);
  error_code set_fault(std::shared_ptr<const fault> f);
  std::string command(std::string_view line);
  delay_proxy_status status();

  /// When a chunk that left the sender at `sent` reaches the receiver.
  proxy_clock::time_point arrival_time(proxy_clock::time_point sent);
  const fault& current_fault() const { return *fault_; }
  const delay_proxy_options& options() const { return options_; }
  asio::io_context& io() { return io_; }
  // Fixed after construction, so any thread may read them.
  const tcp::endpoint& listen_endpoint() const { return listen_endpoint_; }
  const std::optional<tcp::endpoint>& control_endpoint() const { return control_endpoint_; }
  std::uint64_t& bytes_up() { return bytes_up_; }
  std::uint64_t& bytes_down() { return bytes_down_; }

private:
  void accept(std::uint64_t generation);
  void accept_control();
  void prune();

  asio::io_context& io_;
  const delay_proxy_options options_;
  tcp::acceptor acceptor_;
  tcp::acceptor control_acceptor_;
  asio::steady_timer accept_retry_;
  tcp::endpoint listen_endpoint_;
  std::optional<tcp::endpoint> control_endpoint_;
  // Bumped whenever the listener closes, so a stale accept loop ends.
  std::uint64_t listener_generation_ = 0;
  std::chrono::microseconds one_way_;
  std::chrono::microseconds jitter_;
  std::mt19937_64 random_;
  std::shared_ptr<const fault> fault_ = no_fault();
  fault_registry faults_;
  std::vector<std::weak_ptr<connection>> connections_;
  std::vector<std::weak_ptr<control_session>> control_sessions_;
  std::uint64_t accepted_ = 0;
  std::uint64_t bytes_up_ = 0;
  std::uint64_t bytes_down_ = 0;
  bool stopped_ = false;
};

/// One proxied connection: two pipes, each reading from one socket and
/// writing to the other once a chunk's release time has come.
class connection : public std::enable_shared_from_this<connection> {
public:
  connection(std::shared_ptr<proxy_core> core, tcp::socket client)
      : core_(std::move(core)),
        client_(std::move(client)),
        upstream_(core_->io()),
        up_(client_, upstream_, core_->bytes_up(), core_->options().read_bytes),
        down_(upstream_, client_, core_->bytes_down(), core_->options().read_bytes) {}

  void start() {
    upstream_.async_connect(core_->options().upstream, [self = shared_from_this()](error_code ec) {
      if (self->closed_) {
        return;
      }
      if (ec) {
        // Upstream is down: the client sees a reset, as from a dead server.
        self->close(true);
        return;
      }
      error_code ignored;
      // Chunks must leave at their release time, not wait for Nagle.
      self->client_.set_option(tcp::no_delay(true), ignored);
      self->upstream_.set_option(tcp::no_delay(true), ignored);
      self->read(self->up_);
      self->read(self->down_);
    });
  }

  void close(bool with_reset) {
    if (closed_) {
      return;
    }
    closed_ = true;
    close_socket(client_, with_reset);
    close_socket(upstream_, with_reset);
    up_.timer.cancel();
    down_.timer.cancel();
  }

  bool is_open() const { return !closed_; }

private:
  // Empty data marks the end of the stream (the sender shut down its side).
  struct chunk {
    std::vector<char> data;
    proxy_clock::time_point release;
  };

  struct pipe {
    pipe(tcp::socket& from_socket, tcp::socket& to_socket, std::uint64_t& forwarded_bytes, std::size_t read_bytes)
        : from(from_socket), to(to_socket), timer(to_socket.get_executor()), buffer(read_bytes),
          forwarded(forwarded_bytes) {}
    tcp::socket& from;
    tcp::socket& to;
    asio::steady_timer timer;
    std::vector<char> buffer;
    std::deque<chunk> queue;
    std::size_t queued_bytes = 0;
    proxy_clock::time_point last_release{};
    proxy_clock::time_point link_free{};
    bool reading = false;
    bool writing = false;
    bool read_done = false;
    bool write_done = false;
    std::uint64_t& forwarded;
  };

  void read(pipe& p) {
    p.reading = true;
    p.from.async_read_some(asio::buffer(p.buffer), [self = shared_from_this(), &p](error_code ec, std::size_t n) {
      self->on_read(p, ec, n);
    });
  }

  void on_read(pipe& p, error_code ec, std::size_t n) {
    p.reading = false;
    if (closed_) {
      return;
    }
    const auto now = proxy_clock::now();
    if (ec == asio::error::eof) {
      // A close still travels (even through a blackhole) so connections do not leak.
      p.read_done = true;
      enqueue(p, {}, now);
      return;
    }
    if (ec) {
      close(true);
      return;
    }
    if (const auto sent = core_->current_fault().send(n, now, p.link_free)) {
      enqueue(p, std::vector<char>(p.buffer.begin(), p.buffer.begin() + static_cast<std::ptrdiff_t>(n)), *sent);
    }
    if (p.queued_bytes < core_->options().max_queued_bytes) {
      read(p);
    }
  }

  void enqueue(pipe& p, std::vector<char> data, proxy_clock::time_point sent) {
    // Never before the chunk ahead: jitter delays, it does not reorder.
    p.last_release = std::max(p.last_release, core_->arrival_time(sent));
    p.queued_bytes += data.size();
    p.queue.push_back(chunk{std::move(data), p.last_release});
    if (!p.writing) {
      write_next(p);
    }
  }

  void write_next(pipe& p) {
    p.writing = !p.queue.empty();
    if (!p.writing) {
      return;
    }
    const auto release = p.queue.front().release;
    p.timer.expires_at(release - core_->options().spin);
    p.timer.async_wait([self = shared_from_this(), &p, release](error_code ec) {
      if (!ec && !self->closed_) {
        // The last stretch (at most options.spin) on the clock, not a timer.
        while (proxy_clock::now() < release) {
        }
        self->write_front(p);
      }
    });
  }

  void write_front(pipe& p) {
    if (p.queue.front().data.empty()) {
      error_code ignored;
      p.to.shutdown(tcp::socket::shutdown_send, ignored);
      p.queue.pop_front();
      p.writing = false;
      p.write_done = true;
      if (up_.write_done && down_.write_done) {
        close(false);
      }
      return;
    }
    asio::async_write(p.to, asio::buffer(p.queue.front().data),
                      [self = shared_from_this(), &p](error_code ec, std::size_t n) {
                        if (self->closed_) {
                          return;
                        }
                        if (ec) {
                          self->close(true);
                          return;
                        }
                        p.forwarded += n;
                        p.queued_bytes -= n;
                        p.queue.pop_front();
                        if (!p.reading && !p.read_done && p.queued_bytes < self->core_->options().max_queued_bytes) {
                          self->read(p);
                        }
                        self->write_next(p);
                      });
  }

  std::shared_ptr<proxy_core> core_;
  tcp::socket client_;
  tcp::socket upstream_;
  pipe up_;
  pipe down_;
  bool closed_ = false;
};

/// One client of the control port: a line in, a line out.
class control_session : public std::enable_shared_from_this<control_session> {
public:
  control_session(std::shared_ptr<proxy_core> core, tcp::socket socket)
      : core_(std::move(core)), socket_(std::move(socket)) {}

  void read() {
    asio::async_read_until(socket_, input_, '\n', [self = shared_from_this()](error_code ec, std::size_t n) {
      if (ec) {
        // Closed by the client, by stop(), or a line longer than the buffer.
        self->close();
        return;
      }
      const auto begin = asio::buffers_begin(self->input_.data());
      const std::string line(begin, begin + static_cast<std::ptrdiff_t>(n));
      self->input_.consume(n);
      const auto words = split_words(line);
      const bool quit = words.size() == 1 && words[0] == "quit";
      self->reply_ = (quit ? std::string("ok bye") : self->core_->command(line)) + "\n";
      asio::async_write(self->socket_, asio::buffer(self->reply_), [self, quit](error_code write_ec, std::size_t) {
        if (write_ec || quit) {
          self->close();
          return;
        }
        self->read();
      });
    });
  }

  void close() {
    error_code ignored;
    socket_.close(ignored);
  }

private:
  std::shared_ptr<proxy_core> core_;
  tcp::socket socket_;
  asio::streambuf input_{4096};
  std::string reply_;
};

proxy_core::proxy_core(asio::io_context& io, delay_proxy_options options)
    : io_(io),
      options_(std::move(options)),
      acceptor_(io),
      control_acceptor_(io),
      accept_retry_(io),
      one_way_(options_.one_way_delay),
      jitter_(options_.jitter),
      random_(options_.seed) {
  require_loopback(options_.listen, "listen");
  require_loopback(options_.upstream, "upstream");
  if (options_.control) {
    require_loopback(*options_.control, "control");
  }
  if (one_way_.count() < 0 || jitter_.count() < 0 || options_.read_bytes == 0) {
    throw usage_error("delay proxy: delay and jitter must be >= 0 and read_bytes > 0");
  }
  register_builtin_faults(faults_);
  if (const auto ec = open_acceptor(acceptor_, options_.listen)) {
    throw error("delay proxy: cannot listen on " + to_string(options_.listen) + ": " + ec.message());
  }
  listen_endpoint_ = acceptor_.local_endpoint();
  if (options_.control) {
    if (const auto ec = open_acceptor(control_acceptor_, *options_.control)) {
      throw error("delay proxy: cannot listen on control " + to_string(*options_.control) + ": " + ec.message());
    }
    control_endpoint_ = control_acceptor_.local_endpoint();
  }
}

void proxy_core::start() {
  accept(listener_generation_);
  if (control_acceptor_.is_open()) {
    accept_control();
  }
}

void proxy_core::accept(std::uint64_t generation) {
  if (stopped_ || generation != listener_generation_) {
    return;
  }
  acceptor_.async_accept([self = shared_from_this(), generation](error_code ec, tcp::socket socket) {
    if (self->stopped_ || generation != self->listener_generation_) {
      return;
    }
    if (ec) {
      // Out of descriptors, say: retry a little later instead of spinning.
      self->accept_retry_.expires_after(std::chrono::milliseconds(100));
      self->accept_retry_.async_wait([self, generation](error_code) { self->accept(generation); });
      return;
    }
    ++self->accepted_;
    if (self->fault_->effects().reset) {
      close_socket(socket, true);
    } else {
      self->prune();
      auto c = std::make_shared<connection>(self, std::move(socket));
      self->connections_.push_back(c);
      c->start();
    }
    self->accept(generation);
  });
}

void proxy_core::accept_control() {
  control_acceptor_.async_accept([self = shared_from_this()](error_code ec, tcp::socket socket) {
    if (self->stopped_) {
      return;
    }
    if (!ec) {
      auto session = std::make_shared<control_session>(self, std::move(socket));
      self->control_sessions_.push_back(session);
      session->read();
    }
    self->accept_control();
  });
}

void proxy_core::prune() {
  std::erase_if(connections_, [](const auto& w) {
    const auto c = w.lock();
    return !c || !c->is_open();
  });
  std::erase_if(control_sessions_, [](const auto& w) { return w.expired(); });
}

void proxy_core::stop() {
  if (stopped_) {
    return;
  }
  stopped_ = true;
  error_code ignored;
  acceptor_.close(ignored);
  control_acceptor_.close(ignored);
  accept_retry_.cancel();
  for (const auto& w : connections_) {
    if (const auto c = w.lock()) {
      c->close(false);
    }
  }
  for (const auto& w : control_sessions_) {
    if (const auto s = w.lock()) {
      s->close();
    }
  }
}

void proxy_core::set_delay(std::chrono::microseconds one_way, std::chrono::microseconds jitter) {
  if (one_way.count() < 0 || jitter.count() < 0) {
    throw usage_error("delay and jitter must be >= 0");
  }
  one_way_ = one_way;
  jitter_ = jitter;
}

error_code proxy_core::set_fault(std::shared_ptr<const fault> f) {
  fault_ = f ? std::move(f) : no_fault();
  const auto effects = fault_->effects();
  if (effects.reset) {
    for (const auto& w : connections_) {
      if (const auto c = w.lock()) {
        c->close(true);
      }
    }
    prune();
  }
  if (!effects.accept && acceptor_.is_open()) {
    error_code ignored;
    acceptor_.close(ignored);
    ++listener_generation_;
  } else if (effects.accept && !acceptor_.is_open() && !stopped_) {
    if (const auto ec = open_acceptor(acceptor_, listen_endpoint_)) {
      return ec;
    }
    accept(listener_generation_);
  }
  return {};
}

std::string proxy_core::command(std::string_view line) {
  const auto words = split_words(line);
  if (words.empty()) {
    return "error empty command (try help)";
  }
  const std::string_view verb = words[0];
  const std::span<const std::string_view> args(words.begin() + 1, words.end());
  try {
    if (verb == "status" && args.empty()) {
      return "ok " + to_json(status());
    }
    if (verb == "delay") {
      const auto one_way = !args.empty() && args.size() <= 2 ? ms_to_us(args[0]) : std::nullopt;
      const auto jitter = args.size() == 2 ? ms_to_us(args[1]) : std::optional(std::chrono::microseconds{0});
      if (!one_way || !jitter) {
        return "error usage: delay <one_way_ms> [jitter_ms] (numbers >= 0, fractions allowed)";
      }
      set_delay(*one_way, *jitter);
      return "ok delay " + format_ms(*one_way) + " jitter " + format_ms(*jitter);
    }
    if (verb == "fault") {
      if (args.empty()) {
        return "error usage: fault <name> [settings] (" + faults_.usage() + ")";
      }
      auto f = faults_.make(args[0], args.subspan(1));
      const std::string description = std::string(f->name()) + (f->settings().empty() ? "" : " " + f->settings());
      if (const auto ec = set_fault(std::move(f))) {
        return "error fault " + description + ": cannot reopen " + to_string(listen_endpoint_) + ": " + ec.message();
      }
      return "ok fault " + description;
    }
    if (verb == "help") {
      return "ok commands: delay <one_way_ms> [jitter_ms]; fault <name> [settings] (" + faults_.usage() +
             "); status; help; quit";
    }
  } catch (const usage_error& e) {
    return std::string("error ") + e.what();
  }
  return "error unknown command '" + std::string(verb) + "' (try help)";
}

delay_proxy_status proxy_core::status() {
  prune();
  return delay_proxy_status{
      .one_way_delay = one_way_,
      .jitter = jitter_,
      .fault = std::string(fault_->name()),
      .fault_settings = fault_->settings(),
      .accepting = acceptor_.is_open(),
      .connections = connections_.size(),
      .accepted = accepted_,
      .bytes_up = bytes_up_,
      .bytes_down = bytes_down_,
  };
}

proxy_clock::time_point proxy_core::arrival_time(proxy_clock::time_point sent) {
  auto extra = std::chrono::microseconds{0};
  if (jitter_.count() > 0) {
    extra = std::chrono::microseconds{std::uniform_int_distribution<std::int64_t>(0, jitter_.count())(random_)};
  }
  return sent + one_way_ + extra;
}

}  // namespace detail

namespace {

// Runs f on the io_context's thread and waits for its result (rethrowing its exception).
template <class F>
auto on_io_thread(asio::io_context& io, F f) -> decltype(f()) {
  if (io.get_executor().running_in_this_thread()) {
    return f();
  }
  std::packaged_task<decltype(f())()> task(std::move(f));
  auto result = task.get_future();
  asio::post(io, std::move(task));
  return result.get();
}

}  // namespace

delay_proxy::delay_proxy(asio::io_context& io, delay_proxy_options options)
    : core_(std::make_shared<detail::proxy_core>(io, std::move(options))) {
  asio::post(io, [core = core_] { core->start(); });
}

delay_proxy::~delay_proxy() {
  asio::post(core_->io(), [core = core_] { core->stop(); });
}

tcp::endpoint delay_proxy::local_endpoint() const { return core_->listen_endpoint(); }

std::optional<tcp::endpoint> delay_proxy::control_endpoint() const { return core_->control_endpoint(); }

void delay_proxy::set_delay(std::chrono::microseconds one_way, std::chrono::microseconds jitter) {
  on_io_thread(core_->io(), [&] { core_->set_delay(one_way, jitter); });
}

error_code delay_proxy::set_fault(std::shared_ptr<const fault> f) {
  return on_io_thread(core_->io(), [&] { return core_->set_fault(std::move(f)); });
}

std::string delay_proxy::command(std::string_view line) {
  return on_io_thread(core_->io(), [&] { return core_->command(line); });
}

delay_proxy_status delay_proxy::status() const {
  return on_io_thread(core_->io(), [&] { return core_->status(); });
}

void delay_proxy::stop() {
  on_io_thread(core_->io(), [&] { core_->stop(); });
}

}  // namespace cutover::net
