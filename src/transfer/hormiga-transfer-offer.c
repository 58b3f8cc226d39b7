/* hormiga-transfer-offer.c — a file a peer wants to send us
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hormiga-share-name.h"
#include "hormiga-transfer-manager.h"
#include "hormiga-transfer-private.h"

struct _HormigaTransferOffer
{
  GObject                 parent_instance;

  HormigaTransferManager *manager;   /* unowned; NULL once it is gone */
  HormigaPeerId          *peer;
  guint32                 id;
  char                   *link;
  char                   *name;
  guint64                 size;
  gboolean                answered;
  GSource                *timeout;
};

G_DEFINE_FINAL_TYPE (HormigaTransferOffer, hormiga_transfer_offer, G_TYPE_OBJECT)

static void
answer (HormigaTransferOffer *self,
        gboolean              accept,
        const char           *text)
{
  self->answered = TRUE;
  if (self->timeout != NULL)
    {
      g_source_destroy (self->timeout);
      g_clear_pointer (&self->timeout, g_source_unref);
    }
  if (self->manager != NULL)
    _hormiga_transfer_manager_reply (self->manager, self->peer, self->id, accept, text);
}

static gboolean
on_timeout (gpointer user_data)
{
  HormigaTransferOffer *self = user_data;

  g_clear_pointer (&self->timeout, g_source_unref);
  if (!self->answered)
    answer (self, FALSE, "nobody answered");
  return G_SOURCE_REMOVE;
}

HormigaTransferOffer *
_hormiga_transfer_offer_new (HormigaTransferManager *manager,
                             const HormigaPeerId    *peer,
                             guint32                 id,
                             const HormigaLink      *link)
{
  HormigaTransferOffer *self = g_object_new (HORMIGA_TYPE_TRANSFER_OFFER, NULL);

  self->manager = manager;
  self->peer = hormiga_peer_id_ref ((HormigaPeerId *) peer);
  self->id = id;
  self->link = hormiga_link_to_string (link);
  self->name = hormiga_share_sanitize_name (link->name ? link->name : "");
  self->size = link->has_size ? link->size : 0;
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

HormigaTransfer *
hormiga_transfer_offer_accept (HormigaTransferOffer  *self,
                               const char            *folder,
                               GError               **error)
{
  HormigaTransfer *transfer;

  g_return_val_if_fail (HORMIGA_IS_TRANSFER_OFFER (self), NULL);

  if (self->answered || self->manager == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           "this offer has been answered already, or has expired");
      return NULL;
    }
  transfer = hormiga_transfer_manager_download (self->manager, self->link, folder, error);
  if (transfer == NULL)
    {
      answer (self, FALSE, error && *error ? (*error)->message : "the download could not start");
      return NULL;
    }
  hormiga_transfer_add_hint (transfer, self->peer);
  answer (self, TRUE, NULL);
  return transfer;
}

void
hormiga_transfer_offer_decline (HormigaTransferOffer *self,
                                const char           *reason)
{
  g_return_if_fail (HORMIGA_IS_TRANSFER_OFFER (self));

  if (!self->answered)
    answer (self, FALSE, reason ? reason : "declined");
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
  g_free (self->link);
  g_free (self->name);

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
