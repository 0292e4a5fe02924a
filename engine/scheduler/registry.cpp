// The policy registry: built-in policies first, then those a program registers.
#include <stdexcept>

#include "engine/scheduler/i_policy.h"
#include "engine/scheduler/impl/policies.h"

namespace pjbit::engine::scheduler {

namespace {

struct Registry {
  std::vector<const IPolicy*> all = {&impl::static_policy(), &impl::phase_aware()};
  std::vector<std::unique_ptr<IPolicy>> owned;  // registered by a program
};

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

const IPolicy* find_policy(std::string_view name) {
  for (const IPolicy* p : registry().all)
    if (p->name() == name) return p;
  return nullptr;
}

std::vector<std::string> policy_names() {
  std::vector<std::string> names;
  for (const IPolicy* p : registry().all)
    names.emplace_back(p->name());
  return names;
}

void register_policy(std::unique_ptr<IPolicy> policy) {
  if (!policy || policy->name().empty())
    throw std::invalid_argument("register_policy: a policy needs a name");
  if (find_policy(policy->name()) != nullptr)
    throw std::invalid_argument("register_policy: a policy named \"" + std::string(policy->name()) +
                                "\" is already registered");
  Registry& r = registry();
  r.all.push_back(policy.get());
  r.owned.push_back(std::move(policy));
}

}  // namespace pjbit::engine::scheduler
