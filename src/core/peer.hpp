#pragma once
/// What a connected socket actually reached, for path fingerprints, and how much it received.
#include <cstdint>
#include <string>

namespace cutover {

/// "address:port" of the socket's peer (numeric), or "" when unknown.
std::string peer_address(int fd);

/// Bytes TCP socket `fd` has received so far (0 when the kernel does not say).
std::uint64_t bytes_received(int fd);

}  // namespace cutover
