#include "pg/parity_usable.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>

#include "pg/parity_detail.hpp"

namespace cutover::pg {
namespace {

using detail::began;
using detail::is_true;
using detail::substitute;
using detail::text_array;
using detail::with_context;

using params = std::vector<std::optional<std::string>>;

std::string text(const std::optional<std::string>& v) { return v.value_or(""); }

/// Runs a fact query (rows: object, attribute, value, note_only) with the schema list as $1.
probe_result read_facts(session& s, std::string_view sql, const std::vector<std::string>& schemas,
                        std::vector<catalog_fact>& out) {
  rows r;
  auto res = schemas.empty() ? s.exec(sql, &r) : s.exec_params(sql, {text_array(schemas)}, &r);
  if (!res.ok()) return res;
  out.clear();
  for (const auto& row : r) out.push_back({text(row.at(0)), text(row.at(1)), text(row.at(2)), is_true(row.at(3))});
  return {};
}

/// Reads the same facts on both sides and compares them. Object names and
/// definitions (pg_get_viewdef, format_type, ...) print schemas as the
/// search_path makes them visible: with only pg_catalog on it, both sides
/// qualify alike whatever the role's own search_path (`qualify` false: the
/// role's default search_path, which the query reads, whatever a pooled
/// connection carries). Pinned inside the read transaction, never beyond it.
usable_findings compare_facts(session& source, session& target, std::string_view sql,
                              const std::vector<std::string>& schemas, const fact_wording& wording,
                              bool qualify = true) {
  usable_findings out;
  auto settings = read_settings();
  if (!qualify) settings.push_back({"search_path", "DEFAULT"});
  read_transaction source_tx(source, settings), target_tx(target, settings);
  for (const auto& r : {began(source_tx, "source"), began(target_tx, "target")})
    if (!r.ok()) {
      out.status = r;
      return out;
    }
  std::vector<catalog_fact> a, b;
  if (auto r = read_facts(source, sql, schemas, a); !r.ok()) {
    out.status = with_context(r, "source");
    return out;
  }
  if (auto r = read_facts(target, sql, schemas, b); !r.ok()) {
    out.status = with_context(r, "target");
    return out;
  }
  diff_facts(a, b, wording, out);
  return out;
}

/// Rows (object, problem) from one side, each one problem line.
probe_result read_problems(session& s, std::string_view sql, const params& p, usable_findings& out) {
  rows r;
  auto res = s.exec_params(sql, p, &r);
  if (!res.ok()) return res;
  for (const auto& row : r) out.problems.push_back(text(row.at(0)) + ": " + text(row.at(1)));
  return {};
}

/// The server's version number (e.g. 150004).
probe_result server_version(session& s, int& version) {
  rows r;
  auto res = s.exec("SELECT current_setting('server_version_num')::int", &r);
  if (res.ok()) version = std::stoi(text(r.at(0).at(0)));
  return res;
}

// Objects of the app's schemas that are not part of an extension (an
// extension's own functions and tables come with it).
constexpr const char* not_extension_member = R"sql(
  NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
              WHERE e.objid = {oid} AND e.classid = '{catalog}'::regclass AND e.deptype = 'e'))sql";

std::string not_member(const std::string& oid, const std::string& catalog) {
  return substitute(not_extension_member, {{"oid", oid}, {"catalog", catalog}});
}

}  // namespace

