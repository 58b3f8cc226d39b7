/* hormiga-transfer.c — one download from every peer that has the file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Sources: every peer asked (`want`) and, once it answers `have`, asked
 * for chunks. Each source has a window of chunk requests in flight; it
 * starts at MIN_WINDOW and grows by one with every good chunk up to
 * MAX_WINDOW, and halves when the peer says it is busy. A request that
 * takes longer than REQUEST_TIMEOUT_MS is a strike; STRIKES strikes, a
 * chunk that does not match its hash, a manifest that does not match the
 * content ID, or the connection closing drop the source, and what it had
 * in flight goes to the others.
 *
 * Chunk choice: when every source has everything, in order from a cursor
 * (the disk sees sequential writes); when some hold only parts, the chunk
 * fewest sources hold. When nothing is left to ask for but chunks already
 * in flight, a source with room asks for one of those too (end game): the
 * first copy that checks out is kept, the other requests are cancelled.
 *
 * Chunks are checked and written off the main loop (hormiga-chunk-io.h);
 * the state file is written at most once a second.
 *
 * A folder: its manifest is fetched and checked the same way (or comes
 * with the offer that was accepted), a folder is made for it in the
 * download folder, and each of its files taken (all, or those the offer
 * accepted) is downloaded by a child transfer of its own (MAX_CHILDREN at
 * a time) into the subfolder its sanitised path names, asking the
 * folder's sources first. Its state file ("FOLDER.hormiga-folder", with
 * the manifest beside it) says which files are taken and which are done,
 * so a later download of the same folder there skips those and lets each
 * child resume from its own partial file.
 */
#include <string.h>

#include "hormiga-chunk-io.h"
#include "hormiga-share-error.h"
#include "hormiga-share-name.h"
#include "hormiga-transfer-private.h"

#define MIN_WINDOW            4
#define MAX_WINDOW            32
#define REQUEST_TIMEOUT_MS    15000
#define STRIKES               3
#define MAX_SOURCES           16
#define MAX_COPIES            2       /* requests for one chunk in the end game */
#define TICK_MS               500
#define PROVIDERS_EVERY_MS    10000
#define STATE_EVERY_MS        1000
#define SPEED_WINDOW_S        3.0
#define MAX_CHILDREN          2

typedef enum {
  SOURCE_CONNECTING,
  SOURCE_ASKING,
  SOURCE_READY,
  SOURCE_DROPPED,
} SourceState;

typedef struct
{
  HormigaTransfer *transfer;   /* unowned: the transfer holds its sources */
  HormigaPeerId   *peer;
  SourceState      state;
  gboolean         all;
  GBytes          *bits;       /* when it has some */
  guint64          msize;
  guint            inflight;
  guint            window;
  guint            strikes;
  guint64          chunks;
  guint64          bytes;
  guint            bad;
  gint64           dropped_at; /* monotonic µs */
  gboolean         banned;     /* sent bad data: never again */
} Source;

typedef enum {
  REQUEST_WANT,
  REQUEST_MANIFEST,
  REQUEST_CHUNK,
} RequestKind;

typedef struct
{
  guint32     id;
  Source     *source;
  RequestKind kind;
  guint64     index;
  gint64      sent_at;   /* monotonic µs */
} Request;

struct _HormigaTransfer
{
  GObject                 parent_instance;

  HormigaTransferManager *manager;      /* unowned: it owns its transfers */
  HormigaContentId        cid;
  char                   *name;
  char                   *folder;
  guint64                 size;
  HormigaTransferState    state;
  char                   *error;
  char                   *path;
  char                   *part_path;
  char                   *state_path;

  HormigaManifest        *manifest;
  GBytes                 *encoded;
  GByteArray             *manifest_buffer;
  Source                 *manifest_source;
  guint64                 n_chunks;
  guint8                 *have;         /* verified, one bit per chunk */
  guint8                 *writing;      /* being checked and written */
  guint8                 *inflight;     /* requests out per chunk */
  guint64                 n_have;
  guint64                 cursor;
  gboolean                preparing;
  gboolean                prepared;
  gboolean                rechecked;    /* a failed final check started it over once */
  gboolean                looked;       /* the search for a partial download is over */
  gboolean                stopping;     /* shut down: the last state is still saved */

  /* A folder's download. */
  char                   *target;       /* the folder made for it */
  GPtrArray              *children;     /* HormigaTransfer, one per entry started */
  guint                   next_entry;
  guint                   running;
  guint64                 children_done;  /* bytes of the children that finished */
  HormigaTransfer        *parent;       /* unowned: a child's folder transfer */
  char                   *forced_name;  /* a child's name, from the folder's path */
  guint                   entry;        /* a child's index in the folder's manifest */
  GBytes                 *selected;     /* entries taken, one bit each; NULL: all */
  guint8                 *done;         /* entries finished, one bit each */
  gboolean                delete_state; /* done: delete the state once saved */
  HormigaManifest        *offered;      /* a folder's manifest an offer brought */
  GBytes                 *offered_encoded;

  guint64                 received;
  guint64                 downloaded;
  guint64                 resumed;

  GHashTable             *sources;      /* PeerID text → Source */
  GHashTable             *requests;     /* id → Request */
  GCancellable           *cancellable;
  GSource                *tick;
  gint64                  last_live_at;
  gint64                  providers_at;
  guint                   empty_finds;  /* lookups in a row that named no provider */
  gboolean                finding;
  gint64                  saved_at;
  gboolean                dirty;
  gboolean                saving;

  double                  speed;
  guint64                 speed_base;
  gint64                  speed_at;
};

G_DEFINE_FINAL_TYPE (HormigaTransfer, hormiga_transfer, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_SIZE,
  PROP_RECEIVED,
  PROP_STATE,
  PROP_SPEED,
  PROP_ETA,
  PROP_N_SOURCES,
  PROP_ERROR,
  PROP_PATH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void schedule       (HormigaTransfer *self);
static void save_state     (HormigaTransfer *self);
static void delete_folder_state (HormigaTransfer *self);
static void fetch_manifest (HormigaTransfer *self);
static void finish         (HormigaTransfer *self);

static gboolean
bit_get (const guint8 *bits,
         guint64       index)
{
  return (bits[index / 8] >> (7 - index % 8)) & 1;
}

static void
bit_set (guint8   *bits,
         guint64   index,
         gboolean  value)
{
  if (value)
    bits[index / 8] |= (guint8) (1 << (7 - index % 8));
  else
    bits[index / 8] &= (guint8) ~(1 << (7 - index % 8));
}

static gint64
now_us (void)
{
  return g_get_monotonic_time ();
}

const char *
hormiga_transfer_state_to_string (HormigaTransferState state)
{
  switch (state)
    {
    case HORMIGA_TRANSFER_LOOKING:     return "looking";
    case HORMIGA_TRANSFER_DOWNLOADING: return "downloading";
    case HORMIGA_TRANSFER_VERIFYING:   return "verifying";
    case HORMIGA_TRANSFER_PAUSED:      return "paused";
    case HORMIGA_TRANSFER_DONE:        return "done";
    case HORMIGA_TRANSFER_FAILED:      return "failed";
    case HORMIGA_TRANSFER_CANCELLED:   return "cancelled";
    default:                           return "unknown";
    }
}

void
hormiga_transfer_source_free (HormigaTransferSource *source)
{
  if (source == NULL)
    return;
  hormiga_peer_id_unref (source->peer);
  g_free (source);
}

static gboolean
is_over (HormigaTransfer *self)
{
  return self->state == HORMIGA_TRANSFER_DONE || self->state == HORMIGA_TRANSFER_FAILED ||
         self->state == HORMIGA_TRANSFER_CANCELLED;
}

static void
set_state (HormigaTransfer      *self,
           HormigaTransferState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static guint
count_live_sources (HormigaTransfer *self)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_hash_table_iter_init (&iter, self->sources);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    n += ((Source *) value)->state == SOURCE_READY;
  return n;
}

static void
notify_sources (HormigaTransfer *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_SOURCES]);
}

