# RTF: a hand-written tokenizer and reader (no maintained RTF library in Debian; rtf_extractor.cpp
# says why); code pages through iconv (legacy/codepage.h), embedded OLE objects through libgsf
# (legacy/ole_file.h, linked in legacy/sources.cmake).
target_sources(deskside_ingest PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/rtf_destinations.cpp
  ${CMAKE_CURRENT_LIST_DIR}/rtf_extractor.cpp
  ${CMAKE_CURRENT_LIST_DIR}/rtf_objects.cpp
  ${CMAKE_CURRENT_LIST_DIR}/rtf_output.cpp
  ${CMAKE_CURRENT_LIST_DIR}/rtf_reader.cpp
  ${CMAKE_CURRENT_LIST_DIR}/rtf_tokenizer.cpp)
