/* hormiga-transfer-manager.c — sharing files with peers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Per peer with an open files channel, a Channel: our requests waiting for
 * an answer (id → the transfer or send that asked), and the chunks we
 * serve it: being read (counted in `serving`) or read and waiting in the
 * outbox for the channel's buffer to drain below the high water mark.
 *
 * With an upload limit, the chunks of every channel take their bytes from
 * one token bucket (rate: the limit; burst: one whole message): a channel
 * whose next chunk finds too few tokens waits in `throttled`, and one
 * timer, armed for when the first of them can go, lets them go in turn.
 */
#include <string.h>

#include "hormiga-chunk-io.h"
#include "hormiga-content-hasher.h"
#include "hormiga-link.h"
#include "hormiga-share-error.h"
#include "hormiga-token-bucket.h"
#include "hormiga-transfer-manager.h"
#include "hormiga-transfer-private.h"

typedef struct
{
  HormigaContentId  cid;
  HormigaManifest  *manifest;
  GBytes           *encoded;
  char             *path;
} Share;

typedef struct
{
  HormigaTransfer      *transfer;   /* a chunk, manifest or want request of a download */
  GTask                *send;       /* an offer of send_async() */
  HormigaTransferOffer *offer;      /* a folder's manifest an offer to us needs */
} Pending;

typedef struct
{
  guint32           id;
  GBytes           *bytes;
  HormigaContentId  cid;       /* of a chunk, */
  gsize             payload;   /* and its length */
} Outgoing;

typedef struct
{
  HormigaTransferManager *manager;   /* unowned */
  HormigaPeerId          *peer;
  HormigaDataChannel     *channel;   /* the newest: what we send goes on it */
  GPtrArray              *older;     /* HormigaDataChannel of the peer's other connections */
  GHashTable             *pending;   /* our request id → Pending */
  GQueue                  outbox;    /* Outgoing */
  GHashTable             *cancelled; /* their request ids they cancelled while we read */
  guint                   serving;   /* their chunk requests being read or in the outbox */
  gboolean                throttled; /* in the manager's queue, waiting for tokens */
} Channel;

struct _HormigaTransferManager
{
  GObject       parent_instance;

  HormigaNode  *node;
  char         *folder;
  char         *library;
  GHashTable   *shares;      /* HormigaContentId → Share */
  GListStore   *transfers;   /* HormigaTransfer */
  GHashTable   *channels;    /* PeerID text → Channel */
  GPtrArray    *offers;      /* HormigaTransferOffer not yet answered */
  GCancellable *cancellable;
  guint32       next_id;
  guint         give_up_ms;
  gboolean      share_downloads;
  gboolean      shut_down;
  guint64       chunks_served;
  guint64       bytes_served;
  GHashTable   *uploads;     /* "PEERID CID" → HormigaTransferUpload */
  GMainContext *context;
  guint         upload_limit;   /* KiB/s; 0: none */
  HormigaTokenBucket upload_bucket;
  GQueue        throttled;      /* Channel waiting for tokens, first come first */
  GSource      *upload_timer;   /* when the first of them may go */
};

G_DEFINE_FINAL_TYPE (HormigaTransferManager, hormiga_transfer_manager, G_TYPE_OBJECT)

