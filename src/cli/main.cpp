// cutover: is this migration ready to go? See README.md and DESIGN.md.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <clocale>
#include <cstdio>
#include <cstring>

#include <CLI/CLI.hpp>
#include <iostream>
#include <string>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "core/secret.hpp"

namespace {

// A closed stdout or stderr would hand its number to the next file opened (a
// report's temporary file would receive the console output). Hold them with
// read-only /dev/null: writes to them then fail, and the failure is seen.
void hold_standard_streams() {
  for (int fd : {STDOUT_FILENO, STDERR_FILENO})
    if (::fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
      const int held = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (held >= 0 && held != fd) {
        ::dup2(held, fd);
        ::close(held);
      }
    }
}

// Whatever went to stdout must have arrived: `report render > /dev/full` is
// output lost, not a success.
int check_stdout(int rc) {
  errno = 0;
  std::cout.flush();
  if (std::cout && std::fflush(stdout) == 0 && !std::ferror(stdout)) return rc;
  std::cerr << "cutover: cannot write to standard output" << (errno ? std::string(": ") + std::strerror(errno) : "")
            << '\n';
  return rc == 0 ? 2 : rc;
}

/// The first word where a subcommand is expected that names none, with the
/// names it could have been: "unknown command 'x' (one of: bench, ...)"; "" if none.
std::string unknown_subcommand(CLI::App& app, int argc, char** argv) {
  CLI::App* at = &app;
  for (int i = 1; i < argc; ++i) {
    std::string word = argv[i];
    if (word.empty() || word[0] == '-') return "";
    auto subs = at->get_subcommands([](CLI::App* a) { return !a->get_name().empty(); });
    if (subs.empty()) return "";
    CLI::App* next = nullptr;
    std::string names;
    for (auto* s : subs) {
      if (s->check_name(word)) next = s;
      names += (names.empty() ? "" : ", ") + s->get_name();
    }
    if (!next) return "unknown command '" + word + "' (one of: " + names + ")";
    at = next;
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace cutover;
  hold_standard_streams();
  // libpq's and the C library's messages in the user's language (and
  // charset), as psql does. Numbers stay C (LC_NUMERIC untouched): reports
  // are data. Outcomes never depend on message text.
  std::setlocale(LC_CTYPE, "");
  std::setlocale(LC_MESSAGES, "");
  CLI::App app{"cutover: benchmark and validation harness that decides, with numbers, whether a migration is ready"};
  app.set_version_flag("--version", cli::version_text());
  app.require_subcommand(1);
  const cli::commands commands(app);
  try {
    if (auto why = unknown_subcommand(app, argc, argv); !why.empty()) {
      std::cerr << "cutover: " << scrub(why) << " (see --help)\n";
      return 2;
    }
    app.parse(argc, argv);
    return check_stdout(commands.run_selected());
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return check_stdout(app.exit(e));  // --help, --version
    std::cerr << "cutover: " << scrub(e.what()) << " (see --help)\n";
    return 2;
  } catch (const cutover::error& e) {
    std::cerr << "cutover: " << scrub(e.what()) << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "cutover: internal error: " << scrub(e.what()) << '\n';
    return 2;
  }
}
