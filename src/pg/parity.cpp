#include "pg/parity.hpp"

#include <algorithm>
#include <future>
#include <initializer_list>
#include <map>
#include <set>
#include <string_view>
#include <tuple>

namespace cutover::pg {
namespace {

using params = std::vector<std::optional<std::string>>;

/// A table named by the caller or found in the catalogs.
struct table_ref {
  std::string name;       // unqualified
  std::string qualified;  // format('%I.%I', schema, name), made by the server
  bool exists = false;
};

/// A table's primary key, as needed to build range predicates.
struct key_info {
  std::vector<std::string> names;   // raw column names (for display)
  std::vector<std::string> quoted;  // quote_ident(name)
  std::vector<std::string> types;   // format_type(), used to cast text bounds
  // Qualified collation per column ("" if none), set only for the side whose
  // key order is checked: the order depends on the column's collation there.
  std::vector<std::string> collations;
};

/// Replaces each `{name}` in `sql` with its value; keeps SQL templates readable.
std::string substitute(std::string sql, std::initializer_list<std::pair<std::string_view, std::string>> values) {
  for (const auto& [name, value] : values) {
    const std::string token = "{" + std::string(name) + "}";
    for (auto pos = sql.find(token); pos != std::string::npos; pos = sql.find(token, pos + value.size()))
      sql.replace(pos, token.size(), value);
  }
  return sql;
}

/// A text[] literal; every element quoted so names with commas, quotes or braces survive.
std::string text_array(const std::vector<std::string>& v) {
  std::string out = "{";
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char c : v[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? std::string(sep) : "") + v[i];
  return out;
}

std::string cell(const rows& r, std::size_t row, std::size_t col) { return r.at(row).at(col).value_or(""); }
bool is_true(const std::optional<std::string>& v) { return v && *v == "t"; }

/// Prefixes a failure's message with context, keeping its outcome.
probe_result with_context(probe_result r, const std::string& context) {
  if (!r.ok()) r.message = context + ": " + r.message;
  return r;
}

/// Resolves `tables` in `schema` (empty: every ordinary or partitioned table
/// that is not itself a partition, whose rows the parent already covers).
probe_result resolve_tables(session& s, const std::string& schema, const std::vector<std::string>& tables,
                            std::vector<table_ref>& out) {
  static constexpr const char* all_sql = R"sql(
    SELECT c.relname, format('%I.%I', n.nspname, c.relname), true
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition
    ORDER BY c.relname)sql";
  static constexpr const char* named_sql = R"sql(
    SELECT w.name, format('%I.%I', $1::text, w.name), c.oid IS NOT NULL
    FROM unnest($2::text[]) WITH ORDINALITY AS w(name, ord)
    LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = $1
    LEFT JOIN pg_catalog.pg_class c
      ON c.relnamespace = n.oid AND c.relname = w.name AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
    ORDER BY w.ord)sql";
  rows r;
  auto res = tables.empty() ? s.exec_params(all_sql, {schema}, &r)
                            : s.exec_params(named_sql, {schema, text_array(tables)}, &r);
  if (!res.ok()) return with_context(res, "list tables of schema " + schema);
  out.clear();
  for (const auto& row : r) out.push_back({row.at(0).value_or(""), row.at(1).value_or(""), is_true(row.at(2))});
  return {};
}

/// The primary key of `qualified` (empty names: no primary key).
probe_result read_key(session& s, const std::string& qualified, key_info& key) {
  static constexpr const char* sql = R"sql(
    SELECT a.attname, quote_ident(a.attname), format_type(a.atttypid, a.atttypmod)
    FROM pg_catalog.pg_index x
    JOIN pg_catalog.pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = ANY (x.indkey)
    WHERE x.indrelid = $1::regclass AND x.indisprimary
    ORDER BY array_position(x.indkey::int2[], a.attnum))sql";
  rows r;
  auto res = s.exec_params(sql, {qualified}, &r);
  if (!res.ok()) return with_context(res, "primary key of " + qualified);
  key = {};
  for (const auto& row : r) {
    key.names.push_back(row.at(0).value_or(""));
    key.quoted.push_back(row.at(1).value_or(""));
    key.types.push_back(row.at(2).value_or(""));
  }
  return {};
}

