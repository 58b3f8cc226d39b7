/* hormiga-signaling-client.h — a node's connection to hormiguero
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "hormiga-types.h"

G_BEGIN_DECLS

#define HORMIGA_SIGNALING_ERROR (hormiga_signaling_error_quark ())

typedef enum {
  HORMIGA_SIGNALING_ERROR_NOT_ADMITTED,  /* not (yet) admitted: nothing can be sent */
  HORMIGA_SIGNALING_ERROR_CONNECT,       /* the WebSocket could not be opened */
  HORMIGA_SIGNALING_ERROR_CLOSED,        /* the server closed the connection */
  HORMIGA_SIGNALING_ERROR_PROTOCOL,      /* the server sent something the protocol forbids */
  HORMIGA_SIGNALING_ERROR_INVALID,       /* an argument breaks a protocol limit */
} HormigaSignalingError;

GQuark hormiga_signaling_error_quark (void);

typedef enum {
  HORMIGA_SIGNALING_STATE_STOPPED,     /* not started, or stopped */
  HORMIGA_SIGNALING_STATE_CONNECTING,  /* opening the WebSocket */
  HORMIGA_SIGNALING_STATE_JOINING,     /* waiting for challenge / welcome */
  HORMIGA_SIGNALING_STATE_ADMITTED,    /* joined: signals flow */
  HORMIGA_SIGNALING_STATE_WAITING,     /* disconnected, reconnecting after a delay */
} HormigaSignalingState;

GType hormiga_signaling_state_get_type (void);
#define HORMIGA_TYPE_SIGNALING_STATE (hormiga_signaling_state_get_type ())

#define HORMIGA_TYPE_SIGNALING_CLIENT (hormiga_signaling_client_get_type ())
G_DECLARE_FINAL_TYPE (HormigaSignalingClient, hormiga_signaling_client, HORMIGA, SIGNALING_CLIENT, GObject)

/* Everything runs on @context (NULL: the thread-default context now). */
HormigaSignalingClient *hormiga_signaling_client_new        (const char       *url,
                                                             HormigaIdentity  *identity,
                                                             GMainContext     *context);

/* Connects, and reconnects with jittered exponential backoff whenever the
 * connection is lost, until stop. */
void                    hormiga_signaling_client_start      (HormigaSignalingClient *self);
/* Closes the connection normally and stops reconnecting. */
void                    hormiga_signaling_client_stop       (HormigaSignalingClient *self);

/* Sends @payload to @to. Fails when not admitted or when an argument is
 * beyond the protocol's limits; a `to` that is not connected is answered
 * later by an ::error-received with the same @sid. */
gboolean                hormiga_signaling_client_send_signal (HormigaSignalingClient *self,
                                                              const char             *to,
                                                              const char             *sid,
                                                              GBytes                 *payload,
                                                              GError                **error);

HormigaSignalingState   hormiga_signaling_client_get_state  (HormigaSignalingClient *self);
const char             *hormiga_signaling_client_get_url    (HormigaSignalingClient *self);
HormigaIdentity        *hormiga_signaling_client_get_identity (HormigaSignalingClient *self);
/* The TURN servers and short-lived credentials of the last welcome (all
 * transfer none, valid until the next admission); FALSE if it had none. */
gboolean                hormiga_signaling_client_get_turn (HormigaSignalingClient  *self,
                                                           const char * const     **urls,
                                                           const char             **username,
                                                           const char             **credential);
/* The bootstrap sample of the last welcome; NULL before the first. */
const char * const     *hormiga_signaling_client_get_bootstrap_peers (HormigaSignalingClient *self);
/* A client-mode node says so when it joins, and hormiguero leaves it out
 * of the bootstrap samples it gives others; from the next join. */
void                    hormiga_signaling_client_set_client_mode (HormigaSignalingClient *self,
                                                                  gboolean                client_mode);
/* Times the client has been admitted (1 after the first join). */
guint                   hormiga_signaling_client_get_n_joins (HormigaSignalingClient *self);

G_END_DECLS
