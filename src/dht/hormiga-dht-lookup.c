/* hormiga-dht-lookup.c — one iterative Kademlia lookup, as a state machine
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hormiga-dht-lookup.h"

/* Candidates kept beyond the k closest: enough to replace failures. */
#define MAX_CANDIDATES_FACTOR 8

typedef enum {
  CANDIDATE_NEW,
  CANDIDATE_IN_FLIGHT,
  CANDIDATE_STALLED,     /* asked, slow: no longer counted in α, still heard */
  CANDIDATE_RESPONDED,
  CANDIDATE_FAILED,
} CandidateState;

typedef struct
{
  HormigaPeerId  *peer;
  HormigaDhtKey   key;
  CandidateState  state;
  guint           depth;
} Candidate;

struct _HormigaDhtLookup
{
  HormigaDhtKey  target;
  guint          k;
  guint          alpha;
  GPtrArray     *candidates;    /* Candidate, closest first */
  guint          in_flight;
  guint          queried;
};

static void
candidate_free (Candidate *candidate)
{
  hormiga_peer_id_unref (candidate->peer);
  g_free (candidate);
}

HormigaDhtLookup *
hormiga_dht_lookup_new (const HormigaDhtKey *target,
                        guint                k,
                        guint                alpha)
{
  HormigaDhtLookup *lookup;

  g_return_val_if_fail (target != NULL && k > 0 && alpha > 0, NULL);

  lookup = g_new0 (HormigaDhtLookup, 1);
  lookup->target = *target;
  lookup->k = k;
  lookup->alpha = alpha;
  lookup->candidates = g_ptr_array_new_with_free_func ((GDestroyNotify) candidate_free);
  return lookup;
}

void
hormiga_dht_lookup_free (HormigaDhtLookup *lookup)
{
  if (lookup == NULL)
    return;
  g_ptr_array_unref (lookup->candidates);
  g_free (lookup);
}

const HormigaDhtKey *
hormiga_dht_lookup_get_target (HormigaDhtLookup *lookup)
{
  return &lookup->target;
}

static Candidate *
find (HormigaDhtLookup    *lookup,
      const HormigaPeerId *peer)
{
  HormigaDhtKey key;

  hormiga_dht_key_from_peer_id (&key, peer);
  for (guint i = 0; i < lookup->candidates->len; i++)
    {
      Candidate *candidate = g_ptr_array_index (lookup->candidates, i);

      if (hormiga_dht_key_equal (&candidate->key, &key))
        return candidate;
    }
  return NULL;
}

void
hormiga_dht_lookup_add (HormigaDhtLookup    *lookup,
                        GPtrArray           *peers,
                        const HormigaPeerId *from,
                        const HormigaPeerId *exclude)
{
  Candidate *parent = from ? find (lookup, from) : NULL;
  guint depth = parent ? parent->depth + 1 : 1;
  guint limit = lookup->k * MAX_CANDIDATES_FACTOR;

  g_return_if_fail (lookup != NULL);

  if (peers == NULL)
    return;
  for (guint i = 0; i < peers->len; i++)
    {
      const HormigaPeerId *peer = g_ptr_array_index (peers, i);
      Candidate *candidate;
      guint at;

      if ((exclude != NULL && hormiga_peer_id_equal (peer, exclude)) || find (lookup, peer) != NULL)
        continue;
      candidate = g_new0 (Candidate, 1);
      candidate->peer = hormiga_peer_id_ref ((HormigaPeerId *) peer);
      hormiga_dht_key_from_peer_id (&candidate->key, peer);
      candidate->depth = depth;

      /* Sorted insertion, closest first. */
      for (at = lookup->candidates->len; at > 0; at--)
        {
          Candidate *before = g_ptr_array_index (lookup->candidates, at - 1);

          if (hormiga_dht_key_compare_distance (&lookup->target, &before->key, &candidate->key) < 0)
            break;
        }
      g_ptr_array_insert (lookup->candidates, (gint) at, candidate);
    }

  /* Far candidates that were never asked are of no use. */
  while (lookup->candidates->len > limit)
    {
      Candidate *last = g_ptr_array_index (lookup->candidates, lookup->candidates->len - 1);

      if (last->state == CANDIDATE_IN_FLIGHT)
        break;
      g_ptr_array_remove_index (lookup->candidates, lookup->candidates->len - 1);
    }
}

