/* hormiga-ice-transport.c — one ICE component (libnice) for a data channel session
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <nice/agent.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#include "hormiga-ice-transport.h"
#include "hormiga-rtc-error.h"

/* Longest candidate attribute we look at. */
#define MAX_CANDIDATE_LENGTH 1024

/* Datagrams queued for one sendmmsg(): a main-loop iteration's output
 * (SCTP emits a burst per SACK) leaves in one system call. */
#define BATCH_MAX   64
#define BATCH_SLOT  1500
#define SOCKET_BUFFER_SIZE (4 * 1024 * 1024)
/* One GSO send: at most 64 segments (the kernel's UDP_MAX_SEGMENTS) within
 * one UDP datagram's length limit. */
#define GSO_MAX_SEGMENTS 64
#define GSO_MAX_BYTES    65000

typedef struct
{
  char buffer[CMSG_SPACE (sizeof (guint16))];
} __attribute__ ((aligned (__alignof__ (struct cmsghdr)))) GsoControl;

struct _HormigaIceTransport
{
  GObject                parent_instance;

  GMainContext          *context;
  NiceAgent             *agent;
  guint                  stream_id;
  gboolean               gathering;
  HormigaIceState        state;
  char                  *local_ufrag;
  char                  *local_pwd;
  const char            *selected_kind;
  char                  *remote_address;  /* of the selected pair, unless relayed there */
  GCancellable          *cancellable;   /* of mDNS resolutions */

  HormigaIceReceiveFunc  receive;
  gpointer               receive_data;
  GDestroyNotify         receive_destroy;

  GSocket               *direct;        /* the selected pair's UDP socket, unless relayed */
  struct sockaddr_storage direct_to;
  socklen_t              direct_to_length;
  gboolean               gso;           /* the kernel takes UDP_SEGMENT */
  guint8                *batch_data;    /* BATCH_MAX slots of BATCH_SLOT bytes */
  guint16                batch_lengths[BATCH_MAX];
  guint                  batch_len;
  GSource               *flush_source;
};

G_DEFINE_FINAL_TYPE (HormigaIceTransport, hormiga_ice_transport, G_TYPE_OBJECT)

