#pragma once
/// The harness's one HTTP/1.1 client (Boost.Beast) for the app's API (health
/// endpoints, webhook): one request per connection, one deadline for
/// connect + write + read. Plain http only.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/outcome.hpp"

namespace cutover::http {

/// host, port and base path of an http:// URL.
struct url {
  std::string host;         ///< address or name
  std::uint16_t port = 80;  ///< TCP port
  std::string path;  ///< base path without a trailing '/' ("" for the root)
  /// http://host:port + path, safe to print (URLs carry no credentials here).
  std::string display() const;
};

/// Parses http://host[:port][/path]; throws config_error naming `place`.
url parse_url(std::string_view url, std::string_view place);

/// What one request got back. `status` is ok when a full response arrived,
/// whatever its code; timeout/refused/reset/error otherwise.
struct reply {
  probe_result status;        ///< ok once a whole response arrived
  int code = 0;               ///< HTTP status code (0 when no response)
  std::string content_type;   ///< Content-Type header
  std::string body;           ///< response body (capped at 1 MB)
};

/// Sends `method target` (target is appended to the URL's base path) with an
/// optional JSON body, waiting at most `timeout` for the whole exchange.
/// Never throws for network faults.
reply send(const url& to, std::string_view method, std::string_view target, std::string_view json_body,
           std::chrono::milliseconds timeout);

}  // namespace cutover::http
