/* hormiga-transfer-offer.c — a file or folder a peer wants to send us
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A folder's offer fetches the folder's manifest from the sender (as a
 * download would: get-manifest in pieces, checked against the content ID)
 * before the manager shows it, so that its files can be listed and chosen.
 */
#include <string.h>

#include "hormiga-share-name.h"
#include "hormiga-transfer-manager.h"
#include "hormiga-transfer-private.h"

struct _HormigaTransferOffer
{
  GObject                 parent_instance;

  HormigaTransferManager *manager;   /* unowned; NULL once it is gone */
  HormigaPeerId          *peer;
  guint32                 id;
  HormigaLink            *link_parsed;
  char                   *link;
  char                   *name;
  guint64                 size;
  guint64                 msize;
  gboolean                answered;
  GSource                *timeout;

  /* A folder's: its manifest, and each file's sanitised path. */
  GByteArray             *buffer;    /* while fetching */
  HormigaManifest        *manifest;
  GBytes                 *encoded;
  GPtrArray              *paths;
};

G_DEFINE_FINAL_TYPE (HormigaTransferOffer, hormiga_transfer_offer, G_TYPE_OBJECT)

static void
answer (HormigaTransferOffer *self,
        gboolean              accept,
        const char           *text,
        GBytes               *entries)
{
  self->answered = TRUE;
  if (self->timeout != NULL)
    {
      g_source_destroy (self->timeout);
      g_clear_pointer (&self->timeout, g_source_unref);
    }
  g_clear_pointer (&self->buffer, g_byte_array_unref);
  if (self->manager != NULL)
    _hormiga_transfer_manager_reply (self->manager, self->peer, self->id, accept, text, entries);
}

static gboolean
on_timeout (gpointer user_data)
{
  HormigaTransferOffer *self = user_data;

  g_clear_pointer (&self->timeout, g_source_unref);
  if (!self->answered)
    answer (self, FALSE, "nobody answered", NULL);
  return G_SOURCE_REMOVE;
}

HormigaTransferOffer *
_hormiga_transfer_offer_new (HormigaTransferManager *manager,
                             const HormigaPeerId    *peer,
                             guint32                 id,
                             const HormigaLink      *link,
                             guint64                 msize)
{
  HormigaTransferOffer *self = g_object_new (HORMIGA_TYPE_TRANSFER_OFFER, NULL);

  self->manager = manager;
  self->peer = hormiga_peer_id_ref ((HormigaPeerId *) peer);
  self->id = id;
  self->link = hormiga_link_to_string (link);
  self->link_parsed = hormiga_link_parse (self->link, NULL);
  self->name = hormiga_share_sanitize_name (link->name ? link->name : "");
  self->size = link->has_size ? link->size : 0;
  self->msize = msize;
  self->timeout = g_timeout_source_new_seconds (HORMIGA_TRANSFER_OFFER_TIMEOUT_S);
  g_source_set_callback (self->timeout, on_timeout, self, NULL);
  g_source_attach (self->timeout, g_main_context_get_thread_default ());
  return self;
}

void
_hormiga_transfer_offer_orphan (HormigaTransferOffer *self)
{
  self->manager = NULL;
  self->answered = TRUE;
}

/* ---- a folder's manifest ------------------------------------------------------------- */

static void
ask_piece (HormigaTransferOffer *self)
{
  g_autoptr(HormigaShareMessage) request = hormiga_share_message_new (HORMIGA_SHARE_MESSAGE_GET_MANIFEST, 0);

  request->cid = self->link_parsed->cid;
  request->offset = self->buffer->len;
  request->length = (guint32) MIN ((guint64) HORMIGA_SHARE_MAX_PIECE, self->msize - self->buffer->len);
  if (!_hormiga_transfer_manager_request_for_offer (self->manager, self->peer, request, self))
    answer (self, FALSE, "the connection closed before the folder's list of files came", NULL);
}

void
_hormiga_transfer_offer_fetch (HormigaTransferOffer *self)
{
  if (self->answered || self->manager == NULL)
    return;
  if (self->msize == 0 || self->msize > HORMIGA_MANIFEST_MAX_SIZE)
    {
      answer (self, FALSE, "the offer does not say how large the folder's list of files is", NULL);
      return;
    }
  self->buffer = g_byte_array_new ();
  ask_piece (self);
}

static void
set_manifest (HormigaTransferOffer *self,
              HormigaManifest      *manifest,
              GBytes               *encoded)
{
  self->manifest = manifest;
  self->encoded = g_bytes_ref (encoded);
  self->paths = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < manifest->entries->len; i++)
    {
      const HormigaManifestEntry *entry = g_ptr_array_index (manifest->entries, i);

      g_ptr_array_add (self->paths, hormiga_share_sanitize_path (entry->path));
    }
  self->size = hormiga_manifest_get_total_size (manifest);
}

