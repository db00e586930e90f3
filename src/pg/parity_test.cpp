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
  void both(const std::string& sql) {
    run(*source_, sql);
    run(*target_, sql);
  }
  /// The standard tables with identical data on both sides (target inserted in reverse order).
  void standard_data() {
    both(tables_sql);
    run(*source_, with_order(data_sql, "ASC"));
    run(*target_, with_order(data_sql, "DESC"));
  }
  pg::content_diff content(std::int64_t chunk_rows = 1000) {
    return pg::compare_content(*source_, *target_, {}, chunk_rows, schema_);
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
  EXPECT_EQ(b.chunks, 3u);  // 2500 rows in chunks of 1000
  EXPECT_EQ(b.source_rows, 2500);
  EXPECT_EQ(b.target_rows, 2500);
  EXPECT_EQ(b.key_columns, std::vector<std::string>{"id"});
  EXPECT_EQ(table(c, "whatsapp_keys").key_columns, (std::vector<std::string>{"company_id", "key_type", "key_id"}));
  const auto& e = table(c, "events");
  EXPECT_TRUE(e.key_columns.empty());
  EXPECT_EQ(e.chunks, 1u);
  EXPECT_NE(e.note.find("no primary key"), std::string::npos);
}

TEST_F(parity, jsonb_key_order_and_whitespace_do_not_matter) {
  both("CREATE TABLE settings (id int PRIMARY KEY, doc jsonb, raw json)");
  run(*source_, R"sql(INSERT INTO settings VALUES
      (1, '{"b": 1, "a": {"y": [1, {"d": 1, "c": 2}], "x": null}}', '{"b":1,"a":2}'))sql");
  run(*target_, R"sql(INSERT INTO settings VALUES
      (1, '{"a":{"x":null,"y":[1,{"c":2,"d":1}]},"b":1}', '{"a": 2, "b": 1}'))sql");
  auto c = content();
  EXPECT_TRUE(c.equal()) << dump(c.lines());
}

TEST_F(parity, changed_jsonb_value_names_table_chunk_and_key) {
  standard_data();
  run(*target_, "UPDATE bookings SET data = jsonb_set(data, '{tags,1}', '99') WHERE id = 1500");
  auto c = content();
  EXPECT_FALSE(c.equal());
  const auto& b = table(c, "bookings");
  ASSERT_EQ(b.mismatches.size(), 1u) << dump(c.lines());
  const auto& m = b.mismatches[0];
  EXPECT_EQ(m.index, 1u);
  EXPECT_EQ(m.range.lower, std::vector<std::string>{"1001"});
  EXPECT_EQ(m.range.upper, std::vector<std::string>{"2001"});
  ASSERT_TRUE(m.keys.status.ok()) << m.keys.status.message;
  ASSERT_EQ(m.keys.keys.size(), 1u);
  EXPECT_EQ(m.keys.keys[0].key, "[1500]");
  EXPECT_EQ(m.keys.keys[0].kind, "differs");
  EXPECT_TRUE(table(c, "whatsapp_keys").equal());
  EXPECT_TRUE(has_line(c.lines(), "table bookings: chunk 1 [(1001) .. (2001)): content differs (1000 rows vs 1000); "
                                  "keys: [1500] differs"))
      << dump(c.lines());
}

TEST_F(parity, deleted_row_is_missing_in_target_and_counts_differ) {
  standard_data();
  run(*target_, "DELETE FROM bookings WHERE id = 42");
  auto counts = pg::diff_counts(pg::count_rows(*source_, {}, schema_), pg::count_rows(*target_, {}, schema_));
  EXPECT_TRUE(has_line(counts.differences, "table bookings: 2500 rows vs 2499")) << dump(counts.differences);

  auto c = content();
  const auto& b = table(c, "bookings");
  ASSERT_EQ(b.mismatches.size(), 1u) << dump(c.lines());
  const auto& m = b.mismatches[0];
  EXPECT_EQ(m.index, 0u);
  EXPECT_TRUE(m.range.lower.empty());
  EXPECT_EQ(m.range.upper, std::vector<std::string>{"1001"});
  EXPECT_EQ(m.source_rows, 1000);
  EXPECT_EQ(m.target_rows, 999);
  ASSERT_EQ(m.keys.keys.size(), 1u);
  EXPECT_EQ(m.keys.keys[0].key, "[42]");
  EXPECT_EQ(m.keys.keys[0].kind, "missing in target");
}

