/* hormiga-sctp-association.c — an SCTP association over a packet transport
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * usrsctp runs in no-threads mode: it never starts a thread; its timers run
 * from a GLib timeout (usrsctp_handle_timers) and packets enter through
 * usrsctp_conninput. Its state is process-wide, which is why this file keeps
 * the one piece of global state of the library: the registry below, shared by
 * all associations of the process and used only from their main context.
 *
 * usrsctp may call back into us while it holds its own locks (the write
 * callback and the socket upcall). The write callback only hands the packet
 * to the output function; the upcall only schedules an idle source. Reading,
 * notifications, user signals and retried sends all happen from that source,
 * outside usrsctp, so a handler may call back into this object freely.
 */
#include <errno.h>
#include <usrsctp.h>

#include "hormiga-crc32c.h"
#include "hormiga-rtc-error.h"
#include "hormiga-sctp-association.h"

#define TIMER_INTERVAL_MS   10
/* With no packet either way for IDLE_AFTER_MS, the timers run every
 * IDLE_INTERVAL_MS: only heartbeats (seconds apart) are due then, and an
 * idle node with many connections should not wake up 100 times a second.
 * The first packet brings the fine interval back. */
#define IDLE_INTERVAL_MS    250
#define IDLE_AFTER_MS       1000
#define RECEIVE_CHUNK       (64 * 1024)
#define DEFAULT_MAX_RECEIVE (256 * 1024)

struct _HormigaSctpAssociation
{
  GObject                parent_instance;

  GMainContext          *context;
  struct socket         *sock;
  gsize                  id;            /* key in the registry, the AF_CONN "address" */
  HormigaSctpState       state;

  HormigaSctpOutputFunc  output;
  gpointer               output_data;
  GDestroyNotify         output_destroy;

  GSource               *process_source;
  GByteArray            *message;       /* reassembly of the message being received */
  guint16                message_stream;
  guint32                message_ppid;
  GByteArray            *notification;  /* reassembly of a notification */
  gsize                  max_receive;
  guint                  heartbeat_ms;

  GQueue                 pending;       /* Pending, oldest first */
  gsize                  buffered[HORMIGA_SCTP_MAX_STREAMS];
};

typedef struct
{
  guint16                stream;
  guint32                ppid;
  HormigaSctpReliability reliability;
  GBytes                *data;
} Pending;

G_DEFINE_FINAL_TYPE (HormigaSctpAssociation, hormiga_sctp_association, G_TYPE_OBJECT)

