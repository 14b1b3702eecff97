# PDF through poppler-cpp; pages without a text layer through Tesseract OCR.
target_sources(deskside_ingest PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/pdf_extractor.cpp
  ${CMAKE_CURRENT_LIST_DIR}/page_layout.cpp
  ${CMAKE_CURRENT_LIST_DIR}/bidi.cpp
  ${CMAKE_CURRENT_LIST_DIR}/text_cleanup.cpp
  ${CMAKE_CURRENT_LIST_DIR}/raw_bytes.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ocr.cpp)
target_link_libraries(deskside_ingest PRIVATE PkgConfig::POPPLER_CPP PkgConfig::TESSERACT)
