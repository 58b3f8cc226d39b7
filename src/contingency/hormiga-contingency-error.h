/* hormiga-contingency-error.h — errors of the contingency layer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Codes travel in `refused` messages too (docs/PROTOCOL.md, "Contingency").
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HORMIGA_CONTINGENCY_ERROR (hormiga_contingency_error_quark ())

typedef enum {
  HORMIGA_CONTINGENCY_ERROR_MALFORMED = 1,   /* a message, record or blob does not decode */
  HORMIGA_CONTINGENCY_ERROR_UNKNOWN_TYPE,    /* a message type we do not know */
  HORMIGA_CONTINGENCY_ERROR_TOO_LARGE,       /* above a size or count limit of the message */
  HORMIGA_CONTINGENCY_ERROR_QUOTA,           /* a backup above the quota per protected node */
  HORMIGA_CONTINGENCY_ERROR_FULL,            /* the contingent protects as many nodes as it may */
  HORMIGA_CONTINGENCY_ERROR_NOT_ASSIGNED,    /* a backup or heartbeat from a node we do not protect */
  HORMIGA_CONTINGENCY_ERROR_BAD_RECORD,      /* a record not signed by the protected node, or expired */
  HORMIGA_CONTINGENCY_ERROR_NO_CANDIDATES,   /* no live server-mode node to ask */
  HORMIGA_CONTINGENCY_ERROR_DECRYPT,         /* the private blob does not open with our key */
} HormigaContingencyError;

GQuark hormiga_contingency_error_quark (void);

G_END_DECLS
