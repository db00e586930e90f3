#pragma once
/// Tables naming the values of an enum (a stable id and an optional short
/// name), so every enum maps names the same way: metric ids of the probe
/// families, and the names reports use (outcomes, statuses, decisions).
#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace cutover {

/// One enum value with its id and its short name.
template <typename E>
struct named {
  E value;
  std::string_view id;          ///< e.g. "pg.query.select1", "timeout"
  std::string_view short_name;  ///< e.g. "select1"; empty when the id is the only name
};

/// The values of a table, in table order.
template <typename E, std::size_t N>
constexpr std::array<E, N> values_of(const std::array<named<E>, N>& table) {
  std::array<E, N> out{};
  for (std::size_t i = 0; i < N; ++i) out[i] = table[i].value;
  return out;
}

/// The id of `value`, or `fallback` when the table lacks it.
template <typename E, std::size_t N>
constexpr std::string_view id_of(const std::array<named<E>, N>& table, E value, std::string_view fallback) {
  for (const auto& n : table)
    if (n.value == value) return n.id;
  return fallback;
}

/// The value whose id or (non-empty) short name is `s`.
template <typename E, std::size_t N>
constexpr std::optional<E> find_named(const std::array<named<E>, N>& table, std::string_view s) {
  for (const auto& n : table)
    if (n.id == s || (!n.short_name.empty() && n.short_name == s)) return n.value;
  return std::nullopt;
}

}  // namespace cutover