enum {
  OFFER,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Shares are reference counted (g_rc_box): a chunk being read keeps its
 * share, and its manifest, alive. */
static void
share_clear (Share *share)
{
  hormiga_manifest_free (share->manifest);
  g_bytes_unref (share->encoded);
  g_free (share->path);
}

static void
share_release (Share *share)
{
  g_rc_box_release_full (share, (GDestroyNotify) share_clear);
}

static void
pending_free (Pending *pending)
{
  g_clear_object (&pending->transfer);
  g_clear_object (&pending->send);
  g_clear_object (&pending->offer);
  g_free (pending);
}

static void
outgoing_free (Outgoing *outgoing)
{
  g_bytes_unref (outgoing->bytes);
  g_free (outgoing);
}

/* ---- sending ----------------------------------------------------------------------- */

static gboolean
send_now (Channel *channel,
          GBytes  *bytes)
{
  g_autoptr(GError) error = NULL;
  gsize length;
  const guint8 *data = g_bytes_get_data (bytes, &length);

  if (!hormiga_data_channel_send (channel->channel, data, length, &error))
    {
      g_debug ("transfers: cannot send to %s: %s", hormiga_peer_id_to_string (channel->peer),
               error->message);
      return FALSE;
    }
  return TRUE;
}

static void
send_message (Channel                   *channel,
              const HormigaShareMessage *message)
{
  g_autoptr(GBytes) bytes = hormiga_share_message_encode (message);

  send_now (channel, bytes);
}

static void
send_error (Channel    *channel,
            guint32     id,
            guint32     code,
            const char *text)
{
  g_autoptr(HormigaShareMessage) error = hormiga_share_message_new (HORMIGA_SHARE_MESSAGE_ERROR, id);

  error->code = code;
  error->text = g_utf8_make_valid (text, MIN (strlen (text), HORMIGA_SHARE_MAX_TEXT - 4));
  send_message (channel, error);
}

static gboolean lookup_content (HormigaTransferManager  *self,
                                const HormigaContentId  *cid,
                                Share                  **share,
                                HormigaTransfer        **transfer);

void
hormiga_transfer_upload_free (HormigaTransferUpload *upload)
{
  hormiga_peer_id_unref (upload->peer);
  g_free (upload->name);
  g_free (upload);
}

/* @peer was sent @length bytes of @cid: the uploads list says so. */
static void
record_upload (HormigaTransferManager *self,
               HormigaPeerId          *peer,
               const HormigaContentId *cid,
               gsize                   length)
{
  g_autofree char *text = hormiga_content_id_to_string (cid);
  g_autofree char *key = g_strconcat (hormiga_peer_id_to_string (peer), " ", text, NULL);
  HormigaTransferUpload *upload = g_hash_table_lookup (self->uploads, key);
  gint64 now = g_get_monotonic_time ();

  if (upload == NULL)
    {
      Share *share;
      HormigaTransfer *transfer;

      if (!lookup_content (self, cid, &share, &transfer))
        return;
      if (g_hash_table_size (self->uploads) >= HORMIGA_TRANSFER_MAX_UPLOADS_LISTED)
        {
          GHashTableIter iter;
          gpointer k, v, oldest = NULL;
          gint64 oldest_at = G_MAXINT64;

          g_hash_table_iter_init (&iter, self->uploads);
          while (g_hash_table_iter_next (&iter, &k, &v))
            if (((HormigaTransferUpload *) v)->last_sent < oldest_at)
              {
                oldest = k;
                oldest_at = ((HormigaTransferUpload *) v)->last_sent;
              }
          g_hash_table_remove (self->uploads, oldest);
        }
      upload = g_new0 (HormigaTransferUpload, 1);
      upload->peer = hormiga_peer_id_ref (peer);
      upload->cid = *cid;
      upload->name = share ? g_path_get_basename (share->path)
                           : g_strdup (hormiga_transfer_get_name (transfer));
      upload->size = hormiga_manifest_get_total_size (share ? share->manifest
                                                            : _hormiga_transfer_get_manifest (transfer));
      upload->first_sent = now;
      g_hash_table_insert (self->uploads, g_steal_pointer (&key), upload);
    }
  upload->bytes_sent += length;
  upload->last_sent = now;
}

static void flush_channel (Channel *channel,
                           gboolean resumed);

static gboolean
on_upload_timer (gpointer user_data)
{
  HormigaTransferManager *self = user_data;
  guint n = g_queue_get_length (&self->throttled);

  g_clear_pointer (&self->upload_timer, g_source_unref);
  /* Each waiting channel in turn, until one finds the bucket empty again
   * (it goes back to the end of the queue, and the timer is armed anew). */
  for (guint i = 0; i < n && !g_queue_is_empty (&self->throttled); i++)
    {
      Channel *channel = g_queue_pop_head (&self->throttled);

      channel->throttled = FALSE;
      flush_channel (channel, TRUE);
      if (channel->throttled)
        break;
    }
  return G_SOURCE_REMOVE;
}

static void
arm_upload_timer (HormigaTransferManager *self)
{
  Channel *first = g_queue_peek_head (&self->throttled);
  Outgoing *next;
  gint64 wait_us;

  if (self->upload_timer != NULL || first == NULL)
    return;
  next = g_queue_peek_head (&first->outbox);
  wait_us = next == NULL ? 0
                         : hormiga_token_bucket_wait_us (&self->upload_bucket,
                                                         g_bytes_get_size (next->bytes),
                                                         g_get_monotonic_time ());
  self->upload_timer = g_timeout_source_new ((guint) ((wait_us + 999) / 1000));
  g_source_set_callback (self->upload_timer, on_upload_timer, self, NULL);
  g_source_set_static_name (self->upload_timer, "hormiga upload limit");
  g_source_attach (self->upload_timer, self->context);
}

static void
throttle (Channel *channel)
{
  HormigaTransferManager *self = channel->manager;

  if (!channel->throttled)
    {
      channel->throttled = TRUE;
      g_queue_push_tail (&self->throttled, channel);
    }
  arm_upload_timer (self);
}

/* Chunks wait in the outbox while the channel holds the high water mark,
 * and, with an upload limit, for their bytes' tokens: behind the channels
 * already waiting for theirs unless @resumed (the timer's turn). */
static void
flush_channel (Channel  *channel,
               gboolean  resumed)
{
  HormigaTransferManager *self = channel->manager;

  while (!g_queue_is_empty (&channel->outbox) &&
         hormiga_data_channel_get_buffered_amount (channel->channel) < HORMIGA_TRANSFER_HIGH_WATER)
    {
      Outgoing *outgoing = g_queue_peek_head (&channel->outbox);

      if (self->upload_limit != 0 &&
          (channel->throttled || (!resumed && !g_queue_is_empty (&self->throttled)) ||
           !hormiga_token_bucket_take (&self->upload_bucket, g_bytes_get_size (outgoing->bytes),
                                       g_get_monotonic_time ())))
        {
          throttle (channel);
          return;
        }
      g_queue_pop_head (&channel->outbox);

      channel->serving--;
      if (send_now (channel, outgoing->bytes))
        {
          channel->manager->chunks_served++;
          channel->manager->bytes_served += g_bytes_get_size (outgoing->bytes);
          record_upload (channel->manager, channel->peer, &outgoing->cid, outgoing->payload);
        }
      outgoing_free (outgoing);
    }
}

static void
flush (Channel *channel)
{
  flush_channel (channel, FALSE);
}

static void
on_buffered_amount_low (HormigaDataChannel *data_channel,
                        gpointer            user_data)
{
  flush (user_data);
}

/* ---- serving ------------------------------------------------------------------------ */

/* What we can serve of @cid: a share, or a download in progress. */
static gboolean
lookup_content (HormigaTransferManager  *self,
                const HormigaContentId  *cid,
                Share                  **share,
                HormigaTransfer        **transfer)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->transfers));

  *share = g_hash_table_lookup (self->shares, cid);
  *transfer = NULL;
  if (*share != NULL)
    return TRUE;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HormigaTransfer) candidate = g_list_model_get_item (G_LIST_MODEL (self->transfers), i);

      if (hormiga_content_id_equal (hormiga_transfer_get_content_id (candidate), cid) &&
          _hormiga_transfer_get_manifest (candidate) != NULL &&
          hormiga_transfer_get_state (candidate) != HORMIGA_TRANSFER_CANCELLED)
        {
          *transfer = candidate;
          return TRUE;
        }
    }
  return FALSE;
}

static void
serve_want (Channel             *channel,
            HormigaShareMessage *want)
{
  g_autoptr(HormigaShareMessage) have = hormiga_share_message_new (HORMIGA_SHARE_MESSAGE_HAVE, want->id);
  Share *share;
  HormigaTransfer *transfer;

  have->cid = want->cid;
  have->state = HORMIGA_SHARE_HAVE_NONE;
  if (lookup_content (channel->manager, &want->cid, &share, &transfer))
    {
      if (share != NULL)
        {
          have->state = HORMIGA_SHARE_HAVE_ALL;
          have->msize = g_bytes_get_size (share->encoded);
        }
      else
        {
          have->state = HORMIGA_SHARE_HAVE_SOME;
          have->bits = _hormiga_transfer_dup_bits (transfer);
          have->msize = g_bytes_get_size (_hormiga_transfer_get_encoded_manifest (transfer));
        }
    }
  send_message (channel, have);
}

static void
serve_manifest (Channel             *channel,
                HormigaShareMessage *request)
{
  g_autoptr(HormigaShareMessage) piece = NULL;
  Share *share;
  HormigaTransfer *transfer;
  GBytes *encoded;
  gsize total;

  if (!lookup_content (channel->manager, &request->cid, &share, &transfer))
    {
      send_error (channel, request->id, HORMIGA_SHARE_CODE_NOT_FOUND, "no such content here");
      return;
    }
  encoded = share ? share->encoded : _hormiga_transfer_get_encoded_manifest (transfer);
  total = g_bytes_get_size (encoded);
  if (request->offset >= total)
    {
      send_error (channel, request->id, HORMIGA_SHARE_CODE_BAD_REQUEST,
                  "the offset is past the end of the manifest");
      return;
    }
  piece = hormiga_share_message_new (HORMIGA_SHARE_MESSAGE_MANIFEST, request->id);
  piece->cid = request->cid;
  piece->offset = request->offset;
  piece->total = total;
  piece->data = g_bytes_new_from_bytes (encoded, (gsize) request->offset,
                                        MIN ((gsize) request->length, total - (gsize) request->offset));
  send_message (channel, piece);
}

typedef struct
{
  HormigaTransferManager *manager;
  HormigaPeerId          *peer;
  guint32                 id;
  HormigaContentId        cid;
  guint32                 index;
  Share                  *share;      /* a reference, or */
  HormigaTransfer        *transfer;   /* a reference: either keeps the manifest */
} Read;

