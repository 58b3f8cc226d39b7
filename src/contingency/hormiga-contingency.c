/* hormiga-contingency.c — contingency nodes, without I/O
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A Backup is a set of records by slot (kind ‖ key) plus an optional
 * encrypted blob, a sequence number and a digest. Each node keeps its own
 * (with, per slot, the sequence number of its last change, so a push can
 * send only what changed since what a contingent holds) and one per node
 * it protects. Pushes, handoffs and restores all travel as the same
 * "parts": a run of messages with one seq, the first with reset when it
 * replaces everything, all but the last with more; the last is
 * acknowledged with the digest of what the receiver then holds.
 */
#include <sodium.h>
#include <string.h>

#include "hormiga-contingency.h"
#include "hormiga-contingency-error.h"
#include "hormiga-dht-error.h"
#include "hormiga-dht-key.h"

#define DIGEST_DOMAIN  "hormiga/contingency/backup/v1"
#define BLOB_AD        "hormiga/contingency/blob/v1"
#define BLOB_PURPOSE   "contingency/blob"
#define NONCE_SIZE     crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define SEAL_OVERHEAD  (NONCE_SIZE + crypto_aead_xchacha20poly1305_ietf_ABYTES)
/* Our own records leave the backup this long before they expire, so a
 * contingent never receives one that has expired on the way. */
#define EXPIRY_MARGIN_S 60
/* Room for a part's own fields beside its records. */
#define PART_OVERHEAD  512
#define FULL_PUSH_TRIES 3

/* ---- backups ------------------------------------------------------------- */

typedef struct
{
  GTree      *records;      /* HormigaContingencySlot* (owned) → HormigaDhtRecord* */
  GBytes     *blob;         /* ciphertext, or NULL */
  guint64     seq;
  gsize       bytes;        /* encoded records + blob */
  gboolean    digest_valid;
  guint8      digest[HORMIGA_CONTINGENCY_DIGEST_SIZE];
  GByteArray *partial;      /* a blob arriving in chunks */
  guint64     partial_size;
} Backup;

static int
slot_compare (gconstpointer a,
              gconstpointer b,
              gpointer      user_data)
{
  return memcmp (a, b, HORMIGA_CONTINGENCY_SLOT_SIZE);
}

static guint
slot_hash (gconstpointer slot)
{
  guint hash = 5381;

  for (guint i = 0; i < HORMIGA_CONTINGENCY_SLOT_SIZE; i++)
    hash = hash * 33 + ((const guint8 *) slot)[i];
  return hash;
}

static gboolean
slot_equal (gconstpointer a,
            gconstpointer b)
{
  return memcmp (a, b, HORMIGA_CONTINGENCY_SLOT_SIZE) == 0;
}

static void
backup_init (Backup *backup)
{
  backup->records = g_tree_new_full (slot_compare, NULL, g_free,
                                     (GDestroyNotify) hormiga_dht_record_unref);
}

static void
backup_clear (Backup *backup)
{
  g_clear_pointer (&backup->records, g_tree_unref);
  g_clear_pointer (&backup->blob, g_bytes_unref);
  g_clear_pointer (&backup->partial, g_byte_array_unref);
}

static void
backup_reset (Backup *backup)
{
  guint64 seq = backup->seq;

  backup_clear (backup);
  memset (backup, 0, sizeof *backup);
  backup_init (backup);
  backup->seq = seq;
}

static void
backup_put (Backup           *backup,
            HormigaDhtRecord *record)
{
  HormigaContingencySlot slot;
  HormigaDhtRecord *held;

  hormiga_contingency_slot_of_record (&slot, record);
  held = g_tree_lookup (backup->records, &slot);
  if (held != NULL)
    backup->bytes -= g_bytes_get_size (held->encoded);
  backup->bytes += g_bytes_get_size (record->encoded);
  g_tree_replace (backup->records, g_memdup2 (&slot, sizeof slot), hormiga_dht_record_ref (record));
  backup->digest_valid = FALSE;
}

static gboolean
backup_remove (Backup                       *backup,
               const HormigaContingencySlot *slot)
{
  HormigaDhtRecord *held = g_tree_lookup (backup->records, slot);

  if (held == NULL)
    return FALSE;
  backup->bytes -= g_bytes_get_size (held->encoded);
  g_tree_remove (backup->records, slot);
  backup->digest_valid = FALSE;
  return TRUE;
}

static void
backup_set_blob (Backup *backup,
                 GBytes *blob)
{
  if (backup->blob != NULL)
    backup->bytes -= g_bytes_get_size (backup->blob);
  g_clear_pointer (&backup->blob, g_bytes_unref);
  if (blob != NULL)
    {
      backup->blob = g_bytes_ref (blob);
      backup->bytes += g_bytes_get_size (blob);
    }
  backup->digest_valid = FALSE;
}

static gboolean
digest_record (gpointer key,
               gpointer value,
               gpointer data)
{
  HormigaDhtRecord *record = value;
  gsize size = 0;
  const guint8 *bytes = g_bytes_get_data (record->encoded, &size);
  guint32 length = GUINT32_TO_BE ((guint32) size);

  crypto_generichash_update (data, key, HORMIGA_CONTINGENCY_SLOT_SIZE);
  crypto_generichash_update (data, (const guint8 *) &length, sizeof length);
  crypto_generichash_update (data, bytes, size);
  return FALSE;
}

/* BLAKE2b-256 of "hormiga/contingency/backup/v1" 00, the number of records
 * (u32 BE), each record in slot order (slot, u32 BE length, bytes), then
 * 00 without a blob or 01, u32 BE length and the blob. */
static const guint8 *
backup_digest (Backup *backup)
{
  crypto_generichash_state state;
  guint32 count;
  guint8 flag;

  if (backup->digest_valid)
    return backup->digest;
  crypto_generichash_init (&state, NULL, 0, HORMIGA_CONTINGENCY_DIGEST_SIZE);
  crypto_generichash_update (&state, (const guint8 *) DIGEST_DOMAIN, sizeof DIGEST_DOMAIN);
  count = GUINT32_TO_BE ((guint32) g_tree_nnodes (backup->records));
  crypto_generichash_update (&state, (const guint8 *) &count, sizeof count);
  g_tree_foreach (backup->records, digest_record, &state);
  flag = backup->blob != NULL;
  crypto_generichash_update (&state, &flag, 1);
  if (backup->blob != NULL)
    {
      gsize size = 0;
      const guint8 *bytes = g_bytes_get_data (backup->blob, &size);
      guint32 length = GUINT32_TO_BE ((guint32) size);

      crypto_generichash_update (&state, (const guint8 *) &length, sizeof length);
      crypto_generichash_update (&state, bytes, size);
    }
  crypto_generichash_final (&state, backup->digest, HORMIGA_CONTINGENCY_DIGEST_SIZE);
  backup->digest_valid = TRUE;
  return backup->digest;
}

static gboolean
collect_record (gpointer key,
                gpointer value,
                gpointer data)
{
  g_ptr_array_add (data, hormiga_dht_record_ref (value));
  return FALSE;
}

static GPtrArray *
backup_dup_records (Backup  *backup,
                    guint64  unexpired_at)
{
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) hormiga_dht_record_unref);

  g_tree_foreach (backup->records, collect_record, records);
  for (guint i = records->len; i-- > 0;)
    if (((HormigaDhtRecord *) g_ptr_array_index (records, i))->expires <= unexpired_at)
      g_ptr_array_remove_index (records, i);
  return records;
}

/* Whether @record may sit in a backup of @owner: signed by it (or an
 * immutable value, which has no owner and cannot be forged). */
static gboolean
record_belongs (const HormigaDhtRecord *record,
                const guint8           *owner_key)
{
  return record->kind == HORMIGA_DHT_RECORD_IMMUTABLE || memcmp (record->owner, owner_key, 32) == 0;
}

/* Applies one part (backup, handoff or restore) to @backup. Records are
 * decoded and checked first, so a part with a bad record changes nothing;
 * records that expired on the way are skipped (their owner drops them
 * too). @backup->seq is set by the caller on the last part. */
static gboolean
backup_apply (Backup                          *backup,
              const HormigaContingencyMessage *part,
              const guint8                    *owner_key,
              guint64                          now_s,
              gsize                            quota,
              GError                         **error)
{
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) hormiga_dht_record_unref);

  for (guint i = 0; i < part->records->len; i++)
    {
      g_autoptr(GError) local_error = NULL;
      HormigaDhtRecord *record = hormiga_dht_record_decode (g_ptr_array_index (part->records, i), now_s,
                                                            &local_error);

      if (record == NULL && g_error_matches (local_error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_EXPIRED))
        continue;
      if (record == NULL)
        {
          g_set_error (error, HORMIGA_CONTINGENCY_ERROR, HORMIGA_CONTINGENCY_ERROR_BAD_RECORD,
                       "record %u of the %s does not verify: %s", i,
                       hormiga_contingency_message_type_to_string (part->type), local_error->message);
          return FALSE;
        }
      g_ptr_array_add (records, record);
      if (!record_belongs (record, owner_key))
        {
          g_set_error (error, HORMIGA_CONTINGENCY_ERROR, HORMIGA_CONTINGENCY_ERROR_BAD_RECORD,
                       "record %u of the %s is signed by another node than the one whose backup "
                       "it is", i, hormiga_contingency_message_type_to_string (part->type));
          return FALSE;
        }
    }
  if (part->blob != NULL && part->blob_offset != 0 &&
      (backup->partial == NULL || backup->partial_size != part->blob_size ||
       backup->partial->len != part->blob_offset))
    {
      g_set_error (error, HORMIGA_CONTINGENCY_ERROR, HORMIGA_CONTINGENCY_ERROR_MALFORMED,
                   "a part of the private blob at offset %" G_GUINT64_FORMAT " does not follow "
                   "the parts received before it", part->blob_offset);
      return FALSE;
    }

  if (part->reset)
    backup_reset (backup);
  for (guint i = 0; i < records->len; i++)
    backup_put (backup, g_ptr_array_index (records, i));
  for (guint i = 0; i < part->removed->len; i++)
    backup_remove (backup, &g_array_index (part->removed, HormigaContingencySlot, i));
  if (part->blob_set && part->blob_size == 0)
    {
      backup_set_blob (backup, NULL);
      g_clear_pointer (&backup->partial, g_byte_array_unref);
    }
  else if (part->blob != NULL)
    {
      gsize size = 0;
      const guint8 *data = g_bytes_get_data (part->blob, &size);

      if (part->blob_offset == 0)
        {
          g_clear_pointer (&backup->partial, g_byte_array_unref);
          backup->partial = g_byte_array_sized_new ((guint) part->blob_size);
          backup->partial_size = part->blob_size;
        }
      g_byte_array_append (backup->partial, data, (guint) size);
      if (backup->partial->len == backup->partial_size)
        {
          g_autoptr(GBytes) blob = g_byte_array_free_to_bytes (g_steal_pointer (&backup->partial));

          backup_set_blob (backup, blob);
        }
    }
  if (backup->bytes + (backup->partial != NULL ? backup->partial_size : 0) > quota)
    {
      g_autofree char *have = g_format_size (backup->bytes + (backup->partial ? backup->partial_size : 0));
      g_autofree char *limit = g_format_size (quota);

      g_set_error (error, HORMIGA_CONTINGENCY_ERROR, HORMIGA_CONTINGENCY_ERROR_QUOTA,
                   "the backup would take %s, above this node's quota of %s per protected node; "
                   "back up fewer records or a smaller private blob", have, limit);
      return FALSE;
    }
  return TRUE;
}

