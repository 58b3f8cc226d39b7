/* hormiga-json.h — JSON text for the CLI's --json output
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Writing only (the project reads no JSON). MessagePack objects map to
 * JSON one to one: nil → null, booleans, integers, floats (non-finite ones
 * → null), str → string, bin → string of its base64, arrays, maps (keys
 * that are not str are written as strings of their description).
 */
#pragma once

#include <glib.h>
#include <msgpack.h>

G_BEGIN_DECLS

/* A JSON string of @length bytes of @text (-1: NUL-terminated): quotes,
 * backslashes and control characters escaped, invalid UTF-8 replaced by
 * U+FFFD. */
void hormiga_json_append_string  (GString              *out,
                                  const char           *text,
                                  gssize                length);
void hormiga_json_append_msgpack (GString              *out,
                                  const msgpack_object *object);

G_END_DECLS
