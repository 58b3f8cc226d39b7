/* hormiga-contingency.h — contingency nodes, without I/O
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The protocol core of contingency nodes (docs/PROTOCOL.md,
 * "Contingency"). Every node plays two parts at once:
 *
 *   owner       it keeps r contingents, the r live server-mode nodes that
 *               follow it clockwise on the 256-bit key ring among the
 *               candidates its driver gives it; it pushes its backup (its
 *               signed records and an encrypted private blob) to each,
 *               incrementally, and checks their digests against its own.
 *   contingent  it holds the backups of the nodes that assigned it (at
 *               most max_protected, each within max_backup_bytes); when one
 *               goes silent, or says it leaves, it takes over: it reports
 *               the records to republish on the owner's behalf until they
 *               expire or the owner returns.
 *
 * A graceful leave runs the thesis's four steps: the leaving contingent B
 * tells its owner A it goes (1) and names its successor C (2), hands A's
 * backup to C (3), and A assigns C, whose digest already matches (4).
 *
 * Like HormigaDht it sends through a function it is given, reads the time
 * from another, takes randomness from a third, and reports what its owner
 * must act on through a fourth (events). It runs only when called:
 * receive() for a message, tick() for timers. No globals.
 */
#pragma once

#include <glib.h>

#include "hormiga-contingency-message.h"
#include "hormiga-dht-record.h"
#include "hormiga-identity.h"
#include "hormiga-peer-id.h"

G_BEGIN_DECLS

typedef struct _HormigaContingency HormigaContingency;

typedef enum {
  /* As owner. */
  HORMIGA_CONTINGENCY_EVENT_NEED_CANDIDATES,    /* call set_candidates() (e.g. after a lookup of our key) */
  HORMIGA_CONTINGENCY_EVENT_CONTINGENT_ASSIGNED,/* @peer took the part, at @rank */
  HORMIGA_CONTINGENCY_EVENT_CONTINGENT_SYNCED,  /* @peer holds exactly our backup (its digest is ours) */
  HORMIGA_CONTINGENCY_EVENT_CONTINGENT_REFUSED, /* @peer refused (@error says why) */
  HORMIGA_CONTINGENCY_EVENT_CONTINGENT_LOST,    /* @peer went silent for the detection time */
  HORMIGA_CONTINGENCY_EVENT_CONTINGENT_LEAVING, /* step 1: @peer will no longer be available */
  HORMIGA_CONTINGENCY_EVENT_CONTINGENT_SUCCESSOR,/* step 2: @peer names @next as our new contingent */
  HORMIGA_CONTINGENCY_EVENT_CONTINGENT_REPLACED,/* step 4: @next replaced @peer and holds our backup
                                                   (@handoff: its copy came from @peer's handoff) */
  HORMIGA_CONTINGENCY_EVENT_CONTINGENT_RELEASED,/* we let @peer go (the ring changed) */
  HORMIGA_CONTINGENCY_EVENT_REPAIRED,           /* r contingents hold our backup again, @duration_ms
                                                   after a loss or leave was noticed */
  HORMIGA_CONTINGENCY_EVENT_RESTORED,           /* our backup came back from @peer, newer than ours
                                                   (@seq): @records to publish, @blob (plaintext) */
  /* As contingent. */
  HORMIGA_CONTINGENCY_EVENT_PROTECTING,         /* we hold @owner's backup at its request */
  HORMIGA_CONTINGENCY_EVENT_HANDOFF_RECEIVED,   /* step 3: @peer handed us @owner's backup */
  HORMIGA_CONTINGENCY_EVENT_TAKEOVER,           /* @owner is gone: republish @records for it */
  HORMIGA_CONTINGENCY_EVENT_REPUBLISH,          /* still gone: republish @records again */
  HORMIGA_CONTINGENCY_EVENT_TAKEOVER_ENDED,     /* @owner is back: stop */
  HORMIGA_CONTINGENCY_EVENT_PROTECTED_DROPPED,  /* we no longer hold @owner's backup */
  /* Leaving. */
  HORMIGA_CONTINGENCY_EVENT_LEFT,               /* every handoff acknowledged (or timed out): go */
} HormigaContingencyEventType;