/// The collations of `key`'s columns in `qualified` on this server, for the key order check.
probe_result read_collations(session& s, const std::string& qualified, key_info& key) {
  static constexpr const char* sql = R"sql(
    SELECT CASE WHEN co.oid IS NOT NULL THEN format('%I.%I', cn.nspname, co.collname) ELSE '' END
    FROM unnest($2::text[]) WITH ORDINALITY AS k(name, ord)
    LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = $1::regclass AND a.attname = k.name
    LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
    LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
    ORDER BY k.ord)sql";
  rows r;
  auto res = s.exec_params(sql, {qualified, text_array(key.names)}, &r);
  if (!res.ok()) return with_context(res, "key collations of " + qualified);
  key.collations.clear();
  for (const auto& row : r) key.collations.push_back(row.at(0).value_or(""));
  return {};
}

/// "cutover_row_.a, cutover_row_.b": the key columns for ORDER BY.
std::string ordered_key(const key_info& key) {
  std::vector<std::string> cols;
  for (const auto& c : key.quoted) cols.push_back("cutover_row_." + c);
  return join(cols, ", ");
}

/// "(a, b) >= ($1::int, $2::text) AND (a, b) < ($3::int, $4::text)" for a range,
/// appending the bound values to `p`. Row comparison keeps the primary-key
/// index usable, so each chunk is an index range scan.
std::string range_predicate(const key_info& key, const key_range& range, params& p) {
  const std::string cols = "(" + join(key.quoted, ", ") + ")";
  auto bound = [&](const std::vector<std::string>& values) {
    std::vector<std::string> casts;
    for (std::size_t i = 0; i < values.size(); ++i) {
      p.emplace_back(values[i]);
      casts.push_back("$" + std::to_string(p.size()) + "::" + key.types.at(i));
    }
    return "(" + join(casts, ", ") + ")";
  };
  std::vector<std::string> terms;
  if (!range.lower.empty()) terms.push_back(cols + " >= " + bound(range.lower));
  if (!range.upper.empty()) terms.push_back(cols + " < " + bound(range.upper));
  return terms.empty() ? "true" : join(terms, " AND ");
}

/// The order-independent hash of one range on one side.
struct chunk_hash {
  std::int64_t rows = 0;
  std::string sum_hi;  // numeric text: sum of md5 hex digits 1-15 as 60-bit integers
  std::string sum_lo;  // numeric text: sum of md5 hex digits 16-30
  bool operator==(const chunk_hash&) const = default;
};

// Each row is hashed as md5 of its jsonb text: to_jsonb sorts keys (also in
// nested jsonb and json values), drops insignificant whitespace, and prints
// timestamps in the session's TimeZone (UTC, set by session::connect), so the
// same content gives the same text on both servers whatever the column order
// or the order keys were written in. Rows are combined by summing two 60-bit
// slices of their md5 into numeric (no overflow): a sum is order-independent,
// and unlike xor it does not cancel duplicate rows in tables without a key.
// One changed row goes unnoticed only if both slices collide (about 2^-120).
// The alias is unlikely to shadow a column, which would make to_jsonb() hash that column.
constexpr const char* hash_sql = R"sql(
    SELECT count(*),
           coalesce(sum(('x' || substr(h, 1, 15))::bit(60)::bigint), 0),
           coalesce(sum(('x' || substr(h, 16, 15))::bit(60)::bigint), 0),
           {ordered}
    FROM (SELECT md5(to_jsonb(cutover_row_)::text) AS h
          FROM {table} AS cutover_row_
          WHERE {where}) AS hashed)sql";

