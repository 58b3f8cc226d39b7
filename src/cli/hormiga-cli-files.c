/* hormiga-cli-files.c — hormiga-node's file sharing on stdin
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>

#include "hormiga-cli-files.h"
#include "hormiga-json.h"
#include "hormiga-link.h"

struct _HormigaCliFiles
{
  HormigaTransferManager *manager;
  gboolean                auto_accept;
  GStrv                   accept_from;
  gboolean                hold;        /* `hold-offers`: others wait for accept/decline */
  gulong                  offer_handler;
  GHashTable             *watched;     /* HormigaTransfer → handler id */
  GHashTable             *offers;      /* id → HormigaTransferOffer held */
  guint                   next_offer;
};

static void
say (const char *format,
     ...) G_GNUC_PRINTF (1, 2);

static void
say (const char *format,
     ...)
{
  va_list args;

  va_start (args, format);
  vprintf (format, args);
  va_end (args);
  putchar ('\n');
  fflush (stdout);
}

/* ---- transfers ----------------------------------------------------------------- */

static void
append_transfer (GString         *out,
                 HormigaTransfer *transfer)
{
  g_autofree char *cid = hormiga_content_id_to_string (hormiga_transfer_get_content_id (transfer));
  g_autoptr(GPtrArray) sources = hormiga_transfer_list_sources (transfer);

  g_string_append (out, "{\"cid\":");
  hormiga_json_append_string (out, cid, -1);
  g_string_append (out, ",\"name\":");
  hormiga_json_append_string (out, hormiga_transfer_get_name (transfer), -1);
  g_string_append (out, ",\"state\":");
  hormiga_json_append_string (out, hormiga_transfer_state_to_string (hormiga_transfer_get_state (transfer)), -1);
  g_string_append_printf (out, ",\"size\":%" G_GUINT64_FORMAT ",\"received\":%" G_GUINT64_FORMAT
                          ",\"downloaded\":%" G_GUINT64_FORMAT ",\"resumed\":%" G_GUINT64_FORMAT
                          ",\"speed\":%.0f,\"eta\":%" G_GINT64_FORMAT ",\"folder\":",
                          hormiga_transfer_get_size (transfer),
                          hormiga_transfer_get_received (transfer),
                          hormiga_transfer_get_downloaded (transfer),
                          hormiga_transfer_get_resumed (transfer),
                          hormiga_transfer_get_speed (transfer),
                          hormiga_transfer_get_eta (transfer));
  hormiga_json_append_string (out, hormiga_transfer_get_folder (transfer), -1);
  g_string_append (out, ",\"path\":");
  if (hormiga_transfer_get_path (transfer) != NULL)
    hormiga_json_append_string (out, hormiga_transfer_get_path (transfer), -1);
  else
    g_string_append (out, "null");
  g_string_append (out, ",\"error\":");
  if (hormiga_transfer_get_error (transfer) != NULL)
    hormiga_json_append_string (out, hormiga_transfer_get_error (transfer), -1);
  else
    g_string_append (out, "null");
  g_string_append (out, ",\"sources\":[");
  for (guint i = 0; i < sources->len; i++)
    {
      HormigaTransferSource *source = g_ptr_array_index (sources, i);

      g_string_append (out, i > 0 ? ",{\"peer\":" : "{\"peer\":");
      hormiga_json_append_string (out, hormiga_peer_id_to_string (source->peer), -1);
      g_string_append_printf (out, ",\"chunks\":%" G_GUINT64_FORMAT ",\"bytes\":%" G_GUINT64_FORMAT
                              ",\"bad_chunks\":%u,\"dropped\":%s}", source->chunks, source->bytes,
                              source->bad_chunks, source->dropped ? "true" : "false");
    }
  g_string_append (out, "]}");
}

char *
hormiga_cli_files_transfers_json (HormigaTransferManager *manager)
{
  GListModel *transfers = hormiga_transfer_manager_get_transfers (manager);
  GString *out = g_string_new ("[");

  for (guint i = 0; i < g_list_model_get_n_items (transfers); i++)
    {
      g_autoptr(HormigaTransfer) transfer = g_list_model_get_item (transfers, i);

      if (i > 0)
        g_string_append_c (out, ',');
      append_transfer (out, transfer);
    }
  g_string_append_c (out, ']');
  return g_string_free (out, FALSE);
}