enum {
  LOCAL_CANDIDATE,
  GATHERING_DONE,
  STATE_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
set_state (HormigaIceTransport *self,
           HormigaIceState      state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_signal_emit (self, signals[STATE_CHANGED], 0, (guint) state);
}

static void
on_recv (NiceAgent *agent,
         guint      stream_id,
         guint      component_id,
         guint      length,
         gchar     *data,
         gpointer   user_data)
{
  HormigaIceTransport *self = user_data;

  if (self->receive != NULL && length > 0)
    self->receive ((const guint8 *) data, length, self->receive_data);
}

static void
on_new_candidate (NiceAgent     *agent,
                  NiceCandidate *candidate,
                  gpointer       user_data)
{
  HormigaIceTransport *self = user_data;
  g_autofree char *line = NULL;

  if (candidate->stream_id != self->stream_id)
    return;
  line = nice_agent_generate_local_candidate_sdp (agent, candidate);
  if (line == NULL)
    return;
  /* libnice writes "a=candidate:…"; the attribute value is what travels. */
  g_signal_emit (self, signals[LOCAL_CANDIDATE], 0,
                 g_str_has_prefix (line, "a=") ? line + 2 : line);
}

static void
on_gathering_done (NiceAgent *agent,
                   guint      stream_id,
                   gpointer   user_data)
{
  HormigaIceTransport *self = user_data;

  if (stream_id != self->stream_id)
    return;
  self->gathering = FALSE;
  g_signal_emit (self, signals[GATHERING_DONE], 0);
}

static void
on_component_state (NiceAgent *agent,
                    guint      stream_id,
                    guint      component_id,
                    guint      state,
                    gpointer   user_data)
{
  HormigaIceTransport *self = user_data;

  if (stream_id != self->stream_id || self->state == HORMIGA_ICE_STATE_CLOSED)
    return;

  switch (state)
    {
    case NICE_COMPONENT_STATE_GATHERING:
    case NICE_COMPONENT_STATE_CONNECTING:
      if (self->state == HORMIGA_ICE_STATE_NEW)
        set_state (self, HORMIGA_ICE_STATE_CHECKING);
      break;
    case NICE_COMPONENT_STATE_CONNECTED:
    case NICE_COMPONENT_STATE_READY:
      set_state (self, HORMIGA_ICE_STATE_CONNECTED);
      break;
    case NICE_COMPONENT_STATE_FAILED:
      set_state (self, HORMIGA_ICE_STATE_FAILED);
      break;
    case NICE_COMPONENT_STATE_DISCONNECTED:
    default:
      break;
    }
}

/* The batch as sendmmsg() messages. With GSO, a run of equal-sized
 * datagrams (the last may be shorter) is one message with UDP_SEGMENT: the
 * kernel walks its UDP/IP path once for the run and cuts it late. */
static guint
build_messages (HormigaIceTransport *self,
                struct mmsghdr       messages[BATCH_MAX],
                struct iovec         vectors[BATCH_MAX],
                GsoControl           controls[BATCH_MAX])
{
  guint n = 0;

  for (guint i = 0; i < self->batch_len;)
    {
      guint16 size = self->batch_lengths[i];
      guint end = i + 1;
      struct msghdr *header = &messages[n].msg_hdr;

      if (self->gso)
        {
          while (end < self->batch_len && end - i < GSO_MAX_SEGMENTS &&
                 (end - i + 1) * (gsize) size <= GSO_MAX_BYTES &&
                 self->batch_lengths[end] == size)
            end++;
          if (end < self->batch_len && end - i < GSO_MAX_SEGMENTS &&
              (end - i + 1) * (gsize) size <= GSO_MAX_BYTES && self->batch_lengths[end] < size)
            end++;
        }
      for (guint j = i; j < end; j++)
        {
          vectors[j].iov_base = self->batch_data + j * BATCH_SLOT;
          vectors[j].iov_len = self->batch_lengths[j];
        }
      memset (&messages[n], 0, sizeof messages[n]);
      header->msg_name = &self->direct_to;
      header->msg_namelen = self->direct_to_length;
      header->msg_iov = &vectors[i];
      header->msg_iovlen = end - i;
      if (end - i > 1)
        {
          struct cmsghdr *control;

          memset (&controls[n], 0, sizeof controls[n]);
          header->msg_control = controls[n].buffer;
          header->msg_controllen = sizeof controls[n].buffer;
          control = CMSG_FIRSTHDR (header);
          control->cmsg_level = SOL_UDP;
          control->cmsg_type = UDP_SEGMENT;
          control->cmsg_len = CMSG_LEN (sizeof (guint16));
          memcpy (CMSG_DATA (control), &size, sizeof size);
        }
      n++;
      i = end;
    }
  return n;
}

static void
flush (HormigaIceTransport *self)
{
  struct mmsghdr messages[BATCH_MAX];
  struct iovec vectors[BATCH_MAX];
  GsoControl controls[BATCH_MAX];
  guint n, done = 0;
  int fd;

  if (self->flush_source != NULL)
    {
      g_source_destroy (self->flush_source);
      g_clear_pointer (&self->flush_source, g_source_unref);
    }
  if (self->batch_len == 0 || self->direct == NULL)
    {
      self->batch_len = 0;
      return;
    }

  fd = g_socket_get_fd (self->direct);
  n = build_messages (self, messages, vectors, controls);
  /* A full socket buffer drops the rest, as the network would; SCTP
   * retransmits. */
  while (done < n)
    {
      int sent = sendmmsg (fd, messages + done, n - done, 0);

      if (sent < 0 && errno == EINTR)
        continue;
      if (sent < 0 && self->gso && (errno == EIO || errno == EINVAL || errno == ENOPROTOOPT) &&
          messages[done].msg_hdr.msg_controllen > 0)
        {
          /* No GSO here (an old kernel, or a device without checksum
           * offload): send this batch and the next ones datagram by datagram. */
          g_debug ("ice: UDP GSO refused (%s); sending datagrams one by one", g_strerror (errno));
          self->gso = FALSE;
          n = build_messages (self, messages, vectors, controls);
          done = 0;
          continue;
        }
      if (sent <= 0)
        {
          g_debug ("ice: %u datagram batches dropped: %s", n - done,
                   sent < 0 ? g_strerror (errno) : "nothing sent");
          break;
        }
      done += (guint) sent;
    }
  self->batch_len = 0;
}

static gboolean
on_flush (gpointer user_data)
{
  HormigaIceTransport *self = user_data;

  g_clear_pointer (&self->flush_source, g_source_unref);
  flush (self);
  return G_SOURCE_REMOVE;
}

static void
clear_direct (HormigaIceTransport *self)
{
  flush (self);
  g_clear_object (&self->direct);
}

/* Datagrams of a direct UDP pair skip libnice's one-send-per-datagram path:
 * they go out in batches on the pair's own socket, whose buffers are
 * raised so bursts are not dropped (the kernel caps them at its limits). */
static void
use_direct (HormigaIceTransport *self,
            NiceCandidate       *local,
            NiceCandidate       *remote)
{
  struct sockaddr_storage address = { 0 };
  int size = SOCKET_BUFFER_SIZE;
  int fd;

  clear_direct (self);
  if (local->type == NICE_CANDIDATE_TYPE_RELAYED || local->transport != NICE_CANDIDATE_TRANSPORT_UDP)
    return;
  self->direct = nice_agent_get_selected_socket (self->agent, self->stream_id, 1);
  if (self->direct == NULL)
    return;
  nice_address_copy_to_sockaddr (&remote->addr, (struct sockaddr *) &address);
  self->direct_to = address;
  self->direct_to_length = address.ss_family == AF_INET6 ? sizeof (struct sockaddr_in6)
                                                         : sizeof (struct sockaddr_in);
  fd = g_socket_get_fd (self->direct);
  if (setsockopt (fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size) != 0 ||
      setsockopt (fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size) != 0)
    g_debug ("ice: cannot raise the socket buffers: %s", g_strerror (errno));
  if (self->batch_data == NULL)
    self->batch_data = g_malloc (BATCH_MAX * BATCH_SLOT);
}

static void
on_selected_pair (NiceAgent     *agent,
                  guint          stream_id,
                  guint          component_id,
                  NiceCandidate *local,
                  NiceCandidate *remote,
                  gpointer       user_data)
{
  HormigaIceTransport *self = user_data;

  if (stream_id != self->stream_id)
    return;
  switch (local->type)
    {
    case NICE_CANDIDATE_TYPE_HOST:             self->selected_kind = "host"; break;
    case NICE_CANDIDATE_TYPE_SERVER_REFLEXIVE: self->selected_kind = "srflx"; break;
    case NICE_CANDIDATE_TYPE_PEER_REFLEXIVE:   self->selected_kind = "prflx"; break;
    case NICE_CANDIDATE_TYPE_RELAYED:          self->selected_kind = "relay"; break;
    default:                                   self->selected_kind = NULL; break;
    }
  g_clear_pointer (&self->remote_address, g_free);
  if (remote->type != NICE_CANDIDATE_TYPE_RELAYED)
    {
      char address[NICE_ADDRESS_STRING_LEN];

      nice_address_to_string (&remote->addr, address);
      self->remote_address = g_strdup (address);
    }
  g_debug ("ice: selected pair, local %s", self->selected_kind ? self->selected_kind : "?");
  use_direct (self, local, remote);
}

/* ---- public API ------------------------------------------------------------ */

HormigaIceTransport *
hormiga_ice_transport_new (GMainContext *context,
                           gboolean      controlling)
{
  HormigaIceTransport *self = g_object_new (HORMIGA_TYPE_ICE_TRANSPORT, NULL);

  self->context = context ? g_main_context_ref (context) : g_main_context_ref_thread_default ();
  /* Aggressive nomination: the first pair that answers carries data at
   * once (a better one that answers later replaces it); regular nomination
   * costs another round of paced checks. Checks are paced at 5 ms, not 20:
   * a data-channel session has a handful of candidates. See
   * docs/DECISIONS.md, "ICE timing". */
  self->agent = nice_agent_new_full (self->context, NICE_COMPATIBILITY_RFC5245,
                                     NICE_AGENT_OPTION_ICE_TRICKLE |
                                     NICE_AGENT_OPTION_CONSENT_FRESHNESS);
  g_object_set (self->agent,
                "controlling-mode", controlling,
                "ice-tcp", FALSE,
                "upnp", FALSE,
                "stun-pacing-timer", 5,
                NULL);

  self->stream_id = nice_agent_add_stream (self->agent, 1);
  nice_agent_set_stream_name (self->agent, self->stream_id, "application");
  nice_agent_get_local_credentials (self->agent, self->stream_id, &self->local_ufrag,
                                    &self->local_pwd);
  nice_agent_attach_recv (self->agent, self->stream_id, 1, self->context, on_recv, self);

  g_signal_connect (self->agent, "new-candidate-full", G_CALLBACK (on_new_candidate), self);
  g_signal_connect (self->agent, "candidate-gathering-done", G_CALLBACK (on_gathering_done), self);
  g_signal_connect (self->agent, "component-state-changed", G_CALLBACK (on_component_state), self);
  g_signal_connect (self->agent, "new-selected-pair-full", G_CALLBACK (on_selected_pair), self);
  return self;
}

void
hormiga_ice_transport_set_controlling (HormigaIceTransport *self,
                                       gboolean             controlling)
{
  g_return_if_fail (HORMIGA_IS_ICE_TRANSPORT (self));

  g_object_set (self->agent, "controlling-mode", controlling, NULL);
}

gboolean
hormiga_ice_transport_add_local_address (HormigaIceTransport  *self,
                                         const char           *address,
                                         GError              **error)
{
  NiceAddress nice_address;

  g_return_val_if_fail (HORMIGA_IS_ICE_TRANSPORT (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  nice_address_init (&nice_address);
  if (!nice_address_set_from_string (&nice_address, address) ||
      !nice_agent_add_local_address (self->agent, &nice_address))
    {
      g_set_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_ICE,
                   "“%s” is not a local IP address ICE can use", address);
      return FALSE;
    }
  return TRUE;
}

void
hormiga_ice_transport_set_stun_server (HormigaIceTransport *self,
                                       const char          *address,
                                       guint16              port)
{
  g_return_if_fail (HORMIGA_IS_ICE_TRANSPORT (self));

  g_object_set (self->agent, "stun-server", address, "stun-server-port", (guint) port, NULL);
}

gboolean
hormiga_ice_transport_add_relay (HormigaIceTransport       *self,
                                 const char                *address,
                                 guint16                    port,
                                 const char                *username,
                                 const char                *password,
                                 HormigaIceRelayTransport   transport,
                                 GError                   **error)
{
  g_autoptr(GInetAddress) literal = NULL;

  g_return_val_if_fail (HORMIGA_IS_ICE_TRANSPORT (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  literal = g_inet_address_new_from_string (address);
  if (literal == NULL)
    {
      g_set_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_ICE,
                   "TURN server “%s” must be an IP address; resolve its name first", address);
      return FALSE;
    }

  if (!nice_agent_set_relay_info (self->agent, self->stream_id, 1, address, port,
                                  username ? username : "", password ? password : "",
                                  transport == HORMIGA_ICE_RELAY_TCP ? NICE_RELAY_TYPE_TURN_TCP
                                                                     : NICE_RELAY_TYPE_TURN_UDP))
    {
      g_set_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_ICE,
                   "libnice refused TURN server %s:%u", address, port);
      return FALSE;
    }
  return TRUE;
}

void
hormiga_ice_transport_set_relay_only (HormigaIceTransport *self,
                                      gboolean             relay_only)
{
  g_return_if_fail (HORMIGA_IS_ICE_TRANSPORT (self));

  g_object_set (self->agent, "force-relay", relay_only, NULL);
}

void
hormiga_ice_transport_set_receive (HormigaIceTransport   *self,
                                   HormigaIceReceiveFunc  receive,
                                   gpointer               user_data,
                                   GDestroyNotify         destroy)
{
  g_return_if_fail (HORMIGA_IS_ICE_TRANSPORT (self));

  if (self->receive_destroy != NULL)
    self->receive_destroy (self->receive_data);
  self->receive = receive;
  self->receive_data = user_data;
  self->receive_destroy = destroy;
}

gboolean
hormiga_ice_transport_gather (HormigaIceTransport  *self,
                              GError              **error)
{
  g_return_val_if_fail (HORMIGA_IS_ICE_TRANSPORT (self), FALSE);

  if (!nice_agent_gather_candidates (self->agent, self->stream_id))
    {
      g_set_error_literal (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_ICE,
                           "ICE could not gather candidates: no usable local address");
      return FALSE;
    }
  self->gathering = TRUE;
  return TRUE;
}

const char *
hormiga_ice_transport_get_local_ufrag (HormigaIceTransport *self)
{
  g_return_val_if_fail (HORMIGA_IS_ICE_TRANSPORT (self), NULL);

  return self->local_ufrag;
}

const char *
hormiga_ice_transport_get_local_pwd (HormigaIceTransport *self)
{
  g_return_val_if_fail (HORMIGA_IS_ICE_TRANSPORT (self), NULL);

  return self->local_pwd;
}

void
hormiga_ice_transport_set_remote_credentials (HormigaIceTransport *self,
                                              const char          *ufrag,
                                              const char          *pwd)
{
  g_return_if_fail (HORMIGA_IS_ICE_TRANSPORT (self));

  /* Closed (the session ended while the peer's description was on its
   * way): nothing to tell libnice, which has no stream any more. */
  if (self->stream_id == 0)
    {
      g_debug ("ice: remote credentials after close ignored");
      return;
    }
  nice_agent_set_remote_credentials (self->agent, self->stream_id, ufrag, pwd);
}

static gboolean
add_parsed_candidate (HormigaIceTransport  *self,
                      const char           *line,
                      GError              **error)
{
  g_autofree char *with_prefix = g_strconcat ("a=", line, NULL);
  NiceCandidate *candidate;
  GSList list = { 0 };
  int added;

  if (self->stream_id == 0)
    {
      g_set_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_ICE,
                   "the ICE transport is closed: candidate “%.80s” ignored", line);
      return FALSE;
    }
  candidate = nice_agent_parse_remote_candidate_sdp (self->agent, self->stream_id, with_prefix);
  if (candidate == NULL)
    {
      g_set_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_ICE,
                   "“%.80s” is not an ICE candidate libnice can use", line);
      return FALSE;
    }