/* ---- requests -------------------------------------------------------------------- */

static Request *
send_request (HormigaTransfer     *self,
              Source              *source,
              HormigaShareMessage *message,
              RequestKind          kind,
              guint64              index)
{
  Request *request;

  if (!_hormiga_transfer_manager_request (self->manager, source->peer, message, self))
    return NULL;
  request = g_new0 (Request, 1);
  request->id = message->id;
  request->source = source;
  request->kind = kind;
  request->index = index;
  request->sent_at = now_us ();
  g_hash_table_insert (self->requests, GUINT_TO_POINTER (request->id), request);
  return request;
}

/* Forgets @request, with its source's and chunk's counts; @cancel: tell the
 * peer we no longer want the answer. */
static void
forget_request (HormigaTransfer *self,
                Request         *request,
                gboolean         cancel)
{
  if (request->kind == REQUEST_CHUNK)
    {
      request->source->inflight--;
      self->inflight[request->index]--;
    }
  if (request->kind == REQUEST_MANIFEST && self->manifest_source == request->source)
    self->manifest_source = NULL;
  if (cancel)
    _hormiga_transfer_manager_cancel (self->manager, request->source->peer, request->id);
  g_hash_table_remove (self->requests, GUINT_TO_POINTER (request->id));
}

static void
forget_requests_of (HormigaTransfer *self,
                    Source          *source,
                    gboolean         cancel)
{
  g_autoptr(GPtrArray) mine = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->requests);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (source == NULL || ((Request *) value)->source == source)
      g_ptr_array_add (mine, value);
  for (guint i = 0; i < mine->len; i++)
    forget_request (self, g_ptr_array_index (mine, i), cancel);
}

/* ---- sources ------------------------------------------------------------------------ */

static void
source_free (Source *source)
{
  hormiga_peer_id_unref (source->peer);
  g_clear_pointer (&source->bits, g_bytes_unref);
  g_free (source);
}

static void
drop_source (HormigaTransfer *self,
             Source          *source,
             const char      *why,
             gboolean         banned)
{
  if (source->state == SOURCE_DROPPED)
    return;
  g_debug ("transfer: %s no longer asked: %s", hormiga_peer_id_to_string (source->peer), why);
  forget_requests_of (self, source, TRUE);
  source->state = SOURCE_DROPPED;
  source->dropped_at = now_us ();
  source->banned |= banned;
  notify_sources (self);
  if (self->manifest == NULL && self->manifest_buffer != NULL && self->manifest_source == NULL)
    fetch_manifest (self);
  schedule (self);
}

static gboolean
source_has (Source  *source,
            guint64  index)
{
  gsize length;
  const guint8 *bits;

  if (source->all)
    return TRUE;
  if (source->bits == NULL)
    return FALSE;
  bits = g_bytes_get_data (source->bits, &length);
  return index / 8 < length && bit_get (bits, index);
}

typedef struct
{
  HormigaTransfer *transfer;
  HormigaPeerId   *peer;
} SourceCall;

static void
source_call_free (SourceCall *call)
{
  g_object_unref (call->transfer);
  hormiga_peer_id_unref (call->peer);
  g_free (call);
}

static void
on_source_connected (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  SourceCall *call = user_data;
  HormigaTransfer *self = call->transfer;
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaShareMessage) want = NULL;
  Source *source = g_hash_table_lookup (self->sources, hormiga_peer_id_to_string (call->peer));
  gboolean connected = hormiga_node_connect_finish (HORMIGA_NODE (object), result, &error);

  if (source == NULL || source->state != SOURCE_CONNECTING || is_over (self))
    {
      source_call_free (call);
      return;
    }
  if (!connected)
    {
      drop_source (self, source, error->message, FALSE);
      source_call_free (call);
      return;
    }
  want = hormiga_share_message_new (HORMIGA_SHARE_MESSAGE_WANT, 0);
  want->cid = self->cid;
  if (send_request (self, source, want, REQUEST_WANT, 0) == NULL)
    drop_source (self, source, "its files channel is not open", FALSE);
  else
    source->state = SOURCE_ASKING;
  source_call_free (call);
}

/* Asks @peer what it has, connecting first if need be. A source dropped
 * for bad data is never asked again; one dropped otherwise, after a while. */
static void
add_source (HormigaTransfer     *self,
            const HormigaPeerId *peer)
{
  HormigaNode *node = _hormiga_transfer_manager_get_node (self->manager);
  Source *source;
  SourceCall *call;

  if (is_over (self) ||
      hormiga_peer_id_equal (peer, hormiga_identity_get_peer_id (hormiga_node_get_identity (node))))
    return;
  source = g_hash_table_lookup (self->sources, hormiga_peer_id_to_string (peer));
  if (source != NULL &&
      (source->state != SOURCE_DROPPED || source->banned ||
       now_us () - source->dropped_at < (gint64) PROVIDERS_EVERY_MS * 1000))
    return;
  if (source == NULL)
    {
      if (g_hash_table_size (self->sources) >= MAX_SOURCES)
        return;
      source = g_new0 (Source, 1);
      source->transfer = self;
      source->peer = hormiga_peer_id_ref ((HormigaPeerId *) peer);
      g_hash_table_insert (self->sources, g_strdup (hormiga_peer_id_to_string (peer)), source);
    }
  source->state = SOURCE_CONNECTING;
  source->window = MIN_WINDOW;
  source->strikes = 0;
  source->all = FALSE;
  g_clear_pointer (&source->bits, g_bytes_unref);
  call = g_new0 (SourceCall, 1);
  call->transfer = g_object_ref (self);
  call->peer = hormiga_peer_id_ref ((HormigaPeerId *) peer);
  hormiga_node_connect_async (node, peer, self->cancellable, on_source_connected, call);
}

static void
on_providers (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(HormigaTransfer) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) peers = hormiga_node_find_providers_finish (HORMIGA_NODE (object), result,
                                                                   &error);

  self->finding = FALSE;
  if (peers == NULL || peers->len == 0)
    self->empty_finds++;
  else
    self->empty_finds = 0;
  if (peers == NULL)
    {
      g_debug ("transfer: no providers: %s", error->message);
      return;
    }
  g_debug ("transfer: %u providers of %s", peers->len, self->name);
  for (guint i = 0; i < peers->len; i++)
    add_source (self, g_ptr_array_index (peers, i));
}

static void
find_providers (HormigaTransfer *self)
{
  HormigaDhtKey key;

  if (self->finding || is_over (self))
    return;
  self->finding = TRUE;
  self->providers_at = now_us ();
  G_STATIC_ASSERT (sizeof key.bytes == sizeof self->cid.bytes);
  memcpy (key.bytes, self->cid.bytes, sizeof key.bytes);
  hormiga_node_find_providers_async (_hormiga_transfer_manager_get_node (self->manager), &key,
                                     self->cancellable, on_providers, g_object_ref (self));
}

/* ---- the state file -------------------------------------------------------------------- */