enum {
  CONNECTED,
  MESSAGE,
  STREAM_RESET,
  BUFFERED_AMOUNT_DECREASED,
  CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- the process-wide usrsctp registry ---------------------------------- */

static struct
{
  gboolean      initialised;
  GMainContext *context;     /* every association runs here */
  GHashTable   *live;        /* id → HormigaSctpAssociation (unowned) */
  gsize         next_id;
  GSource      *timer;
  guint         interval_ms;  /* the timer's */
  gint64        last_ms;      /* the timers were last run */
  gint64        active_ms;    /* a packet went in or out */
} registry;

static gboolean on_usrsctp_timer (gpointer user_data);

static void
registry_set_interval (guint interval_ms)
{
  if (registry.timer != NULL)
    {
      if (registry.interval_ms == interval_ms)
        return;
      g_source_destroy (registry.timer);
      g_source_unref (registry.timer);
    }
  registry.interval_ms = interval_ms;
  registry.timer = g_timeout_source_new (interval_ms);
  g_source_set_callback (registry.timer, on_usrsctp_timer, NULL, NULL);
  g_source_set_static_name (registry.timer, "[hormiga] usrsctp timers");
  g_source_attach (registry.timer, registry.context);
}

/* A packet went in or out: timers at the fine interval again. (Never runs
 * the timers itself: usrsctp may be calling us from inside them.) */
static void
registry_active (void)
{
  registry.active_ms = g_get_monotonic_time () / 1000;
  if (registry.timer != NULL && registry.interval_ms != TIMER_INTERVAL_MS)
    registry_set_interval (TIMER_INTERVAL_MS);
}

static int
on_usrsctp_output (void    *address,
                   void    *buffer,
                   size_t   length,
                   uint8_t  tos,
                   uint8_t  set_df)
{
  HormigaSctpAssociation *self;

  /* usrsctp may still send for an association we already closed. */
  self = registry.live ? g_hash_table_lookup (registry.live, address) : NULL;
  if (self != NULL && self->output != NULL && length >= 12)
    {
      registry_active ();
      /* Checksum offload: usrsctp left the field for us. */
      hormiga_crc32c_stamp_sctp (buffer, length);
      self->output (buffer, length, self->output_data);
    }
  return 0;
}

static gboolean
on_usrsctp_timer (gpointer user_data)
{
  gint64 now_ms = g_get_monotonic_time () / 1000;

  usrsctp_handle_timers ((uint32_t) (now_ms - registry.last_ms));
  registry.last_ms = now_ms;
  if (registry.timer != NULL && registry.interval_ms == TIMER_INTERVAL_MS &&
      now_ms - registry.active_ms > IDLE_AFTER_MS)
    registry_set_interval (IDLE_INTERVAL_MS);
  return G_SOURCE_CONTINUE;
}

static void
registry_add (HormigaSctpAssociation *self)
{
  if (!registry.initialised)
    {
      usrsctp_init_nothreads (0, on_usrsctp_output, NULL);
      /* We compute outgoing checksums faster (hormiga-crc32c.h); incoming
       * packets come out of DTLS, authenticated. */
      usrsctp_enable_crc32c_offload ();
      /* Process-wide defaults; the per-socket options follow in start(). */
      usrsctp_sysctl_set_sctp_ecn_enable (0);
      usrsctp_sysctl_set_sctp_pr_enable (1);
      usrsctp_sysctl_set_sctp_reconfig_enable (1);
      usrsctp_sysctl_set_sctp_auth_enable (0);
      usrsctp_sysctl_set_sctp_asconf_enable (0);
      usrsctp_sysctl_set_sctp_sendspace (HORMIGA_SCTP_BUFFER_SIZE);
      usrsctp_sysctl_set_sctp_recvspace (HORMIGA_SCTP_BUFFER_SIZE);
      usrsctp_sysctl_set_sctp_max_chunks_on_queue (10 * 1024);
      usrsctp_sysctl_set_sctp_delayed_sack_time_default (HORMIGA_SCTP_SACK_DELAY_MS);
      usrsctp_sysctl_set_sctp_rto_min_default (HORMIGA_SCTP_RTO_MIN_MS);
      usrsctp_sysctl_set_sctp_rto_max_default (HORMIGA_SCTP_RTO_MAX_MS);
      usrsctp_sysctl_set_sctp_rto_initial_default (HORMIGA_SCTP_RTO_INITIAL_MS);
      usrsctp_sysctl_set_sctp_init_rto_max_default (HORMIGA_SCTP_RTO_MAX_MS);
      usrsctp_sysctl_set_sctp_initial_cwnd (10);
      usrsctp_sysctl_set_sctp_max_burst_default (10);
      usrsctp_sysctl_set_sctp_nr_incoming_streams_default (HORMIGA_SCTP_MAX_STREAMS);
      usrsctp_sysctl_set_sctp_nr_outgoing_streams_default (HORMIGA_SCTP_MAX_STREAMS);
      usrsctp_sysctl_set_sctp_heartbeat_interval_default (10000);
      registry.live = g_hash_table_new (NULL, NULL);
      registry.initialised = TRUE;
    }

  if (registry.context == NULL)
    registry.context = g_main_context_ref (self->context);
  else if (registry.context != self->context)
    g_error ("every SCTP association of a process must run on the same GMainContext "
             "(usrsctp is process-wide)");

  self->id = ++registry.next_id;
  g_hash_table_insert (registry.live, GSIZE_TO_POINTER (self->id), self);

  if (registry.timer == NULL)
    {
      registry.last_ms = registry.active_ms = g_get_monotonic_time () / 1000;
      registry_set_interval (TIMER_INTERVAL_MS);
    }
}

static void
registry_remove (HormigaSctpAssociation *self)
{
  if (self->id == 0)
    return;

  g_hash_table_remove (registry.live, GSIZE_TO_POINTER (self->id));
  self->id = 0;

  if (g_hash_table_size (registry.live) == 0)
    {
      g_source_destroy (registry.timer);
      g_clear_pointer (&registry.timer, g_source_unref);
      g_clear_pointer (&registry.context, g_main_context_unref);
    }
}

/* ---- helpers -------------------------------------------------------------- */

static void
pending_free (Pending *pending)
{
  g_bytes_unref (pending->data);
  g_free (pending);
}

static void
set_closed (HormigaSctpAssociation *self,
            GError                 *error)
{
  g_autoptr(GError) owned = error;

  if (self->state == HORMIGA_SCTP_STATE_CLOSED)
    return;

  self->state = HORMIGA_SCTP_STATE_CLOSED;
  g_queue_clear_full (&self->pending, (GDestroyNotify) pending_free);
  memset (self->buffered, 0, sizeof self->buffered);
  g_signal_emit (self, signals[CLOSED], 0, owned);
}

static int
try_send (HormigaSctpAssociation *self,
          const Pending          *pending)
{
  struct sctp_sendv_spa spa = { 0 };
  gsize length = g_bytes_get_size (pending->data);
  ssize_t sent;

  spa.sendv_flags = SCTP_SEND_SNDINFO_VALID;
  spa.sendv_sndinfo.snd_sid = pending->stream;
  spa.sendv_sndinfo.snd_ppid = g_htonl (pending->ppid);
  spa.sendv_sndinfo.snd_flags = SCTP_EOR;
  if (pending->reliability.unordered)
    spa.sendv_sndinfo.snd_flags |= SCTP_UNORDERED;

  if (pending->reliability.max_retransmits >= 0)
    {
      spa.sendv_flags |= SCTP_SEND_PRINFO_VALID;
      spa.sendv_prinfo.pr_policy = SCTP_PR_SCTP_RTX;
      spa.sendv_prinfo.pr_value = (uint32_t) pending->reliability.max_retransmits;
    }
  else if (pending->reliability.max_lifetime_ms >= 0)
    {
      spa.sendv_flags |= SCTP_SEND_PRINFO_VALID;
      spa.sendv_prinfo.pr_policy = SCTP_PR_SCTP_TTL;
      spa.sendv_prinfo.pr_value = (uint32_t) pending->reliability.max_lifetime_ms;
    }

  sent = usrsctp_sendv (self->sock, g_bytes_get_data (pending->data, NULL), length, NULL, 0,
                        &spa, sizeof spa, SCTP_SENDV_SPA, 0);
  if (sent < 0)
    return errno;
  return 0;
}

/* Hands queued messages to usrsctp until its buffer is full. */
static void
flush_pending (HormigaSctpAssociation *self)
{
  while (self->state == HORMIGA_SCTP_STATE_CONNECTED && !g_queue_is_empty (&self->pending))
    {
      Pending *pending = g_queue_peek_head (&self->pending);
      guint16 stream = pending->stream;
      int error = try_send (self, pending);

      if (error == EWOULDBLOCK || error == EAGAIN || error == ENOBUFS)
        return;

      g_queue_pop_head (&self->pending);
      self->buffered[stream] -= g_bytes_get_size (pending->data);
      pending_free (pending);

      if (error != 0)
        {
          set_closed (self, g_error_new (HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_SCTP,
                                         "SCTP refused a message on stream %u: %s", stream,
                                         g_strerror (error)));
          return;
        }

      g_signal_emit (self, signals[BUFFERED_AMOUNT_DECREASED], 0, (guint) stream,
                     (guint64) self->buffered[stream]);
    }
}

static void
handle_notification (HormigaSctpAssociation *self,
                     const guint8           *data,
                     gsize                   length)
{
  const union sctp_notification *notification = (const void *) data;

  if (length < sizeof notification->sn_header || length != notification->sn_header.sn_length)
    return;

  switch (notification->sn_header.sn_type)
    {
    case SCTP_ASSOC_CHANGE:
      {
        const struct sctp_assoc_change *change = &notification->sn_assoc_change;

        if (length < sizeof *change)
          return;
        if (change->sac_state == SCTP_COMM_UP && self->state == HORMIGA_SCTP_STATE_CONNECTING)
          {
            self->state = HORMIGA_SCTP_STATE_CONNECTED;
            g_signal_emit (self, signals[CONNECTED], 0);
            flush_pending (self);
          }
        else if (change->sac_state == SCTP_COMM_LOST || change->sac_state == SCTP_SHUTDOWN_COMP ||
                 change->sac_state == SCTP_CANT_STR_ASSOC)
          {
            set_closed (self, g_error_new (HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_SCTP,
                                           "the SCTP association ended (%s)",
                                           change->sac_state == SCTP_COMM_LOST ? "peer lost" :
                                           change->sac_state == SCTP_SHUTDOWN_COMP ? "shut down" :
                                           "could not be established"));
          }
      }
      break;

    case SCTP_STREAM_RESET_EVENT:
      {
        const struct sctp_stream_reset_event *reset = &notification->sn_strreset_event;
        gsize n;

        if (length < sizeof *reset)
          return;
        n = (length - sizeof *reset) / sizeof (uint16_t);
        /* The peer reset its outgoing side: our incoming streams. */
        if (reset->strreset_flags & SCTP_STREAM_RESET_INCOMING_SSN)
          for (gsize i = 0; i < n; i++)
            g_signal_emit (self, signals[STREAM_RESET], 0, (guint) reset->strreset_stream_list[i]);
      }
      break;

    case SCTP_SENDER_DRY_EVENT:
      flush_pending (self);
      break;

    default:
      break;
    }
}

static gboolean
process (gpointer user_data)
{
  HormigaSctpAssociation *self = user_data;
  /* Handlers may drop the last reference; keep self alive until the end. */
  g_autoptr(HormigaSctpAssociation) hold G_GNUC_UNUSED = g_object_ref (self);
  guint8 chunk[RECEIVE_CHUNK];

  g_clear_pointer (&self->process_source, g_source_unref);

  while (self->sock != NULL && self->state != HORMIGA_SCTP_STATE_CLOSED)
    {
      struct sctp_rcvinfo info = { 0 };
      socklen_t info_length = sizeof info;
      unsigned int info_type = SCTP_RECVV_NOINFO;
      struct sockaddr_conn from;
      socklen_t from_length = sizeof from;
      int flags = 0;
      ssize_t n;

      n = usrsctp_recvv (self->sock, chunk, sizeof chunk, (struct sockaddr *) &from, &from_length,
                         &info, &info_length, &info_type, &flags);
      if (n < 0)
        {
          if (errno != EWOULDBLOCK && errno != EAGAIN)
            set_closed (self, g_error_new (HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_SCTP,
                                           "SCTP receive failed: %s", g_strerror (errno)));
          break;
        }
      if (n == 0)
        {
          set_closed (self, NULL);
          break;
        }

      if (flags & MSG_NOTIFICATION)
        {
          g_byte_array_append (self->notification, chunk, (guint) n);
          if (flags & MSG_EOR)
            {
              handle_notification (self, self->notification->data, self->notification->len);
              g_byte_array_set_size (self->notification, 0);
            }
          continue;
        }

      if (info_type == SCTP_RECVV_RCVINFO)
        {
          self->message_stream = info.rcv_sid;
          self->message_ppid = g_ntohl (info.rcv_ppid);
        }

      if (self->message->len + (gsize) n > self->max_receive)
        {
          set_closed (self, g_error_new (HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_MESSAGE_TOO_LARGE,
                                         "the peer sent a message of more than %" G_GSIZE_FORMAT
                                         " bytes on stream %u", self->max_receive,
                                         self->message_stream));
          break;
        }
      g_byte_array_append (self->message, chunk, (guint) n);

      if (flags & MSG_EOR)
        {
          g_autoptr(GBytes) message = g_bytes_new (self->message->data, self->message->len);

          g_byte_array_set_size (self->message, 0);
          g_signal_emit (self, signals[MESSAGE], 0, (guint) self->message_stream,
                         (guint) self->message_ppid, message);
        }
    }

  flush_pending (self);
  return G_SOURCE_REMOVE;
}

static void
on_upcall (struct socket *sock,
           void          *arg,
           int            flags)
{
  HormigaSctpAssociation *self = g_hash_table_lookup (registry.live, arg);

  if (self == NULL || self->process_source != NULL)
    return;

  /* Leave usrsctp first: everything else happens from the main loop. */
  self->process_source = g_idle_source_new ();
  g_source_set_priority (self->process_source, G_PRIORITY_HIGH);
  g_source_set_callback (self->process_source, process, self, NULL);
  g_source_set_static_name (self->process_source, "[hormiga] sctp process");
  g_source_attach (self->process_source, self->context);
}

/* ---- public API -------------------------------------------------------------- */

HormigaSctpAssociation *
hormiga_sctp_association_new (GMainContext *context)
{
  HormigaSctpAssociation *self = g_object_new (HORMIGA_TYPE_SCTP_ASSOCIATION, NULL);

  self->context = context ? g_main_context_ref (context) : g_main_context_ref_thread_default ();
  registry_add (self);
  return self;
}

void
hormiga_sctp_association_set_output (HormigaSctpAssociation *self,
                                     HormigaSctpOutputFunc   output,
                                     gpointer                user_data,
                                     GDestroyNotify          destroy)
{
  g_return_if_fail (HORMIGA_IS_SCTP_ASSOCIATION (self));

  if (self->output_destroy != NULL)
    self->output_destroy (self->output_data);
  self->output = output;
  self->output_data = user_data;
  self->output_destroy = destroy;
}

static gboolean
set_option (HormigaSctpAssociation  *self,
            int                      level,
            int                      name,
            const void              *value,
            socklen_t                length,
            const char              *what,
            GError                 **error)
{
  if (usrsctp_setsockopt (self->sock, level, name, value, length) == 0)
    return TRUE;

  g_set_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_SCTP,
               "cannot set SCTP option %s: %s", what, g_strerror (errno));
  return FALSE;
}