void
_hormiga_transfer_offer_response (HormigaTransferOffer *self,
                                  HormigaShareMessage  *response)
{
  g_autoptr(GBytes) encoded = NULL;
  g_autoptr(GError) error = NULL;
  HormigaManifest *manifest;
  gsize length = 0;
  const guint8 *data;

  if (self->answered || self->buffer == NULL)
    return;
  if (response == NULL || response->type != HORMIGA_SHARE_MESSAGE_MANIFEST)
    {
      g_autofree char *why = g_strdup_printf ("could not fetch the folder's list of files: %s",
                                              response == NULL ? "the connection closed"
                                              : response->text ? response->text
                                              : "the sender answered something else");

      answer (self, FALSE, why, NULL);
      return;
    }
  data = g_bytes_get_data (response->data, &length);
  if (response->offset != self->buffer->len || response->total != self->msize || length == 0 ||
      response->offset + length > response->total)
    {
      answer (self, FALSE, "the folder's list of files came in pieces that do not fit", NULL);
      return;
    }
  g_byte_array_append (self->buffer, data, (guint) length);
  if (self->buffer->len < self->msize)
    {
      ask_piece (self);
      return;
    }
  encoded = g_byte_array_free_to_bytes (g_steal_pointer (&self->buffer));
  manifest = hormiga_manifest_decode_expecting (encoded, &self->link_parsed->cid, &error);
  if (manifest == NULL || manifest->kind != HORMIGA_MANIFEST_FOLDER)
    {
      g_autofree char *why = g_strdup_printf ("the folder's list of files is wrong: %s",
                                              error ? error->message : "it names a file");

      g_clear_pointer (&manifest, hormiga_manifest_free);
      answer (self, FALSE, why, NULL);
      return;
    }
  set_manifest (self, manifest, encoded);
  if (self->manager != NULL)
    _hormiga_transfer_manager_present (self->manager, self);
}

/* ---- public API ------------------------------------------------------------------------ */

const HormigaPeerId *
hormiga_transfer_offer_get_peer (HormigaTransferOffer *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER_OFFER (self), NULL);
  return self->peer;
}

const char *
hormiga_transfer_offer_get_name (HormigaTransferOffer *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER_OFFER (self), NULL);
  return self->name;
}

guint64
hormiga_transfer_offer_get_size (HormigaTransferOffer *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER_OFFER (self), 0);
  return self->size;
}

const char *
hormiga_transfer_offer_get_link (HormigaTransferOffer *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER_OFFER (self), NULL);
  return self->link;
}

gboolean
hormiga_transfer_offer_is_answered (HormigaTransferOffer *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER_OFFER (self), TRUE);
  return self->answered;
}

gboolean
hormiga_transfer_offer_is_folder (HormigaTransferOffer *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER_OFFER (self), FALSE);
  return self->manifest != NULL;
}

guint
hormiga_transfer_offer_get_n_files (HormigaTransferOffer *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER_OFFER (self), 0);
  return self->paths != NULL ? self->paths->len : 0;
}

const char *
hormiga_transfer_offer_get_file_path (HormigaTransferOffer *self,
                                      guint                 index)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER_OFFER (self), NULL);
  g_return_val_if_fail (index < hormiga_transfer_offer_get_n_files (self), NULL);
  return g_ptr_array_index (self->paths, index);
}

guint64
hormiga_transfer_offer_get_file_size (HormigaTransferOffer *self,
                                      guint                 index)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER_OFFER (self), 0);
  g_return_val_if_fail (index < hormiga_transfer_offer_get_n_files (self), 0);
  return ((const HormigaManifestEntry *) g_ptr_array_index (self->manifest->entries, index))->size;
}

static HormigaTransfer *
accept_selected (HormigaTransferOffer  *self,
                 const char            *folder,
                 GBytes                *selected,
                 GError               **error)
{
  HormigaTransfer *transfer;
  GError *local = NULL;

  if (self->answered || self->manager == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           "this offer has been answered already, or has expired");
      return NULL;
    }
  if (self->manifest != NULL)
    transfer = _hormiga_transfer_manager_download_offered (self->manager, self->link, folder,
                                                          self->encoded, selected, &local);
  else
    transfer = hormiga_transfer_manager_download (self->manager, self->link, folder, &local);
  if (transfer == NULL)
    {
      answer (self, FALSE, local->message, NULL);
      g_propagate_error (error, local);
      return NULL;
    }
  hormiga_transfer_add_hint (transfer, self->peer);
  answer (self, TRUE, NULL, selected);
  return transfer;
}