static void
on_saved (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(HormigaTransfer) self = user_data;
  g_autoptr(GError) error = NULL;

  self->saving = FALSE;
  if (!hormiga_chunk_io_save_finish (result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("transfer: cannot save the state of %s: %s", self->name, error->message);
  if (self->delete_state)
    delete_folder_state (self);
  else if ((self->children != NULL || self->stopping) && self->dirty && !is_over (self))
    save_state (self);   /* a folder's files finish seldom: each is saved at once;
                          * shut down, what came during the last save is saved */
}

static void
save_state (HormigaTransfer *self)
{
  g_autoptr(GKeyFile) keys = g_key_file_new ();
  g_autofree char *cid = hormiga_content_id_to_string (&self->cid);
  g_autofree char *part = NULL;
  g_autofree char *bits = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GBytes) contents = NULL;
  gsize length;

  if (!self->prepared || self->saving || self->state_path == NULL)
    return;
  if (self->children != NULL)
    {
      g_autofree char *target = g_path_get_basename (self->target);

      bits = g_base64_encode (self->done, (self->manifest->entries->len + 7) / 8);
      g_key_file_set_string (keys, "folder", "cid", cid);
      g_key_file_set_string (keys, "folder", "name", self->name);
      g_key_file_set_string (keys, "folder", "target", target);
      g_key_file_set_string (keys, "folder", "done", bits);
      if (self->selected != NULL)
        {
          g_autofree char *selected = g_base64_encode (g_bytes_get_data (self->selected, NULL),
                                                       g_bytes_get_size (self->selected));

          g_key_file_set_string (keys, "folder", "selected", selected);
        }
    }
  else
    {
      part = g_path_get_basename (self->part_path);
      bits = g_base64_encode (self->have, (self->n_chunks + 7) / 8);
      g_key_file_set_string (keys, "download", "cid", cid);
      g_key_file_set_string (keys, "download", "name", self->name);
      g_key_file_set_string (keys, "download", "part", part);
      g_key_file_set_string (keys, "download", "bits", bits);
    }
  text = g_key_file_to_data (keys, &length, NULL);
  self->dirty = FALSE;
  self->saving = TRUE;
  self->saved_at = now_us ();
  contents = g_bytes_new_take (g_steal_pointer (&text), length);
  /* Once shut down, a save is not cancelled: it is the one that keeps
   * the last chunks written. */
  hormiga_chunk_io_save_async (self->state_path, contents,
                               self->stopping ? NULL : self->cancellable, on_saved,
                               g_object_ref (self));
}

/* ---- failure ------------------------------------------------------------------------- */

static void
fail (HormigaTransfer *self,
      const char      *format,
      ...) G_GNUC_PRINTF (2, 3);

static void
fail (HormigaTransfer *self,
      const char      *format,
      ...)
{
  va_list args;

  if (is_over (self))
    return;
  va_start (args, format);
  g_free (self->error);
  self->error = g_strdup_vprintf (format, args);
  va_end (args);
  g_debug ("transfer: %s failed: %s", self->name, self->error);
  forget_requests_of (self, NULL, TRUE);
  /* What was verified stays, with its state, for a later try. */
  if (self->dirty)
    save_state (self);
  set_state (self, HORMIGA_TRANSFER_FAILED);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPEED]);
}

/* ---- the manifest ------------------------------------------------------------------------ */

static void
on_prepared (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(HormigaTransfer) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *part = hormiga_chunk_io_prepare_finish (result, &error);

  self->preparing = FALSE;
  if (part == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        fail (self, "%s", error->message);
      return;
    }
  if (is_over (self))
    return;
  g_free (self->part_path);
  self->part_path = g_steal_pointer (&part);
  g_free (self->state_path);
  self->state_path = g_strconcat (self->part_path, ".hormiga", NULL);
  self->prepared = TRUE;
  self->dirty = TRUE;
  save_state (self);
  if (self->state == HORMIGA_TRANSFER_LOOKING)
    set_state (self, HORMIGA_TRANSFER_DOWNLOADING);
  if (self->n_have == self->n_chunks)
    finish (self);
  else
    schedule (self);
}

/* The manifest is known (fetched and checked, or found with a partial
 * file): the chunks can be asked for once the partial file exists. */
static void
set_manifest (HormigaTransfer *self,
              HormigaManifest *manifest,
              GBytes          *encoded,
              GBytes          *bits)
{
  g_autofree char *name = self->forced_name ? g_strdup (self->forced_name)
                                            : hormiga_share_sanitize_name (manifest->name);
  gsize bytes;

  self->manifest = manifest;
  self->encoded = g_bytes_ref (encoded);
  g_clear_pointer (&self->manifest_buffer, g_byte_array_unref);
  self->manifest_source = NULL;
  self->n_chunks = hormiga_manifest_get_n_chunks (manifest);
  bytes = (gsize) (self->n_chunks + 7) / 8;
  self->have = g_malloc0 (MAX (bytes, 1));
  self->writing = g_malloc0 (MAX (bytes, 1));
  self->inflight = g_malloc0 (MAX (self->n_chunks, 1));
  if (bits != NULL && g_bytes_get_size (bits) == bytes)
    memcpy (self->have, g_bytes_get_data (bits, NULL), bytes);
  for (guint64 i = 0; i < self->n_chunks; i++)
    if (bit_get (self->have, i))
      {
        self->n_have++;
        self->resumed += hormiga_manifest_get_chunk_length (manifest, i);
      }
  self->received = self->resumed;
  self->size = manifest->size;
  g_free (self->name);
  self->name = g_steal_pointer (&name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIZE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECEIVED]);

  self->preparing = TRUE;
  hormiga_chunk_io_prepare_async (self->folder, self->name, self->part_path, self->size,
                                  self->part_path ? NULL : encoded, self->cancellable,
                                  on_prepared, g_object_ref (self));
}

/* Asks a source that has the content for the next piece of the manifest. */
static void
fetch_manifest (HormigaTransfer *self)
{
  g_autoptr(HormigaShareMessage) request = NULL;
  GHashTableIter iter;
  gpointer value;
  Source *best = NULL;

  /* Not before the partial download is looked for: it may bring the
   * manifest (and a folder's must not be started twice). */
  if (self->manifest != NULL || self->manifest_source != NULL || is_over (self) ||
      self->state == HORMIGA_TRANSFER_PAUSED || !self->looked)
    return;
  g_hash_table_iter_init (&iter, self->sources);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Source *source = value;

      if (source->state == SOURCE_READY && source->msize > 0 &&
          (best == NULL || source->all > best->all))
        best = source;
    }
  if (best == NULL)
    return;
  if (self->manifest_buffer == NULL)
    self->manifest_buffer = g_byte_array_new ();
  request = hormiga_share_message_new (HORMIGA_SHARE_MESSAGE_GET_MANIFEST, 0);
  request->cid = self->cid;
  request->offset = self->manifest_buffer->len;
  request->length = (guint32) MIN ((guint64) HORMIGA_SHARE_MAX_PIECE,
                                   best->msize - self->manifest_buffer->len);
  if (send_request (self, best, request, REQUEST_MANIFEST, 0) == NULL)
    {
      drop_source (self, best, "its files channel is not open", FALSE);
      return;
    }
  self->manifest_source = best;
}

/* ---- folders ------------------------------------------------------------------------------ */

static void start_children (HormigaTransfer *self);

static gboolean
entry_selected (HormigaTransfer *self,
                guint            index)
{
  return self->selected == NULL || bit_get (g_bytes_get_data (self->selected, NULL), index);
}

static void
update_folder_received (HormigaTransfer *self)
{
  guint64 received = self->children_done;

  for (guint i = 0; i < self->children->len; i++)
    {
      HormigaTransfer *child = g_ptr_array_index (self->children, i);

      if (hormiga_transfer_get_state (child) != HORMIGA_TRANSFER_DONE)
        received += hormiga_transfer_get_received (child);
    }
  self->received = received;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECEIVED]);
}