static void
read_free (Read *read)
{
  g_object_unref (read->manager);
  hormiga_peer_id_unref (read->peer);
  g_clear_pointer (&read->share, share_release);
  g_clear_object (&read->transfer);
  g_free (read);
}

static void
on_chunk_read (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Read *read = user_data;
  HormigaTransferManager *self = read->manager;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) data = hormiga_chunk_io_read_finish (result, &error);
  Channel *channel = g_hash_table_lookup (self->channels, hormiga_peer_id_to_string (read->peer));

  if (channel == NULL || self->shut_down)
    goto out;
  if (g_hash_table_remove (channel->cancelled, GUINT_TO_POINTER (read->id)))
    {
      channel->serving--;
      goto out;
    }
  if (data == NULL)
    {
      channel->serving--;
      g_debug ("transfers: cannot serve chunk %u: %s", read->index, error->message);
      send_error (channel, read->id,
                  g_error_matches (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MISMATCH)
                    ? HORMIGA_SHARE_CODE_NOT_FOUND : HORMIGA_SHARE_CODE_INTERNAL,
                  g_error_matches (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MISMATCH)
                    ? "the shared file changed since it was shared" : "the file cannot be read");
      goto out;
    }
  {
    g_autoptr(HormigaShareMessage) chunk = hormiga_share_message_new (HORMIGA_SHARE_MESSAGE_CHUNK,
                                                                      read->id);
    Outgoing *outgoing = g_new0 (Outgoing, 1);

    chunk->cid = read->cid;
    chunk->index = read->index;
    chunk->data = g_bytes_ref (data);
    outgoing->id = read->id;
    outgoing->bytes = hormiga_share_message_encode (chunk);
    outgoing->cid = read->cid;
    outgoing->payload = g_bytes_get_size (data);
    g_queue_push_tail (&channel->outbox, outgoing);
    flush (channel);
  }

out:
  read_free (read);
}

static void
serve_chunk (Channel             *channel,
             HormigaShareMessage *request)
{
  HormigaTransferManager *self = channel->manager;
  const HormigaManifest *manifest;
  const char *path;
  Share *share;
  HormigaTransfer *transfer;
  Read *read;

  if (!lookup_content (self, &request->cid, &share, &transfer))
    {
      send_error (channel, request->id, HORMIGA_SHARE_CODE_NOT_FOUND, "no such content here");
      return;
    }
  manifest = share ? share->manifest : _hormiga_transfer_get_manifest (transfer);
  path = share ? share->path : _hormiga_transfer_get_part_path (transfer);
  if (request->index >= hormiga_manifest_get_n_chunks (manifest))
    {
      send_error (channel, request->id, HORMIGA_SHARE_CODE_BAD_REQUEST, "no chunk by that index");
      return;
    }
  if (share == NULL && !_hormiga_transfer_has_chunk (transfer, request->index))
    {
      send_error (channel, request->id, HORMIGA_SHARE_CODE_NOT_FOUND, "that chunk is not here yet");
      return;
    }
  if (channel->serving >= HORMIGA_TRANSFER_MAX_UPLOADS_PER_PEER)
    {
      send_error (channel, request->id, HORMIGA_SHARE_CODE_TOO_MANY_REQUESTS,
                  "too many chunk requests at once");
      return;
    }
  channel->serving++;
  read = g_new0 (Read, 1);
  read->manager = g_object_ref (self);
  read->peer = hormiga_peer_id_ref (channel->peer);
  read->id = request->id;
  read->cid = request->cid;
  read->index = request->index;
  read->share = share ? g_rc_box_acquire (share) : NULL;
  read->transfer = transfer ? g_object_ref (transfer) : NULL;
  hormiga_chunk_io_read_async (path, manifest, request->index, self->cancellable,
                               on_chunk_read, read);
}

static void
serve_cancel (Channel             *channel,
              HormigaShareMessage *cancel)
{
  for (GList *l = channel->outbox.head; l != NULL; l = l->next)
    if (((Outgoing *) l->data)->id == cancel->id)
      {
        outgoing_free (l->data);
        g_queue_delete_link (&channel->outbox, l);
        channel->serving--;
        return;
      }
  /* Perhaps still being read; bounded by the reads in flight. */
  if (g_hash_table_size (channel->cancelled) < HORMIGA_TRANSFER_MAX_UPLOADS_PER_PEER)
    g_hash_table_add (channel->cancelled, GUINT_TO_POINTER (cancel->id));
}

static void
serve_offer (Channel             *channel,
             HormigaShareMessage *offer)
{
  HormigaTransferManager *self = channel->manager;
  g_autoptr(HormigaLink) link = hormiga_link_new (&offer->cid);
  g_autoptr(HormigaTransferOffer) incoming = NULL;

  link->name = g_strdup (offer->name);
  link->has_size = TRUE;
  link->size = offer->size;
  link->has_kind = TRUE;
  link->kind = offer->kind;
  if (self->offers->len >= 16)
    {
      _hormiga_transfer_manager_reply (self, channel->peer, offer->id, FALSE,
                                       "too many offers waiting for an answer", NULL);
      return;
    }
  incoming = _hormiga_transfer_offer_new (self, channel->peer, offer->id, link, offer->msize);
  g_ptr_array_add (self->offers, g_object_ref (incoming));
  /* A folder is shown with its files: their list comes first. */
  if (offer->kind == HORMIGA_MANIFEST_FOLDER)
    _hormiga_transfer_offer_fetch (incoming);
  else
    _hormiga_transfer_manager_present (self, incoming);
}

void
_hormiga_transfer_manager_present (HormigaTransferManager *self,
                                   HormigaTransferOffer   *offer)
{
  g_autoptr(HormigaTransferOffer) incoming = g_object_ref (offer);
  gboolean handled = FALSE;

  g_signal_emit (self, signals[OFFER], 0, incoming, &handled);
  if (!handled && !hormiga_transfer_offer_is_answered (incoming))
    hormiga_transfer_offer_decline (incoming, "nobody here takes offers");
}

/* ---- responses to our requests ----------------------------------------------------- */

typedef struct
{
  HormigaPeerId *peer;
  char          *link;
} Send;