HormigaTransfer *
hormiga_transfer_offer_accept (HormigaTransferOffer  *self,
                               const char            *folder,
                               GError               **error)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER_OFFER (self), NULL);

  return accept_selected (self, folder, NULL, error);
}

/* Whether @chosen (a sanitised path) names @path or a folder above it. */
static gboolean
path_covers (const char *chosen,
             const char *path)
{
  gsize length = strlen (chosen);

  return strncmp (path, chosen, length) == 0 && (path[length] == '\0' || path[length] == '/');
}

/* Whether @path names anything: not only empty, "." and ".." components. */
static gboolean
has_component (const char *path)
{
  g_auto(GStrv) components = g_strsplit (path, "/", -1);

  for (guint i = 0; components[i] != NULL; i++)
    if (components[i][0] != '\0' && strcmp (components[i], ".") != 0 &&
        strcmp (components[i], "..") != 0)
      return TRUE;
  return FALSE;
}

HormigaTransfer *
hormiga_transfer_offer_accept_paths (HormigaTransferOffer  *self,
                                     const char            *folder,
                                     const char * const    *paths,
                                     GError               **error)
{
  g_autoptr(GBytes) selected = NULL;
  g_autofree guint8 *bits = NULL;
  gsize n_bytes;
  guint taken = 0;

  g_return_val_if_fail (HORMIGA_IS_TRANSFER_OFFER (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (paths == NULL)
    return accept_selected (self, folder, NULL, error);
  if (self->answered || self->manager == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           "this offer has been answered already, or has expired");
      return NULL;
    }
  if (self->manifest == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "“%s” is a file, not a folder: accept it whole or decline it", self->name);
      return NULL;
    }
  if (paths[0] == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "no file of the folder was chosen; to take none, decline the offer");
      return NULL;
    }
  n_bytes = (self->paths->len + 7) / 8;
  bits = g_malloc0 (MAX (n_bytes, 1));
  for (guint p = 0; paths[p] != NULL; p++)
    {
      g_autofree char *chosen = hormiga_share_sanitize_path (paths[p]);
      gboolean found = FALSE;

      for (guint i = 0; i < self->paths->len && has_component (paths[p]); i++)
        if (path_covers (chosen, g_ptr_array_index (self->paths, i)))
          {
            found = TRUE;
            bits[i / 8] |= (guint8) (0x80u >> (i % 8));
          }
      if (!found)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                       "“%s” is neither a file nor a folder in “%s”, the folder offered (%u "
                       "files; paths are relative to it, such as “%s”)", paths[p], self->name,
                       self->paths->len,
                       self->paths->len > 0 ? (const char *) g_ptr_array_index (self->paths, 0)
                                            : "");
          return NULL;
        }
    }
  for (guint i = 0; i < self->paths->len; i++)
    taken += (bits[i / 8] >> (7 - i % 8)) & 1;
  /* Everything named: the folder is taken whole. */
  if (taken < self->paths->len)
    selected = g_bytes_new (bits, n_bytes);
  return accept_selected (self, folder, selected, error);
}

void
hormiga_transfer_offer_decline (HormigaTransferOffer *self,
                                const char           *reason)
{
  g_return_if_fail (HORMIGA_IS_TRANSFER_OFFER (self));

  if (!self->answered)
    answer (self, FALSE, reason ? reason : "declined", NULL);
}

static void
hormiga_transfer_offer_finalize (GObject *object)
{
  HormigaTransferOffer *self = HORMIGA_TRANSFER_OFFER (object);

  if (self->timeout != NULL)
    {
      g_source_destroy (self->timeout);
      g_source_unref (self->timeout);
    }
  hormiga_peer_id_unref (self->peer);
  g_clear_pointer (&self->link_parsed, hormiga_link_free);
  g_free (self->link);
  g_free (self->name);
  g_clear_pointer (&self->buffer, g_byte_array_unref);
  g_clear_pointer (&self->manifest, hormiga_manifest_free);
  g_clear_pointer (&self->encoded, g_bytes_unref);
  g_clear_pointer (&self->paths, g_ptr_array_unref);

  G_OBJECT_CLASS (hormiga_transfer_offer_parent_class)->finalize (object);
}

static void
hormiga_transfer_offer_class_init (HormigaTransferOfferClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hormiga_transfer_offer_finalize;
}

static void
hormiga_transfer_offer_init (HormigaTransferOffer *self)
{
}
