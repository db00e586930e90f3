#include "core/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <thread>

#include "core/error.hpp"

extern char** environ;

namespace cutover {
namespace {

using clock = std::chrono::steady_clock;

/// Closes a descriptor when it goes out of scope.
struct fd_guard {
  int fd = -1;
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
};

/// The parent's environment with `extra` set on top.
std::vector<std::string> child_environment(const std::vector<std::pair<std::string, std::string>>& extra) {
  std::vector<std::string> out;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    bool replaced = false;
    for (const auto& [k, v] : extra) replaced = replaced || (kv.starts_with(k) && kv.size() > k.size() && kv[k.size()] == '=');
    if (!replaced) out.emplace_back(kv);
  }
  for (const auto& [k, v] : extra) out.push_back(k + "=" + v);
  return out;
}

std::vector<char*> pointers(std::vector<std::string>& v) {
  std::vector<char*> p;
  for (auto& s : v) p.push_back(s.data());
  p.push_back(nullptr);
  return p;
}

/// waitpid for `pid` until `deadline`; true when it was reaped into `status`.
bool reap_until(pid_t pid, clock::time_point deadline, int& status) {
  for (;;) {
    auto r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return true;
    if (r < 0 && errno != EINTR) return true;  // not our child any more: nothing to wait for
    if (clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

void kill_group(pid_t pid) {
  ::kill(-pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

std::vector<std::string> split_command(std::string_view command) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < command.size()) {
    while (i < command.size() && std::isspace(static_cast<unsigned char>(command[i]))) ++i;
    std::size_t b = i;
    while (i < command.size() && !std::isspace(static_cast<unsigned char>(command[i]))) ++i;
    if (i > b) out.emplace_back(command.substr(b, i - b));
  }
  return out;
}

process_result run_process(const process_options& o) {
  if (o.argv.empty() || o.argv[0].empty()) throw error("run_process: empty command");
  process_result res;
  const std::string& name = o.argv[0];
  auto fail = [&](outcome oc, std::string why) {
    res.status = probe_result::failure(oc, name + ": " + why, true);
    return res;
  };

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return fail(outcome::error, std::string("cannot create a pipe: ") + std::strerror(errno));
  fd_guard rd{fds[0]};
  fd_guard wr{fds[1]};

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, wr.fd, 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  // Own process group, so a timeout kills what the child started too; the
  // signal mask and handlers of this process (which may block SIGINT for its
  // own threads) are not inherited.
  sigset_t none;
  sigset_t all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  auto args = o.argv;
  auto envs = child_environment(o.env);
  auto argp = pointers(args);
  auto envp = pointers(envs);
  pid_t pid = 0;
  int rc = ::posix_spawnp(&pid, name.c_str(), &actions, &attr, argp.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return fail(outcome::error, std::string("cannot run: ") + std::strerror(rc));
  ::close(wr.fd);
  wr.fd = -1;

  auto deadline = clock::now() + o.timeout;
  std::array<char, 8192> buf{};
  int status = 0;
  bool reaped = false;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
    if (left <= 0) {
      kill_group(pid);
      return fail(outcome::timeout, "did not finish within " + std::to_string(o.timeout.count()) + " ms");
    }
    // Wake up now and then: a child may exit while something it started
    // (a daemon) keeps the pipe open.
    pollfd p{rd.fd, POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 50)));
    if (n < 0 && errno != EINTR) {
      kill_group(pid);
      return fail(outcome::error, std::string("poll: ") + std::strerror(errno));
    }
    if (n > 0) {
      auto got = ::read(rd.fd, buf.data(), buf.size());
      if (got < 0 && errno != EINTR && errno != EAGAIN) {
        kill_group(pid);
        return fail(outcome::error, std::string("read: ") + std::strerror(errno));
      }
      if (got == 0) break;  // EOF
      if (got > 0) {
        if (res.out.size() + static_cast<std::size_t>(got) > o.max_output) {
          kill_group(pid);
          return fail(outcome::error, "printed more than " + std::to_string(o.max_output) + " bytes");
        }
        res.out.append(buf.data(), static_cast<std::size_t>(got));
      }
      continue;
    }
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      reaped = true;
      // Take what is already in the pipe, without waiting for whoever still holds it.
      ::fcntl(rd.fd, F_SETFL, O_NONBLOCK);
      for (ssize_t got; (got = ::read(rd.fd, buf.data(), buf.size())) > 0;) {
        if (res.out.size() + static_cast<std::size_t>(got) > o.max_output) break;
        res.out.append(buf.data(), static_cast<std::size_t>(got));
      }
      break;
    }
  }
  if (!reaped && !reap_until(pid, deadline, status)) {
    kill_group(pid);
    return fail(outcome::timeout, "did not exit within " + std::to_string(o.timeout.count()) + " ms");
  }
  if (WIFEXITED(status)) {
    res.exit_code = WEXITSTATUS(status);
    if (res.exit_code != 0) return fail(outcome::error, "exited with status " + std::to_string(res.exit_code));
    return res;
  }
  if (WIFSIGNALED(status)) return fail(outcome::error, std::string("killed by signal ") + std::to_string(WTERMSIG(status)));
  return fail(outcome::error, "ended abnormally");
}

}  // namespace cutover