/* A send accepted: NULL when whole, else the paths of the files taken. */
static void
send_accepted (Channel             *channel,
               GTask               *task,
               HormigaShareMessage *reply)
{
  HormigaTransferManager *self = channel->manager;
  Send *send = g_task_get_task_data (task);
  g_autoptr(HormigaLink) link = hormiga_link_parse (send->link, NULL);
  g_autoptr(GError) error = NULL;
  Share *share = link ? g_hash_table_lookup (self->shares, &link->cid) : NULL;
  g_autoptr(HormigaManifest) folder = NULL;
  const guint8 *bits;
  GPtrArray *paths;

  if (reply->entries == NULL)
    {
      g_task_return_pointer (task, NULL, NULL);
      return;
    }
  /* The entries in the order of the encoding (sorted by path), as the
   * receiver counts them. */
  folder = share ? hormiga_manifest_decode (share->encoded, NULL) : NULL;
  if (folder == NULL || folder->kind != HORMIGA_MANIFEST_FOLDER ||
      !hormiga_share_message_check_entries (reply, folder->entries->len, &error))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               "%s accepted, but named files the offer does not have: %s",
                               hormiga_peer_id_to_string (channel->peer),
                               error ? error->message : "it is not a folder shared here");
      return;
    }
  bits = g_bytes_get_data (reply->entries, NULL);
  paths = g_ptr_array_new ();
  for (guint i = 0; i < folder->entries->len; i++)
    if ((bits[i / 8] >> (7 - i % 8)) & 1)
      g_ptr_array_add (paths, g_strdup (((HormigaManifestEntry *)
                                         g_ptr_array_index (folder->entries, i))->path));
  g_ptr_array_add (paths, NULL);
  g_task_return_pointer (task, g_ptr_array_free (paths, FALSE), (GDestroyNotify) g_strfreev);
}

static void
on_response (Channel             *channel,
             HormigaShareMessage *response)
{
  Pending *pending = g_hash_table_lookup (channel->pending, GUINT_TO_POINTER (response->id));

  if (pending == NULL)
    return;
  if (pending->transfer != NULL)
    {
      g_autoptr(HormigaTransfer) transfer = g_object_ref (pending->transfer);

      g_hash_table_remove (channel->pending, GUINT_TO_POINTER (response->id));
      _hormiga_transfer_response (transfer, channel->peer, response->id, response);
      return;
    }
  if (pending->offer != NULL)
    {
      g_autoptr(HormigaTransferOffer) offer = g_object_ref (pending->offer);

      g_hash_table_remove (channel->pending, GUINT_TO_POINTER (response->id));
      _hormiga_transfer_offer_response (offer, response);
      return;
    }
  if (pending->send != NULL)
    {
      g_autoptr(GTask) task = g_steal_pointer (&pending->send);

      g_hash_table_remove (channel->pending, GUINT_TO_POINTER (response->id));
      if (response->type == HORMIGA_SHARE_MESSAGE_REPLY && response->accept)
        send_accepted (channel, task, response);
      else
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                                 "%s declined: %s", hormiga_peer_id_to_string (channel->peer),
                                 response->text ? response->text : "no reason given");
    }
}

static void
on_channel_message (HormigaDataChannel *data_channel,
                    GBytes             *data,
                    gboolean            is_text,
                    gpointer            user_data)
{
  Channel *channel = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaShareMessage) message = NULL;

  if (is_text || channel->manager->shut_down)
    return;
  message = hormiga_share_message_decode (data, &error);
  if (message == NULL)
    {
      g_debug ("transfers: a message from %s refused: %s", hormiga_peer_id_to_string (channel->peer),
               error->message);
      return;
    }
  switch (message->type)
    {
    case HORMIGA_SHARE_MESSAGE_WANT:         serve_want (channel, message); break;
    case HORMIGA_SHARE_MESSAGE_GET_MANIFEST: serve_manifest (channel, message); break;
    case HORMIGA_SHARE_MESSAGE_GET_CHUNK:    serve_chunk (channel, message); break;
    case HORMIGA_SHARE_MESSAGE_CANCEL:       serve_cancel (channel, message); break;
    case HORMIGA_SHARE_MESSAGE_OFFER:        serve_offer (channel, message); break;
    default:                                 on_response (channel, message); break;
    }
}

/* ---- channels ------------------------------------------------------------------------ */

static void
channel_free (Channel *channel)
{
  g_signal_handlers_disconnect_by_data (channel->channel, channel);
  g_object_unref (channel->channel);
  for (guint i = 0; i < channel->older->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (channel->older, i), channel);
  g_ptr_array_unref (channel->older);
  hormiga_peer_id_unref (channel->peer);
  g_hash_table_unref (channel->pending);
  g_hash_table_unref (channel->cancelled);
  g_queue_clear_full (&channel->outbox, (GDestroyNotify) outgoing_free);
  g_free (channel);
}

/* One of the peer's channels closed: what we asked may have been answered
 * on it, and will not be. Asked again (transfers), or failed. With
 * @forget, the peer has no channel left. */
static void
channel_lost (HormigaTransferManager *self,
              Channel                *channel,
              gboolean                forget)
{
  g_autoptr(GHashTable) pending = g_steal_pointer (&channel->pending);
  g_autoptr(HormigaPeerId) peer = hormiga_peer_id_ref (channel->peer);
  GHashTableIter iter;
  gpointer key, value;

  channel->pending = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) pending_free);
  if (forget)
    {
      /* Freed now: it no longer waits for tokens. Otherwise it keeps its
       * place, and its outbox goes on the peer's other channel. */
      if (channel->throttled)
        g_queue_remove (&self->throttled, channel);
      channel->throttled = FALSE;
      g_hash_table_remove (self->channels, hormiga_peer_id_to_string (peer));
    }
  g_hash_table_iter_init (&iter, pending);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Pending *lost = value;

      if (lost->transfer != NULL)
        _hormiga_transfer_request_lost (lost->transfer, peer, GPOINTER_TO_UINT (key));
      else if (lost->offer != NULL)
        _hormiga_transfer_offer_response (lost->offer, NULL);
      else if (lost->send != NULL)
        g_task_return_new_error (g_steal_pointer (&lost->send), G_IO_ERROR, G_IO_ERROR_CLOSED,
                                 "the connection to %s closed before it answered",
                                 hormiga_peer_id_to_string (peer));
    }
}

static void
on_channel_open (HormigaNode        *node,
                 HormigaPeerId      *peer,
                 HormigaDataChannel *data_channel,
                 gpointer            user_data)
{
  HormigaTransferManager *self = user_data;
  Channel *channel;

  if (hormiga_data_channel_get_id (data_channel) != HORMIGA_SHARE_CHANNEL_ID || self->shut_down)
    return;
  /* A second connection to the same peer (both ends connected at once):
   * we send on the newer channel, and keep listening on the older one,
   * which the peer may have taken as its newer. */
  channel = g_hash_table_lookup (self->channels, hormiga_peer_id_to_string (peer));
  if (channel != NULL)
    {
      g_ptr_array_add (channel->older, g_steal_pointer (&channel->channel));
      channel->channel = g_object_ref (data_channel);
    }
  else
    {
      channel = g_new0 (Channel, 1);
      channel->manager = self;
      channel->peer = hormiga_peer_id_ref (peer);
      channel->channel = g_object_ref (data_channel);
      channel->older = g_ptr_array_new_with_free_func (g_object_unref);
      channel->pending = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) pending_free);
      channel->cancelled = g_hash_table_new (NULL, NULL);
      g_queue_init (&channel->outbox);
      g_hash_table_insert (self->channels, g_strdup (hormiga_peer_id_to_string (peer)), channel);
    }
  hormiga_data_channel_set_buffered_amount_low_threshold (data_channel, HORMIGA_TRANSFER_LOW_WATER);
  g_signal_connect (data_channel, "message", G_CALLBACK (on_channel_message), channel);
  g_signal_connect (data_channel, "buffered-amount-low", G_CALLBACK (on_buffered_amount_low),
                    channel);
}

