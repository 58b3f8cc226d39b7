/* test-app-units.c — the application's layout math and words, without a display
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The Network graph's layout (hormiga-network-graph-private.h): rings by
 * bucket, the closer in XOR distance the closer to the centre, angles
 * from the keys, and places that stay put as peers come and go. The words
 * the views show for sizes, speeds, times left, transfers and peers
 * (hormiga-app-private.h), in English and, with LANGUAGE=es, in Spanish,
 * from the catalogue tests/meson.build compiles from po/es.po. The
 * offer dialog's tree of an offered folder (HormigaOfferEntry): folders
 * count what is chosen under them, and what is asked for is the fewest
 * paths that name it.
 */
#include <locale.h>
#include <math.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "hormiga-app-private.h"
#include "hormiga-dht-key.h"
#include "hormiga-network-graph-private.h"
#include "hormiga-offer-entry.h"
#include "hormiga-peer-item-private.h"
#include "hormiga-transfer-item-private.h"

#define INNER_RING 0.38
/* g_format_size() puts a no-break space between a number and kB, MB… */
#define NB "\u00a0"
#define MIN_GAP (G_PI / 10)

/* ---- layout ------------------------------------------------------------------ */

static double
place_radius (const HormigaGraphPlace *place)
{
  return hypot (place->x, place->y);
}

static double
place_angle (const HormigaGraphPlace *place)
{
  double angle = atan2 (place->y, place->x);

  return angle < 0 ? angle + 2 * G_PI : angle;
}

/* A key with bytes 8 to 11 (the angle's) set to @bits. */
static void
key_with_angle_bits (guint8  key[HORMIGA_DHT_KEY_SIZE],
                     guint32 bits)
{
  memset (key, 0x5a, HORMIGA_DHT_KEY_SIZE);
  key[8] = bits >> 24;
  key[9] = bits >> 16;
  key[10] = bits >> 8;
  key[11] = bits;
}

static void
test_key_angle (void)
{
  guint8 key[HORMIGA_DHT_KEY_SIZE];

  key_with_angle_bits (key, 0);
  g_assert_cmpfloat_with_epsilon (_hormiga_network_graph_key_angle (key), 0.0, 1e-12);
  key_with_angle_bits (key, 0x40000000);
  g_assert_cmpfloat_with_epsilon (_hormiga_network_graph_key_angle (key), G_PI / 2, 1e-12);
  key_with_angle_bits (key, 0x80000000);
  g_assert_cmpfloat_with_epsilon (_hormiga_network_graph_key_angle (key), G_PI, 1e-12);
  key_with_angle_bits (key, 0xffffffff);
  g_assert_cmpfloat (_hormiga_network_graph_key_angle (key), <, 2 * G_PI);
  g_assert_cmpfloat (_hormiga_network_graph_key_angle (key), >, 2 * G_PI - 1e-6);
  /* Only those four bytes count. */
  key[0] ^= 0xff;
  key[31] ^= 0xff;
  g_assert_cmpfloat (_hormiga_network_graph_key_angle (key), >, 2 * G_PI - 1e-6);
}

/* Peers made from real keys: buckets from the common prefix with our key,
 * as the node thread computes them. The closer in XOR distance, the
 * closer to the centre; each at its key's angle when nobody crowds it. */
