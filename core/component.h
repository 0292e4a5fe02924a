// The one small base of every model (DESIGN house style): a SystemC module with a name and an energy
// account. A model adds only behaviour.
#pragma once

#include <systemc>

#include "core/energy.h"

namespace pjbit::core {

class Component : public sc_core::sc_module {
 public:
  explicit Component(const sc_core::sc_module_name& name) : sc_core::sc_module(name) {}

  EnergyAccount& energy() { return m_energy; }
  const EnergyAccount& energy() const { return m_energy; }

 private:
  EnergyAccount m_energy;
};

// Every Component below `root` (or below every top-level object when root is null), depth first, in
// SystemC's child order, which is construction order.
template <typename F>
void for_each_component(F&& f, sc_core::sc_object* root = nullptr) {
  auto visit = [&](auto&& self, sc_core::sc_object* obj) -> void {
    if (auto* c = dynamic_cast<Component*>(obj)) f(*c);
    for (sc_core::sc_object* child : obj->get_child_objects())
      self(self, child);
  };
  if (root) {
    visit(visit, root);
  } else {
    for (sc_core::sc_object* top : sc_core::sc_get_top_level_objects())
      visit(visit, top);
  }
}

}  // namespace pjbit::core