void
hormiga_sctp_association_set_heartbeat_interval (HormigaSctpAssociation *self,
                                                 guint                   interval_ms)
{
  g_return_if_fail (HORMIGA_IS_SCTP_ASSOCIATION (self));
  g_return_if_fail (interval_ms > 0);

  self->heartbeat_ms = interval_ms;
}

gboolean
hormiga_sctp_association_start (HormigaSctpAssociation  *self,
                                GError                 **error)
{
  struct linger linger = { 1, 0 };
  struct sctp_assoc_value reset = { 0 };
  struct sctp_initmsg init = { 0 };
  struct sctp_paddrparams params = { 0 };
  struct sctp_sack_info sack = { 0 };
  struct sockaddr_conn address = { 0 };
  const uint16_t events[] = { SCTP_ASSOC_CHANGE, SCTP_SENDER_DRY_EVENT, SCTP_STREAM_RESET_EVENT };
  int on = 1;
  int buffer = HORMIGA_SCTP_BUFFER_SIZE;

  g_return_val_if_fail (HORMIGA_IS_SCTP_ASSOCIATION (self), FALSE);
  g_return_val_if_fail (self->state == HORMIGA_SCTP_STATE_NEW, FALSE);

  self->sock = usrsctp_socket (AF_CONN, SOCK_STREAM, IPPROTO_SCTP, NULL, NULL, 0, NULL);
  if (self->sock == NULL)
    {
      g_set_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_SCTP,
                   "cannot create an SCTP socket: %s", g_strerror (errno));
      return FALSE;
    }

  usrsctp_register_address (GSIZE_TO_POINTER (self->id));
  usrsctp_set_upcall (self->sock, on_upcall, GSIZE_TO_POINTER (self->id));
  if (usrsctp_set_non_blocking (self->sock, 1) != 0)
    {
      g_set_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_SCTP,
                   "cannot make the SCTP socket non-blocking: %s", g_strerror (errno));
      return FALSE;
    }

  reset.assoc_id = SCTP_ALL_ASSOC;
  reset.assoc_value = SCTP_ENABLE_RESET_STREAM_REQ;
  init.sinit_num_ostreams = HORMIGA_SCTP_MAX_STREAMS;
  init.sinit_max_instreams = HORMIGA_SCTP_MAX_STREAMS;
  /* Fixed MTU, no path MTU discovery (it misbehaves over DTLS). */
  params.spp_flags = SPP_PMTUD_DISABLE | SPP_HB_ENABLE;
  params.spp_pathmtu = HORMIGA_SCTP_PATH_MTU;
  params.spp_hbinterval = self->heartbeat_ms;
  sack.sack_assoc_id = SCTP_ALL_ASSOC;
  sack.sack_delay = HORMIGA_SCTP_SACK_DELAY_MS;
  /* A SACK for every second packet (RFC 9260 §6.2), not every one: half
   * the reverse datagrams, each a system call and a DTLS record on both
   * sides; worth 2× throughput on loopback. */
  sack.sack_freq = 2;

  if (!set_option (self, SOL_SOCKET, SO_LINGER, &linger, sizeof linger, "SO_LINGER", error) ||
      !set_option (self, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer, "SO_SNDBUF", error) ||
      !set_option (self, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer, "SO_RCVBUF", error) ||
      !set_option (self, IPPROTO_SCTP, SCTP_ENABLE_STREAM_RESET, &reset, sizeof reset,
                   "SCTP_ENABLE_STREAM_RESET", error) ||
      !set_option (self, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof on, "SCTP_RECVRCVINFO",
                   error) ||
      !set_option (self, IPPROTO_SCTP, SCTP_NODELAY, &on, sizeof on, "SCTP_NODELAY", error) ||
      !set_option (self, IPPROTO_SCTP, SCTP_INITMSG, &init, sizeof init, "SCTP_INITMSG", error) ||
      !set_option (self, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &params, sizeof params,
                   "SCTP_PEER_ADDR_PARAMS", error) ||
      !set_option (self, IPPROTO_SCTP, SCTP_DELAYED_SACK, &sack, sizeof sack,
                   "SCTP_DELAYED_SACK", error))
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (events); i++)
    {
      struct sctp_event event = { 0 };

      event.se_assoc_id = SCTP_ALL_ASSOC;
      event.se_on = 1;
      event.se_type = events[i];
      if (!set_option (self, IPPROTO_SCTP, SCTP_EVENT, &event, sizeof event, "SCTP_EVENT", error))
        return FALSE;
    }

  address.sconn_family = AF_CONN;
  address.sconn_port = g_htons (HORMIGA_SCTP_PORT);
  address.sconn_addr = GSIZE_TO_POINTER (self->id);
  if (usrsctp_bind (self->sock, (struct sockaddr *) &address, sizeof address) != 0)
    {
      g_set_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_SCTP,
                   "cannot bind the SCTP socket: %s", g_strerror (errno));
      return FALSE;
    }

  self->state = HORMIGA_SCTP_STATE_CONNECTING;
  if (usrsctp_connect (self->sock, (struct sockaddr *) &address, sizeof address) != 0 &&
      errno != EINPROGRESS)
    {
      self->state = HORMIGA_SCTP_STATE_NEW;
      g_set_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_SCTP,
                   "cannot start the SCTP association: %s", g_strerror (errno));
      return FALSE;
    }

  return TRUE;
}

