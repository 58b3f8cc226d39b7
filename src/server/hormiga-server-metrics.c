/* hormiga-server-metrics.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hormiga-server-metrics.h"

const char *
hormiga_leave_reason_to_string (HormigaLeaveReason reason)
{
  switch (reason)
    {
    case HORMIGA_LEAVE_CLOSED:       return "closed";
    case HORMIGA_LEAVE_PONG_TIMEOUT: return "pong-timeout";
    case HORMIGA_LEAVE_REPLACED:     return "replaced";
    case HORMIGA_LEAVE_KICKED:       return "kicked";
    case HORMIGA_LEAVE_SHUTDOWN:     return "shutdown";
    case HORMIGA_LEAVE_N_REASONS:
    default:                         return "unknown";
    }
}

static void
append_header (GString    *out,
               const char *name,
               const char *type,
               const char *help)
{
  g_string_append_printf (out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
append_value (GString    *out,
              const char *name,
              const char *type,
              const char *help,
              guint64     value)
{
  append_header (out, name, type, help);
  g_string_append_printf (out, "%s %" G_GUINT64_FORMAT "\n", name, value);
}

static void
append_by_message_type (GString       *out,
                        const char    *name,
                        const char    *help,
                        const guint64  values[HORMIGA_MESSAGE_N_TYPES])
{
  append_header (out, name, "counter", help);
  for (guint t = 0; t < HORMIGA_MESSAGE_N_TYPES; t++)
    g_string_append_printf (out, "%s{type=\"%s\"} %" G_GUINT64_FORMAT "\n",
                            name, hormiga_message_type_to_string (t), values[t]);
}

char *
hormiga_server_metrics_render (const HormigaServerMetrics *m)
{
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (m != NULL, NULL);

  append_value (out, "hormiguero_connections_open", "gauge",
                "WebSocket connections open now, admitted or not.", m->connections_open);
  append_value (out, "hormiguero_connections_total", "counter",
                "WebSocket connections accepted since start.", m->connections_total);
  append_value (out, "hormiguero_peers_connected", "gauge",
                "Peers admitted and connected now.", m->peers_connected);
  append_value (out, "hormiguero_joins_total", "counter",
                "Peers admitted since start.", m->joins_total);
  append_by_message_type (out, "hormiguero_frames_in_total",
                          "Frames received, by message type.", m->frames_in);
  append_value (out, "hormiguero_frames_in_invalid_total", "counter",
                "Frames received that did not decode.", m->frames_in_invalid);
  append_by_message_type (out, "hormiguero_frames_out_total",
                          "Frames sent, by message type.", m->frames_out);
  append_value (out, "hormiguero_bytes_in_total", "counter",
                "Payload bytes of frames received.", m->bytes_in);
  append_value (out, "hormiguero_bytes_out_total", "counter",
                "Payload bytes of frames sent.", m->bytes_out);
  append_value (out, "hormiguero_signals_forwarded_total", "counter",
                "Signals forwarded from one peer to another.", m->signals_forwarded);

  append_header (out, "hormiguero_rejections_total", "counter",
                 "Requests refused with an error frame, by reason.");
  for (guint code = 1; code < HORMIGA_PROTOCOL_ERROR_MAX; code++)
    {
      const char *name = hormiga_protocol_error_to_string (code);

      if (g_str_equal (name, "unknown"))
        continue;
      g_string_append_printf (out, "hormiguero_rejections_total{reason=\"%s\"} %" G_GUINT64_FORMAT "\n",
                              name, m->rejections[code]);
    }

  append_header (out, "hormiguero_peers_left_total", "counter",
                 "Admitted peers that left, by reason.");
  for (guint r = 0; r < HORMIGA_LEAVE_N_REASONS; r++)
    g_string_append_printf (out, "hormiguero_peers_left_total{reason=\"%s\"} %" G_GUINT64_FORMAT "\n",
                            hormiga_leave_reason_to_string (r), m->peers_left[r]);

  return g_string_free (out, FALSE);
}
