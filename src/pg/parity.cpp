#include "pg/parity.hpp"

#include <algorithm>
#include <future>
#include <initializer_list>
#include <map>
#include <set>
#include <string_view>
#include <tuple>

#include "pg/parity_detail.hpp"

namespace cutover::pg {
namespace {

using detail::is_true;
using detail::join;
using detail::resolve_tables;
using detail::table_ref;
using detail::substitute;
using detail::text_array;
using detail::with_context;

using params = std::vector<std::optional<std::string>>;

std::string cell(const rows& r, std::size_t row, std::size_t col) { return r.at(row).at(col).value_or(""); }

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

namespace detail {

/// Resolves `tables` in `schema` (empty: every ordinary or partitioned table
/// that is not itself a partition, whose rows the parent already covers).
probe_result resolve_tables(session& s, const std::string& schema, const std::vector<std::string>& tables,
                            std::vector<table_ref>& out) {
  static constexpr const char* all_sql = R"sql(
    SELECT c.relname, format('%I.%I', n.nspname, c.relname), true, c.relkind::text
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition
    ORDER BY c.relname)sql";
  static constexpr const char* named_sql = R"sql(
    SELECT w.name, format('%I.%I', $1::text, w.name), c.oid IS NOT NULL, coalesce(c.relkind::text, '')
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
  for (const auto& row : r)
    out.push_back({row.at(0).value_or(""), row.at(1).value_or(""), is_true(row.at(2)), row.at(3).value_or("")});
  return {};
}

}  // namespace detail

// ---- schema -----------------------------------------------------------------

const table_schema* schema_snapshot::find(const std::string& name) const {
  auto it = std::find_if(tables.begin(), tables.end(), [&](const auto& t) { return t.name == name; });
  return it == tables.end() ? nullptr : &*it;
}

schema_snapshot read_schema(session& s, const std::vector<std::string>& tables, const std::string& schema) {
  schema_snapshot snap;
  snap.schema = schema;
  // Definitions and type names print by the search_path: pinned, so both sides print alike.
  read_transaction tx(s);
  if (!tx.status().ok()) {
    snap.status = tx.status();
    return snap;
  }
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
  read_transaction tx(s);
  if (!tx.status().ok()) {
    out.status = tx.status();
    return out;
  }
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
  read_transaction tx(s);
  if (!tx.status().ok()) {
    st.status = tx.status();
    return st;
  }
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