void
hormiga_sctp_association_input (HormigaSctpAssociation *self,
                                const guint8           *packet,
                                gsize                   length)
{
  g_return_if_fail (HORMIGA_IS_SCTP_ASSOCIATION (self));

  if (self->sock == NULL || self->state == HORMIGA_SCTP_STATE_CLOSED)
    return;
  /* A packet too short for the common header is dropped here: usrsctp would
   * drop it too, this just says so in the debug log. */
  if (length < 12)
    {
      g_debug ("sctp: dropping a %" G_GSIZE_FORMAT "-byte packet", length);
      return;
    }
  registry_active ();
  usrsctp_conninput (GSIZE_TO_POINTER (self->id), packet, length, 0);
}

gboolean
hormiga_sctp_association_send (HormigaSctpAssociation       *self,
                               guint16                       stream,
                               guint32                       ppid,
                               const HormigaSctpReliability *reliability,
                               const guint8                 *data,
                               gsize                         length,
                               GError                      **error)
{
  static const HormigaSctpReliability reliable = { FALSE, -1, -1 };
  Pending *pending;

  g_return_val_if_fail (HORMIGA_IS_SCTP_ASSOCIATION (self), FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);

  if (self->state == HORMIGA_SCTP_STATE_CLOSED || self->state == HORMIGA_SCTP_STATE_NEW)
    {
      g_set_error_literal (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_CLOSED,
                           "the SCTP association is not open");
      return FALSE;
    }
  if (stream >= HORMIGA_SCTP_MAX_STREAMS)
    {
      g_set_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_SCTP,
                   "stream %u is beyond the %u streams negotiated", stream,
                   HORMIGA_SCTP_MAX_STREAMS);
      return FALSE;
    }
  if (length == 0)
    {
      g_set_error_literal (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_SCTP,
                           "SCTP cannot carry an empty message; send one byte with an "
                           "empty-message PPID instead");
      return FALSE;
    }

  pending = g_new0 (Pending, 1);
  pending->stream = stream;
  pending->ppid = ppid;
  pending->reliability = reliability ? *reliability : reliable;
  pending->data = g_bytes_new (data, length);
  g_queue_push_tail (&self->pending, pending);
  self->buffered[stream] += length;

  flush_pending (self);
  return TRUE;
}