static void
on_channel_closed (HormigaNode        *node,
                   HormigaPeerId      *peer,
                   HormigaDataChannel *data_channel,
                   gpointer            user_data)
{
  HormigaTransferManager *self = user_data;
  Channel *channel = g_hash_table_lookup (self->channels, hormiga_peer_id_to_string (peer));
  guint index;

  if (channel == NULL)
    return;
  if (channel->channel == data_channel)
    {
      if (channel->older->len == 0)
        {
          channel_lost (self, channel, TRUE);
          return;
        }
      /* The peer's other connection carries on. */
      g_signal_handlers_disconnect_by_data (channel->channel, channel);
      g_object_unref (channel->channel);
      channel->channel = g_ptr_array_steal_index (channel->older, channel->older->len - 1);
      channel_lost (self, channel, FALSE);
      flush (channel);
    }
  else if (g_ptr_array_find (channel->older, data_channel, &index))
    {
      g_signal_handlers_disconnect_by_data (data_channel, channel);
      g_ptr_array_remove_index (channel->older, index);
      channel_lost (self, channel, FALSE);
    }
}

/* ---- for transfers and offers ---------------------------------------------------------- */

static Channel *
channel_to (HormigaTransferManager *self,
            const HormigaPeerId    *peer)
{
  Channel *channel = g_hash_table_lookup (self->channels, hormiga_peer_id_to_string (peer));

  if (channel != NULL &&
      hormiga_data_channel_get_state (channel->channel) != HORMIGA_DATA_CHANNEL_OPEN)
    return NULL;
  return channel;
}

static gboolean
request (HormigaTransferManager *self,
         const HormigaPeerId    *peer,
         HormigaShareMessage    *message,
         Pending                *pending)
{
  Channel *channel = channel_to (self, peer);
  g_autoptr(GBytes) bytes = NULL;

  if (channel == NULL || self->shut_down)
    {
      pending_free (pending);
      return FALSE;
    }
  message->id = ++self->next_id;
  if (message->id == 0)
    message->id = ++self->next_id;
  bytes = hormiga_share_message_encode (message);
  if (!send_now (channel, bytes))
    {
      pending_free (pending);
      return FALSE;
    }
  g_hash_table_insert (channel->pending, GUINT_TO_POINTER (message->id), pending);
  return TRUE;
}

gboolean
_hormiga_transfer_manager_request (HormigaTransferManager *self,
                                   const HormigaPeerId    *peer,
                                   HormigaShareMessage    *message,
                                   HormigaTransfer        *transfer)
{
  Pending *pending = g_new0 (Pending, 1);

  pending->transfer = g_object_ref (transfer);
  return request (self, peer, message, pending);
}

gboolean
_hormiga_transfer_manager_request_for_offer (HormigaTransferManager *self,
                                             const HormigaPeerId    *peer,
                                             HormigaShareMessage    *message,
                                             HormigaTransferOffer   *offer)
{
  Pending *pending = g_new0 (Pending, 1);

  pending->offer = g_object_ref (offer);
  return request (self, peer, message, pending);
}

void
_hormiga_transfer_manager_cancel (HormigaTransferManager *self,
                                  const HormigaPeerId    *peer,
                                  guint32                 id)
{
  Channel *channel = channel_to (self, peer);
  g_autoptr(HormigaShareMessage) cancel = NULL;

  if (channel == NULL || !g_hash_table_remove (channel->pending, GUINT_TO_POINTER (id)))
    return;
  cancel = hormiga_share_message_new (HORMIGA_SHARE_MESSAGE_CANCEL, id);
  send_message (channel, cancel);
}

void
_hormiga_transfer_manager_reply (HormigaTransferManager *self,
                                 const HormigaPeerId    *peer,
                                 guint32                 id,
                                 gboolean                accept,
                                 const char             *text,
                                 GBytes                 *entries)
{
  Channel *channel = channel_to (self, peer);

  for (guint i = 0; i < self->offers->len; i++)
    {
      HormigaTransferOffer *offer = g_ptr_array_index (self->offers, i);

      if (hormiga_peer_id_equal (hormiga_transfer_offer_get_peer (offer), peer) &&
          hormiga_transfer_offer_is_answered (offer))
        {
          g_ptr_array_remove_index (self->offers, i);
          break;
        }
    }
  if (channel != NULL)
    {
      g_autoptr(HormigaShareMessage) reply = hormiga_share_message_new (HORMIGA_SHARE_MESSAGE_REPLY, id);

      reply->accept = accept;
      if (text != NULL)
        reply->text = g_utf8_make_valid (text, MIN (strlen (text), HORMIGA_SHARE_MAX_TEXT - 4));
      if (accept && entries != NULL)
        reply->entries = g_bytes_ref (entries);
      send_message (channel, reply);
    }
}

HormigaNode *
_hormiga_transfer_manager_get_node (HormigaTransferManager *self)
{
  return self->node;
}

guint
_hormiga_transfer_manager_get_give_up_ms (HormigaTransferManager *self)
{
  return self->give_up_ms;
}

/* ---- shares ----------------------------------------------------------------------------------- */

static void
on_provided (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  guint stored = hormiga_node_provide_finish (HORMIGA_NODE (object), result, &error);

  if (stored == 0)
    g_debug ("transfers: the provider record was not stored: %s", error->message);
}

static void
announce (HormigaTransferManager *self,
          const HormigaContentId *cid)
{
  HormigaDhtKey key;

  memcpy (key.bytes, cid->bytes, sizeof key.bytes);
  hormiga_node_provide_async (self->node, &key, NULL, on_provided, NULL);
}

static void
remember (HormigaTransferManager *self,
          Share                  *share)
{
  g_autofree char *cid = NULL;
  g_autofree char *base = NULL;
  g_autofree char *manifest_path = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GKeyFile) keys = NULL;
  gsize length;

  if (self->library == NULL)
    return;
  cid = hormiga_content_id_to_string (&share->cid);
  base = g_build_filename (self->library, cid, NULL);
  manifest_path = g_strconcat (base, ".manifest", NULL);
  keys = g_key_file_new ();
  g_key_file_set_string (keys, "share", "path", share->path);
  text = g_key_file_to_data (keys, &length, NULL);
  {
    g_autofree char *share_path = g_strconcat (base, ".share", NULL);
    g_autoptr(GBytes) contents = g_bytes_new_take (g_steal_pointer (&text), length);

    /* The manifest first: a .share file always has one. */
    hormiga_chunk_io_save_async (manifest_path, share->encoded, NULL, NULL, NULL);
    hormiga_chunk_io_save_async (share_path, contents, NULL, NULL, NULL);
  }
}

