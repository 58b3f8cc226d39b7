/* hormiga-identity-binding.h — proof that an identity ran a DTLS session
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Sans-I/O core of the handshake on negotiated channel 0 (docs/PROTOCOL.md,
 * "Identity binding"): each side signs, with its Ed25519 key, a
 * domain-separated transcript of both DTLS certificate fingerprints as it
 * saw them. A man in the middle runs two DTLS sessions, so the two sides'
 * transcripts differ and the signatures fail.
 */
#pragma once

#include <glib.h>

#include "hormiga-identity.h"
#include "hormiga-peer-id.h"

G_BEGIN_DECLS

#define HORMIGA_IDENTITY_BINDING_LABEL          "hormiga-bind"
#define HORMIGA_IDENTITY_BINDING_STREAM         0
#define HORMIGA_IDENTITY_BINDING_TRANSCRIPT_SIZE 80
#define HORMIGA_IDENTITY_BINDING_MAX_SIZE       300

/* The 80 bytes a side signs: "hormiga/bind/v1", its role ('c' for the DTLS
 * client, 's' for the server), the client's and the server's fingerprints. */
void           hormiga_identity_binding_transcript (gboolean      signer_is_client,
                                                    const guint8  client_fingerprint[32],
                                                    const guint8  server_fingerprint[32],
                                                    guint8        transcript[HORMIGA_IDENTITY_BINDING_TRANSCRIPT_SIZE]);

/* Our proof, {v: 1, t: "bind", key, sig}, to send on channel 0. */
GBytes        *hormiga_identity_binding_encode     (HormigaIdentity     *identity,
                                                    gboolean             we_are_client,
                                                    const guint8         client_fingerprint[32],
                                                    const guint8         server_fingerprint[32]);

/* Checks the peer's proof against the fingerprints this side saw and, if
 * @expected is not NULL, the PeerID it must come from. Returns the peer's
 * PeerID, or NULL with HORMIGA_RTC_ERROR_IDENTITY saying which rule broke. */
HormigaPeerId *hormiga_identity_binding_verify     (const guint8        *data,
                                                    gsize                length,
                                                    gboolean             peer_is_client,
                                                    const guint8         client_fingerprint[32],
                                                    const guint8         server_fingerprint[32],
                                                    const HormigaPeerId *expected,
                                                    GError             **error);

G_END_DECLS