gsize
hormiga_sctp_association_get_buffered_amount (HormigaSctpAssociation *self,
                                              guint16                 stream)
{
  g_return_val_if_fail (HORMIGA_IS_SCTP_ASSOCIATION (self), 0);
  g_return_val_if_fail (stream < HORMIGA_SCTP_MAX_STREAMS, 0);

  return self->buffered[stream];
}

void
hormiga_sctp_association_reset_stream (HormigaSctpAssociation *self,
                                       guint16                 stream)
{
  gsize size = sizeof (struct sctp_reset_streams) + sizeof (uint16_t);
  g_autofree struct sctp_reset_streams *reset = g_malloc0 (size);

  g_return_if_fail (HORMIGA_IS_SCTP_ASSOCIATION (self));

  if (self->state != HORMIGA_SCTP_STATE_CONNECTED)
    return;

  reset->srs_assoc_id = SCTP_ALL_ASSOC;
  reset->srs_flags = SCTP_STREAM_RESET_OUTGOING;
  reset->srs_number_streams = 1;
  reset->srs_stream_list[0] = stream;
  if (usrsctp_setsockopt (self->sock, IPPROTO_SCTP, SCTP_RESET_STREAMS, reset,
                          (socklen_t) size) != 0)
    g_debug ("sctp: resetting stream %u failed: %s", stream, g_strerror (errno));
}

