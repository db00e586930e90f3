// cutover: is this migration ready to go? See README.md and DESIGN.md.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "core/secret.hpp"

int main(int argc, char** argv) {
  using namespace cutover;
  CLI::App app{"cutover: benchmark and validation harness that decides, with numbers, whether a migration is ready"};
  app.set_version_flag("--version", cli::version_text());
  app.require_subcommand(1);
  cli::register_commands(app);
  try {
    app.parse(argc, argv);
    return cli::run_selected(app);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
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