/* ---- instance state -------------------------------------------------------- */

typedef struct
{
  HormigaPeerId *peer;
  guint8         distance[HORMIGA_DHT_KEY_SIZE];  /* clockwise from us */
} Candidate;

typedef struct
{
  HormigaPeerId          *peer;
  guint                   rank;
  HormigaContingentState  state;
  gint64                  since;
  gint64                  assigned_at;
  gint64                  last_heard;
  gint64                  last_sent;
  gint64                  leaving_since;
  guint64                 sent_seq;       /* what it holds once our parts arrive */
  gboolean                sent_known;     /* FALSE: nothing sent, push in full */
  gboolean                pushed;         /* we sent it parts since it was assigned */
  guint                   full_pushes;    /* full pushes in a row not acknowledged as ours */
  guint64                 acked_seq;
  guint8                  acked_digest[HORMIGA_CONTINGENCY_DIGEST_SIZE];
  guint64                 acked_bytes;
  gboolean                synced;
  HormigaPeerId          *replaces;       /* step 4 pending: the leaving contingent it replaces */
  gint64                  handoff_wait_until;
} Contingent;

typedef struct
{
  HormigaPeerId *owner;
  Backup         held;
  gboolean       assigned;
  guint          rank;
  GPtrArray     *peers;          /* the owner's contingents, as its assign said */
  gint64         since;
  gint64         updated;
  gint64         last_heard;
  gint64         last_sent;
  gboolean       taken_over;
  gint64         next_republish;
  gboolean       handoff_skip;   /* a handoff we hold newer than is being ignored */
} Protected;

typedef struct
{
  HormigaPeerId *to;
  HormigaPeerId *owner;
} PendingHandoff;

typedef struct
{
  HormigaContingencySlot slot;
  guint64                seq;
} Change;

struct _HormigaContingency
{
  HormigaIdentity          *identity;
  HormigaPeerId            *self;
  HormigaDhtKey             self_key;
  HormigaContingencyConfig  config;
  HormigaContingencyIo      io;
  gpointer                  user_data;

  /* As owner. */
  Backup                    own;
  GHashTable               *changes;       /* slot → Change: when each slot last changed */
  guint64                   blob_changed;  /* seq of the last blob change */
  guint64                   log_floor;     /* pushes from a seq below this go in full */
  GPtrArray                *candidates;    /* Candidate, clockwise order */
  GHashTable               *excluded;      /* HormigaPeerId → gint64* until */
  GPtrArray                *contingents;   /* Contingent, rank order */
  gboolean                  repairing;
  gint64                    repair_started;
  HormigaPeerId            *restoring;     /* asked for our backup back */
  Backup                    restore;
  gint64                    next_repair;

  /* As contingent. */
  GHashTable               *protected;     /* HormigaPeerId → Protected */

  /* Leaving. */
  gboolean                  leaving;
  gboolean                  left;
  gint64                    leave_deadline;
  GPtrArray                *pending_handoffs; /* PendingHandoff */

  gint64                    next_deadline;
};

static gint64
now_ms (HormigaContingency *self)
{
  return self->io.now (self->user_data);
}

static guint64
now_s (HormigaContingency *self)
{
  return (guint64) (now_ms (self) / 1000);
}

static void
emit (HormigaContingency      *self,
      HormigaContingencyEvent *event)
{
  if (self->io.event != NULL)
    self->io.event (self, event, self->user_data);
}

static void
emit_simple (HormigaContingency          *self,
             HormigaContingencyEventType  type,
             const HormigaPeerId         *peer,
             const HormigaPeerId         *owner)
{
  HormigaContingencyEvent event = { .type = type, .peer = peer, .owner = owner };

  emit (self, &event);
}

static void
send_message (HormigaContingency        *self,
              const HormigaPeerId       *to,
              HormigaContingencyMessage *message)
{
  g_autoptr(GBytes) bytes = hormiga_contingency_message_encode (message);

  if (bytes != NULL)
    self->io.send (to, bytes, self->user_data);
}

static void
send_refused_handoff (HormigaContingency      *self,
                      const HormigaPeerId     *to,
                      const HormigaPeerId     *owner,
                      HormigaContingencyError  code,
                      const char              *text)
{
  g_autoptr(HormigaContingencyMessage) message =
    hormiga_contingency_message_new (HORMIGA_CONTINGENCY_MESSAGE_REFUSED);

  if (owner != NULL)
    message->owner = hormiga_peer_id_ref ((HormigaPeerId *) owner);
  message->code = code;
  message->text = g_utf8_make_valid (text, MIN (strlen (text), HORMIGA_CONTINGENCY_MESSAGE_MAX_TEXT - 4));
  send_message (self, to, message);
}

static void
send_refused (HormigaContingency      *self,
              const HormigaPeerId     *to,
              HormigaContingencyError  code,
              const char              *text)
{
  send_refused_handoff (self, to, NULL, code, text);
}

static void
send_simple (HormigaContingency            *self,
             const HormigaPeerId           *to,
             HormigaContingencyMessageType  type)
{
  g_autoptr(HormigaContingencyMessage) message = hormiga_contingency_message_new (type);

  send_message (self, to, message);
}

static void
candidate_free (Candidate *candidate)
{
  hormiga_peer_id_unref (candidate->peer);
  g_free (candidate);
}

static void
contingent_free (Contingent *contingent)
{
  hormiga_peer_id_unref (contingent->peer);
  g_clear_pointer (&contingent->replaces, hormiga_peer_id_unref);
  g_free (contingent);
}

static void
protected_free (Protected *protected)
{
  hormiga_peer_id_unref (protected->owner);
  backup_clear (&protected->held);
  g_clear_pointer (&protected->peers, g_ptr_array_unref);
  g_free (protected);
}

static void
pending_handoff_free (PendingHandoff *pending)
{
  hormiga_peer_id_unref (pending->to);
  hormiga_peer_id_unref (pending->owner);
  g_free (pending);
}

static Contingent *
find_contingent (HormigaContingency  *self,
                 const HormigaPeerId *peer)
{
  for (guint i = 0; i < self->contingents->len; i++)
    {
      Contingent *contingent = g_ptr_array_index (self->contingents, i);

      if (hormiga_peer_id_equal (contingent->peer, peer))
        return contingent;
    }
  return NULL;
}

static void
remove_contingent (HormigaContingency *self,
                   Contingent         *contingent)
{
  g_ptr_array_remove (self->contingents, contingent);
}

static gboolean
is_excluded (HormigaContingency  *self,
             const HormigaPeerId *peer)
{
  gint64 *until = g_hash_table_lookup (self->excluded, peer);

  return until != NULL && *until > now_ms (self);
}

static void
exclude (HormigaContingency  *self,
         const HormigaPeerId *peer)
{
  gint64 *until = g_new (gint64, 1);

  *until = now_ms (self) + 4 * (gint64) self->config.repair_interval_ms;
  g_hash_table_replace (self->excluded, hormiga_peer_id_ref ((HormigaPeerId *) peer), until);
}

static void
start_repair (HormigaContingency *self)
{
  if (!self->repairing)
    {
      self->repairing = TRUE;
      self->repair_started = now_ms (self);
    }
}

/* ---- the ring -------------------------------------------------------------- */

/* (key − ours) mod 2²⁵⁶: how far clockwise @peer sits from us. */
static void
ring_distance (HormigaContingency  *self,
               const HormigaPeerId *peer,
               guint8               distance[HORMIGA_DHT_KEY_SIZE])
{
  const guint8 *key = hormiga_peer_id_get_dht_key (peer);
  int borrow = 0;

  for (int i = HORMIGA_DHT_KEY_SIZE - 1; i >= 0; i--)
    {
      int d = (int) key[i] - (int) self->self_key.bytes[i] - borrow;

      borrow = d < 0;
      distance[i] = (guint8) (d + (borrow ? 256 : 0));
    }
}

static int
candidate_compare (gconstpointer a,
                   gconstpointer b)
{
  const Candidate *x = *(Candidate * const *) a, *y = *(Candidate * const *) b;

  return memcmp (x->distance, y->distance, HORMIGA_DHT_KEY_SIZE);
}

static gboolean
has_candidate (HormigaContingency  *self,
               const HormigaPeerId *peer)
{
  for (guint i = 0; i < self->candidates->len; i++)
    if (hormiga_peer_id_equal (((Candidate *) g_ptr_array_index (self->candidates, i))->peer, peer))
      return TRUE;
  return FALSE;
}

static void
add_candidate (HormigaContingency  *self,
               const HormigaPeerId *peer)
{
  Candidate *candidate;

  if (hormiga_peer_id_equal (peer, self->self) || has_candidate (self, peer))
    return;
  candidate = g_new0 (Candidate, 1);
  candidate->peer = hormiga_peer_id_ref ((HormigaPeerId *) peer);
  ring_distance (self, peer, candidate->distance);
  g_ptr_array_add (self->candidates, candidate);
}

static void
sort_candidates (HormigaContingency *self)
{
  g_ptr_array_sort (self->candidates, candidate_compare);
}

static guint
count_available (HormigaContingency *self)
{
  guint n = 0;

  for (guint i = 0; i < self->candidates->len; i++)
    n += !is_excluded (self, ((Candidate *) g_ptr_array_index (self->candidates, i))->peer);
  return n;
}

static void
check_repaired (HormigaContingency *self)
{
  guint synced = 0;

  if (!self->repairing)
    return;
  for (guint i = 0; i < self->contingents->len; i++)
    {
      Contingent *contingent = g_ptr_array_index (self->contingents, i);

      synced += contingent->synced && contingent->state == HORMIGA_CONTINGENT_ACTIVE;
    }
  if (synced >= MIN (self->config.r, count_available (self)))
    {
      HormigaContingencyEvent event = { .type = HORMIGA_CONTINGENCY_EVENT_REPAIRED };

      self->repairing = FALSE;
      event.duration_ms = now_ms (self) - self->repair_started;
      emit (self, &event);
    }
}

/* ---- parts: pushes, handoffs, restores ------------------------------------ */

typedef struct
{
  HormigaContingencyMessageType type;
  GPtrArray                    *messages;  /* HormigaContingencyMessage */
  gsize                         size;      /* of the last one, roughly */
} Parts;