void
hormiga_sctp_association_close (HormigaSctpAssociation *self)
{
  g_return_if_fail (HORMIGA_IS_SCTP_ASSOCIATION (self));

  if (self->sock != NULL)
    {
      usrsctp_set_upcall (self->sock, NULL, NULL);
      /* SO_LINGER 0: close aborts at once. */
      usrsctp_close (self->sock);
      self->sock = NULL;
      usrsctp_deregister_address (GSIZE_TO_POINTER (self->id));
    }
  if (self->process_source != NULL)
    {
      g_source_destroy (self->process_source);
      g_clear_pointer (&self->process_source, g_source_unref);
    }
  set_closed (self, NULL);
}

HormigaSctpState
hormiga_sctp_association_get_state (HormigaSctpAssociation *self)
{
  g_return_val_if_fail (HORMIGA_IS_SCTP_ASSOCIATION (self), HORMIGA_SCTP_STATE_CLOSED);

  return self->state;
}

gint
hormiga_sctp_association_get_rtt (HormigaSctpAssociation *self)
{
  struct sctp_status status = { 0 };
  socklen_t length = sizeof status;

  g_return_val_if_fail (HORMIGA_IS_SCTP_ASSOCIATION (self), -1);

  if (self->state != HORMIGA_SCTP_STATE_CONNECTED || self->sock == NULL)
    return -1;
  if (usrsctp_getsockopt (self->sock, IPPROTO_SCTP, SCTP_STATUS, &status, &length) != 0)
    return -1;
  return (gint) MIN (status.sstat_primary.spinfo_srtt, (uint32_t) G_MAXINT);
}

