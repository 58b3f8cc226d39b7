/* hormiga-contingency-message.h — the contingency protocol on the wire
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One MessagePack map per data channel message, checked with explicit
 * limits before it is read (docs/PROTOCOL.md, "Contingency"):
 *   {"v": 1, "t": TYPE, …fields of the type}
 * An owner asks a node to be its contingent (assign → assigned or
 * refused), pushes its backup to it (backup → backup-ack with a digest of
 * what the contingent holds) and both heartbeat each other. A contingent
 * that goes away says so (leave, naming its successor) and hands what it
 * held to that successor (handoff → handoff-ack); an owner drops a
 * contingent with release; a returning owner asks for its copy back
 * (restore-request → restore). Records travel as opaque encoded bytes: the
 * record codec (hormiga-dht-record.h) decodes and verifies them. The
 * private blob is ciphertext the contingent cannot read.
 * No message names its sender: the connection it came on says who it is.
 */
#pragma once

#include <glib.h>

#include "hormiga-dht-key.h"
#include "hormiga-dht-record.h"
#include "hormiga-peer-id.h"

G_BEGIN_DECLS

#define HORMIGA_CONTINGENCY_MESSAGE_MAX_SIZE    (64 * 1024)
#define HORMIGA_CONTINGENCY_MESSAGE_MAX_RECORDS 64     /* records in one message */
#define HORMIGA_CONTINGENCY_MESSAGE_MAX_RECORD  (20 * 1024) /* HORMIGA_DHT_RECORD_MAX_SIZE */
#define HORMIGA_CONTINGENCY_MESSAGE_MAX_REMOVED 256    /* removed slots in one backup */
#define HORMIGA_CONTINGENCY_MESSAGE_MAX_PEERS   8      /* an owner's contingents; also the largest r */
#define HORMIGA_CONTINGENCY_MESSAGE_MAX_TEXT    256    /* refused: text */
#define HORMIGA_CONTINGENCY_MAX_BLOB            (1024 * 1024)  /* the private blob, whole */
#define HORMIGA_CONTINGENCY_MAX_BLOB_CHUNK      (32 * 1024)    /* the part of it one message carries */
#define HORMIGA_CONTINGENCY_DIGEST_SIZE         32

/* Where a record sits in a backup: its kind (HormigaDhtRecordKind, one
 * byte) then its 32-byte key. A provider record and an immutable value can
 * share a key, so the key alone is not enough. */
#define HORMIGA_CONTINGENCY_SLOT_SIZE 33

typedef struct
{
  guint8 bytes[HORMIGA_CONTINGENCY_SLOT_SIZE];
} HormigaContingencySlot;

void hormiga_contingency_slot_of_record (HormigaContingencySlot *slot,
                                         const HormigaDhtRecord *record);

typedef enum {
  HORMIGA_CONTINGENCY_MESSAGE_ASSIGN,
  HORMIGA_CONTINGENCY_MESSAGE_ASSIGNED,
  HORMIGA_CONTINGENCY_MESSAGE_REFUSED,
  HORMIGA_CONTINGENCY_MESSAGE_BACKUP,
  HORMIGA_CONTINGENCY_MESSAGE_BACKUP_ACK,
  HORMIGA_CONTINGENCY_MESSAGE_HEARTBEAT,
  HORMIGA_CONTINGENCY_MESSAGE_LEAVE,
  HORMIGA_CONTINGENCY_MESSAGE_HANDOFF,
  HORMIGA_CONTINGENCY_MESSAGE_HANDOFF_ACK,
  HORMIGA_CONTINGENCY_MESSAGE_RELEASE,
  HORMIGA_CONTINGENCY_MESSAGE_RESTORE_REQUEST,
  HORMIGA_CONTINGENCY_MESSAGE_RESTORE,
} HormigaContingencyMessageType;

/**
 * HormigaContingencyMessage:
 * @type: what it is
 * @owner: handoff, handoff-ack: the node whose backup it is; refused: set
 *   when what is refused is a handoff of that node's backup
 * @rank: assign: the contingent's place in the owner's list, 0 first
 * @peers: (element-type HormigaPeerId): assign: the owner's contingents in
 *   rank order, 1 to 8; never NULL
 * @next: leave: the node the leaving contingent hands the owner's backup
 *   to (its own successor), or NULL
 * @seq: assign: the owner's backup sequence number; assigned, backup-ack,
 *   handoff-ack: the one held; backup, handoff, restore: the one the
 *   backup has once this message (and those of the same @seq before it)
 *   are applied
 * @reset: backup, handoff, restore: drop what is held first
 * @more: backup, handoff, restore: more messages of the same @seq follow;
 *   the last one is acknowledged
 * @records: (element-type GBytes): encoded records, changed or added;
 *   never NULL
 * @removed: (element-type HormigaContingencySlot): backup: slots whose
 *   records the owner dropped; never NULL
 * @blob_set: the message carries the private blob, or part of it
 * @blob_size: the whole blob's size; 0 (with no chunk): the owner has none
 * @blob_offset: where @blob goes in it
 * @blob: (nullable): 1 byte to 32 KiB of the encrypted blob
 * @digest: assigned, backup-ack, handoff-ack: BLAKE2b-256 of what is held
 * @bytes: assign: the owner's backup size; acks: the size held
 * @has_seq: heartbeat: it comes from an owner to its contingent and
 *   carries the owner's @seq (a contingent's heartbeat to its owner has
 *   none)
 * @code: refused: a HormigaContingencyError code
 * @text: refused: what went wrong, for people (≤ 256 bytes)
 *
 * Plain data; free with hormiga_contingency_message_free().
 */
typedef struct
{
  HormigaContingencyMessageType type;
  HormigaPeerId                *owner;
  guint                         rank;
  GPtrArray                    *peers;
  HormigaPeerId                *next;
  guint64                       seq;
  gboolean                      reset;
  gboolean                      more;
  GPtrArray                    *records;
  GArray                       *removed;
  gboolean                      blob_set;
  guint64                       blob_size;
  guint64                       blob_offset;
  GBytes                       *blob;
  guint8                        digest[HORMIGA_CONTINGENCY_DIGEST_SIZE];
  guint64                       bytes;
  gboolean                      has_seq;
  guint                         code;
  char                         *text;
} HormigaContingencyMessage;

/* An empty message of @type (peers, records and removed empty arrays). */
HormigaContingencyMessage *hormiga_contingency_message_new    (HormigaContingencyMessageType type);
void                       hormiga_contingency_message_free   (HormigaContingencyMessage *message);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HormigaContingencyMessage, hormiga_contingency_message_free)

const char *hormiga_contingency_message_type_to_string (HormigaContingencyMessageType type);

/* Fields beyond the limits are a programmer error (NULL, with a critical). */
GBytes                    *hormiga_contingency_message_encode (const HormigaContingencyMessage *message);
/* NULL and HORMIGA_CONTINGENCY_ERROR (MALFORMED, UNKNOWN_TYPE, TOO_LARGE)
 * with a message that says which field is wrong. */
HormigaContingencyMessage *hormiga_contingency_message_decode (GBytes  *bytes,
                                                               GError **error);

G_END_DECLS
