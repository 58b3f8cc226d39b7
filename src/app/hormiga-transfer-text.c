/* hormiga-transfer-text.c — words for a transfer, shared by the views
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <glib/gi18n.h>

#include "hormiga-app-private.h"

const char *
_hormiga_transfer_state_icon (HormigaTransferState state)
{
  switch (state)
    {
    case HORMIGA_TRANSFER_LOOKING:     return "system-search-symbolic";
    case HORMIGA_TRANSFER_DOWNLOADING: return "folder-download-symbolic";
    case HORMIGA_TRANSFER_VERIFYING:   return "emblem-synchronizing-symbolic";
    case HORMIGA_TRANSFER_PAUSED:      return "media-playback-pause-symbolic";
    case HORMIGA_TRANSFER_DONE:        return "emblem-ok-symbolic";
    case HORMIGA_TRANSFER_FAILED:      return "dialog-error-symbolic";
    case HORMIGA_TRANSFER_CANCELLED:
    default:                           return "process-stop-symbolic";
    }
}

const char *
_hormiga_transfer_state_label (HormigaTransferState state)
{
  switch (state)
    {
    /* Translators: a download's state: finding peers that have the file */
    case HORMIGA_TRANSFER_LOOKING:     return _("Looking for peers");
    case HORMIGA_TRANSFER_DOWNLOADING: return _("Downloading");
    /* Translators: a download's state: the final check of the whole file */
    case HORMIGA_TRANSFER_VERIFYING:   return _("Verifying");
    case HORMIGA_TRANSFER_PAUSED:      return _("Paused");
    case HORMIGA_TRANSFER_DONE:        return _("Done");
    case HORMIGA_TRANSFER_FAILED:      return _("Failed");
    case HORMIGA_TRANSFER_CANCELLED:
    default:                           return _("Cancelled");
    }
}

char *
_hormiga_dup_time_left (gint64 seconds)
{
  if (seconds < 0)
    return NULL;
  if (seconds < 60)
    /* Translators: time left for a download */
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u s left", "%u s left", (gulong) seconds),
                            (guint) seconds);
  if (seconds < 3600)
    {
      guint minutes = (guint) ((seconds + 59) / 60);

      /* Translators: time left for a download */
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u min left", "%u min left", minutes),
                              minutes);
    }
  {
    guint hours = (guint) (seconds / 3600);
    guint minutes = (guint) ((seconds % 3600) / 60);

    /* Translators: time left for a download: hours and minutes */
    return g_strdup_printf (_("%u h %02u min left"), hours, minutes);
  }
}

char *
_hormiga_dup_speed (double bytes_per_second)
{
  g_autofree char *size = g_format_size ((guint64) MAX (bytes_per_second, 0));

  /* Translators: a transfer speed, such as 8.1 MB/s */
  return g_strdup_printf (_("%s/s"), size);
}

const char *
_hormiga_transfer_item_state_icon (HormigaTransferItem *item)
{
  HormigaTransferState state = hormiga_transfer_item_get_state (item);

  if (hormiga_transfer_item_get_direction (item) == HORMIGA_TRANSFER_DIRECTION_UPLOAD
      && state == HORMIGA_TRANSFER_DOWNLOADING)
    return "network-transmit-symbolic";
  return _hormiga_transfer_state_icon (state);
}

const char *
_hormiga_transfer_item_state_label (HormigaTransferItem *item)
{
  HormigaTransferState state = hormiga_transfer_item_get_state (item);

  if (hormiga_transfer_item_get_direction (item) != HORMIGA_TRANSFER_DIRECTION_UPLOAD)
    return _hormiga_transfer_state_label (state);
  return state == HORMIGA_TRANSFER_DOWNLOADING
           /* Translators: an upload's state: chunks are going to a peer */
           ? _("Uploading")
           /* Translators: an upload's state: the peer asked for nothing more */
           : _("Sent");
}