  list.data = candidate;
  added = nice_agent_set_remote_candidates (self->agent, self->stream_id, 1, &list);
  nice_candidate_free (candidate);
  if (added < 1)
    g_debug ("ice: candidate not added: %s", line);
  return TRUE;
}

typedef struct
{
  HormigaIceTransport *self;
  char                *before;   /* "candidate:… " up to the address */
  char                *after;    /* " port typ …" */
  char                *host;
} Resolution;

static void
resolution_free (Resolution *resolution)
{
  g_object_unref (resolution->self);
  g_free (resolution->before);
  g_free (resolution->after);
  g_free (resolution->host);
  g_free (resolution);
}

static void
on_resolved (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Resolution *resolution = user_data;
  g_autoptr(GError) error = NULL;
  GList *addresses = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, &error);

  if (addresses == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("ice: dropping candidate for %s: %s", resolution->host, error->message);
    }
  else if (resolution->self->state != HORMIGA_ICE_STATE_CLOSED)
    {
      g_autofree char *ip = g_inet_address_to_string (addresses->data);
      g_autofree char *line = g_strconcat (resolution->before, ip, resolution->after, NULL);
      g_autoptr(GError) add_error = NULL;

      if (!add_parsed_candidate (resolution->self, line, &add_error))
        g_debug ("ice: %s", add_error->message);
    }

  g_resolver_free_addresses (addresses);
  resolution_free (resolution);
}