void diff_facts(const std::vector<catalog_fact>& source, const std::vector<catalog_fact>& target,
                const fact_wording& wording, usable_findings& out) {
  using key = std::pair<std::string, std::string>;
  std::map<key, const catalog_fact*> in_target;
  std::map<std::string, bool> target_objects;
  for (const auto& f : target) {
    in_target.emplace(key{f.object, f.attribute}, &f);
    target_objects[f.object] = true;
  }
  // Source objects in first-seen order, each with its facts.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const catalog_fact*>> by_object;
  for (const auto& f : source) {
    auto& v = by_object[f.object];
    if (v.empty()) order.push_back(f.object);
    v.push_back(&f);
  }
  out.checked += order.size();
  for (const auto& object : order) {
    const auto& facts = by_object[object];
    const bool all_notes = std::all_of(facts.begin(), facts.end(), [](const auto* f) { return f->note_only; });
    if (!target_objects.contains(object)) {
      if (!wording.report_missing_objects) continue;
      (all_notes ? out.notes : out.problems).push_back(object + ": missing in target");
      continue;
    }
    for (const auto* f : facts) {
      auto it = in_target.find({f->object, f->attribute});
      if (it == in_target.end()) {
        (f->note_only ? out.notes : out.problems).push_back(object + ": " + f->attribute + " " + wording.attribute_missing);
      } else if (it->second->value != f->value) {
        const bool note = f->note_only && it->second->note_only;
        // Definitions are compared as text or md5: saying which side has what would not help.
        (note ? out.notes : out.problems)
            .push_back(f->attribute == "definition"
                           ? object + ": definition differs on target"
                           : object + ": " + f->attribute + " " + f->value + " on source, " + it->second->value + " on target");
      }
    }
  }
}

// ---- sequences --------------------------------------------------------------

usable_findings check_sequences(session& target, const std::vector<std::string>& schemas) {
  usable_findings out;
  read_transaction target_tx(target);
  if (auto r = began(target_tx, "target"); !r.ok()) {
    out.status = r;
    return out;
  }
  // Sequences a column takes its values from: owned by it (serial: 'a',
  // identity: 'i') or named in its default (nextval('s')).
  static constexpr const char* list_sql = R"sql(
    WITH feeds AS (
      SELECT d.objid AS seq, d.refobjid AS rel, d.refobjsubid AS att
      FROM pg_catalog.pg_depend d
      WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
        AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
      UNION
      SELECT d.refobjid, ad.adrelid, ad.adnum
      FROM pg_catalog.pg_depend d
      JOIN pg_catalog.pg_attrdef ad ON ad.oid = d.objid
      WHERE d.classid = 'pg_attrdef'::regclass AND d.refclassid = 'pg_class'::regclass)
    SELECT format('%I.%I', tn.nspname, t.relname), quote_ident(a.attname), format('%I.%I', sn.nspname, s.relname),
           format('%I.%I.%I', tn.nspname, t.relname, a.attname),
           has_sequence_privilege(s.oid, 'SELECT') OR has_sequence_privilege(s.oid, 'USAGE'),
           has_table_privilege(t.oid, 'SELECT'),
           q.seqincrement, q.seqstart, q.seqmin, q.seqmax,
           t.relrowsecurity AND NOT (r.rolsuper OR r.rolbypassrls)
             AND NOT (pg_has_role(current_user, t.relowner, 'USAGE') AND NOT t.relforcerowsecurity)
    FROM feeds f
    CROSS JOIN (SELECT rolsuper, rolbypassrls FROM pg_catalog.pg_roles WHERE rolname = current_user) r
    JOIN pg_catalog.pg_class s ON s.oid = f.seq AND s.relkind = 'S'
    JOIN pg_catalog.pg_namespace sn ON sn.oid = s.relnamespace
    JOIN pg_catalog.pg_sequence q ON q.seqrelid = s.oid
    JOIN pg_catalog.pg_class t ON t.oid = f.rel AND t.relkind IN ('r', 'p')
    JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
    JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum = f.att
    WHERE tn.nspname = ANY ($1::text[])
    ORDER BY 4)sql";
  rows list;
  if (auto r = target.exec_params(list_sql, {text_array(schemas)}, &list); !r.ok()) {
    out.status = with_context(r, "target: list sequences");
    return out;
  }
  if (list.empty()) out.notes.push_back("no column takes its values from a sequence in " + detail::join(schemas, ", "));
  for (const auto& row : list) {
    const auto table = text(row[0]), column = text(row[1]), seq = text(row[2]), name = text(row[3]);
    if (!is_true(row[4]) || !is_true(row[5])) {
      // db.usable.privileges says whether the app needs them; without them this one cannot look.
      out.notes.push_back("sequence " + seq + " (" + name + "): the app role cannot read " +
                          (is_true(row[4]) ? "the table" : "the sequence") + ": not checked");
      continue;
    }
    if (is_true(row[10])) {
      // Its max would be over the visible rows only, while the unique index sees them all.
      out.notes.push_back("sequence " + seq + " (" + name + "): row level security hides rows of " + table +
                          " from the app role: not checked (see db.usable.rls)");
      continue;
    }
    ++out.checked;
    // The next value nextval() returns (last_value is only set once it has been called).
    static constexpr const char* check_sql = R"sql(
      SELECT coalesce(s.last_value + s.increment_by, s.start_value)::text,
             m.hi::text, m.lo::text,
             CASE WHEN s.increment_by > 0 THEN m.hi IS NOT NULL AND coalesce(s.last_value + s.increment_by, s.start_value) <= m.hi
                  ELSE m.lo IS NOT NULL AND coalesce(s.last_value + s.increment_by, s.start_value) >= m.lo END,
             coalesce(s.last_value + s.increment_by, s.start_value) NOT BETWEEN s.min_value AND s.max_value
      FROM pg_catalog.pg_sequences s,
           (SELECT max({column})::numeric AS hi, min({column})::numeric AS lo FROM {table}) m
      WHERE format('%I.%I', s.schemaname, s.sequencename) = $1)sql";
    rows r;
    if (auto res = target.exec_params(substitute(check_sql, {{"column", column}, {"table", table}}), {seq}, &r);
        !res.ok()) {
      out.status = with_context(res, "target: sequence " + seq);
      return out;
    }
    if (r.empty()) continue;
    const auto next = text(r[0][0]);
    if (is_true(r[0][3]))
      out.problems.push_back("sequence " + seq + " (" + name + "): next value " + next + " is not beyond the column's " +
                             (text(row[6]).starts_with("-") ? "min " + text(r[0][2]) : "max " + text(r[0][1])) +
                             ": the app's next insert gets a duplicate key (setval was never run after the copy)");
    else if (is_true(r[0][4]))
      out.problems.push_back("sequence " + seq + " (" + name + "): next value " + next + " is outside its bounds " +
                             text(row[8]) + ".." + text(row[9]) + ": nextval() fails");
  }
  return out;
}

