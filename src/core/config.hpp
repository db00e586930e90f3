#pragma once
/// The cutover configuration: targets (endpoints for one side of a
/// comparison), timeouts, sampling options, expectations and criteria
/// settings. Loaded from JSON with `${VAR}` expansion; see docs in README.md.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/env_file.hpp"
#include "core/secret.hpp"

namespace cutover {

/// A PostgreSQL endpoint. Units: seconds for libpq's connect_timeout.
struct pg_endpoint {
  std::string host = "127.0.0.1";
  std::string hostaddr;  ///< numeric address to connect to instead of resolving `host` (TLS still verifies `host`)
  std::uint16_t port = 5432;
  std::string dbname = "postgres";
  std::string user = "postgres";
  secret password;
  std::string sslmode = "prefer";  ///< libpq's sslmode: disable|allow|prefer|require|verify-ca|verify-full
  std::string sslrootcert;         ///< CA certificate file for verify-ca/verify-full (libpq's sslrootcert)
  std::string sslcert;             ///< client certificate file, when the server asks for one
  std::string sslkey;              ///< the client certificate's key file
  /// libpq conninfo string including the password: hand only to libpq.
  std::string conninfo(std::chrono::milliseconds connect_timeout) const;
  /// postgresql://user:***@host:port/db, safe to print.
  std::string display() const;
};

/// A Redis endpoint (`redis://:password@host:port/db`).
struct redis_endpoint {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  std::string user;  ///< ACL user; empty for the default user
  secret password;
  int db = 0;
  std::string display() const;
};

/// An HTTP base URL (the app's API).
struct http_endpoint {
  std::string url;
  /// The URL with any user:password redacted, safe to print.
  std::string display() const { return scrub(redact_userinfo(url)); }
};

/// A SOCKS5 proxy (the Xray stand-in).
struct socks5_endpoint {
  std::string host = "127.0.0.1";
  std::uint16_t port = 1080;
  std::string display() const;
};

/// Named endpoints for one side of a comparison (`tunnel`, `private`, `source`).
struct target {
  std::string name;
  /// What the network path is meant to be ("tunnel", "private", "direct").
  std::string path;
  std::optional<pg_endpoint> postgres;
  std::optional<redis_endpoint> redis;
  std::optional<http_endpoint> http;
  std::optional<socks5_endpoint> socks5;
};

/// Deadlines for every network step. 0 never means "forever" here.
struct timeouts {
  std::chrono::milliseconds connect{3000};    ///< TCP + auth
  std::chrono::milliseconds statement{5000};  ///< one SQL statement
  std::chrono::milliseconds command{2000};    ///< one Redis command / HTTP request
  std::chrono::milliseconds run{120000};      ///< the whole run (bench or validate)
};

/// Sampling options shared by the suites.
struct sampling {
  int warmup = 50;                             ///< untimed operations before sampling
  int samples = 1000;                          ///< samples of the headline metrics (pg.query.select1, redis.ping, net.tcp_connect)
  int workload_samples = 200;                  ///< samples of the other query and command workloads
  int connect_samples = 100;                   ///< samples for new-connection metrics (costly)
  std::chrono::microseconds interval{0};       ///< pause between samples (redis-cli --latency style)
  bool paired = true;                          ///< interleave targets by blocks (ABBA), see stats::run_paired
  int block = 20;                              ///< paired runs: samples a target takes back to back in its turn
  int block_warmup = 2;                        ///< paired runs: untimed operations before each block
  int give_up_after = 5;                       ///< failed samples in a row before an endpoint is given up on
  /// Hold the CPUs out of slow idle states while measuring (PM QoS, see
  /// stats/cpu_awake.hpp); false measures with the machine's own idle states.
  bool cpu_awake = true;
  /// Pin the measuring threads to these CPUs (like iperf3 -A); empty: where
  /// the kernel puts them. The lab sets its client side's CPUs here.
  std::vector<int> cpus;
};

/// What the plan says the data and environment must look like.
struct expectations {
  std::string company_id = "962302";
  int whatsapp_keys = 335;
  std::vector<std::string> key_types{"app-state-sync-key", "pre-key", "sender-key", "session"};
  std::vector<std::string> env_required{"POSTGRES_HOST", "POSTGRES_PORT", "POSTGRES_DATABASE", "POSTGRES_USER",
                                        "POSTGRES_PASSWORD", "REDIS_PASSWORD", "GEMINI_API_KEY",
                                        "BAILEYS_STANDALONE"};
  std::string socks5_probe;  ///< host:port reached through the SOCKS5 proxy
  std::string private_host;  ///< the DB's private-network address the .env must name
  std::vector<std::string> tables;  ///< tables for parity checks (empty: all in schema public)
};

/// The application under test (AI Admin v2): where its API, queue and PM2
/// are, and how the end-to-end checks drive it (src/e2e).
struct app_settings {
  /// Target whose `http` is the API and whose `redis` holds the queue; empty:
  /// the stage's target (criteria), or every target with `http` (bench).
  std::string target;
  std::string webhook_path = "/webhook/whatsapp/batched";  ///< POSTed {"phone","text","message_id"}
  std::vector<std::string> health_paths{"/health", "/api/health/database", "/api/health/redis"};
  std::string reply_host = "127.0.0.1";  ///< where the harness listens for replies (loopback only)
  std::uint16_t reply_port = 3999;       ///< the app's REPLY_URL must point here
  std::string queue = "whatsapp-messages";  ///< BullMQ queue: job hashes are bull:<queue>:<message_id>
  /// Test phones are this prefix + 4 digits: a range reserved for tests,
  /// whose `context:<phone>` keys the harness creates and deletes.
  std::string phone_prefix = "7999000";
  std::string pm2_home;              ///< PM2_HOME for `pm2 jlist`; empty: the environment's
  std::string pm2_command = "pm2";   ///< the pm2 executable
  std::vector<std::string> services{"ai-admin-api",          "ai-admin-worker-v2",      "ai-admin-batch-processor",
                                    "whatsapp-backup-service", "whatsapp-safe-monitor",  "ai-admin-booking-monitor",
                                    "ai-admin-telegram-bot", "baileys-whatsapp-service"};
  int max_restarts = 0;              ///< restarts per service still counted as healthy
  int messages = 30;                 ///< e2e messages per pass (one sequential pass, one concurrent)
  int concurrency = 5;               ///< messages in flight in the concurrent pass
  std::chrono::milliseconds reply_timeout{15000};  ///< wait for one reply
  std::chrono::milliseconds drain{1000};           ///< wait after the last message for late or duplicate replies
  /// How e2e sees the app's answer: "listener" (the app POSTs the reply to
  /// reply_listen), "job" (the message's BullMQ job completes: finishedOn,
  /// state and return value read through the app's Redis; no reply hook), or
  /// "passive" (sends nothing: queue wait and processing of the last
  /// passive_jobs completed jobs of real traffic, read-only).
  std::string reply_mode = "listener";
  int passive_jobs = 200;            ///< passive mode: how many of the latest completed jobs to read
  std::chrono::milliseconds ai_min{9000};          ///< e2e.ai_time window: job processing (BullMQ processedOn..finishedOn)
  std::chrono::milliseconds ai_max{15000};         ///< upper end of that window
};

/// One criterion's settings (`criteria."ID"` in the config), typed when the
/// config is read. Which of them a criterion reads is its definition's
/// business: criteria::check_settings refuses the rest before anything runs.
struct criterion_settings {
  std::optional<double> threshold;        ///< in the criterion's threshold unit (README's criteria table)
  std::string waive;                      ///< a written reason: anything but a pass counts as waived
  bool enabled = true;                    ///< false: the criterion is skipped
  std::string severity;                   ///< primary, secondary or info; empty: the definition's
  std::string target;                     ///< target it runs against; empty: the stage's
  std::optional<double> max_error_ratio;  ///< latency criteria: fraction of failed samples tolerated (0 to 1)
  std::optional<double> max_ms;           ///< redis.latency: limit of the slowest PING, ms
  std::optional<double> max_disk_pct;     ///< host.resources: limit of the disk used, percent
  std::string path;                       ///< host.resources: the filesystem; host.hardening: sshd_config
  std::vector<std::string> command;       ///< an argument vector, run without a shell
  std::optional<std::chrono::milliseconds> recheck;  ///< db.content.parity: `recheck_ms`
  std::string note;                       ///< why the config differs from the plan (shown in the detail)
  std::vector<std::string> keys;          ///< the keys the file set, in its order
};

/// The whole configuration.
struct config {
  std::filesystem::path file;        ///< where it was loaded from
  std::string profile = "default";
  std::optional<std::filesystem::path> env_file;  ///< the application's .env
  env_map env;                       ///< its variables (values may be secrets)
  std::vector<target> targets;
  cutover::timeouts timeouts;
  cutover::sampling sampling;
  cutover::expectations expect;
  app_settings app;
  /// Per-criterion settings and waivers, by criterion id.
  std::map<std::string, criterion_settings, std::less<>> criteria;

