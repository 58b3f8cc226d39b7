/* hormiga-test-turn.h — runs a real TURN server (coturn) for a test
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _HormigaTestTurn HormigaTestTurn;

/* The one static long-term user of every test TURN server. */
#define HORMIGA_TEST_TURN_USERNAME "hormiga"
#define HORMIGA_TEST_TURN_PASSWORD "hormiga-turn-secret"
#define HORMIGA_TEST_TURN_REALM    "hormiga.test"

/* What coturn reported for the allocations it closed: the traffic between
 * the clients and the server, and between the relays and their peers. */
typedef struct
{
  guint   allocations;      /* allocations closed ("usage" lines) */
  guint64 client_received;  /* bytes from the clients */
  guint64 client_sent;      /* bytes to the clients */
  guint64 peer_received;    /* bytes the relays received from their peers */
  guint64 peer_sent;        /* bytes the relays sent to their peers */
} HormigaTestTurnUsage;

/* Starts `turnserver` ($TURNSERVER, else from PATH) in the foreground on
 * 127.0.0.1 only: a free port for UDP and TCP, relay addresses on
 * 127.0.0.1, long-term credentials for HORMIGA_TEST_TURN_USERNAME, loopback
 * peers allowed, no TLS, DTLS, CLI or configuration file; its database,
 * log and pid file in a fresh temporary directory. Returns once it answers
 * a STUN binding request over UDP and accepts a TCP connection. Fails the
 * test if coturn is missing or does not come up within 20 s on any of
 * three fresh ports. */
HormigaTestTurn *hormiga_test_turn_start      (void);
/* Same, with coturn's REST credentials (use-auth-secret) for @secret
 * instead of the static user. */
HormigaTestTurn *hormiga_test_turn_start_with_secret (const char *secret);

guint16          hormiga_test_turn_get_port   (HormigaTestTurn *turn);
/* The whole log so far (free it). */
char            *hormiga_test_turn_read_log   (HormigaTestTurn *turn);
/* Number of allocations for our user that coturn logged as made. */
guint            hormiga_test_turn_count_allocations (HormigaTestTurn *turn);
/* Allocations of our user that their client deleted (a Refresh with
 * lifetime 0), each counted once. */
guint            hormiga_test_turn_count_released (HormigaTestTurn *turn);
/* TCP connections to the server's port now established on this machine
 * (from /proc/net/tcp): the clients that reach it over TCP. */
guint            hormiga_test_turn_count_tcp_clients (HormigaTestTurn *turn);
/* Sums the "usage" and "peer usage" lines coturn logs when an allocation
 * of our user is closed. */
void             hormiga_test_turn_get_usage  (HormigaTestTurn      *turn,
                                               HormigaTestTurnUsage *usage);
/* Asserts the server is still running (it did not crash), kills it, waits
 * for it and removes its directory. */
void             hormiga_test_turn_stop       (HormigaTestTurn *turn);

G_END_DECLS
