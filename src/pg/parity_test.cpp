// Needs a live PostgreSQL: CUTOVER_PG_SOURCE_URL and CUTOVER_PG_PRIVATE_URL
// (the lab's `fixtures/lab/lab env` prints them). Each test works only inside
// its own scratch schema on both servers, dropped at the end.
#include "pg/parity.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "core/config.hpp"
#include "core/error.hpp"

using namespace cutover;

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

/// The database named by `var` (a libpq URL), else the `target` of the lab's
/// (or CUTOVER_CONFIG's) config, so CTest runs need no exported variables.
pg_endpoint endpoint_of(const char* var, const char* target) {
  if (auto url = env(var); !url.empty()) return parse_pg_url(url, var);
  auto file = test_config_path(CUTOVER_SOURCE_DIR);
  auto cfg = load_config(file);
  const auto* t = cfg.find(target);
  if (!t || !t->postgres) throw error(file.string() + ": no target '" + target + "' with a postgres endpoint");
  return *t->postgres;
}

bool has_line(const std::vector<std::string>& lines, const std::string& needle) {
  return std::any_of(lines.begin(), lines.end(), [&](const auto& l) { return l.find(needle) != std::string::npos; });
}

std::string dump(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += "\n  " + l;
  return out;
}

// The shape every content test starts from: a keyed table big enough for
// several chunks, a composite-key table like Baileys' keys, a table without a key.
constexpr const char* tables_sql = R"sql(
  CREATE TABLE bookings (
    id bigint PRIMARY KEY,
    company_id bigint NOT NULL,
    status text,
    data jsonb,
    starts_at timestamptz,
    note text);
  CREATE TABLE whatsapp_keys (
    company_id bigint,
    key_type text,
    key_id text,
    value jsonb NOT NULL,
    PRIMARY KEY (company_id, key_type, key_id));
  CREATE TABLE events (kind text, payload jsonb);)sql";

// {order} lets a test insert the same rows in a different physical order.
constexpr const char* data_sql = R"sql(
  INSERT INTO bookings
  SELECT g, 962302, CASE WHEN g % 3 = 0 THEN 'done' ELSE 'new' END,
         jsonb_build_object('n', g, 'tags', jsonb_build_array('a', g % 7)),
         timestamptz '2024-01-01 00:00:00+00' + g * interval '1 hour',
         CASE WHEN g % 5 = 0 THEN NULL ELSE 'note ' || g END
  FROM generate_series(1, 2500) AS g ORDER BY g {order};
  INSERT INTO whatsapp_keys
  SELECT 962302, (ARRAY['app-state-sync-key', 'pre-key', 'sender-key', 'session'])[1 + g % 4], g::text,
         jsonb_build_object('keyData', md5(g::text), 'id', g)
  FROM generate_series(1, 335) AS g ORDER BY g {order};
  INSERT INTO events
  SELECT CASE WHEN g % 2 = 0 THEN 'in' ELSE 'out' END, jsonb_build_object('g', g % 10)
  FROM generate_series(1, 40) AS g ORDER BY g {order};)sql";

std::string with_order(std::string sql, const std::string& order) {
  for (auto pos = sql.find("{order}"); pos != std::string::npos; pos = sql.find("{order}"))
    sql.replace(pos, 7, order);
  return sql;
}

class parity : public ::testing::Test {
protected:
  void SetUp() override {
    pg_endpoint s, t;
    try {
      s = endpoint_of("CUTOVER_PG_SOURCE_URL", "source");
      t = endpoint_of("CUTOVER_PG_PRIVATE_URL", "private");
    } catch (const std::exception& e) {
      GTEST_FAIL() << "need two PostgreSQL databases: set CUTOVER_PG_SOURCE_URL and CUTOVER_PG_PRIVATE_URL, or start "
                      "the lab (fixtures/lab/lab up): "
                   << e.what();
    }
    if (s.host == t.host && s.port == t.port && s.dbname == t.dbname)
      GTEST_FAIL() << "CUTOVER_PG_SOURCE_URL and CUTOVER_PG_PRIVATE_URL name the same database";
    source_ = std::make_unique<pg::session>(s, pg::session_options{});
    target_ = std::make_unique<pg::session>(t, pg::session_options{});
    auto rs = source_->connect();
    ASSERT_TRUE(rs.ok()) << rs.message;
    auto rt = target_->connect();
    ASSERT_TRUE(rt.ok()) << rt.message;
    static int serial = 0;  // test names would exceed the 63-byte identifier limit
    schema_ = "cutover_test_" + std::to_string(::getpid()) + "_" + std::to_string(++serial);
    both("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE; CREATE SCHEMA " + schema_ + "; SET search_path = " +
         schema_);
  }