static HormigaContingencyMessage *
parts_current (Parts *parts,
               gsize  room)
{
  HormigaContingencyMessage *last =
    parts->messages->len > 0 ? g_ptr_array_index (parts->messages, parts->messages->len - 1) : NULL;

  if (last == NULL || parts->size + room > HORMIGA_CONTINGENCY_MESSAGE_MAX_SIZE - PART_OVERHEAD ||
      last->records->len >= HORMIGA_CONTINGENCY_MESSAGE_MAX_RECORDS ||
      last->removed->len >= HORMIGA_CONTINGENCY_MESSAGE_MAX_REMOVED || last->blob_set)
    {
      last = hormiga_contingency_message_new (parts->type);
      g_ptr_array_add (parts->messages, last);
      parts->size = 0;
    }
  parts->size += room;
  return last;
}

static void
parts_add_record (Parts            *parts,
                  HormigaDhtRecord *record)
{
  gsize size = g_bytes_get_size (record->encoded);

  g_ptr_array_add (parts_current (parts, size + 5)->records, g_bytes_ref (record->encoded));
}

static void
parts_add_removed (Parts                        *parts,
                   const HormigaContingencySlot *slot)
{
  g_array_append_val (parts_current (parts, HORMIGA_CONTINGENCY_SLOT_SIZE + 2)->removed, *slot);
}

/* The whole blob (NULL: there is none), in chunks. */
static void
parts_add_blob (Parts  *parts,
                GBytes *blob)
{
  gsize size = blob != NULL ? g_bytes_get_size (blob) : 0;

  if (size == 0)
    {
      HormigaContingencyMessage *message = parts_current (parts, 16);

      message->blob_set = TRUE;
      message->blob_size = 0;
      return;
    }
  for (gsize offset = 0; offset < size; offset += HORMIGA_CONTINGENCY_MAX_BLOB_CHUNK)
    {
      gsize chunk = MIN (size - offset, (gsize) HORMIGA_CONTINGENCY_MAX_BLOB_CHUNK);
      HormigaContingencyMessage *message = parts_current (parts, chunk + 32);

      message->blob_set = TRUE;
      message->blob_size = size;
      message->blob_offset = offset;
      message->blob = g_bytes_new_from_bytes (blob, offset, chunk);
    }
}

static gboolean
add_each_record (gpointer key,
                 gpointer value,
                 gpointer data)
{
  parts_add_record (data, value);
  return FALSE;
}

/* Sends @parts, all with @seq, the first with @reset, all but the last
 * with more; @owner on handoffs. */
static void
parts_send (HormigaContingency  *self,
            Parts               *parts,
            const HormigaPeerId *to,
            const HormigaPeerId *owner,
            guint64              seq,
            gboolean             reset)
{
  if (parts->messages->len == 0)
    parts_current (parts, 0);
  for (guint i = 0; i < parts->messages->len; i++)
    {
      HormigaContingencyMessage *message = g_ptr_array_index (parts->messages, i);

      message->seq = seq;
      message->reset = reset && i == 0;
      message->more = i + 1 < parts->messages->len;
      if (owner != NULL)
        message->owner = hormiga_peer_id_ref ((HormigaPeerId *) owner);
      send_message (self, to, message);
    }
}

/* Everything in @backup to @to, as a handoff (for @owner) or a restore. */
static void
send_whole (HormigaContingency            *self,
            const HormigaPeerId           *to,
            HormigaContingencyMessageType  type,
            const HormigaPeerId           *owner,
            Backup                        *backup)
{
  Parts parts = { type, g_ptr_array_new_with_free_func ((GDestroyNotify) hormiga_contingency_message_free), 0 };

  g_tree_foreach (backup->records, add_each_record, &parts);
  if (backup->blob != NULL)
    parts_add_blob (&parts, backup->blob);
  parts_send (self, &parts, to, owner, backup->seq, TRUE);
  g_ptr_array_unref (parts.messages);
}

/* Our backup to @contingent: in full, or what changed since what it holds. */
static void
push (HormigaContingency *self,
      Contingent         *contingent,
      gboolean            full)
{
  Parts parts = { HORMIGA_CONTINGENCY_MESSAGE_BACKUP,
                  g_ptr_array_new_with_free_func ((GDestroyNotify) hormiga_contingency_message_free), 0 };
  guint64 from = contingent->sent_seq;

  if (!contingent->sent_known || from < self->log_floor || from > self->own.seq)
    full = TRUE;
  if (full)
    {
      g_tree_foreach (self->own.records, add_each_record, &parts);
      if (self->own.blob != NULL)
        parts_add_blob (&parts, self->own.blob);
      contingent->full_pushes++;
    }
  else
    {
      GHashTableIter iter;
      gpointer value;

      if (from == self->own.seq)
        {
          g_ptr_array_unref (parts.messages);
          return;  /* it has all of it on the way */
        }
      g_hash_table_iter_init (&iter, self->changes);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          Change *change = value;
          HormigaDhtRecord *record;

          if (change->seq <= from)
            continue;
          record = g_tree_lookup (self->own.records, &change->slot);
          if (record != NULL)
            parts_add_record (&parts, record);
          else
            parts_add_removed (&parts, &change->slot);
        }
      if (self->blob_changed > from)
        parts_add_blob (&parts, self->own.blob);
    }
  parts_send (self, &parts, contingent->peer, NULL, self->own.seq, full);
  g_ptr_array_unref (parts.messages);
  contingent->sent_seq = self->own.seq;
  contingent->sent_known = TRUE;
  contingent->pushed = TRUE;
  contingent->synced = FALSE;
  contingent->last_sent = now_ms (self);
}

static void
push_all (HormigaContingency *self)
{
  for (guint i = 0; i < self->contingents->len; i++)
    {
      Contingent *contingent = g_ptr_array_index (self->contingents, i);

      if (contingent->state == HORMIGA_CONTINGENT_ACTIVE && contingent->handoff_wait_until == 0)
        push (self, contingent, FALSE);
      else
        contingent->synced = FALSE;
    }
}

/* A change to our backup: a new sequence number, noted for @slot. */
static void
note_change (HormigaContingency           *self,
             const HormigaContingencySlot *slot)
{
  Change *change = g_hash_table_lookup (self->changes, slot);

  if (change == NULL)
    {
      change = g_new0 (Change, 1);
      change->slot = *slot;
      g_hash_table_insert (self->changes, &change->slot, change);
    }
  change->seq = self->own.seq;
}

/* ---- choosing contingents ---------------------------------------------------- */

static void
send_assign (HormigaContingency *self,
             Contingent         *contingent,
             GPtrArray          *desired)
{
  g_autoptr(HormigaContingencyMessage) message =
    hormiga_contingency_message_new (HORMIGA_CONTINGENCY_MESSAGE_ASSIGN);

  message->rank = contingent->rank;
  for (guint i = 0; i < desired->len; i++)
    g_ptr_array_add (message->peers, hormiga_peer_id_ref (g_ptr_array_index (desired, i)));
  message->seq = self->own.seq;
  message->bytes = self->own.bytes;
  send_message (self, contingent->peer, message);
  contingent->last_sent = now_ms (self);
}

static GPtrArray *
desired_contingents (HormigaContingency *self)
{
  GPtrArray *desired = g_ptr_array_new ();

  for (guint i = 0; i < self->candidates->len && desired->len < self->config.r; i++)
    {
      Candidate *candidate = g_ptr_array_index (self->candidates, i);

      if (!is_excluded (self, candidate->peer))
        g_ptr_array_add (desired, candidate->peer);
    }
  return desired;
}

