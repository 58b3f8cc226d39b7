/* hormiga-token-bucket.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hormiga-token-bucket.h"

void
hormiga_token_bucket_init (HormigaTokenBucket *bucket,
                           double              rate,
                           double              burst,
                           gint64              now_us)
{
  g_return_if_fail (bucket != NULL);
  g_return_if_fail (rate > 0 && burst >= 1);

  bucket->rate = rate;
  bucket->burst = burst;
  bucket->tokens = burst;
  bucket->last_us = now_us;
}

/* A clock that goes backwards adds nothing. */
static void
refill (HormigaTokenBucket *bucket,
        gint64              now_us)
{
  if (now_us > bucket->last_us)
    {
      double elapsed_s = (double) (now_us - bucket->last_us) / G_USEC_PER_SEC;

      bucket->tokens = MIN (bucket->burst, bucket->tokens + elapsed_s * bucket->rate);
      bucket->last_us = now_us;
    }
}

void
hormiga_token_bucket_set_rate (HormigaTokenBucket *bucket,
                               double              rate,
                               double              burst,
                               gint64              now_us)
{
  g_return_if_fail (bucket != NULL);
  g_return_if_fail (rate > 0 && burst >= 1);

  /* What was earned at the old rate stays earned; nothing more. */
  refill (bucket, now_us);
  bucket->rate = rate;
  bucket->burst = burst;
  bucket->tokens = MIN (bucket->tokens, burst);
}

gboolean
hormiga_token_bucket_take (HormigaTokenBucket *bucket,
                           double              cost,
                           gint64              now_us)
{
  g_return_val_if_fail (bucket != NULL, FALSE);

  refill (bucket, now_us);
  if (bucket->tokens < cost)
    return FALSE;

  bucket->tokens -= cost;
  return TRUE;
}

gint64
hormiga_token_bucket_wait_us (HormigaTokenBucket *bucket,
                              double              cost,
                              gint64              now_us)
{
  double missing;

  g_return_val_if_fail (bucket != NULL, 0);
  g_return_val_if_fail (cost <= bucket->burst, G_MAXINT64);

  refill (bucket, now_us);
  missing = cost - bucket->tokens;
  if (missing <= 0)
    return 0;
  /* Rounded up, so that waiting that long is always enough. */
  return (gint64) (missing / bucket->rate * G_USEC_PER_SEC) + 1;
}