  void TearDown() override {
    for (auto* s : {source_.get(), target_.get()})
      if (s) {
        if (!s->connected()) s->connect();
        s->exec("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
      }
  }

  void run(pg::session& s, const std::string& sql) {
    auto r = s.exec(sql);
    ASSERT_TRUE(r.ok()) << r.message;
  }
  /// A second connection to the same database, in the test's schema.
  std::unique_ptr<pg::session> another(const pg::session& s) {
    auto w = std::make_unique<pg::session>(s.endpoint(), s.options());
    EXPECT_TRUE(w->connect().ok());
    EXPECT_TRUE(w->exec("SET search_path = " + schema_).ok());
    return w;
  }
  void both(const std::string& sql) {
    run(*source_, sql);
    run(*target_, sql);
  }
  /// The standard tables with identical data on both sides (target inserted in reverse order).
  /// ANALYZE gives the source's row estimate, so bookings gets 2500 / chunk_rows buckets.
  void standard_data() {
    both(tables_sql);
    run(*source_, with_order(data_sql, "ASC"));
    run(*target_, with_order(data_sql, "DESC"));
    both("ANALYZE bookings, whatsapp_keys, events");
  }
  pg::content_options options(std::int64_t chunk_rows = 1000) const {
    pg::content_options o;
    o.schema = schema_;
    o.chunk_rows = chunk_rows;
    return o;
  }
  pg::content_diff content(std::int64_t chunk_rows = 1000) {
    return pg::compare_content(*source_, *target_, {}, options(chunk_rows));
  }
  /// The one mismatching bucket of `t` (fails the test if there is not exactly one).
  static const pg::chunk_mismatch& only_mismatch(const pg::table_content& t) {
    if (t.mismatches.size() != 1) throw std::runtime_error(t.table + ": " + std::to_string(t.mismatches.size()) + " mismatching buckets");
    return t.mismatches[0];
  }
  static const pg::table_content& table(const pg::content_diff& d, const std::string& name) {
    auto it = std::find_if(d.tables.begin(), d.tables.end(), [&](const auto& t) { return t.table == name; });
    if (it == d.tables.end()) throw std::runtime_error("no table " + name + " in content diff");
    return *it;
  }

  std::unique_ptr<pg::session> source_, target_;
  std::string schema_;
};

TEST_F(parity, identical_data_in_different_order_has_no_difference) {
  standard_data();
  auto schema = pg::diff_schema(pg::read_schema(*source_, {}, schema_), pg::read_schema(*target_, {}, schema_));
  EXPECT_TRUE(schema.equal()) << schema.status.message << dump(schema.differences);

  auto counts = pg::diff_counts(pg::count_rows(*source_, {}, schema_), pg::count_rows(*target_, {}, schema_));
  EXPECT_TRUE(counts.equal()) << counts.status.message << dump(counts.differences);

  auto c = content();
  ASSERT_TRUE(c.status.ok()) << c.status.message;
  EXPECT_TRUE(c.equal()) << dump(c.lines());
  ASSERT_EQ(c.tables.size(), 3u);
  const auto& b = table(c, "bookings");
  EXPECT_EQ(b.chunks, 3u);  // 2500 rows in buckets of about 1000
  EXPECT_EQ(b.source_rows, 2500);
  EXPECT_EQ(b.target_rows, 2500);
  EXPECT_EQ(b.key_columns, std::vector<std::string>{"id"});
  EXPECT_EQ(table(c, "whatsapp_keys").key_columns, (std::vector<std::string>{"company_id", "key_type", "key_id"}));
  const auto& e = table(c, "events");
  EXPECT_TRUE(e.key_columns.empty());
  EXPECT_EQ(e.chunks, 1u);
  EXPECT_NE(e.note.find("no primary key"), std::string::npos);
}

TEST_F(parity, column_order_does_not_matter) {
  run(*source_, "CREATE TABLE t (id int PRIMARY KEY, a text, b jsonb)");
  run(*target_, "CREATE TABLE t (b jsonb, id int PRIMARY KEY, a text)");
  both(R"sql(INSERT INTO t (id, a, b) VALUES (1, 'x', '{"k": 1}'), (2, NULL, NULL))sql");
  auto c = content();
  EXPECT_TRUE(c.equal()) << dump(c.lines());
}

TEST_F(parity, a_missing_column_fails_the_table_by_name) {
  run(*source_, "CREATE TABLE t (id int PRIMARY KEY, a text, b text)");
  run(*target_, "CREATE TABLE t (id int PRIMARY KEY, a text)");
  auto c = content();
  EXPECT_FALSE(c.equal());
  EXPECT_TRUE(has_line(c.lines(), "table t: columns differ; only in source: b")) << dump(c.lines());
}

// The canonical form, type by type (src/pg/parity_content.md): rows whose id is
// listed in `differs` hold values that must hash differently on the two sides;
// every other row holds two spellings of the same value that must match.
TEST_F(parity, canonical_form_matches_equal_values_and_tells_different_ones_apart) {
  both(R"sql(CREATE TABLE typed (
      id int PRIMARY KEY, ts timestamptz, tsn timestamp, jb jsonb, js json, tx text, f8 float8, f4 real,
      nu numeric, ia int[], ta text[], by bytea, iv interval, bo boolean, d date))sql");
  struct pair {
    int id;
    const char* column;
    const char* source;  // SQL literal (or NULL)
    const char* target;
    bool must_match;
  };
  const std::vector<pair> pairs{
      {1, "ts", "'2024-01-01 12:00:00+03'", "'2024-01-01 09:00:00+00'", true},        // same instant, any zone
      {2, "ts", "'2024-01-01 09:00:00.000001+00'", "'2024-01-01 09:00:00+00'", false},  // microseconds kept
      {3, "tsn", "'2024-01-01 00:00:00.5'", "'2024-01-01 00:00:00.500'", true},
      {4, "tsn", "'2024-01-01 00:00:00.5'", "'2024-01-01 00:00:00.6'", false},
      {5, "jb", R"('{"a": 1, "b": [1, 2]}')", R"('{"b":[1,2],"a":1}')", true},          // jsonb is canonical
      {6, "jb", R"('{"a": 1}')", R"('{"a": "1"}')", false},
      {7, "js", R"('{"a":1}')", R"('{"a":1}')", true},
      {8, "js", R"('{"a":1,"b":2}')", R"('{"b":2,"a":1}')", false},                  // json text as stored
      {9, "js", R"('{"a":1}')", R"('{"a": 1}')", false},
      {10, "tx", "NULL", "''", false},                                               // NULL is not ''
      {11, "tx", "NULL", "NULL", true},
      {12, "jb", "NULL", "'null'", false},                                           // NULL is not JSON null
      {13, "jb", R"('"null"')", "'null'", false},                                    // nor the string "null"
      {14, "tx", "'null'", "NULL", false},
      {15, "f8", "'-0'", "'0'", false},                                              // -0 kept
      {16, "f8", "'NaN'", "'NaN'", true},
      {17, "f8", "'Infinity'", "'-Infinity'", false},
      {18, "f8", "'0.1'", "'0.10'", true},                                           // same double
      {19, "f8", "'0.1'", "'0.1000000000000001'", false},                            // full precision
      {20, "f4", "'1.1'", "'1.10'", true},
      {21, "nu", "'1.10'", "'1.1'", false},                                          // numeric scale kept
      {22, "nu", "'NaN'", "'NaN'", true},
      {23, "nu", "'001.50'", "'1.50'", true},
      {24, "ia", "'{1,2}'", "'{1, 2}'", true},
      {25, "ia", "'{1,2}'", "'{2,1}'", false},
      {26, "ta", R"('{a,NULL}')", R"('{a,"NULL"}')", false},                         // NULL element vs the text NULL
      {27, "by", R"('\x00ff')", R"('\x00FF')", true},
      {28, "by", R"('\x00')", R"('\x0000')", false},
      {29, "iv", "'90 minutes'", "'1 hour 30 minutes'", true},
      {30, "iv", "'1 day'", "'24 hours'", false},                                    // days and hours kept apart
      {31, "bo", "'t'", "'true'", true},
      {32, "bo", "'t'", "'f'", false},
      {33, "d", "'2024-01-02'", "'20240102'", true},
      {34, "tx", "'a'", "'a '", false},
  };
  std::vector<std::string> differs;
  for (const auto& p : pairs) {
    const auto id = std::to_string(p.id);
    run(*source_, "INSERT INTO typed (id, " + std::string(p.column) + ") VALUES (" + id + ", " + p.source + ")");
    run(*target_, "INSERT INTO typed (id, " + std::string(p.column) + ") VALUES (" + id + ", " + p.target + ")");
    if (!p.must_match) differs.push_back("[" + id + "]");
  }
  auto o = options(100000);  // one bucket: every differing key listed
  o.max_keys = 100;
  auto c = pg::compare_content(*source_, *target_, {}, o);
  ASSERT_TRUE(c.status.ok()) << c.status.message;
  const auto& t = table(c, "typed");
  std::vector<std::string> found;
  for (const auto& m : t.mismatches)
    for (const auto& k : m.keys.keys) found.push_back(k.key);
  std::sort(found.begin(), found.end());
  std::sort(differs.begin(), differs.end());
  EXPECT_EQ(found, differs) << dump(c.lines());
}

