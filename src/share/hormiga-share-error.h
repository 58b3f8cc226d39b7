/* hormiga-share-error.h — errors of the file sharing layer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HORMIGA_SHARE_ERROR (hormiga_share_error_quark ())

/**
 * HormigaShareError:
 * @HORMIGA_SHARE_ERROR_MALFORMED: a manifest, message or content ID does
 *   not decode (wrong type, missing or unknown field, not canonical, …)
 * @HORMIGA_SHARE_ERROR_TOO_LARGE: above a size or count limit
 * @HORMIGA_SHARE_ERROR_UNKNOWN_TYPE: a version, manifest kind or message
 *   type this node does not know
 * @HORMIGA_SHARE_ERROR_MISMATCH: content that does not hash to the ID it
 *   was fetched for (a manifest, a chunk)
 * @HORMIGA_SHARE_ERROR_BAD_LINK: a `hormiga:` link that does not parse
 *
 * The error domain of src/share/. Messages say which field is wrong.
 */
typedef enum {
  HORMIGA_SHARE_ERROR_MALFORMED = 1,
  HORMIGA_SHARE_ERROR_TOO_LARGE,
  HORMIGA_SHARE_ERROR_UNKNOWN_TYPE,
  HORMIGA_SHARE_ERROR_MISMATCH,
  HORMIGA_SHARE_ERROR_BAD_LINK,
} HormigaShareError;

GQuark hormiga_share_error_quark (void);

G_END_DECLS
