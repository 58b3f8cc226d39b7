/* test-token-bucket.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hormiga-token-bucket.h"

static void
test_burst_then_empty (void)
{
  HormigaTokenBucket bucket;

  hormiga_token_bucket_init (&bucket, 10, 5, 0);
  for (guint i = 0; i < 5; i++)
    g_assert_true (hormiga_token_bucket_take (&bucket, 1, 0));
  g_assert_false (hormiga_token_bucket_take (&bucket, 1, 0));
}

static void
test_refill_rate (void)
{
  HormigaTokenBucket bucket;
  guint taken = 0;

  hormiga_token_bucket_init (&bucket, 10, 5, 0);
  while (hormiga_token_bucket_take (&bucket, 1, 0))
    taken++;
  g_assert_cmpuint (taken, ==, 5);

  /* 10 tokens/s: after 300 ms there are 3 tokens, not 4. */
  for (taken = 0; hormiga_token_bucket_take (&bucket, 1, 300 * 1000); taken++)
    ;
  g_assert_cmpuint (taken, ==, 3);

  /* One second later the bucket is full again but never above its burst. */
  for (taken = 0; hormiga_token_bucket_take (&bucket, 1, 10 * G_USEC_PER_SEC); taken++)
    ;
  g_assert_cmpuint (taken, ==, 5);
}

static void
test_clock_backwards (void)
{
  HormigaTokenBucket bucket;

  hormiga_token_bucket_init (&bucket, 1, 1, G_USEC_PER_SEC);
  g_assert_true (hormiga_token_bucket_take (&bucket, 1, G_USEC_PER_SEC));
  g_assert_false (hormiga_token_bucket_take (&bucket, 1, 0));
  g_assert_false (hormiga_token_bucket_take (&bucket, 1, G_USEC_PER_SEC));
  g_assert_true (hormiga_token_bucket_take (&bucket, 1, 2 * G_USEC_PER_SEC));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hormiga/token-bucket/burst-then-empty", test_burst_then_empty);
  g_test_add_func ("/hormiga/token-bucket/refill-rate", test_refill_rate);
  g_test_add_func ("/hormiga/token-bucket/clock-backwards", test_clock_backwards);
  return g_test_run ();
}