TEST_F(parity, changed_jsonb_value_names_table_bucket_and_key) {
  standard_data();
  run(*target_, "UPDATE bookings SET data = jsonb_set(data, '{tags,1}', '99') WHERE id = 1500");
  auto c = content();
  EXPECT_FALSE(c.equal());
  const auto& b = table(c, "bookings");
  const auto& m = only_mismatch(b);
  ASSERT_TRUE(m.keys.status.ok()) << m.keys.status.message;
  ASSERT_EQ(m.keys.keys.size(), 1u);
  EXPECT_EQ(m.keys.keys[0].key, "[1500]");
  EXPECT_EQ(m.keys.keys[0].kind, "differs");
  EXPECT_EQ(m.source_rows, m.target_rows);
  EXPECT_TRUE(table(c, "whatsapp_keys").equal());
  EXPECT_TRUE(has_line(c.lines(), "table bookings: bucket " + std::to_string(m.index) + " of 3: content differs (" +
                                      std::to_string(m.source_rows) + " rows vs " + std::to_string(m.target_rows) +
                                      "); keys: [1500] differs"))
      << dump(c.lines());
}

TEST_F(parity, deleted_row_is_missing_in_target_and_counts_differ) {
  standard_data();
  run(*target_, "DELETE FROM bookings WHERE id = 42");
  auto counts = pg::diff_counts(pg::count_rows(*source_, {}, schema_), pg::count_rows(*target_, {}, schema_));
  EXPECT_TRUE(has_line(counts.differences, "table bookings: 2500 rows vs 2499")) << dump(counts.differences);

  auto c = content();
  const auto& m = only_mismatch(table(c, "bookings"));
  EXPECT_EQ(m.source_rows, m.target_rows + 1);
  ASSERT_EQ(m.keys.keys.size(), 1u);
  EXPECT_EQ(m.keys.keys[0].key, "[42]");
  EXPECT_EQ(m.keys.keys[0].kind, "missing in target");
}

