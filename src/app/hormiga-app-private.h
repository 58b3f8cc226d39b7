/* hormiga-app-private.h — helpers shared by the application's widgets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "hormiga-peer-item.h"
#include "hormiga-transfer-item.h"

G_BEGIN_DECLS

/* HORMIGA_RESOURCE_PATH comes from config.h: /io/github/hormiga/Hormiga,
 * or …/Hormiga/Devel for the development profile. */

/* For the dispose of a GtkWidget subclass built from a template: clears
 * the template's pointers, then unparents whatever children remain. */
static inline void
_hormiga_widget_dispose_children (GtkWidget *widget,
                                  GType      widget_type)
{
  GtkWidget *child;

  gtk_widget_dispose_template (widget, widget_type);
  while ((child = gtk_widget_get_first_child (widget)) != NULL)
    gtk_widget_unparent (child);
}

/* Files dropped on a peer (a GdkFileList in @value): each is offered to
 * @peer_id through win.send-uri, as Send File… does once a file is
 * chosen. FALSE if there was nothing to send. */
static inline gboolean
_hormiga_send_dropped_files (GtkWidget    *widget,
                             const char   *peer_id,
                             const GValue *value)
{
  GSList *files;
  gboolean sent = FALSE;

  if (peer_id == NULL || !G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  files = gdk_file_list_get_files (g_value_get_boxed (value));
  for (GSList *l = files; l != NULL; l = l->next)
    {
      g_autofree char *uri = g_file_get_uri (l->data);

      sent |= gtk_widget_activate_action (widget, "win.send-uri", "(ss)", peer_id, uri);
    }
  g_slist_free (files);
  return sent;
}

/* Words for a peer, shared by the Peers list and the Network graph
 * (hormiga-peer-text.c). */

/* "Direct", "Relayed (TURN)", "Connecting", "Not connected". */
const char *_hormiga_peer_kind_label   (HormigaPeerKind  kind);
/* "Neighbour". */
const char *_hormiga_peer_role_label   (HormigaPeerRole  role);
/* "Neighbour · ring 3 · through the overlay · incoming". */
char       *_hormiga_peer_dup_details  (HormigaPeerItem *item);
/* "↑ 1.2 kB  ↓ 3.4 kB  ·  3 ms" (the round-trip time when known). */
char       *_hormiga_peer_dup_traffic  (HormigaPeerItem *item);
/* Everything about a peer, several lines, for tooltips, details and
 * accessible descriptions. */
char       *_hormiga_peer_dup_summary  (HormigaPeerItem *item);

/* Words for a transfer (hormiga-transfer-text.c). */

/* An icon name for each state. */
const char *_hormiga_transfer_state_icon  (HormigaTransferState state);
/* "Downloading", "Paused", … */
const char *_hormiga_transfer_state_label (HormigaTransferState state);
/* The same for an item: an upload is "Uploading", then "Sent". */
const char *_hormiga_transfer_item_state_label (HormigaTransferItem *item);
const char *_hormiga_transfer_item_state_icon  (HormigaTransferItem *item);
/* "12.3 MB of 40 MB · 8.1 MB/s · 5 s left · 3 sources", "Paused · …",
 * the error of a failed one, … */
char       *_hormiga_transfer_dup_details (HormigaTransferItem *item);
/* "8.1 MB/s". */
char       *_hormiga_dup_speed            (double               bytes_per_second);
/* "5 s left", "3 min left", "2 h 05 min left"; NULL when unknown (< 0). */
char       *_hormiga_dup_time_left        (gint64               seconds);
/* "Hcfz4V…x2Ab" from "12D3KooWHcfz4V…". */
char       *_hormiga_dup_short_peer_id    (const char          *peer_id);

G_END_DECLS
