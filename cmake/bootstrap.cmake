# Finds Zeek's CMake modules through zeek-config, as Zeek's package template
# does, when the plugin is built on its own (not inside a Zeek source tree).
execute_process(
  COMMAND zeek-config --cmake_dir
  OUTPUT_STRIP_TRAILING_WHITESPACE
  RESULT_VARIABLE zeek_config_result
  ERROR_VARIABLE zeek_config_error
  OUTPUT_VARIABLE zeek_cmake_dir)

if(NOT zeek_config_result EQUAL 0)
  message(FATAL_ERROR "zeek-config failed (is Zeek installed and zeek-config on PATH?): ${zeek_config_error}")
endif()

list(PREPEND CMAKE_MODULE_PATH "${zeek_cmake_dir}")
