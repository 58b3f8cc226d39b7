/* hormiga-token-bucket.h — a token bucket with an injected clock
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hormiga-types.h"

G_BEGIN_DECLS

/**
 * HormigaTokenBucket:
 * Holds at most @burst tokens and gains @rate tokens per second. Plain data:
 * embed it in the structure it limits (hormiguero's frames per connection,
 * the transfer manager's upload bytes). Time is passed in (microseconds, any
 * monotonic origin), so tests need no sleeping.
 */
struct _HormigaTokenBucket
{
  double rate;
  double burst;
  double tokens;
  gint64 last_us;
};

void     hormiga_token_bucket_init (HormigaTokenBucket *bucket,
                                    double              rate,
                                    double              burst,
                                    gint64              now_us);

/* Takes @cost tokens if that many are available at @now_us. */
gboolean hormiga_token_bucket_take (HormigaTokenBucket *bucket,
                                    double              cost,
                                    gint64              now_us);

/* A new @rate and @burst from @now_us on: the tokens earned so far are
 * kept, up to the new burst. */
void     hormiga_token_bucket_set_rate (HormigaTokenBucket *bucket,
                                        double              rate,
                                        double              burst,
                                        gint64              now_us);

/* Microseconds from @now_us until @cost tokens (at most the burst) are
 * there: 0 if they are now. */
gint64   hormiga_token_bucket_wait_us (HormigaTokenBucket *bucket,
                                       double              cost,
                                       gint64              now_us);

G_END_DECLS
