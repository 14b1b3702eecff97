# Legacy Office (.doc, .xls, .ppt): converters found at run time (antiword, catdoc, xls2csv,
# catppt) run as child processes; libgsf reads the OLE2 container (encryption, metadata, sheet
# names, PowerPoint records). codepage/ole_file/block_writer are shared with src/rtf/.
target_sources(deskside_ingest PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/block_writer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/codepage.cpp
  ${CMAKE_CURRENT_LIST_DIR}/converter_output.cpp
  ${CMAKE_CURRENT_LIST_DIR}/converter_process.cpp
  ${CMAKE_CURRENT_LIST_DIR}/legacy_office_extractor.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ole_object_extractor.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ole_file.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ppt_text.cpp
  ${CMAKE_CURRENT_LIST_DIR}/xls_records.cpp)
target_link_libraries(deskside_ingest PRIVATE PkgConfig::GSF)