TEST_F(parity, extra_rows_and_composite_keys_are_found) {
  standard_data();
  run(*target_, R"sql(
      INSERT INTO bookings (id, company_id) VALUES (9999, 962302), (-5, 962302);
      INSERT INTO whatsapp_keys VALUES (962302, 'pre-key', 'extra-1', '{}'))sql");
  auto c = content();
  const auto& b = table(c, "bookings");
  std::vector<std::string> keys;
  for (const auto& m : b.mismatches)
    for (const auto& k : m.keys.keys) keys.push_back(k.key + " " + k.kind);
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys, (std::vector<std::string>{"[-5] extra in target", "[9999] extra in target"})) << dump(c.lines());

  const auto& m = only_mismatch(table(c, "whatsapp_keys"));
  ASSERT_EQ(m.keys.keys.size(), 1u);
  EXPECT_EQ(m.keys.keys[0].key, R"([962302, "pre-key", "extra-1"])");
  EXPECT_EQ(m.keys.keys[0].kind, "extra in target");
}

TEST_F(parity, changed_timestamp_is_reported) {
  standard_data();
  run(*target_, "UPDATE bookings SET starts_at = starts_at + interval '1 second' WHERE id = 2222");
  auto c = content();
  const auto& m = only_mismatch(table(c, "bookings"));
  ASSERT_EQ(m.keys.keys.size(), 1u);
  EXPECT_EQ(m.keys.keys[0].key, "[2222]");
  EXPECT_EQ(m.keys.keys[0].kind, "differs");
}

