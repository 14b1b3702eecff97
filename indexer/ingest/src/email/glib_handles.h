// RAII owners for the GLib-based handles of the e-mail readers: GObjects (GMime streams,
// parsers, messages and parts; libgsf inputs and infiles), GError and g_malloc'd strings.
// Each owner holds one reference and drops it once; no thread affinity beyond the object's own.
#pragma once

#include <glib-object.h>
#include <glib.h>

#include <memory>
#include <string>

namespace deskside::ingest::email {

struct GObjectUnref {
    void operator()(gpointer object) const {
        if (object) g_object_unref(object);
    }
};
// Owns one reference to a GObject of type T (GMimeMessage, GsfInfile...).
template <typename T>
using GObjectPtr = std::unique_ptr<T, GObjectUnref>;

struct GErrorFree {
    void operator()(GError* error) const { g_error_free(error); }
};
using GErrorPtr = std::unique_ptr<GError, GErrorFree>;

struct GFree {
    void operator()(gpointer memory) const { g_free(memory); }
};
using GCharPtr = std::unique_ptr<char, GFree>;

// The string a GLib call handed over (may be null), freed here.
inline std::string take_gchar(char* owned) {
    GCharPtr holder(owned);
    return owned ? std::string(owned) : std::string();
}

}  // namespace deskside::ingest::email