static void
add_share (HormigaTransferManager *self,
           HormigaManifest        *manifest,
           GBytes                 *encoded,
           const char             *path,
           gboolean                persist)
{
  Share *share = g_rc_box_new0 (Share);

  hormiga_manifest_get_id (manifest, &share->cid);
  share->manifest = manifest;
  share->encoded = g_bytes_ref (encoded);
  share->path = g_strdup (path);
  g_hash_table_replace (self->shares, &share->cid, share);
  if (persist)
    remember (self, share);
  announce (self, &share->cid);
}

void
_hormiga_transfer_manager_done (HormigaTransferManager *self,
                                HormigaTransfer        *transfer,
                                const char             *path,
                                const HormigaManifest  *manifest,
                                GBytes                 *encoded)
{
  if (!self->share_downloads || self->shut_down)
    return;
  add_share (self, hormiga_manifest_decode (encoded, NULL), encoded, path, TRUE);
}

static void
on_hashed (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HormigaTransferManager *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  HormigaManifest *manifest = hormiga_content_hash_file_finish (result, &error);
  g_autoptr(GBytes) encoded = NULL;
  g_autoptr(HormigaLink) link = NULL;
  GFile *file = g_task_get_task_data (task);
  g_autofree char *path = g_file_get_path (file);

  if (manifest == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  encoded = hormiga_manifest_encode (manifest);
  link = hormiga_link_new_for_manifest (manifest);
  add_share (self, manifest, encoded, path, TRUE);
  g_task_return_pointer (task, hormiga_link_to_string (link), g_free);
}

static void
on_tree_hashed (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HormigaTransferManager *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaChunkIoTree) tree = hormiga_chunk_io_hash_tree_finish (result, &error);
  g_autoptr(GBytes) encoded = NULL;
  g_autoptr(HormigaLink) link = NULL;
  GFile *file = g_task_get_task_data (task);

  if (tree == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* Every file of the folder is shared (and announced) on its own: the
   * folder's manifest names them by content ID, and a download of the
   * folder fetches each of them from whoever provides it. */
  for (guint i = 0; i < tree->paths->len; i++)
    {
      HormigaManifest *manifest = g_ptr_array_steal_index (tree->manifests, 0);
      g_autoptr(GBytes) file_encoded = hormiga_manifest_encode (manifest);

      add_share (self, manifest, file_encoded, g_ptr_array_index (tree->paths, i), TRUE);
    }
  encoded = hormiga_manifest_encode (tree->folder);
  link = hormiga_link_new_for_manifest (tree->folder);
  add_share (self, g_steal_pointer (&tree->folder), encoded, g_file_peek_path (file), TRUE);
  g_task_return_pointer (task, hormiga_link_to_string (link), g_free);
}

static void
on_share_type (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileInfo) info = g_file_query_info_finish (G_FILE (object), result, &error);
  GFile *file = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  if (info == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  switch (g_file_info_get_file_type (info))
    {
    case G_FILE_TYPE_DIRECTORY:
      hormiga_chunk_io_hash_tree_async (g_file_peek_path (file), HORMIGA_CONTENT_CHUNK_SIZE,
                                        cancellable, on_tree_hashed, g_steal_pointer (&task));
      break;
    case G_FILE_TYPE_REGULAR:
      hormiga_content_hash_file_async (file, HORMIGA_CONTENT_CHUNK_SIZE, cancellable, on_hashed,
                                       g_steal_pointer (&task));
      break;
    default:
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE,
                               "%s is neither a file nor a folder", g_file_peek_path (file));
      break;
    }
}

void
hormiga_transfer_manager_share_async (HormigaTransferManager *self,
                                      GFile                  *file,
                                      GCancellable           *cancellable,
                                      GAsyncReadyCallback     callback,
                                      gpointer                user_data)
{
  GTask *task;

  g_return_if_fail (HORMIGA_IS_TRANSFER_MANAGER (self));
  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hormiga_transfer_manager_share_async);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  if (g_file_peek_path (file) == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               "only local files can be shared");
      g_object_unref (task);
      return;
    }
  g_file_query_info_async (file, G_FILE_ATTRIBUTE_STANDARD_TYPE, G_FILE_QUERY_INFO_NONE,
                           G_PRIORITY_DEFAULT, cancellable, on_share_type, task);
}

char *
hormiga_transfer_manager_share_finish (HormigaTransferManager *self,
                                       GAsyncResult           *result,
                                       GError                **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* What the library folder remembers: read in a thread, added here. */
typedef struct
{
  GPtrArray *paths;      /* char * */
  GPtrArray *manifests;  /* GBytes */
} Library;

static void
library_free (Library *library)
{
  g_ptr_array_unref (library->paths);
  g_ptr_array_unref (library->manifests);
  g_free (library);
}

static void
load_library_thread (GTask        *task,
                     gpointer      source,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  const char *folder = task_data;
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  Library *library = g_new0 (Library, 1);
  const char *entry;

  library->paths = g_ptr_array_new_with_free_func (g_free);
  library->manifests = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
    {
      g_autoptr(GKeyFile) keys = g_key_file_new ();
      g_autofree char *share_path = NULL;
      g_autofree char *manifest_path = NULL;
      g_autofree char *path = NULL;
      char *manifest = NULL;
      gsize length;

      if (!g_str_has_suffix (entry, ".share"))
        continue;
      share_path = g_build_filename (folder, entry, NULL);
      {
        g_autofree char *base = g_strndup (share_path, strlen (share_path) - strlen (".share"));

        manifest_path = g_strconcat (base, ".manifest", NULL);
      }
      if (!g_key_file_load_from_file (keys, share_path, G_KEY_FILE_NONE, NULL) ||
          (path = g_key_file_get_string (keys, "share", "path", NULL)) == NULL ||
          !g_file_test (path, G_FILE_TEST_IS_REGULAR) ||
          !g_file_get_contents (manifest_path, &manifest, &length, NULL))
        continue;
      g_ptr_array_add (library->paths, g_steal_pointer (&path));
      g_ptr_array_add (library->manifests, g_bytes_new_take (manifest, length));
    }
  g_task_return_pointer (task, library, (GDestroyNotify) library_free);
}

static void
on_library_loaded (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  HormigaTransferManager *self = HORMIGA_TRANSFER_MANAGER (object);
  Library *library = g_task_propagate_pointer (G_TASK (result), NULL);

  if (library == NULL || self->shut_down)
    {
      g_clear_pointer (&library, library_free);
      return;
    }
  for (guint i = 0; i < library->paths->len; i++)
    {
      g_autoptr(GError) error = NULL;
      GBytes *encoded = g_ptr_array_index (library->manifests, i);
      HormigaManifest *manifest = hormiga_manifest_decode (encoded, &error);

      if (manifest == NULL)
        {
          g_debug ("transfers: a remembered share is unreadable: %s", error->message);
          continue;
        }
      add_share (self, manifest, encoded, g_ptr_array_index (library->paths, i), FALSE);
    }
  library_free (library);
}

/* Announced again whenever the node (re)joins the DHT. */
static void
on_dht_ready (HormigaNode *node,
              guint        contacts,
              gpointer     user_data)
{
  HormigaTransferManager *self = user_data;
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->shares);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    announce (self, &((Share *) value)->cid);
}

