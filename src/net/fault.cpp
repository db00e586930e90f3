#include "net/fault.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "core/error.hpp"

namespace cutover::net {

std::optional<proxy_clock::time_point> fault::send(std::size_t, proxy_clock::time_point arrival,
                                                   proxy_clock::time_point&) const {
  return arrival;
}

namespace {

class none_fault final : public fault {
public:
  std::string_view name() const noexcept override { return "none"; }
};

class blackhole_fault final : public fault {
public:
  std::string_view name() const noexcept override { return "blackhole"; }
  std::optional<proxy_clock::time_point> send(std::size_t, proxy_clock::time_point,
                                              proxy_clock::time_point&) const override {
    return std::nullopt;
  }
};

class reset_fault final : public fault {
public:
  std::string_view name() const noexcept override { return "reset"; }
  fault_effects effects() const noexcept override { return {.accept = true, .reset = true}; }
};

class refuse_fault final : public fault {
public:
  std::string_view name() const noexcept override { return "refuse"; }
  fault_effects effects() const noexcept override { return {.accept = false, .reset = false}; }
};

class down_fault final : public fault {
public:
  std::string_view name() const noexcept override { return "down"; }
  fault_effects effects() const noexcept override { return {.accept = false, .reset = true}; }
};

/// A link of fixed capacity per direction: chunks queue behind each other.
class bandwidth_fault final : public fault {
public:
  explicit bandwidth_fault(double kbytes_per_s) : kbytes_per_s_(kbytes_per_s) {}
  std::string_view name() const noexcept override { return "bandwidth"; }
  std::string settings() const override {
    char text[32];
    std::snprintf(text, sizeof text, "%g KB/s", kbytes_per_s_);
    return text;
  }
  std::optional<proxy_clock::time_point> send(std::size_t bytes, proxy_clock::time_point arrival,
                                              proxy_clock::time_point& link_free) const override {
    // KB = 1000 bytes, so 1 KB/s is 1 byte per millisecond.
    const std::chrono::duration<double, std::milli> transmit(static_cast<double>(bytes) / kbytes_per_s_);
    link_free = std::max(arrival, link_free) + std::chrono::round<proxy_clock::duration>(transmit);
    return link_free;
  }

private:
  double kbytes_per_s_;
};

template <class F>
fault_factory without_settings(std::string_view name) {
  return [name](std::span<const std::string_view> settings) -> std::shared_ptr<const fault> {
    if (!settings.empty()) {
      throw usage_error("fault " + std::string(name) + " takes no settings");
    }
    return std::make_shared<const F>();
  };
}

}  // namespace

void fault_registry::add(std::string name, std::string usage, fault_factory make) {
  entries_.insert_or_assign(std::move(name), entry{std::move(usage), std::move(make)});
}

std::shared_ptr<const fault> fault_registry::make(std::string_view name,
                                                  std::span<const std::string_view> settings) const {
  const auto it = entries_.find(name);
  if (it == entries_.end()) {
    throw usage_error("unknown fault '" + std::string(name) + "' (known: " + usage() + ")");
  }
  return it->second.make(settings);
}

std::string fault_registry::usage() const {
  std::string text;
  for (const auto& [name, e] : entries_) {
    text += (text.empty() ? "" : ", ") + name + (e.usage.empty() ? "" : " " + e.usage);
  }
  return text;
}

void register_builtin_faults(fault_registry& registry) {
  registry.add("none", "", without_settings<none_fault>("none"));
  registry.add("blackhole", "", without_settings<blackhole_fault>("blackhole"));
  registry.add("reset", "", without_settings<reset_fault>("reset"));
  registry.add("refuse", "", without_settings<refuse_fault>("refuse"));
  registry.add("down", "", without_settings<down_fault>("down"));
  registry.add("bandwidth", "<kbytes_per_s>", [](std::span<const std::string_view> settings) {
    const auto rate = settings.size() == 1 ? detail::parse_non_negative(settings[0]) : std::nullopt;
    if (!rate || *rate <= 0) {
      throw usage_error("fault bandwidth takes one setting: <kbytes_per_s> > 0 (1 KB = 1000 bytes)");
    }
    return std::make_shared<const bandwidth_fault>(*rate);
  });
}

std::shared_ptr<const fault> no_fault() {
  static const auto none = std::make_shared<const none_fault>();
  return none;
}

namespace detail {

std::optional<double> parse_non_negative(std::string_view text) noexcept {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(value) || value < 0) {
    return std::nullopt;
  }
  return value;
}

}  // namespace detail

}  // namespace cutover::net
