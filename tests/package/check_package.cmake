# Installs the built project into a scratch prefix, then configures, builds and runs examples/custom_module
# against it with find_package(pjbit): the CMake package works for a user's own SystemC model. The installed
# program reads the technology presets installed beside it (share/pjbit/presets), not the source tree's. Then
# examples/user_modules: a user's program registers its own module kinds (a link block, a loosely-timed memory
# expander reached by b_transport) and runs a platform file that places them by name; it checks what its
# modules saw against the run's report.
set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix} RESULT_VARIABLE rc OUTPUT_QUIET)
if(rc)
  message(FATAL_ERROR "install failed: ${rc}")
endif()
file(REAL_PATH ${prefix} real_prefix)
execute_process(COMMAND ${prefix}/bin/pjbit presets --json RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc)
  message(FATAL_ERROR "the installed pjbit presets failed (${rc}):\n${err}")
endif()
set(expected "\"file\": \"${real_prefix}/share/pjbit/presets/link/07-osfp-800g-dsp.yaml\"")
string(FIND "${out}" "${expected}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "the installed pjbit did not read its installed presets: no ${expected} in\n${out}")
endif()
execute_process(COMMAND ${prefix}/bin/pjbit validate ${SOURCE_DIR}/platforms/pods-fattree-dsp.yaml
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
if(rc)
  message(FATAL_ERROR "the installed pjbit cannot validate a platform that uses presets (${rc}):\n${err}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/custom_module -B ${WORK_DIR}/example
                        -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc)
  message(FATAL_ERROR "configuring the example failed:\n${out}\n${err}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/example -j2 RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
if(rc)
  message(FATAL_ERROR "building the example failed:\n${out}\n${err}")
endif()
execute_process(COMMAND ${WORK_DIR}/example/custom_module RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message(STATUS "${out}")
if(rc)
  message(FATAL_ERROR "the example failed (${rc}):\n${out}\n${err}")
endif()

execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/user_modules -B ${WORK_DIR}/user_modules
                        -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc)
  message(FATAL_ERROR "configuring examples/user_modules failed:\n${out}\n${err}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/user_modules -j2 RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
if(rc)
  message(FATAL_ERROR "building examples/user_modules failed:\n${out}\n${err}")
endif()
execute_process(COMMAND ${WORK_DIR}/user_modules/user_modules ${SOURCE_DIR}/examples/user_modules/platform.yaml
                        ${SOURCE_DIR}/examples/user_modules/workload.yaml
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message(STATUS "${out}")
if(rc)
  message(FATAL_ERROR "examples/user_modules failed (${rc}):\n${out}\n${err}")
endif()
file(REMOVE_RECURSE ${WORK_DIR})