/// Hashes `range` of a table on one side. When `key.collations` is set,
/// `ordered` tells whether the range's bounds ascend under this server's
/// collations: if not, the source's chunk boundaries do not partition this
/// side's rows (different collation or locale), and chunks cannot be compared.
probe_result hash_range(session& s, const std::string& qualified, const key_info& key, const key_range& range,
                        chunk_hash& out, bool& ordered) {
  params p;
  std::string where = range_predicate(key, range, p);
  std::string order_check = "true";
  if (!range.lower.empty() && !range.upper.empty() && key.collations.size() == key.types.size()) {
    // Reuse the parameters bound above: lower is $1.., upper follows. A bare
    // cast would compare in the database's default collation, not the column's.
    std::vector<std::string> lo, hi;
    for (std::size_t i = 0; i < key.types.size(); ++i) {
      const auto collate = key.collations[i].empty() ? std::string() : " COLLATE " + key.collations[i];
      lo.push_back("$" + std::to_string(i + 1) + "::" + key.types[i] + collate);
      hi.push_back("$" + std::to_string(key.types.size() + i + 1) + "::" + key.types[i] + collate);
    }
    order_check = "(" + join(lo, ", ") + ") < (" + join(hi, ", ") + ")";
  }
  const auto sql = substitute(hash_sql, {{"ordered", order_check}, {"table", qualified}, {"where", where}});
  rows r;
  auto res = s.exec_params(sql, p, &r);
  if (!res.ok()) return res;
  out = {std::stoll(cell(r, 0, 0)), cell(r, 0, 1), cell(r, 0, 2)};
  ordered = is_true(r.at(0).at(3));
  return {};
}

/// The first key at or after `lower` plus `chunk_rows` rows (empty: the range runs to the end).
probe_result next_boundary(session& s, const std::string& qualified, const key_info& key,
                           const std::vector<std::string>& lower, std::int64_t chunk_rows,
                           std::vector<std::string>& upper) {
  // ORDER BY names the row alias: a bare name would bind to the text output column.
  static constexpr const char* sql = R"sql(
    SELECT {key_text}
    FROM {table} AS cutover_row_
    WHERE {where}
    ORDER BY {key}
    OFFSET {offset} LIMIT 1)sql";
  params p;
  std::vector<std::string> as_text;
  for (const auto& c : key.quoted) as_text.push_back(c + "::text");
  const auto where = range_predicate(key, {lower, {}}, p);
  const auto q = substitute(sql, {{"key_text", join(as_text, ", ")},
                                  {"table", qualified},
                                  {"where", where},
                                  {"key", ordered_key(key)},
                                  {"offset", std::to_string(chunk_rows)}});
  rows r;
  auto res = s.exec_params(q, p, &r);
  if (!res.ok()) return res;
  upper.clear();
  if (!r.empty())
    for (const auto& v : r[0]) upper.push_back(v.value_or(""));
  return {};
}

/// (key as JSON text, row md5) for every row of a range, in key order.
probe_result row_hashes(session& s, const std::string& qualified, const key_info& key, const key_range& range,
                        rows& out) {
  static constexpr const char* sql = R"sql(
    SELECT jsonb_build_array({key})::text, md5(to_jsonb(cutover_row_)::text)
    FROM {table} AS cutover_row_
    WHERE {where}
    ORDER BY {order})sql";
  params p;
  const auto where = range_predicate(key, range, p);
  const auto q = substitute(
      sql, {{"key", join(key.quoted, ", ")}, {"table", qualified}, {"where", where}, {"order", ordered_key(key)}});
  return s.exec_params(q, p, &out);
}

key_list mismatched_keys(session& source, session& target, const std::string& qualified, const key_info& key,
                         const key_range& range, std::size_t cap) {
  key_list out;
  rows src, dst;
  if (auto r = row_hashes(source, qualified, key, range, src); !r.ok()) {
    out.status = with_context(r, "source: keys of " + qualified);
    return out;
  }
  if (auto r = row_hashes(target, qualified, key, range, dst); !r.ok()) {
    out.status = with_context(r, "target: keys of " + qualified);
    return out;
  }
  std::map<std::string, std::string> in_target;
  for (const auto& row : dst) in_target.emplace(row.at(0).value_or(""), row.at(1).value_or(""));
  auto add = [&](const std::string& k, const char* kind) {
    ++out.total;
    if (out.keys.size() < cap) out.keys.push_back({k, kind});
  };
  std::set<std::string> seen;
  for (const auto& row : src) {
    const auto k = row.at(0).value_or("");
    seen.insert(k);
    auto it = in_target.find(k);
    if (it == in_target.end())
      add(k, "missing in target");
    else if (it->second != row.at(1).value_or(""))
      add(k, "differs");
  }
  for (const auto& row : dst)
    if (!seen.contains(row.at(0).value_or(""))) add(row.at(0).value_or(""), "extra in target");
  return out;
}

