#pragma once
/// Internals shared by parity.cpp and parity_usable.cpp (not a public API).
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/outcome.hpp"
#include "pg/session.hpp"

namespace cutover::pg::detail {

/// Replaces each `{name}` in `sql` with its value; keeps SQL templates readable.
inline std::string substitute(std::string sql,
                              std::initializer_list<std::pair<std::string_view, std::string>> values) {
  for (const auto& [name, value] : values) {
    const std::string token = "{" + std::string(name) + "}";
    for (auto pos = sql.find(token); pos != std::string::npos; pos = sql.find(token, pos + value.size()))
      sql.replace(pos, token.size(), value);
  }
  return sql;
}

/// A text[] literal; every element quoted so names with commas, quotes or braces survive.
inline std::string text_array(const std::vector<std::string>& v) {
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

/// The elements of `v` joined with `sep`.
inline std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? std::string(sep) : "") + v[i];
  return out;
}

/// Prefixes a failure's message with context, keeping its outcome.
inline probe_result with_context(probe_result r, const std::string& context) {
  if (!r.ok()) r.message = context + ": " + r.message;
  return r;
}

/// The failure of a side's read_transaction, with the side named; ok when it began.
inline probe_result began(const read_transaction& t, const std::string& side) {
  return t.status().ok() ? probe_result{} : with_context(t.status(), side);
}

/// True for a boolean column that is true ("t").
inline bool is_true(const std::optional<std::string>& v) { return v && *v == "t"; }

/// A table named by the caller or found in the catalogs.
struct table_ref {
  std::string name;       ///< unqualified
  std::string qualified;  ///< format('%I.%I', schema, name), made by the server
  bool exists = false;    ///< found in the catalogs
  std::string kind;       ///< pg_class.relkind ("r", "p", "v", ...); empty when missing
};

/// Resolves `tables` in `schema` (empty: every ordinary or partitioned table
/// that is not itself a partition, whose rows the parent already covers).
probe_result resolve_tables(session& s, const std::string& schema, const std::vector<std::string>& tables,
                            std::vector<table_ref>& out);

}  // namespace cutover::pg::detail
