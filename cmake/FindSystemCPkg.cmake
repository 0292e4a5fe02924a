# Debian's SystemC 2.3.4 ships pkg-config files but no CMake package: make SystemC::systemc from them.
if(NOT TARGET SystemC::systemc)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(PJBIT_SYSTEMC REQUIRED IMPORTED_TARGET systemc)
  add_library(SystemC::systemc INTERFACE IMPORTED)
  set_target_properties(SystemC::systemc PROPERTIES INTERFACE_LINK_LIBRARIES PkgConfig::PJBIT_SYSTEMC)
endif()
