// db.content.parity: order-independent content hashes computed in both
// databases at once (see src/pg/parity_content.md for the canonical row form).
#include <algorithm>
#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "pg/parity.hpp"
#include "pg/parity_detail.hpp"

namespace cutover::pg {
namespace {

using detail::is_true;
using detail::join;
using detail::resolve_tables;
using detail::substitute;
using detail::table_ref;
using detail::text_array;
using detail::with_context;

using params = std::vector<std::optional<std::string>>;
using clock_type = std::chrono::steady_clock;
__extension__ typedef __int128 int128;  // bucket sums: up to 2^31 rows of 64-bit hashes

std::string text(const std::optional<std::string>& v) { return v.value_or(""); }

// A mismatching bucket is narrowed to keys only for the first few: a table
// whose buckets nearly all differ (a column type changed) would otherwise
// pull every row's hash; a few narrowed buckets are enough to act on.
constexpr std::size_t max_narrowed_buckets = 10;
constexpr std::size_t max_buckets = 65536;
constexpr std::int64_t first_step_blocks = 1024;
constexpr std::int64_t min_step_blocks = 128;

/// How one table is read on one side. The SQL text is the same on both sides
/// (built from the source's key and the column names in byte order), so both
/// compute the same canonical text for the same row.
struct table_plan {
  std::string qualified;                                  // on this side
  std::vector<std::string> key_names, key_quoted, key_types;  // the source's primary key
  std::string row_hash;     // hashtextextended(<canonical row text>, 0)
  std::string key_hash;     // hashtextextended(<key text>, 1), empty without a key
  std::size_t buckets = 1;  // decided from the source's size
  bool ranges = false;      // scan this side in TID ranges (PostgreSQL 14+, a plain table)
  std::int64_t blocks = 0;  // this side's size in blocks when planned
};

struct bucket_sum {
  std::int64_t rows = 0;
  int128 sum = 0;
  bool operator==(const bucket_sum&) const = default;
};

int128 parse_int128(const std::string& s) {
  int128 v = 0;
  bool negative = !s.empty() && s[0] == '-';
  for (std::size_t i = negative ? 1 : 0; i < s.size(); ++i) v = v * 10 + (s[i] - '0');
  return negative ? -v : v;
}

/// ((hash & max bigint) % buckets): a bucket number in [0, buckets).
std::string bucket_of(const std::string& hash, std::size_t buckets) {
  return "((" + hash + " & 9223372036854775807) % " + std::to_string(buckets) + ")::int";
}

/// Column names of `qualified` on one side, quoted, in byte order.
probe_result read_columns(session& s, const std::string& qualified, std::vector<std::string>& out) {
  static constexpr const char* sql = R"sql(
    SELECT quote_ident(attname) FROM pg_catalog.pg_attribute
    WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped
    ORDER BY attname COLLATE "C")sql";
  rows r;
  auto res = s.exec_params(sql, {qualified}, &r);
  if (!res.ok()) return with_context(res, "columns of " + qualified);
  out.clear();
  for (const auto& row : r) out.push_back(text(row.at(0)));
  return {};
}

/// The primary key of `qualified`: names, quoted names and types, in key order.
probe_result read_key(session& s, const std::string& qualified, table_plan& plan) {
  static constexpr const char* sql = R"sql(
    SELECT a.attname, quote_ident(a.attname), format_type(a.atttypid, a.atttypmod)
    FROM pg_catalog.pg_index x
    JOIN pg_catalog.pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = ANY (x.indkey)
    WHERE x.indrelid = $1::regclass AND x.indisprimary
    ORDER BY array_position(x.indkey::int2[], a.attnum))sql";
  rows r;
  auto res = s.exec_params(sql, {qualified}, &r);
  if (!res.ok()) return with_context(res, "primary key of " + qualified);
  for (const auto& row : r) {
    plan.key_names.push_back(text(row.at(0)));
    plan.key_quoted.push_back(text(row.at(1)));
    plan.key_types.push_back(text(row.at(2)));
  }
  return {};
}

