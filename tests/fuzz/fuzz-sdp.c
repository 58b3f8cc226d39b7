/* fuzz-sdp.c — libFuzzer target for the SDP parser
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib.h>
#include <stdint.h>

#include "hormiga-rtc-error.h"
#include "hormiga-sdp.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaSdp) sdp = hormiga_sdp_parse ((const char *) data, size, HORMIGA_SDP_OFFER,
                                                 &error);
  g_autofree char *text = NULL;
  g_autoptr(HormigaSdp) again = NULL;
  g_autoptr(GError) again_error = NULL;

  if (sdp == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == HORMIGA_RTC_ERROR);
      g_assert_true (error->message[0] != '\0');
      return 0;
    }

  /* What parses is written back out and parses to the same description. */
  text = hormiga_sdp_to_string (sdp);
  again = hormiga_sdp_parse (text, strlen (text), HORMIGA_SDP_OFFER, &again_error);
  g_assert_no_error (again_error);
  g_assert_cmpint (again->type, ==, sdp->type);
  g_assert_cmpuint (again->session_id, ==, sdp->session_id);
  g_assert_cmpuint (again->session_version, ==, sdp->session_version);
  g_assert_cmpint (again->ice_trickle, ==, sdp->ice_trickle);
  g_assert_cmpint (again->ice_lite, ==, sdp->ice_lite);
  g_assert_cmpstr (again->ice_ufrag, ==, sdp->ice_ufrag);
  g_assert_cmpstr (again->ice_pwd, ==, sdp->ice_pwd);
  g_assert_cmpstr (again->mid, ==, sdp->mid);
  g_assert_cmpmem (again->fingerprint, 32, sdp->fingerprint, 32);
  g_assert_cmpint (again->setup, ==, sdp->setup);
  g_assert_cmpuint (again->sctp_port, ==, sdp->sctp_port);
  g_assert_cmpuint (again->max_message_size, ==, sdp->max_message_size);
  g_assert_cmpint (again->legacy, ==, sdp->legacy);
  g_assert_cmpuint (again->candidates->len, ==, sdp->candidates->len);
  for (guint i = 0; i < sdp->candidates->len; i++)
    g_assert_cmpstr (g_ptr_array_index (again->candidates, i), ==,
                     g_ptr_array_index (sdp->candidates, i));
  g_assert_cmpint (again->end_of_candidates, ==, sdp->end_of_candidates);

  /* What we write is the canonical form: writing it again changes nothing. */
  {
    g_autofree char *text2 = hormiga_sdp_to_string (again);

    g_assert_cmpstr (text2, ==, text);
  }
  return 0;
}