/**
 * HormigaContingencyEvent:
 * @type: what happened
 * @peer: the other node (the contingent, the node that handed over, or
 *   the owner); NULL for NEED_CANDIDATES, REPAIRED and LEFT
 * @owner: HANDOFF_RECEIVED, TAKEOVER, REPUBLISH, TAKEOVER_ENDED,
 *   PROTECTING, PROTECTED_DROPPED: whose backup
 * @next: CONTINGENT_SUCCESSOR, CONTINGENT_REPLACED: the new contingent
 * @rank: CONTINGENT_ASSIGNED: its rank
 * @records: (element-type HormigaDhtRecord) (nullable): TAKEOVER,
 *   REPUBLISH: the owner's records that have not expired; RESTORED: ours
 * @blob: (nullable): RESTORED: our private blob, decrypted
 * @seq: RESTORED: the backup's sequence number
 * @duration_ms: REPAIRED: how long the repair took
 * @handoff: CONTINGENT_REPLACED: the new contingent's copy came from the
 *   handoff (no bytes from us)
 * @error: (nullable): CONTINGENT_REFUSED: why
 *
 * Valid for the duration of the callback. The callback must not free the
 * core; it may call any other function of it.
 */
typedef struct
{
  HormigaContingencyEventType type;
  const HormigaPeerId        *peer;
  const HormigaPeerId        *owner;
  const HormigaPeerId        *next;
  guint                       rank;
  GPtrArray                  *records;
  GBytes                     *blob;
  guint64                     seq;
  gint64                      duration_ms;
  gboolean                    handoff;
  const GError               *error;
} HormigaContingencyEvent;

/**
 * HormigaContingencyIo:
 * @send: hand @message to @to (on its "hormiga-contingency" channel; a
 *   message to a peer that cannot be reached is dropped: heartbeats tell)
 * @now: milliseconds since the unix epoch (real or simulated)
 * @random: @length random bytes (nonces)
 * @event: something the driver should know or act on
 */
typedef struct
{
  void   (*send)   (const HormigaPeerId           *to,
                    GBytes                        *message,
                    gpointer                       user_data);
  gint64 (*now)    (gpointer                       user_data);
  void   (*random) (guint8                        *out,
                    gsize                          length,
                    gpointer                       user_data);
  void   (*event)  (HormigaContingency            *contingency,
                    const HormigaContingencyEvent *event,
                    gpointer                       user_data);
} HormigaContingencyIo;

typedef struct
{
  guint  r;                       /* contingents per node, 2 (1 to 8) */
  guint  heartbeat_interval_ms;   /* 5,000 */
  guint  failure_detection_ms;    /* silence that means gone, 15,000 */
  guint  repair_interval_ms;      /* candidates refreshed, the ring checked, 30,000 */
  gsize  max_backup_bytes;        /* per protected node (and for our own backup), 4 MiB */
  guint  max_protected;           /* nodes we protect at most, 64 */
  guint  republish_interval_ms;   /* a takeover republishes this often, 1 h */
  gint64 retention_ms;            /* a silent owner's backup is kept this long, 48 h */
  guint  leave_timeout_ms;        /* a leave waits this long for handoff acks, 5,000 */
} HormigaContingencyConfig;

#define HORMIGA_CONTINGENCY_DEFAULT_MAX_BACKUP_BYTES (4 * 1024 * 1024)

#define HORMIGA_CONTINGENCY_CONFIG_INIT { 2, 5000, 15000, 30000,                        \
                                          HORMIGA_CONTINGENCY_DEFAULT_MAX_BACKUP_BYTES, \
                                          64, 3600000, G_GINT64_CONSTANT (172800000),   \
                                          5000 }