static void
on_child_received (HormigaTransfer *child,
                   GParamSpec      *pspec,
                   gpointer         user_data)
{
  update_folder_received (user_data);
}

static void
on_child_state (HormigaTransfer *child,
                GParamSpec      *pspec,
                gpointer         user_data)
{
  HormigaTransfer *self = user_data;
  guint index = child->entry;

  switch (hormiga_transfer_get_state (child))
    {
    case HORMIGA_TRANSFER_DONE:
      self->running--;
      self->children_done += hormiga_transfer_get_size (child);
      self->downloaded += hormiga_transfer_get_downloaded (child);
      self->resumed += hormiga_transfer_get_resumed (child);
      bit_set (self->done, index, TRUE);
      self->dirty = TRUE;
      save_state (self);
      update_folder_received (self);
      start_children (self);
      break;
    case HORMIGA_TRANSFER_FAILED:
      self->running--;
      fail (self, "%s: %s", hormiga_transfer_get_name (child), hormiga_transfer_get_error (child));
      break;
    default:
      break;
    }
}

static void
delete_folder_state (HormigaTransfer *self)
{
  g_autofree char *manifest_path = NULL;

  self->delete_state = FALSE;
  if (self->state_path == NULL)
    return;
  manifest_path = g_strconcat (self->state_path, ".manifest", NULL);
  {
    const char *paths[] = { self->state_path, manifest_path, NULL };

    hormiga_chunk_io_delete_async (paths);
  }
}

/* Starts the next entries taken and not yet done, and ends the folder's
 * download when all are in. */
static void
start_children (HormigaTransfer *self)
{
  const GPtrArray *entries = self->manifest->entries;

  if (is_over (self) || self->state == HORMIGA_TRANSFER_PAUSED || !self->prepared)
    return;
  while (self->running < MAX_CHILDREN && self->next_entry < entries->len)
    {
      guint index = self->next_entry++;
      const HormigaManifestEntry *entry = g_ptr_array_index (entries, index);
      g_autofree char *relative = NULL;
      g_autofree char *dir = NULL;
      g_autofree char *name = NULL;
      g_autofree char *folder = NULL;
      g_autoptr(HormigaLink) link = NULL;
      HormigaTransfer *child;
      GHashTableIter iter;
      gpointer value;

      if (!entry_selected (self, index) || bit_get (self->done, index))
        continue;
      relative = hormiga_share_sanitize_path (entry->path);
      dir = g_path_get_dirname (relative);
      name = g_path_get_basename (relative);
      folder = g_str_equal (dir, ".") ? g_strdup (self->target)
                                      : g_build_filename (self->target, dir, NULL);
      link = hormiga_link_new (&entry->cid);
      link->name = g_strdup (name);
      link->has_size = TRUE;
      link->size = entry->size;
      child = _hormiga_transfer_new (self->manager, link, folder);
      child->parent = self;
      child->forced_name = g_strdup (name);
      child->entry = index;
      g_signal_connect (child, "notify::received", G_CALLBACK (on_child_received), self);
      g_signal_connect (child, "notify::state", G_CALLBACK (on_child_state), self);
      g_ptr_array_add (self->children, child);
      self->running++;
      _hormiga_transfer_start (child);
      g_hash_table_iter_init (&iter, self->sources);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        if (((Source *) value)->state == SOURCE_READY)
          add_source (child, ((Source *) value)->peer);
    }
  if (self->running == 0 && self->next_entry >= entries->len)
    {
      self->path = g_strdup (self->target);
      g_clear_pointer (&self->tick, g_source_destroy);
      forget_requests_of (self, NULL, TRUE);
      /* Nothing left to resume: the state goes (after a save in flight). */
      self->dirty = FALSE;
      if (self->saving)
        self->delete_state = TRUE;
      else
        delete_folder_state (self);
      set_state (self, HORMIGA_TRANSFER_DONE);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PATH]);
      /* Only a folder taken whole is offered to others as a folder; its
       * files are, each, in any case. */
      if (self->selected == NULL)
        _hormiga_transfer_manager_done (self->manager, self, self->path, self->manifest,
                                        self->encoded);
    }
}

static void
on_folder_manifest_saved (GObject      *object,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(HormigaTransfer) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!hormiga_chunk_io_save_finish (result, &error))
    {
      /* Without it the download cannot resume, but it goes on. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("transfer: cannot save the manifest of %s: %s", self->name, error->message);
      return;
    }
  if (is_over (self))
    return;
  self->state_path = g_strconcat (self->target, HORMIGA_CHUNK_IO_FOLDER_STATE, NULL);
  self->dirty = TRUE;
  save_state (self);
}

static void
on_folder_made (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(HormigaTransfer) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *target = hormiga_chunk_io_make_folder_finish (result, &error);
  g_autofree char *manifest_path = NULL;

  if (is_over (self))
    return;
  if (target == NULL)
    {
      fail (self, "%s", error->message);
      return;
    }
  self->target = g_steal_pointer (&target);
  self->prepared = TRUE;
  /* The manifest first: a state file always has one. */
  manifest_path = g_strconcat (self->target, HORMIGA_CHUNK_IO_FOLDER_STATE ".manifest", NULL);
  hormiga_chunk_io_save_async (manifest_path, self->encoded, self->cancellable,
                               on_folder_manifest_saved, g_object_ref (self));
  start_children (self);
}

/* A folder's manifest is known: @done (NULL: none) says which files a
 * previous run finished in @target (NULL: a new folder is made). */
static void
start_folder (HormigaTransfer *self,
              HormigaManifest *manifest,
              GBytes          *encoded,
              const char      *target,
              const char      *state_path,
              GBytes          *done)
{
  g_autofree char *name = hormiga_share_sanitize_name (manifest->name);
  gsize bytes = (manifest->entries->len + 7) / 8;
  guint64 size = 0;

  self->manifest = manifest;
  self->encoded = g_bytes_ref (encoded);
  g_clear_pointer (&self->manifest_buffer, g_byte_array_unref);
  self->manifest_source = NULL;
  if (self->selected != NULL && g_bytes_get_size (self->selected) != bytes)
    g_clear_pointer (&self->selected, g_bytes_unref);
  self->done = g_malloc0 (MAX (bytes, 1));
  if (done != NULL && g_bytes_get_size (done) == bytes)
    memcpy (self->done, g_bytes_get_data (done, NULL), bytes);
  for (guint i = 0; i < manifest->entries->len; i++)
    {
      const HormigaManifestEntry *entry = g_ptr_array_index (manifest->entries, i);

      if (!entry_selected (self, i))
        continue;
      size += entry->size;
      if (bit_get (self->done, i))
        {
          self->children_done += entry->size;
          self->resumed += entry->size;
        }
    }
  self->size = size;
  self->received = self->children_done;
  g_free (self->name);
  self->name = g_steal_pointer (&name);
  self->children = g_ptr_array_new_with_free_func (g_object_unref);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIZE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECEIVED]);
  if (self->state != HORMIGA_TRANSFER_PAUSED)
    set_state (self, HORMIGA_TRANSFER_DOWNLOADING);
  if (target != NULL)
    {
      g_debug ("transfer: resuming the folder %s in %s", self->name, target);
      self->target = g_strdup (target);
      self->state_path = g_strdup (state_path);
      self->prepared = TRUE;
      self->dirty = TRUE;
      save_state (self);
      start_children (self);
      return;
    }
  hormiga_chunk_io_make_folder_async (self->folder, self->name, self->cancellable, on_folder_made,
                                      g_object_ref (self));
}

