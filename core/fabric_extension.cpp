#include "core/fabric_extension.h"

namespace pjbit::core {

PayloadPool::~PayloadPool() {
  for (Packet* p : m_all) {
    p->clear_extension(&p->ext);  // not on the heap: the payload must not delete it
    p->free_all_extensions();
    p->reset();
    delete p;
  }
}

tlm::tlm_generic_payload* PayloadPool::acquire() {
  Packet* p = nullptr;
  if (m_free.empty()) {
    p = new Packet(this);
    p->set_extension(&p->ext);
    m_all.push_back(p);
  } else {
    p = m_free.back();
    m_free.pop_back();
    Route keep = std::move(p->ext.own_route);  // keeps its buffer: no allocation once the pool has warmed up
    p->ext = FabricExtension{};
    p->ext.own_route = std::move(keep);
    p->ext.own_route.ports.clear();
  }
  p->set_command(tlm::TLM_WRITE_COMMAND);
  p->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  p->acquire();
  return p;
}

void PayloadPool::free(tlm::tlm_generic_payload* p) {
  m_free.push_back(static_cast<Packet*>(p));
}

}  // namespace pjbit::core