/* `downloaded` or `download-failed` once a transfer is over. */
static void
on_state (HormigaTransfer *transfer,
          GParamSpec      *pspec,
          gpointer         user_data)
{
  g_autofree char *cid = hormiga_content_id_to_string (hormiga_transfer_get_content_id (transfer));

  switch (hormiga_transfer_get_state (transfer))
    {
    case HORMIGA_TRANSFER_DONE:
      {
        g_autoptr(GPtrArray) sources = hormiga_transfer_list_sources (transfer);
        g_autoptr(GString) from = g_string_new ("");

        for (guint i = 0; i < sources->len; i++)
          {
            HormigaTransferSource *source = g_ptr_array_index (sources, i);

            if (source->chunks > 0)
              g_string_append_printf (from, "%s%s:%" G_GUINT64_FORMAT, from->len ? "," : "",
                                      hormiga_peer_id_to_string (source->peer), source->chunks);
          }
        say ("downloaded %s path=%s size=%" G_GUINT64_FORMAT " downloaded=%" G_GUINT64_FORMAT
             " resumed=%" G_GUINT64_FORMAT " sources=%s", cid, hormiga_transfer_get_path (transfer),
             hormiga_transfer_get_size (transfer), hormiga_transfer_get_downloaded (transfer),
             hormiga_transfer_get_resumed (transfer), from->str);
      }
      break;
    case HORMIGA_TRANSFER_FAILED:
      say ("download-failed %s %s", cid, hormiga_transfer_get_error (transfer));
      break;
    case HORMIGA_TRANSFER_CANCELLED:
      say ("download-cancelled %s", cid);
      break;
    default:
      break;
    }
}

static void
watch (HormigaCliFiles *files,
       HormigaTransfer *transfer)
{
  if (g_hash_table_contains (files->watched, transfer))
    return;
  g_hash_table_insert (files->watched, g_object_ref (transfer),
                       GUINT_TO_POINTER (g_signal_connect (transfer, "notify::state",
                                                           G_CALLBACK (on_state), files)));
}

static HormigaTransfer *
find_transfer (HormigaCliFiles *files,
               const char      *cid_text)
{
  GListModel *transfers = hormiga_transfer_manager_get_transfers (files->manager);
  HormigaContentId cid;

  if (!hormiga_content_id_parse (cid_text, &cid, NULL))
    return NULL;
  for (guint i = g_list_model_get_n_items (transfers); i > 0; i--)
    {
      g_autoptr(HormigaTransfer) transfer = g_list_model_get_item (transfers, i - 1);

      if (hormiga_content_id_equal (hormiga_transfer_get_content_id (transfer), &cid))
        return transfer;
    }
  return NULL;
}

/* ---- share, send ------------------------------------------------------------------ */

static void
on_shared (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autofree char *path = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *link = hormiga_transfer_manager_share_finish (HORMIGA_TRANSFER_MANAGER (object),
                                                                 result, &error);

  if (link == NULL)
    say ("share-failed %s %s", path, error->message);
  else
    say ("shared %s", link);
}

static void
on_sent (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autofree char *peer = user_data;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) paths = NULL;

  if (!hormiga_transfer_manager_send_finish_paths (HORMIGA_TRANSFER_MANAGER (object), result,
                                                   &paths, &error))
    say ("send-failed %s %s", peer, error->message);
  else if (paths == NULL)
    say ("sent %s accepted", peer);
  else
    {
      g_autoptr(GString) list = g_string_new ("[");

      for (guint i = 0; paths[i] != NULL; i++)
        {
          if (i > 0)
            g_string_append_c (list, ',');
          hormiga_json_append_string (list, paths[i], -1);
        }
      g_string_append_c (list, ']');
      say ("sent %s accepted part=%s", peer, list->str);
    }
}

/* ---- offers ------------------------------------------------------------------------- */

static void
accepted (HormigaCliFiles *files,
          const char      *from,
          HormigaTransfer *transfer)
{
  g_autofree char *cid = hormiga_content_id_to_string (hormiga_transfer_get_content_id (transfer));

  watch (files, transfer);
  say ("offer-accepted from=%s downloading %s size=%" G_GUINT64_FORMAT, from, cid,
       hormiga_transfer_get_size (transfer));
  if (hormiga_transfer_get_state (transfer) == HORMIGA_TRANSFER_DONE)
    on_state (transfer, NULL, files);
}