/* ---- GObject ---------------------------------------------------------------- */

static void
hormiga_sctp_association_dispose (GObject *object)
{
  HormigaSctpAssociation *self = HORMIGA_SCTP_ASSOCIATION (object);

  if (self->sock != NULL || self->process_source != NULL)
    {
      /* No signal to a half-disposed object's handlers. */
      self->state = HORMIGA_SCTP_STATE_CLOSED;
      hormiga_sctp_association_close (self);
    }
  registry_remove (self);
  hormiga_sctp_association_set_output (self, NULL, NULL, NULL);

  G_OBJECT_CLASS (hormiga_sctp_association_parent_class)->dispose (object);
}

static void
hormiga_sctp_association_finalize (GObject *object)
{
  HormigaSctpAssociation *self = HORMIGA_SCTP_ASSOCIATION (object);

  g_queue_clear_full (&self->pending, (GDestroyNotify) pending_free);
  g_byte_array_unref (self->message);
  g_byte_array_unref (self->notification);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (hormiga_sctp_association_parent_class)->finalize (object);
}

static void
hormiga_sctp_association_class_init (HormigaSctpAssociationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hormiga_sctp_association_dispose;
  object_class->finalize = hormiga_sctp_association_finalize;

  /** HormigaSctpAssociation::connected: the association is up. */
  signals[CONNECTED] =
    g_signal_new ("connected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);
  /**
   * HormigaSctpAssociation::message:
   * @stream: stream id
   * @ppid: payload protocol identifier
   * @data: the whole message
   */
  signals[MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 3, G_TYPE_UINT, G_TYPE_UINT, G_TYPE_BYTES);
  /**
   * HormigaSctpAssociation::stream-reset:
   * @stream: the peer reset its outgoing side of this stream
   */
  signals[STREAM_RESET] =
    g_signal_new ("stream-reset", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  /**
   * HormigaSctpAssociation::buffered-amount-decreased:
   * @stream: stream id
   * @amount: bytes still queued on it
   */
  signals[BUFFERED_AMOUNT_DECREASED] =
    g_signal_new ("buffered-amount-decreased", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT64);
  /**
   * HormigaSctpAssociation::closed:
   * @error: (nullable): why, or NULL for a normal close
   */
  signals[CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
hormiga_sctp_association_init (HormigaSctpAssociation *self)
{
  self->state = HORMIGA_SCTP_STATE_NEW;
  self->message = g_byte_array_new ();
  self->notification = g_byte_array_new ();
  self->max_receive = DEFAULT_MAX_RECEIVE;
  self->heartbeat_ms = 10000;
  g_queue_init (&self->pending);
}
