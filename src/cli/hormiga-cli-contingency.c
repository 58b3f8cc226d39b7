/* hormiga-cli-contingency.c — hormiga-node's contingency nodes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hormiga-cli-contingency.h"

#include <stdio.h>
#include <string.h>

/* How often the number of shares is compared with the backed-up one. */
#define LIBRARY_CHECK_MS 2000

struct _HormigaCliContingency
{
  HormigaContingencyService *service;
  HormigaTransferManager    *transfers;  /* (nullable) */
  char                      *library;    /* (nullable) */
  GCancellable              *cancellable;
  guint                      check_source;
  guint                      backed_up_shares;
  gboolean                   reading;
};

static void restore_shares (HormigaCliContingency *self,
                            GBytes                *plaintext);

static const char *
id (const HormigaPeerId *peer)
{
  return peer != NULL ? hormiga_peer_id_to_string (peer) : "-";
}

static void
on_event (HormigaContingencyService     *service,
          const HormigaContingencyEvent *event,
          gpointer                       user_data)
{
  guint n_records = event->records != NULL ? event->records->len : 0;

  switch (event->type)
    {
    case HORMIGA_CONTINGENCY_EVENT_NEED_CANDIDATES:
      return;
    case HORMIGA_CONTINGENCY_EVENT_CONTINGENT_ASSIGNED:
      printf ("contingency-assigned peer=%s rank=%u\n", id (event->peer), event->rank);
      break;
    case HORMIGA_CONTINGENCY_EVENT_CONTINGENT_SYNCED:
      printf ("contingency-synced peer=%s\n", id (event->peer));
      break;
    case HORMIGA_CONTINGENCY_EVENT_CONTINGENT_REFUSED:
      printf ("contingency-refused peer=%s: %s\n", id (event->peer),
              event->error != NULL ? event->error->message : "no reason given");
      break;
    case HORMIGA_CONTINGENCY_EVENT_CONTINGENT_LOST:
      printf ("contingency-lost peer=%s\n", id (event->peer));
      break;
    case HORMIGA_CONTINGENCY_EVENT_CONTINGENT_LEAVING:
      printf ("contingency-leaving peer=%s\n", id (event->peer));
      break;
    case HORMIGA_CONTINGENCY_EVENT_CONTINGENT_SUCCESSOR:
      printf ("contingency-successor peer=%s next=%s\n", id (event->peer), id (event->next));
      break;
    case HORMIGA_CONTINGENCY_EVENT_CONTINGENT_REPLACED:
      printf ("contingency-replaced peer=%s next=%s handoff=%d\n", id (event->peer), id (event->next),
              event->handoff ? 1 : 0);
      break;
    case HORMIGA_CONTINGENCY_EVENT_CONTINGENT_RELEASED:
      printf ("contingency-released peer=%s\n", id (event->peer));
      break;
    case HORMIGA_CONTINGENCY_EVENT_REPAIRED:
      printf ("contingency-repaired ms=%" G_GINT64_FORMAT "\n", event->duration_ms);
      break;
    case HORMIGA_CONTINGENCY_EVENT_RESTORED:
      printf ("contingency-restored from=%s seq=%" G_GUINT64_FORMAT " records=%u blob=%" G_GSIZE_FORMAT "\n",
              id (event->peer), event->seq, n_records,
              event->blob != NULL ? g_bytes_get_size (event->blob) : 0);
      fflush (stdout);
      if (event->blob != NULL)
        restore_shares (user_data, event->blob);
      break;
    case HORMIGA_CONTINGENCY_EVENT_PROTECTING:
      printf ("contingency-protecting owner=%s\n", id (event->owner));
      break;
    case HORMIGA_CONTINGENCY_EVENT_HANDOFF_RECEIVED:
      printf ("contingency-handoff from=%s owner=%s\n", id (event->peer), id (event->owner));
      break;
    case HORMIGA_CONTINGENCY_EVENT_TAKEOVER:
      printf ("contingency-takeover owner=%s records=%u\n", id (event->owner), n_records);
      break;
    case HORMIGA_CONTINGENCY_EVENT_REPUBLISH:
      printf ("contingency-republish owner=%s records=%u\n", id (event->owner), n_records);
      break;
    case HORMIGA_CONTINGENCY_EVENT_TAKEOVER_ENDED:
      printf ("contingency-takeover-ended owner=%s\n", id (event->owner));
      break;
    case HORMIGA_CONTINGENCY_EVENT_PROTECTED_DROPPED:
      printf ("contingency-dropped owner=%s\n", id (event->owner));
      break;
    case HORMIGA_CONTINGENCY_EVENT_LEFT:
      printf ("contingency-left\n");
      break;
    }
  fflush (stdout);
}

/* ---- the private blob: the library's shares ---------------------------------------------- */

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

