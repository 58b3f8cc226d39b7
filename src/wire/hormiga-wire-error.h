/* hormiga-wire-error.h — errors of the MessagePack wire layer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HORMIGA_WIRE_ERROR (hormiga_wire_error_quark ())

/**
 * HormigaWireError:
 * Why a frame was rejected by the decoder. Every value is documented in
 * docs/PROTOCOL.md, section "Decoder limits and errors".
 */
typedef enum {
  HORMIGA_WIRE_ERROR_TOO_LARGE,          /* frame longer than max_frame_size */
  HORMIGA_WIRE_ERROR_TOO_DEEP,           /* nesting deeper than max_depth */
  HORMIGA_WIRE_ERROR_STRING_TOO_LONG,    /* str longer than max_string_length */
  HORMIGA_WIRE_ERROR_BINARY_TOO_LONG,    /* bin longer than max_binary_length */
  HORMIGA_WIRE_ERROR_TOO_MANY_ITEMS,     /* array/map count above the limits */
  HORMIGA_WIRE_ERROR_MALFORMED,          /* not valid MessagePack, or truncated */
  HORMIGA_WIRE_ERROR_TRAILING_DATA,      /* bytes after the first object */
  HORMIGA_WIRE_ERROR_NOT_AN_ENVELOPE,    /* top level is not a map with v and t */
  HORMIGA_WIRE_ERROR_UNSUPPORTED_VERSION,/* v is not a version we speak */
  HORMIGA_WIRE_ERROR_UNKNOWN_TYPE,       /* t names no message type we know */
  HORMIGA_WIRE_ERROR_MISSING_FIELD,      /* a required field is absent */
  HORMIGA_WIRE_ERROR_INVALID_FIELD,      /* a field has the wrong type or value */
} HormigaWireError;

GQuark   hormiga_wire_error_quark         (void);

/* TRUE if @error is a HORMIGA_WIRE_ERROR for something above a size or
 * count limit (frame, str, bin, items): the codecs built on the wire check
 * report those as "too large", the rest as malformed. */
gboolean hormiga_wire_error_is_over_limit (const GError *error);

G_END_DECLS
