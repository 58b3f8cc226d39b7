/* hormiga-control-client.c — asks a running node through its control socket
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gio/gunixsocketaddress.h>

#include "hormiga-control-client.h"

struct _HormigaControlClient
{
  GObject            parent_instance;

  GSocketConnection *connection;
  char              *path;
};

G_DEFINE_FINAL_TYPE (HormigaControlClient, hormiga_control_client, G_TYPE_OBJECT)

static void
hormiga_control_client_dispose (GObject *object)
{
  HormigaControlClient *self = HORMIGA_CONTROL_CLIENT (object);

  if (self->connection != NULL)
    g_io_stream_close (G_IO_STREAM (self->connection), NULL, NULL);
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (hormiga_control_client_parent_class)->dispose (object);
}

static void
hormiga_control_client_finalize (GObject *object)
{
  HormigaControlClient *self = HORMIGA_CONTROL_CLIENT (object);

  g_free (self->path);

  G_OBJECT_CLASS (hormiga_control_client_parent_class)->finalize (object);
}

static void
hormiga_control_client_class_init (HormigaControlClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hormiga_control_client_dispose;
  object_class->finalize = hormiga_control_client_finalize;
}

static void
hormiga_control_client_init (HormigaControlClient *self)
{
}

HormigaControlClient *
hormiga_control_client_connect (const char  *path,
                                guint        timeout_s,
                                GError     **error)
{
  g_autoptr(HormigaControlClient) self = NULL;
  g_autoptr(GSocketClient) client = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GError) connect_error = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (HORMIGA_TYPE_CONTROL_CLIENT, NULL);
  self->path = g_strdup (path);
  client = g_socket_client_new ();
  g_socket_client_set_timeout (client, timeout_s);
  address = g_unix_socket_address_new (path);
  self->connection = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL,
                                              &connect_error);
  if (self->connection == NULL)
    {
      if (g_error_matches (connect_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ||
          g_error_matches (connect_error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
        g_set_error (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_NO_NODE,
                     "no node is running with the control socket %s", path);
      else
        g_set_error (error, G_IO_ERROR, connect_error->domain == G_IO_ERROR
                                          ? connect_error->code : G_IO_ERROR_FAILED,
                     "cannot reach the node's control socket %s: %s", path,
                     connect_error->message);
      return NULL;
    }
  return g_steal_pointer (&self);
}

static HormigaControlReply *
read_reply (HormigaControlClient  *self,
            GError               **error)
{
  GInputStream *input = g_io_stream_get_input_stream (G_IO_STREAM (self->connection));
  guint8 header[HORMIGA_CONTROL_HEADER_SIZE];
  g_autofree guint8 *body = NULL;
  g_autoptr(GError) read_error = NULL;
  gsize got = 0;
  guint32 length;

  if (!g_input_stream_read_all (input, header, sizeof header, &got, NULL, &read_error) ||
      got < sizeof header)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                   "the node at %s closed the connection without a reply%s%s", self->path,
                   read_error ? ": " : "", read_error ? read_error->message : "");
      return NULL;
    }
  length = ((guint32) header[0] << 24) | ((guint32) header[1] << 16) |
           ((guint32) header[2] << 8) | header[3];
  if (length > HORMIGA_CONTROL_MAX_RESPONSE)
    {
      g_set_error (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_TOO_LARGE,
                   "the node's reply announces %u bytes, above the limit of %u; is %s a "
                   "hormiga-node control socket?", length, HORMIGA_CONTROL_MAX_RESPONSE,
                   self->path);
      return NULL;
    }
  body = g_malloc (MAX (length, 1));
  if (!g_input_stream_read_all (input, body, length, &got, NULL, &read_error) || got < length)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                   "the node at %s closed the connection in the middle of a reply%s%s",
                   self->path, read_error ? ": " : "", read_error ? read_error->message : "");
      return NULL;
    }
  return hormiga_control_reply_decode (body, length, error);
}

HormigaControlReply *
hormiga_control_client_call (HormigaControlClient         *self,
                             const HormigaControlRequest  *request,
                             GError                      **error)
{
  GOutputStream *output;
  g_autoptr(GBytes) frame = NULL;
  g_autoptr(GError) write_error = NULL;
  gsize length = 0;
  const void *data;

  g_return_val_if_fail (HORMIGA_IS_CONTROL_CLIENT (self), NULL);
  g_return_val_if_fail (request != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  frame = hormiga_control_request_encode (request);
  data = g_bytes_get_data (frame, &length);
  output = g_io_stream_get_output_stream (G_IO_STREAM (self->connection));
  if (!g_output_stream_write_all (output, data, length, NULL, NULL, &write_error))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                   "cannot send the request to the node at %s: %s", self->path,
                   write_error->message);
      return NULL;
    }

  /* Replies come in the order their operations end; ours is the one with
   * its id, or one with id 0 that the node could not tie to a request. */
  for (;;)
    {
      g_autoptr(HormigaControlReply) reply = read_reply (self, error);

      if (reply == NULL)
        return NULL;
      if (reply->id == request->id || (reply->id == 0 && reply->error != NULL))
        return g_steal_pointer (&reply);
    }
}

gboolean
hormiga_control_client_wait_closed (HormigaControlClient  *self,
                                    GError               **error)
{
  GInputStream *input;
  guint8 buffer[512];

  g_return_val_if_fail (HORMIGA_IS_CONTROL_CLIENT (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  input = g_io_stream_get_input_stream (G_IO_STREAM (self->connection));
  for (;;)
    {
      gssize got = g_input_stream_read (input, buffer, sizeof buffer, NULL, error);

      if (got < 0)
        return FALSE;
      if (got == 0)
        return TRUE;
    }
}