gboolean
hormiga_ice_transport_add_remote_candidate (HormigaIceTransport  *self,
                                            const char           *candidate,
                                            GError              **error)
{
  g_auto(GStrv) fields = NULL;
  const char *line;

  g_return_val_if_fail (HORMIGA_IS_ICE_TRANSPORT (self), FALSE);
  g_return_val_if_fail (candidate != NULL, FALSE);

  line = g_str_has_prefix (candidate, "a=") ? candidate + 2 : candidate;
  if (strlen (line) > MAX_CANDIDATE_LENGTH || !g_str_has_prefix (line, "candidate:"))
    {
      g_set_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_ICE,
                   "an ICE candidate starts with “candidate:” and has at most %u bytes",
                   MAX_CANDIDATE_LENGTH);
      return FALSE;
    }

  /* candidate:<foundation> <component> <transport> <priority> <address> <port> typ … */
  fields = g_strsplit (line, " ", 8);
  if (g_strv_length (fields) < 8 || !g_str_equal (fields[6], "typ"))
    {
      g_set_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_ICE,
                   "“%.80s” is not “candidate:FOUNDATION COMPONENT TRANSPORT PRIORITY "
                   "ADDRESS PORT typ TYPE …”", line);
      return FALSE;
    }
  {
    guint64 port = 0;

    if (!g_ascii_string_to_unsigned (fields[5], 10, 0, G_MAXUINT16, &port, NULL))
      {
        g_set_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_ICE,
                     "ICE candidate port “%.16s” is not a number from 0 to 65535", fields[5]);
        return FALSE;
      }
  }

  if (g_str_has_suffix (fields[4], ".local"))
    {
      Resolution *resolution = g_new0 (Resolution, 1);
      g_autoptr(GResolver) resolver = g_resolver_get_default ();
      const char *address_start = strstr (line, fields[4]);

      resolution->self = g_object_ref (self);
      resolution->before = g_strndup (line, (gsize) (address_start - line));
      resolution->after = g_strdup (address_start + strlen (fields[4]));
      resolution->host = g_strdup (fields[4]);
      g_main_context_push_thread_default (self->context);
      g_resolver_lookup_by_name_async (resolver, fields[4], self->cancellable, on_resolved,
                                       resolution);
      g_main_context_pop_thread_default (self->context);
      return TRUE;
    }

  return add_parsed_candidate (self, line, error);
}