GBytes *
hormiga_cli_contingency_read_library (const char *library)
{
  g_autoptr(GDir) dir = g_dir_open (library, 0, NULL);
  g_autoptr(GKeyFile) all = g_key_file_new ();
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *entry;
  char *text;
  gsize length;

  while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (entry, ".share"))
      g_ptr_array_add (names, g_strdup (entry));
  if (names->len == 0)
    return NULL;
  /* The same shares give the same plaintext. */
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autofree char *file = g_build_filename (library, name, NULL);
      g_autofree char *cid = g_strndup (name, strlen (name) - strlen (".share"));
      g_autoptr(GKeyFile) one = g_key_file_new ();
      g_autofree char *path = NULL;

      if (!g_key_file_load_from_file (one, file, G_KEY_FILE_NONE, NULL) ||
          (path = g_key_file_get_string (one, "share", "path", NULL)) == NULL)
        continue;
      g_key_file_set_string (all, cid, "path", path);
    }
  text = g_key_file_to_data (all, &length, NULL);
  return g_bytes_new_take (text, length);
}

static void
read_library_thread (GTask        *task,
                     gpointer      source,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  GBytes *plaintext = hormiga_cli_contingency_read_library (task_data);

  g_task_return_pointer (task, plaintext, plaintext != NULL ? (GDestroyNotify) g_bytes_unref : NULL);
}

static void
on_library_read (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  HormigaCliContingency *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) plaintext = g_task_propagate_pointer (G_TASK (result), &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->reading = FALSE;
  if (!hormiga_contingency_service_set_private (self->service, plaintext, &error))
    {
      printf ("contingency-private-refused: %s\n", error->message);
      fflush (stdout);
    }
}

static void
on_reshared (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autofree char *path = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *link = hormiga_transfer_manager_share_finish (HORMIGA_TRANSFER_MANAGER (source),
                                                                 result, &error);

  if (link != NULL)
    printf ("contingency-reshared %s path=%s\n", link, path);
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    printf ("contingency-reshare-failed path=%s: %s\n", path, error->message);
  fflush (stdout);
}

/* Our backed-up private state came back (we restarted without it): what
 * the library no longer remembers is shared again, from the same paths. */
static void
restore_shares (HormigaCliContingency *self,
                GBytes                *plaintext)
{
  g_autoptr(GKeyFile) keys = g_key_file_new ();
  g_auto(GStrv) groups = NULL;
  gsize length;
  const char *data = g_bytes_get_data (plaintext, &length);

  if (self->transfers == NULL || data == NULL ||
      !g_key_file_load_from_data (keys, data, length, G_KEY_FILE_NONE, NULL))
    return;
  groups = g_key_file_get_groups (keys, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_autofree char *path = g_key_file_get_string (keys, groups[i], "path", NULL);
      g_autofree char *name = g_strconcat (groups[i], ".share", NULL);
      g_autofree char *remembered = g_build_filename (self->library, name, NULL);
      g_autoptr(GFile) file = NULL;

      if (path == NULL || strchr (groups[i], G_DIR_SEPARATOR) != NULL ||
          g_file_test (remembered, G_FILE_TEST_EXISTS))
        continue;
      file = g_file_new_for_path (path);
      hormiga_transfer_manager_share_async (self->transfers, file, self->cancellable, on_reshared,
                                            g_steal_pointer (&path));
    }
}

static gboolean
on_check_library (gpointer user_data)
{
  HormigaCliContingency *self = user_data;
  guint shares = hormiga_transfer_manager_get_n_shares (self->transfers);

  if (shares != self->backed_up_shares && !self->reading &&
      hormiga_contingency_service_is_running (self->service))
    {
      g_autoptr(GTask) task = g_task_new (NULL, self->cancellable, on_library_read, self);

      self->backed_up_shares = shares;
      self->reading = TRUE;
      g_task_set_task_data (task, g_strdup (self->library), g_free);
      g_task_run_in_thread (task, read_library_thread);
    }
  return G_SOURCE_CONTINUE;
}

/* ---- public -------------------------------------------------------------------------------- */

HormigaCliContingency *
hormiga_cli_contingency_new (HormigaNode                    *node,
                             const HormigaContingencyConfig *config,
                             HormigaTransferManager         *transfers,
                             const char                     *library)
{
  HormigaCliContingency *self = g_new0 (HormigaCliContingency, 1);

  self->service = hormiga_contingency_service_new (node, config);
  self->cancellable = g_cancellable_new ();
  g_signal_connect (self->service, "event", G_CALLBACK (on_event), self);
  if (transfers != NULL && library != NULL)
    {
      self->transfers = g_object_ref (transfers);
      self->library = g_strdup (library);
      self->check_source = g_timeout_add (LIBRARY_CHECK_MS, on_check_library, self);
    }
  return self;
}

HormigaContingencyService *
hormiga_cli_contingency_get_service (HormigaCliContingency *self)
{
  return self->service;
}

void
hormiga_cli_contingency_free (HormigaCliContingency *self)
{
  if (self == NULL)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->check_source, g_source_remove);
  g_signal_handlers_disconnect_by_data (self->service, self);
  g_clear_object (&self->service);
  g_clear_object (&self->transfers);
  g_clear_object (&self->cancellable);
  g_free (self->library);
  g_free (self);
}