static void
on_manifest_piece (HormigaTransfer     *self,
                   Source              *source,
                   HormigaShareMessage *piece)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) encoded = NULL;
  HormigaManifest *manifest;
  gsize length;
  const guint8 *data = g_bytes_get_data (piece->data, &length);

  if (self->manifest != NULL || self->manifest_buffer == NULL)
    return;
  if (piece->offset != self->manifest_buffer->len || piece->total != source->msize ||
      piece->total > HORMIGA_MANIFEST_MAX_SIZE || length == 0 ||
      piece->offset + length > piece->total)
    {
      g_byte_array_set_size (self->manifest_buffer, 0);
      drop_source (self, source, "it sent a piece of the manifest that does not fit", TRUE);
      return;
    }
  g_byte_array_append (self->manifest_buffer, data, (guint) length);
  if (self->manifest_buffer->len < piece->total)
    {
      fetch_manifest (self);
      return;
    }
  encoded = g_byte_array_free_to_bytes (g_steal_pointer (&self->manifest_buffer));
  manifest = hormiga_manifest_decode_expecting (encoded, &self->cid, &error);
  if (manifest == NULL)
    {
      self->manifest_buffer = g_byte_array_new ();
      drop_source (self, source, error->message, TRUE);
      return;
    }
  if (manifest->kind == HORMIGA_MANIFEST_FOLDER)
    {
      if (self->parent != NULL)
        {
          hormiga_manifest_free (manifest);
          fail (self, "a folder's entry names another folder");
          return;
        }
      start_folder (self, manifest, encoded, NULL, NULL, NULL);
      return;
    }
  set_manifest (self, manifest, encoded, NULL);
}

/* ---- chunks ------------------------------------------------------------------------------ */

/* The chunk @source should be asked for next, or G_MAXUINT64. */
static guint64
pick_chunk (HormigaTransfer *self,
            Source          *source)
{
  gboolean everyone_has_all = TRUE;
  GHashTableIter iter;
  gpointer value;
  guint64 best = G_MAXUINT64;
  guint best_count = G_MAXUINT;

  g_hash_table_iter_init (&iter, self->sources);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((Source *) value)->state == SOURCE_READY && !((Source *) value)->all)
      everyone_has_all = FALSE;

  for (guint64 n = 0; n < self->n_chunks; n++)
    {
      guint64 i = (self->cursor + n) % self->n_chunks;
      guint count = 0;

      if (bit_get (self->have, i) || bit_get (self->writing, i) || self->inflight[i] > 0 ||
          !source_has (source, i))
        continue;
      if (everyone_has_all)
        {
          self->cursor = i + 1;
          return i;
        }
      /* Rarest first. */
      g_hash_table_iter_init (&iter, self->sources);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        count += ((Source *) value)->state == SOURCE_READY && source_has (value, i);
      if (count < best_count)
        {
          best = i;
          best_count = count;
        }
    }
  if (best != G_MAXUINT64)
    return best;

  /* End game: a chunk still in flight elsewhere, not yet asked of @source. */
  for (guint64 i = 0; i < self->n_chunks; i++)
    {
      gboolean asked = FALSE;

      if (bit_get (self->have, i) || bit_get (self->writing, i) || self->inflight[i] == 0 ||
          self->inflight[i] >= MAX_COPIES || !source_has (source, i))
        continue;
      g_hash_table_iter_init (&iter, self->requests);
      while (g_hash_table_iter_next (&iter, NULL, &value) && !asked)
        asked = ((Request *) value)->kind == REQUEST_CHUNK &&
                ((Request *) value)->index == i && ((Request *) value)->source == source;
      if (!asked)
        return i;
    }
  return G_MAXUINT64;
}

static void
schedule (HormigaTransfer *self)
{
  GHashTableIter iter;
  gpointer value;

  if (self->state != HORMIGA_TRANSFER_DOWNLOADING || !self->prepared)
    return;
  g_hash_table_iter_init (&iter, self->sources);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Source *source = value;

      while (source->state == SOURCE_READY && source->inflight < source->window)
        {
          g_autoptr(HormigaShareMessage) request = NULL;
          guint64 index = pick_chunk (self, source);

          if (index == G_MAXUINT64)
            break;
          request = hormiga_share_message_new (HORMIGA_SHARE_MESSAGE_GET_CHUNK, 0);
          request->cid = self->cid;
          request->index = (guint32) index;
          if (send_request (self, source, request, REQUEST_CHUNK, index) == NULL)
            {
              /* Not while iterating: from the next tick. */
              source->state = SOURCE_DROPPED;
              source->dropped_at = now_us ();
              break;
            }
          source->inflight++;
          self->inflight[index]++;
        }
    }
}

typedef struct
{
  HormigaTransfer *transfer;
  HormigaPeerId   *peer;
  guint64          index;
  gsize            length;
} Write;

static void
on_written (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Write *write = user_data;
  HormigaTransfer *self = write->transfer;
  g_autoptr(GError) error = NULL;
  gboolean written = hormiga_chunk_io_write_finish (result, &error);
  Source *source = g_hash_table_lookup (self->sources, hormiga_peer_id_to_string (write->peer));

  if (self->writing != NULL)
    bit_set (self->writing, write->index, FALSE);
  if (is_over (self) || self->have == NULL)
    goto out;
  if (!written)
    {
      if (g_error_matches (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MISMATCH))
        {
          if (source != NULL)
            {
              source->bad++;
              drop_source (self, source, "it sent a chunk that does not match its hash", TRUE);
            }
          schedule (self);
        }
      else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        fail (self, "%s", error->message);
      goto out;
    }

  bit_set (self->have, write->index, TRUE);
  self->n_have++;
  self->received += write->length;
  self->downloaded += write->length;
  self->dirty = TRUE;
  if (source != NULL)
    {
      source->chunks++;
      source->bytes += write->length;
    }
  /* End game: the other copies are not needed. */
  if (self->inflight[write->index] > 0)
    {
      g_autoptr(GPtrArray) copies = g_ptr_array_new ();
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, self->requests);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        if (((Request *) value)->kind == REQUEST_CHUNK && ((Request *) value)->index == write->index)
          g_ptr_array_add (copies, value);
      for (guint i = 0; i < copies->len; i++)
        forget_request (self, g_ptr_array_index (copies, i), TRUE);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECEIVED]);
  if (self->n_have == self->n_chunks)
    finish (self);
  else
    schedule (self);

out:
  g_object_unref (write->transfer);
  hormiga_peer_id_unref (write->peer);
  g_free (write);
}

static void
on_chunk (HormigaTransfer     *self,
          Source              *source,
          Request             *request,
          HormigaShareMessage *chunk)
{
  guint64 index = request->index;
  Write *write;

  forget_request (self, request, FALSE);
  if (chunk->index != index)
    {
      drop_source (self, source, "it answered with another chunk than the one asked for", TRUE);
      return;
    }
  source->strikes = 0;
  if (source->window < MAX_WINDOW)
    source->window++;
  if (bit_get (self->have, index) || bit_get (self->writing, index))
    {
      schedule (self);
      return;
    }
  bit_set (self->writing, index, TRUE);
  write = g_new0 (Write, 1);
  write->transfer = g_object_ref (self);
  write->peer = hormiga_peer_id_ref (source->peer);
  write->index = index;
  write->length = g_bytes_get_size (chunk->data);
  hormiga_chunk_io_write_async (self->part_path, self->manifest, index, chunk->data,
                                self->cancellable, on_written, write);
  schedule (self);
}

/* ---- the end ------------------------------------------------------------------------------ */

