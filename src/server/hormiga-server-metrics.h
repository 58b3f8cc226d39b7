/* hormiga-server-metrics.h — hormiguero's counters, rendered for Prometheus
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hormiga-message.h"
#include "hormiga-protocol.h"

G_BEGIN_DECLS

/* Why a peer left; the label of hormiguero_peers_left_total. */
typedef enum {
  HORMIGA_LEAVE_CLOSED,            /* the client closed the connection */
  HORMIGA_LEAVE_PONG_TIMEOUT,      /* it stopped answering pings */
  HORMIGA_LEAVE_REPLACED,          /* the same PeerID joined again */
  HORMIGA_LEAVE_KICKED,            /* the server closed it for a protocol violation */
  HORMIGA_LEAVE_SHUTDOWN,          /* the server is stopping */
  HORMIGA_LEAVE_N_REASONS
} HormigaLeaveReason;

#define HORMIGA_PROTOCOL_ERROR_MAX 16

typedef struct
{
  guint64 connections_total;
  guint64 connections_open;
  guint64 peers_connected;           /* admitted and open */
  guint64 joins_total;
  guint64 frames_in[HORMIGA_MESSAGE_N_TYPES];
  guint64 frames_out[HORMIGA_MESSAGE_N_TYPES];
  guint64 frames_in_invalid;         /* frames that did not decode */
  guint64 bytes_in;
  guint64 bytes_out;
  guint64 rejections[HORMIGA_PROTOCOL_ERROR_MAX];
  guint64 signals_forwarded;
  guint64 peers_left[HORMIGA_LEAVE_N_REASONS];
} HormigaServerMetrics;

const char *hormiga_leave_reason_to_string (HormigaLeaveReason reason);

/* Prometheus text exposition format, version 0.0.4. */
char       *hormiga_server_metrics_render  (const HormigaServerMetrics *metrics);

G_END_DECLS