static void
test_layout_xor_distance (void)
{
  HormigaDhtKey self, keys[4];
  const guint prefixes[4] = { 0, 1, 5, 12 };
  HormigaGraphPlace places[4] = { 0 };
  g_autofree double *rings = NULL;
  guint n_rings;

  memset (self.bytes, 0x3c, sizeof self.bytes);
  for (guint i = 0; i < 4; i++)
    {
      guint8 random[HORMIGA_DHT_KEY_SIZE];

      for (guint b = 0; b < sizeof random; b++)
        random[b] = g_test_rand_int_range (0, 256);
      /* Far apart on the circle, so nobody is pushed. */
      random[8] = (guint8) (i * 64 + 7);
      hormiga_dht_key_random_in_bucket (&self, prefixes[i], random, &keys[i]);
      places[i].bucket = hormiga_dht_key_common_prefix (&self, &keys[i]);
      g_assert_cmpuint (places[i].bucket, ==, prefixes[i]);
      places[i].angle = _hormiga_network_graph_key_angle (keys[i].bytes);
      places[i].tie = "";
    }

  rings = _hormiga_network_graph_layout (places, 4, &n_rings);
  g_assert_cmpuint (n_rings, ==, 4);
  /* Innermost first, spread evenly from 0.38 to 1. */
  for (guint r = 0; r < n_rings; r++)
    g_assert_cmpfloat_with_epsilon (rings[r], INNER_RING + (1 - INNER_RING) * (r + 1) / 4, 1e-12);
  for (guint i = 0; i < 4; i++)
    {
      HormigaDhtKey d_i, d_j;

      g_assert_cmpfloat_with_epsilon (place_radius (&places[i]), rings[3 - i], 1e-9);
      g_assert_cmpfloat_with_epsilon (place_angle (&places[i]), places[i].angle, 1e-9);
      if (i == 0)
        continue;
      /* Closer in XOR distance than the one before: nearer the centre. */
      hormiga_dht_key_distance (&self, &keys[i], &d_i);
      hormiga_dht_key_distance (&self, &keys[i - 1], &d_j);
      g_assert_cmpint (memcmp (d_i.bytes, d_j.bytes, sizeof d_i.bytes), <, 0);
      g_assert_cmpfloat (place_radius (&places[i]), <, place_radius (&places[i - 1]));
    }
}

/* Twelve peers on three rings, at angles at least the gap apart. */
#define N_STABLE 12

static void
make_stable_set (HormigaGraphPlace places[N_STABLE])
{
  static const char *ids[N_STABLE] = { "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l" };

  for (guint i = 0; i < N_STABLE; i++)
    {
      places[i] = (HormigaGraphPlace) { 0 };
      places[i].bucket = i % 3;
      /* 12 × 29° spread: on one ring, neighbours are 87° apart. */
      places[i].angle = fmod (i * 29.0 * G_PI / 180 + 0.1, 2 * G_PI);
      places[i].tie = ids[i];
    }
}

/* Without @skip (G_MAXUINT: nobody), @extra added when not NULL. */
static void
layout_subset (const HormigaGraphPlace  all[N_STABLE],
               guint                    skip,
               const HormigaGraphPlace *extra,
               HormigaGraphPlace        out[N_STABLE + 1],
               guint                   *n_out)
{
  g_autofree double *rings = NULL;
  guint n = 0, n_rings;

  for (guint i = 0; i < N_STABLE; i++)
    if (i != skip)
      out[n++] = all[i];
  if (extra != NULL)
    out[n++] = *extra;
  rings = _hormiga_network_graph_layout (out, n, &n_rings);
  g_assert_cmpuint (n_rings, ==, 3);
  *n_out = n;
}

static const HormigaGraphPlace *
find_place (const HormigaGraphPlace *places,
            guint                    n,
            const char              *tie)
{
  for (guint i = 0; i < n; i++)
    if (g_str_equal (places[i].tie, tie))
      return &places[i];
  g_assert_not_reached ();
}

static void
assert_same_places (const HormigaGraphPlace *a,
                    guint                    n_a,
                    const HormigaGraphPlace *b,
                    guint                    n_b)
{
  guint n_compared = 0;

  for (guint i = 0; i < n_a; i++)
    {
      const HormigaGraphPlace *other = NULL;

      for (guint j = 0; j < n_b; j++)
        if (g_str_equal (b[j].tie, a[i].tie))
          other = &b[j];
      if (other == NULL)
        continue;
      g_assert_cmpfloat (a[i].x, ==, other->x);
      g_assert_cmpfloat (a[i].y, ==, other->y);
      n_compared++;
    }
  g_assert_cmpuint (n_compared, >=, MIN (n_a, n_b));
}

