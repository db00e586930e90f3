// diff_facts: how the db.usable.* checks that compare the two sides judge
// differences (no database needed; the queries are exercised by the
// damaged-lab verdict cases in validate/verdict_case).
#include "pg/parity_usable.hpp"

#include <gtest/gtest.h>

using cutover::pg::catalog_fact;
using cutover::pg::diff_facts;
using cutover::pg::usable_findings;

namespace {

usable_findings diff(const std::vector<catalog_fact>& a, const std::vector<catalog_fact>& b, bool missing_objects = true) {
  usable_findings f;
  diff_facts(a, b, {"not granted to the app role", missing_objects}, f);
  return f;
}

const std::vector<catalog_fact> source{
    {"table public.bookings", "INSERT", "granted", false},
    {"table public.bookings", "SELECT", "granted", false},
    {"table public.bookings", "TRUNCATE", "granted", true},
    {"view public.open_bookings", "definition", "md5-a", false},
    {"extension pg_graphql", "installed", "installed", true},
};

TEST(diff_facts, equal_sides_have_nothing_to_say) {
  auto f = diff(source, source);
  EXPECT_TRUE(f.ok());
  EXPECT_TRUE(f.notes.empty());
  EXPECT_EQ(f.checked, 3u);  // objects, not facts
}

TEST(diff_facts, a_missing_attribute_is_a_problem_naming_object_and_attribute) {
  auto target = source;
  target.erase(target.begin());  // INSERT
  auto f = diff(source, target);
  ASSERT_EQ(f.problems.size(), 1u);
  EXPECT_EQ(f.problems[0], "table public.bookings: INSERT not granted to the app role");
}

TEST(diff_facts, note_only_facts_are_notes_not_problems) {
  auto target = source;
  std::erase_if(target, [](const auto& x) { return x.attribute == "TRUNCATE" || x.object == "extension pg_graphql"; });
  auto f = diff(source, target);
  EXPECT_TRUE(f.ok());
  ASSERT_EQ(f.notes.size(), 2u);
  EXPECT_EQ(f.notes[0], "table public.bookings: TRUNCATE not granted to the app role");
  EXPECT_EQ(f.notes[1], "extension pg_graphql: missing in target");
}

TEST(diff_facts, a_different_value_names_both_sides_and_definitions_just_differ) {
  auto target = source;
  target[1].value = "revoked";
  target[3].value = "md5-b";
  auto f = diff(source, target);
  ASSERT_EQ(f.problems.size(), 2u);
  EXPECT_EQ(f.problems[0], "table public.bookings: SELECT granted on source, revoked on target");
  EXPECT_EQ(f.problems[1], "view public.open_bookings: definition differs on target");
}

TEST(diff_facts, a_difference_is_a_note_only_when_both_sides_say_so) {
  std::vector<catalog_fact> a{{"setting TimeZone", "default", "UTC", true}};
  std::vector<catalog_fact> b{{"setting TimeZone", "default", "Europe/Moscow", false}};
  EXPECT_EQ(diff(a, b).problems.size(), 1u);
  b[0].note_only = true;
  auto f = diff(a, b);
  EXPECT_TRUE(f.ok());
  EXPECT_EQ(f.notes.size(), 1u);
}

TEST(diff_facts, missing_objects_and_target_extras) {
  std::vector<catalog_fact> target{{"table public.extra", "SELECT", "granted", false}};
  auto f = diff(source, target);
  EXPECT_EQ(f.problems.size(), 2u);  // bookings and the view; the extension is a note; the extra is fine
  EXPECT_EQ(f.problems[0], "table public.bookings: missing in target");
  // When another check owns missing objects, they are not repeated here.
  EXPECT_TRUE(diff(source, target, false).ok());
}

}  // namespace