void
hormiga_ice_transport_remote_gathering_done (HormigaIceTransport *self)
{
  g_return_if_fail (HORMIGA_IS_ICE_TRANSPORT (self));

  if (self->stream_id == 0)
    return;
  nice_agent_peer_candidate_gathering_done (self->agent, self->stream_id);
}

gboolean
hormiga_ice_transport_send (HormigaIceTransport *self,
                            const guint8        *data,
                            gsize                length)
{
  g_return_val_if_fail (HORMIGA_IS_ICE_TRANSPORT (self), FALSE);

  if (self->state != HORMIGA_ICE_STATE_CONNECTED || length > G_MAXUINT16)
    return FALSE;
  if (self->direct != NULL && length <= BATCH_SLOT)
    {
      memcpy (self->batch_data + self->batch_len * BATCH_SLOT, data, length);
      self->batch_lengths[self->batch_len] = (guint16) length;
      if (++self->batch_len == BATCH_MAX)
        flush (self);
      else if (self->flush_source == NULL)
        {
          /* After what the current dispatch still emits. */
          self->flush_source = g_idle_source_new ();
          g_source_set_priority (self->flush_source, G_PRIORITY_HIGH);
          g_source_set_callback (self->flush_source, on_flush, self, NULL);
          g_source_attach (self->flush_source, self->context);
        }
      return TRUE;
    }
  flush (self);
  return nice_agent_send (self->agent, self->stream_id, 1, (guint) length,
                          (const char *) data) == (gint) length;
}

