/* hormiga-link.h — the hormiga: link a person pastes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   hormiga:<64 hex digits>?dn=<percent-encoded name>&xl=<size>&kind=file|folder
 *
 * The content ID is all a download needs; dn, xl and kind are for display
 * before the manifest arrives (and are not trusted: the manifest is). Each
 * is optional; parameters this version does not know are ignored. A link
 * is at most HORMIGA_LINK_MAX_LENGTH bytes.
 */
#pragma once

#include <glib.h>

#include "hormiga-content.h"
#include "hormiga-manifest.h"

G_BEGIN_DECLS

#define HORMIGA_LINK_SCHEME      "hormiga"
#define HORMIGA_LINK_MAX_LENGTH  4096

/**
 * HormigaLink:
 * @cid: the content ID
 * @name: (nullable): dn: the name to show, valid UTF-8 without control
 *   characters; not safe as a file name (hormiga-share-name.h)
 * @has_size: whether xl was given
 * @size: xl: the size in bytes (a folder's: the sum of its files')
 * @has_kind: whether kind was given
 * @kind: kind: file or folder
 *
 * Plain data, owned by whoever holds it; free with hormiga_link_free().
 */
typedef struct
{
  HormigaContentId     cid;
  char                *name;
  gboolean             has_size;
  guint64              size;
  gboolean             has_kind;
  HormigaManifestKind  kind;
} HormigaLink;

/* A link with only @cid. */
HormigaLink *hormiga_link_new               (const HormigaContentId  *cid);
/* The link to @manifest: its ID, name, total size and kind. NULL (with a
 * critical warning) if the manifest cannot be encoded. */
HormigaLink *hormiga_link_new_for_manifest  (const HormigaManifest   *manifest);
void         hormiga_link_free              (HormigaLink             *link);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HormigaLink, hormiga_link_free)

/* Parses what a person pasted (leading and trailing white space ignored).
 * NULL and HORMIGA_SHARE_ERROR_BAD_LINK with a message saying what is wrong
 * ("not a hormiga: link", "the content ID must be 64 hexadecimal
 * digits", …). */
HormigaLink *hormiga_link_parse             (const char              *text,
                                             GError                 **error);
/* hormiga:<lowercase hex>, then dn, xl and kind when set, in that order.
 * Free with g_free(). NULL (with a critical warning) when the result would
 * be above HORMIGA_LINK_MAX_LENGTH (a name of more than about 1,300 bytes of
 * non-ASCII text: shorten it). */
char        *hormiga_link_to_string         (const HormigaLink       *link);

G_END_DECLS