TEST_F(parity, key_list_is_capped_and_counts_the_rest) {
  standard_data();
  run(*target_, "UPDATE bookings SET status = 'moved' WHERE id BETWEEN 100 AND 149");
  auto c = content(100000);  // one bucket holds all 50
  const auto& m = only_mismatch(table(c, "bookings"));
  EXPECT_EQ(m.keys.keys.size(), 20u);
  EXPECT_EQ(m.keys.total, 50u);
  EXPECT_TRUE(has_line(c.lines(), "(+30 more)")) << dump(c.lines());
}

TEST_F(parity, table_without_key_is_a_multiset) {
  standard_data();
  run(*target_, "INSERT INTO events SELECT * FROM events WHERE kind = 'in' LIMIT 1");  // a duplicate row
  auto c = content();
  const auto& e = table(c, "events");
  const auto& m = only_mismatch(e);
  EXPECT_EQ(m.source_rows, 40);
  EXPECT_EQ(m.target_rows, 41);
  EXPECT_EQ(m.keys.status.result, outcome::skipped);
  EXPECT_TRUE(has_line(c.lines(), "keys not listed: no primary key")) << dump(c.lines());
}

TEST_F(parity, key_order_that_differs_between_servers_still_compares_content) {
  // Same rows, but the text key sorts differently: "B" < "a" in C, not in ICU.
  // Buckets come from the key's hash, not its order, so content is still compared.
  run(*source_, R"sql(CREATE TABLE tags (name text COLLATE "C" PRIMARY KEY, n int))sql");
  run(*target_, R"sql(CREATE TABLE tags (name text COLLATE "und-x-icu" PRIMARY KEY, n int))sql");
  both("INSERT INTO tags SELECT x, 1 FROM unnest(ARRAY['a', 'B', 'c', 'D', 'é', 'E']) AS x");
  auto c = pg::compare_content(*source_, *target_, {}, options(1));
  EXPECT_TRUE(c.equal()) << dump(c.lines());
  EXPECT_GT(table(c, "tags").chunks, 1u);
  run(*target_, "UPDATE tags SET n = 2 WHERE name = 'B'");
  c = pg::compare_content(*source_, *target_, {}, options(1));
  const auto& m = only_mismatch(table(c, "tags"));
  ASSERT_EQ(m.keys.keys.size(), 1u);
  EXPECT_EQ(m.keys.keys[0].key, R"(["B"])");
  // The schema check still reports the collation difference.
  auto d = pg::diff_schema(pg::read_schema(*source_, {}, schema_), pg::read_schema(*target_, {}, schema_));
  EXPECT_TRUE(has_line(d.differences, "table tags: column name: collation C vs und-x-icu")) << dump(d.differences);
}