static void
on_finished (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(HormigaTransfer) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = hormiga_chunk_io_finish_finish (result, &error);

  if (is_over (self))
    return;
  if (path == NULL)
    {
      if (g_error_matches (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MISMATCH) &&
          !self->rechecked)
        {
          /* Something on disk changed under us: fetch everything again, once. */
          self->rechecked = TRUE;
          memset (self->have, 0, (gsize) (self->n_chunks + 7) / 8);
          self->n_have = 0;
          self->received = 0;
          set_state (self, HORMIGA_TRANSFER_DOWNLOADING);
          schedule (self);
          return;
        }
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        fail (self, "%s", error->message);
      return;
    }
  {
    g_autofree char *manifest_path = g_strconcat (self->part_path, ".manifest", NULL);
    const char *paths[] = { self->state_path, manifest_path, NULL };

    hormiga_chunk_io_delete_async (paths);
    /* A save in flight would write the state file again: it goes after. */
    self->delete_state = self->saving;
  }
  self->path = g_steal_pointer (&path);
  g_clear_pointer (&self->tick, g_source_destroy);
  set_state (self, HORMIGA_TRANSFER_DONE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PATH]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPEED]);
  _hormiga_transfer_manager_done (self->manager, self, self->path, self->manifest, self->encoded);
}

static void
finish (HormigaTransfer *self)
{
  forget_requests_of (self, NULL, TRUE);
  set_state (self, HORMIGA_TRANSFER_VERIFYING);
  hormiga_chunk_io_finish_async (self->part_path, self->manifest, self->folder, self->name,
                                 self->cancellable, on_finished, g_object_ref (self));
}

/* ---- the manager's side --------------------------------------------------------------------- */

void
_hormiga_transfer_response (HormigaTransfer     *self,
                            const HormigaPeerId *peer,
                            guint32              id,
                            HormigaShareMessage *response)
{
  Request *request = g_hash_table_lookup (self->requests, GUINT_TO_POINTER (id));
  Source *source;

  if (request == NULL || is_over (self))
    return;
  source = request->source;

  if (response->type == HORMIGA_SHARE_MESSAGE_ERROR)
    {
      RequestKind kind = request->kind;

      g_debug ("transfer: %s answered %s: %s", hormiga_peer_id_to_string (peer),
               hormiga_share_code_to_string (response->code), response->text ? response->text : "");
      forget_request (self, request, FALSE);
      if (response->code == HORMIGA_SHARE_CODE_BUSY ||
          response->code == HORMIGA_SHARE_CODE_TOO_MANY_REQUESTS)
        source->window = MAX (1, source->window / 2);
      else if (kind == REQUEST_WANT || kind == REQUEST_MANIFEST ||
               ++source->strikes >= STRIKES)
        drop_source (self, source, "it could not serve what it said it has", FALSE);
      if (kind == REQUEST_MANIFEST)
        fetch_manifest (self);
      schedule (self);
      return;
    }

  switch (request->kind)
    {
    case REQUEST_WANT:
      forget_request (self, request, FALSE);
      if (response->type != HORMIGA_SHARE_MESSAGE_HAVE ||
          response->state == HORMIGA_SHARE_HAVE_NONE)
        {
          drop_source (self, source, "it does not have this content", FALSE);
          return;
        }
      if (self->manifest != NULL && response->state == HORMIGA_SHARE_HAVE_SOME &&
          !hormiga_share_message_check_bits (response, self->n_chunks, NULL))
        {
          drop_source (self, source, "it described its chunks wrongly", TRUE);
          return;
        }
      source->all = response->state == HORMIGA_SHARE_HAVE_ALL;
      source->bits = response->bits ? g_bytes_ref (response->bits) : NULL;
      source->msize = response->msize;
      source->state = SOURCE_READY;
      self->last_live_at = now_us ();
      notify_sources (self);
      /* A folder's files already started ask it too. */
      for (guint i = 0; self->children != NULL && i < self->children->len; i++)
        if (!is_over (g_ptr_array_index (self->children, i)))
          add_source (g_ptr_array_index (self->children, i), source->peer);
      fetch_manifest (self);
      schedule (self);
      break;

    case REQUEST_MANIFEST:
      forget_request (self, request, FALSE);
      if (response->type != HORMIGA_SHARE_MESSAGE_MANIFEST)
        {
          drop_source (self, source, "it answered a manifest request with something else", TRUE);
          return;
        }
      on_manifest_piece (self, source, response);
      break;

    case REQUEST_CHUNK:
      if (response->type != HORMIGA_SHARE_MESSAGE_CHUNK)
        {
          forget_request (self, request, FALSE);
          drop_source (self, source, "it answered a chunk request with something else", TRUE);
          return;
        }
      on_chunk (self, source, request, response);
      break;

    default:
      break;
    }
}

void
_hormiga_transfer_request_lost (HormigaTransfer     *self,
                                const HormigaPeerId *peer,
                                guint32              id)
{
  Request *request = g_hash_table_lookup (self->requests, GUINT_TO_POINTER (id));

  if (request == NULL)
    return;
  drop_source (self, request->source, "the connection closed", FALSE);
}

/* Only a file's chunks are served while it downloads; a folder's manifest
 * is served once the folder is shared. */
const HormigaManifest *
_hormiga_transfer_get_manifest (HormigaTransfer *self)
{
  return self->prepared && self->have != NULL ? self->manifest : NULL;
}

GBytes *
_hormiga_transfer_get_encoded_manifest (HormigaTransfer *self)
{
  return self->prepared && self->have != NULL ? self->encoded : NULL;
}

const char *
_hormiga_transfer_get_part_path (HormigaTransfer *self)
{
  return self->part_path;
}

gboolean
_hormiga_transfer_has_chunk (HormigaTransfer *self,
                             guint64          index)
{
  return self->prepared && self->have != NULL && index < self->n_chunks &&
         bit_get (self->have, index);
}

GBytes *
_hormiga_transfer_dup_bits (HormigaTransfer *self)
{
  if (!self->prepared || self->have == NULL)
    return NULL;
  return g_bytes_new (self->have, (gsize) (self->n_chunks + 7) / 8);
}

static void
for_each_child (HormigaTransfer *self,
                void           (*func) (HormigaTransfer *child))
{
  for (guint i = 0; self->children != NULL && i < self->children->len; i++)
    {
      HormigaTransfer *child = g_ptr_array_index (self->children, i);

      if (!is_over (child))
        func (child);
    }
}

void
_hormiga_transfer_shutdown (HormigaTransfer *self)
{
  for_each_child (self, _hormiga_transfer_shutdown);
  self->stopping = TRUE;
  if (self->dirty && self->prepared && !is_over (self))
    save_state (self);   /* or once the save in flight is over */
  forget_requests_of (self, NULL, FALSE);
  g_clear_pointer (&self->tick, g_source_destroy);
  g_cancellable_cancel (self->cancellable);
}

/* ---- time -------------------------------------------------------------------------------------- */

