#pragma once
/// Source-vs-target data migration checks (db.schema.parity, db.rows.parity,
/// db.content.parity, baileys.auth, baileys.keys), computed in the database.
/// Read-only: every function only runs SELECTs (and session-local SETs).
/// Every statement is bounded by the session's statement timeout; database
/// faults come back as a `probe_result` inside the result, never as exceptions.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/outcome.hpp"
#include "pg/session.hpp"

namespace cutover::pg {

// ---- db.schema.parity -------------------------------------------------------

/// One column as the catalogs describe it.
struct column_info {
  std::string name;                         ///< column name
  std::string type;                         ///< format_type(), e.g. "character varying(20)"
  bool not_null = false;                    ///< attnotnull
  std::optional<std::string> default_expr;  ///< pg_get_expr of the default, if any
  std::string collation;                    ///< only when it differs from the type's default
  std::string generated;                    ///< "identity always", "identity by default", "stored" or empty
};

/// One index, described without its name.
struct index_info {
  std::string name;        ///< for display only; never compared
  std::string definition;  ///< e.g. "UNIQUE btree (company_id, key_type, key_id)"
};

/// One table constraint, described without its name.
struct constraint_info {
  std::string name;        ///< for display only; never compared
  std::string kind;        ///< "primary key", "unique", "foreign key", "check", "exclusion", "trigger"
  std::string definition;  ///< pg_get_constraintdef(), e.g. "PRIMARY KEY (id)"
};

/// One table's shape.
struct table_schema {
  std::string name;                          ///< table name (unqualified)
  std::vector<column_info> columns;          ///< in ordinal order
  std::vector<index_info> indexes;           ///< sorted by definition
  std::vector<constraint_info> constraints;  ///< sorted by kind, definition
};

/// The shape of a set of tables in one schema of one database.
struct schema_snapshot {
  probe_result status;              ///< ok, or why the catalogs could not be read
  std::string schema = "public";    ///< the schema read
  std::vector<table_schema> tables; ///< sorted by name
  std::vector<std::string> missing; ///< requested tables that do not exist here
  /// The table named `name`, or nullptr.
  const table_schema* find(const std::string& name) const;
};

/// Differences between two snapshots, one readable line each.
struct schema_diff {
  probe_result status;                   ///< not ok when either snapshot could not be read
  std::vector<std::string> differences;  ///< e.g. "table bookings: column status: type text vs character varying(20)"
  /// True when both snapshots were read and nothing differs.
  bool equal() const noexcept { return status.ok() && differences.empty(); }
};

/// Reads tables, columns, indexes and constraints from the catalogs.
/// `tables` empty: every base (or partitioned) table of `schema`.
schema_snapshot read_schema(session& s, const std::vector<std::string>& tables = {},
                            const std::string& schema = "public");
/// Compares two snapshots, ignoring index and constraint names but not their definitions.
schema_diff diff_schema(const schema_snapshot& source, const schema_snapshot& target);

// ---- db.rows.parity ---------------------------------------------------------

/// Exact row count of one table.
struct table_count {
  std::string table;          ///< table name (unqualified)
  probe_result status;        ///< ok, or why it could not be counted (missing table, timeout, ...)
  std::int64_t rows = 0;      ///< count(*), valid when status is ok
};

/// Exact row counts of a set of tables.
struct row_counts {
  probe_result status;              ///< first failure, if any (each table also has its own)
  std::string schema = "public";    ///< the schema counted
  std::vector<table_count> tables;  ///< in the order requested (or by name)
  /// The count for `name`, or nullptr.
  const table_count* find(const std::string& name) const;
};

/// Differences between two sets of counts, one readable line each.
struct count_diff {
  probe_result status;                   ///< not ok when a table could not be counted on either side
  std::vector<std::string> differences;  ///< e.g. "table bookings: 1200 rows vs 1199"
  /// True when both sides were counted and every count matches.
  bool equal() const noexcept { return status.ok() && differences.empty(); }
};

/// Exact `count(*)` per table. `tables` empty: every base table of `schema`.
row_counts count_rows(session& s, const std::vector<std::string>& tables = {},
                      const std::string& schema = "public");
/// Compares two sets of counts table by table (a table missing on one side is a difference).
count_diff diff_counts(const row_counts& source, const row_counts& target);

// ---- db.content.parity ------------------------------------------------------

/// One row whose content differs or that exists on one side only.
struct key_mismatch {
  std::string key;   ///< the primary key as a JSON array, e.g. [962302, "pre-key", "17"]
  std::string kind;  ///< "differs", "missing in target", "extra in target"
};

/// Rows of one bucket whose hashes differ, capped.
struct key_list {
  probe_result status;              ///< ok, or why the keys could not be listed
  std::vector<key_mismatch> keys;   ///< at most `max_keys` entries, by key
  std::size_t total = 0;            ///< how many mismatching keys there are in the bucket
};

/// A bucket whose hash differs between source and target.
struct chunk_mismatch {
  std::size_t index = 0;          ///< bucket number, from 0
  std::int64_t source_rows = 0;   ///< rows in the bucket on the source
  std::int64_t target_rows = 0;   ///< rows in the bucket on the target
  key_list keys;                  ///< the mismatching keys (not listed for tables without a primary key)
};

/// Content comparison of one table.
struct table_content {
  std::string table;                      ///< table name (unqualified)
  probe_result status;                    ///< ok, or why it could not be compared
  std::vector<std::string> key_columns;   ///< primary key columns (source); empty: none
  std::size_t chunks = 0;                 ///< buckets compared
  std::int64_t source_rows = 0;           ///< rows hashed on the source
  std::int64_t target_rows = 0;           ///< rows hashed on the target
  std::vector<chunk_mismatch> mismatches; ///< buckets that really differ (after any re-check)
  /// Rows that differed, then changed on either side before the re-check and still differ: not judged.
  std::vector<key_mismatch> changed_during_check;
  std::size_t caught_up = 0;              ///< rows that differed, changed, and then matched at the re-check
  std::string note;                       ///< e.g. "no primary key: compared as a multiset of rows"
  /// True when compared and no bucket really differs.
  bool equal() const noexcept { return status.ok() && mismatches.empty(); }
};

/// Content comparison of a set of tables.
struct content_diff {
  probe_result status;                ///< first failure, if any (each table also has its own)
  std::vector<table_content> tables;  ///< in the order requested (or by name)
  /// True when every table was compared and no row really differs.
  bool equal() const noexcept;
  /// Rows that changed during the check and could not be judged, over all tables.
  std::size_t changed_during_check() const noexcept;
  /// One readable line per difference or failure (empty when equal).
  std::vector<std::string> lines() const;
};

/// How compare_content splits, narrows and re-checks.
struct content_options {
  std::string schema = "public";           ///< schema of the tables
  std::int64_t chunk_rows = 1000;          ///< rows per bucket (about): a mismatch is narrowed within one bucket
  std::size_t max_keys = 20;               ///< keys listed per mismatching bucket
  std::chrono::milliseconds statement_budget{1000};  ///< aim for statements this long (keep under statement_timeout)
  /// Connections per side that scan a table's block ranges at once (the
  /// given sessions plus workers - 1 more to the same servers; 1: no more).
  std::size_t workers = 3;
  /// Live source: wait this long, then re-read the mismatching rows on both
  /// sides; rows that changed in between are reported apart (0: no re-check).
  std::chrono::milliseconds recheck_delay{0};
  /// Called after the delay, just before the re-check reads (tests change rows here).
  std::function<void()> before_recheck;
};

/// Compares table contents by hashes computed in each database, both sides at
/// once. Every row is hashed from its canonical text (src/pg/parity_content.md)
/// and added to the bucket of its primary key's hash, so the buckets do not
/// depend on key order or collation. Each side is scanned in physical block
/// ranges (TID range scans, PostgreSQL 14+) sized to `statement_budget`, by
/// `workers` connections per side, and
/// bucket sums are added up in the harness: memory stays at one entry per
/// bucket whatever the table size. A mismatching bucket is narrowed to keys
/// (at most `max_keys`, for the first 10 buckets of a table), then re-checked
/// after `recheck_delay` if set. `tables` empty: every base table of the schema.
content_diff compare_content(session& source, session& target, const std::vector<std::string>& tables = {},
                             const content_options& options = {});

// ---- baileys.auth / baileys.keys --------------------------------------------

/// Baileys auth state of one company, as stored in whatsapp_auth / whatsapp_keys.
struct baileys_state {
  probe_result status;          ///< check_failed for missing tables; timeout/auth/... for DB faults
  std::string company_id;       ///< the company asked for
  std::int64_t auth_rows = 0;   ///< whatsapp_auth rows for the company (expected 1)
  std::string creds_type;       ///< jsonb_typeof(creds) ("object" expected); empty when no row
  std::int64_t keys = 0;        ///< whatsapp_keys rows for the company
  std::vector<std::pair<std::string, std::int64_t>> key_types;  ///< (key_type, count), by key_type
  /// One line for a report, e.g. "company 962302: auth rows: 1, creds: object, keys: 335 (pre-key 300, session 35)".
  std::string summary() const;
};

/// Reads the Baileys state of `company_id` (compared to the column with the
/// column's own type). Missing tables give status check_failed.
baileys_state read_baileys(session& s, const std::string& company_id, const std::string& schema = "public");

}  // namespace cutover::pg