/* ---- downloads and sends ------------------------------------------------------------------------ */

static HormigaTransfer *
download (HormigaTransferManager  *self,
          const char              *text,
          const char              *folder,
          GBytes                  *offered,
          GBytes                  *selected,
          GError                 **error)
{
  g_autoptr(HormigaLink) link = NULL;
  g_autoptr(HormigaTransfer) transfer = NULL;
  guint n;

  if (self->shut_down)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "the node has stopped");
      return NULL;
    }
  link = hormiga_link_parse (text, error);
  if (link == NULL)
    return NULL;
  n = g_list_model_get_n_items (G_LIST_MODEL (self->transfers));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HormigaTransfer) known = g_list_model_get_item (G_LIST_MODEL (self->transfers), i);
      HormigaTransferState state = hormiga_transfer_get_state (known);

      if (hormiga_content_id_equal (hormiga_transfer_get_content_id (known), &link->cid) &&
          state != HORMIGA_TRANSFER_FAILED && state != HORMIGA_TRANSFER_CANCELLED)
        return known;
    }
  transfer = _hormiga_transfer_new (self, link, folder ? folder : self->folder);
  if (offered != NULL)
    _hormiga_transfer_set_offered (transfer, hormiga_manifest_decode (offered, NULL), offered,
                                   selected);
  g_list_store_append (self->transfers, transfer);
  _hormiga_transfer_start (transfer);
  return transfer;
}

HormigaTransfer *
hormiga_transfer_manager_download (HormigaTransferManager  *self,
                                   const char              *text,
                                   const char              *folder,
                                   GError                 **error)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER_MANAGER (self), NULL);
  g_return_val_if_fail (text != NULL, NULL);

  return download (self, text, folder, NULL, NULL, error);
}

HormigaTransfer *
_hormiga_transfer_manager_download_offered (HormigaTransferManager  *self,
                                            const char              *text,
                                            const char              *folder,
                                            GBytes                  *encoded,
                                            GBytes                  *selected,
                                            GError                 **error)
{
  return download (self, text, folder, encoded, selected, error);
}

static void
send_free (Send *send)
{
  hormiga_peer_id_unref (send->peer);
  g_free (send->link);
  g_free (send);
}

static void
on_send_connected (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HormigaTransferManager *self = g_task_get_source_object (task);
  Send *send = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaLink) link = NULL;
  g_autoptr(HormigaShareMessage) offer = NULL;
  Share *share;
  Pending *pending;

  if (!hormiga_node_connect_finish (HORMIGA_NODE (object), result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  link = hormiga_link_parse (send->link, NULL);
  share = link ? g_hash_table_lookup (self->shares, &link->cid) : NULL;
  if (share == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               "the file is no longer shared");
      return;
    }
  offer = hormiga_share_message_new (HORMIGA_SHARE_MESSAGE_OFFER, 0);
  offer->cid = share->cid;
  offer->kind = share->manifest->kind;
  offer->name = g_strdup (share->manifest->name);
  offer->size = hormiga_manifest_get_total_size (share->manifest);
  offer->msize = g_bytes_get_size (share->encoded);
  pending = g_new0 (Pending, 1);
  pending->send = g_object_ref (task);
  if (!request (self, send->peer, offer, pending))
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                             "the connection to %s closed", hormiga_peer_id_to_string (send->peer));
}

static void
on_send_shared (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HormigaTransferManager *self = HORMIGA_TRANSFER_MANAGER (object);
  Send *send = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable;

  send->link = hormiga_transfer_manager_share_finish (self, result, &error);
  if (send->link == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  cancellable = g_task_get_cancellable (task);
  hormiga_node_connect_async (self->node, send->peer, cancellable, on_send_connected,
                              g_steal_pointer (&task));
}

void
hormiga_transfer_manager_send_async (HormigaTransferManager *self,
                                     const HormigaPeerId    *peer,
                                     GFile                  *file,
                                     GCancellable           *cancellable,
                                     GAsyncReadyCallback     callback,
                                     gpointer                user_data)
{
  GTask *task;
  Send *send;

  g_return_if_fail (HORMIGA_IS_TRANSFER_MANAGER (self));
  g_return_if_fail (peer != NULL && G_IS_FILE (file));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hormiga_transfer_manager_send_async);
  send = g_new0 (Send, 1);
  send->peer = hormiga_peer_id_ref ((HormigaPeerId *) peer);
  g_task_set_task_data (task, send, (GDestroyNotify) send_free);
  hormiga_transfer_manager_share_async (self, file, cancellable, on_send_shared, task);
}

gboolean
hormiga_transfer_manager_send_finish (HormigaTransferManager *self,
                                      GAsyncResult           *result,
                                      GError                **error)
{
  g_auto(GStrv) paths = NULL;

  return hormiga_transfer_manager_send_finish_paths (self, result, &paths, error);
}

gboolean
hormiga_transfer_manager_send_finish_paths (HormigaTransferManager  *self,
                                            GAsyncResult            *result,
                                            GStrv                   *accepted,
                                            GError                 **error)
{
  GError *local = NULL;
  GStrv paths;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (accepted != NULL, FALSE);

  paths = g_task_propagate_pointer (G_TASK (result), &local);
  if (local != NULL)
    {
      g_propagate_error (error, local);
      *accepted = NULL;
      return FALSE;
    }
  *accepted = paths;
  return TRUE;
}

/* ---- the rest of the API ------------------------------------------------------------------------- */

GListModel *
hormiga_transfer_manager_get_transfers (HormigaTransferManager *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER_MANAGER (self), NULL);
  return G_LIST_MODEL (self->transfers);
}

void
hormiga_transfer_manager_set_share_downloads (HormigaTransferManager *self,
                                              gboolean                share)
{
  g_return_if_fail (HORMIGA_IS_TRANSFER_MANAGER (self));
  self->share_downloads = share;
}

void
hormiga_transfer_manager_set_give_up (HormigaTransferManager *self,
                                      guint                   ms)
{
  g_return_if_fail (HORMIGA_IS_TRANSFER_MANAGER (self));
  self->give_up_ms = ms;
}

guint
hormiga_transfer_manager_get_n_shares (HormigaTransferManager *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER_MANAGER (self), 0);
  return g_hash_table_size (self->shares);
}

guint64
hormiga_transfer_manager_get_chunks_served (HormigaTransferManager *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER_MANAGER (self), 0);
  return self->chunks_served;
}

