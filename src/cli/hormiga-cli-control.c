/* hormiga-cli-control.c — the hormiga-node subcommands that ask a running node
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <string.h>

#include "hormiga-cli-control.h"
#include "hormiga-control-client.h"
#include "hormiga-dht-record.h"
#include "hormiga-json.h"

typedef struct
{
  const char       *name;
  HormigaControlOp  op;
  int               n_args;
  const char       *usage;
} Command;

static const Command commands[] = {
  { "peers", HORMIGA_CONTROL_OP_PEERS, 0, "peers" },
  { "routing-table", HORMIGA_CONTROL_OP_ROUTING_TABLE, 0, "routing-table" },
  { "find", HORMIGA_CONTROL_OP_FIND, 1, "find PEERID" },
  { "put", HORMIGA_CONTROL_OP_PUT, 2, "put NAME VALUE" },
  { "get", HORMIGA_CONTROL_OP_GET, 2, "get PEERID NAME" },
  { "stats", HORMIGA_CONTROL_OP_STATS, 0, "stats" },
  { "quit", HORMIGA_CONTROL_OP_QUIT, 0, "quit" },
};

static const Command *
find_command (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (commands[i].name, name))
      return &commands[i];
  return NULL;
}

gboolean
hormiga_cli_control_is_command (const char *name)
{
  g_return_val_if_fail (name != NULL, FALSE);

  return find_command (name) != NULL;
}

/* ---- the result's fields ------------------------------------------------------------ */

static guint64
field_u64 (const msgpack_object *map,
           const char           *key)
{
  const msgpack_object *value = hormiga_control_map_lookup (map, key);

  return value != NULL && value->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? value->via.u64 : 0;
}

static gboolean
field_bool (const msgpack_object *map,
            const char           *key)
{
  const msgpack_object *value = hormiga_control_map_lookup (map, key);

  return value != NULL && value->type == MSGPACK_OBJECT_BOOLEAN && value->via.boolean;
}

/* A str field as printable text (caller frees), or @fallback. */
static char *
field_text (const msgpack_object *map,
            const char           *key,
            const char           *fallback)
{
  const msgpack_object *value = hormiga_control_map_lookup (map, key);

  if (value == NULL || value->type != MSGPACK_OBJECT_STR)
    return g_strdup (fallback);
  return g_utf8_make_valid (value->via.str.ptr, value->via.str.size);
}

static const msgpack_object *
field_array (const msgpack_object *map,
             const char           *key)
{
  const msgpack_object *value = hormiga_control_map_lookup (map, key);

  return value != NULL && value->type == MSGPACK_OBJECT_ARRAY ? value : NULL;
}

/* "12 s", "3 min", "2 h" since @then_us (real time, µs). */
static char *
format_age (gint64 then_us)
{
  gint64 seconds = MAX (g_get_real_time () - then_us, 0) / G_USEC_PER_SEC;

  if (seconds < 120)
    return g_strdup_printf ("%" G_GINT64_FORMAT " s", seconds);
  if (seconds < 2 * 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT " min", seconds / 60);
  return g_strdup_printf ("%" G_GINT64_FORMAT " h", seconds / 3600);
}

/* ---- text for a person ----------------------------------------------------------------- */

static void
print_peers (const msgpack_object *result)
{
  const msgpack_object *peers = field_array (result, "peers");
  guint32 n = peers != NULL ? peers->via.array.size : 0;

  printf ("%u peer connection%s\n", n, n == 1 ? "" : "s");
  for (guint32 i = 0; i < n; i++)
    {
      const msgpack_object *peer = &peers->via.array.ptr[i];
      g_autofree char *id = field_text (peer, "peer", "?");
      g_autofree char *path = field_text (peer, "path", "-");
      g_autofree char *sent = g_format_size (field_u64 (peer, "bytes_sent"));
      g_autofree char *received = g_format_size (field_u64 (peer, "bytes_received"));
      g_autofree char *age = NULL;
      guint64 opened_at = field_u64 (peer, "opened_at");

      if (field_bool (peer, "open") && opened_at > 0)
        age = format_age ((gint64) opened_at);
      printf ("%s  %s  %s via %s  path %s  sent %" G_GUINT64_FORMAT " (%s)  received %"
              G_GUINT64_FORMAT " (%s)%s%s\n",
              id, field_bool (peer, "open") ? "open" : "connecting",
              field_bool (peer, "incoming") ? "incoming" : "outgoing",
              field_bool (peer, "overlay") ? "the overlay" : "hormiguero", path,
              field_u64 (peer, "messages_sent"), sent, field_u64 (peer, "messages_received"),
              received, age ? "  for " : "", age ? age : "");
    }
}