static int
contingent_rank_compare (gconstpointer a,
                         gconstpointer b)
{
  const Contingent *x = *(Contingent * const *) a, *y = *(Contingent * const *) b;

  return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/* The r first candidates clockwise that are not excluded are the ones we
 * want: assign those we lack; let go of the others once those we want all
 * hold our backup (a displaced contingent that does not is let go at once). */
static void
rechoose (HormigaContingency *self)
{
  g_autoptr(GPtrArray) desired = NULL;
  g_autoptr(GPtrArray) release = g_ptr_array_new ();
  g_autoptr(GPtrArray) kept = g_ptr_array_new ();
  gboolean all_synced = TRUE;
  gboolean added = FALSE;

  if (self->leaving)
    return;
  desired = desired_contingents (self);
  for (guint i = 0; i < desired->len; i++)
    {
      const HormigaPeerId *peer = g_ptr_array_index (desired, i);
      Contingent *contingent = find_contingent (self, peer);

      if (contingent == NULL)
        {
          contingent = g_new0 (Contingent, 1);
          contingent->peer = hormiga_peer_id_ref ((HormigaPeerId *) peer);
          contingent->state = HORMIGA_CONTINGENT_ASSIGNING;
          contingent->rank = i;
          contingent->since = contingent->assigned_at = contingent->last_heard = now_ms (self);
          g_ptr_array_add (self->contingents, contingent);
          send_assign (self, contingent, desired);
          added = TRUE;
        }
      else if (contingent->state != HORMIGA_CONTINGENT_LEAVING)
        {
          contingent->rank = i;
          if (contingent->state == HORMIGA_CONTINGENT_ACTIVE)
            g_ptr_array_add (kept, contingent);
        }
      all_synced = all_synced && contingent->synced;
    }
  /* A new contingent: those we keep hear of it (`assign` again, with the
   * new `peers`), so that one that leaves does not name it as our next. */
  for (guint i = 0; added && i < kept->len; i++)
    send_assign (self, g_ptr_array_index (kept, i), desired);

  for (guint i = 0; i < self->contingents->len; i++)
    {
      Contingent *contingent = g_ptr_array_index (self->contingents, i);
      gboolean wanted = FALSE;

      for (guint j = 0; j < desired->len && !wanted; j++)
        wanted = hormiga_peer_id_equal (contingent->peer, g_ptr_array_index (desired, j));
      if (!wanted && contingent->state != HORMIGA_CONTINGENT_LEAVING &&
          (all_synced || !contingent->synced))
        g_ptr_array_add (release, contingent);
      if (!wanted && contingent->state != HORMIGA_CONTINGENT_LEAVING)
        contingent->rank = self->config.r + i;
    }
  for (guint i = 0; i < release->len; i++)
    {
      Contingent *contingent = g_ptr_array_index (release, i);
      g_autoptr(HormigaPeerId) peer = hormiga_peer_id_ref (contingent->peer);

      send_simple (self, peer, HORMIGA_CONTINGENCY_MESSAGE_RELEASE);
      remove_contingent (self, contingent);
      emit_simple (self, HORMIGA_CONTINGENCY_EVENT_CONTINGENT_RELEASED, peer, NULL);
    }
  g_ptr_array_sort (self->contingents, contingent_rank_compare);
  check_repaired (self);
}

static void
mark_synced (HormigaContingency *self,
             Contingent         *contingent)
{
  g_autoptr(HormigaPeerId) peer = NULL;

  if (contingent->synced)
    return;
  contingent->synced = TRUE;
  contingent->full_pushes = 0;
  contingent->handoff_wait_until = 0;
  peer = hormiga_peer_id_ref (contingent->peer);
  emit_simple (self, HORMIGA_CONTINGENCY_EVENT_CONTINGENT_SYNCED, peer, NULL);
  contingent = find_contingent (self, peer);
  if (contingent != NULL && contingent->replaces != NULL)
    {
      g_autoptr(HormigaPeerId) old = g_steal_pointer (&contingent->replaces);
      Contingent *leaving = find_contingent (self, old);
      HormigaContingencyEvent event = { .type = HORMIGA_CONTINGENCY_EVENT_CONTINGENT_REPLACED };

      if (leaving != NULL && leaving->state == HORMIGA_CONTINGENT_LEAVING)
        remove_contingent (self, leaving);
      event.peer = old;
      event.next = peer;
      event.handoff = !contingent->pushed;
      emit (self, &event);
    }
  rechoose (self);
}

static void start_restore (HormigaContingency  *self,
                           const HormigaPeerId *from);

/* What @contingent says it holds (assigned, backup-ack): in sync, behind,
 * or ahead of us (then we restore from it). */
static void
on_contingent_state (HormigaContingency *self,
                     Contingent         *contingent,
                     guint64             seq,
                     const guint8       *digest,
                     guint64             bytes)
{
  gboolean same = memcmp (digest, backup_digest (&self->own), HORMIGA_CONTINGENCY_DIGEST_SIZE) == 0;

  contingent->acked_seq = seq;
  memcpy (contingent->acked_digest, digest, HORMIGA_CONTINGENCY_DIGEST_SIZE);
  contingent->acked_bytes = bytes;

  if (same)
    {
      contingent->sent_seq = seq;
      contingent->sent_known = TRUE;
      mark_synced (self, contingent);
      return;
    }
  contingent->synced = FALSE;
  if (seq > self->own.seq && !same)
    {
      start_restore (self, contingent->peer);
      return;
    }
  if (contingent->handoff_wait_until > now_ms (self))
    return;  /* its copy is on its way from the contingent it replaces */
  if (contingent->sent_known && contingent->sent_seq == self->own.seq && seq < self->own.seq)
    return;  /* an ack of an earlier push; the last one is on its way */
  if (contingent->full_pushes >= FULL_PUSH_TRIES)
    {
      g_autoptr(GError) error = g_error_new (HORMIGA_CONTINGENCY_ERROR, HORMIGA_CONTINGENCY_ERROR_MALFORMED,
                                             "%s does not hold what we push to it (its digest differs "
                                             "after %u full pushes); choosing another contingent",
                                             hormiga_peer_id_to_string (contingent->peer), FULL_PUSH_TRIES);
      g_autoptr(HormigaPeerId) peer = hormiga_peer_id_ref (contingent->peer);
      HormigaContingencyEvent event = { .type = HORMIGA_CONTINGENCY_EVENT_CONTINGENT_REFUSED };

      send_simple (self, peer, HORMIGA_CONTINGENCY_MESSAGE_RELEASE);
      exclude (self, peer);
      remove_contingent (self, contingent);
      start_repair (self);
      event.peer = peer;
      event.error = error;
      emit (self, &event);
      rechoose (self);
      return;
    }
  /* Behind: from what it holds, when its state there is ours (the digest
   * of the push's ack tells); on a mismatch at our own seq, in full. */
  contingent->sent_seq = seq;
  contingent->sent_known = TRUE;
  push (self, contingent, seq == self->own.seq);
}

/* ---- as contingent -------------------------------------------------------------- */

static Protected *
protected_new (HormigaContingency  *self,
               const HormigaPeerId *owner)
{
  Protected *protected = g_new0 (Protected, 1);

  protected->owner = hormiga_peer_id_ref ((HormigaPeerId *) owner);
  backup_init (&protected->held);
  protected->peers = g_ptr_array_new_with_free_func ((GDestroyNotify) hormiga_peer_id_unref);
  protected->since = protected->updated = protected->last_heard = now_ms (self);
  g_hash_table_insert (self->protected, protected->owner, protected);
  return protected;
}

static void
drop_protected (HormigaContingency *self,
                Protected          *protected)
{
  g_autoptr(HormigaPeerId) owner = hormiga_peer_id_ref (protected->owner);

  g_hash_table_remove (self->protected, owner);
  emit_simple (self, HORMIGA_CONTINGENCY_EVENT_PROTECTED_DROPPED, owner, owner);
}

static void
send_state (HormigaContingency            *self,
            const HormigaPeerId           *to,
            HormigaContingencyMessageType  type,
            const HormigaPeerId           *owner,
            Backup                        *backup)
{
  g_autoptr(HormigaContingencyMessage) message = hormiga_contingency_message_new (type);

  if (owner != NULL)
    message->owner = hormiga_peer_id_ref ((HormigaPeerId *) owner);
  message->seq = backup->seq;
  memcpy (message->digest, backup_digest (backup), HORMIGA_CONTINGENCY_DIGEST_SIZE);
  message->bytes = backup->bytes;
  send_message (self, to, message);
}

static void
emit_records (HormigaContingency          *self,
              HormigaContingencyEventType  type,
              Protected                   *protected)
{
  g_autoptr(GPtrArray) records = backup_dup_records (&protected->held, now_s (self));
  g_autoptr(HormigaPeerId) owner = hormiga_peer_id_ref (protected->owner);
  HormigaContingencyEvent event = { .type = type, .peer = owner, .owner = owner, .records = records };

  emit (self, &event);
}

static void
take_over (HormigaContingency *self,
           Protected          *protected)
{
  if (protected->taken_over)
    return;
  protected->taken_over = TRUE;
  protected->next_republish = now_ms (self) + self->config.republish_interval_ms;
  emit_records (self, HORMIGA_CONTINGENCY_EVENT_TAKEOVER, protected);
}

static void
on_assign (HormigaContingency        *self,
           const HormigaPeerId       *from,
           HormigaContingencyMessage *message)
{
  Protected *protected = g_hash_table_lookup (self->protected, from);
  gboolean was_assigned = protected != NULL && protected->assigned;

  if (self->leaving)
    {
      send_refused (self, from, HORMIGA_CONTINGENCY_ERROR_FULL,
                    "this node is leaving the network; ask the next node on the ring");
      return;
    }
  if (protected == NULL && g_hash_table_size (self->protected) >= self->config.max_protected)
    {
      g_autofree char *text = g_strdup_printf ("this node already protects %u nodes, its limit; "
                                               "ask the next node on the ring",
                                               self->config.max_protected);

      send_refused (self, from, HORMIGA_CONTINGENCY_ERROR_FULL, text);
      return;
    }
  if (message->bytes > self->config.max_backup_bytes)
    {
      g_autofree char *have = g_format_size (message->bytes);
      g_autofree char *limit = g_format_size (self->config.max_backup_bytes);
      g_autofree char *text = g_strdup_printf ("a backup of %s is above this node's quota of %s per "
                                               "protected node; back up fewer records or a smaller "
                                               "private blob", have, limit);

      send_refused (self, from, HORMIGA_CONTINGENCY_ERROR_QUOTA, text);
      if (protected != NULL)
        drop_protected (self, protected);
      return;
    }
  if (protected == NULL)
    protected = protected_new (self, from);
  protected->assigned = TRUE;
  protected->rank = message->rank;
  g_ptr_array_set_size (protected->peers, 0);
  for (guint i = 0; i < message->peers->len; i++)
    g_ptr_array_add (protected->peers, hormiga_peer_id_ref (g_ptr_array_index (message->peers, i)));
  send_state (self, from, HORMIGA_CONTINGENCY_MESSAGE_ASSIGNED, NULL, &protected->held);
  protected->last_sent = now_ms (self);
  if (!was_assigned)
    emit_simple (self, HORMIGA_CONTINGENCY_EVENT_PROTECTING, from, from);
}

/* A backup part from the owner, or a handoff part from a leaving contingent. */
static void
on_backup (HormigaContingency        *self,
           const HormigaPeerId       *from,
           HormigaContingencyMessage *message)
{
  gboolean handoff = message->type == HORMIGA_CONTINGENCY_MESSAGE_HANDOFF;
  const HormigaPeerId *owner = handoff ? message->owner : from;
  Protected *protected = g_hash_table_lookup (self->protected, owner);
  gboolean created = FALSE;
  g_autoptr(GError) error = NULL;

  if (handoff && hormiga_peer_id_equal (owner, self->self))
    return;
  if (!handoff && (protected == NULL || !protected->assigned))
    {
      send_refused (self, from, HORMIGA_CONTINGENCY_ERROR_NOT_ASSIGNED,
                    "this node holds no backup for you; assign it first");
      return;
    }
  if (protected == NULL)
    {
      if (self->leaving || g_hash_table_size (self->protected) >= self->config.max_protected)
        {
          send_refused_handoff (self, from, owner, HORMIGA_CONTINGENCY_ERROR_FULL,
                                self->leaving ? "this node is leaving the network"
                                              : "this node protects as many nodes as it may");
          return;
        }
      protected = protected_new (self, owner);
      created = TRUE;
    }
  /* A handoff of an older copy than one the owner pushed us itself. */
  if (handoff && message->reset)
    protected->handoff_skip = protected->assigned && protected->held.seq >= message->seq &&
                              protected->held.seq > 0;
  if (!(handoff && protected->handoff_skip) &&
      !backup_apply (&protected->held, message, hormiga_peer_id_get_public_key (owner), now_s (self),
                     self->config.max_backup_bytes, &error))
    {
      send_refused_handoff (self, from, handoff ? owner : NULL, error->code, error->message);
      if (created || error->code == HORMIGA_CONTINGENCY_ERROR_QUOTA)
        drop_protected (self, protected);
      return;
    }
  protected->updated = now_ms (self);
  if (message->more)
    return;

  if (!handoff)
    {
      protected->held.seq = message->seq;
      send_state (self, from, HORMIGA_CONTINGENCY_MESSAGE_BACKUP_ACK, NULL, &protected->held);
      protected->last_sent = now_ms (self);
      return;
    }
  if (!protected->handoff_skip)
    {
      HormigaContingencyEvent event = { .type = HORMIGA_CONTINGENCY_EVENT_HANDOFF_RECEIVED };

      protected->held.seq = message->seq;
      event.peer = from;
      event.owner = owner;
      emit (self, &event);
      protected = g_hash_table_lookup (self->protected, owner);
      if (protected == NULL)
        return;
    }
  protected->handoff_skip = FALSE;
  send_state (self, from, HORMIGA_CONTINGENCY_MESSAGE_HANDOFF_ACK, owner, &protected->held);
  /* An owner that assigned us meanwhile learns we now hold its backup. */
  if (protected->assigned)
    {
      send_state (self, owner, HORMIGA_CONTINGENCY_MESSAGE_BACKUP_ACK, NULL, &protected->held);
      protected->last_sent = now_ms (self);
    }
}

static void
on_restore_request (HormigaContingency  *self,
                    const HormigaPeerId *from)
{
  Protected *protected = g_hash_table_lookup (self->protected, from);

  if (protected == NULL)
    {
      send_refused (self, from, HORMIGA_CONTINGENCY_ERROR_NOT_ASSIGNED,
                    "this node holds no backup for you");
      return;
    }
  send_whole (self, from, HORMIGA_CONTINGENCY_MESSAGE_RESTORE, NULL, &protected->held);
  protected->last_sent = now_ms (self);
}

/* ---- as owner: answers ---------------------------------------------------------- */

static void
start_restore (HormigaContingency  *self,
               const HormigaPeerId *from)
{
  if (self->restoring != NULL)
    return;
  self->restoring = hormiga_peer_id_ref ((HormigaPeerId *) from);
  backup_reset (&self->restore);
  send_simple (self, from, HORMIGA_CONTINGENCY_MESSAGE_RESTORE_REQUEST);
}

/* Newer records of the restored backup replace ours; the blob too when we
 * have none. */
static void
on_restore (HormigaContingency        *self,
            const HormigaPeerId       *from,
            HormigaContingencyMessage *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) adopted = NULL;
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GBytes) plaintext = NULL;
  g_autoptr(HormigaPeerId) peer = NULL;

  if (self->restoring == NULL || !hormiga_peer_id_equal (self->restoring, from))
    return;
  if (!backup_apply (&self->restore, message, hormiga_identity_get_public_key (self->identity),
                     now_s (self), self->config.max_backup_bytes, &error))
    {
      g_debug ("contingency: the restore from %s is refused: %s", hormiga_peer_id_to_string (from),
               error->message);
      g_clear_pointer (&self->restoring, hormiga_peer_id_unref);
      return;
    }
  if (message->more)
    return;
  peer = g_steal_pointer (&self->restoring);
  if (message->seq <= self->own.seq)
    {
      Contingent *contingent = find_contingent (self, peer);

      if (contingent != NULL)
        push (self, contingent, TRUE);
      return;
    }

  adopted = g_ptr_array_new_with_free_func ((GDestroyNotify) hormiga_dht_record_unref);
  records = backup_dup_records (&self->restore, now_s (self) + EXPIRY_MARGIN_S);
  self->own.seq = message->seq + 1;
  for (guint i = 0; i < records->len; i++)
    {
      HormigaDhtRecord *record = g_ptr_array_index (records, i);
      HormigaContingencySlot slot;
      HormigaDhtRecord *held;

      hormiga_contingency_slot_of_record (&slot, record);
      held = g_tree_lookup (self->own.records, &slot);
      if (held == NULL || hormiga_dht_record_supersedes (record, held) ||
          (record->kind == HORMIGA_DHT_RECORD_IMMUTABLE && record->expires > held->expires))
        {
          backup_put (&self->own, record);
          note_change (self, &slot);
          g_ptr_array_add (adopted, hormiga_dht_record_ref (record));
        }
    }
  if (self->own.blob == NULL && self->restore.blob != NULL)
    {
      backup_set_blob (&self->own, self->restore.blob);
      self->blob_changed = self->own.seq;
    }
  if (self->own.blob != NULL)
    plaintext = hormiga_contingency_open_private (self->identity, self->own.blob, &error);
  if (error != NULL)
    g_debug ("contingency: our restored private blob does not open: %s", error->message);
  backup_reset (&self->restore);
  push_all (self);
  {
    HormigaContingencyEvent event = { .type = HORMIGA_CONTINGENCY_EVENT_RESTORED };

    event.peer = peer;
    event.records = adopted;
    event.blob = plaintext;
    event.seq = message->seq;
    emit (self, &event);
  }
}

