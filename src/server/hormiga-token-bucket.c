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

gboolean
hormiga_token_bucket_take (HormigaTokenBucket *bucket,
                           double              cost,
                           gint64              now_us)
{
  g_return_val_if_fail (bucket != NULL, FALSE);

  /* A clock that goes backwards adds nothing. */
  if (now_us > bucket->last_us)
    {
      double elapsed_s = (double) (now_us - bucket->last_us) / G_USEC_PER_SEC;

      bucket->tokens = MIN (bucket->burst, bucket->tokens + elapsed_s * bucket->rate);
      bucket->last_us = now_us;
    }

  if (bucket->tokens < cost)
    return FALSE;

  bucket->tokens -= cost;
  return TRUE;
}