// ---- privileges -------------------------------------------------------------

usable_findings check_privileges(session& source, session& target, const std::vector<std::string>& schemas) {
  const auto sql = substitute(R"sql(
    WITH rel AS (
      SELECT c.oid, c.relkind, c.relowner,
             CASE c.relkind WHEN 'S' THEN 'sequence ' WHEN 'v' THEN 'view ' WHEN 'm' THEN 'materialized view '
                            WHEN 'f' THEN 'foreign table ' ELSE 'table ' END || format('%I.%I', n.nspname, c.relname) AS object
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY ($1::text[]) AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND {rel_not_member})
    SELECT object, p, 'granted', p IN ('TRUNCATE', 'REFERENCES', 'TRIGGER')
    FROM rel, unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) AS p
    WHERE relkind <> 'S' AND has_table_privilege(oid, p)
    UNION ALL
    SELECT object, p, 'granted', p <> 'USAGE'
    FROM rel, unnest(ARRAY['USAGE', 'SELECT', 'UPDATE']) AS p
    WHERE relkind = 'S' AND has_sequence_privilege(oid, p)
    UNION ALL
    -- The app's own schema migrations (ALTER TABLE, CREATE INDEX) need it to own its tables.
    SELECT object, 'owner', CASE WHEN pg_has_role(current_user, relowner, 'USAGE') THEN 'the app role' ELSE 'another role' END,
           false
    FROM rel WHERE relkind IN ('r', 'p')
    UNION ALL
    SELECT 'schema ' || quote_ident(n.nspname), p, 'granted', false
    FROM pg_catalog.pg_namespace n, unnest(ARRAY['USAGE', 'CREATE']) AS p
    WHERE n.nspname = ANY ($1::text[]) AND has_schema_privilege(n.oid, p)
    UNION ALL
    SELECT format('function %I.%I(%s)', n.nspname, f.proname, pg_get_function_identity_arguments(f.oid)), 'EXECUTE',
           'granted', false
    FROM pg_catalog.pg_proc f JOIN pg_catalog.pg_namespace n ON n.oid = f.pronamespace
    WHERE n.nspname = ANY ($1::text[]) AND {proc_not_member} AND has_function_privilege(f.oid, 'EXECUTE')
    ORDER BY 1, 2)sql",
                              {{"rel_not_member", not_member("c.oid", "pg_class")},
                               {"proc_not_member", not_member("f.oid", "pg_proc")}});
  return compare_facts(source, target, sql, schemas, {"not granted to the app role (the source role had it)", true});
}

