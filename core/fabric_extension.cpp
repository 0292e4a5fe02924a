#include "core/fabric_extension.h"

namespace pjbit::core {

PayloadPool::~PayloadPool() {
  for (auto* p : m_all) {
    p->free_all_extensions();
    p->reset();
    delete p;
  }
}

tlm::tlm_generic_payload* PayloadPool::acquire() {
  tlm::tlm_generic_payload* p = nullptr;
  if (m_free.empty()) {
    p = new tlm::tlm_generic_payload(this);
    p->set_extension(new FabricExtension);
    m_all.push_back(p);
  } else {
    p = m_free.back();
    m_free.pop_back();
    FabricExtension& ext = fabric(*p);
    Route keep = std::move(ext.own_route);  // keeps its buffer: no allocation once the pool has warmed up
    ext = FabricExtension{};
    ext.own_route = std::move(keep);
    ext.own_route.ports.clear();
  }
  p->set_command(tlm::TLM_WRITE_COMMAND);
  p->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  p->acquire();
  return p;
}

void PayloadPool::free(tlm::tlm_generic_payload* p) {
  m_free.push_back(p);
}

}  // namespace pjbit::core
