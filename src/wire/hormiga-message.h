/* hormiga-message.h — the MessagePack envelope every Hormiga message travels in
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An envelope is a MessagePack map: {"v": 1, "t": "<type>", <fields>…}.
 * docs/PROTOCOL.md lists every type, field and limit. Decoding is strict:
 * unknown types are rejected with HORMIGA_WIRE_ERROR_UNKNOWN_TYPE (the caller
 * decides whether that is fatal), unknown fields of a known type are ignored
 * so that later minor additions stay compatible.
 */
#pragma once

#include "hormiga-types.h"
#include "hormiga-wire-limits.h"

G_BEGIN_DECLS

#define HORMIGA_WIRE_VERSION 1

#define HORMIGA_NONCE_LENGTH      32
#define HORMIGA_PUBLIC_KEY_LENGTH 32
#define HORMIGA_SIGNATURE_LENGTH  64
/* Longest PeerID text we accept in a field (an Ed25519 PeerID is 52 chars). */
#define HORMIGA_PEER_ID_MAX_TEXT  128
/* Longest signal session id. */
#define HORMIGA_SID_MAX_LENGTH    64
/* Largest signal payload: a forwarded signal, with the `from` the server
 * adds, must still fit in one default-sized frame. */
#define HORMIGA_SIGNAL_MAX_PAYLOAD (60 * 1024)
/* Most peers in one welcome's bootstrap sample. */
#define HORMIGA_WELCOME_MAX_PEERS 64

typedef enum {
  HORMIGA_MESSAGE_CHALLENGE,  /* server → client: prove your key */
  HORMIGA_MESSAGE_JOIN,       /* client → server: public key + signature */
  HORMIGA_MESSAGE_WELCOME,    /* server → client: admitted, bootstrap sample */
  HORMIGA_MESSAGE_SIGNAL,     /* both ways: opaque payload for another peer */
  HORMIGA_MESSAGE_ERROR,      /* any direction: a request was refused */
  HORMIGA_MESSAGE_PING,       /* server → client: liveness probe */
  HORMIGA_MESSAGE_PONG,       /* client → server: answer to ping */
  HORMIGA_MESSAGE_N_TYPES
} HormigaMessageType;

/**
 * HormigaMessage:
 * A decoded envelope. Plain data: strings are owned (g_free), payloads are
 * GBytes references. Which union member is valid depends on @type.
 */
struct _HormigaMessage
{
  HormigaMessageType type;
  union {
    struct {
      guint8 nonce[HORMIGA_NONCE_LENGTH];
      char  *server;                         /* software name/version, optional (NULL) */
    } challenge;
    struct {
      guint8 public_key[HORMIGA_PUBLIC_KEY_LENGTH];
      guint8 signature[HORMIGA_SIGNATURE_LENGTH];
      gboolean client;                       /* a client-mode node: left out of samples */
    } join;
    struct {
      char      *peer_id;                    /* the PeerID the server derived */
      GPtrArray *peers;                      /* (element-type utf8) bootstrap sample */
      GPtrArray *turn_urls;                  /* (element-type utf8) optional TURN servers, or NULL */
      char      *turn_username;              /* their short-lived credentials, or NULL */
      char      *turn_credential;
    } welcome;
    struct {
      char   *from;                          /* set by the server only; NULL from clients */
      char   *to;
      char   *sid;
      GBytes *payload;
    } signal;
    struct {
      guint  code;                           /* HormigaProtocolError */
      char  *message;
      char  *sid;                            /* optional: the signal it refers to */
    } error;
    struct {
      guint64 seq;
    } ping;                                  /* also used by PONG */
  };
};

GType            hormiga_message_get_type          (void);
#define HORMIGA_TYPE_MESSAGE (hormiga_message_get_type ())

const char      *hormiga_message_type_to_string    (HormigaMessageType type);

HormigaMessage  *hormiga_message_new_challenge     (const guint8  nonce[HORMIGA_NONCE_LENGTH],
                                                    const char   *server);
HormigaMessage  *hormiga_message_new_join          (const guint8  public_key[HORMIGA_PUBLIC_KEY_LENGTH],
                                                    const guint8  signature[HORMIGA_SIGNATURE_LENGTH]);
/* @peers: (element-type utf8) (nullable): copied */
HormigaMessage  *hormiga_message_new_welcome       (const char   *peer_id,
                                                    GPtrArray    *peers);
/* Adds TURN servers and credentials to a welcome (all three given, @urls
 * 1–4 of at most 256 bytes each; @username and @credential 1–256 bytes). */
void             hormiga_message_set_welcome_turn  (HormigaMessage *message,
                                                    GPtrArray      *urls,
                                                    const char     *username,
                                                    const char     *credential);
/* @from: (nullable): only the server sets it */
HormigaMessage  *hormiga_message_new_signal        (const char   *from,
                                                    const char   *to,
                                                    const char   *sid,
                                                    GBytes       *payload);
/* @sid: (nullable) */
HormigaMessage  *hormiga_message_new_error         (guint         code,
                                                    const char   *message,
                                                    const char   *sid);
HormigaMessage  *hormiga_message_new_ping          (guint64       seq);
HormigaMessage  *hormiga_message_new_pong          (guint64       seq);

HormigaMessage  *hormiga_message_copy              (const HormigaMessage *message);
void             hormiga_message_free              (HormigaMessage *message);

/* Encodes @message as one envelope. Never fails for a message built by the
 * constructors above. */
GBytes          *hormiga_message_encode            (const HormigaMessage *message);

/* Checks @data against @limits (NULL: the defaults), then decodes one
 * envelope. On failure returns NULL and sets @error in HORMIGA_WIRE_ERROR. */
HormigaMessage  *hormiga_message_decode            (const guint8            *data,
                                                    gsize                    length,
                                                    const HormigaWireLimits *limits,
                                                    GError                 **error);
HormigaMessage  *hormiga_message_decode_bytes      (GBytes                  *bytes,
                                                    const HormigaWireLimits *limits,
                                                    GError                 **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HormigaMessage, hormiga_message_free)

G_END_DECLS
