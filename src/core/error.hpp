#pragma once
/// The one root of cutover's exceptions. Exceptions are for misuse (bad
/// config, bad arguments) and are thrown before any measurement starts; a
/// network fault during a measurement is a probe outcome, never an exception.
#include <stdexcept>
#include <string>

namespace cutover {

/// Root of every exception cutover throws on purpose.
class error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// A configuration or input problem; the message is one line naming the file and place.
class config_error : public error {
public:
  using error::error;
};

/// A command-line usage problem.
class usage_error : public error {
public:
  using error::error;
};

}  // namespace cutover