// A table whose chunks nearly all differ (e.g. a column type changed) would
// otherwise pull every row's hash; a few narrowed chunks are enough to act on.
constexpr std::size_t max_narrowed_chunks = 10;

table_content compare_table(session& source, session& target, const table_ref& src, const table_ref& dst,
                            std::int64_t chunk_rows, std::size_t max_keys) {
  table_content t;
  t.table = src.name;
  if (!src.exists) {
    t.status = probe_result::failure(outcome::check_failed, "table " + src.name + " missing in source", true);
    return t;
  }
  if (!dst.exists) {
    t.status = probe_result::failure(outcome::check_failed, "table " + src.name + " missing in target", true);
    return t;
  }
  key_info key;
  if (auto r = read_key(source, src.qualified, key); !r.ok()) {
    t.status = with_context(r, "source");
    return t;
  }
  t.key_columns = key.names;
  key_info target_key = key;
  if (auto r = read_collations(target, dst.qualified, target_key); !r.ok()) {
    t.status = with_context(r, "target");
    return t;
  }
  if (key.names.empty()) t.note = "no primary key: hashed as one chunk, not narrowed to keys";

  key_range range;
  for (std::size_t index = 0;; ++index) {
    if (!key.names.empty()) {
      if (auto r = next_boundary(source, src.qualified, key, range.lower, chunk_rows, range.upper); !r.ok()) {
        t.status = with_context(r, "source: chunk bounds of " + src.name);
        return t;
      }
    }
    chunk_hash a, b;
    bool src_ordered = true, dst_ordered = true;
    // Both servers hash at the same time: the chunk costs the slower side, not the sum.
    auto on_target = std::async(std::launch::async,
                                [&] { return hash_range(target, dst.qualified, target_key, range, b, dst_ordered); });
    auto on_source = hash_range(source, src.qualified, key, range, a, src_ordered);
    auto on_target_result = on_target.get();
    if (!on_source.ok()) {
      t.status = with_context(on_source, "source: hash of " + src.name + " " + range.display());
      return t;
    }
    if (!on_target_result.ok()) {
      t.status = with_context(on_target_result, "target: hash of " + src.name + " " + range.display());
      return t;
    }
    if (!dst_ordered) {
      t.status = probe_result::failure(outcome::check_failed,
                                       "table " + src.name + ": primary key order differs between source and target "
                                       "(collation?) at " + range.display() + "; chunks cannot be compared",
                                       true);
      return t;
    }
    ++t.chunks;
    t.source_rows += a.rows;
    t.target_rows += b.rows;
    if (!(a == b)) {
      chunk_mismatch m{index, range, a.rows, b.rows, {}};
      if (key.names.empty())
        m.keys.status = probe_result::failure(outcome::skipped, "no primary key", true);
      else if (t.mismatches.size() >= max_narrowed_chunks)
        m.keys.status = probe_result::failure(outcome::skipped, "not narrowed: too many mismatching chunks", true);
      else
        m.keys = mismatched_keys(source, target, src.qualified, key, range, max_keys);
      t.mismatches.push_back(std::move(m));
    }
    if (range.upper.empty()) break;
    range.lower = std::move(range.upper);
    range.upper.clear();
  }
  return t;
}

/// Canonical index text: "UNIQUE btree (a, b) WHERE ..." from pg_get_indexdef,
/// whose name and table parts legitimately differ between databases.
std::string index_definition(const std::string& def) {
  auto on = def.find(" ON ");
  auto using_at = def.find(" USING ", on == std::string::npos ? 0 : on);
  std::string body = using_at == std::string::npos ? def : def.substr(using_at + 7);
  return (def.starts_with("CREATE UNIQUE ") ? "UNIQUE " : "") + body;
}

