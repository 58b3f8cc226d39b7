/* hormiga-share-name.h — making names peers send safe to write
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every name and path from a manifest or an offer goes through these before
 * it is joined to a download folder: the results never leave it.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HORMIGA_SHARE_NAME_MAX       255  /* bytes of one component */
#define HORMIGA_SHARE_PATH_MAX_DEPTH 32   /* components of a path */
#define HORMIGA_SHARE_FALLBACK_NAME  "download"

/**
 * hormiga_share_sanitize_name:
 * @name: (nullable): a name from a peer, any bytes up to a NUL
 *
 * One safe path component: invalid UTF-8 replaced (U+FFFD), control
 * characters (U+0000–U+001F, U+007F–U+009F) removed, '/' and '\\' replaced
 * by '_', leading and trailing spaces and trailing dots trimmed; "", "." and
 * ".." (and %NULL) become "download". At most 255 bytes, cut on a character
 * boundary, keeping an extension of up to 32 bytes when there is one.
 *
 * Returns: (transfer full): the name, never empty; free with g_free()
 */
char *hormiga_share_sanitize_name (const char *name);

/**
 * hormiga_share_sanitize_path:
 * @relative: (nullable): a '/'-separated path from a peer
 *
 * A safe relative path: each component through
 * hormiga_share_sanitize_name(), except that empty, "." and ".." components
 * are dropped (so is a leading '/': never absolute, never upwards); joined
 * with G_DIR_SEPARATOR. Only the last 32 components are kept (the file's
 * name and its 31 nearest folders). A path with no component left becomes
 * "download".
 *
 * Returns: (transfer full): the path, never empty; free with g_free()
 */
char *hormiga_share_sanitize_path (const char *relative);

/**
 * hormiga_share_free_name:
 * @dir: an existing folder
 * @name: a sanitized name (hormiga_share_sanitize_name())
 *
 * The first of "name.ext", "name (1).ext", "name (2).ext", … that does not
 * exist in @dir (g_file_test() only: whoever creates it must still create
 * it exclusively, since another may take it first). The extension is what
 * follows the last '.' unless the name starts with it; "archive.tar.gz"
 * becomes "archive.tar (1).gz". Results stay within 255 bytes.
 *
 * Returns: (transfer full): the name alone (not joined to @dir); free with
 *   g_free()
 */
char *hormiga_share_free_name     (const char *dir,
                                   const char *name);

G_END_DECLS