/* "1.2 MB of 3 MB sent to AbCdEf…WxYz · 2.1 MB/s · 1 s left" */
static char *
dup_upload_details (HormigaTransferItem *item)
{
  g_autofree char *sent = g_format_size (hormiga_transfer_item_get_received (item));
  g_autofree char *total = g_format_size (hormiga_transfer_item_get_size (item));
  const char * const *sources = hormiga_transfer_item_get_sources (item);
  g_autofree char *peer = _hormiga_dup_short_peer_id (sources != NULL ? sources[0] : NULL);
  GString *text = g_string_new (NULL);

  /* Translators: bytes sent of a file's size, and to whom (a short PeerID) */
  g_string_append_printf (text, _("%s of %s sent to %s"), sent, total, peer);
  if (hormiga_transfer_item_get_state (item) == HORMIGA_TRANSFER_DOWNLOADING)
    {
      g_autofree char *speed = _hormiga_dup_speed (hormiga_transfer_item_get_speed (item));
      g_autofree char *left = _hormiga_dup_time_left (hormiga_transfer_item_get_eta (item));

      g_string_append (text, " · ");
      g_string_append (text, speed);
      if (left != NULL)
        {
          g_string_append (text, " · ");
          g_string_append (text, left);
        }
    }
  return g_string_free (text, FALSE);
}

char *
_hormiga_transfer_dup_details (HormigaTransferItem *item)
{
  HormigaTransferState state = hormiga_transfer_item_get_state (item);
  guint64 size = hormiga_transfer_item_get_size (item);
  g_autofree char *received = g_format_size (hormiga_transfer_item_get_received (item));
  g_autofree char *total = g_format_size (size);
  GString *text;

  if (hormiga_transfer_item_get_direction (item) == HORMIGA_TRANSFER_DIRECTION_UPLOAD)
    return dup_upload_details (item);
  text = g_string_new (NULL);
  switch (state)
    {
    case HORMIGA_TRANSFER_LOOKING:
      g_string_append (text, _("Looking for peers that have it…"));
      break;

    case HORMIGA_TRANSFER_DOWNLOADING:
      {
        g_autofree char *speed = _hormiga_dup_speed (hormiga_transfer_item_get_speed (item));
        g_autofree char *left = _hormiga_dup_time_left (hormiga_transfer_item_get_eta (item));
        guint n = hormiga_transfer_item_get_n_sources (item);

        /* Translators: bytes received of the total, such as "12.3 MB of 40 MB" */
        g_string_append_printf (text, _("%s of %s"), received, total);
        g_string_append (text, " · ");
        g_string_append (text, speed);
        if (left != NULL)
          {
            g_string_append (text, " · ");
            g_string_append (text, left);
          }
        g_string_append (text, " · ");
        /* Translators: how many peers are sending the file now */
        g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%u source", "%u sources", n), n);
      }
      break;

    case HORMIGA_TRANSFER_VERIFYING:
      g_string_append (text, _("Checking the whole file…"));
      break;

    case HORMIGA_TRANSFER_PAUSED:
      g_string_append_printf (text, _("Paused · %s of %s"), received, total);
      break;

    case HORMIGA_TRANSFER_DONE:
      {
        guint n = g_strv_length ((GStrv) hormiga_transfer_item_get_sources (item));

        g_string_append (text, total);
        if (n > 0)
          {
            g_string_append (text, " · ");
            /* Translators: how many peers sent parts of a finished download */
            g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "from %u peer",
                                                       "from %u peers", n), n);
          }
      }
      break;

    case HORMIGA_TRANSFER_FAILED:
      g_string_append (text, hormiga_transfer_item_get_error (item)
                               ? hormiga_transfer_item_get_error (item)
                               : _("Failed"));
      break;

    case HORMIGA_TRANSFER_CANCELLED:
    default:
      g_string_append (text, _("Cancelled"));
      break;
    }
  return g_string_free (text, FALSE);
}

char *
_hormiga_dup_short_peer_id (const char *peer_id)
{
  const char *rest = peer_id;
  gsize length;

  if (peer_id == NULL)
    return g_strdup ("");
  if (g_str_has_prefix (rest, "12D3KooW"))
    rest += strlen ("12D3KooW");
  length = strlen (rest);
  if (length <= 12)
    return g_strdup (rest);
  return g_strdup_printf ("%.6s…%s", rest, rest + length - 4);
}
