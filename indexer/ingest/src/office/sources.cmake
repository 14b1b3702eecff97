# Office Open XML (docx, xlsx, pptx) and OpenDocument (odt, ods, odp, flat XML): ZIP packages
# read with libzip, XML parts with libxml2's streaming reader.
target_sources(deskside_ingest PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/zip_archive.cpp
  ${CMAKE_CURRENT_LIST_DIR}/xml_reader.cpp
  ${CMAKE_CURRENT_LIST_DIR}/docx_extractor.cpp
  ${CMAKE_CURRENT_LIST_DIR}/xlsx_extractor.cpp
  ${CMAKE_CURRENT_LIST_DIR}/pptx_extractor.cpp
  ${CMAKE_CURRENT_LIST_DIR}/opendocument_extractor.cpp)
target_link_libraries(deskside_ingest PRIVATE PkgConfig::LIBZIP LibXml2::LibXml2)
