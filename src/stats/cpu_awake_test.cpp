#include "stats/cpu_awake.hpp"

#include <gtest/gtest.h>

#include <sched.h>
#include <thread>

using namespace cutover::stats;

TEST(cpu_awake, off_when_not_asked_and_says_why_when_refused) {
  cpu_awake off(false);
  EXPECT_FALSE(off.held());
  EXPECT_EQ(off.state(), "off");
  cpu_awake on(true);
  // Root on Linux holds it; elsewhere it is refused with the errno's name, never thrown.
  if (on.held())
    EXPECT_EQ(on.state(), "held");
  else
    EXPECT_EQ(on.state().rfind("unavailable (", 0), 0u) << on.state();
}

TEST(cpu_awake, pins_the_calling_thread_or_says_it_could_not) {
  // In a thread of its own: the test process's main thread stays where it was.
  std::thread([] {
    EXPECT_EQ(pin_to_cpus({}), "") << "nothing asked, nothing done";
    const int here = ::sched_getcpu();
    ASSERT_GE(here, 0);
    EXPECT_EQ(pin_to_cpus({here}), "pinned");
    cpu_set_t set;
    CPU_ZERO(&set);
    ASSERT_EQ(::sched_getaffinity(0, sizeof set, &set), 0);
    EXPECT_EQ(CPU_COUNT(&set), 1);
    EXPECT_TRUE(CPU_ISSET(here, &set));
    // A CPU this machine does not have: refused, and the thread keeps its pin.
    EXPECT_EQ(pin_to_cpus({4095}), "unavailable (EINVAL)");
    ASSERT_EQ(::sched_getaffinity(0, sizeof set, &set), 0);
    EXPECT_TRUE(CPU_ISSET(here, &set));
  }).join();
}