// ---- integrity ----------------------------------------------------------------

usable_findings check_integrity(session& source, session& target, const std::vector<std::string>& schemas) {
  // Constraints and triggers, compared by name with the source.
  static constexpr const char* facts_sql = R"sql(
    SELECT format('constraint %I on %I.%I', k.conname, n.nspname, c.relname), 'validation',
           CASE WHEN k.convalidated THEN 'validated' ELSE 'NOT VALID' END, false
    FROM pg_catalog.pg_constraint k
    JOIN pg_catalog.pg_class c ON c.oid = k.conrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY ($1::text[]) AND k.contype IN ('c', 'f')
    UNION ALL
    SELECT format('trigger %I on %I.%I', t.tgname, n.nspname, c.relname), 'state',
           CASE t.tgenabled WHEN 'D' THEN 'disabled' WHEN 'R' THEN 'replica only' WHEN 'A' THEN 'always' ELSE 'enabled' END,
           false
    FROM pg_catalog.pg_trigger t
    JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY ($1::text[]) AND NOT t.tgisinternal
    UNION ALL
    -- A foreign key is enforced by internal triggers, named after oids: name it by its constraint.
    SELECT format('foreign key %I on %I.%I', k.conname, n.nspname, c.relname), 'enforcement triggers',
           CASE WHEN bool_and(t.tgenabled <> 'D') THEN 'enabled' ELSE 'disabled' END, false
    FROM pg_catalog.pg_constraint k
    JOIN pg_catalog.pg_trigger t ON t.tgconstraint = k.oid
    JOIN pg_catalog.pg_class c ON c.oid = k.conrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY ($1::text[]) AND k.contype = 'f'
    GROUP BY k.conname, n.nspname, c.relname
    ORDER BY 1, 2)sql";
  // One transaction for both reads (compare_facts only pins in it).
  read_transaction source_tx(source), target_tx(target);
  auto out = compare_facts(source, target, facts_sql, schemas, {"missing in target", false});
  if (!out.status.ok()) return out;
  // An invalid index is wrong on the target whatever the source says: pg_dump
  // skips invalid indexes, so it comes from a failed build on the target (and
  // if unique and still "ready", it rejects inserts while no query uses it).
  static constexpr const char* index_sql = R"sql(
    SELECT format('index %I.%I on %I', n.nspname, i.relname, c.relname),
           CASE WHEN NOT x.indisready THEN 'not ready: never built, queries and constraints ignore it'
                ELSE 'not valid (a failed CREATE INDEX CONCURRENTLY?): queries cannot use it' ||
                     CASE WHEN x.indisunique THEN ', yet it may still reject inserts' ELSE '' END END
    FROM pg_catalog.pg_index x
    JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
    JOIN pg_catalog.pg_class c ON c.oid = x.indrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY ($1::text[]) AND NOT (x.indisvalid AND x.indisready)
    ORDER BY 1)sql";
  if (auto r = read_problems(target, index_sql, {text_array(schemas)}, out); !r.ok()) out.status = with_context(r, "target");
  return out;
}

// ---- objects ------------------------------------------------------------------