typedef enum {
  HORMIGA_CONTINGENT_ASSIGNING,   /* assign sent, no answer yet */
  HORMIGA_CONTINGENT_ACTIVE,      /* assigned */
  HORMIGA_CONTINGENT_LEAVING,     /* it said it leaves; kept until its successor holds our backup */
} HormigaContingentState;

/**
 * HormigaContingentInfo:
 * @peer: the contingent
 * @rank: its place, 0 first
 * @state: where the assignment stands
 * @synced: its digest equals ours
 * @last_heard_ms: when it last said anything (ms since the epoch)
 * @since_ms: when we assigned it
 * @acked_seq: the sequence number it last acknowledged
 * @acked_digest: the digest it last acknowledged
 * @bytes: the size of what it holds for us
 */
typedef struct
{
  HormigaPeerId          *peer;
  guint                   rank;
  HormigaContingentState  state;
  gboolean                synced;
  gint64                  last_heard_ms;
  gint64                  since_ms;
  guint64                 acked_seq;
  guint8                  acked_digest[HORMIGA_CONTINGENCY_DIGEST_SIZE];
  guint64                 bytes;
} HormigaContingentInfo;

/**
 * HormigaProtectedInfo:
 * @peer: the owner we protect
 * @assigned: it assigned us (otherwise its backup came in a handoff)
 * @rank: the rank it gave us
 * @seq: the backup's sequence number
 * @bytes: the backup's size (records and blob)
 * @n_records: records in it
 * @has_blob: it holds a private blob
 * @updated_ms: when it last changed (its age is now − this)
 * @last_heard_ms: when the owner last said anything
 * @taken_over: the owner is gone and we republish its records
 */
typedef struct
{
  HormigaPeerId *peer;
  gboolean       assigned;
  guint          rank;
  guint64        seq;
  guint64        bytes;
  guint          n_records;
  gboolean       has_blob;
  gint64         updated_ms;
  gint64         last_heard_ms;
  gboolean       taken_over;
} HormigaProtectedInfo;

void hormiga_contingent_info_free (HormigaContingentInfo *info);
void hormiga_protected_info_free  (HormigaProtectedInfo  *info);

HormigaContingency *hormiga_contingency_new   (HormigaIdentity                *identity,
                                               const HormigaContingencyConfig *config,
                                               const HormigaContingencyIo     *io,
                                               gpointer                        user_data);
void                hormiga_contingency_free  (HormigaContingency             *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HormigaContingency, hormiga_contingency_free)

const HormigaPeerId *hormiga_contingency_get_peer_id (HormigaContingency *self);
const HormigaContingencyConfig *hormiga_contingency_get_config (HormigaContingency *self);

/* ---- as owner ---------------------------------------------------------- */

/* Live server-mode nodes near us (element-type HormigaPeerId; we are
 * skipped if listed). Replaces the previous candidates; the contingents
 * are chosen again at once. */
void      hormiga_contingency_set_candidates (HormigaContingency   *self,
                                              GPtrArray            *peers);
/* Adds or replaces one of our records in the backup (same kind and key: a
 * newer one replaces it). It must be signed by us (or be an immutable
 * value), unexpired, and keep the backup within max_backup_bytes
 * (HORMIGA_CONTINGENCY_ERROR_BAD_RECORD, _QUOTA). Pushed at once. */
gboolean  hormiga_contingency_put_record     (HormigaContingency   *self,
                                              HormigaDhtRecord     *record,
                                              GError              **error);
/* Drops the record in @record's slot (kind and key) from the backup. */
void      hormiga_contingency_remove_record  (HormigaContingency   *self,
                                              const HormigaDhtRecord *record);
/* Makes the backup's records exactly @records (element-type
 * HormigaDhtRecord): one push for all the changes. Records that would not
 * be accepted by put_record() are skipped; FALSE and @error for the first. */