std::string constraint_kind(const std::string& code) {
  static const std::map<std::string, std::string> names{{"p", "primary key"}, {"u", "unique"},
                                                        {"f", "foreign key"}, {"c", "check"},
                                                        {"x", "exclusion"},   {"t", "trigger"}};
  auto it = names.find(code);
  return it == names.end() ? code : it->second;
}

/// Adds "table T: <what> missing in target" / "only in target" lines for two multisets.
void diff_multiset(const std::string& table, const std::string& what, std::vector<std::string> a,
                   std::vector<std::string> b, std::vector<std::string>& out) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  std::vector<std::string> only_a, only_b;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(only_a));
  std::set_difference(b.begin(), b.end(), a.begin(), a.end(), std::back_inserter(only_b));
  for (const auto& d : only_a) out.push_back("table " + table + ": missing " + what + " in target: " + d);
  for (const auto& d : only_b) out.push_back("table " + table + ": extra " + what + " in target: " + d);
}

void diff_table(const table_schema& a, const table_schema& b, std::vector<std::string>& out) {
  const std::string t = "table " + a.name + ": column ";
  auto show = [](const std::optional<std::string>& v) { return v ? *v : std::string("none"); };
  auto or_default = [](const std::string& v, const char* d) { return v.empty() ? std::string(d) : v; };
  for (const auto& ca : a.columns) {
    auto it = std::find_if(b.columns.begin(), b.columns.end(), [&](const auto& c) { return c.name == ca.name; });
    if (it == b.columns.end()) {
      out.push_back(t + ca.name + " missing in target");
      continue;
    }
    const auto& cb = *it;
    if (ca.type != cb.type) out.push_back(t + ca.name + ": type " + ca.type + " vs " + cb.type);
    if (ca.not_null != cb.not_null)
      out.push_back(t + ca.name + ": " + (ca.not_null ? "NOT NULL vs nullable" : "nullable vs NOT NULL"));
    if (ca.default_expr != cb.default_expr)
      out.push_back(t + ca.name + ": default " + show(ca.default_expr) + " vs " + show(cb.default_expr));
    if (ca.collation != cb.collation)
      out.push_back(t + ca.name + ": collation " + or_default(ca.collation, "default") + " vs " +
                    or_default(cb.collation, "default"));
    if (ca.generated != cb.generated)
      out.push_back(t + ca.name + ": generated " + or_default(ca.generated, "no") + " vs " +
                    or_default(cb.generated, "no"));
  }
  for (const auto& cb : b.columns)
    if (std::none_of(a.columns.begin(), a.columns.end(), [&](const auto& c) { return c.name == cb.name; }))
      out.push_back(t + cb.name + " only in target");

  auto index_defs = [](const table_schema& s) {
    std::vector<std::string> v;
    for (const auto& i : s.indexes) v.push_back(i.definition);
    return v;
  };
  auto constraint_defs = [](const table_schema& s) {
    std::vector<std::string> v;
    for (const auto& c : s.constraints) v.push_back(c.definition);
    return v;
  };
  diff_multiset(a.name, "index", index_defs(a), index_defs(b), out);
  diff_multiset(a.name, "constraint", constraint_defs(a), constraint_defs(b), out);
}

}  // namespace

// ---- schema -----------------------------------------------------------------

const table_schema* schema_snapshot::find(const std::string& name) const {
  auto it = std::find_if(tables.begin(), tables.end(), [&](const auto& t) { return t.name == name; });
  return it == tables.end() ? nullptr : &*it;
}

