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

/* The wait it names is enough, and not much more than needed. */
static void
test_wait (void)
{
  HormigaTokenBucket bucket;
  gint64 wait;

  hormiga_token_bucket_init (&bucket, 1024, 512, 0);
  g_assert_cmpint (hormiga_token_bucket_wait_us (&bucket, 512, 0), ==, 0);
  g_assert_true (hormiga_token_bucket_take (&bucket, 512, 0));
  /* 256 tokens at 1024 a second: 0.25 s. */
  wait = hormiga_token_bucket_wait_us (&bucket, 256, 0);
  g_assert_cmpint (wait, >=, 250000);
  g_assert_cmpint (wait, <=, 250002);
  g_assert_false (hormiga_token_bucket_take (&bucket, 256, wait - 1000));
  g_assert_true (hormiga_token_bucket_take (&bucket, 256, wait));
  g_assert_cmpint (hormiga_token_bucket_wait_us (&bucket, 1, wait), >, 0);
}

/* A new rate counts from the change on; tokens earned before stay, up to
 * the new burst. */
static void
test_set_rate (void)
{
  HormigaTokenBucket bucket;
  guint taken = 0;

  hormiga_token_bucket_init (&bucket, 10, 10, 0);
  while (hormiga_token_bucket_take (&bucket, 1, 0))
    taken++;
  g_assert_cmpuint (taken, ==, 10);

  /* 0.5 s at 10/s earns 5; then 100/s for 0.25 s earns 25 more. */
  hormiga_token_bucket_set_rate (&bucket, 100, 40, 500 * 1000);
  for (taken = 0; hormiga_token_bucket_take (&bucket, 1, 750 * 1000); taken++)
    ;
  g_assert_cmpuint (taken, ==, 30);

  /* A smaller burst cuts what is held. */
  hormiga_token_bucket_set_rate (&bucket, 100, 3, 10 * G_USEC_PER_SEC);
  for (taken = 0; hormiga_token_bucket_take (&bucket, 1, 10 * G_USEC_PER_SEC); taken++)
    ;
  g_assert_cmpuint (taken, ==, 3);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hormiga/token-bucket/burst-then-empty", test_burst_then_empty);
  g_test_add_func ("/hormiga/token-bucket/refill-rate", test_refill_rate);
  g_test_add_func ("/hormiga/token-bucket/clock-backwards", test_clock_backwards);
  g_test_add_func ("/hormiga/token-bucket/wait", test_wait);
  g_test_add_func ("/hormiga/token-bucket/set-rate", test_set_rate);
  return g_test_run ();
}
