/* hormiga-cli-control.c — the hormiga-node subcommands that ask a running node
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hormiga-cli-control.h"
#include "hormiga-control-client.h"
#include "hormiga-dht-record.h"
#include "hormiga-json.h"
#include "hormiga-link.h"
#include "hormiga-transfer-offer.h"

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
  { "share", HORMIGA_CONTROL_OP_SHARE, 1, "share PATH" },
  { "send", HORMIGA_CONTROL_OP_SEND, 2, "send PEERID PATH" },
  { "transfers", HORMIGA_CONTROL_OP_TRANSFERS, 0, "transfers" },
  { "pause", HORMIGA_CONTROL_OP_PAUSE, 1, "pause CID" },
  { "resume", HORMIGA_CONTROL_OP_RESUME, 1, "resume CID" },
  { "cancel", HORMIGA_CONTROL_OP_CANCEL, 1, "cancel CID" },
  { "contingency", HORMIGA_CONTROL_OP_CONTINGENCY, 0, "contingency" },
};

/* `get hormiga:… [-o DIR]`: a download, not a DHT record. */
static const Command download_command = {
  "get", HORMIGA_CONTROL_OP_DOWNLOAD, 1, "get hormiga:… [-o DIR]"
};

/* How long `send` waits for the peer's answer (a person may be asked:
 * the peer gives them HORMIGA_TRANSFER_OFFER_TIMEOUT_S, connecting comes
 * first). */
#define SEND_TIMEOUT_S (HORMIGA_TRANSFER_OFFER_TIMEOUT_S + 180)
/* Between two looks at a download in progress. */
#define POLL_INTERVAL_MS 200