schema_snapshot read_schema(session& s, const std::vector<std::string>& tables, const std::string& schema) {
  schema_snapshot snap;
  snap.schema = schema;
  std::vector<table_ref> refs;
  if (auto r = resolve_tables(s, schema, tables, refs); !r.ok()) {
    snap.status = r;
    return snap;
  }
  std::vector<std::string> names;
  for (const auto& t : refs) {
    if (!t.exists) {
      snap.missing.push_back(t.name);
      continue;
    }
    names.push_back(t.name);
    snap.tables.push_back({t.name, {}, {}, {}});
  }
  std::sort(snap.tables.begin(), snap.tables.end(), [](const auto& x, const auto& y) { return x.name < y.name; });
  auto table = [&](const std::string& name) -> table_schema* {
    auto it = std::find_if(snap.tables.begin(), snap.tables.end(), [&](const auto& t) { return t.name == name; });
    return it == snap.tables.end() ? nullptr : &*it;
  };
  const params p{schema, text_array(names)};

  static constexpr const char* columns_sql = R"sql(
    SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
           pg_get_expr(d.adbin, d.adrelid),
           CASE WHEN a.attcollation <> t.typcollation THEN co.collname END,
           CASE a.attidentity WHEN 'a' THEN 'identity always' WHEN 'd' THEN 'identity by default'
                ELSE CASE a.attgenerated WHEN 's' THEN 'stored' END END
    FROM pg_catalog.pg_attribute a
    JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
    LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
    WHERE n.nspname = $1 AND c.relname = ANY ($2::text[]) AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY c.relname, a.attnum)sql";
  rows r;
  if (auto res = s.exec_params(columns_sql, p, &r); !res.ok()) {
    snap.status = with_context(res, "read columns");
    return snap;
  }
  for (const auto& row : r)
    if (auto* t = table(row.at(0).value_or("")))
      t->columns.push_back(
          {row.at(1).value_or(""), row.at(2).value_or(""), is_true(row.at(3)), row.at(4), row.at(5).value_or(""),
           row.at(6).value_or("")});

  static constexpr const char* indexes_sql = R"sql(
    SELECT c.relname, i.relname, pg_get_indexdef(x.indexrelid)
    FROM pg_catalog.pg_index x
    JOIN pg_catalog.pg_class c ON c.oid = x.indrelid
    JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = $1 AND c.relname = ANY ($2::text[]))sql";
  if (auto res = s.exec_params(indexes_sql, p, &r); !res.ok()) {
    snap.status = with_context(res, "read indexes");
    return snap;
  }
  for (const auto& row : r)
    if (auto* t = table(row.at(0).value_or("")))
      t->indexes.push_back({row.at(1).value_or(""), index_definition(row.at(2).value_or(""))});

  static constexpr const char* constraints_sql = R"sql(
    SELECT c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid)
    FROM pg_catalog.pg_constraint k
    JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = $1 AND c.relname = ANY ($2::text[]))sql";
  if (auto res = s.exec_params(constraints_sql, p, &r); !res.ok()) {
    snap.status = with_context(res, "read constraints");
    return snap;
  }
  for (const auto& row : r)
    if (auto* t = table(row.at(0).value_or("")))
      t->constraints.push_back(
          {row.at(1).value_or(""), constraint_kind(row.at(2).value_or("")), row.at(3).value_or("")});

  for (auto& t : snap.tables) {
    std::sort(t.indexes.begin(), t.indexes.end(),
              [](const auto& x, const auto& y) { return x.definition < y.definition; });
    std::sort(t.constraints.begin(), t.constraints.end(), [](const auto& x, const auto& y) {
      return std::tie(x.kind, x.definition) < std::tie(y.kind, y.definition);
    });
  }
  return snap;
}

schema_diff diff_schema(const schema_snapshot& source, const schema_snapshot& target) {
  schema_diff d;
  if (!source.status.ok()) {
    d.status = with_context(source.status, "source");
    return d;
  }
  if (!target.status.ok()) {
    d.status = with_context(target.status, "target");
    return d;
  }
  auto& out = d.differences;
  auto listed = [](const std::vector<std::string>& v, const std::string& n) {
    return std::find(v.begin(), v.end(), n) != v.end();
  };
  for (const auto& n : source.missing)
    out.push_back("table " + n + (listed(target.missing, n) ? " missing in source and target" : " missing in source"));
  for (const auto& a : source.tables) {
    if (const auto* b = target.find(a.name))
      diff_table(a, *b, out);
    else
      out.push_back("table " + a.name + " missing in target");
  }
  for (const auto& b : target.tables)
    if (!source.find(b.name) && !listed(source.missing, b.name)) out.push_back("table " + b.name + " only in target");
  return d;
}

