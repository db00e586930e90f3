// cutover-delay-proxy: the lab's WAN emulator on loopback (see delay_proxy.hpp).
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "core/error.hpp"
#include "net/delay_proxy.hpp"
#include "net/endpoint.hpp"

namespace {

std::chrono::microseconds ms_to_us(double ms) {
  return std::chrono::round<std::chrono::microseconds>(std::chrono::duration<double, std::milli>(ms));
}

std::string format_ms(std::chrono::microseconds d) {
  char text[32];
  std::snprintf(text, sizeof text, "%gms", static_cast<double>(d.count()) / 1000.0);
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Loopback TCP proxy that emulates a WAN: per-chunk delay in both directions, jitter without "
               "reordering, and faults switched at runtime through a control port."};
  std::string listen;
  std::string upstream;
  std::string control;
  std::string pid_file;
  double delay_ms = 0;
  double rtt_ms = 0;
  double jitter_ms = 0;
  app.add_option("--listen", listen, "loopback ADDRESS:PORT clients connect to")->required();
  app.add_option("--upstream", upstream, "loopback ADDRESS:PORT connections are forwarded to")->required();
  auto* delay_opt = app.add_option("--delay-ms", delay_ms, "one-way delay in ms (fractions allowed)")
                        ->check(CLI::NonNegativeNumber);
  app.add_option("--rtt-ms", rtt_ms, "round-trip delay in ms: sets one-way to half of it")
      ->check(CLI::NonNegativeNumber)
      ->excludes(delay_opt);
  app.add_option("--jitter-ms", jitter_ms, "extra delay per chunk in ms, uniform in [0, J], never reordering")
      ->check(CLI::NonNegativeNumber);
  double spin_us = 250;
  app.add_option("--spin-us", spin_us,
                 "wake this many us before each release and spin to it, so a late timer does not add delay (0: off)")
      ->check(CLI::Range(0.0, 5000.0))
      ->capture_default_str();
  app.add_option("--control", control, "loopback ADDRESS:PORT of the line-based control port");
  app.add_option("--pid-file", pid_file, "write the process id here once listening");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {
      return app.exit(e);
    }
    std::cerr << "cutover-delay-proxy: " << e.what() << "\n";
    return 2;
  }

  try {
    cutover::net::delay_proxy_options options;
    options.listen = cutover::net::parse_loopback_endpoint(listen, "--listen");
    options.upstream = cutover::net::parse_loopback_endpoint(upstream, "--upstream");
    if (!control.empty()) {
      options.control = cutover::net::parse_loopback_endpoint(control, "--control");
    }
    options.one_way_delay = app.count("--rtt-ms") > 0 ? ms_to_us(rtt_ms / 2) : ms_to_us(delay_ms);
    options.jitter = ms_to_us(jitter_ms);
    options.spin = std::chrono::microseconds(static_cast<std::int64_t>(spin_us));

    boost::asio::io_context io;
    cutover::net::delay_proxy proxy(io, options);
    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int) {
      if (!ec) {
        proxy.stop();
        io.stop();
      }
    });

    if (!pid_file.empty()) {
      std::ofstream out(pid_file);
      out << ::getpid() << "\n";
      if (!out.flush()) {
        std::cerr << "cutover-delay-proxy: cannot write --pid-file " << pid_file << ": " << std::strerror(errno)
                  << "\n";
        return 2;
      }
    }
    std::string line = "listening " + cutover::net::to_string(proxy.local_endpoint()) + " -> " +
                       cutover::net::to_string(options.upstream) + " delay " + format_ms(options.one_way_delay);
    if (options.jitter.count() > 0) {
      line += " jitter " + format_ms(options.jitter);
    }
    if (const auto c = proxy.control_endpoint()) {
      line += " control " + cutover::net::to_string(*c);
    }
    std::cerr << line << std::endl;

    io.run();
    if (!pid_file.empty()) {
      std::remove(pid_file.c_str());
    }
    return 0;
  } catch (const cutover::usage_error& e) {
    std::cerr << "cutover-delay-proxy: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "cutover-delay-proxy: " << e.what() << "\n";
    return 1;
  }
}