/* A peer keeps its place while others come and go on the rings present. */
static void
test_layout_stable (void)
{
  HormigaGraphPlace all[N_STABLE], full[N_STABLE + 1], fewer[N_STABLE + 1], more[N_STABLE + 1];
  HormigaGraphPlace newcomer = { .bucket = 1, .tie = "m" };
  guint n_full, n_fewer, n_more;

  make_stable_set (all);
  layout_subset (all, G_MAXUINT, NULL, full, &n_full);
  g_assert_cmpuint (n_full, ==, N_STABLE);
  for (guint i = 0; i < n_full; i++)
    g_assert_cmpfloat_with_epsilon (place_angle (&full[i]), full[i].angle, 1e-9);

  /* Each one leaving in turn: nobody else moves. */
  for (guint skip = 0; skip < N_STABLE; skip++)
    {
      layout_subset (all, skip, NULL, fewer, &n_fewer);
      g_assert_cmpuint (n_fewer, ==, N_STABLE - 1);
      assert_same_places (fewer, n_fewer, full, n_full);
    }

  /* One arriving away from the others (bucket 1 holds 0.1 rad +
   * 29°·(1 + 3k)): nobody moves, and it sits at its own angle. */
  newcomer.angle = 0.1 + (29.0 + 43.5) * G_PI / 180;
  layout_subset (all, G_MAXUINT, &newcomer, more, &n_more);
  assert_same_places (full, n_full, more, n_more);
  g_assert_cmpfloat_with_epsilon (place_angle (find_place (more, n_more, "m")), newcomer.angle,
                                  1e-9);
  g_assert_cmpfloat_with_epsilon (place_radius (find_place (more, n_more, "m")),
                                  place_radius (find_place (full, n_full, "b")), 1e-12);
}

/* Peers too close on a ring are pushed apart; the others stay. A new ring
 * moves the rings, never the angles, and keeps the closest inside. */
static void
test_layout_crowded_and_new_ring (void)
{
  HormigaGraphPlace all[N_STABLE], base[N_STABLE + 1], crowded[N_STABLE + 1], ring[N_STABLE + 1];
  HormigaGraphPlace twin, deep = { .bucket = 9, .tie = "z", .angle = 1.0 };
  const HormigaGraphPlace *a, *pushed;
  guint n_base, n_crowded, n_ring;

  make_stable_set (all);
  layout_subset (all, G_MAXUINT, NULL, base, &n_base);

  /* Right on "a"'s angle, ordered after it: pushed on by the gap. */
  twin = all[0];
  twin.tie = "a2";
  layout_subset (all, G_MAXUINT, &twin, crowded, &n_crowded);
  a = find_place (crowded, n_crowded, "a");
  pushed = find_place (crowded, n_crowded, "a2");
  g_assert_cmpfloat_with_epsilon (place_angle (a), all[0].angle, 1e-9);
  g_assert_cmpfloat_with_epsilon (place_angle (pushed), all[0].angle + MIN_GAP, 1e-9);
  g_assert_cmpfloat_with_epsilon (place_radius (pushed), place_radius (a), 1e-12);
  assert_same_places (base, n_base, crowded, n_crowded);

  /* A deeper bucket: four rings, the new one innermost; every angle kept. */
  {
    HormigaGraphPlace with_deep[N_STABLE + 1];
    g_autofree double *rings = NULL;
    guint n_rings;

    memcpy (with_deep, all, sizeof all);
    with_deep[N_STABLE] = deep;
    rings = _hormiga_network_graph_layout (with_deep, N_STABLE + 1, &n_rings);
    g_assert_cmpuint (n_rings, ==, 4);
    memcpy (ring, with_deep, sizeof with_deep);
    n_ring = N_STABLE + 1;
    g_assert_cmpfloat_with_epsilon (place_radius (find_place (ring, n_ring, "z")), rings[0], 1e-12);
    for (guint i = 0; i < N_STABLE; i++)
      {
        const HormigaGraphPlace *now = find_place (ring, n_ring, all[i].tie);

        g_assert_cmpfloat_with_epsilon (place_angle (now), all[i].angle, 1e-9);
        /* Bucket 2 inside bucket 1 inside bucket 0, all outside the new. */
        g_assert_cmpfloat_with_epsilon (place_radius (now), rings[3 - all[i].bucket], 1e-9);
      }
  }

  /* Nobody at all: no rings. */
  {
    g_autofree double *rings = NULL;
    guint n_rings = 7;

    rings = _hormiga_network_graph_layout (NULL, 0, &n_rings);
    g_assert_cmpuint (n_rings, ==, 0);
  }
}

/* ---- words --------------------------------------------------------------------- */