TEST_F(parity, live_source_rows_that_change_during_the_check_are_told_apart) {
  standard_data();
  // Three rows differ at the first read: 10 stays different, 20 is caught up by
  // the replica before the re-check, 30 keeps changing on the source.
  run(*target_, "UPDATE bookings SET status = 'stale' WHERE id IN (10, 20, 30)");
  // Writes during the check come from other connections, as the app's and the
  // replication's do: the compared sessions are inside read-only transactions.
  auto source_writer = another(*source_), target_writer = another(*target_);
  auto o = options(100000);
  o.recheck_delay = std::chrono::milliseconds(50);
  o.before_recheck = [&] {
    run(*target_writer, "UPDATE bookings SET status = 'new' WHERE id = 20");  // as on the source
    run(*source_writer, "UPDATE bookings SET status = 'moving' WHERE id = 30");
  };
  auto c = pg::compare_content(*source_, *target_, {}, o);
  const auto& b = table(c, "bookings");
  EXPECT_EQ(b.caught_up, 1u);
  ASSERT_EQ(b.changed_during_check.size(), 1u) << dump(c.lines());
  EXPECT_EQ(b.changed_during_check[0].key, "[30]");
  const auto& m = only_mismatch(b);
  ASSERT_EQ(m.keys.keys.size(), 1u) << dump(c.lines());
  EXPECT_EQ(m.keys.keys[0].key, "[10]");
  EXPECT_FALSE(c.equal());
  EXPECT_EQ(c.changed_during_check(), 1u);

  // Once 10 is fixed too, nothing really differs: only the moving row is left, apart.
  run(*target_, "UPDATE bookings SET status = 'new' WHERE id = 10");
  o.before_recheck = [&] { run(*source_writer, "UPDATE bookings SET status = 'moving again' WHERE id = 30"); };
  c = pg::compare_content(*source_, *target_, {}, o);
  EXPECT_TRUE(c.equal()) << dump(c.lines());
  EXPECT_EQ(c.changed_during_check(), 1u);
}

TEST_F(parity, schema_differences_are_listed_but_names_are_not) {
  both(tables_sql);
  run(*source_, R"sql(
      CREATE INDEX idx_keys_company_type ON whatsapp_keys (company_id, key_type);
      CREATE INDEX idx_bookings_starts ON bookings (starts_at) WHERE note IS NOT NULL;
      ALTER TABLE bookings ADD CONSTRAINT bookings_id_check CHECK (id > 0);
      CREATE TABLE audit (id int))sql");
  run(*target_, R"sql(
      CREATE INDEX bookings_starts_at_idx ON bookings (starts_at) WHERE note IS NOT NULL;
      ALTER TABLE bookings ADD CONSTRAINT renamed_check CHECK (id > 0);
      ALTER TABLE bookings ALTER COLUMN status TYPE varchar(20);
      ALTER TABLE bookings ALTER COLUMN company_id DROP NOT NULL;
      ALTER TABLE bookings ALTER COLUMN note SET DEFAULT 'none';
      ALTER TABLE events ADD COLUMN extra int)sql");
  auto src = pg::read_schema(*source_, {}, schema_);
  auto dst = pg::read_schema(*target_, {}, schema_);
  ASSERT_TRUE(src.status.ok()) << src.status.message;
  ASSERT_NE(src.find("whatsapp_keys"), nullptr);
  auto d = pg::diff_schema(src, dst);
  ASSERT_TRUE(d.status.ok()) << d.status.message;
  const auto& l = d.differences;
  EXPECT_TRUE(has_line(l, "table bookings: column status: type text vs character varying(20)")) << dump(l);
  EXPECT_TRUE(has_line(l, "table bookings: column company_id: NOT NULL vs nullable")) << dump(l);
  EXPECT_TRUE(has_line(l, "table bookings: column note: default none vs 'none'::text")) << dump(l);
  EXPECT_TRUE(has_line(l, "table whatsapp_keys: missing index in target: btree (company_id, key_type)")) << dump(l);
  EXPECT_TRUE(has_line(l, "table events: column extra only in target")) << dump(l);
  EXPECT_TRUE(has_line(l, "table audit missing in target")) << dump(l);
  // The partial index and the check constraint differ only by name.
  EXPECT_FALSE(has_line(l, "starts_at")) << dump(l);
  EXPECT_FALSE(has_line(l, "CHECK")) << dump(l);
  EXPECT_EQ(l.size(), 6u) << dump(l);

  auto only = pg::read_schema(*source_, {"bookings", "nope"}, schema_);
  ASSERT_EQ(only.tables.size(), 1u);
  EXPECT_EQ(only.missing, std::vector<std::string>{"nope"});
}