static void
on_refused (HormigaContingency        *self,
            const HormigaPeerId       *from,
            HormigaContingencyMessage *message)
{
  Contingent *contingent = find_contingent (self, from);

  /* A handoff refused: that owner's backup stays with us until we go. */
  if (message->owner != NULL || self->leaving)
    {
      for (guint i = 0; i < self->pending_handoffs->len; i++)
        {
          PendingHandoff *pending = g_ptr_array_index (self->pending_handoffs, i);

          if (hormiga_peer_id_equal (pending->to, from) &&
              (message->owner == NULL || hormiga_peer_id_equal (pending->owner, message->owner)))
            g_ptr_array_remove_index (self->pending_handoffs, i--);
        }
      if (self->leaving && !self->left && self->pending_handoffs->len == 0)
        {
          self->left = TRUE;
          emit_simple (self, HORMIGA_CONTINGENCY_EVENT_LEFT, NULL, NULL);
        }
      return;
    }
  if (contingent == NULL)
    return;
  if (message->code == HORMIGA_CONTINGENCY_ERROR_NOT_ASSIGNED)
    {
      g_autoptr(GPtrArray) desired = desired_contingents (self);

      /* It lost what it held for us (it restarted): assign it again. */
      contingent->state = HORMIGA_CONTINGENT_ASSIGNING;
      contingent->assigned_at = now_ms (self);
      contingent->sent_known = FALSE;
      contingent->synced = FALSE;
      send_assign (self, contingent, desired);
      return;
    }
  {
    g_autoptr(HormigaPeerId) peer = hormiga_peer_id_ref (contingent->peer);
    g_autoptr(GError) error = g_error_new (HORMIGA_CONTINGENCY_ERROR,
                                           message->code >= HORMIGA_CONTINGENCY_ERROR_MALFORMED &&
                                           message->code <= HORMIGA_CONTINGENCY_ERROR_DECRYPT
                                             ? (int) message->code : HORMIGA_CONTINGENCY_ERROR_MALFORMED,
                                           "%s refused to be our contingent: %s",
                                           hormiga_peer_id_to_string (peer),
                                           message->text != NULL ? message->text : "no reason given");
    HormigaContingencyEvent event = { .type = HORMIGA_CONTINGENCY_EVENT_CONTINGENT_REFUSED };

    exclude (self, peer);
    remove_contingent (self, contingent);
    start_repair (self);
    event.peer = peer;
    event.error = error;
    emit (self, &event);
    rechoose (self);
  }
}

static void
on_leave (HormigaContingency        *self,
          const HormigaPeerId       *from,
          HormigaContingencyMessage *message)
{
  Contingent *contingent = find_contingent (self, from);
  Protected *protected = g_hash_table_lookup (self->protected, from);
  g_autoptr(HormigaPeerId) peer = hormiga_peer_id_ref ((HormigaPeerId *) from);

  /* An owner that leaves: we take over now, without waiting for silence. */
  if (protected != NULL)
    take_over (self, protected);

  contingent = find_contingent (self, peer);
  if (contingent != NULL && contingent->state != HORMIGA_CONTINGENT_LEAVING)
    {
      HormigaContingencyEvent step1 = { .type = HORMIGA_CONTINGENCY_EVENT_CONTINGENT_LEAVING };
      gboolean named = message->next != NULL && !hormiga_peer_id_equal (message->next, self->self);
      Contingent *successor;
      g_autoptr(GPtrArray) before = g_ptr_array_new ();

      for (guint i = 0; i < self->contingents->len; i++)
        g_ptr_array_add (before, g_ptr_array_index (self->contingents, i));
      contingent->state = HORMIGA_CONTINGENT_LEAVING;
      contingent->leaving_since = now_ms (self);
      contingent->synced = FALSE;
      exclude (self, peer);
      start_repair (self);
      step1.peer = peer;
      step1.next = message->next;
      emit (self, &step1);
      if (named)
        {
          HormigaContingencyEvent step2 = { .type = HORMIGA_CONTINGENCY_EVENT_CONTINGENT_SUCCESSOR };

          step2.peer = peer;
          step2.next = message->next;
          emit (self, &step2);
          add_candidate (self, message->next);
          sort_candidates (self);
        }
      rechoose (self);

      /* Who replaces it: the successor it named if we took it, else the
       * first contingent this leave made us assign. */
      successor = named ? find_contingent (self, message->next) : NULL;
      for (guint i = 0; i < self->contingents->len && successor == NULL; i++)
        if (!g_ptr_array_find (before, g_ptr_array_index (self->contingents, i), NULL))
          successor = g_ptr_array_index (self->contingents, i);
      contingent = find_contingent (self, peer);
      if (successor != NULL && successor != contingent)
        {
          g_clear_pointer (&successor->replaces, hormiga_peer_id_unref);
          successor->replaces = hormiga_peer_id_ref (peer);
          if (named && hormiga_peer_id_equal (successor->peer, message->next) && !successor->synced)
            successor->handoff_wait_until = now_ms (self) + self->config.heartbeat_interval_ms;
          if (successor->synced)
            {
              successor->synced = FALSE;
              mark_synced (self, successor);
            }
        }
      else if (contingent != NULL)
        remove_contingent (self, contingent);
    }
}

static void
on_handoff_ack (HormigaContingency        *self,
                const HormigaPeerId       *from,
                HormigaContingencyMessage *message)
{
  for (guint i = 0; i < self->pending_handoffs->len; i++)
    {
      PendingHandoff *pending = g_ptr_array_index (self->pending_handoffs, i);

      if (hormiga_peer_id_equal (pending->to, from) && hormiga_peer_id_equal (pending->owner, message->owner))
        g_ptr_array_remove_index (self->pending_handoffs, i--);
    }
  if (self->leaving && !self->left && self->pending_handoffs->len == 0)
    {
      self->left = TRUE;
      emit_simple (self, HORMIGA_CONTINGENCY_EVENT_LEFT, NULL, NULL);
    }
}

/* ---- receiving -------------------------------------------------------------------- */