gboolean  hormiga_contingency_sync_records   (HormigaContingency   *self,
                                              GPtrArray            *records,
                                              GError              **error);
/* Encrypts @plaintext (NULL: none) with our key and backs the ciphertext
 * up. At most HORMIGA_CONTINGENCY_MAX_BLOB − 40 bytes, within the quota. */
gboolean  hormiga_contingency_set_private    (HormigaContingency   *self,
                                              GBytes               *plaintext,
                                              GError              **error);
/* Our backup: sequence number, size, digest (BLAKE2b-256 of its canonical
 * form, docs/PROTOCOL.md). */
guint64   hormiga_contingency_get_seq        (HormigaContingency   *self);
gsize     hormiga_contingency_get_backup_bytes (HormigaContingency *self);
void      hormiga_contingency_get_digest     (HormigaContingency   *self,
                                              guint8                digest[HORMIGA_CONTINGENCY_DIGEST_SIZE]);
/* Our records in the backup (element-type HormigaDhtRecord, transfer container). */
GPtrArray *hormiga_contingency_dup_records   (HormigaContingency   *self);

/* Our contingents, rank order (element-type HormigaContingentInfo). */
GPtrArray *hormiga_contingency_list_contingents (HormigaContingency *self);

/* ---- as contingent ----------------------------------------------------- */

/* The nodes we protect (element-type HormigaProtectedInfo), by PeerID. */
GPtrArray *hormiga_contingency_list_protected (HormigaContingency  *self);
/* What we hold for @owner: its records (element-type HormigaDhtRecord;
 * NULL if we hold nothing for it), its encrypted blob, its digest. */
GPtrArray *hormiga_contingency_dup_held_records (HormigaContingency *self,
                                                 const HormigaPeerId *owner);
GBytes    *hormiga_contingency_dup_held_blob  (HormigaContingency  *self,
                                               const HormigaPeerId *owner);
gboolean   hormiga_contingency_get_held_digest (HormigaContingency *self,
                                                const HormigaPeerId *owner,
                                                guint8              digest[HORMIGA_CONTINGENCY_DIGEST_SIZE]);

/* ---- driving ----------------------------------------------------------- */

/* One message from @from. Bad messages are dropped (and refused when an
 * answer helps the sender). */
void      hormiga_contingency_receive        (HormigaContingency   *self,
                                              const HormigaPeerId  *from,
                                              GBytes               *message);
/* Heartbeats, failure detection, repairs, takeovers. Returns the ms until
 * it wants to run again. */
gint64    hormiga_contingency_tick           (HormigaContingency   *self);
/* When (ms since the epoch) tick() wants to run at the latest. */
gint64    hormiga_contingency_get_next_deadline (HormigaContingency *self);
/* Graceful leave: hands every backup we hold to the owner's next
 * successor, tells the owners (leave, naming it) and our own contingents
 * (they take over now). LEFT follows once the handoffs are acknowledged or
 * leave_timeout_ms passes; from then on the core answers nothing. */
void      hormiga_contingency_leave          (HormigaContingency   *self);
gboolean  hormiga_contingency_is_leaving     (HormigaContingency   *self);

/* ---- the private blob --------------------------------------------------- */

/* nonce (24 bytes) ‖ XChaCha20-Poly1305 of @plaintext under
 * hormiga_identity_derive_key (@identity, "contingency/blob"), with the
 * owner's PeerID as associated data. */
GBytes   *hormiga_contingency_seal_private   (HormigaIdentity      *identity,
                                              GBytes               *plaintext,
                                              const guint8          nonce[24]);
/* The plaintext, or NULL with HORMIGA_CONTINGENCY_ERROR_DECRYPT. */
GBytes   *hormiga_contingency_open_private   (HormigaIdentity      *identity,
                                              GBytes               *sealed,
                                              GError              **error);

G_END_DECLS