/// Size of `qualified` on one side: estimated rows and blocks.
probe_result read_size(session& s, const std::string& qualified, std::int64_t& rows_estimate, std::int64_t& blocks) {
  static constexpr const char* sql = R"sql(
    SELECT greatest(c.reltuples, -1)::bigint,
           pg_relation_size(c.oid) / current_setting('block_size')::bigint
    FROM pg_catalog.pg_class c WHERE c.oid = $1::regclass)sql";
  rows r;
  auto res = s.exec_params(sql, {qualified}, &r);
  if (!res.ok()) return with_context(res, "size of " + qualified);
  rows_estimate = std::stoll(text(r.at(0).at(0)));
  blocks = std::stoll(text(r.at(0).at(1)));
  return {};
}

std::string prefixed(const std::vector<std::string>& quoted) {
  std::vector<std::string> v;
  for (const auto& q : quoted) v.push_back("cutover_row_." + q);
  return join(v, ", ");
}

/// The connections of one side: the caller's session first, then workers.
using side = std::vector<session*>;

/// Runs `sql` (with `{where}`) over the table, in TID ranges sized to
/// `budget` when the plan says so (split into one contiguous slice per
/// connection of the side, scanned at once), else as one statement on the
/// first connection. `each` gets every statement's rows (one call at a time).
/// Parameters in `p` come first; the range bounds follow.
probe_result scan(const side& ss, const table_plan& plan, const std::string& sql, const params& p,
                  std::chrono::milliseconds budget, const std::function<void(const rows&)>& each) {
  if (!plan.ranges) {
    rows r;
    auto res = ss.front()->exec_params(substitute(sql, {{"where", "true"}}), p, &r);
    if (res.ok()) each(r);
    return res;
  }
  const auto lo_param = "$" + std::to_string(p.size() + 1) + "::tid";
  const auto hi_param = "$" + std::to_string(p.size() + 2) + "::tid";
  const auto bounded = substitute(sql, {{"where", "ctid >= " + lo_param + " AND ctid < " + hi_param}});
  // The last range is open: rows written beyond the planned size still count.
  const auto open = substitute(sql, {{"where", "ctid >= " + lo_param}});
  std::mutex merge;
  // Blocks [begin, end) on one connection; end < 0: to the end of the table.
  auto slice = [&](session& s, std::int64_t begin, std::int64_t end) -> probe_result {
    std::int64_t lo = begin, step = first_step_blocks;
    for (;;) {
      const bool last = end < 0 ? lo + step >= plan.blocks : lo + step >= end;
      params q = p;
      q.emplace_back("(" + std::to_string(lo) + ",0)");
      if (!last || end >= 0) q.emplace_back("(" + std::to_string(last ? end : lo + step) + ",0)");
      rows r;
      const auto t0 = clock_type::now();
      if (auto res = s.exec_params(last && end < 0 ? open : bounded, q, &r); !res.ok()) return res;
      const auto took = std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
      {
        std::lock_guard lock(merge);
        each(r);
      }
      if (last) return {};
      lo += step;
      // Aim the next statement at the budget, changing the step at most 4x at a time.
      const double scale = std::clamp(static_cast<double>(budget.count()) / std::max(took, 1.0), 0.25, 4.0);
      step = std::max<std::int64_t>(min_step_blocks, static_cast<std::int64_t>(static_cast<double>(step) * scale));
    }
  };
  // Small tables are not worth more than one connection.
  const auto n = static_cast<std::int64_t>(
      std::clamp<std::size_t>(static_cast<std::size_t>(plan.blocks / first_step_blocks), 1, ss.size()));
  std::vector<std::future<probe_result>> others;
  for (std::int64_t i = 1; i < n; ++i)
    others.push_back(std::async(std::launch::async, slice, std::ref(*ss[static_cast<std::size_t>(i)]),
                                plan.blocks * i / n, i + 1 == n ? -1 : plan.blocks * (i + 1) / n));
  auto first = slice(*ss.front(), 0, n == 1 ? -1 : plan.blocks / n);
  for (auto& f : others)
    if (auto r = f.get(); first.ok() && !r.ok()) first = r;
  return first;
}

