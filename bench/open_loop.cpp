// Drives stats::run_open_loop with redis.ping probes at a fixed rate and
// prints what it achieved, one JSON line on stdout. bench/peers offers a
// rate above what the server sustains, so `achieved_ops_per_s` is the
// harness's throughput at that concurrency (compared to redis-benchmark -c N).
#include <CLI/CLI.hpp>

#include <chrono>
#include <iostream>

#include "bench_config.hpp"
#include "core/config.hpp"
#include "redis/async_driver.hpp"
#include "redis/probes.hpp"
#include "stats/recorder.hpp"
#include "stats/sampler.hpp"

int main(int argc, char** argv) {
  using namespace cutover;
  std::string config_file;
  std::string target_name = "private";
  double rate = 20000;
  double duration_s = 3;
  int connections = 4;
  CLI::App app{"Open-loop redis.ping through the harness's sampler"};
  app.add_option("--config", config_file, "Config file (default: $CUTOVER_CONFIG, else the lab's)");
  app.add_option("--target", target_name, "Target whose Redis endpoint is used")->capture_default_str();
  app.add_option("--rate", rate, "Intended operations per second, all connections together")->capture_default_str();
  app.add_option("--duration-s", duration_s, "Length of the schedule in seconds")->capture_default_str();
  app.add_option("--connections", connections, "Connections (all on one event loop)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  try {
    auto cfg = load_config(config_file.empty() ? bench::config_path() : std::filesystem::path(config_file));
    const auto* t = cfg.find(target_name);
    if (!t || !t->redis) throw usage_error("--target: no target '" + target_name + "' with a redis endpoint");
    const redis::client_options copts{cfg.timeouts.connect, cfg.timeouts.command, true, t->path};

    stats::open_loop_options o;
    o.rate_per_s = rate;
    o.duration = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(duration_s));
    o.connections = connections;
    // Past capacity the schedule runs late; bound it so an overload cannot hang.
    o.deadline = stats::sample_clock::now() + cfg.timeouts.run;
    stats::recorder rec;
    // The driver cutover bench uses for redis.ping: one event loop for every connection.
    auto driver = redis::make_event_driver(redis::workload::ping, *t->redis, copts, connections);
    if (!driver) throw usage_error("--connections: expected at least 1");
    auto res = stats::run_open_loop(*driver, rec, o);
    const auto s = rec.summarize();
    nlohmann::json j{{"metric", "redis.ping"},
                     {"mode", "open"},
                     {"target", target_name},
                     {"connections", connections},
                     {"rate_per_s", rate},
                     {"duration_s", duration_s},
                     {"sent", res.sent},
                     {"ok", res.ok},
                     {"errors", s.failures()},
                     {"wall_ns", res.wall.count()},
                     {"achieved_ops_per_s", res.achieved_ops_per_s},
                     {"stopped_by_deadline", res.stopped_by_deadline},
                     {"scheduled", res.scheduled},
                     {"max_lag_ns", res.max_lag.count()},
                     {"max_driver_lag_ns", res.max_driver_lag.count()},
                     {"driver_late", res.driver_late},
                     {"driver", "event loop"},
                     {"valid", res.valid},
                     {"invalid_reason", res.invalid_reason},
                     {"p50_ns", s.p50_ns},
                     {"p99_ns", s.p99_ns}};
    std::cout << j.dump() << '\n';
    return res.ok > 0 && s.failures() == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "bench_open_loop: " << e.what() << '\n';
    return 2;
  }
}
