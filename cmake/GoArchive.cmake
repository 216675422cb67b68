# Builds cloudtap's Go library (gosrc/capi) as a C archive, libcloudtap.a
# with its generated header libcloudtap.h, and exposes it as the imported
# target cloudtap::go for the plugin to link.
find_program(GO_EXECUTABLE go REQUIRED)

set(CLOUDTAP_GO_DIR "${CMAKE_CURRENT_BINARY_DIR}/go")
set(CLOUDTAP_GO_ARCHIVE "${CLOUDTAP_GO_DIR}/libcloudtap.a")
file(GLOB_RECURSE CLOUDTAP_GO_SOURCES CONFIGURE_DEPENDS
     "${PROJECT_SOURCE_DIR}/gosrc/*.go" "${PROJECT_SOURCE_DIR}/gosrc/*.h" "${PROJECT_SOURCE_DIR}/gosrc/*.lua")

add_custom_command(
  OUTPUT "${CLOUDTAP_GO_ARCHIVE}" "${CLOUDTAP_GO_DIR}/libcloudtap.h"
  COMMAND "${GO_EXECUTABLE}" build -buildmode=c-archive -trimpath -o "${CLOUDTAP_GO_ARCHIVE}" ./gosrc/capi
  WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}"
  DEPENDS ${CLOUDTAP_GO_SOURCES} "${PROJECT_SOURCE_DIR}/go.mod" "${PROJECT_SOURCE_DIR}/go.sum"
  COMMENT "Building cloudtap's Go library (libcloudtap.a)"
  VERBATIM)
add_custom_target(cloudtap_go_archive DEPENDS "${CLOUDTAP_GO_ARCHIVE}")

add_library(cloudtap::go STATIC IMPORTED GLOBAL)
set_target_properties(cloudtap::go PROPERTIES IMPORTED_LOCATION "${CLOUDTAP_GO_ARCHIVE}")
add_dependencies(cloudtap::go cloudtap_go_archive)