static gboolean
on_tick (gpointer user_data)
{
  HormigaTransfer *self = user_data;
  g_autoptr(GArray) late = g_array_new (FALSE, FALSE, sizeof (guint32));
  GHashTableIter iter;
  gpointer value;
  gint64 now = now_us ();
  double seconds = (now - self->speed_at) / (double) G_USEC_PER_SEC;
  guint live;

  if (is_over (self))
    return G_SOURCE_CONTINUE;

  /* Speed: an average over the last few seconds. */
  if (seconds > 0)
    {
      double rate = (self->downloaded - self->speed_base) / seconds;
      double weight = MIN (1.0, seconds / SPEED_WINDOW_S);

      self->speed = self->state == HORMIGA_TRANSFER_DOWNLOADING
                      ? self->speed * (1 - weight) + rate * weight : 0;
      self->speed_base = self->downloaded;
      self->speed_at = now;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPEED]);
    }

  /* Requests that take too long, by id: dropping a source forgets (and
   * frees) the other late requests it had. */
  g_hash_table_iter_init (&iter, self->requests);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (now - ((Request *) value)->sent_at > (gint64) REQUEST_TIMEOUT_MS * 1000)
      g_array_append_val (late, ((Request *) value)->id);
  for (guint i = 0; i < late->len; i++)
    {
      Request *request = g_hash_table_lookup (self->requests,
                                              GUINT_TO_POINTER (g_array_index (late, guint32, i)));
      Source *source;
      RequestKind kind;

      if (request == NULL)
        continue;
      source = request->source;
      kind = request->kind;

      forget_request (self, request, TRUE);
      source->window = MAX (1, source->window / 2);
      /* A source that does not say what it has, or does not send the
       * manifest, holds everything up: it goes at once. */
      if (kind != REQUEST_CHUNK || ++source->strikes >= STRIKES)
        drop_source (self, source, "it is too slow to answer", FALSE);
    }
  /* Sources that failed a send while scheduling. */
  g_hash_table_iter_init (&iter, self->sources);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((Source *) value)->state == SOURCE_DROPPED && ((Source *) value)->inflight > 0)
      forget_requests_of (self, value, TRUE);

  live = count_live_sources (self);
  if (live > 0)
    self->last_live_at = now;
  if (self->state != HORMIGA_TRANSFER_PAUSED && self->state != HORMIGA_TRANSFER_VERIFYING)
    {
      /* With nobody to ask, sooner: the provider may have only just
       * announced itself (0.5 s, 1 s, 2 s, … up to the usual 10 s). */
      gint64 every_ms = live > 0 || self->empty_finds == 0
                          ? PROVIDERS_EVERY_MS
                          : MIN (PROVIDERS_EVERY_MS, 500 << MIN (self->empty_finds - 1, 5));

      if (live < 3 && now - self->providers_at > every_ms * 1000)
        find_providers (self);
      /* A folder under way waits on its files, which give up on their own. */
      if (live == 0 && self->children == NULL &&
          now - self->last_live_at >
            (gint64) _hormiga_transfer_manager_get_give_up_ms (self->manager) * 1000)
        {
          fail (self, "no peer has this content (looked for %u s)",
                _hormiga_transfer_manager_get_give_up_ms (self->manager) / 1000);
          return G_SOURCE_CONTINUE;
        }
      fetch_manifest (self);
      schedule (self);
    }
  if (self->dirty && now - self->saved_at > (gint64) STATE_EVERY_MS * 1000)
    save_state (self);
  return G_SOURCE_CONTINUE;
}

/* ---- start --------------------------------------------------------------------------------------- */

static void
on_resume_found (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(HormigaTransfer) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaChunkIoResume) resume = hormiga_chunk_io_find_resume_finish (result, &error);
  HormigaManifest *manifest = NULL;

  if (is_over (self))
    return;
  self->looked = TRUE;
  if (resume != NULL)
    manifest = hormiga_manifest_decode_expecting (resume->manifest, &self->cid, &error);
  if (manifest != NULL && !resume->folder && manifest->kind == HORMIGA_MANIFEST_FILE)
    {
      g_debug ("transfer: resuming %s from %s", manifest->name, resume->part);
      self->part_path = g_strdup (resume->part);
      set_manifest (self, manifest, resume->manifest, resume->bits);
    }
  else if (manifest != NULL && resume->folder && manifest->kind == HORMIGA_MANIFEST_FOLDER &&
           self->parent == NULL)
    {
      /* Taken as it was then, unless the offer accepted now says otherwise. */
      if (self->selected == NULL && resume->selected != NULL)
        self->selected = g_bytes_ref (resume->selected);
      start_folder (self, manifest, resume->manifest, resume->part, resume->state, resume->bits);
    }
  else
    {
      g_clear_pointer (&manifest, hormiga_manifest_free);
      if (self->offered != NULL)
        start_folder (self, g_steal_pointer (&self->offered), self->offered_encoded, NULL, NULL,
                      NULL);
    }
  g_clear_pointer (&self->offered, hormiga_manifest_free);
  g_clear_pointer (&self->offered_encoded, g_bytes_unref);
  find_providers (self);
  fetch_manifest (self);
}

void
_hormiga_transfer_start (HormigaTransfer *self)
{
  GSource *tick;

  self->last_live_at = self->speed_at = now_us ();
  tick = g_timeout_source_new (TICK_MS);
  g_source_set_callback (tick, on_tick, self, NULL);
  g_source_attach (tick, g_main_context_get_thread_default ());
  self->tick = tick;
  g_source_unref (tick);
  hormiga_chunk_io_find_resume_async (self->folder, &self->cid, self->forced_name,
                                      self->cancellable, on_resume_found, g_object_ref (self));
}

void
_hormiga_transfer_set_offered (HormigaTransfer *self,
                               HormigaManifest *manifest,
                               GBytes          *encoded,
                               GBytes          *selected)
{
  g_return_if_fail (manifest->kind == HORMIGA_MANIFEST_FOLDER);

  self->offered = manifest;
  self->offered_encoded = g_bytes_ref (encoded);
  g_clear_pointer (&self->selected, g_bytes_unref);
  self->selected = selected ? g_bytes_ref (selected) : NULL;
  if (selected != NULL && g_bytes_get_size (selected) != (manifest->entries->len + 7) / 8)
    g_clear_pointer (&self->selected, g_bytes_unref);
  /* The size is that of what was taken, from the start. */
  self->size = 0;
  for (guint i = 0; i < manifest->entries->len; i++)
    if (entry_selected (self, i))
      self->size += ((const HormigaManifestEntry *) g_ptr_array_index (manifest->entries, i))->size;
}

HormigaTransfer *
_hormiga_transfer_new (HormigaTransferManager *manager,
                       const HormigaLink      *link,
                       const char             *folder)
{
  HormigaTransfer *self = g_object_new (HORMIGA_TYPE_TRANSFER, NULL);

  self->manager = manager;
  self->cid = link->cid;
  self->name = hormiga_share_sanitize_name (link->name ? link->name : "");
  self->size = link->has_size ? link->size : 0;
  self->folder = g_strdup (folder);
  return self;
}

/* ---- public API ------------------------------------------------------------------------------------ */

const HormigaContentId *
hormiga_transfer_get_content_id (HormigaTransfer *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER (self), NULL);
  return &self->cid;
}

const char *
hormiga_transfer_get_name (HormigaTransfer *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER (self), NULL);
  return self->name;
}

guint64
hormiga_transfer_get_size (HormigaTransfer *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER (self), 0);
  return self->size;
}

guint64
hormiga_transfer_get_received (HormigaTransfer *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER (self), 0);
  return self->received;
}

guint64
hormiga_transfer_get_downloaded (HormigaTransfer *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER (self), 0);
  return self->downloaded;
}

guint64
hormiga_transfer_get_resumed (HormigaTransfer *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER (self), 0);
  return self->resumed;
}

HormigaTransferState
hormiga_transfer_get_state (HormigaTransfer *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER (self), HORMIGA_TRANSFER_FAILED);
  return self->state;
}

double
hormiga_transfer_get_speed (HormigaTransfer *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER (self), 0);
  return self->state == HORMIGA_TRANSFER_DOWNLOADING ? self->speed : 0;
}

gint64
hormiga_transfer_get_eta (HormigaTransfer *self)
{
  double speed = hormiga_transfer_get_speed (self);

  if (speed < 1 || self->size == 0)
    return -1;
  return (gint64) ((self->size - self->received) / speed + 0.5);
}

guint
hormiga_transfer_get_n_sources (HormigaTransfer *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER (self), 0);
  return count_live_sources (self);
}

