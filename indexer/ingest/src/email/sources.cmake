# E-mail: MIME messages and mbox through GMime; Outlook .msg (OLE2) through libgsf.
target_sources(deskside_ingest PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/email_extractor.cpp
  ${CMAKE_CURRENT_LIST_DIR}/message_document.cpp
  ${CMAKE_CURRENT_LIST_DIR}/mime_message.cpp
  ${CMAKE_CURRENT_LIST_DIR}/mbox.cpp
  ${CMAKE_CURRENT_LIST_DIR}/mapi_storage.cpp
  ${CMAKE_CURRENT_LIST_DIR}/mapi_text.cpp
  ${CMAKE_CURRENT_LIST_DIR}/outlook_msg.cpp)
target_link_libraries(deskside_ingest PRIVATE PkgConfig::GMIME PkgConfig::GSF)
