#include "core/fabric_extension.h"

#include <new>

namespace pjbit::core {

void PayloadPool::FreeBlock::operator()(unsigned char* block) const {
  ::operator delete[](block, std::align_val_t{kLine});
}

PayloadPool::~PayloadPool() {
  for (Packet* p : m_all) {
    p->clear_extension(&p->ext);  // not on the heap: the payload must not delete it
    p->free_all_extensions();
    p->reset();
    p->~Packet();
  }
}

Packet* PayloadPool::make() {
  if (m_used_in_block == kBlock) {
    const std::size_t bytes = kBlock * kSlot;
    m_blocks.emplace_back(static_cast<unsigned char*>(::operator new[](bytes, std::align_val_t{kLine})));
    m_used_in_block = 0;
  }
  unsigned char* slot = m_blocks.back().get() + m_used_in_block++ * kSlot;
  return new (slot + kOffset) Packet(this);
}

tlm::tlm_generic_payload* PayloadPool::acquire() {
  Packet* p = nullptr;
  if (m_free.empty()) {
    p = make();
    p->set_extension(&p->ext);
    m_all.push_back(p);
  } else {
    p = m_free.back();
    m_free.pop_back();
    // Fresh values but for the packet's own route, whose buffer is kept (no allocation once the pool has
    // warmed up) and whose lines are left alone: whoever routes the packet by it fills it first.
    static_cast<PacketState&>(p->ext) = PacketState{};
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
