# Writes a report page with the built program and checks it in headless Chromium (scripts/check-html.sh):
# rendered, charts in the DOM, nothing asked from the network. With -DINJECT=ON the page first gets an image
# from the network, which the check must catch (the test matches its output).
#   cmake -DPROGRAM=... -DSOURCE_DIR=... -DWORK_DIR=... -DCHROMIUM=... [-DINJECT=ON] -P check_html.cmake
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
set(page ${WORK_DIR}/report.html)
execute_process(COMMAND ${PROGRAM} run ${SOURCE_DIR}/platforms/pod8-nvswitch.yaml
                        ${SOURCE_DIR}/workloads/train_step.yaml --quiet --html ${page}
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(rc)
  message(FATAL_ERROR "pjbit run failed (${rc}): ${err}")
endif()
if(INJECT)
  file(READ ${page} text)
  string(REPLACE "</main>" "<img src=\"http://example.invalid/pixel.png\" alt=\"\"></main>" text "${text}")
  file(WRITE ${page} "${text}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E env CHROMIUM=${CHROMIUM} ${SOURCE_DIR}/scripts/check-html.sh ${page}
                        ${WORK_DIR}/report.png
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(rc)
  message(FATAL_ERROR "the page check failed (${rc})")
endif()