const char *
hormiga_transfer_get_error (HormigaTransfer *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER (self), NULL);
  return self->state == HORMIGA_TRANSFER_FAILED ? self->error : NULL;
}

const char *
hormiga_transfer_get_path (HormigaTransfer *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER (self), NULL);
  return self->path;
}

const char *
hormiga_transfer_get_folder (HormigaTransfer *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER (self), NULL);
  return self->folder;
}

GPtrArray *
hormiga_transfer_list_sources (HormigaTransfer *self)
{
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) hormiga_transfer_source_free);
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (HORMIGA_IS_TRANSFER (self), list);

  g_hash_table_iter_init (&iter, self->sources);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Source *source = value;
      HormigaTransferSource *info = g_new0 (HormigaTransferSource, 1);

      info->peer = hormiga_peer_id_ref (source->peer);
      info->chunks = source->chunks;
      info->bytes = source->bytes;
      info->bad_chunks = source->bad;
      info->dropped = source->state == SOURCE_DROPPED;
      g_ptr_array_add (list, info);
    }
  return list;
}

void
hormiga_transfer_add_hint (HormigaTransfer     *self,
                           const HormigaPeerId *peer)
{
  g_return_if_fail (HORMIGA_IS_TRANSFER (self));
  g_return_if_fail (peer != NULL);

  add_source (self, peer);
}

void
hormiga_transfer_pause (HormigaTransfer *self)
{
  g_return_if_fail (HORMIGA_IS_TRANSFER (self));

  if (is_over (self) || self->state == HORMIGA_TRANSFER_PAUSED ||
      self->state == HORMIGA_TRANSFER_VERIFYING)
    return;
  forget_requests_of (self, NULL, TRUE);
  for_each_child (self, hormiga_transfer_pause);
  set_state (self, HORMIGA_TRANSFER_PAUSED);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPEED]);
}

void
hormiga_transfer_resume (HormigaTransfer *self)
{
  g_return_if_fail (HORMIGA_IS_TRANSFER (self));

  if (self->state != HORMIGA_TRANSFER_PAUSED)
    return;
  self->last_live_at = now_us ();
  set_state (self, self->prepared ? HORMIGA_TRANSFER_DOWNLOADING : HORMIGA_TRANSFER_LOOKING);
  for_each_child (self, hormiga_transfer_resume);
  fetch_manifest (self);
  schedule (self);
  if (self->children != NULL)
    start_children (self);
}

void
hormiga_transfer_cancel (HormigaTransfer *self)
{
  g_return_if_fail (HORMIGA_IS_TRANSFER (self));

  if (is_over (self))
    return;
  forget_requests_of (self, NULL, TRUE);
  for_each_child (self, hormiga_transfer_cancel);
  g_cancellable_cancel (self->cancellable);
  g_clear_pointer (&self->tick, g_source_destroy);
  if (self->children != NULL)
    {
      self->dirty = FALSE;
      if (self->saving)
        self->delete_state = TRUE;
      else
        delete_folder_state (self);
    }
  else if (self->part_path != NULL)
    {
      g_autofree char *manifest_path = g_strconcat (self->part_path, ".manifest", NULL);
      g_autofree char *state_path = g_strconcat (self->part_path, ".hormiga", NULL);
      const char *paths[] = { self->part_path, state_path, manifest_path, NULL };

      hormiga_chunk_io_delete_async (paths);
    }
  set_state (self, HORMIGA_TRANSFER_CANCELLED);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPEED]);
}

/* ---- GObject ----------------------------------------------------------------------------------------- */

static void
hormiga_transfer_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  HormigaTransfer *self = HORMIGA_TRANSFER (object);

  switch (prop_id)
    {
    case PROP_NAME:      g_value_set_string (value, self->name); break;
    case PROP_SIZE:      g_value_set_uint64 (value, self->size); break;
    case PROP_RECEIVED:  g_value_set_uint64 (value, self->received); break;
    case PROP_STATE:     g_value_set_int (value, self->state); break;
    case PROP_SPEED:     g_value_set_double (value, hormiga_transfer_get_speed (self)); break;
    case PROP_ETA:       g_value_set_int64 (value, hormiga_transfer_get_eta (self)); break;
    case PROP_N_SOURCES: g_value_set_uint (value, count_live_sources (self)); break;
    case PROP_ERROR:     g_value_set_string (value, hormiga_transfer_get_error (self)); break;
    case PROP_PATH:      g_value_set_string (value, self->path); break;
    default:             G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hormiga_transfer_dispose (GObject *object)
{
  HormigaTransfer *self = HORMIGA_TRANSFER (object);

  g_clear_pointer (&self->tick, g_source_destroy);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->children != NULL)
    {
      for (guint i = 0; i < self->children->len; i++)
        {
          HormigaTransfer *child = g_ptr_array_index (self->children, i);

          g_signal_handlers_disconnect_by_data (child, self);
          child->parent = NULL;
          if (!is_over (child))
            _hormiga_transfer_shutdown (child);
        }
      g_clear_pointer (&self->children, g_ptr_array_unref);
    }

  G_OBJECT_CLASS (hormiga_transfer_parent_class)->dispose (object);
}

static void
hormiga_transfer_finalize (GObject *object)
{
  HormigaTransfer *self = HORMIGA_TRANSFER (object);

  g_hash_table_unref (self->requests);
  g_hash_table_unref (self->sources);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->manifest, hormiga_manifest_free);
  g_clear_pointer (&self->encoded, g_bytes_unref);
  g_clear_pointer (&self->manifest_buffer, g_byte_array_unref);
  g_free (self->have);
  g_free (self->writing);
  g_free (self->inflight);
  g_free (self->name);
  g_free (self->folder);
  g_free (self->error);
  g_free (self->path);
  g_free (self->part_path);
  g_free (self->state_path);
  g_free (self->target);
  g_free (self->forced_name);
  g_clear_pointer (&self->selected, g_bytes_unref);
  g_free (self->done);
  g_clear_pointer (&self->offered, hormiga_manifest_free);
  g_clear_pointer (&self->offered_encoded, g_bytes_unref);

  G_OBJECT_CLASS (hormiga_transfer_parent_class)->finalize (object);
}

static void
hormiga_transfer_class_init (HormigaTransferClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = hormiga_transfer_get_property;
  object_class->dispose = hormiga_transfer_dispose;
  object_class->finalize = hormiga_transfer_finalize;

  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL,
                                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SIZE] = g_param_spec_uint64 ("size", NULL, NULL, 0, G_MAXUINT64, 0,
                                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_RECEIVED] = g_param_spec_uint64 ("received", NULL, NULL, 0, G_MAXUINT64, 0,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] = g_param_spec_int ("state", NULL, NULL, HORMIGA_TRANSFER_LOOKING,
                                             HORMIGA_TRANSFER_CANCELLED, HORMIGA_TRANSFER_LOOKING,
                                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SPEED] = g_param_spec_double ("speed", NULL, NULL, 0, G_MAXDOUBLE, 0,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_ETA] = g_param_spec_int64 ("eta", NULL, NULL, -1, G_MAXINT64, -1,
                                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_SOURCES] = g_param_spec_uint ("n-sources", NULL, NULL, 0, G_MAXUINT, 0,
                                                  G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_ERROR] = g_param_spec_string ("error", NULL, NULL, NULL,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_PATH] = g_param_spec_string ("path", NULL, NULL, NULL,
                                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
hormiga_transfer_init (HormigaTransfer *self)
{
  self->state = HORMIGA_TRANSFER_LOOKING;
  self->sources = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) source_free);
  self->requests = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->cancellable = g_cancellable_new ();
}
