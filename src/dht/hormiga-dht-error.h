/* hormiga-dht-error.h — errors of the DHT layer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Codes travel in DHT `error` messages too (docs/PROTOCOL.md, "DHT").
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HORMIGA_DHT_ERROR (hormiga_dht_error_quark ())

typedef enum {
  HORMIGA_DHT_ERROR_MALFORMED = 1,     /* a message or record does not decode */
  HORMIGA_DHT_ERROR_UNKNOWN_TYPE,      /* a message or record type we do not know */
  HORMIGA_DHT_ERROR_TOO_LARGE,         /* above a size or count limit */
  HORMIGA_DHT_ERROR_BAD_SIGNATURE,     /* a record's signature does not verify */
  HORMIGA_DHT_ERROR_WRONG_KEY,         /* a record is not stored under the key it claims */
  HORMIGA_DHT_ERROR_STALE,             /* a record older than (or as old as) the one held */
  HORMIGA_DHT_ERROR_EXPIRED,           /* a record past its expiry, or too far in the future */
  HORMIGA_DHT_ERROR_STORAGE_FULL,      /* the store, or this peer's share of it, is full */
  HORMIGA_DHT_ERROR_TIMEOUT,           /* a request had no answer in time */
  HORMIGA_DHT_ERROR_NOT_FOUND,         /* a lookup ended without the value */
  HORMIGA_DHT_ERROR_UNAVAILABLE,       /* no peer to ask (empty routing table) */
  HORMIGA_DHT_ERROR_BUSY,              /* a lookup proxy's limits for this peer are reached */
} HormigaDhtError;

GQuark hormiga_dht_error_quark (void);

G_END_DECLS