/// Bucket sums of one side.
probe_result hash_buckets(const side& s, const table_plan& plan, std::chrono::milliseconds budget,
                          std::vector<bucket_sum>& out) {
  out.assign(plan.buckets, {});
  const std::string inner = plan.key_hash.empty() ? plan.row_hash + " AS h"
                                                  : plan.row_hash + " AS h, " + plan.key_hash + " AS k";
  const auto sql = substitute(R"sql(
    SELECT {bucket}, count(*), sum(h)::text
    FROM (SELECT {inner} FROM {table} AS cutover_row_ WHERE {where}) AS hashed
    GROUP BY 1)sql",
                              {{"bucket", bucket_of(plan.key_hash.empty() ? "h" : "k", plan.buckets)},
                               {"inner", inner},
                               {"table", plan.qualified}});
  return scan(s, plan, sql, {}, budget, [&](const rows& r) {
    for (const auto& row : r) {
      auto& b = out.at(static_cast<std::size_t>(std::stoul(text(row.at(0)))));
      b.rows += std::stoll(text(row.at(1)));
      b.sum += parse_int128(text(row.at(2)));
    }
  });
}

/// One row as read while narrowing: its key's values and its hash on one side.
struct row_seen {
  std::size_t bucket = 0;
  std::vector<std::string> key_values;  // each key column as text, to look the row up again
  std::string hash;
};

/// (key as JSON) -> row, for the rows of `buckets` on one side.
probe_result rows_of_buckets(const side& s, const table_plan& plan, const std::vector<std::size_t>& buckets,
                             std::chrono::milliseconds budget, std::map<std::string, row_seen>& out) {
  std::vector<std::string> numbers, key_text;
  for (auto b : buckets) numbers.push_back(std::to_string(b));
  for (const auto& q : plan.key_quoted) key_text.push_back("cutover_row_." + q + "::text");
  const auto sql = substitute(R"sql(
    SELECT b, key, h::text, {key_values}
    FROM (SELECT {bucket} AS b, jsonb_build_array({key})::text AS key, {row_hash} AS h, {key_text_cols}
          FROM {table} AS cutover_row_ WHERE {where}) AS hashed
    WHERE b = ANY ($1::int[]))sql",
                              {{"bucket", bucket_of(plan.key_hash, plan.buckets)},
                               {"key", prefixed(plan.key_quoted)},
                               {"row_hash", plan.row_hash},
                               {"key_text_cols", [&] {
                                  std::vector<std::string> v;
                                  for (std::size_t i = 0; i < key_text.size(); ++i)
                                    v.push_back(key_text[i] + " AS k" + std::to_string(i));
                                  return join(v, ", ");
                                }()},
                               {"key_values", [&] {
                                  std::vector<std::string> v;
                                  for (std::size_t i = 0; i < key_text.size(); ++i) v.push_back("k" + std::to_string(i));
                                  return join(v, ", ");
                                }()},
                               {"table", plan.qualified}});
  return scan(s, plan, sql, {"{" + join(numbers, ",") + "}"}, budget, [&](const rows& r) {
    for (const auto& row : r) {
      row_seen seen{static_cast<std::size_t>(std::stoul(text(row.at(0)))), {}, text(row.at(2))};
      for (std::size_t i = 3; i < row.size(); ++i) seen.key_values.push_back(text(row[i]));
      out[text(row.at(1))] = std::move(seen);
    }
  });
}

/// The row's hash now (nullopt: no such row), looked up by key through the primary key's index.
probe_result hash_of_key(session& s, const table_plan& plan, const std::vector<std::string>& key_values,
                         std::optional<std::string>& out) {
  std::vector<std::string> casts;
  params p;
  for (std::size_t i = 0; i < key_values.size(); ++i) {
    p.emplace_back(key_values[i]);
    casts.push_back("$" + std::to_string(i + 1) + "::" + plan.key_types.at(i));
  }
  const auto sql = substitute("SELECT {row_hash}::text FROM {table} AS cutover_row_ WHERE ({key}) = ({values})",
                              {{"row_hash", plan.row_hash},
                               {"table", plan.qualified},
                               {"key", prefixed(plan.key_quoted)},
                               {"values", join(casts, ", ")}});
  rows r;
  auto res = s.exec_params(sql, p, &r);
  if (!res.ok()) return res;
  out = r.empty() ? std::nullopt : std::optional<std::string>(text(r[0].at(0)));
  return {};
}

/// Runs `on_target` on another thread while `on_source` runs here: a step costs the slower side, not the sum.
std::pair<probe_result, probe_result> both(const std::function<probe_result()>& on_source,
                                           const std::function<probe_result()>& on_target) {
  auto t = std::async(std::launch::async, on_target);
  auto s = on_source();
  return {s, t.get()};
}