static HormigaTransferItem *
transfer_new (HormigaTransferDirection direction,
              HormigaTransferState     state,
              guint64                  size,
              guint64                  received,
              double                   speed,
              gint64                   eta,
              guint                    n_sources)
{
  const char *sources[] = { "12D3KooWHcfz4VQmPr9wP3mDbVEnBvqzGtq1Vd7r8kvbQ6mx2Ab", NULL };
  HormigaTransferSnapshot snapshot = {
    .id = 1,
    .direction = direction,
    .state = state,
    .name = (char *) "miel.iso",
    .size = size,
    .received = received,
    .speed = speed,
    .eta = eta,
    .n_sources = n_sources,
    .sources = (GStrv) sources,
    .error = state == HORMIGA_TRANSFER_FAILED ? (char *) "the disk is full" : NULL,
  };

  return _hormiga_transfer_item_new (&snapshot);
}

static char *
transfer_details (HormigaTransferDirection direction,
                  HormigaTransferState     state,
                  guint64                  size,
                  guint64                  received,
                  double                   speed,
                  gint64                   eta,
                  guint                    n_sources)
{
  g_autoptr(HormigaTransferItem) item = transfer_new (direction, state, size, received, speed,
                                                      eta, n_sources);

  return _hormiga_transfer_dup_details (item);
}

static char *
peer_traffic (gint rtt_ms)
{
  HormigaPeerState state = {
    .peer_id = (char *) "12D3KooWHcfz4VQmPr9wP3mDbVEnBvqzGtq1Vd7r8kvbQ6mx2Ab",
    .kind = HORMIGA_PEER_KIND_DIRECT,
    .bucket = 3,
    .role = HORMIGA_PEER_ROLE_CONTINGENT,
    .bytes_sent = 1200,
    .bytes_received = 3400000,
    .rtt_ms = rtt_ms,
  };
  g_autoptr(HormigaPeerItem) item = _hormiga_peer_item_new (&state);

  return _hormiga_peer_dup_traffic (item);
}

/* What the C locale's number formatting gives: "1.5" here, "1,5" where
 * LC_NUMERIC says so. g_format_size() follows LC_NUMERIC. */
static char *
decimal (const char *text)
{
  const char *point = localeconv ()->decimal_point;
  g_auto(GStrv) parts = g_strsplit (text, ".", -1);

  return g_strjoinv (point, parts);
}