static gboolean
on_offer (HormigaTransferManager *manager,
          HormigaTransferOffer   *offer,
          gpointer                user_data)
{
  HormigaCliFiles *files = user_data;
  const char *from = hormiga_peer_id_to_string (hormiga_transfer_offer_get_peer (offer));
  gboolean accept = files->auto_accept ||
                    (files->accept_from != NULL && g_strv_contains ((const char * const *) files->accept_from, from));
  g_autoptr(GError) error = NULL;
  HormigaTransfer *transfer;
  guint id = ++files->next_offer;

  say ("offer id=%u from=%s name=%s size=%" G_GUINT64_FORMAT " files=%u link=%s", id, from,
       hormiga_transfer_offer_get_name (offer), hormiga_transfer_offer_get_size (offer),
       hormiga_transfer_offer_get_n_files (offer), hormiga_transfer_offer_get_link (offer));
  for (guint i = 0; i < hormiga_transfer_offer_get_n_files (offer); i++)
    say ("offer-file id=%u size=%" G_GUINT64_FORMAT " path=%s", id,
         hormiga_transfer_offer_get_file_size (offer, i),
         hormiga_transfer_offer_get_file_path (offer, i));
  if (!accept && files->hold)
    {
      g_hash_table_insert (files->offers, GUINT_TO_POINTER (id), g_object_ref (offer));
      say ("offer-waiting id=%u", id);
      return TRUE;
    }
  if (!accept)
    {
      hormiga_transfer_offer_decline (offer, "this node takes offers only from peers it was told "
                                             "to (--accept-from)");
      say ("offer-declined from=%s", from);
      return TRUE;
    }
  transfer = hormiga_transfer_offer_accept (offer, NULL, &error);
  if (transfer == NULL)
    {
      say ("offer-failed from=%s %s", from, error->message);
      return TRUE;
    }
  accepted (files, from, transfer);
  return TRUE;
}

/* `accept ID [PATH…]` (the paths as words of a shell line, so that quotes
 * keep spaces) and `decline ID [REASON]`. */
static void
answer_offer (HormigaCliFiles *files,
              GStrv            words)
{
  guint64 id = 0;
  HormigaTransferOffer *offer = NULL;
  g_autoptr(GError) error = NULL;

  if (!g_ascii_string_to_unsigned (words[1], 10, 1, G_MAXUINT, &id, NULL) ||
      (offer = g_hash_table_lookup (files->offers, GUINT_TO_POINTER ((guint) id))) == NULL)
    {
      say ("error: no offer %s is waiting; offers wait after `hold-offers`, as `offer-waiting ID`",
           words[1]);
      return;
    }
  if (hormiga_transfer_offer_is_answered (offer))
    {
      g_hash_table_remove (files->offers, GUINT_TO_POINTER ((guint) id));
      say ("error: offer %s is over (it waited too long, or the sender went away)", words[1]);
      return;
    }
  if (g_str_equal (words[0], "decline"))
    {
      hormiga_transfer_offer_decline (offer, words[2] != NULL ? words[2] : "declined");
      say ("offer-declined id=%s", words[1]);
      g_hash_table_remove (files->offers, GUINT_TO_POINTER ((guint) id));
      return;
    }
  {
    g_auto(GStrv) paths = NULL;
    g_autofree char *from = g_strdup (hormiga_peer_id_to_string (hormiga_transfer_offer_get_peer (offer)));
    HormigaTransfer *transfer;

    if (words[2] != NULL && !g_shell_parse_argv (words[2], NULL, &paths, &error))
      {
        say ("error: the paths after accept %s do not read: %s", words[1], error->message);
        return;
      }
    transfer = hormiga_transfer_offer_accept_paths (offer, NULL, (const char * const *) paths,
                                                    &error);
    if (transfer == NULL)
      {
        say ("error: %s", error->message);
        if (hormiga_transfer_offer_is_answered (offer))
          g_hash_table_remove (files->offers, GUINT_TO_POINTER ((guint) id));
        return;
      }
    g_hash_table_remove (files->offers, GUINT_TO_POINTER ((guint) id));
    accepted (files, from, transfer);
  }
}

/* ---- lines ---------------------------------------------------------------------------- */