/// Narrows mismatching buckets to keys, then (live source) re-checks them.
void narrow(const side& source, const side& target, const table_plan& src, const table_plan& dst,
            const content_options& options, table_content& t) {
  std::vector<std::size_t> buckets;
  for (auto& m : t.mismatches) {
    if (buckets.size() >= max_narrowed_buckets) {
      m.keys.status = probe_result::failure(outcome::skipped, "not narrowed: too many mismatching buckets", true);
      continue;
    }
    buckets.push_back(m.index);
  }
  if (buckets.empty()) return;
  std::map<std::string, row_seen> a, b;
  auto [ra, rb] = both([&] { return rows_of_buckets(source, src, buckets, options.statement_budget, a); },
                       [&] { return rows_of_buckets(target, dst, buckets, options.statement_budget, b); });
  if (!ra.ok() || !rb.ok()) {
    const auto status = !ra.ok() ? with_context(ra, "source: keys of " + t.table) : with_context(rb, "target: keys of " + t.table);
    for (auto& m : t.mismatches)
      if (m.keys.status.ok()) m.keys.status = status;
    return;
  }
  // Every mismatching key with what each side held at the first read.
  struct suspect {
    std::string key;
    std::size_t bucket;
    std::vector<std::string> key_values;
    std::optional<std::string> source_hash, target_hash;
  };
  std::vector<suspect> suspects;
  for (const auto& [key, row] : a) {
    auto it = b.find(key);
    if (it == b.end())
      suspects.push_back({key, row.bucket, row.key_values, row.hash, std::nullopt});
    else if (it->second.hash != row.hash)
      suspects.push_back({key, row.bucket, row.key_values, row.hash, it->second.hash});
  }
  for (const auto& [key, row] : b)
    if (!a.contains(key)) suspects.push_back({key, row.bucket, row.key_values, std::nullopt, row.hash});
  std::sort(suspects.begin(), suspects.end(),
            [](const auto& x, const auto& y) { return std::tie(x.bucket, x.key) < std::tie(y.bucket, y.key); });
  auto kind_of = [](const std::optional<std::string>& s, const std::optional<std::string>& d) {
    return !s ? "extra in target" : !d ? "missing in target" : "differs";
  };

  const bool recheck = options.recheck_delay.count() > 0;
  if (recheck) {
    std::this_thread::sleep_for(options.recheck_delay);
    if (options.before_recheck) options.before_recheck();
  }
  std::map<std::size_t, std::size_t> resolved;  // bucket -> keys that changed during the check
  for (auto& m : t.mismatches) {
    if (!m.keys.status.ok() && m.keys.status.result == outcome::skipped) continue;
    for (const auto& s : suspects) {
      if (s.bucket != m.index) continue;
      if (recheck && m.keys.keys.size() < options.max_keys) {
        std::optional<std::string> s2, d2;
        auto [r1, r2] = both([&] { return hash_of_key(*source.front(), src, s.key_values, s2); },
                             [&] { return hash_of_key(*target.front(), dst, s.key_values, d2); });
        if (!r1.ok() || !r2.ok()) {
          m.keys.status = !r1.ok() ? with_context(r1, "source: re-check") : with_context(r2, "target: re-check");
        } else if (s2 == d2) {
          ++t.caught_up;
          ++resolved[m.index];
          continue;
        } else if (s2 != s.source_hash || d2 != s.target_hash) {
          t.changed_during_check.push_back({s.key, kind_of(s2, d2)});
          ++resolved[m.index];
          continue;
        }
      }
      ++m.keys.total;
      if (m.keys.keys.size() < options.max_keys) m.keys.keys.push_back({s.key, kind_of(s.source_hash, s.target_hash)});
    }
  }
  // A bucket whose every differing row changed during the check (or whose
  // difference was gone by the time it was narrowed) does not really differ.
  if (recheck)
    std::erase_if(t.mismatches, [](const chunk_mismatch& m) { return m.keys.status.ok() && m.keys.total == 0; });
}

