/* hormiga-peer-text.c — words for a peer, shared by the views
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n.h>

#include "hormiga-app-private.h"

const char *
_hormiga_peer_kind_label (HormigaPeerKind kind)
{
  switch (kind)
    {
    /* Translators: how a peer is reached: straight, no relay in between */
    case HORMIGA_PEER_KIND_DIRECT:     return _("Direct");
    /* Translators: how a peer is reached: through a TURN relay server */
    case HORMIGA_PEER_KIND_RELAYED:    return _("Relayed (TURN)");
    case HORMIGA_PEER_KIND_CONNECTING: return _("Connecting");
    case HORMIGA_PEER_KIND_KNOWN:
    default:                           return _("Not connected");
    }
}

const char *
_hormiga_peer_role_label (HormigaPeerRole role)
{
  switch (role)
    {
    /* Translators: a peer's role: it keeps a backup of this node */
    case HORMIGA_PEER_ROLE_CONTINGENT: return _("Contingent");
    /* Translators: a peer's role: this node keeps a backup of it */
    case HORMIGA_PEER_ROLE_PROTECTED:  return _("Protected");
    /* Translators: a peer's role: each keeps a backup of the other */
    case HORMIGA_PEER_ROLE_MUTUAL:     return _("Contingent and protected");
    /* Translators: a peer's role: a node next to this one in the DHT */
    case HORMIGA_PEER_ROLE_NEIGHBOUR:
    default:                           return _("Neighbour");
    }
}

char *
_hormiga_peer_dup_details (HormigaPeerItem *item)
{
  GString *text = g_string_new (_hormiga_peer_role_label (hormiga_peer_item_get_role (item)));

  g_string_append (text, " · ");
  /* Translators: the DHT distance ring (bucket) of a peer; higher is closer */
  g_string_append_printf (text, _("ring %u"), hormiga_peer_item_get_bucket (item));
  if (hormiga_peer_item_get_kind (item) != HORMIGA_PEER_KIND_KNOWN)
    {
      g_string_append (text, " · ");
      g_string_append (text, hormiga_peer_item_get_overlay (item)
                               /* Translators: how a connection was negotiated */
                               ? _("through the overlay")
                               : _("through hormiguero"));
      if (hormiga_peer_item_get_incoming (item))
        {
          g_string_append (text, " · ");
          /* Translators: the peer opened the connection */
          g_string_append (text, _("incoming"));
        }
      if (hormiga_peer_item_get_transferring (item))
        {
          g_string_append (text, " · ");
          /* Translators: file chunks are moving to or from the peer now */
          g_string_append (text, _("transferring"));
        }
    }
  return g_string_free (text, FALSE);
}

char *
_hormiga_peer_dup_traffic (HormigaPeerItem *item)
{
  g_autofree char *sent = g_format_size (hormiga_peer_item_get_bytes_sent (item));
  g_autofree char *received = g_format_size (hormiga_peer_item_get_bytes_received (item));

  gint rtt = hormiga_peer_item_get_rtt (item);

  if (rtt < 0)
    /* Translators: bytes sent to a peer, then bytes received from it */
    return g_strdup_printf (_("↑ %s  ↓ %s"), sent, received);
  if (rtt == 0)
    /* Translators: bytes sent to a peer, bytes received from it, then a
     * round-trip time under a millisecond */
    return g_strdup_printf (_("↑ %s  ↓ %s  ·  < 1 ms"), sent, received);
  /* Translators: bytes sent to a peer, bytes received from it, then the
   * round-trip time in milliseconds */
  return g_strdup_printf (_("↑ %s  ↓ %s  ·  %d ms"), sent, received, rtt);
}

char *
_hormiga_peer_dup_summary (HormigaPeerItem *item)
{
  g_autofree char *details = _hormiga_peer_dup_details (item);
  g_autofree char *traffic = _hormiga_peer_dup_traffic (item);

  const char *name = hormiga_peer_item_get_display_name (item);

  return g_strdup_printf ("%s%s%s\n%s · %s\n%s", name != NULL ? name : "", name != NULL ? "\n" : "",
                          hormiga_peer_item_get_peer_id (item),
                          _hormiga_peer_kind_label (hormiga_peer_item_get_kind (item)),
                          details, traffic);
}