// ---- row counts -------------------------------------------------------------

const table_count* row_counts::find(const std::string& name) const {
  auto it = std::find_if(tables.begin(), tables.end(), [&](const auto& t) { return t.table == name; });
  return it == tables.end() ? nullptr : &*it;
}

row_counts count_rows(session& s, const std::vector<std::string>& tables, const std::string& schema) {
  row_counts out;
  out.schema = schema;
  std::vector<table_ref> refs;
  if (auto r = resolve_tables(s, schema, tables, refs); !r.ok()) {
    out.status = r;
    return out;
  }
  for (const auto& t : refs) {
    table_count c{t.name, {}, 0};
    if (!t.exists) {
      c.status = probe_result::failure(outcome::check_failed, "table " + t.name + " does not exist in schema " + schema,
                                       true);
    } else if (!s.connected()) {
      // An earlier table left the connection broken: say so instead of one "not connected" per table.
      c.status = probe_result::failure(outcome::skipped, "table " + t.name + ": not counted after an earlier failure");
    } else {
      rows r;
      c.status = with_context(s.exec("SELECT count(*) FROM " + t.qualified, &r), "count " + t.name);
      if (c.status.ok()) c.rows = std::stoll(cell(r, 0, 0));
    }
    if (!c.status.ok() && out.status.ok()) out.status = c.status;
    out.tables.push_back(std::move(c));
  }
  return out;
}

count_diff diff_counts(const row_counts& source, const row_counts& target) {
  count_diff d;
  auto fail = [&](const probe_result& r, const std::string& side) {
    if (d.status.ok()) d.status = with_context(r, side);
    d.differences.push_back(side + ": " + r.message);
  };
  if (!source.status.ok() && source.tables.empty()) fail(source.status, "source");
  if (!target.status.ok() && target.tables.empty()) fail(target.status, "target");
  for (const auto& a : source.tables) {
    const auto* b = target.find(a.table);
    if (!a.status.ok()) {
      fail(a.status, "source");
    } else if (!b) {
      d.differences.push_back("table " + a.table + " not counted in target");
    } else if (!b->status.ok()) {
      fail(b->status, "target");
    } else if (a.rows != b->rows) {
      d.differences.push_back("table " + a.table + ": " + std::to_string(a.rows) + " rows vs " +
                              std::to_string(b->rows));
    }
  }
  for (const auto& b : target.tables)
    if (!source.find(b.table)) d.differences.push_back("table " + b.table + " only in target");
  return d;
}

// ---- content ----------------------------------------------------------------

std::string key_range::display() const {
  auto show = [](const std::vector<std::string>& k) { return "(" + join(k, ", ") + ")"; };
  return "[" + (lower.empty() ? std::string("start") : show(lower)) + " .. " +
         (upper.empty() ? std::string("end") : show(upper)) + ")";
}

