# SPDX-License-Identifier: GPL-2.0-only
# make install: the CLI, one static library per layer, the public headers,
# tdpmmu.pc and the man page tdpmmu(1), under CMAKE_INSTALL_PREFIX (and
# DESTDIR).  A program links with `pkg-config --cflags --libs tdpmmu`.
include(GNUInstallDirs)

install(TARGETS ${LAYER_LIBS} ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/include/tdpmmu DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h")

# -l flags top layer first, so a static link resolves each layer's calls
# into the layers below it.
set(PC_LIBS "")
list(REVERSE LAYER_LIBS)
foreach(lib ${LAYER_LIBS})
  string(REPLACE "tdpmmu_" "-ltdpmmu_" flag ${lib})
  string(APPEND PC_LIBS " ${flag}")
endforeach()
list(REVERSE LAYER_LIBS)
set(PC_REQUIRES "liburcu")

if(WITH_TOOLS)
  install(TARGETS tdpmmu RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  # The invariant checker is the tools' public entry point for programs.
  install(FILES ${CMAKE_SOURCE_DIR}/tools/checker.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/tdpmmu)
  string(APPEND PC_REQUIRES " jansson cairo")

  # tdpmmu(1), generated from the CLI's own help texts (cmake/man.cmake).
  add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/tdpmmu.1
    COMMAND ${CMAKE_COMMAND} -DTDPMMU=$<TARGET_FILE:tdpmmu> -DOUT=${CMAKE_BINARY_DIR}/tdpmmu.1
            -DVERSION=${PROJECT_VERSION} -P ${CMAKE_SOURCE_DIR}/cmake/man.cmake
    DEPENDS tdpmmu ${CMAKE_SOURCE_DIR}/cmake/man.cmake)
  add_custom_target(man ALL DEPENDS ${CMAKE_BINARY_DIR}/tdpmmu.1)
  install(FILES ${CMAKE_BINARY_DIR}/tdpmmu.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()

configure_file(${CMAKE_SOURCE_DIR}/cmake/tdpmmu.pc.in ${CMAKE_BINARY_DIR}/tdpmmu.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/tdpmmu.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
