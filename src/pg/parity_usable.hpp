#pragma once
/// "Can the app use this database?": what a row copy or a dump/restore can
/// leave broken that row counts and content hashes do not see (the db.usable.*
/// criteria). Each check runs as the connected role, so the target session
/// must use the app's own role (the target config's user, the app's .env), and
/// the source session the role the app used on the source.
/// Read-only: catalog SELECTs, `max()` of sequence-fed columns, SHOW-like reads.
/// Faults come back in `usable_findings::status`, never as exceptions.
#include <cstddef>
#include <string>
#include <vector>

#include "core/outcome.hpp"
#include "pg/session.hpp"

namespace cutover::pg {

/// What one check found. `problems` block (the app would fail or misbehave);
/// `notes` are differences that do not, and checks that did not apply.
struct usable_findings {
  probe_result status;                ///< ok, or why the check could not run
  std::vector<std::string> problems;  ///< one line each: the object and what is wrong
  std::vector<std::string> notes;     ///< one line each: reported, not blocking
  std::size_t checked = 0;            ///< objects examined (for the report)
  /// True when the check ran and found no problem.
  bool ok() const noexcept { return status.ok() && problems.empty(); }
};

/// One fact about one object, as one side's catalogs show it to the connected role.
struct catalog_fact {
  std::string object;     ///< e.g. "table public.bookings"
  std::string attribute;  ///< e.g. "INSERT", "definition", "enabled"
  std::string value;      ///< e.g. "granted", an md5, "disabled"
  bool note_only = false; ///< a difference here is a note, not a problem
};

/// How a fact comparison words its lines.
struct fact_wording {
  /// After "<object>: <attribute>" when the target lacks the attribute, e.g. "not granted to the app role".
  std::string attribute_missing = "missing in target";
  /// Whether an object absent from the target is reported (false: another check owns that).
  bool report_missing_objects = true;
};

/// Compares source facts with target facts: every source object and attribute
/// must be on the target with the same value. Target-only objects and
/// attributes are not required. A difference is a note when the source fact
/// (and the target fact, if any) is `note_only`, else a problem.
void diff_facts(const std::vector<catalog_fact>& source, const std::vector<catalog_fact>& target,
                const fact_wording& wording, usable_findings& out);

/// Sequences feeding a column (serial, identity, or a nextval() default) in
/// `schemas` on the target: the next value must lie beyond the column's
/// max (min for descending sequences) and within the sequence's bounds.
usable_findings check_sequences(session& target, const std::vector<std::string>& schemas);

/// Privileges the source role held on the source (tables, views, sequences,
/// schemas, functions in `schemas`) that the target role lacks on the target,
/// and tables the app role owned (or was a member of the owner of) on the
/// source but not on the target (its migrations would fail). Missing
/// TRUNCATE, REFERENCES, TRIGGER and sequence SELECT/UPDATE are notes.
usable_findings check_privileges(session& source, session& target, const std::vector<std::string>& schemas);

/// Invalid or unready indexes on the target; constraints NOT VALID and
/// triggers (also the foreign keys' enforcement triggers) disabled on the
/// target but not on the source.
usable_findings check_integrity(session& source, session& target, const std::vector<std::string>& schemas);

/// Functions, views, materialized views (and whether populated), triggers,
/// enum labels, domains and used extensions of the source missing or
/// different on the target.
usable_findings check_objects(session& source, session& target, const std::vector<std::string>& schemas);

/// Row level security: whether the app role sees every row or only what
/// policies allow, RLS enabled/forced state and policies, source vs target.
usable_findings check_rls(session& source, session& target, const std::vector<std::string>& schemas);

/// The app role's session defaults (TimeZone, DateStyle, search_path,
/// read-only, session_replication_role, encodings, timeouts) and whether the
/// target accepts writes.
usable_findings check_settings(session& source, session& target);

/// Database and column collations: names and providers source vs target
/// (problems), versions source vs target (notes), and on the target the
/// recorded version against the library's actual one (problems).
usable_findings check_collation(session& source, session& target, const std::vector<std::string>& schemas);

/// Tables in `schemas` that have never been analyzed on the target (the
/// planner guesses until ANALYZE runs). Needs PostgreSQL 14+ to tell.
usable_findings check_statistics(session& target, const std::vector<std::string>& schemas);

}  // namespace cutover::pg