  /// The target named `name`, or nullptr.
  const target* find(std::string_view name) const;
};

/// Loads and validates a config file. Throws config_error with one line
/// "FILE: PLACE: problem" for malformed JSON, unknown keys, wrong types,
/// unset ${VARS} or bad URLs. Every password becomes a registered secret.
config load_config(const std::filesystem::path& file);
/// Same, from text (for tests); `origin` names it in errors.
config parse_config(std::string_view text, std::string_view origin, const std::filesystem::path& base_dir = ".");

/// The lab's state folder: $CUTOVER_LAB_DIR, else `<repo_dir>/.lab`.
std::filesystem::path lab_dir(const std::filesystem::path& repo_dir);
/// The config tests and benchmarks run against: $CUTOVER_CONFIG, else the
/// lab's generated `cutover.json` (it may not exist: the caller says so).
std::filesystem::path test_config_path(const std::filesystem::path& repo_dir);

/// Parses a libpq URI (postgresql://user:pass@host:port/db?sslmode=...).
pg_endpoint parse_pg_url(std::string_view url, std::string_view place);
/// Parses redis://[user]:[pass]@host:port[/db].
redis_endpoint parse_redis_url(std::string_view url, std::string_view place);

/// The config as JSON with every secret redacted (for reports).
nlohmann::json to_redacted_json(const config& c);
/// One target as JSON with secrets redacted.
nlohmann::json to_redacted_json(const target& t);

}  // namespace cutover