bool content_diff::equal() const noexcept {
  return status.ok() && std::all_of(tables.begin(), tables.end(), [](const auto& t) { return t.equal(); });
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
      std::string line = "table " + t.table + ": chunk " + std::to_string(m.index) + " " + m.range.display() +
                         ": content differs (" + std::to_string(m.source_rows) + " rows vs " +
                         std::to_string(m.target_rows) + ")";
      if (!m.keys.status.ok()) {
        line += "; keys not listed: " + m.keys.status.message;
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
                             std::int64_t chunk_rows, const std::string& schema, std::size_t max_keys) {
  content_diff out;
  if (chunk_rows < 1) chunk_rows = 1;
  // bytea's text form (inside to_jsonb) follows bytea_output: pin it so both sides agree.
  for (auto* s : {&source, &target}) {
    if (auto r = s->exec("SET bytea_output = 'hex'"); !r.ok()) {
      out.status = with_context(r, s == &source ? "source" : "target");
      return out;
    }
  }
  std::vector<table_ref> src, dst;
  if (auto r = resolve_tables(source, schema, tables, src); !r.ok()) {
    out.status = with_context(r, "source");
    return out;
  }
  std::vector<std::string> names;
  for (const auto& t : src) names.push_back(t.name);
  if (names.empty()) return out;  // nothing to compare; an empty list would mean "all" to resolve_tables
  if (auto r = resolve_tables(target, schema, names, dst); !r.ok()) {
    out.status = with_context(r, "target");
    return out;
  }
  for (std::size_t i = 0; i < src.size(); ++i) {
    auto t = compare_table(source, target, src[i], dst.at(i), chunk_rows, max_keys);
    if (!t.status.ok() && out.status.ok()) out.status = t.status;
    const bool broken = !source.connected() || !target.connected();
    out.tables.push_back(std::move(t));
    if (broken) break;  // the rest would only repeat "not connected"
  }
  return out;
}

key_list find_mismatched_keys(session& source, session& target, const std::string& table, const key_range& range,
                              std::size_t cap, const std::string& schema) {
  key_list out;
  std::vector<table_ref> refs;
  if (auto r = resolve_tables(source, schema, {table}, refs); !r.ok()) {
    out.status = with_context(r, "source");
    return out;
  }
  if (!refs.at(0).exists) {
    out.status = probe_result::failure(outcome::check_failed, "table " + table + " missing in source", true);
    return out;
  }
  key_info key;
  if (auto r = read_key(source, refs[0].qualified, key); !r.ok()) {
    out.status = with_context(r, "source");
    return out;
  }
  if (key.names.empty()) {
    out.status = probe_result::failure(outcome::skipped, "table " + table + " has no primary key", true);
    return out;
  }
  return mismatched_keys(source, target, refs[0].qualified, key, range, cap);
}

// ---- baileys ----------------------------------------------------------------

std::string baileys_state::summary() const {
  if (!status.ok()) return std::string(to_string(status.result)) + ": " + status.message;
  std::vector<std::string> types;
  for (const auto& [type, n] : key_types) types.push_back(type + " " + std::to_string(n));
  return "company " + company_id + ": auth rows: " + std::to_string(auth_rows) +
         ", creds: " + (creds_type.empty() ? std::string("none") : creds_type) + ", keys: " + std::to_string(keys) +
         (types.empty() ? std::string() : " (" + join(types, ", ") + ")");
}

baileys_state read_baileys(session& s, const std::string& company_id, const std::string& schema) {
  baileys_state st;
  st.company_id = company_id;
  std::vector<table_ref> refs;
  if (auto r = resolve_tables(s, schema, {"whatsapp_auth", "whatsapp_keys"}, refs); !r.ok()) {
    st.status = r;
    return st;
  }
  std::vector<std::string> missing;
  for (const auto& t : refs)
    if (!t.exists) missing.push_back(schema + "." + t.name);
  if (!missing.empty()) {
    st.status = probe_result::failure(outcome::check_failed, "missing table " + join(missing, ", "), true);
    return st;
  }
  // An untyped $1 takes company_id's own type (text or integer), keeping its index usable.
  // to_jsonb() also accepts creds stored as json; as text it would say "string".
  static constexpr const char* auth_sql = R"sql(
    SELECT count(*), max(jsonb_typeof(to_jsonb(creds)))
    FROM {table}
    WHERE company_id = $1)sql";
  static constexpr const char* keys_sql = R"sql(
    SELECT key_type::text, count(*)
    FROM {table}
    WHERE company_id = $1
    GROUP BY key_type
    ORDER BY key_type::text)sql";
  rows r;
  if (auto res = s.exec_params(substitute(auth_sql, {{"table", refs[0].qualified}}), {company_id}, &r); !res.ok()) {
    st.status = with_context(res, "read whatsapp_auth");
    return st;
  }
  st.auth_rows = std::stoll(cell(r, 0, 0));
  st.creds_type = cell(r, 0, 1);
  if (auto res = s.exec_params(substitute(keys_sql, {{"table", refs[1].qualified}}), {company_id}, &r); !res.ok()) {
    st.status = with_context(res, "read whatsapp_keys");
    return st;
  }
  for (const auto& row : r) {
    auto n = std::stoll(row.at(1).value_or("0"));
    st.key_types.emplace_back(row.at(0).value_or("(null)"), n);
    st.keys += n;
  }
  return st;
}

}  // namespace cutover::pg
