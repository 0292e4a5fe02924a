// Direct calls between pjbit's own modules. A packet's hop from a module's socket to the module at the
// other end goes through the socket's layers (the port, a binder, a callback object), each a separate object
// and, on a fabric of hundreds of links, a cache miss of its own per hop. When the platform builder binds two
// pjbit modules, it also hands the caller a DirectCall to the callee's transport function: the same call
// with the same arguments, made in one step. A module with no DirectCall for a socket calls the socket, as
// it does when bound to a module of another library (docs/embedding.md).
#pragma once

#include <cstddef>
#include <tlm>
#include <vector>

namespace pjbit::core {

class DirectCall {
 public:
  // nb_transport_fw or nb_transport_bw of a module's multi-socket, `index` the socket binding it stands for.
  using Fn = tlm::tlm_sync_enum (*)(void* module, int index, tlm::tlm_generic_payload& p,
                                    tlm::tlm_phase& phase, sc_core::sc_time& delay);

  DirectCall() = default;
  DirectCall(Fn fn, void* module, int index) : m_fn(fn), m_module(module), m_index(index) {}

  explicit operator bool() const { return m_fn != nullptr; }
  tlm::tlm_sync_enum operator()(tlm::tlm_generic_payload& p, tlm::tlm_phase& phase,
                                sc_core::sc_time& delay) const {
    return m_fn(m_module, m_index, p, phase, delay);
  }

  // The DirectCall to `Method` of `module` (a member with the multi-socket callback's signature).
  template <typename M, tlm::tlm_sync_enum (M::*Method)(int, tlm::tlm_generic_payload&, tlm::tlm_phase&,
                                                        sc_core::sc_time&)>
  static DirectCall to(M* module, int index) {
    return DirectCall(
        [](void* m, int i, tlm::tlm_generic_payload& p, tlm::tlm_phase& phase, sc_core::sc_time& delay) {
          return (static_cast<M*>(m)->*Method)(i, p, phase, delay);
        },
        module, index);
  }

 private:
  Fn m_fn = nullptr;
  void* m_module = nullptr;
  int m_index = 0;
};

// The direct calls that stand for a multi-socket's bindings, by binding index, where the builder set one.
class DirectCalls {
 public:
  void set(int index, DirectCall call) {
    if (m_calls.size() <= static_cast<std::size_t>(index))
      m_calls.resize(static_cast<std::size_t>(index) + 1);
    m_calls[static_cast<std::size_t>(index)] = call;
  }
  // socket[index]->nb_transport_fw(...), directly when a call is set (an initiator multi-socket).
  template <typename Socket>
  tlm::tlm_sync_enum forward(Socket& socket, int index, tlm::tlm_generic_payload& p, tlm::tlm_phase& phase,
                             sc_core::sc_time& delay) const {
    if (const DirectCall* call = find(index)) return (*call)(p, phase, delay);
    return socket[index]->nb_transport_fw(p, phase, delay);
  }
  // socket[index]->nb_transport_bw(...), directly when a call is set (a target multi-socket).
  template <typename Socket>
  tlm::tlm_sync_enum backward(Socket& socket, int index, tlm::tlm_generic_payload& p, tlm::tlm_phase& phase,
                              sc_core::sc_time& delay) const {
    if (const DirectCall* call = find(index)) return (*call)(p, phase, delay);
    return socket[index]->nb_transport_bw(p, phase, delay);
  }

 private:
  const DirectCall* find(int index) const {
    const auto i = static_cast<std::size_t>(index);
    return i < m_calls.size() && m_calls[i] ? &m_calls[i] : nullptr;
  }
  std::vector<DirectCall> m_calls;
};

}  // namespace pjbit::core