void
hormiga_transfer_manager_set_upload_limit (HormigaTransferManager *self,
                                           guint                   kib_per_s)
{
  gint64 now = g_get_monotonic_time ();
  double rate = (double) kib_per_s * 1024;

  g_return_if_fail (HORMIGA_IS_TRANSFER_MANAGER (self));

  if (kib_per_s == self->upload_limit)
    return;
  if (kib_per_s == 0)
    {
      /* No limit: whoever waited goes now. */
      self->upload_limit = 0;
      if (self->upload_timer != NULL)
        {
          g_source_destroy (self->upload_timer);
          g_clear_pointer (&self->upload_timer, g_source_unref);
        }
      while (!g_queue_is_empty (&self->throttled))
        {
          Channel *channel = g_queue_pop_head (&self->throttled);

          channel->throttled = FALSE;
          flush_channel (channel, TRUE);
        }
      return;
    }
  if (self->upload_limit == 0)
    hormiga_token_bucket_init (&self->upload_bucket, rate, HORMIGA_TRANSFER_UPLOAD_BURST, now);
  else
    hormiga_token_bucket_set_rate (&self->upload_bucket, rate, HORMIGA_TRANSFER_UPLOAD_BURST, now);
  self->upload_limit = kib_per_s;
  /* The timer was armed for the old rate. */
  if (self->upload_timer != NULL)
    {
      g_source_destroy (self->upload_timer);
      g_clear_pointer (&self->upload_timer, g_source_unref);
      arm_upload_timer (self);
    }
}

guint
hormiga_transfer_manager_get_upload_limit (HormigaTransferManager *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER_MANAGER (self), 0);
  return self->upload_limit;
}

guint64
hormiga_transfer_manager_get_bytes_served (HormigaTransferManager *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER_MANAGER (self), 0);
  return self->bytes_served;
}

GPtrArray *
hormiga_transfer_manager_list_uploads (HormigaTransferManager *self)
{
  GPtrArray *list;
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (HORMIGA_IS_TRANSFER_MANAGER (self), NULL);

  list = g_ptr_array_new_with_free_func ((GDestroyNotify) hormiga_transfer_upload_free);
  g_hash_table_iter_init (&iter, self->uploads);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      HormigaTransferUpload *copy = g_memdup2 (value, sizeof (HormigaTransferUpload));

      copy->peer = hormiga_peer_id_ref (copy->peer);
      copy->name = g_strdup (copy->name);
      g_ptr_array_add (list, copy);
    }
  return list;
}

void
hormiga_transfer_manager_shutdown (HormigaTransferManager *self)
{
  guint n;

  g_return_if_fail (HORMIGA_IS_TRANSFER_MANAGER (self));

  if (self->shut_down)
    return;
  self->shut_down = TRUE;
  g_cancellable_cancel (self->cancellable);
  n = g_list_model_get_n_items (G_LIST_MODEL (self->transfers));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HormigaTransfer) transfer = g_list_model_get_item (G_LIST_MODEL (self->transfers), i);

      _hormiga_transfer_shutdown (transfer);
    }
  for (guint i = 0; i < self->offers->len; i++)
    _hormiga_transfer_offer_orphan (g_ptr_array_index (self->offers, i));
  g_ptr_array_set_size (self->offers, 0);
  {
    GHashTableIter iter;
    gpointer value;
    g_autoptr(GPtrArray) all = g_ptr_array_new ();

    g_hash_table_iter_init (&iter, self->channels);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      g_ptr_array_add (all, value);
    for (guint i = 0; i < all->len; i++)
      channel_lost (self, g_ptr_array_index (all, i), TRUE);
  }
  if (self->upload_timer != NULL)
    {
      g_source_destroy (self->upload_timer);
      g_clear_pointer (&self->upload_timer, g_source_unref);
    }
  g_signal_handlers_disconnect_by_data (self->node, self);
}

HormigaTransferManager *
hormiga_transfer_manager_new (HormigaNode *node,
                              const char  *folder,
                              const char  *library)
{
  HormigaTransferManager *self;

  g_return_val_if_fail (HORMIGA_IS_NODE (node), NULL);
  g_return_val_if_fail (folder != NULL, NULL);

  self = g_object_new (HORMIGA_TYPE_TRANSFER_MANAGER, NULL);
  self->node = g_object_ref (node);
  self->folder = g_strdup (folder);
  self->library = g_strdup (library);
  hormiga_node_add_channel (node, HORMIGA_SHARE_CHANNEL_ID, HORMIGA_SHARE_CHANNEL_LABEL);
  g_signal_connect (node, "channel-open", G_CALLBACK (on_channel_open), self);
  g_signal_connect (node, "channel-closed", G_CALLBACK (on_channel_closed), self);
  g_signal_connect (node, "dht-ready", G_CALLBACK (on_dht_ready), self);
  if (library != NULL)
    {
      g_autoptr(GTask) task = g_task_new (self, self->cancellable, on_library_loaded, NULL);

      g_mkdir_with_parents (library, 0700);
      g_task_set_task_data (task, g_strdup (library), g_free);
      g_task_run_in_thread (task, load_library_thread);
    }
  return self;
}

static void
hormiga_transfer_manager_dispose (GObject *object)
{
  HormigaTransferManager *self = HORMIGA_TRANSFER_MANAGER (object);

  if (self->node != NULL)
    hormiga_transfer_manager_shutdown (self);
  g_clear_object (&self->node);
  if (self->transfers != NULL)
    g_list_store_remove_all (self->transfers);

  G_OBJECT_CLASS (hormiga_transfer_manager_parent_class)->dispose (object);
}

static void
hormiga_transfer_manager_finalize (GObject *object)
{
  HormigaTransferManager *self = HORMIGA_TRANSFER_MANAGER (object);

  g_hash_table_unref (self->channels);
  g_hash_table_unref (self->shares);
  g_hash_table_unref (self->uploads);
  g_ptr_array_unref (self->offers);
  g_clear_object (&self->transfers);
  g_clear_object (&self->cancellable);
  g_main_context_unref (self->context);
  g_free (self->folder);
  g_free (self->library);

  G_OBJECT_CLASS (hormiga_transfer_manager_parent_class)->finalize (object);
}

static void
hormiga_transfer_manager_class_init (HormigaTransferManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hormiga_transfer_manager_dispose;
  object_class->finalize = hormiga_transfer_manager_finalize;

  /**
   * HormigaTransferManager::offer:
   * @offer: what a peer wants to send us
   *
   * Accept or decline it (now or later, within its timeout) and return
   * TRUE; if no handler returns TRUE, it is declined.
   */
  signals[OFFER] = g_signal_new ("offer", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                 g_signal_accumulator_true_handled, NULL, NULL, G_TYPE_BOOLEAN,
                                 1, HORMIGA_TYPE_TRANSFER_OFFER);
}

static void
hormiga_transfer_manager_init (HormigaTransferManager *self)
{
  self->shares = g_hash_table_new_full (hormiga_content_id_hash, hormiga_content_id_equal, NULL,
                                        (GDestroyNotify) share_release);
  self->transfers = g_list_store_new (HORMIGA_TYPE_TRANSFER);
  self->channels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) channel_free);
  self->offers = g_ptr_array_new_with_free_func (g_object_unref);
  self->uploads = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) hormiga_transfer_upload_free);
  self->cancellable = g_cancellable_new ();
  self->give_up_ms = HORMIGA_TRANSFER_DEFAULT_GIVE_UP_MS;
  self->share_downloads = TRUE;
  self->context = g_main_context_ref_thread_default ();
  g_queue_init (&self->throttled);
}