gboolean
hormiga_cli_files_handle_line (HormigaCliFiles *files,
                               GStrv            words)
{
  g_autoptr(GError) error = NULL;

  if (g_str_equal (words[0], "hold-offers"))
    {
      files->hold = TRUE;
      say ("holding-offers");
      return TRUE;
    }
  if ((g_str_equal (words[0], "accept") || g_str_equal (words[0], "decline")) && words[1] != NULL)
    {
      answer_offer (files, words);
      return TRUE;
    }
  if (g_str_equal (words[0], "share") && words[1] != NULL)
    {
      g_autofree char *path = g_strjoinv (" ", words + 1);
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (path);

      hormiga_transfer_manager_share_async (files->manager, file, NULL, on_shared,
                                            g_steal_pointer (&path));
      return TRUE;
    }
  if (g_str_equal (words[0], "get") && words[1] != NULL && g_str_has_prefix (words[1], "hormiga:"))
    {
      HormigaTransfer *transfer = hormiga_transfer_manager_download (files->manager, words[1],
                                                                     words[2], &error);

      if (transfer == NULL)
        say ("error: %s", error->message);
      else
        {
          g_autofree char *cid = hormiga_content_id_to_string (hormiga_transfer_get_content_id (transfer));

          watch (files, transfer);
          say ("downloading %s folder=%s", cid, hormiga_transfer_get_folder (transfer));
          if (hormiga_transfer_get_state (transfer) == HORMIGA_TRANSFER_DONE)
            on_state (transfer, NULL, files);
        }
      return TRUE;
    }
  if (g_str_equal (words[0], "send-file") && words[1] != NULL && words[2] != NULL)
    {
      g_autoptr(HormigaPeerId) peer = hormiga_peer_id_parse (words[1], &error);
      g_autoptr(GFile) file = NULL;

      if (peer == NULL)
        {
          say ("error: %s", error->message);
          return TRUE;
        }
      file = g_file_new_for_commandline_arg (words[2]);
      hormiga_transfer_manager_send_async (files->manager, peer, file, NULL, on_sent,
                                           g_strdup (words[1]));
      return TRUE;
    }
  if ((g_str_equal (words[0], "pause") || g_str_equal (words[0], "resume") ||
       g_str_equal (words[0], "cancel")) && words[1] != NULL)
    {
      HormigaTransfer *transfer = find_transfer (files, words[1]);

      if (transfer == NULL)
        say ("error: no transfer of %s", words[1]);
      else
        {
          if (g_str_equal (words[0], "pause"))
            hormiga_transfer_pause (transfer);
          else if (g_str_equal (words[0], "resume"))
            hormiga_transfer_resume (transfer);
          else
            hormiga_transfer_cancel (transfer);
          say ("%s %s", hormiga_transfer_state_to_string (hormiga_transfer_get_state (transfer)),
               words[1]);
        }
      return TRUE;
    }
  if (g_str_equal (words[0], "transfers"))
    {
      g_autofree char *json = hormiga_cli_files_transfers_json (files->manager);

      say ("transfers %s", json);
      return TRUE;
    }
  return FALSE;
}

HormigaCliFiles *
hormiga_cli_files_new (HormigaTransferManager *manager,
                       gboolean                auto_accept,
                       const char * const     *accept_from)
{
  HormigaCliFiles *files = g_new0 (HormigaCliFiles, 1);

  files->manager = g_object_ref (manager);
  files->auto_accept = auto_accept;
  files->accept_from = g_strdupv ((GStrv) accept_from);
  files->watched = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  files->offers = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  files->offer_handler = g_signal_connect (manager, "offer", G_CALLBACK (on_offer), files);
  return files;
}

void
hormiga_cli_files_free (HormigaCliFiles *files)
{
  GHashTableIter iter;
  gpointer transfer, handler;

  if (files == NULL)
    return;
  g_hash_table_iter_init (&iter, files->watched);
  while (g_hash_table_iter_next (&iter, &transfer, &handler))
    g_signal_handler_disconnect (transfer, GPOINTER_TO_UINT (handler));
  g_hash_table_unref (files->watched);
  g_hash_table_unref (files->offers);
  g_signal_handler_disconnect (files->manager, files->offer_handler);
  g_object_unref (files->manager);
  g_strfreev (files->accept_from);
  g_free (files);
}
