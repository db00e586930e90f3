#pragma once
/// Secrets (passwords, API keys) and the scrubber that keeps them out of
/// every output. A `secret` has no stream operator and serialises as "***";
/// `scrub()` is the second line of defence for free text (error messages,
/// rendered reports) and knows every secret registered so far.
#include <string>
#include <string_view>

namespace cutover {

/// The text written wherever a secret would appear.
inline constexpr std::string_view redacted = "***";

/// A value that must never reach stdout, logs or reports.
class secret {
public:
  secret() = default;
  /// Wraps `value` and registers it with the scrubber.
  explicit secret(std::string value);
  /// The plain value, for handing to a client library only.
  const std::string& reveal() const noexcept { return value_; }
  bool empty() const noexcept { return value_.empty(); }
  /// "***" when set, "" when empty.
  std::string_view display() const noexcept { return value_.empty() ? std::string_view{} : redacted; }
  friend bool operator==(const secret&, const secret&) = default;

private:
  std::string value_;
};

/// Registers a value to be scrubbed from free text (values shorter than 4
/// characters, numbers and booleans are ignored: they would mangle ordinary
/// words, figures and the JSON of reports). Thread-safe.
void register_secret(std::string_view value);
/// True for names that hold secrets by convention, in any case: containing
/// PASSWORD, PASSWD, SECRET, TOKEN or KEY, or with a part (between '_', '-',
/// '.') PASS, PWD, AUTH or CREDENTIAL(S): `DB_PASS`, `db_password`,
/// `api_key`, `BASIC_AUTH`; not `PWD` or `PASSIVE_JOBS`. Values are
/// registered when read.
bool looks_secret(std::string_view name) noexcept;
/// Registers the secrets inside a value that is not itself secret: the
/// password of any scheme://user:password@ URL in it, and the value of every
/// key=value pair (a libpq DSN `password=...`, a URL query `?token=...`)
/// whose key looks secret.
void register_embedded_secrets(std::string_view value);
/// What every variable read from the environment or a .env goes through:
/// its value is registered whole when the name looks secret, and its
/// embedded secrets are registered either way.
void register_variable(std::string_view name, std::string_view value);
/// `url` with the user:password part of its authority replaced by "***"
/// (scheme://***@host...), for any scheme; other text is returned as it is.
std::string redact_userinfo(std::string_view url);
/// Returns `text` with every registered secret (plain or percent-encoded) replaced by "***". Thread-safe.
std::string scrub(std::string_view text);

}  // namespace cutover