usable_findings check_objects(session& source, session& target, const std::vector<std::string>& schemas) {
  // Extensions: required when an object of the app's schemas (not itself an
  // extension member) depends on one of its members; else only noted.
  const auto sql = substitute(R"sql(
    WITH nsp AS (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = ANY ($1::text[])),
    app AS (
      SELECT 'pg_class'::regclass AS classid, c.oid AS objid FROM pg_catalog.pg_class c WHERE c.relnamespace IN (SELECT oid FROM nsp)
      UNION ALL SELECT 'pg_attrdef'::regclass, d.oid FROM pg_catalog.pg_attrdef d
        JOIN pg_catalog.pg_class c ON c.oid = d.adrelid WHERE c.relnamespace IN (SELECT oid FROM nsp)
      UNION ALL SELECT 'pg_proc'::regclass, p.oid FROM pg_catalog.pg_proc p WHERE p.pronamespace IN (SELECT oid FROM nsp)
      UNION ALL SELECT 'pg_rewrite'::regclass, r.oid FROM pg_catalog.pg_rewrite r
        JOIN pg_catalog.pg_class c ON c.oid = r.ev_class WHERE c.relnamespace IN (SELECT oid FROM nsp)
      UNION ALL SELECT 'pg_trigger'::regclass, t.oid FROM pg_catalog.pg_trigger t
        JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace IN (SELECT oid FROM nsp)
      UNION ALL SELECT 'pg_constraint'::regclass, k.oid FROM pg_catalog.pg_constraint k
        JOIN pg_catalog.pg_class c ON c.oid = k.conrelid WHERE c.relnamespace IN (SELECT oid FROM nsp)
      UNION ALL SELECT 'pg_type'::regclass, y.oid FROM pg_catalog.pg_type y WHERE y.typnamespace IN (SELECT oid FROM nsp)),
    app_own AS (
      SELECT a.* FROM app a
      WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = a.classid AND e.objid = a.objid AND e.deptype = 'e')),
    used AS (
      SELECT DISTINCT m.refobjid AS ext
      FROM pg_catalog.pg_depend m
      JOIN pg_catalog.pg_depend u ON u.refclassid = m.classid AND u.refobjid = m.objid
      JOIN app_own a ON a.classid = u.classid AND a.objid = u.objid
      WHERE m.refclassid = 'pg_extension'::regclass AND m.deptype = 'e')
    SELECT 'extension ' || quote_ident(e.extname), 'installed',
           CASE WHEN e.oid IN (SELECT ext FROM used) THEN 'used by the app''s objects' ELSE 'installed' END,
           e.oid NOT IN (SELECT ext FROM used)
    FROM pg_catalog.pg_extension e WHERE e.extname <> 'plpgsql'
    UNION ALL
    SELECT 'extension ' || quote_ident(e.extname), 'version', e.extversion, true
    FROM pg_catalog.pg_extension e WHERE e.extname <> 'plpgsql'
    UNION ALL
    SELECT format('function %I.%I(%s)', n.nspname, f.proname, pg_get_function_identity_arguments(f.oid)), 'definition',
           CASE WHEN f.prokind = 'a' THEN 'aggregate' ELSE md5(pg_get_functiondef(f.oid)) END, false
    FROM pg_catalog.pg_proc f JOIN pg_catalog.pg_namespace n ON n.oid = f.pronamespace
    WHERE n.nspname = ANY ($1::text[]) AND {proc_not_member}
    UNION ALL
    SELECT CASE c.relkind WHEN 'v' THEN 'view ' ELSE 'materialized view ' END || format('%I.%I', n.nspname, c.relname),
           'definition', md5(pg_get_viewdef(c.oid)), false
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY ($1::text[]) AND c.relkind IN ('v', 'm') AND {rel_not_member}
    UNION ALL
    SELECT format('materialized view %I.%I', n.nspname, c.relname), 'data',
           CASE WHEN c.relispopulated THEN 'populated' ELSE 'not populated (REFRESH MATERIALIZED VIEW never ran)' END, false
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY ($1::text[]) AND c.relkind = 'm'
    UNION ALL
    SELECT format('trigger %I on %I.%I', t.tgname, n.nspname, c.relname), 'definition', pg_get_triggerdef(t.oid), false
    FROM pg_catalog.pg_trigger t
    JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY ($1::text[]) AND NOT t.tgisinternal
    UNION ALL
    SELECT format('type %I.%I', n.nspname, y.typname), 'labels',
           (SELECT string_agg(l.enumlabel, ', ' ORDER BY l.enumsortorder) FROM pg_catalog.pg_enum l WHERE l.enumtypid = y.oid),
           false
    FROM pg_catalog.pg_type y JOIN pg_catalog.pg_namespace n ON n.oid = y.typnamespace
    WHERE n.nspname = ANY ($1::text[]) AND y.typtype = 'e'
    UNION ALL
    SELECT format('domain %I.%I', n.nspname, y.typname), 'definition',
           format_type(y.typbasetype, y.typtypmod) || CASE WHEN y.typnotnull THEN ' NOT NULL' ELSE '' END ||
           coalesce(' DEFAULT ' || y.typdefault, '') ||
           coalesce((SELECT ' ' || string_agg(pg_get_constraintdef(k.oid), ' ' ORDER BY k.conname)
                     FROM pg_catalog.pg_constraint k WHERE k.contypid = y.oid), ''), false
    FROM pg_catalog.pg_type y JOIN pg_catalog.pg_namespace n ON n.oid = y.typnamespace
    WHERE n.nspname = ANY ($1::text[]) AND y.typtype = 'd'
    ORDER BY 1, 2)sql",
                              {{"rel_not_member", not_member("c.oid", "pg_class")},
                               {"proc_not_member", not_member("f.oid", "pg_proc")}});
  return compare_facts(source, target, sql, schemas, {"missing in target", true});
}