void
hormiga_contingency_receive (HormigaContingency  *self,
                             const HormigaPeerId *from,
                             GBytes              *bytes)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaContingencyMessage) message = NULL;
  g_autoptr(HormigaPeerId) peer = NULL;
  Contingent *contingent;
  Protected *protected;

  g_return_if_fail (self != NULL && from != NULL && bytes != NULL);

  if (self->left || hormiga_peer_id_equal (from, self->self))
    return;
  message = hormiga_contingency_message_decode (bytes, &error);
  if (message == NULL)
    {
      g_debug ("contingency: a message from %s refused: %s", hormiga_peer_id_to_string (from),
               error->message);
      return;
    }
  peer = hormiga_peer_id_ref ((HormigaPeerId *) from);

  /* Anything from a peer says it is there. */
  contingent = find_contingent (self, peer);
  if (contingent != NULL)
    contingent->last_heard = now_ms (self);
  protected = g_hash_table_lookup (self->protected, peer);
  if (protected != NULL && message->type != HORMIGA_CONTINGENCY_MESSAGE_LEAVE &&
      message->type != HORMIGA_CONTINGENCY_MESSAGE_HANDOFF)
    {
      protected->last_heard = now_ms (self);
      if (protected->taken_over)
        {
          protected->taken_over = FALSE;
          emit_simple (self, HORMIGA_CONTINGENCY_EVENT_TAKEOVER_ENDED, peer, peer);
        }
    }

  switch (message->type)
    {
    case HORMIGA_CONTINGENCY_MESSAGE_ASSIGN:
      on_assign (self, peer, message);
      break;

    case HORMIGA_CONTINGENCY_MESSAGE_ASSIGNED:
      contingent = find_contingent (self, peer);
      if (contingent == NULL)
        {
          if (!self->leaving)
            send_simple (self, peer, HORMIGA_CONTINGENCY_MESSAGE_RELEASE);
          break;
        }
      if (contingent->state == HORMIGA_CONTINGENT_ASSIGNING)
        {
          HormigaContingencyEvent event = { .type = HORMIGA_CONTINGENCY_EVENT_CONTINGENT_ASSIGNED };

          contingent->state = HORMIGA_CONTINGENT_ACTIVE;
          contingent->pushed = FALSE;
          event.peer = peer;
          event.rank = contingent->rank;
          emit (self, &event);
          contingent = find_contingent (self, peer);
          if (contingent == NULL)
            break;
        }
      on_contingent_state (self, contingent, message->seq, message->digest, message->bytes);
      break;

    case HORMIGA_CONTINGENCY_MESSAGE_BACKUP_ACK:
      contingent = find_contingent (self, peer);
      if (contingent != NULL && contingent->state == HORMIGA_CONTINGENT_ACTIVE)
        on_contingent_state (self, contingent, message->seq, message->digest, message->bytes);
      break;

    case HORMIGA_CONTINGENCY_MESSAGE_REFUSED:
      on_refused (self, peer, message);
      break;

    case HORMIGA_CONTINGENCY_MESSAGE_BACKUP:
    case HORMIGA_CONTINGENCY_MESSAGE_HANDOFF:
      on_backup (self, peer, message);
      break;

    case HORMIGA_CONTINGENCY_MESSAGE_HEARTBEAT:
      if (message->has_seq)
        {
          /* From an owner to its contingent. */
          if (protected == NULL || !protected->assigned)
            send_refused (self, peer, HORMIGA_CONTINGENCY_ERROR_NOT_ASSIGNED,
                          "this node holds no backup for you; assign it first");
        }
      else if (contingent == NULL && !self->leaving)
        send_simple (self, peer, HORMIGA_CONTINGENCY_MESSAGE_RELEASE);
      break;

    case HORMIGA_CONTINGENCY_MESSAGE_LEAVE:
      on_leave (self, peer, message);
      break;

    case HORMIGA_CONTINGENCY_MESSAGE_HANDOFF_ACK:
      on_handoff_ack (self, peer, message);
      break;

    case HORMIGA_CONTINGENCY_MESSAGE_RELEASE:
      if (protected != NULL && protected->assigned)
        drop_protected (self, protected);
      break;

    case HORMIGA_CONTINGENCY_MESSAGE_RESTORE_REQUEST:
      on_restore_request (self, peer);
      break;

    case HORMIGA_CONTINGENCY_MESSAGE_RESTORE:
      on_restore (self, peer, message);
      break;

    default:
      g_assert_not_reached ();
    }
}

/* ---- time -------------------------------------------------------------------------- */

static void
send_heartbeat (HormigaContingency  *self,
                const HormigaPeerId *to,
                gboolean             as_owner)
{
  g_autoptr(HormigaContingencyMessage) message =
    hormiga_contingency_message_new (HORMIGA_CONTINGENCY_MESSAGE_HEARTBEAT);

  message->has_seq = as_owner;
  message->seq = self->own.seq;
  send_message (self, to, message);
}

/* Our records that expire soon leave the backup (their holders drop them
 * anyway; a contingent must never get an expired one). */
static void
prune_own (HormigaContingency *self)
{
  g_autoptr(GPtrArray) records = backup_dup_records (&self->own, 0);
  guint64 limit = now_s (self) + EXPIRY_MARGIN_S;
  gboolean changed = FALSE;

  for (guint i = 0; i < records->len; i++)
    {
      HormigaDhtRecord *record = g_ptr_array_index (records, i);
      HormigaContingencySlot slot;

      if (record->expires > limit)
        continue;
      if (!changed)
        self->own.seq++;
      changed = TRUE;
      hormiga_contingency_slot_of_record (&slot, record);
      backup_remove (&self->own, &slot);
      note_change (self, &slot);
    }
  if (changed)
    push_all (self);
}

/* Tombstones every contingent has seen are forgotten; a push from before
 * them goes in full. */
static void
prune_changes (HormigaContingency *self)
{
  guint64 floor = self->own.seq;
  GHashTableIter iter;
  gpointer value;

  for (guint i = 0; i < self->contingents->len; i++)
    {
      Contingent *contingent = g_ptr_array_index (self->contingents, i);

      floor = MIN (floor, contingent->synced ? contingent->acked_seq : self->log_floor);
    }
  g_hash_table_iter_init (&iter, self->changes);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Change *change = value;

      if (change->seq <= floor && g_tree_lookup (self->own.records, &change->slot) == NULL)
        g_hash_table_iter_remove (&iter);
    }
  self->log_floor = MAX (self->log_floor, floor);
}

gint64
hormiga_contingency_tick (HormigaContingency *self)
{
  gint64 now, next;
  g_autoptr(GPtrArray) lost = g_ptr_array_new_with_free_func ((GDestroyNotify) hormiga_peer_id_unref);
  g_autoptr(GPtrArray) owners = NULL;
  gint64 detection, heartbeat;

  g_return_val_if_fail (self != NULL, G_MAXINT64);

  now = now_ms (self);
  detection = self->config.failure_detection_ms;
  heartbeat = self->config.heartbeat_interval_ms;
  next = now + heartbeat;

  if (self->left)
    {
      self->next_deadline = G_MAXINT64;
      return G_MAXINT64 / 2;
    }
  if (self->leaving)
    {
      if (now >= self->leave_deadline)
        {
          self->left = TRUE;
          emit_simple (self, HORMIGA_CONTINGENCY_EVENT_LEFT, NULL, NULL);
          self->next_deadline = G_MAXINT64;
          return G_MAXINT64 / 2;
        }
      self->next_deadline = self->leave_deadline;
      return self->leave_deadline - now;
    }

  prune_own (self);

  if (now >= self->next_repair)
    {
      self->next_repair = now + self->config.repair_interval_ms;
      prune_changes (self);
      emit_simple (self, HORMIGA_CONTINGENCY_EVENT_NEED_CANDIDATES, NULL, NULL);
      rechoose (self);
    }
  next = MIN (next, self->next_repair);

  /* Contingents: silent ones are lost; the others hear from us. */
  for (guint i = 0; i < self->contingents->len; i++)
    {
      Contingent *contingent = g_ptr_array_index (self->contingents, i);

      if (contingent->state == HORMIGA_CONTINGENT_LEAVING)
        {
          if (now - contingent->leaving_since >= detection)
            g_ptr_array_remove_index (self->contingents, i--);
          else
            next = MIN (next, contingent->leaving_since + detection);
          continue;
        }
      if (now - MAX (contingent->last_heard, contingent->assigned_at) >= detection)
        {
          g_ptr_array_add (lost, hormiga_peer_id_ref (contingent->peer));
          continue;
        }
      next = MIN (next, MAX (contingent->last_heard, contingent->assigned_at) + detection);
      if (contingent->handoff_wait_until != 0 && contingent->handoff_wait_until <= now)
        {
          contingent->handoff_wait_until = 0;
          if (!contingent->synced && contingent->state == HORMIGA_CONTINGENT_ACTIVE)
            push (self, contingent, TRUE);
        }
      else if (contingent->handoff_wait_until != 0)
        next = MIN (next, contingent->handoff_wait_until);
      if (contingent->state == HORMIGA_CONTINGENT_ACTIVE)
        {
          if (now - contingent->last_sent >= heartbeat)
            {
              send_heartbeat (self, contingent->peer, TRUE);
              contingent->last_sent = now;
            }
          next = MIN (next, contingent->last_sent + heartbeat);
        }
    }
  for (guint i = 0; i < lost->len; i++)
    {
      const HormigaPeerId *peer = g_ptr_array_index (lost, i);
      Contingent *contingent = find_contingent (self, peer);

      if (contingent != NULL)
        remove_contingent (self, contingent);
      exclude (self, peer);
      start_repair (self);
      emit_simple (self, HORMIGA_CONTINGENCY_EVENT_CONTINGENT_LOST, peer, NULL);
    }
  if (lost->len > 0)
    {
      emit_simple (self, HORMIGA_CONTINGENCY_EVENT_NEED_CANDIDATES, NULL, NULL);
      rechoose (self);
    }

  /* The nodes we protect: heartbeats, takeovers, republishing, forgetting. */
  owners = g_ptr_array_new_with_free_func ((GDestroyNotify) hormiga_peer_id_unref);
  {
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init (&iter, self->protected);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      g_ptr_array_add (owners, hormiga_peer_id_ref (key));
  }
  for (guint i = 0; i < owners->len; i++)
    {
      const HormigaPeerId *owner = g_ptr_array_index (owners, i);
      Protected *protected = g_hash_table_lookup (self->protected, owner);

      if (protected == NULL)
        continue;
      if (now - protected->last_heard >= self->config.retention_ms ||
          (!protected->assigned && !protected->taken_over &&
           now - protected->since >= 2 * (gint64) self->config.repair_interval_ms))
        {
          drop_protected (self, protected);
          continue;
        }
      if (!protected->taken_over && now - protected->last_heard >= detection)
        take_over (self, protected);
      else if (protected->taken_over && now >= protected->next_republish)
        {
          protected->next_republish = now + self->config.republish_interval_ms;
          emit_records (self, HORMIGA_CONTINGENCY_EVENT_REPUBLISH, protected);
        }
      protected = g_hash_table_lookup (self->protected, owner);
      if (protected == NULL)
        continue;
      if (protected->taken_over)
        {
          next = MIN (next, protected->next_republish);
          continue;
        }
      next = MIN (next, protected->last_heard + detection);
      if (protected->assigned)
        {
          if (now - protected->last_sent >= heartbeat)
            {
              send_heartbeat (self, protected->owner, FALSE);
              protected->last_sent = now;
            }
          next = MIN (next, protected->last_sent + heartbeat);
        }
      else
        next = MIN (next, protected->since + 2 * (gint64) self->config.repair_interval_ms);
    }

  next = MAX (next, now + 1);
  self->next_deadline = next;
  return next - now;
}

gint64
hormiga_contingency_get_next_deadline (HormigaContingency *self)
{
  g_return_val_if_fail (self != NULL, G_MAXINT64);

  return self->next_deadline;
}

/* ---- leaving ------------------------------------------------------------------------ */

/* The node a leaving contingent hands @protected's backup to: the first
 * of our successors that is neither the owner nor one of its contingents. */