static void
test_words_english (void)
{
  g_autofree char *point_8_1 = decimal ("8.1" NB "MB/s");

  /* Speeds: SI units, one decimal, never negative. */
  {
    g_autofree char *zero = _hormiga_dup_speed (0);
    g_autofree char *speed = _hormiga_dup_speed (8100000);
    g_autofree char *negative = _hormiga_dup_speed (-5);
    g_autofree char *small = _hormiga_dup_speed (999);
    g_autofree char *kilo = decimal ("1.5" NB "kB/s");
    g_autofree char *kilo_speed = _hormiga_dup_speed (1500);

    g_assert_cmpstr (zero, ==, "0 bytes/s");
    g_assert_cmpstr (speed, ==, point_8_1);
    g_assert_cmpstr (negative, ==, "0 bytes/s");
    g_assert_cmpstr (small, ==, "999 bytes/s");
    g_assert_cmpstr (kilo_speed, ==, kilo);
  }

  /* Times left: unknown, seconds, minutes rounded up, hours and minutes. */
  {
    const struct { gint64 seconds; const char *text; } cases[] = {
      { -1, NULL },
      { 0, "0 s left" },
      { 1, "1 s left" },
      { 59, "59 s left" },
      { 60, "1 min left" },
      { 61, "2 min left" },
      { 3599, "60 min left" },
      { 3600, "1 h 00 min left" },
      { 7500, "2 h 05 min left" },
      { 90061, "25 h 01 min left" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autofree char *text = _hormiga_dup_time_left (cases[i].seconds);

        g_assert_cmpstr (text, ==, cases[i].text);
      }
  }

  /* Short PeerIDs. */
  {
    g_autofree char *shortened = _hormiga_dup_short_peer_id (
      "12D3KooWHcfz4VQmPr9wP3mDbVEnBvqzGtq1Vd7r8kvbQ6mx2Ab");
    g_autofree char *brief = _hormiga_dup_short_peer_id ("12D3KooWabc");
    g_autofree char *none = _hormiga_dup_short_peer_id (NULL);

    g_assert_cmpstr (shortened, ==, "Hcfz4V…x2Ab");
    g_assert_cmpstr (brief, ==, "abc");
    g_assert_cmpstr (none, ==, "");
  }

  /* Transfers, in each state. */
  {
    g_autofree char *downloading = transfer_details (HORMIGA_TRANSFER_DIRECTION_DOWNLOAD,
                                                     HORMIGA_TRANSFER_DOWNLOADING, 40000000,
                                                     12300000, 8100000, 5, 3);
    g_autofree char *one = transfer_details (HORMIGA_TRANSFER_DIRECTION_DOWNLOAD,
                                             HORMIGA_TRANSFER_DOWNLOADING, 40000000, 0, 0, -1, 1);
    g_autofree char *paused = transfer_details (HORMIGA_TRANSFER_DIRECTION_DOWNLOAD,
                                                HORMIGA_TRANSFER_PAUSED, 40000000, 12300000, 0,
                                                -1, 0);
    g_autofree char *done = transfer_details (HORMIGA_TRANSFER_DIRECTION_DOWNLOAD,
                                              HORMIGA_TRANSFER_DONE, 40000000, 40000000, 0, -1, 0);
    g_autofree char *failed = transfer_details (HORMIGA_TRANSFER_DIRECTION_DOWNLOAD,
                                                HORMIGA_TRANSFER_FAILED, 40000000, 0, 0, -1, 0);
    g_autofree char *uploading = transfer_details (HORMIGA_TRANSFER_DIRECTION_UPLOAD,
                                                   HORMIGA_TRANSFER_DOWNLOADING, 40000000,
                                                   12300000, 8100000, 3725, 1);
    g_autofree char *sent = transfer_details (HORMIGA_TRANSFER_DIRECTION_UPLOAD,
                                              HORMIGA_TRANSFER_DONE, 40000000, 40000000, 0, -1, 1);
    g_autofree char *e_downloading = decimal ("12.3" NB "MB of 40.0" NB "MB · 8.1" NB "MB/s · 5 s left · 3 sources");
    g_autofree char *e_paused = decimal ("Paused · 12.3" NB "MB of 40.0" NB "MB");
    g_autofree char *e_done = decimal ("40.0" NB "MB · from 1 peer");
    g_autofree char *e_uploading = decimal ("12.3" NB "MB of 40.0" NB "MB sent to Hcfz4V…x2Ab · 8.1" NB "MB/s · "
                                            "1 h 02 min left");
    g_autofree char *e_sent = decimal ("40.0" NB "MB of 40.0" NB "MB sent to Hcfz4V…x2Ab");
    g_autofree char *e_one = decimal ("0 bytes of 40.0" NB "MB · 0 bytes/s · 1 source");

    g_assert_cmpstr (downloading, ==, e_downloading);
    g_assert_cmpstr (one, ==, e_one);
    g_assert_cmpstr (paused, ==, e_paused);
    g_assert_cmpstr (done, ==, e_done);
    g_assert_cmpstr (failed, ==, "the disk is full");
    g_assert_cmpstr (uploading, ==, e_uploading);
    g_assert_cmpstr (sent, ==, e_sent);
  }

  /* A peer's traffic and round-trip time. */
  {
    g_autofree char *unknown = peer_traffic (-1);
    g_autofree char *fast = peer_traffic (0);
    g_autofree char *slow = peer_traffic (37);
    g_autofree char *e_unknown = decimal ("↑ 1.2" NB "kB  ↓ 3.4" NB "MB");
    g_autofree char *e_fast = decimal ("↑ 1.2" NB "kB  ↓ 3.4" NB "MB  ·  < 1 ms");
    g_autofree char *e_slow = decimal ("↑ 1.2" NB "kB  ↓ 3.4" NB "MB  ·  37 ms");

    g_assert_cmpstr (unknown, ==, e_unknown);
    g_assert_cmpstr (fast, ==, e_fast);
    g_assert_cmpstr (slow, ==, e_slow);
  }
}

/* The same words through the Spanish catalogue. */
static void
test_words_spanish (void)
{
  const char *mo = g_getenv ("HORMIGA_TEST_ES_MO");
  g_autoptr(GError) error = NULL;
  g_autofree char *localedir = NULL;
  g_autofree char *messages = NULL;
  g_autofree char *installed = NULL;
  g_autofree char *contents = NULL;
  gsize length;

  /* A locale tree of its own: LOCALEDIR/es/LC_MESSAGES/hormiga.mo. */
  g_assert_nonnull (mo);
  g_file_get_contents (mo, &contents, &length, &error);
  g_assert_no_error (error);
  localedir = g_dir_make_tmp ("hormiga-locale-XXXXXX", &error);
  g_assert_no_error (error);
  messages = g_build_filename (localedir, "es", "LC_MESSAGES", NULL);
  g_assert_cmpint (g_mkdir_with_parents (messages, 0700), ==, 0);
  installed = g_build_filename (messages, GETTEXT_PACKAGE ".mo", NULL);
  g_file_set_contents (installed, contents, length, &error);
  g_assert_no_error (error);
  g_assert_nonnull (bindtextdomain (GETTEXT_PACKAGE, localedir));
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  /* As main.c does; setting it again also drops gettext's cache. */
  textdomain (GETTEXT_PACKAGE);
  g_setenv ("LANGUAGE", "es", TRUE);
  textdomain (GETTEXT_PACKAGE);

  {
    g_autofree char *seconds = _hormiga_dup_time_left (1);
    g_autofree char *many = _hormiga_dup_time_left (59);
    g_autofree char *minutes = _hormiga_dup_time_left (61);
    g_autofree char *hours = _hormiga_dup_time_left (7500);
    g_autofree char *downloading = transfer_details (HORMIGA_TRANSFER_DIRECTION_DOWNLOAD,
                                                     HORMIGA_TRANSFER_DOWNLOADING, 40000000,
                                                     12300000, 8100000, 5, 3);
    g_autofree char *paused = transfer_details (HORMIGA_TRANSFER_DIRECTION_DOWNLOAD,
                                                HORMIGA_TRANSFER_PAUSED, 40000000, 12300000, 0,
                                                -1, 0);
    g_autofree char *done = transfer_details (HORMIGA_TRANSFER_DIRECTION_DOWNLOAD,
                                              HORMIGA_TRANSFER_DONE, 40000000, 40000000, 0, -1, 0);
    g_autofree char *e_downloading = NULL;
    g_autofree char *e_paused = NULL;
    g_autofree char *e_done = NULL;

    g_assert_cmpstr (_hormiga_transfer_state_label (HORMIGA_TRANSFER_DOWNLOADING), ==,
                     "Descargando");
    g_assert_cmpstr (_hormiga_peer_role_label (HORMIGA_PEER_ROLE_CONTINGENT), ==, "Contingente");
    g_assert_cmpstr (seconds, ==, "queda 1 s");
    g_assert_cmpstr (many, ==, "quedan 59 s");
    g_assert_cmpstr (minutes, ==, "quedan 2 min");
    g_assert_cmpstr (hours, ==, "quedan 2 h 05 min");
    e_downloading = decimal ("12.3" NB "MB de 40.0" NB "MB · 8.1" NB "MB/s · quedan 5 s · 3 fuentes");
    e_paused = decimal ("En pausa · 12.3" NB "MB de 40.0" NB "MB");
    e_done = decimal ("40.0" NB "MB · de 1 par");
    g_assert_cmpstr (downloading, ==, e_downloading);
    g_assert_cmpstr (paused, ==, e_paused);
    g_assert_cmpstr (done, ==, e_done);
  }

  g_setenv ("LANGUAGE", "C", TRUE);
  textdomain (GETTEXT_PACKAGE);
  g_assert_cmpstr (_hormiga_transfer_state_label (HORMIGA_TRANSFER_DOWNLOADING), ==,
                   "Downloading");

  g_unlink (installed);
  g_rmdir (messages);
  {
    g_autofree char *es = g_path_get_dirname (messages);

    g_rmdir (es);
  }
  g_rmdir (localedir);
}

/* ---- an offered folder's tree ---------------------------------------------------- */

static HormigaOfferEntry *
child_named (HormigaOfferEntry *folder,
             const char        *name)
{
  GListModel *children = hormiga_offer_entry_get_children (folder);

  g_assert_nonnull (children);
  for (guint i = 0; i < g_list_model_get_n_items (children); i++)
    {
      g_autoptr(HormigaOfferEntry) child = g_list_model_get_item (children, i);

      if (g_str_equal (hormiga_offer_entry_get_name (child), name))
        return child;   /* the folder keeps it */
    }
  g_assert_not_reached ();
}

static void
on_notify_count (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static void
test_offer_tree (void)
{
  const char *paths[] = { "leeme.txt", "fotos/uno.jpg", "fotos/viaje/dos.jpg",
                          "fotos/viaje/tres.jpg", "notas/a.txt", NULL };
  const guint64 sizes[] = { 10, 200, 3000, 40000, 500000 };
  g_autoptr(HormigaOfferEntry) root = hormiga_offer_entry_new_tree (paths, sizes, 5);
  HormigaOfferEntry *photos = child_named (root, "fotos");
  HormigaOfferEntry *trip = child_named (photos, "viaje");
  HormigaOfferEntry *two = child_named (trip, "dos.jpg");
  HormigaOfferEntry *notes = child_named (root, "notas");
  g_autoptr(HormigaOfferEntry) first = NULL;
  g_auto(GStrv) chosen = NULL;
  guint n_notified = 0;

  /* Subfolders first, then files, each in the folder's order. */
  first = g_list_model_get_item (hormiga_offer_entry_get_children (root), 0);
  g_assert_true (first == photos);
  g_assert_cmpuint (g_list_model_get_n_items (hormiga_offer_entry_get_children (root)), ==, 3);
  g_assert_cmpstr (hormiga_offer_entry_get_path (trip), ==, "fotos/viaje");
  g_assert_cmpstr (hormiga_offer_entry_get_path (two), ==, "fotos/viaje/dos.jpg");
  g_assert_null (hormiga_offer_entry_get_children (two));
  g_assert_cmpuint (hormiga_offer_entry_get_n_files (root), ==, 5);
  g_assert_cmpuint (hormiga_offer_entry_get_size (root), ==, 543210);
  g_assert_cmpuint (hormiga_offer_entry_get_size (photos), ==, 43200);
  g_assert_true (hormiga_offer_entry_get_chosen (root));
  g_assert_null (hormiga_offer_entry_dup_chosen_paths (root));

  /* A file left: every folder above it chosen in part. */
  g_signal_connect (root, "notify::inconsistent", G_CALLBACK (on_notify_count), &n_notified);
  hormiga_offer_entry_set_chosen (two, FALSE);
  g_assert_cmpuint (n_notified, ==, 1);
  g_assert_true (hormiga_offer_entry_get_inconsistent (trip));
  g_assert_true (hormiga_offer_entry_get_inconsistent (photos));
  g_assert_true (hormiga_offer_entry_get_inconsistent (root));
  g_assert_false (hormiga_offer_entry_get_chosen (photos));
  g_assert_cmpuint (hormiga_offer_entry_get_n_chosen (root), ==, 4);
  g_assert_cmpuint (hormiga_offer_entry_get_chosen_size (root), ==, 540210);
  chosen = hormiga_offer_entry_dup_chosen_paths (root);
  g_assert_cmpstrv (chosen, ((const char *[]) { "fotos/viaje/tres.jpg", "fotos/uno.jpg",
                                                "notas", "leeme.txt", NULL }));
  g_clear_pointer (&chosen, g_strfreev);

  /* A folder left: everything in it; chosen again: everything again. */
  hormiga_offer_entry_set_chosen (photos, FALSE);
  g_assert_false (hormiga_offer_entry_get_chosen (trip));
  g_assert_false (hormiga_offer_entry_get_inconsistent (trip));
  g_assert_cmpuint (hormiga_offer_entry_get_n_chosen (root), ==, 2);
  chosen = hormiga_offer_entry_dup_chosen_paths (root);
  g_assert_cmpstrv (chosen, ((const char *[]) { "notas", "leeme.txt", NULL }));
  g_clear_pointer (&chosen, g_strfreev);
  hormiga_offer_entry_set_chosen (trip, TRUE);
  g_assert_true (hormiga_offer_entry_get_chosen (two));
  g_assert_true (hormiga_offer_entry_get_inconsistent (photos));
  chosen = hormiga_offer_entry_dup_chosen_paths (root);
  g_assert_cmpstrv (chosen, ((const char *[]) { "fotos/viaje", "notas", "leeme.txt", NULL }));
  g_clear_pointer (&chosen, g_strfreev);

  /* Nothing chosen: an empty list, not NULL (which is everything). */
  hormiga_offer_entry_set_chosen (root, FALSE);
  g_assert_false (hormiga_offer_entry_get_inconsistent (root));
  g_assert_false (hormiga_offer_entry_get_chosen (notes));
  g_assert_cmpuint (hormiga_offer_entry_get_chosen_size (root), ==, 0);
  chosen = hormiga_offer_entry_dup_chosen_paths (root);
  g_assert_nonnull (chosen);
  g_assert_null (chosen[0]);
  g_clear_pointer (&chosen, g_strfreev);
  hormiga_offer_entry_set_chosen (root, TRUE);
  g_assert_null (hormiga_offer_entry_dup_chosen_paths (root));
  g_assert_cmpuint (hormiga_offer_entry_get_chosen_size (root), ==, 543210);
}

/* Two thousand files in a hundred folders: the counts hold. */
static void
test_offer_tree_large (void)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) sizes = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr(HormigaOfferEntry) root = NULL;
  g_auto(GStrv) chosen = NULL;
  HormigaOfferEntry *folder;

  for (guint i = 0; i < 2000; i++)
    {
      guint64 size = i;

      g_ptr_array_add (paths, g_strdup_printf ("carpeta %02u/archivo %04u", i % 100, i));
      g_array_append_val (sizes, size);
    }
  g_ptr_array_add (paths, NULL);
  root = hormiga_offer_entry_new_tree ((const char * const *) paths->pdata,
                                       (const guint64 *) (gpointer) sizes->data, 2000);
  g_assert_cmpuint (g_list_model_get_n_items (hormiga_offer_entry_get_children (root)), ==, 100);
  g_assert_cmpuint (hormiga_offer_entry_get_n_files (root), ==, 2000);
  g_assert_cmpuint (hormiga_offer_entry_get_size (root), ==, 1999 * 2000 / 2);
  folder = child_named (root, "carpeta 07");
  g_assert_cmpuint (hormiga_offer_entry_get_n_files (folder), ==, 20);
  hormiga_offer_entry_set_chosen (root, FALSE);
  hormiga_offer_entry_set_chosen (folder, TRUE);
  g_assert_cmpuint (hormiga_offer_entry_get_n_chosen (root), ==, 20);
  chosen = hormiga_offer_entry_dup_chosen_paths (root);
  g_assert_cmpstrv (chosen, ((const char *[]) { "carpeta 07", NULL }));
}