TEST_F(parity, extra_rows_beyond_either_end_and_in_composite_keys_are_found) {
  standard_data();
  run(*target_, R"sql(
      INSERT INTO bookings (id, company_id) VALUES (9999, 962302), (-5, 962302);
      INSERT INTO whatsapp_keys VALUES (962302, 'pre-key', 'extra-1', '{}'))sql");
  auto c = content();
  const auto& b = table(c, "bookings");
  ASSERT_EQ(b.mismatches.size(), 2u) << dump(c.lines());
  EXPECT_EQ(b.mismatches[0].index, 0u);
  EXPECT_EQ(b.mismatches[0].keys.keys.at(0).key, "[-5]");
  EXPECT_EQ(b.mismatches[0].keys.keys.at(0).kind, "extra in target");
  EXPECT_EQ(b.mismatches[1].index, 2u);
  EXPECT_TRUE(b.mismatches[1].range.upper.empty());
  EXPECT_EQ(b.mismatches[1].keys.keys.at(0).key, "[9999]");

  const auto& k = table(c, "whatsapp_keys");
  ASSERT_EQ(k.mismatches.size(), 1u) << dump(c.lines());
  ASSERT_EQ(k.mismatches[0].keys.keys.size(), 1u);
  EXPECT_EQ(k.mismatches[0].keys.keys[0].key, R"([962302, "pre-key", "extra-1"])");
  EXPECT_EQ(k.mismatches[0].keys.keys[0].kind, "extra in target");
}

TEST_F(parity, changed_timestamp_is_reported) {
  standard_data();
  run(*target_, "UPDATE bookings SET starts_at = starts_at + interval '1 second' WHERE id = 2222");
  auto c = content();
  const auto& b = table(c, "bookings");
  ASSERT_EQ(b.mismatches.size(), 1u) << dump(c.lines());
  EXPECT_EQ(b.mismatches[0].index, 2u);
  EXPECT_EQ(b.mismatches[0].range.lower, std::vector<std::string>{"2001"});
  ASSERT_EQ(b.mismatches[0].keys.keys.size(), 1u);
  EXPECT_EQ(b.mismatches[0].keys.keys[0].key, "[2222]");
  EXPECT_EQ(b.mismatches[0].keys.keys[0].kind, "differs");
}

TEST_F(parity, null_and_empty_string_differ) {
  standard_data();
  run(*target_, "UPDATE bookings SET note = '' WHERE id = 5");  // NULL on the source
  auto c = content();
  const auto& b = table(c, "bookings");
  ASSERT_EQ(b.mismatches.size(), 1u) << dump(c.lines());
  EXPECT_EQ(b.mismatches[0].keys.keys.at(0).key, "[5]");
}

TEST_F(parity, key_list_is_capped_and_counts_the_rest) {
  standard_data();
  run(*target_, "UPDATE bookings SET status = 'moved' WHERE id BETWEEN 100 AND 149");
  auto c = content();
  const auto& b = table(c, "bookings");
  ASSERT_EQ(b.mismatches.size(), 1u) << dump(c.lines());
  EXPECT_EQ(b.mismatches[0].keys.keys.size(), 20u);
  EXPECT_EQ(b.mismatches[0].keys.total, 50u);
  EXPECT_TRUE(has_line(c.lines(), "(+30 more)")) << dump(c.lines());

  auto direct = pg::find_mismatched_keys(*source_, *target_, "bookings", b.mismatches[0].range, 5, schema_);
  ASSERT_TRUE(direct.status.ok()) << direct.status.message;
  EXPECT_EQ(direct.keys.size(), 5u);
  EXPECT_EQ(direct.keys[0].key, "[100]");
}

TEST_F(parity, table_without_key_is_a_multiset) {
  standard_data();
  run(*target_, "INSERT INTO events SELECT * FROM events WHERE kind = 'in' LIMIT 1");  // a duplicate row
  auto c = content();
  const auto& e = table(c, "events");
  ASSERT_EQ(e.mismatches.size(), 1u) << dump(c.lines());
  EXPECT_EQ(e.mismatches[0].source_rows, 40);
  EXPECT_EQ(e.mismatches[0].target_rows, 41);
  EXPECT_EQ(e.mismatches[0].keys.status.result, outcome::skipped);
  EXPECT_TRUE(has_line(c.lines(), "keys not listed: no primary key")) << dump(c.lines());
}

TEST_F(parity, key_order_that_differs_between_servers_is_a_failure_not_a_false_match) {
  // Same rows, but the text key sorts differently: "B" < "a" in C, not in ICU.
  run(*source_, R"sql(CREATE TABLE tags (name text COLLATE "C" PRIMARY KEY))sql");
  run(*target_, R"sql(CREATE TABLE tags (name text COLLATE "und-x-icu" PRIMARY KEY))sql");
  both("INSERT INTO tags VALUES ('a'), ('B'), ('c'), ('D')");
  auto c = pg::compare_content(*source_, *target_, {}, 1, schema_);
  EXPECT_FALSE(c.equal());
  EXPECT_EQ(c.status.result, outcome::check_failed);
  EXPECT_TRUE(has_line(c.lines(), "table tags: check_failed: table tags: primary key order differs")) << dump(c.lines());
  auto d = pg::diff_schema(pg::read_schema(*source_, {}, schema_), pg::read_schema(*target_, {}, schema_));
  EXPECT_TRUE(has_line(d.differences, "table tags: column name: collation C vs und-x-icu")) << dump(d.differences);
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
  auto c = pg::compare_content(quick, *target_, {}, 1000, schema_);
  EXPECT_EQ(c.status.result, outcome::reset);
  EXPECT_FALSE(c.equal());
  EXPECT_FALSE(pg::diff_schema(pg::read_schema(quick, {}, schema_), pg::read_schema(*target_, {}, schema_)).equal());
}

}  // namespace
