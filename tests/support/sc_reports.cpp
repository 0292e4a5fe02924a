#include "support/sc_reports.h"

#include <algorithm>
#include <utility>

namespace pjbit::testing {

namespace {

// The expectations in scope, innermost last.
std::vector<ExpectScReport*>& expectations() {
  static std::vector<ExpectScReport*> in_scope;
  return in_scope;
}

const char* severity_name(sc_core::sc_severity s) {
  switch (s) {
    case sc_core::SC_INFO:
      return "info";
    case sc_core::SC_WARNING:
      return "warning";
    case sc_core::SC_ERROR:
      return "error";
    case sc_core::SC_FATAL:
      return "fatal";
    default:
      return "report";
  }
}

void check_report(const sc_core::sc_report& rep, const sc_core::sc_actions& actions) {
  const sc_core::sc_severity severity = rep.get_severity();
  const std::string text = std::string(rep.get_msg_type()) + ": " + rep.get_msg();
  auto& in_scope = expectations();
  for (auto it = in_scope.rbegin(); it != in_scope.rend(); ++it)
    if ((*it)->take(severity, text)) return;
  if (severity != sc_core::SC_INFO)
    ADD_FAILURE() << "unexpected SystemC " << severity_name(severity) << ": " << text << " ("
                  << rep.get_file_name() << ":" << rep.get_line_number() << ")";
  sc_core::sc_report_handler::default_handler(rep, actions);
}

}  // namespace

ExpectScReport::ExpectScReport(sc_core::sc_severity severity, std::string substring)
    : m_severity(severity), m_substring(std::move(substring)) {
  expectations().push_back(this);
}

ExpectScReport::~ExpectScReport() {
  auto& in_scope = expectations();
  in_scope.erase(std::remove(in_scope.begin(), in_scope.end(), this), in_scope.end());
  if (m_reports.empty())
    ADD_FAILURE() << "expected a SystemC " << severity_name(m_severity) << " containing \"" << m_substring
                  << "\", and none came";
}

bool ExpectScReport::take(sc_core::sc_severity severity, const std::string& text) {
  if (severity != m_severity || text.find(m_substring) == std::string::npos) return false;
  m_reports.push_back(text);
  return true;
}

void ScReportCheck::OnTestStart(const ::testing::TestInfo&) {
  sc_core::sc_report_handler::set_handler(check_report);
}

void ScReportCheck::OnTestEnd(const ::testing::TestInfo&) {
  sc_core::sc_report_handler::set_handler(sc_core::sc_report_handler::default_handler);
}

}  // namespace pjbit::testing
