/* hormiga-wire-limits.h — bounds every decoder of network input enforces
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hormiga-types.h"

G_BEGIN_DECLS

/**
 * HormigaWireLimits:
 * @max_frame_size: largest encoded frame, in bytes
 * @max_depth: deepest nesting of arrays/maps (the top-level map is depth 1)
 * @max_string_length: longest str, in bytes
 * @max_binary_length: longest bin, in bytes
 * @max_array_length: most elements in one array
 * @max_map_length: most key/value pairs in one map
 * @max_total_items: most objects in the whole frame (all nesting levels)
 *
 * The defaults (hormiga_wire_limits_default()) are in docs/PROTOCOL.md.
 */
struct _HormigaWireLimits
{
  gsize max_frame_size;
  guint max_depth;
  gsize max_string_length;
  gsize max_binary_length;
  guint max_array_length;
  guint max_map_length;
  guint max_total_items;
};

#define HORMIGA_WIRE_DEFAULT_MAX_FRAME_SIZE   (64 * 1024)
#define HORMIGA_WIRE_DEFAULT_MAX_DEPTH        8
#define HORMIGA_WIRE_DEFAULT_MAX_STRING       4096
#define HORMIGA_WIRE_DEFAULT_MAX_BINARY       (64 * 1024)
#define HORMIGA_WIRE_DEFAULT_MAX_ARRAY        1024
#define HORMIGA_WIRE_DEFAULT_MAX_MAP          64
#define HORMIGA_WIRE_DEFAULT_MAX_TOTAL_ITEMS  8192

const HormigaWireLimits *hormiga_wire_limits_default (void);

/* Walks @data without allocating and checks it holds exactly one MessagePack
 * object within @limits. This runs before msgpack-c sees the bytes, so a
 * header that announces 2^32 elements costs nothing. */
gboolean hormiga_wire_check (const guint8             *data,
                             gsize                     length,
                             const HormigaWireLimits  *limits,
                             GError                  **error);

G_END_DECLS