static void
print_routing_table (const msgpack_object *result)
{
  const msgpack_object *contacts = field_array (result, "contacts");
  g_autofree char *me = field_text (result, "peer", "?");
  guint32 n = contacts != NULL ? contacts->via.array.size : 0;
  gint64 now_ms = g_get_real_time () / 1000;

  printf ("%s: %u contact%s, closest first\n", me, n, n == 1 ? "" : "s");
  for (guint32 i = 0; i < n; i++)
    {
      const msgpack_object *contact = &contacts->via.array.ptr[i];
      g_autofree char *id = field_text (contact, "peer", "?");
      gint64 last_seen = (gint64) field_u64 (contact, "last_seen");

      printf ("bucket %3" G_GUINT64_FORMAT "  %s  seen %" G_GINT64_FORMAT " s ago  failures %"
              G_GUINT64_FORMAT "\n", field_u64 (contact, "bucket"), id,
              MAX (now_ms - last_seen, 0) / 1000, field_u64 (contact, "failures"));
    }
}

static void
print_stats (const msgpack_object *result)
{
  const msgpack_object *counters = hormiga_control_map_lookup (result, "counters");
  g_autofree char *me = field_text (result, "peer", "?");
  g_autofree char *bytes = g_format_size (field_u64 (result, "record_bytes"));

  printf ("peer %s\n", me);
  printf ("contacts %" G_GUINT64_FORMAT "\n", field_u64 (result, "contacts"));
  printf ("connections %" G_GUINT64_FORMAT " (at most %" G_GUINT64_FORMAT ")\n",
          field_u64 (result, "connections"), field_u64 (result, "max_connections"));
  printf ("records %" G_GUINT64_FORMAT " (%s)\n", field_u64 (result, "records"), bytes);
  if (counters == NULL || counters->type != MSGPACK_OBJECT_MAP)
    return;
  for (guint32 i = 0; i < counters->via.map.size; i++)
    {
      const msgpack_object *key = &counters->via.map.ptr[i].key;
      const msgpack_object *value = &counters->via.map.ptr[i].val;

      if (key->type == MSGPACK_OBJECT_STR && value->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
        printf ("%.*s %" G_GUINT64_FORMAT "\n", (int) key->via.str.size, key->via.str.ptr,
                (guint64) value->via.u64);
    }
}

static void
print_result (const Command        *command,
              const msgpack_object *result)
{
  switch (command->op)
    {
    case HORMIGA_CONTROL_OP_PEERS:
      print_peers (result);
      break;
    case HORMIGA_CONTROL_OP_ROUTING_TABLE:
      print_routing_table (result);
      break;
    case HORMIGA_CONTROL_OP_STATS:
      print_stats (result);
      break;
    case HORMIGA_CONTROL_OP_FIND:
      {
        g_autofree char *peer = field_text (result, "peer", "?");

        printf ("found %s hops=%" G_GUINT64_FORMAT "\n", peer, field_u64 (result, "hops"));
      }
      break;
    case HORMIGA_CONTROL_OP_PUT:
      {
        g_autofree char *name = field_text (result, "name", "?");

        printf ("put %s stored=%" G_GUINT64_FORMAT "\n", name, field_u64 (result, "stored"));
      }
      break;
    case HORMIGA_CONTROL_OP_GET:
      {
        g_autofree char *text = field_text (result, "text", NULL);
        const msgpack_object *value = hormiga_control_map_lookup (result, "value");

        /* The value itself, as `cat` would show it. */
        if (text != NULL)
          printf ("%s\n", text);
        else
          printf ("(%u bytes that are not text; --json gives them in base64)\n",
                  value != NULL && value->type == MSGPACK_OBJECT_BIN ? value->via.bin.size : 0);
      }
      break;
    case HORMIGA_CONTROL_OP_QUIT:
      {
        g_autofree char *peer = field_text (result, "peer", "?");

        printf ("stopped %s\n", peer);
      }
      break;
    default:
      g_assert_not_reached ();
    }
}

/* ---- errors ----------------------------------------------------------------------------- */

static HormigaCliExit
exit_for (const GError *error)
{
  if (error->domain != HORMIGA_CONTROL_ERROR)
    return HORMIGA_CLI_EXIT_FAILED;
  switch (error->code)
    {
    case HORMIGA_CONTROL_ERROR_NO_NODE:
      return HORMIGA_CLI_EXIT_NO_NODE;
    case HORMIGA_CONTROL_ERROR_INVALID_ARGUMENT:
    case HORMIGA_CONTROL_ERROR_UNKNOWN_OP:
      return HORMIGA_CLI_EXIT_USAGE;
    default:
      return HORMIGA_CLI_EXIT_FAILED;
    }
}

/* The message on stderr; with --json, the error document on stdout too. */
static HormigaCliExit
report (const GError *error,
        gboolean      json,
        const char   *hint)
{
  if (json)
    {
      g_autoptr(GString) out = g_string_new ("{\"error\":");
      const char *code = error->domain == HORMIGA_CONTROL_ERROR
                           ? hormiga_control_error_to_string (error->code) : "failed";
      g_autofree char *message = g_strconcat (error->message, hint ? hint : "", NULL);

      hormiga_json_append_string (out, code, -1);
      g_string_append (out, ",\"message\":");
      hormiga_json_append_string (out, message, -1);
      g_string_append (out, "}\n");
      fputs (out->str, stdout);
    }
  g_printerr ("hormiga-node: %s%s\n", error->message, hint ? hint : "");
  return exit_for (error);
}

static HormigaCliExit
usage_error (gboolean    json,
             const char *format,
             ...) G_GNUC_PRINTF (2, 3);

static HormigaCliExit
usage_error (gboolean    json,
             const char *format,
             ...)
{
  g_autoptr(GError) error = NULL;
  va_list args;

  va_start (args, format);
  error = g_error_new_valist (HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_INVALID_ARGUMENT,
                              format, args);
  va_end (args);
  report (error, json, NULL);
  return HORMIGA_CLI_EXIT_USAGE;
}

/* ---- the request -------------------------------------------------------------------------- */

static HormigaControlRequest *
build_request (const Command  *command,
               char          **args,
               gboolean        json,
               HormigaCliExit *status)
{
  g_autoptr(HormigaControlRequest) request = NULL;
  g_autoptr(GError) error = NULL;
  const char *name = NULL;

  /* Any id will do: one request per connection. */
  request = hormiga_control_request_new (1, command->op);
  switch (command->op)
    {
    case HORMIGA_CONTROL_OP_FIND:
    case HORMIGA_CONTROL_OP_GET:
      request->peer = hormiga_peer_id_parse (args[0], &error);
      if (request->peer == NULL)
        {
          *status = usage_error (json, "%s: %s", command->name, error->message);
          return NULL;
        }
      name = command->op == HORMIGA_CONTROL_OP_GET ? args[1] : NULL;
      break;
    case HORMIGA_CONTROL_OP_PUT:
      name = args[0];
      if (strlen (args[1]) > HORMIGA_DHT_RECORD_MAX_VALUE)
        {
          *status = usage_error (json, "put: a value has at most %u bytes; this one has %"
                                 G_GSIZE_FORMAT, HORMIGA_DHT_RECORD_MAX_VALUE, strlen (args[1]));
          return NULL;
        }
      request->value = g_bytes_new (args[1], strlen (args[1]));
      break;
    default:
      break;
    }

  if (name != NULL)
    {
      if (*name == '\0' || strlen (name) > HORMIGA_DHT_RECORD_MAX_NAME ||
          !g_utf8_validate (name, -1, NULL))
        {
          *status = usage_error (json, "%s: a name is 1 to %u bytes of UTF-8 text",
                                 command->name, HORMIGA_DHT_RECORD_MAX_NAME);
          return NULL;
        }
      request->name = g_strdup (name);
    }
  return g_steal_pointer (&request);
}

HormigaCliExit
hormiga_cli_control_run (const char  *path,
                         gboolean     json,
                         int          argc,
                         char       **argv,
                         const char  *start_hint)
{
  const Command *command;
  g_autoptr(HormigaControlRequest) request = NULL;
  g_autoptr(HormigaControlClient) client = NULL;
  g_autoptr(HormigaControlReply) reply = NULL;
  g_autoptr(GError) error = NULL;
  HormigaCliExit status = HORMIGA_CLI_EXIT_OK;

  g_return_val_if_fail (path != NULL, HORMIGA_CLI_EXIT_USAGE);
  g_return_val_if_fail (argc >= 1 && argv != NULL, HORMIGA_CLI_EXIT_USAGE);

  command = find_command (argv[0]);
  g_return_val_if_fail (command != NULL, HORMIGA_CLI_EXIT_USAGE);
  if (argc - 1 != command->n_args)
    return usage_error (json, "usage: hormiga-node [--data-dir DIR | --control PATH] [--json] %s",
                        command->usage);

  request = build_request (command, argv + 1, json, &status);
  if (request == NULL)
    return status;

  client = hormiga_control_client_connect (path, HORMIGA_CLI_CONTROL_TIMEOUT_S, &error);
  if (client == NULL)
    {
      g_autofree char *hint = NULL;

      if (g_error_matches (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_NO_NODE))
        hint = g_strdup_printf ("; start one with `%s`", start_hint);
      return report (error, json, hint);
    }
  reply = hormiga_control_client_call (client, request, &error);
  if (reply == NULL)
    return report (error, json, NULL);
  if (reply->error != NULL)
    return report (reply->error, json, NULL);

  /* quit: done once the node has closed the connection, which it does
   * after removing its socket. */
  if (command->op == HORMIGA_CONTROL_OP_QUIT &&
      !hormiga_control_client_wait_closed (client, &error))
    return report (error, json, NULL);

  if (json)
    {
      g_autoptr(GString) out = g_string_new (NULL);

      hormiga_json_append_msgpack (out, reply->result);
      g_string_append_c (out, '\n');
      fputs (out->str, stdout);
    }
  else
    print_result (command, reply->result);
  return HORMIGA_CLI_EXIT_OK;
}