static const HormigaPeerId *
successor_for (HormigaContingency *self,
               Protected          *protected)
{
  for (guint i = 0; i < self->candidates->len; i++)
    {
      const HormigaPeerId *peer = ((Candidate *) g_ptr_array_index (self->candidates, i))->peer;
      gboolean taken = hormiga_peer_id_equal (peer, protected->owner) || is_excluded (self, peer);

      for (guint j = 0; j < protected->peers->len && !taken; j++)
        taken = hormiga_peer_id_equal (peer, g_ptr_array_index (protected->peers, j));
      if (!taken)
        return peer;
    }
  return NULL;
}

void
hormiga_contingency_leave (HormigaContingency *self)
{
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (self != NULL);

  if (self->leaving)
    return;
  self->leaving = TRUE;
  self->leave_deadline = now_ms (self) + self->config.leave_timeout_ms;
  self->next_deadline = self->leave_deadline;

  /* Steps 1 and 2 to each owner (we go; its new contingent is our
   * successor), then step 3 (its backup to that successor). */
  g_hash_table_iter_init (&iter, self->protected);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Protected *protected = value;
      const HormigaPeerId *next;
      g_autoptr(HormigaContingencyMessage) leave = NULL;

      if (!protected->assigned)
        continue;
      next = successor_for (self, protected);
      leave = hormiga_contingency_message_new (HORMIGA_CONTINGENCY_MESSAGE_LEAVE);
      if (next != NULL)
        leave->next = hormiga_peer_id_ref ((HormigaPeerId *) next);
      send_message (self, protected->owner, leave);
      if (next != NULL)
        {
          PendingHandoff *pending = g_new0 (PendingHandoff, 1);

          send_whole (self, next, HORMIGA_CONTINGENCY_MESSAGE_HANDOFF, protected->owner, &protected->held);
          pending->to = hormiga_peer_id_ref ((HormigaPeerId *) next);
          pending->owner = hormiga_peer_id_ref (protected->owner);
          g_ptr_array_add (self->pending_handoffs, pending);
        }
    }
  /* Our own contingents take over now. */
  for (guint i = 0; i < self->contingents->len; i++)
    send_simple (self, ((Contingent *) g_ptr_array_index (self->contingents, i))->peer,
                 HORMIGA_CONTINGENCY_MESSAGE_LEAVE);
  if (self->pending_handoffs->len == 0)
    {
      self->left = TRUE;
      emit_simple (self, HORMIGA_CONTINGENCY_EVENT_LEFT, NULL, NULL);
    }
}

gboolean
hormiga_contingency_is_leaving (HormigaContingency *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->leaving;
}

/* ---- as owner: our backup ------------------------------------------------------------ */

void
hormiga_contingency_set_candidates (HormigaContingency *self,
                                    GPtrArray          *peers)
{
  g_return_if_fail (self != NULL && peers != NULL);

  g_ptr_array_set_size (self->candidates, 0);
  for (guint i = 0; i < peers->len; i++)
    add_candidate (self, g_ptr_array_index (peers, i));
  /* Those we have stay candidates: a lookup that misses one is no reason
   * to let it go. */
  for (guint i = 0; i < self->contingents->len; i++)
    {
      Contingent *contingent = g_ptr_array_index (self->contingents, i);

      if (contingent->state != HORMIGA_CONTINGENT_LEAVING)
        add_candidate (self, contingent->peer);
    }
  sort_candidates (self);
  rechoose (self);
}

static gboolean
check_record (HormigaContingency  *self,
              HormigaDhtRecord    *record,
              gsize                extra,
              GError             **error)
{
  HormigaContingencySlot slot;
  HormigaDhtRecord *held;
  gsize bytes;

  if (!record_belongs (record, hormiga_identity_get_public_key (self->identity)))
    {
      g_set_error (error, HORMIGA_CONTINGENCY_ERROR, HORMIGA_CONTINGENCY_ERROR_BAD_RECORD,
                   "only records signed by this node (or immutable values) can be backed up; "
                   "this %s record is signed by another node",
                   record->kind == HORMIGA_DHT_RECORD_PEER ? "peer"
                   : record->kind == HORMIGA_DHT_RECORD_MUTABLE ? "mutable" : "provider");
      return FALSE;
    }
  if (record->expires <= now_s (self) + EXPIRY_MARGIN_S)
    {
      g_set_error (error, HORMIGA_CONTINGENCY_ERROR, HORMIGA_CONTINGENCY_ERROR_BAD_RECORD,
                   "the record expires in less than %u s; it is not worth a backup",
                   EXPIRY_MARGIN_S);
      return FALSE;
    }
  hormiga_contingency_slot_of_record (&slot, record);
  held = g_tree_lookup (self->own.records, &slot);
  bytes = self->own.bytes + extra + g_bytes_get_size (record->encoded) -
          (held != NULL ? g_bytes_get_size (held->encoded) : 0);
  if (bytes > self->config.max_backup_bytes)
    {
      g_autofree char *have = g_format_size (bytes);
      g_autofree char *limit = g_format_size (self->config.max_backup_bytes);

      g_set_error (error, HORMIGA_CONTINGENCY_ERROR, HORMIGA_CONTINGENCY_ERROR_QUOTA,
                   "with this record the backup would take %s; contingents keep at most %s per "
                   "node, so back up fewer records or a smaller private blob", have, limit);
      return FALSE;
    }
  return TRUE;
}

gboolean
hormiga_contingency_put_record (HormigaContingency  *self,
                                HormigaDhtRecord    *record,
                                GError             **error)
{
  HormigaContingencySlot slot;
  HormigaDhtRecord *held;

  g_return_val_if_fail (self != NULL && record != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_record (self, record, 0, error))
    return FALSE;
  hormiga_contingency_slot_of_record (&slot, record);
  held = g_tree_lookup (self->own.records, &slot);
  if (held != NULL && g_bytes_equal (held->encoded, record->encoded))
    return TRUE;
  self->own.seq++;
  backup_put (&self->own, record);
  note_change (self, &slot);
  push_all (self);
  return TRUE;
}

void
hormiga_contingency_remove_record (HormigaContingency     *self,
                                   const HormigaDhtRecord *record)
{
  HormigaContingencySlot slot;

  g_return_if_fail (self != NULL && record != NULL);

  hormiga_contingency_slot_of_record (&slot, record);
  if (g_tree_lookup (self->own.records, &slot) == NULL)
    return;
  self->own.seq++;
  backup_remove (&self->own, &slot);
  note_change (self, &slot);
  push_all (self);
}

gboolean
hormiga_contingency_sync_records (HormigaContingency  *self,
                                  GPtrArray           *records,
                                  GError             **error)
{
  g_autoptr(GHashTable) wanted = g_hash_table_new_full (slot_hash, slot_equal, g_free, NULL);
  g_autoptr(GPtrArray) held = NULL;
  gboolean changed = FALSE, ok = TRUE;
  guint64 seq;

  g_return_val_if_fail (self != NULL && records != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  seq = self->own.seq + 1;
  for (guint i = 0; i < records->len; i++)
    {
      HormigaDhtRecord *record = g_ptr_array_index (records, i);
      HormigaContingencySlot slot;
      HormigaDhtRecord *old;
      g_autoptr(GError) local_error = NULL;

      if (!check_record (self, record, 0, &local_error))
        {
          if (ok)
            g_propagate_error (error, g_steal_pointer (&local_error));
          ok = FALSE;
          continue;
        }
      hormiga_contingency_slot_of_record (&slot, record);
      g_hash_table_add (wanted, g_memdup2 (&slot, sizeof slot));
      old = g_tree_lookup (self->own.records, &slot);
      if (old != NULL && g_bytes_equal (old->encoded, record->encoded))
        continue;
      self->own.seq = seq;
      backup_put (&self->own, record);
      note_change (self, &slot);
      changed = TRUE;
    }
  held = backup_dup_records (&self->own, 0);
  for (guint i = 0; i < held->len; i++)
    {
      HormigaContingencySlot slot;

      hormiga_contingency_slot_of_record (&slot, g_ptr_array_index (held, i));
      if (g_hash_table_contains (wanted, &slot))
        continue;
      self->own.seq = seq;
      backup_remove (&self->own, &slot);
      note_change (self, &slot);
      changed = TRUE;
    }
  if (changed)
    push_all (self);
  return ok;
}

gboolean
hormiga_contingency_set_private (HormigaContingency  *self,
                                 GBytes              *plaintext,
                                 GError             **error)
{
  g_autoptr(GBytes) sealed = NULL;
  gsize size = plaintext != NULL ? g_bytes_get_size (plaintext) : 0;
  gsize bytes;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (plaintext != NULL && size + SEAL_OVERHEAD > HORMIGA_CONTINGENCY_MAX_BLOB)
    {
      g_set_error (error, HORMIGA_CONTINGENCY_ERROR, HORMIGA_CONTINGENCY_ERROR_QUOTA,
                   "the private blob is %" G_GSIZE_FORMAT " bytes; at most %u can be backed up",
                   size, (guint) (HORMIGA_CONTINGENCY_MAX_BLOB - SEAL_OVERHEAD));
      return FALSE;
    }
  bytes = self->own.bytes - (self->own.blob != NULL ? g_bytes_get_size (self->own.blob) : 0) +
          (plaintext != NULL ? size + SEAL_OVERHEAD : 0);
  if (bytes > self->config.max_backup_bytes)
    {
      g_autofree char *have = g_format_size (bytes);
      g_autofree char *limit = g_format_size (self->config.max_backup_bytes);

      g_set_error (error, HORMIGA_CONTINGENCY_ERROR, HORMIGA_CONTINGENCY_ERROR_QUOTA,
                   "with this private blob the backup would take %s; contingents keep at most %s "
                   "per node", have, limit);
      return FALSE;
    }
  if (plaintext == NULL && self->own.blob == NULL)
    return TRUE;
  if (plaintext != NULL)
    {
      guint8 nonce[NONCE_SIZE];

      self->io.random (nonce, sizeof nonce, self->user_data);
      sealed = hormiga_contingency_seal_private (self->identity, plaintext, nonce);
    }
  self->own.seq++;
  backup_set_blob (&self->own, sealed);
  self->blob_changed = self->own.seq;
  push_all (self);
  return TRUE;
}

guint64
hormiga_contingency_get_seq (HormigaContingency *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->own.seq;
}

gsize
hormiga_contingency_get_backup_bytes (HormigaContingency *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->own.bytes;
}

void
hormiga_contingency_get_digest (HormigaContingency *self,
                                guint8              digest[HORMIGA_CONTINGENCY_DIGEST_SIZE])
{
  g_return_if_fail (self != NULL && digest != NULL);

  memcpy (digest, backup_digest (&self->own), HORMIGA_CONTINGENCY_DIGEST_SIZE);
}

GPtrArray *
hormiga_contingency_dup_records (HormigaContingency *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return backup_dup_records (&self->own, 0);
}

/* ---- observable state ------------------------------------------------------------------- */

void
hormiga_contingent_info_free (HormigaContingentInfo *info)
{
  if (info == NULL)
    return;
  hormiga_peer_id_unref (info->peer);
  g_free (info);
}

void
hormiga_protected_info_free (HormigaProtectedInfo *info)
{
  if (info == NULL)
    return;
  hormiga_peer_id_unref (info->peer);
  g_free (info);
}

GPtrArray *
hormiga_contingency_list_contingents (HormigaContingency *self)
{
  GPtrArray *list;

  g_return_val_if_fail (self != NULL, NULL);

  list = g_ptr_array_new_with_free_func ((GDestroyNotify) hormiga_contingent_info_free);
  for (guint i = 0; i < self->contingents->len; i++)
    {
      Contingent *contingent = g_ptr_array_index (self->contingents, i);
      HormigaContingentInfo *info = g_new0 (HormigaContingentInfo, 1);

      info->peer = hormiga_peer_id_ref (contingent->peer);
      info->rank = contingent->rank;
      info->state = contingent->state;
      info->synced = contingent->synced;
      info->last_heard_ms = contingent->last_heard;
      info->since_ms = contingent->since;
      info->acked_seq = contingent->acked_seq;
      memcpy (info->acked_digest, contingent->acked_digest, sizeof info->acked_digest);
      info->bytes = contingent->acked_bytes;
      g_ptr_array_add (list, info);
    }
  return list;
}

static int
protected_info_compare (gconstpointer a,
                        gconstpointer b)
{
  const HormigaProtectedInfo *x = *(HormigaProtectedInfo * const *) a;
  const HormigaProtectedInfo *y = *(HormigaProtectedInfo * const *) b;

  return strcmp (hormiga_peer_id_to_string (x->peer), hormiga_peer_id_to_string (y->peer));
}

GPtrArray *
hormiga_contingency_list_protected (HormigaContingency *self)
{
  GPtrArray *list;
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (self != NULL, NULL);

  list = g_ptr_array_new_with_free_func ((GDestroyNotify) hormiga_protected_info_free);
  g_hash_table_iter_init (&iter, self->protected);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Protected *protected = value;
      HormigaProtectedInfo *info = g_new0 (HormigaProtectedInfo, 1);

      info->peer = hormiga_peer_id_ref (protected->owner);
      info->assigned = protected->assigned;
      info->rank = protected->rank;
      info->seq = protected->held.seq;
      info->bytes = protected->held.bytes;
      info->n_records = g_tree_nnodes (protected->held.records);
      info->has_blob = protected->held.blob != NULL;
      info->updated_ms = protected->updated;
      info->last_heard_ms = protected->last_heard;
      info->taken_over = protected->taken_over;
      g_ptr_array_add (list, info);
    }
  g_ptr_array_sort (list, protected_info_compare);
  return list;
}