table_content compare_table(const side& source, const side& target, const table_ref& src, const table_ref& dst,
                            int source_version, int target_version, const content_options& options) {
  table_content t;
  t.table = src.name;
  if (!src.exists || !dst.exists) {
    t.status = probe_result::failure(outcome::check_failed,
                                     "table " + src.name + " missing in " + (src.exists ? "target" : "source"), true);
    return t;
  }
  table_plan a, b;
  a.qualified = src.qualified;
  b.qualified = dst.qualified;
  std::vector<std::string> cols_a, cols_b;
  if (auto r = read_columns(*source.front(), src.qualified, cols_a); !r.ok()) {
    t.status = with_context(r, "source");
    return t;
  }
  if (auto r = read_columns(*target.front(), dst.qualified, cols_b); !r.ok()) {
    t.status = with_context(r, "target");
    return t;
  }
  if (cols_a != cols_b) {
    std::vector<std::string> only_a, only_b;
    for (const auto& c : cols_a)
      if (std::find(cols_b.begin(), cols_b.end(), c) == cols_b.end()) only_a.push_back(c);
    for (const auto& c : cols_b)
      if (std::find(cols_a.begin(), cols_a.end(), c) == cols_a.end()) only_b.push_back(c);
    t.status = probe_result::failure(
        outcome::check_failed,
        "table " + src.name + ": columns differ" + (only_a.empty() ? "" : "; only in source: " + join(only_a, ", ")) +
            (only_b.empty() ? "" : "; only in target: " + join(only_b, ", ")),
        true);
    return t;
  }
  if (auto r = read_key(*source.front(), src.qualified, a); !r.ok()) {
    t.status = with_context(r, "source");
    return t;
  }
  t.key_columns = a.key_names;
  std::int64_t estimate = 0, target_estimate = 0;
  if (auto r = read_size(*source.front(), src.qualified, estimate, a.blocks); !r.ok()) {
    t.status = with_context(r, "source");
    return t;
  }
  if (auto r = read_size(*target.front(), dst.qualified, target_estimate, b.blocks); !r.ok()) {
    t.status = with_context(r, "target");
    return t;
  }
  // Never analyzed: guess from the size (only the bucket count depends on it).
  if (estimate < 0) estimate = a.blocks * 50;
  a.buckets = static_cast<std::size_t>(
      std::clamp<std::int64_t>((estimate + options.chunk_rows - 1) / std::max<std::int64_t>(options.chunk_rows, 1), 1,
                               static_cast<std::int64_t>(max_buckets)));
  a.row_hash = "hashtextextended(ROW(" + prefixed(cols_a) + ")::text, 0)";
  // A one-column key hashes its own text (cheaper than a row's); an integer
  // key its value (int2/4/8 give the same bigint on both sides).
  static const std::vector<std::string> integers{"smallint", "integer", "bigint"};
  if (a.key_quoted.size() == 1)
    a.key_hash = std::find(integers.begin(), integers.end(), a.key_types[0]) != integers.end()
                     ? "hashint8extended(cutover_row_." + a.key_quoted[0] + "::bigint, 1)"
                     : "hashtextextended(cutover_row_." + a.key_quoted[0] + "::text, 1)";
  if (a.key_quoted.size() > 1) a.key_hash = "hashtextextended(ROW(" + prefixed(a.key_quoted) + ")::text, 1)";
  a.ranges = source_version >= 140000 && src.kind == "r";
  b.key_names = a.key_names;
  b.key_quoted = a.key_quoted;
  b.key_types = a.key_types;
  b.row_hash = a.row_hash;
  b.key_hash = a.key_hash;
  b.buckets = a.buckets;
  b.ranges = target_version >= 140000 && dst.kind == "r";
  if (a.key_quoted.empty()) t.note = "no primary key: compared as a multiset of rows, not narrowed to keys";

  std::vector<bucket_sum> sa, sb;
  auto [ra, rb] = both([&] { return hash_buckets(source, a, options.statement_budget, sa); },
                       [&] { return hash_buckets(target, b, options.statement_budget, sb); });
  if (!ra.ok()) {
    t.status = with_context(ra, "source: hash of " + src.name);
    return t;
  }
  if (!rb.ok()) {
    t.status = with_context(rb, "target: hash of " + src.name);
    return t;
  }
  t.chunks = a.buckets;
  for (std::size_t i = 0; i < a.buckets; ++i) {
    t.source_rows += sa[i].rows;
    t.target_rows += sb[i].rows;
    if (!(sa[i] == sb[i])) {
      chunk_mismatch m{i, sa[i].rows, sb[i].rows, {}};
      if (a.key_quoted.empty()) m.keys.status = probe_result::failure(outcome::skipped, "no primary key", true);
      t.mismatches.push_back(std::move(m));
    }
  }
  if (!a.key_quoted.empty()) narrow(source, target, a, b, options, t);
  return t;
}

}  // namespace