TEST_F(parity, missing_tables_are_failures_not_crashes) {
  both("CREATE TABLE bookings (id int PRIMARY KEY)");
  run(*source_, "CREATE TABLE whatsapp_keys (company_id bigint, key_type text, key_id text, value jsonb)");
  auto counts = pg::count_rows(*target_, {"bookings", "whatsapp_keys"}, schema_);
  ASSERT_EQ(counts.tables.size(), 2u);
  EXPECT_TRUE(counts.tables[0].status.ok());
  EXPECT_EQ(counts.tables[1].status.result, outcome::check_failed);
  EXPECT_NE(counts.tables[1].status.message.find("whatsapp_keys does not exist"), std::string::npos);
  EXPECT_FALSE(counts.status.ok());

  auto c = content();
  EXPECT_FALSE(c.equal());
  EXPECT_TRUE(has_line(c.lines(), "table whatsapp_keys: check_failed: table whatsapp_keys missing in target"))
      << dump(c.lines());

  auto state = pg::read_baileys(*target_, "962302", schema_);
  EXPECT_EQ(state.status.result, outcome::check_failed);
  EXPECT_NE(state.summary().find("missing table " + schema_ + ".whatsapp_auth"), std::string::npos)
      << state.summary();
}

TEST_F(parity, baileys_state_counts_keys_by_type) {
  both(tables_sql);
  both("CREATE TABLE whatsapp_auth (company_id bigint PRIMARY KEY, creds jsonb NOT NULL)");
  run(*source_, with_order(data_sql, "ASC"));
  run(*source_, R"sql(INSERT INTO whatsapp_auth VALUES (962302, '{"me": {"id": "79000000000"}}'))sql");
  auto s = pg::read_baileys(*source_, "962302", schema_);
  ASSERT_TRUE(s.status.ok()) << s.status.message;
  EXPECT_EQ(s.auth_rows, 1);
  EXPECT_EQ(s.creds_type, "object");
  EXPECT_EQ(s.keys, 335);
  using kt = std::vector<std::pair<std::string, std::int64_t>>;
  EXPECT_EQ(s.key_types, (kt{{"app-state-sync-key", 83}, {"pre-key", 84}, {"sender-key", 84}, {"session", 84}}));
  EXPECT_EQ(s.summary(),
            "company 962302: auth rows: 1, creds: object, keys: 335 "
            "(app-state-sync-key 83, pre-key 84, sender-key 84, session 84)");

  auto empty = pg::read_baileys(*target_, "962302", schema_);
  ASSERT_TRUE(empty.status.ok()) << empty.status.message;
  EXPECT_EQ(empty.auth_rows, 0);
  EXPECT_EQ(empty.creds_type, "");
  EXPECT_EQ(empty.keys, 0);
}

TEST_F(parity, database_faults_are_typed_outcomes) {
  both("CREATE VIEW slow AS SELECT pg_sleep(3)::text AS z");
  pg_endpoint e = endpoint_of("CUTOVER_PG_SOURCE_URL", "source");
  pg::session quick(e, pg::session_options{std::chrono::milliseconds(3000), std::chrono::milliseconds(300), ""});
  ASSERT_TRUE(quick.connect().ok());
  auto counts = pg::count_rows(quick, {"slow"}, schema_);
  ASSERT_EQ(counts.tables.size(), 1u);
  EXPECT_EQ(counts.tables[0].status.result, outcome::timeout) << counts.tables[0].status.message;
  EXPECT_EQ(counts.status.result, outcome::timeout);

  quick.close();
  EXPECT_EQ(pg::read_schema(quick, {}, schema_).status.result, outcome::reset);
  EXPECT_EQ(pg::count_rows(quick, {}, schema_).status.result, outcome::reset);
  EXPECT_EQ(pg::read_baileys(quick, "962302", schema_).status.result, outcome::reset);
  auto c = pg::compare_content(quick, *target_, {}, options());
  EXPECT_EQ(c.status.result, outcome::reset);
  EXPECT_FALSE(c.equal());
  EXPECT_FALSE(pg::diff_schema(pg::read_schema(quick, {}, schema_), pg::read_schema(*target_, {}, schema_)).equal());
}

}  // namespace
