/* hormiga-dht-message.h — the DHT RPCs on the wire
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One MessagePack map per DataChannel message, checked with explicit limits
 * before it is read (docs/PROTOCOL.md, "DHT"):
 *   {"v": 1, "t": TYPE, "id": uint32, …}
 * Requests: ping, find-node {key}, get-value {key}, put-value {record},
 * add-provider {record}, get-providers {key}. Responses echo the request's
 * id: pong, nodes {nodes}, value {record?, nodes}, stored, providers
 * {records, nodes}, error {code, text}. One more type is neither: relay
 * {to, from, hops, sid, payload} carries a signalling payload towards a
 * node through nodes already connected (signalling through the overlay;
 * no response; id 0). Another is neither too: hello {name?} tells the
 * peer this node's display name (or that it has none), when the channel
 * opens and when the name changes (no response; id 0). A seventh request,
 * lookup {kind, key}, asks the receiver to run a whole lookup for the
 * sender (a lookup proxy, for a node that has few connections yet): kind
 * names find-node, get-value or get-providers, and the answer is that
 * request's own response (nodes, value, providers) with the lookup's
 * result, or an error (busy: over the proxy's limits). A request may
 * carry "client": true
 * (the sender is in client mode and must not enter routing tables).
 * The sender is never named in the message: the connection it came on
 * says who it is (identity binding).
 */
#pragma once

#include <glib.h>

#include "hormiga-dht-key.h"
#include "hormiga-peer-id.h"

G_BEGIN_DECLS

#define HORMIGA_DHT_MESSAGE_MAX_SIZE   (64 * 1024)
#define HORMIGA_DHT_MESSAGE_MAX_NODES  20   /* contacts in one response */
#define HORMIGA_DHT_MESSAGE_MAX_RECORDS 20  /* provider records in one response */
#define HORMIGA_DHT_MESSAGE_MAX_RECORD (HORMIGA_DHT_RECORD_MAX_SIZE)
#define HORMIGA_DHT_MESSAGE_MAX_TEXT   256  /* error text */
#define HORMIGA_DHT_RELAY_MAX_HOPS     8    /* relay: hops left, 1–8 */
#define HORMIGA_DHT_RELAY_MAX_SID      64   /* relay: session id, 1–64 bytes */
#define HORMIGA_DHT_RELAY_MAX_PAYLOAD  (60 * 1024)  /* relay: as a hormiguero signal's */
#define HORMIGA_DHT_HELLO_MAX_NAME     64   /* hello: display name, 1–64 bytes */
#define HORMIGA_DHT_LOOKUP_MAX_KIND    16   /* lookup: the kind's name, at most this long */

/* An encoded record (hormiga-dht-record.h) is at most this long. */
#define HORMIGA_DHT_RECORD_MAX_SIZE    (20 * 1024)

typedef enum {
  HORMIGA_DHT_MESSAGE_PING,
  HORMIGA_DHT_MESSAGE_PONG,
  HORMIGA_DHT_MESSAGE_FIND_NODE,
  HORMIGA_DHT_MESSAGE_NODES,
  HORMIGA_DHT_MESSAGE_GET_VALUE,
  HORMIGA_DHT_MESSAGE_VALUE,
  HORMIGA_DHT_MESSAGE_PUT_VALUE,
  HORMIGA_DHT_MESSAGE_ADD_PROVIDER,
  HORMIGA_DHT_MESSAGE_STORED,
  HORMIGA_DHT_MESSAGE_GET_PROVIDERS,
  HORMIGA_DHT_MESSAGE_PROVIDERS,
  HORMIGA_DHT_MESSAGE_ERROR,
  HORMIGA_DHT_MESSAGE_RELAY,
  HORMIGA_DHT_MESSAGE_HELLO,
  HORMIGA_DHT_MESSAGE_LOOKUP,
} HormigaDhtMessageType;

/**
 * HormigaDhtMessage:
 * @type: what it is
 * @id: the request's id; a response carries the id of its request
 * @client: on requests, the sender is a client-mode node
 * @key: find-node's target; get-value's and get-providers' key
 * @nodes: (element-type HormigaPeerId): nodes, value, providers: closer
 *   nodes, at most HORMIGA_DHT_MESSAGE_MAX_NODES; never NULL (may be empty)
 * @record: put-value, add-provider: the encoded record; value: the record
 *   found, or NULL
 * @records: (element-type GBytes): providers: encoded provider records, at
 *   most HORMIGA_DHT_MESSAGE_MAX_RECORDS; never NULL
 * @code: error: a HormigaDhtError code
 * @text: error: what went wrong, for people (≤ 256 bytes); NULL otherwise
 * @to: relay: the node the payload is for
 * @from: relay: the node that sent it first (claimed: the connection the
 *   payload leads to proves identities, the relay does not)
 * @hops: relay: how many more nodes may pass it on, 1–8
 * @sid: relay: the signalling session, as in a hormiguero `signal`
 * @payload: relay: the signalling payload, 1 byte to 60 KiB
 * @name: hello: the sender's display name (see
 *   hormiga_dht_message_check_name()), or NULL for none
 * @kind: lookup: the lookup to run, HORMIGA_DHT_MESSAGE_FIND_NODE,
 *   HORMIGA_DHT_MESSAGE_GET_VALUE or HORMIGA_DHT_MESSAGE_GET_PROVIDERS (on
 *   the wire, that request's name); @key is its target
 *
 * Plain data, owned by whoever holds it; free with hormiga_dht_message_free().
 * Records are carried as bytes here: hormiga-dht-record.h decodes and
 * verifies them.
 */
typedef struct
{
  HormigaDhtMessageType type;
  guint32               id;
  gboolean              client;
  HormigaDhtKey         key;
  GPtrArray            *nodes;
  GBytes               *record;
  GPtrArray            *records;
  guint                 code;
  char                 *text;
  HormigaPeerId        *to;
  HormigaPeerId        *from;
  guint                 hops;
  char                 *sid;
  GBytes               *payload;
  char                 *name;
  HormigaDhtMessageType kind;
} HormigaDhtMessage;

/* An empty message of @type (nodes and records empty arrays). */
HormigaDhtMessage *hormiga_dht_message_new    (HormigaDhtMessageType     type,
                                               guint32                   id);
void               hormiga_dht_message_free   (HormigaDhtMessage        *message);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HormigaDhtMessage, hormiga_dht_message_free)

/* TRUE for the seven request types. */
gboolean           hormiga_dht_message_is_request (HormigaDhtMessageType type);
const char        *hormiga_dht_message_type_to_string (HormigaDhtMessageType type);

/* A display name a hello may carry: 1 to HORMIGA_DHT_HELLO_MAX_NAME bytes
 * of UTF-8, no control characters (Unicode Cc, line and paragraph
 * separators, bidirectional controls). FALSE with HORMIGA_DHT_ERROR_TOO_LARGE or _MALFORMED and a
 * message saying what is wrong. @length: -1 for NUL-terminated. */
gboolean           hormiga_dht_message_check_name (const char               *name,
                                                   gssize                    length,
                                                   GError                  **error);

/* Fields beyond the limits are a programmer error. */
GBytes            *hormiga_dht_message_encode (const HormigaDhtMessage  *message);
/* NULL and HORMIGA_DHT_ERROR (MALFORMED, UNKNOWN_TYPE, TOO_LARGE) with a
 * message that says which field is wrong. */
HormigaDhtMessage *hormiga_dht_message_decode (GBytes                   *bytes,
                                               GError                  **error);

G_END_DECLS