bool content_diff::equal() const noexcept {
  return status.ok() && std::all_of(tables.begin(), tables.end(), [](const auto& t) { return t.equal(); });
}

std::size_t content_diff::changed_during_check() const noexcept {
  std::size_t n = 0;
  for (const auto& t : tables) n += t.changed_during_check.size();
  return n;
}

std::vector<std::string> content_diff::lines() const {
  std::vector<std::string> out;
  if (!status.ok() && tables.empty()) out.push_back(status.message);
  for (const auto& t : tables) {
    if (!t.status.ok()) {
      out.push_back("table " + t.table + ": " + std::string(to_string(t.status.result)) + ": " + t.status.message);
      continue;
    }
    for (const auto& m : t.mismatches) {
      std::string line = "table " + t.table + ": bucket " + std::to_string(m.index) + " of " +
                         std::to_string(t.chunks) + ": content differs (" + std::to_string(m.source_rows) +
                         " rows vs " + std::to_string(m.target_rows) + ")";
      if (!m.keys.status.ok()) {
        line += "; keys not listed: " + m.keys.status.message;
      } else if (m.keys.keys.empty()) {
        line += "; no differing row left when narrowed: the table changed during the check";
      } else {
        std::vector<std::string> keys;
        for (const auto& k : m.keys.keys) keys.push_back(k.key + " " + k.kind);
        line += "; keys: " + join(keys, ", ");
        if (m.keys.total > m.keys.keys.size())
          line += " (+" + std::to_string(m.keys.total - m.keys.keys.size()) + " more)";
      }
      out.push_back(line);
    }
  }
  return out;
}

content_diff compare_content(session& source, session& target, const std::vector<std::string>& tables,
                             const content_options& options) {
  content_diff out;
  // The canonical text depends on output settings (bytea_output, TimeZone,
  // DateStyle, ...): read_settings() pins them on every connection, inside its
  // own read-only transaction, so none outlives the comparison.
  read_transaction source_tx(source), target_tx(target);
  for (const auto& r : {detail::began(source_tx, "source"), detail::began(target_tx, "target")})
    if (!r.ok()) {
      out.status = r;
      return out;
    }
  int versions[2] = {0, 0};
  for (auto* s : {&source, &target}) {
    rows r;
    if (auto res = s->exec("SELECT current_setting('server_version_num')::int", &r); !res.ok()) {
      out.status = with_context(res, s == &source ? "source" : "target");
      return out;
    }
    versions[s == &source ? 0 : 1] = std::stoi(text(r.at(0).at(0)));
  }
  std::vector<table_ref> src, dst;
  if (auto r = resolve_tables(source, options.schema, tables, src); !r.ok()) {
    out.status = with_context(r, "source");
    return out;
  }
  std::vector<std::string> names;
  for (const auto& t : src) names.push_back(t.name);
  if (names.empty()) return out;  // nothing to compare; an empty list would mean "all" to resolve_tables
  if (auto r = resolve_tables(target, options.schema, names, dst); !r.ok()) {
    out.status = with_context(r, "target");
    return out;
  }
  // Worker connections: the same servers, roles and deadlines, the same pinned settings.
  std::vector<std::unique_ptr<session>> extra;
  std::vector<std::unique_ptr<read_transaction>> extra_tx;
  side sides[2] = {{&source}, {&target}};
  for (std::size_t w = 1; w < options.workers; ++w)
    for (int i = 0; i < 2; ++i) {
      auto& main = *sides[i].front();
      auto s = std::make_unique<session>(main.endpoint(), main.options());
      // A server short of connections still gets compared, only with fewer of them.
      if (!s->connect().ok()) continue;
      auto tx = std::make_unique<read_transaction>(*s);
      if (!tx->status().ok()) continue;
      sides[i].push_back(s.get());
      extra_tx.push_back(std::move(tx));
      extra.push_back(std::move(s));
    }
  for (std::size_t i = 0; i < src.size(); ++i) {
    auto t = compare_table(sides[0], sides[1], src[i], dst.at(i), versions[0], versions[1], options);
    if (!t.status.ok() && out.status.ok()) out.status = t.status;
    const bool broken = !source.connected() || !target.connected();
    out.tables.push_back(std::move(t));
    if (broken) break;  // the rest would only repeat "not connected"
  }
  return out;
}

}  // namespace cutover::pg
