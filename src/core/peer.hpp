#pragma once
/// What a connected socket actually reached, for path fingerprints.
#include <string>

namespace cutover {

/// "address:port" of the socket's peer (numeric), or "" when unknown.
std::string peer_address(int fd);

}  // namespace cutover