/* A peer's display name: none at first; one it tells, then another, each
 * notified once and in the summary the tooltip and details show, with
 * the PeerID still there; then none again. */
static void
test_peer_name (void)
{
  HormigaPeerState state = {
    .peer_id = (char *) "12D3KooWHcfz4VQmPr9wP3mDbVEnBvqzGtq1Vd7r8kvbQ6mx2Ab",
    .kind = HORMIGA_PEER_KIND_DIRECT,
    .rtt_ms = -1,
  };
  g_autoptr(HormigaPeerItem) item = _hormiga_peer_item_new (&state);
  const char *const names[] = { "Ana", "Ana María 🐜", NULL };
  guint notified = 0;

  g_assert_null (hormiga_peer_item_get_display_name (item));
  g_signal_connect (item, "notify::display-name", G_CALLBACK (on_notify_count), &notified);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *summary = NULL;

      state.display_name = (char *) names[i];
      _hormiga_peer_item_update (item, &state);
      _hormiga_peer_item_update (item, &state);
      g_assert_cmpuint (notified, ==, i + 1);
      g_assert_cmpstr (hormiga_peer_item_get_display_name (item), ==, names[i]);
      summary = _hormiga_peer_dup_summary (item);
      if (names[i] != NULL)
        g_assert_true (g_str_has_prefix (summary, names[i]));
      g_assert_nonnull (strstr (summary, state.peer_id));
    }
}

int
main (int   argc,
      char *argv[])
{
  /* The suite's LC_ALL=C.UTF-8: messages follow LANGUAGE. */
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hormiga/app-units/layout/key-angle", test_key_angle);
  g_test_add_func ("/hormiga/app-units/layout/xor-distance", test_layout_xor_distance);
  g_test_add_func ("/hormiga/app-units/layout/stable", test_layout_stable);
  g_test_add_func ("/hormiga/app-units/layout/crowded-and-new-ring",
                   test_layout_crowded_and_new_ring);
  g_test_add_func ("/hormiga/app-units/words/english", test_words_english);
  g_test_add_func ("/hormiga/app-units/peer-name", test_peer_name);
  g_test_add_func ("/hormiga/app-units/words/spanish", test_words_spanish);
  g_test_add_func ("/hormiga/app-units/offer-tree/choose", test_offer_tree);
  g_test_add_func ("/hormiga/app-units/offer-tree/large", test_offer_tree_large);
  return g_test_run ();
}