HormigaIceState
hormiga_ice_transport_get_state (HormigaIceTransport *self)
{
  g_return_val_if_fail (HORMIGA_IS_ICE_TRANSPORT (self), HORMIGA_ICE_STATE_CLOSED);

  return self->state;
}

const char *
hormiga_ice_transport_get_selected_kind (HormigaIceTransport *self)
{
  g_return_val_if_fail (HORMIGA_IS_ICE_TRANSPORT (self), NULL);

  return self->selected_kind;
}

const char *
hormiga_ice_transport_get_remote_address (HormigaIceTransport *self)
{
  g_return_val_if_fail (HORMIGA_IS_ICE_TRANSPORT (self), NULL);

  return self->remote_address;
}

void
hormiga_ice_transport_close (HormigaIceTransport *self)
{
  g_return_if_fail (HORMIGA_IS_ICE_TRANSPORT (self));

  if (self->state == HORMIGA_ICE_STATE_CLOSED)
    return;
  clear_direct (self);
  g_cancellable_cancel (self->cancellable);
  if (self->agent != NULL && self->stream_id != 0)
    {
      nice_agent_attach_recv (self->agent, self->stream_id, 1, self->context, NULL, NULL);
      nice_agent_remove_stream (self->agent, self->stream_id);
      self->stream_id = 0;
    }
  set_state (self, HORMIGA_ICE_STATE_CLOSED);
}