// ---- row level security -------------------------------------------------------

usable_findings check_rls(session& source, session& target, const std::vector<std::string>& schemas) {
  // Owners (and members of the owner role) bypass RLS unless it is forced;
  // superusers and BYPASSRLS roles always do.
  static constexpr const char* sql = R"sql(
    WITH me AS (SELECT rolsuper OR rolbypassrls AS bypass FROM pg_catalog.pg_roles WHERE rolname = current_user),
    t AS (
      SELECT c.oid, format('table %I.%I', n.nspname, c.relname) AS object, c.relrowsecurity, c.relforcerowsecurity,
             NOT c.relrowsecurity OR (SELECT bypass FROM me)
               OR (pg_has_role(current_user, c.relowner, 'USAGE') AND NOT c.relforcerowsecurity) AS sees_all
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY ($1::text[]) AND c.relkind IN ('r', 'p'))
    SELECT object, 'rows the app role sees',
           CASE WHEN sees_all THEN 'all' ELSE 'only those its policies allow' END, false
    FROM t
    UNION ALL
    SELECT object, 'row level security',
           CASE WHEN relforcerowsecurity AND relrowsecurity THEN 'enabled and forced'
                WHEN relrowsecurity THEN 'enabled' ELSE 'disabled' END, true
    FROM t
    UNION ALL
    SELECT format('policy %I on %s', p.polname, substr(t.object, 7)), 'definition',
           CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END ||
           CASE WHEN p.polpermissive THEN '' ELSE ' RESTRICTIVE' END ||
           ' TO ' || coalesce((SELECT string_agg(CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r)::text END, ', ' ORDER BY 1)
                              FROM unnest(p.polroles) AS r), '') ||
           coalesce(' USING (' || pg_get_expr(p.polqual, p.polrelid) || ')', '') ||
           coalesce(' WITH CHECK (' || pg_get_expr(p.polwithcheck, p.polrelid) || ')', ''),
           t.sees_all
    FROM pg_catalog.pg_policy p JOIN t ON t.oid = p.polrelid
    ORDER BY 1, 2)sql";
  return compare_facts(source, target, sql, schemas, {"missing in target", true});
}