static gboolean
is_link (const char *text)
{
  return g_ascii_strncasecmp (text, HORMIGA_LINK_SCHEME ":", strlen (HORMIGA_LINK_SCHEME ":")) == 0;
}

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
      g_autofree char *name = field_text (peer, "name", NULL);
      g_autofree char *sent = g_format_size (field_u64 (peer, "bytes_sent"));
      g_autofree char *received = g_format_size (field_u64 (peer, "bytes_received"));
      g_autofree char *age = NULL;
      guint64 opened_at = field_u64 (peer, "opened_at");

      if (field_bool (peer, "open") && opened_at > 0)
        age = format_age ((gint64) opened_at);
      printf ("%s%s%s%s  %s  %s via %s  path %s  sent %" G_GUINT64_FORMAT " (%s)  received %"
              G_GUINT64_FORMAT " (%s)%s%s\n",
              id, name ? "  “" : "", name ? name : "", name ? "”" : "", field_bool (peer, "open") ? "open" : "connecting",
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

/* Sources still sending (or asked), of those listed. */
static guint
count_live_sources (const msgpack_object *transfer)
{
  const msgpack_object *sources = field_array (transfer, "sources");
  guint live = 0;

  for (guint32 i = 0; sources != NULL && i < sources->via.array.size; i++)
    if (!field_bool (&sources->via.array.ptr[i], "dropped"))
      live++;
  return live;
}

static guint
percent_of (const msgpack_object *transfer)
{
  guint64 size = field_u64 (transfer, "size");
  guint64 received = field_u64 (transfer, "received");
  g_autofree char *state = field_text (transfer, "state", "");

  if (g_str_equal (state, "done"))
    return 100;
  if (size == 0)
    return 0;
  return (guint) MIN (received / (size / 100.0), 100.0);
}

/* g_format_size() without its no-break space, which a terminal in the C
 * locale shows as "?". */
static char *
format_bytes (guint64 bytes)
{
  g_autofree char *text = g_format_size (bytes);
  g_auto(GStrv) parts = g_strsplit (text, "\u00a0", -1);

  return g_strjoinv (" ", parts);
}

/* "12.3 MB/s" */
static char *
format_speed (guint64 bytes_per_s)
{
  return g_strdup_printf ("%.1f MB/s", bytes_per_s / 1e6);
}

static void
print_transfers (const msgpack_object *result)
{
  const msgpack_object *transfers = field_array (result, "transfers");
  guint32 n = transfers != NULL ? transfers->via.array.size : 0;
  guint64 total = field_u64 (result, "total");

  printf ("%u transfer%s", n, n == 1 ? "" : "s");
  if (total > n)
    printf (" (the newest of %" G_GUINT64_FORMAT ")", total);
  printf ("\n");
  for (guint32 i = 0; i < n; i++)
    {
      const msgpack_object *transfer = &transfers->via.array.ptr[i];
      g_autofree char *cid = field_text (transfer, "cid", "?");
      g_autofree char *name = field_text (transfer, "name", "?");
      g_autofree char *state = field_text (transfer, "state", "?");
      g_autofree char *path = field_text (transfer, "path", NULL);
      g_autofree char *error = field_text (transfer, "error", NULL);
      g_autofree char *received = format_bytes (field_u64 (transfer, "received"));
      g_autofree char *size = format_bytes (field_u64 (transfer, "size"));
      g_autofree char *speed = format_speed (field_u64 (transfer, "speed"));
      guint live = count_live_sources (transfer);

      printf ("%s  %s  %u%%  %s of %s  %s  %u source%s  %s", cid, state, percent_of (transfer),
              received, size, speed, live, live == 1 ? "" : "s", name);
      if (path != NULL)
        printf ("  -> %s", path);
      if (error != NULL)
        printf ("  (%s)", error);
      printf ("\n");
    }
}

/* A signed field: "ms ago" values may be negative only on a clock step. */
static gint64
field_i64 (const msgpack_object *map,
           const char           *key)
{
  const msgpack_object *value = hormiga_control_map_lookup (map, key);

  if (value != NULL && value->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
    return value->via.i64;
  return (gint64) MIN (field_u64 (map, key), (guint64) G_MAXINT64);
}

static void
print_contingency (const msgpack_object *result)
{
  const msgpack_object *contingents = field_array (result, "contingents");
  const msgpack_object *protected = field_array (result, "protected");
  guint32 n_contingents = contingents != NULL ? contingents->via.array.size : 0;
  guint32 n_protected = protected != NULL ? protected->via.array.size : 0;
  g_autofree char *bytes = format_bytes (field_u64 (result, "bytes"));

  printf ("backup: %" G_GUINT64_FORMAT " records, %s, seq %" G_GUINT64_FORMAT "%s\n",
          field_u64 (result, "records"), bytes, field_u64 (result, "seq"),
          field_bool (result, "running") ? "" : " (not running yet)");
  printf ("%u contingent%s (of %" G_GUINT64_FORMAT "):\n", n_contingents,
          n_contingents == 1 ? "" : "s", field_u64 (result, "r"));
  for (guint32 i = 0; i < n_contingents; i++)
    {
      const msgpack_object *one = &contingents->via.array.ptr[i];
      g_autofree char *peer = field_text (one, "peer", "?");
      g_autofree char *state = field_text (one, "state", "?");

      printf ("  %" G_GUINT64_FORMAT "  %s  %s  %s  heard %.1f s ago\n", field_u64 (one, "rank"),
              peer, state, field_bool (one, "synced") ? "synced" : "not synced",
              field_i64 (one, "last_heard_ms") / 1000.0);
    }
  printf ("protecting %u node%s:\n", n_protected, n_protected == 1 ? "" : "s");
  for (guint32 i = 0; i < n_protected; i++)
    {
      const msgpack_object *one = &protected->via.array.ptr[i];
      g_autofree char *peer = field_text (one, "peer", "?");
      g_autofree char *held = format_bytes (field_u64 (one, "bytes"));

      printf ("  %s  %" G_GUINT64_FORMAT " records, %s, updated %.1f s ago, heard %.1f s ago%s\n",
              peer, field_u64 (one, "records"), held, field_i64 (one, "age_ms") / 1000.0,
              field_i64 (one, "last_heard_ms") / 1000.0,
              field_bool (one, "taken_over") ? ", taken over" : "");
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
    case HORMIGA_CONTROL_OP_CONTINGENCY:
      print_contingency (result);
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
    case HORMIGA_CONTROL_OP_SHARE:
      {
        g_autofree char *link = field_text (result, "link", "?");

        /* The link alone, for scripts and copying. */
        printf ("%s\n", link);
      }
      break;
    case HORMIGA_CONTROL_OP_SEND:
      {
        g_autofree char *peer = field_text (result, "peer", "?");
        const msgpack_object *files = field_array (result, "files");

        if (files == NULL)
          printf ("%s accepted the file\n", peer);
        else
          {
            guint64 taken = field_u64 (result, "taken");

            printf ("%s accepted %" G_GUINT64_FORMAT " %s of the folder:\n", peer, taken,
                    taken == 1 ? "file" : "files");
            for (guint i = 0; i < files->via.array.size; i++)
              if (files->via.array.ptr[i].type == MSGPACK_OBJECT_STR)
                {
                  g_autofree char *path = g_utf8_make_valid (files->via.array.ptr[i].via.str.ptr,
                                                             files->via.array.ptr[i].via.str.size);

                  printf ("  %s\n", path);
                }
          }
      }
      break;
    case HORMIGA_CONTROL_OP_TRANSFERS:
      print_transfers (result);
      break;
    case HORMIGA_CONTROL_OP_PAUSE:
    case HORMIGA_CONTROL_OP_RESUME:
    case HORMIGA_CONTROL_OP_CANCEL:
      {
        g_autofree char *cid = field_text (result, "cid", "?");
        g_autofree char *state = field_text (result, "state", "?");

        printf ("%s %s\n", cid, state);
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

/* @arg as an absolute path (from this process's working directory), as
 * the control socket takes paths; NULL after a usage error. */
static char *
absolute_path (const Command  *command,
               const char     *arg,
               gboolean        json,
               HormigaCliExit *status)
{
  g_autofree char *path = NULL;

  if (*arg == '\0')
    {
      *status = usage_error (json, "%s: the path is empty", command->name);
      return NULL;
    }
  path = g_canonicalize_filename (arg, NULL);
  if (!g_utf8_validate (path, -1, NULL))
    {
      *status = usage_error (json, "%s: the control socket takes paths in UTF-8 only; rename "
                             "the file or give the node a path in UTF-8", command->name);
      return NULL;
    }
  if (strlen (path) > HORMIGA_CONTROL_MAX_PATH)
    {
      *status = usage_error (json, "%s: a path has at most %u bytes; %s has %" G_GSIZE_FORMAT,
                             command->name, HORMIGA_CONTROL_MAX_PATH, arg, strlen (path));
      return NULL;
    }
  return g_steal_pointer (&path);
}

static HormigaControlRequest *
build_request (const Command  *command,
               char          **args,
               const char     *output,
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
    case HORMIGA_CONTROL_OP_SHARE:
      request->path = absolute_path (command, args[0], json, status);
      if (request->path == NULL)
        return NULL;
      break;
    case HORMIGA_CONTROL_OP_SEND:
      request->peer = hormiga_peer_id_parse (args[0], &error);
      if (request->peer == NULL)
        {
          *status = usage_error (json, "send: %s", error->message);
          return NULL;
        }
      request->path = absolute_path (command, args[1], json, status);
      if (request->path == NULL)
        return NULL;
      break;
    case HORMIGA_CONTROL_OP_DOWNLOAD:
      {
        g_autoptr(HormigaLink) link = hormiga_link_parse (args[0], &error);

        if (link == NULL)
          {
            if (g_str_has_prefix (error->message, "not a hormiga: link"))
              *status = usage_error (json, "get: %s", error->message);
            else
              *status = usage_error (json, "get: not a hormiga: link: %s", error->message);
            return NULL;
          }
        request->link = g_strstrip (g_strdup (args[0]));
        if (output != NULL)
          {
            request->folder = absolute_path (command, output, json, status);
            if (request->folder == NULL)
              return NULL;
          }
      }
      break;
    case HORMIGA_CONTROL_OP_PAUSE:
    case HORMIGA_CONTROL_OP_RESUME:
    case HORMIGA_CONTROL_OP_CANCEL:
      {
        HormigaContentId cid;

        if (!hormiga_content_id_parse (args[0], &cid, NULL))
          {
            *status = usage_error (json, "%s: a content ID is 64 hexadecimal digits, as "
                                   "`hormiga-node transfers` lists them", command->name);
            return NULL;
          }
        request->cid = hormiga_content_id_dup (&cid);
      }
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

/* ---- following a download --------------------------------------------------------------- */

/* The newest transfer of @cid in a `transfers` result, or NULL. */
static const msgpack_object *
find_transfer (const msgpack_object *result,
               const char           *cid)
{
  const msgpack_object *transfers = field_array (result, "transfers");

  for (guint32 i = transfers != NULL ? transfers->via.array.size : 0; i > 0; i--)
    {
      const msgpack_object *transfer = &transfers->via.array.ptr[i - 1];
      g_autofree char *its = field_text (transfer, "cid", "");

      if (g_str_equal (its, cid))
        return transfer;
    }
  return NULL;
}

typedef struct
{
  gboolean  tty;          /* stderr is a terminal: one line, redrawn */
  gboolean  drawn;        /* a line is on it */
  char     *state;        /* what was said last (not on a terminal) */
  guint     decile;
} Progress;

static void
progress_show (Progress             *progress,
               const msgpack_object *transfer)
{
  g_autofree char *name = field_text (transfer, "name", "?");
  g_autofree char *state = field_text (transfer, "state", "?");
  g_autofree char *size = format_bytes (field_u64 (transfer, "size"));
  g_autofree char *speed = format_speed (field_u64 (transfer, "speed"));
  g_autoptr(GString) line = g_string_new (NULL);
  guint percent = percent_of (transfer);
  guint live = count_live_sources (transfer);

  if (g_str_equal (state, "looking"))
    g_string_printf (line, "%s: looking for peers that have it", name);
  else if (g_str_equal (state, "done"))
    g_string_printf (line, "%s: done, %s", name, size);
  else
    {
      g_string_printf (line, "%s: %s %u%% of %s, %s from %u source%s", name, state, percent,
                       size, speed, live, live == 1 ? "" : "s");
      /* eta is -1 (not a uint) when unknown. */
      if (g_str_equal (state, "downloading") && field_u64 (transfer, "eta") > 0)
        g_string_append_printf (line, ", %" G_GUINT64_FORMAT " s left",
                                field_u64 (transfer, "eta"));
    }

  if (progress->tty)
    {
      g_printerr ("\r\033[K%s", line->str);
      progress->drawn = TRUE;
      return;
    }
  /* A log: a line when the state changes, and at every tenth. */
  if (g_strcmp0 (progress->state, state) == 0 && progress->decile == percent / 10)
    return;
  g_free (progress->state);
  progress->state = g_strdup (state);
  progress->decile = percent / 10;
  g_printerr ("%s\n", line->str);
}

static void
progress_end (Progress *progress)
{
  if (progress->drawn)
    g_printerr ("\n");
  progress->drawn = FALSE;
  g_clear_pointer (&progress->state, g_free);
}

static void
print_json (const msgpack_object *object)
{
  g_autoptr(GString) out = g_string_new (NULL);

  hormiga_json_append_msgpack (out, object);
  g_string_append_c (out, '\n');
  fputs (out->str, stdout);
}

/* Asks for the transfers every POLL_INTERVAL_MS (each a request of its
 * own, so a long download meets no read timeout) until the download of
 * @started is over. */
static HormigaCliExit
follow_download (HormigaControlClient *client,
                 const msgpack_object *started,
                 gboolean              json)
{
  g_autofree char *cid = field_text (started, "cid", "");
  Progress progress = { .tty = isatty (STDERR_FILENO), .decile = G_MAXUINT };
  guint64 id = 1;

  for (;;)
    {
      g_autoptr(HormigaControlRequest) request =
        hormiga_control_request_new (++id, HORMIGA_CONTROL_OP_TRANSFERS);
      g_autoptr(HormigaControlReply) reply = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *state = NULL;
      const msgpack_object *transfer;

      reply = hormiga_control_client_call (client, request, &error);
      if (reply == NULL || reply->error != NULL)
        {
          progress_end (&progress);
          return report (reply == NULL ? error : reply->error, json, NULL);
        }
      transfer = find_transfer (reply->result, cid);
      if (transfer == NULL)
        {
          progress_end (&progress);
          error = g_error_new (HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_FAILED,
                               "the node no longer lists the download of %s", cid);
          return report (error, json, NULL);
        }

      state = field_text (transfer, "state", "");
      if (!g_str_equal (state, "failed") && !g_str_equal (state, "cancelled"))
        progress_show (&progress, transfer);
      if (g_str_equal (state, "done"))
        {
          g_autofree char *path = field_text (transfer, "path", "?");

          progress_end (&progress);
          if (json)
            print_json (transfer);
          else
            printf ("%s\n", path);
          return HORMIGA_CLI_EXIT_OK;
        }
      if (g_str_equal (state, "failed") || g_str_equal (state, "cancelled"))
        {
          g_autofree char *why = field_text (transfer, "error", "it was cancelled");

          progress_end (&progress);
          if (json)
            print_json (transfer);
          g_printerr ("hormiga-node: the download failed: %s\n", why);
          return HORMIGA_CLI_EXIT_FAILED;
        }
      g_usleep (POLL_INTERVAL_MS * 1000);
    }
}

HormigaCliExit
hormiga_cli_control_run (const char  *path,
                         gboolean     json,
                         const char  *output,
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
  /* get PEERID NAME reads a DHT record; get hormiga:… downloads. */
  if (command->op == HORMIGA_CONTROL_OP_GET && argc >= 2 && is_link (argv[1]))
    command = &download_command;
  if (argc - 1 != command->n_args)
    return usage_error (json, "usage: hormiga-node [--data-dir DIR | --control PATH] [--json] %s",
                        command->usage);
  if (output != NULL && command != &download_command)
    return usage_error (json, "-o DIR goes with `get hormiga:LINK` only");

  request = build_request (command, argv + 1, output, json, &status);
  if (request == NULL)
    return status;

  client = hormiga_control_client_connect (path, command->op == HORMIGA_CONTROL_OP_SEND
                                                   ? SEND_TIMEOUT_S
                                                   : HORMIGA_CLI_CONTROL_TIMEOUT_S, &error);
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
  if (command->op == HORMIGA_CONTROL_OP_DOWNLOAD)
    return follow_download (client, reply->result, json);

  if (json)
    print_json (reply->result);
  else
    print_result (command, reply->result);
  return HORMIGA_CLI_EXIT_OK;
}
