#include "core/errors.h"

namespace pjbit::core {

std::string SourceLoc::str() const {
  if (file.empty()) return {};
  if (line <= 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

namespace {
std::string compose(const SourceLoc& loc, const std::string& key, const std::string& message) {
  std::string out;
  const std::string where = loc.str();
  if (!where.empty()) out += where + ": ";
  if (!key.empty()) out += key + ": ";
  out += message;
  return out;
}
}  // namespace

InputError::InputError(SourceLoc loc, std::string key, std::string message)
    : std::runtime_error(compose(loc, key, message)),
      m_loc(std::move(loc)),
      m_key(std::move(key)),
      m_message(std::move(message)) {}

}  // namespace pjbit::core