/* ---- GObject ---------------------------------------------------------------- */

/* TURN allocations are deleted (a Refresh with lifetime 0) only while the
 * agent lives. nice_agent_close_async() keeps it alive, on our context,
 * until the server has answered or the request has timed out, then drops
 * its reference; releasing the agent at once would leave the allocations
 * on the server until they expire (and libnice warns). */
static void
release_agent (HormigaIceTransport *self)
{
  g_main_context_push_thread_default (self->context);
  nice_agent_close_async (self->agent, NULL, NULL);
  g_main_context_pop_thread_default (self->context);
  g_clear_object (&self->agent);
}

static void
hormiga_ice_transport_dispose (GObject *object)
{
  HormigaIceTransport *self = HORMIGA_ICE_TRANSPORT (object);

  clear_direct (self);
  if (self->agent != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->agent, self);
      if (self->stream_id != 0)
        {
          nice_agent_attach_recv (self->agent, self->stream_id, 1, self->context, NULL, NULL);
          nice_agent_remove_stream (self->agent, self->stream_id);
          self->stream_id = 0;
        }
      release_agent (self);
    }
  g_cancellable_cancel (self->cancellable);
  hormiga_ice_transport_set_receive (self, NULL, NULL, NULL);

  G_OBJECT_CLASS (hormiga_ice_transport_parent_class)->dispose (object);
}

static void
hormiga_ice_transport_finalize (GObject *object)
{
  HormigaIceTransport *self = HORMIGA_ICE_TRANSPORT (object);

  g_free (self->batch_data);
  g_free (self->local_ufrag);
  g_free (self->local_pwd);
  g_free (self->remote_address);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (hormiga_ice_transport_parent_class)->finalize (object);
}

static void
hormiga_ice_transport_class_init (HormigaIceTransportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hormiga_ice_transport_dispose;
  object_class->finalize = hormiga_ice_transport_finalize;

  /**
   * HormigaIceTransport::local-candidate:
   * @candidate: "candidate:…", to send to the peer
   */
  signals[LOCAL_CANDIDATE] =
    g_signal_new ("local-candidate", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /** HormigaIceTransport::gathering-done: no more local candidates. */
  signals[GATHERING_DONE] =
    g_signal_new ("gathering-done", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 0);
  /**
   * HormigaIceTransport::state-changed:
   * @state: the new HormigaIceState
   */
  signals[STATE_CHANGED] =
    g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
hormiga_ice_transport_init (HormigaIceTransport *self)
{
  self->state = HORMIGA_ICE_STATE_NEW;
  self->cancellable = g_cancellable_new ();
  self->gso = TRUE;
}