const HormigaPeerId *
hormiga_dht_lookup_next (HormigaDhtLookup *lookup)
{
  guint usable = 0;

  g_return_val_if_fail (lookup != NULL, NULL);

  if (lookup->in_flight >= lookup->alpha)
    return NULL;
  /* The closest not yet asked among the k closest that have not failed. */
  for (guint i = 0; i < lookup->candidates->len && usable < lookup->k; i++)
    {
      Candidate *candidate = g_ptr_array_index (lookup->candidates, i);

      if (candidate->state == CANDIDATE_FAILED || candidate->state == CANDIDATE_STALLED)
        continue;
      usable++;
      if (candidate->state == CANDIDATE_NEW)
        {
          candidate->state = CANDIDATE_IN_FLIGHT;
          lookup->in_flight++;
          lookup->queried++;
          return candidate->peer;
        }
    }
  return NULL;
}

void
hormiga_dht_lookup_responded (HormigaDhtLookup    *lookup,
                              const HormigaPeerId *peer,
                              GPtrArray           *closer,
                              const HormigaPeerId *exclude)
{
  Candidate *candidate;

  g_return_if_fail (lookup != NULL && peer != NULL);

  candidate = find (lookup, peer);
  if (candidate == NULL ||
      (candidate->state != CANDIDATE_IN_FLIGHT && candidate->state != CANDIDATE_STALLED))
    return;
  if (candidate->state == CANDIDATE_IN_FLIGHT)
    lookup->in_flight--;
  candidate->state = CANDIDATE_RESPONDED;
  hormiga_dht_lookup_add (lookup, closer, peer, exclude);
}

void
hormiga_dht_lookup_failed (HormigaDhtLookup    *lookup,
                           const HormigaPeerId *peer)
{
  Candidate *candidate;

  g_return_if_fail (lookup != NULL && peer != NULL);

  candidate = find (lookup, peer);
  if (candidate == NULL ||
      (candidate->state != CANDIDATE_IN_FLIGHT && candidate->state != CANDIDATE_STALLED))
    return;
  if (candidate->state == CANDIDATE_IN_FLIGHT)
    lookup->in_flight--;
  candidate->state = CANDIDATE_FAILED;
}

void
hormiga_dht_lookup_stalled (HormigaDhtLookup    *lookup,
                            const HormigaPeerId *peer)
{
  Candidate *candidate;

  g_return_if_fail (lookup != NULL && peer != NULL);

  candidate = find (lookup, peer);
  if (candidate == NULL || candidate->state != CANDIDATE_IN_FLIGHT)
    return;
  candidate->state = CANDIDATE_STALLED;
  lookup->in_flight--;
}

gboolean
hormiga_dht_lookup_is_done (HormigaDhtLookup *lookup)
{
  guint usable = 0;

  g_return_val_if_fail (lookup != NULL, TRUE);

  for (guint i = 0; i < lookup->candidates->len && usable < lookup->k; i++)
    {
      Candidate *candidate = g_ptr_array_index (lookup->candidates, i);

      /* The node looked for, slow to answer (its connection may still be
       * coming up), is waited for until its request times out. */
      if (candidate->state == CANDIDATE_STALLED &&
          hormiga_dht_key_equal (&candidate->key, &lookup->target))
        return FALSE;
      if (candidate->state == CANDIDATE_FAILED || candidate->state == CANDIDATE_STALLED)
        continue;
      usable++;
      if (candidate->state != CANDIDATE_RESPONDED)
        return FALSE;
    }
  return TRUE;
}

GPtrArray *
hormiga_dht_lookup_result (HormigaDhtLookup *lookup)
{
  GPtrArray *result = g_ptr_array_new_with_free_func ((GDestroyNotify) hormiga_peer_id_unref);

  g_return_val_if_fail (lookup != NULL, result);

  for (guint i = 0; i < lookup->candidates->len && result->len < lookup->k; i++)
    {
      Candidate *candidate = g_ptr_array_index (lookup->candidates, i);

      if (candidate->state == CANDIDATE_RESPONDED)
        g_ptr_array_add (result, hormiga_peer_id_ref (candidate->peer));
    }
  return result;
}

guint
hormiga_dht_lookup_get_depth (HormigaDhtLookup    *lookup,
                              const HormigaPeerId *peer)
{
  Candidate *candidate = find (lookup, peer);

  return candidate ? candidate->depth : 0;
}

guint
hormiga_dht_lookup_get_n_queried (HormigaDhtLookup *lookup)
{
  return lookup->queried;
}

guint
hormiga_dht_lookup_get_in_flight (HormigaDhtLookup *lookup)
{
  return lookup->in_flight;
}
