# Archives (ZIP) as containers of documents, through the office package reader (libzip).
target_sources(deskside_ingest PRIVATE ${CMAKE_CURRENT_LIST_DIR}/zip_extractor.cpp)
