#include "pg/probes.hpp"

#include <array>

#include "core/named.hpp"

namespace cutover::pg {
namespace {

constexpr std::array<named<workload>, 9> infos{{
    {workload::connect, "pg.connect", "connect"},
    {workload::connect_query, "pg.connect_query", "connect_query"},
    {workload::select1, "pg.query.select1", "select1"},
    {workload::select1_simple, "pg.query.select1_simple", "select1_simple"},
    {workload::now, "pg.query.now", "now"},
    {workload::auth_state, "pg.query.auth_state", "auth_state"},
    {workload::keys_by_ids, "pg.query.keys_by_ids", "keys_by_ids"},
    {workload::schedule, "pg.query.schedule", "schedule"},
    {workload::booking_rollback, "pg.tx.booking_rollback", "booking_rollback"},
}};
constexpr auto order = values_of(infos);

/// A new connection per sample; optionally one query on it.
class connect_probe final : public probe {
public:
  connect_probe(const pg_endpoint& e, const session_options& o, bool query) : session_(e, o), query_(query) {}
  probe_result run() override {
    auto r = session_.connect();
    if (r.ok() && query_) r = session_.exec("SELECT 1");
    if (r.ok() && fingerprint_.resolved.empty()) fingerprint_ = session_.fingerprint();
    session_.close();
    r.connection_usable = true;  // nothing is kept between samples
    return r;
  }
  path_fingerprint fingerprint() const override { return fingerprint_; }

private:
  session session_;
  bool query_;
  path_fingerprint fingerprint_;
};

/// One prepared (or simple) statement on a warm connection.
class query_probe final : public probe {
public:
  query_probe(const pg_endpoint& e, const session_options& o, std::string sql, std::vector<std::optional<std::string>> params,
              bool prepared, bool expect_rows)
      : session_(e, o), sql_(std::move(sql)), params_(std::move(params)), prepared_(prepared), expect_rows_(expect_rows) {}

  probe_result open() override {
    auto r = session_.connect();
    if (!r.ok()) return r;
    fingerprint_ = session_.fingerprint();
    if (prepared_) session_.prepare("cutover_probe", sql_);
    return r;
  }

  probe_result run() override {
    // Only the row count is checked: copying the result out would put
    // allocations inside the timed call.
    auto r = prepared_ ? session_.exec_prepared("cutover_probe", params_) : session_.exec(sql_);
    if (r.ok() && expect_rows_ && session_.last_row_count() == 0)
      return probe_result::failure(outcome::check_failed, "query returned no rows", true);
    return r;
  }
  path_fingerprint fingerprint() const override { return fingerprint_; }

private:
  session session_;
  std::string sql_;
  std::vector<std::optional<std::string>> params_;
  bool prepared_;
  bool expect_rows_;
  path_fingerprint fingerprint_;
};

/// The booking insert; the company id is its one bound parameter ($1 takes
/// the type of clients.company_id, so the comparison keeps its index).
constexpr const char* booking_insert =
    "INSERT INTO bookings (company_id, client_id, service_id, staff_id, datetime, status) "
    "SELECT c.company_id, c.id, s.id, st.id, timestamptz '2030-01-01 10:00+00', 'pending' "
    "FROM clients c, services s, staff st "
    "WHERE c.company_id = $1 AND s.company_id = c.company_id AND st.company_id = c.company_id LIMIT 1";

/// A booking insert inside a transaction that is always rolled back: the
/// write path is measured, user data is never changed. BEGIN, the insert
/// with the company id bound (never spliced into the text) and ROLLBACK are
/// three round trips, as the app's own transaction is; nothing outlives the
/// transaction on the server connection (a transaction pooler hands it on clean).
class booking_probe final : public probe {
public:
  booking_probe(const pg_endpoint& e, const session_options& o, std::string company)
      : session_(e, o), company_(std::move(company)) {}
  probe_result open() override {
    auto r = session_.connect();
    if (r.ok()) fingerprint_ = session_.fingerprint();
    return r;
  }
  probe_result run() override {
    auto r = session_.exec("BEGIN");
    if (r.ok()) r = session_.exec_params(booking_insert, {company_});
    // Always ended, failed or not: never a transaction left open on a connection we keep.
    auto end = session_.exec("ROLLBACK");
    return r.ok() ? end : r;
  }
  path_fingerprint fingerprint() const override { return fingerprint_; }

private:
  session session_;
  std::string company_;
  path_fingerprint fingerprint_;
};

}  // namespace

std::span<const workload> all_workloads() noexcept { return order; }

std::string_view metric_id(workload w) noexcept { return id_of(infos, w, "pg.unknown"); }

std::optional<workload> workload_from_string(std::string_view s) noexcept { return find_named(infos, s); }

bool opens_connection(workload w) noexcept { return w == workload::connect || w == workload::connect_query; }

std::unique_ptr<probe> make_probe(workload w, const pg_endpoint& e, const session_options& o, const expectations& x) {
  switch (w) {
    case workload::connect: return std::make_unique<connect_probe>(e, o, false);
    case workload::connect_query: return std::make_unique<connect_probe>(e, o, true);
    case workload::select1: return std::make_unique<query_probe>(e, o, "SELECT 1", std::vector<std::optional<std::string>>{}, true, true);
    case workload::select1_simple: return std::make_unique<query_probe>(e, o, "SELECT 1", std::vector<std::optional<std::string>>{}, false, true);
    case workload::now: return std::make_unique<query_probe>(e, o, "SELECT NOW()", std::vector<std::optional<std::string>>{}, true, true);
    case workload::auth_state:
      return std::make_unique<query_probe>(e, o, "SELECT creds FROM whatsapp_auth WHERE company_id = $1",
                                           std::vector<std::optional<std::string>>{x.company_id}, true, true);
    case workload::keys_by_ids:
      // What Baileys' keys.get(type, ids) does: one type, a handful of ids.
      return std::make_unique<query_probe>(
          e, o,
          "SELECT key_id, value FROM whatsapp_keys WHERE company_id = $1 AND key_type = $2 AND key_id = ANY($3::text[])",
          std::vector<std::optional<std::string>>{x.company_id, "pre-key", "{1,2,3,4,5,6,7,8,9,10}"}, true, false);
    case workload::schedule:
      return std::make_unique<query_probe>(
          e, o,
          "SELECT ss.staff_id, st.name, ss.date, ss.work_start, ss.work_end, ss.time_slots "
          "FROM staff_schedules ss JOIN staff st ON st.id = ss.staff_id "
          "WHERE ss.company_id = $1 AND ss.date BETWEEN $2::date AND $2::date + 7 AND ss.is_working "
          "ORDER BY ss.date, ss.staff_id LIMIT 50",
          std::vector<std::optional<std::string>>{x.company_id, "2025-11-10"}, true, false);
    case workload::booking_rollback: return std::make_unique<booking_probe>(e, o, x.company_id);
  }
  return nullptr;
}

}  // namespace cutover::pg