// ---- settings -----------------------------------------------------------------

usable_findings check_settings(session& source, session& target) {
  // reset_val: the value a new session of this role gets (role, database and
  // server defaults), not what the harness set for its own session.
  // search_path is compared as the schemas its default reaches (compare_facts
  // pins it TO DEFAULT: a pooled connection may carry another client's SET).
  static constexpr const char* sql = R"sql(
    SELECT 'setting ' || name, 'default', reset_val,
           name IN ('statement_timeout', 'lock_timeout', 'idle_in_transaction_session_timeout', 'client_encoding',
                    'bytea_output', 'lc_monetary', 'lc_numeric')
    FROM pg_catalog.pg_settings
    WHERE name IN ('TimeZone', 'DateStyle', 'IntervalStyle', 'default_transaction_read_only',
                   'default_transaction_isolation', 'session_replication_role', 'standard_conforming_strings',
                   'server_encoding', 'client_encoding', 'statement_timeout', 'lock_timeout',
                   'idle_in_transaction_session_timeout', 'bytea_output', 'lc_monetary', 'lc_numeric')
    UNION ALL
    SELECT 'setting search_path', 'schemas reached',
           array_to_string(ARRAY(SELECT s FROM unnest(current_schemas(false)) AS s WHERE s <> current_user), ', '), false
    UNION ALL
    SELECT 'server', 'accepts writes', CASE WHEN pg_is_in_recovery() THEN 'no (a standby in recovery)' ELSE 'yes' END, false
    ORDER BY 1, 2)sql";
  return compare_facts(source, target, sql, {}, {"missing in target", true}, false);
}

// ---- collation ----------------------------------------------------------------