GPtrArray *
hormiga_contingency_dup_held_records (HormigaContingency  *self,
                                      const HormigaPeerId *owner)
{
  Protected *protected;

  g_return_val_if_fail (self != NULL && owner != NULL, NULL);

  protected = g_hash_table_lookup (self->protected, owner);
  return protected != NULL ? backup_dup_records (&protected->held, 0) : NULL;
}

GBytes *
hormiga_contingency_dup_held_blob (HormigaContingency  *self,
                                   const HormigaPeerId *owner)
{
  Protected *protected;

  g_return_val_if_fail (self != NULL && owner != NULL, NULL);

  protected = g_hash_table_lookup (self->protected, owner);
  return protected != NULL && protected->held.blob != NULL ? g_bytes_ref (protected->held.blob) : NULL;
}

gboolean
hormiga_contingency_get_held_digest (HormigaContingency  *self,
                                     const HormigaPeerId *owner,
                                     guint8               digest[HORMIGA_CONTINGENCY_DIGEST_SIZE])
{
  Protected *protected;

  g_return_val_if_fail (self != NULL && owner != NULL && digest != NULL, FALSE);

  protected = g_hash_table_lookup (self->protected, owner);
  if (protected == NULL)
    return FALSE;
  memcpy (digest, backup_digest (&protected->held), HORMIGA_CONTINGENCY_DIGEST_SIZE);
  return TRUE;
}

/* ---- the private blob -------------------------------------------------------------------- */

static GByteArray *
blob_associated_data (const HormigaPeerId *owner)
{
  GByteArray *ad = g_byte_array_new ();
  gsize size = 0;
  const guint8 *bytes = hormiga_peer_id_get_bytes (owner, &size);

  g_byte_array_append (ad, (const guint8 *) BLOB_AD, sizeof BLOB_AD);
  g_byte_array_append (ad, bytes, (guint) size);
  return ad;
}

GBytes *
hormiga_contingency_seal_private (HormigaIdentity *identity,
                                  GBytes          *plaintext,
                                  const guint8     nonce[24])
{
  g_autoptr(GByteArray) ad = NULL;
  guint8 key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
  gsize size = 0;
  const guint8 *data;
  guint8 *sealed;
  unsigned long long length = 0;

  g_return_val_if_fail (HORMIGA_IS_IDENTITY (identity) && plaintext != NULL && nonce != NULL, NULL);

  data = g_bytes_get_data (plaintext, &size);
  ad = blob_associated_data (hormiga_identity_get_peer_id (identity));
  hormiga_identity_derive_key (identity, BLOB_PURPOSE, key);
  sealed = g_malloc (NONCE_SIZE + size + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  memcpy (sealed, nonce, NONCE_SIZE);
  crypto_aead_xchacha20poly1305_ietf_encrypt (sealed + NONCE_SIZE, &length, data, size, ad->data, ad->len,
                                              NULL, nonce, key);
  sodium_memzero (key, sizeof key);
  return g_bytes_new_take (sealed, NONCE_SIZE + (gsize) length);
}

GBytes *
hormiga_contingency_open_private (HormigaIdentity  *identity,
                                  GBytes           *sealed,
                                  GError          **error)
{
  g_autoptr(GByteArray) ad = NULL;
  guint8 key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
  gsize size = 0;
  const guint8 *data;
  guint8 *plain;
  unsigned long long length = 0;
  int status;

  g_return_val_if_fail (HORMIGA_IS_IDENTITY (identity) && sealed != NULL, NULL);

  data = g_bytes_get_data (sealed, &size);
  if (size < SEAL_OVERHEAD)
    {
      g_set_error (error, HORMIGA_CONTINGENCY_ERROR, HORMIGA_CONTINGENCY_ERROR_DECRYPT,
                   "the private blob is %" G_GSIZE_FORMAT " bytes, shorter than its nonce and tag (%u)",
                   size, (guint) SEAL_OVERHEAD);
      return NULL;
    }
  ad = blob_associated_data (hormiga_identity_get_peer_id (identity));
  hormiga_identity_derive_key (identity, BLOB_PURPOSE, key);
  plain = g_malloc (size - SEAL_OVERHEAD + 1);
  status = crypto_aead_xchacha20poly1305_ietf_decrypt (plain, &length, NULL, data + NONCE_SIZE,
                                                       size - NONCE_SIZE, ad->data, ad->len, data, key);
  sodium_memzero (key, sizeof key);
  if (status != 0)
    {
      g_free (plain);
      g_set_error (error, HORMIGA_CONTINGENCY_ERROR, HORMIGA_CONTINGENCY_ERROR_DECRYPT,
                   "the private blob does not open with this node's key: it was sealed by another "
                   "identity, or changed on the way");
      return NULL;
    }
  return g_bytes_new_take (plain, (gsize) length);
}

/* ---- life ------------------------------------------------------------------------------------ */

HormigaContingency *
hormiga_contingency_new (HormigaIdentity                *identity,
                         const HormigaContingencyConfig *config,
                         const HormigaContingencyIo     *io,
                         gpointer                        user_data)
{
  static const HormigaContingencyConfig defaults = HORMIGA_CONTINGENCY_CONFIG_INIT;
  HormigaContingency *self;

  g_return_val_if_fail (HORMIGA_IS_IDENTITY (identity), NULL);
  g_return_val_if_fail (io != NULL && io->send != NULL && io->now != NULL && io->random != NULL, NULL);

  self = g_new0 (HormigaContingency, 1);
  self->identity = g_object_ref (identity);
  self->self = hormiga_peer_id_ref (hormiga_identity_get_peer_id (identity));
  hormiga_dht_key_from_peer_id (&self->self_key, self->self);
  self->config = config != NULL ? *config : defaults;
  self->config.r = CLAMP (self->config.r, 1, HORMIGA_CONTINGENCY_MESSAGE_MAX_PEERS);
  self->config.heartbeat_interval_ms = MAX (self->config.heartbeat_interval_ms, 1);
  self->config.failure_detection_ms = MAX (self->config.failure_detection_ms, self->config.heartbeat_interval_ms);
  self->config.repair_interval_ms = MAX (self->config.repair_interval_ms, 1);
  self->config.republish_interval_ms = MAX (self->config.republish_interval_ms, 1);
  self->io = *io;
  self->user_data = user_data;
  backup_init (&self->own);
  backup_init (&self->restore);
  self->changes = g_hash_table_new_full (slot_hash, slot_equal, NULL, g_free);
  self->candidates = g_ptr_array_new_with_free_func ((GDestroyNotify) candidate_free);
  self->excluded = g_hash_table_new_full ((GHashFunc) hormiga_peer_id_hash, (GEqualFunc) hormiga_peer_id_equal,
                                          (GDestroyNotify) hormiga_peer_id_unref, g_free);
  self->contingents = g_ptr_array_new_with_free_func ((GDestroyNotify) contingent_free);
  self->protected = g_hash_table_new_full ((GHashFunc) hormiga_peer_id_hash, (GEqualFunc) hormiga_peer_id_equal,
                                           NULL, (GDestroyNotify) protected_free);
  self->pending_handoffs = g_ptr_array_new_with_free_func ((GDestroyNotify) pending_handoff_free);
  /* The first tick asks for candidates. */
  self->next_repair = now_ms (self) + self->config.heartbeat_interval_ms;
  self->next_deadline = now_ms (self) + self->config.heartbeat_interval_ms;
  return self;
}

void
hormiga_contingency_free (HormigaContingency *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->pending_handoffs);
  g_hash_table_unref (self->protected);
  g_ptr_array_unref (self->contingents);
  g_hash_table_unref (self->excluded);
  g_ptr_array_unref (self->candidates);
  g_hash_table_unref (self->changes);
  g_clear_pointer (&self->restoring, hormiga_peer_id_unref);
  backup_clear (&self->restore);
  backup_clear (&self->own);
  hormiga_peer_id_unref (self->self);
  g_object_unref (self->identity);
  g_free (self);
}

const HormigaPeerId *
hormiga_contingency_get_peer_id (HormigaContingency *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->self;
}

const HormigaContingencyConfig *
hormiga_contingency_get_config (HormigaContingency *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return &self->config;
}