usable_findings check_collation(session& source, session& target, const std::vector<std::string>& schemas) {
  usable_findings out;
  read_transaction source_tx(source), target_tx(target);
  for (const auto& r : {began(source_tx, "source"), began(target_tx, "target")})
    if (!r.ok()) {
      out.status = r;
      return out;
    }
  int src_version = 0, dst_version = 0;
  if (auto r = server_version(source, src_version); !r.ok()) {
    out.status = with_context(r, "source");
    return out;
  }
  if (auto r = server_version(target, dst_version); !r.ok()) {
    out.status = with_context(r, "target");
    return out;
  }
  // Database-level provider, ICU locale and recorded version arrived in 15.
  auto db_sql = [](int v) {
    return substitute(R"sql(
      SELECT 'database collation', 'LC_COLLATE', datcollate, false FROM pg_catalog.pg_database WHERE datname = current_database()
      UNION ALL SELECT 'database collation', 'LC_CTYPE', datctype, false FROM pg_catalog.pg_database WHERE datname = current_database()
      {v15}
      UNION ALL
      SELECT format('collation %I.%I', n.nspname, co.collname), 'provider and locale',
             co.collprovider::text || ' ' || coalesce(co.collcollate, '') || ' ' || coalesce(co.collctype, '') ||
             CASE WHEN co.collisdeterministic THEN '' ELSE ' nondeterministic' END, false
      FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace
      WHERE co.oid IN (SELECT a.attcollation FROM pg_catalog.pg_attribute a
                       JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace cn ON cn.oid = c.relnamespace
                       WHERE cn.nspname = ANY ($1::text[]) AND a.attnum > 0 AND NOT a.attisdropped)
        AND co.collname <> 'default'
      UNION ALL
      SELECT format('collation %I.%I', n.nspname, co.collname), 'version', coalesce(co.collversion, 'none'), true
      FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace
      WHERE co.oid IN (SELECT a.attcollation FROM pg_catalog.pg_attribute a
                       JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace cn ON cn.oid = c.relnamespace
                       WHERE cn.nspname = ANY ($1::text[]) AND a.attnum > 0 AND NOT a.attisdropped)
        AND co.collname <> 'default'
      ORDER BY 1, 2)sql",
                      {{"v15", v >= 150000 ? R"sql(
      UNION ALL SELECT 'database collation', 'provider',
                       CASE datlocprovider WHEN 'i' THEN 'icu ' || coalesce(daticulocale, '') ELSE 'libc' END, false
                FROM pg_catalog.pg_database WHERE datname = current_database()
      UNION ALL SELECT 'database collation', 'version', coalesce(datcollversion, 'none'), true
                FROM pg_catalog.pg_database WHERE datname = current_database())sql"
                                           : ""}});
  };
  std::vector<catalog_fact> a, b;
  if (auto r = read_facts(source, db_sql(src_version), schemas, a); !r.ok()) {
    out.status = with_context(r, "source");
    return out;
  }
  if (auto r = read_facts(target, db_sql(dst_version), schemas, b); !r.ok()) {
    out.status = with_context(r, "target");
    return out;
  }
  diff_facts(a, b, {"missing in target", true}, out);
  // On the target itself: a recorded version the library no longer provides
  // means text indexes were built under another sort order.
  if (dst_version < 150000) {
    out.notes.push_back("target is older than PostgreSQL 15: its database collation version is not recorded");
    return out;
  }
  static constexpr const char* drift_sql = R"sql(
    SELECT 'database ' || quote_ident(datname),
           'collation version ' || coalesce(datcollversion, 'none') || ' recorded, but the library provides ' ||
           coalesce(pg_database_collation_actual_version(oid), 'none') || ': text indexes may be corrupt (REINDEX, then REFRESH COLLATION VERSION)'
    FROM pg_catalog.pg_database
    WHERE datname = current_database() AND datcollversion IS DISTINCT FROM pg_database_collation_actual_version(oid)
    UNION ALL
    SELECT format('collation %I.%I', n.nspname, co.collname),
           'version ' || co.collversion || ' recorded, but the library provides ' ||
           coalesce(pg_collation_actual_version(co.oid), 'none') || ': indexes using it may be corrupt'
    FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace
    WHERE co.collversion IS NOT NULL AND co.collversion IS DISTINCT FROM pg_collation_actual_version(co.oid)
      AND co.oid IN (SELECT a.attcollation FROM pg_catalog.pg_attribute a
                     JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace cn ON cn.oid = c.relnamespace
                     WHERE cn.nspname = ANY ($1::text[]) AND a.attnum > 0 AND NOT a.attisdropped))sql";
  if (auto r = read_problems(target, drift_sql, {text_array(schemas)}, out); !r.ok())
    out.status = with_context(r, "target");
  return out;
}

// ---- statistics ---------------------------------------------------------------

usable_findings check_statistics(session& target, const std::vector<std::string>& schemas) {
  usable_findings out;
  read_transaction target_tx(target);
  if (auto r = began(target_tx, "target"); !r.ok()) {
    out.status = r;
    return out;
  }
  int version = 0;
  if (auto r = server_version(target, version); !r.ok()) {
    out.status = with_context(r, "target");
    return out;
  }
  if (version < 140000) {
    out.notes.push_back("target is older than PostgreSQL 14: a never-analyzed table cannot be told from an empty one");
    return out;
  }
  // reltuples = -1: never vacuumed nor analyzed since it was created (or loaded).
  static constexpr const char* sql = R"sql(
    SELECT format('table %I.%I', n.nspname, c.relname),
           'has no planner statistics (never analyzed): run ANALYZE after the copy'
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY ($1::text[]) AND c.relkind IN ('r', 'm') AND c.reltuples < 0
    ORDER BY 1)sql";
  rows count;
  if (auto r = target.exec_params(
          "SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
          "WHERE n.nspname = ANY ($1::text[]) AND c.relkind IN ('r', 'm')",
          {text_array(schemas)}, &count);
      !r.ok()) {
    out.status = with_context(r, "target");
    return out;
  }
  out.checked = static_cast<std::size_t>(std::stoll(text(count.at(0).at(0))));
  if (auto r = read_problems(target, sql, {text_array(schemas)}, out); !r.ok()) out.status = with_context(r, "target");
  return out;
}

}  // namespace cutover::pg
