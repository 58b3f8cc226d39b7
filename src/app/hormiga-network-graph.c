/* hormiga-network-graph.c — this node's world, drawn
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * This node at the centre; every peer of the model (connections and DHT
 * contacts) on a ring by its bucket, the number of leading bits its key
 * shares with ours: the closer in XOR distance, the closer to the centre.
 * Rings are spread evenly over the buckets present. A peer's angle comes
 * from its key, so it keeps its place as others come and go (peers too
 * close on a ring are pushed apart). Lines join the centre to the peers
 * with a connection: solid when direct, dashed when relayed through TURN,
 * dotted while being set up; in the accent colour when negotiated through
 * hormiguero, in purple when negotiated through the overlay. Pulses run
 * along the lines of peers that file chunks move to or from (downloads
 * and uploads); the frame clock runs for them only while one pulses and
 * animations are on (gtk-enable-animations), else one still pulse marks
 * the line.
 *
 * Positions are kept on the unit circle and scaled when drawn. When the
 * model changes, targets are recomputed and a tick callback eases every
 * peer towards its target (arrivals fade in from outside, departures fade
 * out). Pointer: hover shows a tooltip, a click opens the details. Keyboard:
 * the widget takes focus, and Tab, Shift+Tab and the arrow keys move a
 * focus ring from peer to peer (clockwise), Enter opens the details. Files
 * dropped on a peer are offered to it (win.send-uri).
 */
#include <math.h>
#include <string.h>

#include <glib/gi18n.h>
#include <pango/pangocairo.h>

#include "hormiga-app-private.h"
#include "hormiga-identicon.h"
#include "hormiga-network-graph.h"
#include "hormiga-network-graph-private.h"
#include "hormiga-peer-id.h"

/* Easing rate (1/s): about 90% of the way in a third of a second. */
#define EASE_RATE 7.0
/* Innermost ring radius, as a fraction of the outermost. */
#define INNER_RING 0.38
#define CENTRE_RADIUS 26.0
#define LEGEND_HEIGHT 36.0
/* Short ids are written under peers up to this many. */
#define MAX_LABELS 40
/* A pulse takes this long (s) from this node to a peer. */
#define PULSE_PERIOD 1.4
#define PULSE_RADIUS 4.5

typedef struct
{
  HormigaNetworkGraph *graph;
  HormigaPeerItem *item;
  double           angle;        /* from the key, [0, 2π) */
  double           x, y;         /* now, unit circle */
  double           tx, ty;       /* target */
  double           alpha, target_alpha;
  gboolean         leaving;
} Dot;

struct _HormigaNetworkGraph
{
  GtkWidget        parent_instance;

  GListModel      *model;
  GPtrArray       *dots;         /* Dot */
  GHashTable      *by_item;      /* HormigaPeerItem → Dot */
  double          *rings;        /* radii of the rings, unit circle */
  guint            n_rings;

  char            *self_peer_id;
  guint8           self_key[HORMIGA_IDENTICON_KEY_SIZE];
  gboolean         has_self_key;

  guint            tick_id;
  gint64           last_frame;
  gint64           pulse_time;   /* frame time (µs) the pulses are drawn at */
  guint            accessible_idle;

  HormigaPeerItem *focus;        /* one of the dots' items, not a reference */
  HormigaPeerItem *hover;

  GtkWidget       *popover;
  GtkLabel        *popover_label;
  GtkWidget       *popover_send;
};

G_DEFINE_FINAL_TYPE (HormigaNetworkGraph, hormiga_network_graph, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_MODEL,
  PROP_SELF_PEER_ID,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
dot_free (gpointer data)
{
  Dot *dot = data;

  g_signal_handlers_disconnect_matched (dot->item, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL,
                                        dot);
  g_object_unref (dot->item);
  g_free (dot);
}

/* ---- geometry ------------------------------------------------------------ */

typedef struct
{
  double cx, cy;      /* centre */
  double radius;      /* of the unit circle */
  double dot_radius;
} Geometry;

static guint
count_visible (HormigaNetworkGraph *self)
{
  guint n = 0;

  for (guint i = 0; i < self->dots->len; i++)
    if (!((Dot *) g_ptr_array_index (self->dots, i))->leaving)
      n++;
  return n;
}

/* A pulse runs along the line of a connected peer that chunks are moving
 * to or from. */
static gboolean
dot_pulses (const Dot *dot)
{
  HormigaPeerKind kind = hormiga_peer_item_get_kind (dot->item);

  return !dot->leaving && hormiga_peer_item_get_transferring (dot->item)
         && (kind == HORMIGA_PEER_KIND_DIRECT || kind == HORMIGA_PEER_KIND_RELAYED);
}

static guint
count_pulses (HormigaNetworkGraph *self)
{
  guint n = 0;

  for (guint i = 0; i < self->dots->len; i++)
    if (dot_pulses (g_ptr_array_index (self->dots, i)))
      n++;
  return n;
}

static void
get_geometry (HormigaNetworkGraph *self,
              Geometry            *geometry)
{
  double width = gtk_widget_get_width (GTK_WIDGET (self));
  double height = gtk_widget_get_height (GTK_WIDGET (self)) - LEGEND_HEIGHT;
  guint n = count_visible (self);

  geometry->dot_radius = n <= 30 ? 15.0 : n <= 120 ? 10.0 : 6.0;
  geometry->cx = width / 2;
  geometry->cy = height / 2;
  /* Room for a peer and its label outside the outermost ring. */
  geometry->radius = MAX (MIN (width, height) / 2 - geometry->dot_radius - 22, 40);
}

static void
dot_point (const Geometry *geometry,
           const Dot      *dot,
           double         *x,
           double         *y)
{
  *x = geometry->cx + dot->x * geometry->radius;
  *y = geometry->cy + dot->y * geometry->radius;
}

double
_hormiga_network_graph_key_angle (const guint8 *key)
{
  guint32 bits = ((guint32) key[8] << 24) | ((guint32) key[9] << 16)
                 | ((guint32) key[10] << 8) | key[11];

  return (double) bits / 4294967296.0 * 2 * G_PI;
}

static int
compare_buckets_descending (gconstpointer a,
                            gconstpointer b)
{
  guint x = *(const guint *) a, y = *(const guint *) b;

  return x == y ? 0 : x > y ? -1 : 1;
}

static int
compare_places_by_angle (gconstpointer a,
                         gconstpointer b)
{
  const HormigaGraphPlace *x = *(HormigaGraphPlace * const *) a;
  const HormigaGraphPlace *y = *(HormigaGraphPlace * const *) b;

  if (x->angle != y->angle)
    return x->angle < y->angle ? -1 : 1;
  return g_strcmp0 (x->tie, y->tie);
}

double *
_hormiga_network_graph_layout (HormigaGraphPlace *places,
                               guint              n_places,
                               guint             *n_rings)
{
  g_autoptr(GArray) buckets = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  double *rings;

  for (guint i = 0; i < n_places; i++)
    {
      guint bucket = places[i].bucket;

      if (g_hash_table_contains (seen, GUINT_TO_POINTER (bucket + 1)))
        continue;
      g_hash_table_add (seen, GUINT_TO_POINTER (bucket + 1));
      g_array_append_val (buckets, bucket);
    }
  g_array_sort (buckets, compare_buckets_descending);

  *n_rings = buckets->len;
  rings = g_new (double, MAX (buckets->len, 1));
  for (guint r = 0; r < buckets->len; r++)
    {
      g_autoptr(GPtrArray) ring = g_ptr_array_new ();
      guint bucket = g_array_index (buckets, guint, r);
      double radius = INNER_RING + (1.0 - INNER_RING) * (r + 1) / buckets->len;
      double min_gap, previous_angle = 0;

      rings[r] = radius;
      for (guint i = 0; i < n_places; i++)
        if (places[i].bucket == bucket)
          g_ptr_array_add (ring, &places[i]);
      g_ptr_array_sort (ring, compare_places_by_angle);

      /* Push apart peers closer than a fair share of the ring, up to 18°. */
      min_gap = MIN (2 * G_PI / ring->len, G_PI / 10);
      for (guint i = 0; i < ring->len; i++)
        {
          HormigaGraphPlace *place = g_ptr_array_index (ring, i);
          double angle = place->angle;

          if (i > 0 && angle - previous_angle < min_gap)
            angle = previous_angle + min_gap;
          previous_angle = angle;
          place->x = radius * cos (angle);
          place->y = radius * sin (angle);
        }
    }
  return rings;
}

static int
compare_dots_by_angle (gconstpointer a,
                       gconstpointer b)
{
  const Dot *x = *(Dot * const *) a, *y = *(Dot * const *) b;

  if (x->angle != y->angle)
    return x->angle < y->angle ? -1 : 1;
  return strcmp (hormiga_peer_item_get_peer_id (x->item), hormiga_peer_item_get_peer_id (y->item));
}

static gboolean
animations_enabled (HormigaNetworkGraph *self)
{
  gboolean enabled = TRUE;

  g_object_get (gtk_widget_get_settings (GTK_WIDGET (self)), "gtk-enable-animations", &enabled,
                NULL);
  return enabled;
}

/* Targets for every peer staying: its ring by bucket, its angle by key. */
static void
relayout (HormigaNetworkGraph *self)
{
  g_autoptr(GPtrArray) staying = g_ptr_array_new ();
  g_autofree HormigaGraphPlace *places = NULL;

  for (guint i = 0; i < self->dots->len; i++)
    {
      Dot *dot = g_ptr_array_index (self->dots, i);

      if (!dot->leaving)
        g_ptr_array_add (staying, dot);
    }
  places = g_new0 (HormigaGraphPlace, MAX (staying->len, 1));
  for (guint i = 0; i < staying->len; i++)
    {
      Dot *dot = g_ptr_array_index (staying, i);

      places[i].bucket = hormiga_peer_item_get_bucket (dot->item);
      places[i].angle = dot->angle;
      places[i].tie = hormiga_peer_item_get_peer_id (dot->item);
    }
  g_free (self->rings);
  self->rings = _hormiga_network_graph_layout (places, staying->len, &self->n_rings);
  for (guint i = 0; i < staying->len; i++)
    {
      Dot *dot = g_ptr_array_index (staying, i);

      dot->tx = places[i].x;
      dot->ty = places[i].y;
    }
}

/* ---- animation ------------------------------------------------------------- */

static void
forget_dot (HormigaNetworkGraph *self,
            guint                index)
{
  Dot *dot = g_ptr_array_index (self->dots, index);

  if (self->focus == dot->item)
    self->focus = NULL;
  if (self->hover == dot->item)
    self->hover = NULL;
  g_hash_table_remove (self->by_item, dot->item);
  g_ptr_array_remove_index (self->dots, index);
}

/* Moves every peer @fraction of the way to its target; TRUE when all are
 * there. Departed peers are dropped once faded out. */
static gboolean
step (HormigaNetworkGraph *self,
      double               fraction)
{
  gboolean settled = TRUE;

  for (guint i = self->dots->len; i-- > 0;)
    {
      Dot *dot = g_ptr_array_index (self->dots, i);

      dot->x += (dot->tx - dot->x) * fraction;
      dot->y += (dot->ty - dot->y) * fraction;
      dot->alpha += (dot->target_alpha - dot->alpha) * fraction;
      if (dot->leaving && dot->alpha < 0.02)
        {
          forget_dot (self, i);
          continue;
        }
      if (fabs (dot->tx - dot->x) > 0.001 || fabs (dot->ty - dot->y) > 0.001
          || fabs (dot->target_alpha - dot->alpha) > 0.01)
        settled = FALSE;
      else
        {
          dot->x = dot->tx;
          dot->y = dot->ty;
          dot->alpha = dot->target_alpha;
        }
    }
  return settled;
}

static gboolean
on_tick (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  HormigaNetworkGraph *self = HORMIGA_NETWORK_GRAPH (widget);
  gint64 now = gdk_frame_clock_get_frame_time (clock);
  double seconds = self->last_frame ? CLAMP ((now - self->last_frame) / 1e6, 0.0, 0.1) : 1.0 / 60;

  self->last_frame = now;
  self->pulse_time = now;
  gtk_widget_queue_draw (widget);
  /* Easing, then pulses: the clock runs only while something moves. */
  if (!step (self, 1.0 - exp (-EASE_RATE * seconds))
      || (count_pulses (self) > 0 && animations_enabled (self)))
    return G_SOURCE_CONTINUE;
  self->tick_id = 0;
  self->last_frame = 0;
  return G_SOURCE_REMOVE;
}

static void
animate (HormigaNetworkGraph *self)
{
  if (!animations_enabled (self))
    {
      step (self, 1.0);
      gtk_widget_queue_draw (GTK_WIDGET (self));
      return;
    }
  if (self->tick_id == 0)
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), on_tick, NULL, NULL);
}

/* ---- accessibility ------------------------------------------------------------- */

static gboolean
update_accessible (gpointer user_data)
{
  HormigaNetworkGraph *self = user_data;
  guint n_peers = hormiga_network_graph_get_n_peers (self);
  guint n_links = hormiga_network_graph_get_n_links (self);
  g_autofree char *description = NULL;

  self->accessible_idle = 0;
  description = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                              "%u peer shown, %u connected",
                                              "%u peers shown, %u connected", n_peers),
                                 n_peers, n_links);
  if (self->focus != NULL)
    {
      g_autofree char *summary = _hormiga_peer_dup_summary (self->focus);
      char *both = g_strdup_printf ("%s\n%s", description, summary);

      g_free (description);
      description = both;
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description,
                                  -1);
  return G_SOURCE_REMOVE;
}

static void
queue_accessible (HormigaNetworkGraph *self)
{
  if (self->accessible_idle == 0)
    self->accessible_idle = g_idle_add_full (G_PRIORITY_LOW, update_accessible, self, NULL);
}

/* ---- model ---------------------------------------------------------------------- */

static void
on_item_notify (HormigaPeerItem *item,
                GParamSpec      *pspec,
                gpointer         user_data)
{
  Dot *dot = user_data;
  HormigaNetworkGraph *self = dot->graph;

  gtk_widget_queue_draw (GTK_WIDGET (self));
  queue_accessible (self);
  if (dot_pulses (dot))
    animate (self);
}

static void
sync_dots (HormigaNetworkGraph *self)
{
  g_autoptr(GHashTable) present = g_hash_table_new (NULL, NULL);
  guint n = self->model ? g_list_model_get_n_items (self->model) : 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HormigaPeerItem) item = g_list_model_get_item (self->model, i);
      Dot *dot = g_hash_table_lookup (self->by_item, item);

      g_hash_table_add (present, item);
      if (dot != NULL)
        {
          if (dot->leaving)
            {
              dot->leaving = FALSE;
              dot->target_alpha = 1.0;
            }
          continue;
        }
      dot = g_new0 (Dot, 1);
      dot->item = g_object_ref (item);
      dot->angle = _hormiga_network_graph_key_angle (hormiga_peer_item_get_key (item));
      dot->target_alpha = 1.0;
      dot->graph = self;
      g_signal_connect (item, "notify", G_CALLBACK (on_item_notify), dot);
      g_ptr_array_add (self->dots, dot);
      g_hash_table_insert (self->by_item, item, dot);
    }

  for (guint i = 0; i < self->dots->len; i++)
    {
      Dot *dot = g_ptr_array_index (self->dots, i);

      if (!g_hash_table_contains (present, dot->item) && !dot->leaving)
        {
          dot->leaving = TRUE;
          dot->target_alpha = 0.0;
          /* Fly out past the outermost ring. */
          dot->tx = dot->x * 1.3;
          dot->ty = dot->y * 1.3;
          if (self->focus == dot->item)
            self->focus = NULL;
        }
    }

  relayout (self);
  /* Newcomers fly in from outside their place. */
  for (guint i = 0; i < self->dots->len; i++)
    {
      Dot *dot = g_ptr_array_index (self->dots, i);

      if (dot->alpha == 0.0 && !dot->leaving && dot->x == 0.0 && dot->y == 0.0)
        {
          dot->x = dot->tx * 1.3;
          dot->y = dot->ty * 1.3;
        }
    }
  animate (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  queue_accessible (self);
}

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  gpointer    user_data)
{
  sync_dots (HORMIGA_NETWORK_GRAPH (user_data));
}

/* ---- drawing -------------------------------------------------------------------- */

typedef struct
{
  gboolean dark;
  GdkRGBA  fg;
  GdkRGBA  accent;
  GdkRGBA  overlay;
  GdkRGBA  chain;
  GdkRGBA  card;
} Palette;

static void
lookup_color (GtkWidget  *widget,
              const char *name,
              const char *fallback,
              GdkRGBA    *color)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (!gtk_style_context_lookup_color (gtk_widget_get_style_context (widget), name, color))
    gdk_rgba_parse (color, fallback);
  G_GNUC_END_IGNORE_DEPRECATIONS
}

static void
get_palette (HormigaNetworkGraph *self,
             Palette             *palette)
{
  GtkWidget *widget = GTK_WIDGET (self);

  palette->dark = adw_style_manager_get_dark (adw_style_manager_get_default ());
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &palette->fg);
  G_GNUC_END_IGNORE_DEPRECATIONS
  lookup_color (widget, "accent_color", palette->dark ? "#78aeed" : "#1c71d8", &palette->accent);
  /* libadwaita's palette: purple 2 on dark, purple 3 on light. */
  lookup_color (widget, palette->dark ? "purple_2" : "purple_3",
                palette->dark ? "#c061cb" : "#9141ac", &palette->overlay);
  /* The contingency chain: orange 2 on dark, orange 4 on light. */
  lookup_color (widget, palette->dark ? "orange_2" : "orange_4",
                palette->dark ? "#ffa348" : "#e66100", &palette->chain);
  lookup_color (widget, "card_bg_color", palette->dark ? "#3a3a3a" : "#ffffff", &palette->card);
  palette->card.alpha = 1.0;
}

static void
set_source (cairo_t       *cr,
            const GdkRGBA *color,
            double         alpha)
{
  cairo_set_source_rgba (cr, color->red, color->green, color->blue, color->alpha * alpha);
}

static void
link_style (cairo_t         *cr,
            const Palette   *palette,
            HormigaPeerItem *item,
            double           alpha)
{
  static const double dashed[] = { 7.0, 5.0 };
  static const double dotted[] = { 1.5, 4.0 };
  HormigaPeerKind kind = hormiga_peer_item_get_kind (item);

  cairo_set_dash (cr, NULL, 0, 0);
  cairo_set_line_width (cr, 2.0);
  switch (kind)
    {
    case HORMIGA_PEER_KIND_CONNECTING:
      set_source (cr, &palette->fg, 0.45 * alpha);
      cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
      cairo_set_dash (cr, dotted, G_N_ELEMENTS (dotted), 0);
      return;
    case HORMIGA_PEER_KIND_RELAYED:
      cairo_set_dash (cr, dashed, G_N_ELEMENTS (dashed), 0);
      G_GNUC_FALLTHROUGH;
    case HORMIGA_PEER_KIND_DIRECT:
    case HORMIGA_PEER_KIND_KNOWN:
    default:
      cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);
      set_source (cr, hormiga_peer_item_get_overlay (item) ? &palette->overlay : &palette->accent,
                  alpha);
      return;
    }
}

static void
draw_text (cairo_t       *cr,
           GtkWidget     *widget,
           const char    *text,
           double         x,
           double         y,
           double         scale,
           gboolean       centred)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, text);
  const PangoFontDescription *base = pango_context_get_font_description (
                                       pango_layout_get_context (layout));
  PangoFontDescription *font = pango_font_description_copy (base);
  int width, height;

  pango_font_description_set_size (font, (int) (pango_font_description_get_size (font) * scale));
  pango_layout_set_font_description (layout, font);
  pango_layout_get_pixel_size (layout, &width, &height);
  cairo_move_to (cr, centred ? x - width / 2.0 : x, y);
  pango_cairo_show_layout (cr, layout);
  pango_font_description_free (font);
  g_object_unref (layout);
}

static double
legend_entry (cairo_t         *cr,
              GtkWidget       *widget,
              const Palette   *palette,
              double           x,
              double           y,
              const char      *label,
              const GdkRGBA   *color,
              const double    *dashes,
              int              n_dashes)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, label);
  int width, height;

  pango_layout_get_pixel_size (layout, &width, &height);
  cairo_set_line_width (cr, 2.0);
  cairo_set_dash (cr, dashes, n_dashes, 0);
  set_source (cr, color, 1.0);
  cairo_move_to (cr, x, y);
  cairo_line_to (cr, x + 22, y);
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);
  set_source (cr, &palette->fg, 0.75);
  cairo_move_to (cr, x + 28, y - height / 2.0);
  pango_cairo_show_layout (cr, layout);
  g_object_unref (layout);
  return x + 28 + width + 20;
}

static void
draw_legend (HormigaNetworkGraph *self,
             cairo_t             *cr,
             const Palette       *palette)
{
  static const double dashed[] = { 7.0, 5.0 };
  static const double dotted[] = { 1.5, 4.0 };
  GtkWidget *widget = GTK_WIDGET (self);
  double y = gtk_widget_get_height (widget) - LEGEND_HEIGHT / 2;
  double x = 12;
  GdkRGBA dim = palette->fg;

  dim.alpha *= 0.45;
  cairo_save (cr);
  x = legend_entry (cr, widget, palette, x, y, _("Direct"), &palette->accent, NULL, 0);
  x = legend_entry (cr, widget, palette, x, y, _("Relayed (TURN)"), &palette->accent,
                    dashed, G_N_ELEMENTS (dashed));
  /* Translators: legend of the Network graph: a connection negotiated
   * through other peers rather than through hormiguero */
  x = legend_entry (cr, widget, palette, x, y, _("Negotiated through the overlay"),
                    &palette->overlay, NULL, 0);
  x = legend_entry (cr, widget, palette, x, y, _("Connecting"), &dim,
                    dotted, G_N_ELEMENTS (dotted));
  /* Translators: legend of the Network graph: an arrow from a node to the
   * node that keeps its backup */
  legend_entry (cr, widget, palette, x, y, _("Backed up by (contingency)"), &palette->chain, NULL, 0);
  cairo_restore (cr);
}

/* An arrow bowed to the right of the line from (x0, y0) to (x1, y1),
 * ending at the edge of the circle of radius @end_gap around (x1, y1):
 * "x0 is backed up by x1". Two arrows between the same nodes (each backs
 * the other up) bow apart. */
static void
draw_chain_arrow (cairo_t       *cr,
                  const Palette *palette,
                  double         x0,
                  double         y0,
                  double         x1,
                  double         y1,
                  double         start_gap,
                  double         end_gap,
                  double         alpha)
{
  double dx = x1 - x0, dy = y1 - y0;
  double length = sqrt (dx * dx + dy * dy);
  double ux, uy, nx, ny, cx, cy, sx, sy, ex, ey, ax, ay, al;

  if (length < start_gap + end_gap + 4)
    return;
  ux = dx / length;
  uy = dy / length;
  nx = -uy;
  ny = ux;
  /* The control point, a sixth of the length to the side. */
  cx = (x0 + x1) / 2 + nx * length / 6;
  cy = (y0 + y1) / 2 + ny * length / 6;
  /* Start and end on the circles, along the curve's tangents. */
  ax = cx - x0;
  ay = cy - y0;
  al = sqrt (ax * ax + ay * ay);
  sx = x0 + ax / al * start_gap;
  sy = y0 + ay / al * start_gap;
  ax = x1 - cx;
  ay = y1 - cy;
  al = sqrt (ax * ax + ay * ay);
  ux = ax / al;
  uy = ay / al;
  ex = x1 - ux * end_gap;
  ey = y1 - uy * end_gap;

  set_source (cr, &palette->chain, alpha);
  cairo_set_dash (cr, NULL, 0, 0);
  cairo_set_line_width (cr, 2.0);
  cairo_move_to (cr, sx, sy);
  cairo_curve_to (cr, (sx + 2 * cx) / 3, (sy + 2 * cy) / 3, (ex + 2 * cx) / 3, (ey + 2 * cy) / 3,
                  ex, ey);
  cairo_stroke (cr);
  /* The head. */
  cairo_move_to (cr, ex, ey);
  cairo_line_to (cr, ex - ux * 9 + uy * 4.5, ey - uy * 9 - ux * 4.5);
  cairo_line_to (cr, ex - ux * 9 - uy * 4.5, ey - uy * 9 + ux * 4.5);
  cairo_close_path (cr);
  cairo_fill (cr);
}

static void
draw_dot (HormigaNetworkGraph *self,
          cairo_t             *cr,
          const Palette       *palette,
          const Geometry      *geometry,
          Dot                 *dot,
          gboolean             label)
{
  HormigaPeerKind kind = hormiga_peer_item_get_kind (dot->item);
  gboolean connected = kind == HORMIGA_PEER_KIND_DIRECT || kind == HORMIGA_PEER_KIND_RELAYED;
  double r = geometry->dot_radius;
  double x, y, side;

  dot_point (geometry, dot, &x, &y);

  if (dot->item == self->hover)
    {
      set_source (cr, &palette->fg, 0.12 * dot->alpha);
      cairo_arc (cr, x, y, r + 5, 0, 2 * G_PI);
      cairo_fill (cr);
    }

  set_source (cr, &palette->card, dot->alpha);
  cairo_arc (cr, x, y, r, 0, 2 * G_PI);
  cairo_fill (cr);

  side = r * 1.3;
  cairo_push_group (cr);
  hormiga_identicon_draw (cr, hormiga_peer_item_get_key (dot->item), palette->dark,
                          x - side / 2, y - side / 2, side);
  cairo_pop_group_to_source (cr);
  cairo_paint_with_alpha (cr, dot->alpha * (connected || kind == HORMIGA_PEER_KIND_CONNECTING
                                            ? 1.0 : 0.55));

  cairo_set_dash (cr, NULL, 0, 0);
  if (connected)
    {
      cairo_set_line_width (cr, 2.0);
      set_source (cr, hormiga_peer_item_get_overlay (dot->item) ? &palette->overlay
                                                                : &palette->accent, dot->alpha);
    }
  else
    {
      cairo_set_line_width (cr, 1.0);
      set_source (cr, &palette->fg, 0.3 * dot->alpha);
    }
  cairo_arc (cr, x, y, r, 0, 2 * G_PI);
  cairo_stroke (cr);

  if (dot->item == self->focus && gtk_widget_has_focus (GTK_WIDGET (self)))
    {
      cairo_set_line_width (cr, 3.0);
      set_source (cr, &palette->accent, 0.7);
      cairo_arc (cr, x, y, r + 5, 0, 2 * G_PI);
      cairo_stroke (cr);
    }

  if (label)
    {
      set_source (cr, &palette->fg, 0.7 * dot->alpha);
      draw_text (cr, GTK_WIDGET (self), hormiga_peer_item_get_short_id (dot->item), x, y + r + 3,
                 0.75, TRUE);
    }
}

static void
hormiga_network_graph_snapshot (GtkWidget   *widget,
                                GtkSnapshot *snapshot)
{
  HormigaNetworkGraph *self = HORMIGA_NETWORK_GRAPH (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  gboolean labels = count_visible (self) <= MAX_LABELS;
  Geometry geometry;
  Palette palette;
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;
  get_geometry (self, &geometry);
  get_palette (self, &palette);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));

  /* Rings: the DHT's buckets, closest inside. */
  cairo_set_line_width (cr, 1.0);
  set_source (cr, &palette.fg, 0.10);
  for (guint r = 0; r < self->n_rings; r++)
    {
      cairo_new_sub_path (cr);
      cairo_arc (cr, geometry.cx, geometry.cy, self->rings[r] * geometry.radius, 0, 2 * G_PI);
    }
  cairo_stroke (cr);

  /* Lines for connections, under the peers. */
  for (guint i = 0; i < self->dots->len; i++)
    {
      Dot *dot = g_ptr_array_index (self->dots, i);
      double x, y;

      if (hormiga_peer_item_get_kind (dot->item) == HORMIGA_PEER_KIND_KNOWN)
        continue;
      dot_point (&geometry, dot, &x, &y);
      link_style (cr, &palette, dot->item, dot->alpha);
      if (dot->item == self->focus || dot->item == self->hover)
        cairo_set_line_width (cr, 3.0);
      cairo_move_to (cr, geometry.cx, geometry.cy);
      cairo_line_to (cr, x, y);
      cairo_stroke (cr);
    }
  cairo_set_dash (cr, NULL, 0, 0);

  /* Activity: pulses from this node to peers that chunks move to or from,
   * two on each line; still, halfway, without animations. */
  for (guint i = 0; i < self->dots->len; i++)
    {
      Dot *dot = g_ptr_array_index (self->dots, i);
      gboolean moving = animations_enabled (self);
      double x, y, dx, dy, length;

      if (!dot_pulses (dot))
        continue;
      dot_point (&geometry, dot, &x, &y);
      dx = x - geometry.cx;
      dy = y - geometry.cy;
      length = sqrt (dx * dx + dy * dy);
      if (length < CENTRE_RADIUS + geometry.dot_radius + 2 * PULSE_RADIUS)
        continue;
      link_style (cr, &palette, dot->item, 1.0);
      for (guint k = 0; k < (moving ? 2 : 1); k++)
        {
          /* Offset by the peer's angle, so lines do not pulse in step. */
          double phase = moving ? fmod (self->pulse_time / (PULSE_PERIOD * G_USEC_PER_SEC)
                                        + dot->angle / (2 * G_PI) + k * 0.5, 1.0)
                                : 0.5;
          double from = CENTRE_RADIUS + PULSE_RADIUS;
          double along = from + (length - geometry.dot_radius - PULSE_RADIUS - from) * phase;

          cairo_save (cr);
          cairo_push_group (cr);
          /* A bead with a halo. */
          cairo_arc (cr, geometry.cx + dx / length * along, geometry.cy + dy / length * along,
                     PULSE_RADIUS, 0, 2 * G_PI);
          cairo_fill (cr);
          cairo_save (cr);
          cairo_set_operator (cr, CAIRO_OPERATOR_OVER);
          cairo_arc (cr, geometry.cx + dx / length * along, geometry.cy + dy / length * along,
                     PULSE_RADIUS * 2, 0, 2 * G_PI);
          cairo_clip (cr);
          cairo_paint_with_alpha (cr, 0.25);
          cairo_restore (cr);
          cairo_pop_group_to_source (cr);
          /* Fading in and out at the ends. */
          cairo_paint_with_alpha (cr, dot->alpha * (moving ? sin (G_PI * phase) : 1.0));
          cairo_restore (cr);
        }
    }

  /* The contingency chain: this node → its contingents, the nodes it
   * protects → this node. */
  for (guint i = 0; i < self->dots->len; i++)
    {
      Dot *dot = g_ptr_array_index (self->dots, i);
      HormigaPeerRole role = hormiga_peer_item_get_role (dot->item);
      double x, y;

      if (role == HORMIGA_PEER_ROLE_NEIGHBOUR)
        continue;
      dot_point (&geometry, dot, &x, &y);
      if (role == HORMIGA_PEER_ROLE_CONTINGENT || role == HORMIGA_PEER_ROLE_MUTUAL)
        draw_chain_arrow (cr, &palette, geometry.cx, geometry.cy, x, y, CENTRE_RADIUS + 2,
                          geometry.dot_radius + 3, dot->alpha);
      if (role == HORMIGA_PEER_ROLE_PROTECTED || role == HORMIGA_PEER_ROLE_MUTUAL)
        draw_chain_arrow (cr, &palette, x, y, geometry.cx, geometry.cy, geometry.dot_radius + 2,
                          CENTRE_RADIUS + 3, dot->alpha);
    }

  for (guint i = 0; i < self->dots->len; i++)
    draw_dot (self, cr, &palette, &geometry, g_ptr_array_index (self->dots, i), labels);

  /* This node. */
  set_source (cr, &palette.card, 1.0);
  cairo_arc (cr, geometry.cx, geometry.cy, CENTRE_RADIUS, 0, 2 * G_PI);
  cairo_fill (cr);
  if (self->has_self_key)
    hormiga_identicon_draw (cr, self->self_key, palette.dark, geometry.cx - CENTRE_RADIUS * 0.65,
                            geometry.cy - CENTRE_RADIUS * 0.65, CENTRE_RADIUS * 1.3);
  cairo_set_line_width (cr, 3.0);
  set_source (cr, &palette.accent, 1.0);
  cairo_arc (cr, geometry.cx, geometry.cy, CENTRE_RADIUS, 0, 2 * G_PI);
  cairo_stroke (cr);
  set_source (cr, &palette.fg, 0.9);
  /* Translators: the label of this node at the centre of the Network graph */
  draw_text (cr, widget, _("This node"), geometry.cx, geometry.cy + CENTRE_RADIUS + 4, 0.85, TRUE);

  draw_legend (self, cr, &palette);
  cairo_destroy (cr);
}

/* ---- interaction ----------------------------------------------------------------- */

static Dot *
hit (HormigaNetworkGraph *self,
     double               x,
     double               y)
{
  Geometry geometry;
  Dot *best = NULL;
  double best_distance = G_MAXDOUBLE;

  get_geometry (self, &geometry);
  for (guint i = 0; i < self->dots->len; i++)
    {
      Dot *dot = g_ptr_array_index (self->dots, i);
      double dx, dy, distance;

      if (dot->leaving)
        continue;
      dot_point (&geometry, dot, &dx, &dy);
      distance = hypot (dx - x, dy - y);
      if (distance <= geometry.dot_radius + 4 && distance < best_distance)
        {
          best = dot;
          best_distance = distance;
        }
    }
  return best;
}

/* The peers shown, clockwise from the top, inner rings first at equal
 * angles. */
static GPtrArray *
focus_order (HormigaNetworkGraph *self)
{
  GPtrArray *order = g_ptr_array_new ();

  for (guint i = 0; i < self->dots->len; i++)
    if (!((Dot *) g_ptr_array_index (self->dots, i))->leaving)
      g_ptr_array_add (order, g_ptr_array_index (self->dots, i));
  g_ptr_array_sort (order, compare_dots_by_angle);
  return order;
}

static void
set_focus (HormigaNetworkGraph *self,
           HormigaPeerItem     *item)
{
  if (self->focus == item)
    return;
  self->focus = item;
  if (self->popover != NULL)
    gtk_popover_popdown (GTK_POPOVER (self->popover));
  gtk_widget_queue_draw (GTK_WIDGET (self));
  queue_accessible (self);
}

/* Moves the focus ring @delta places in focus order; FALSE at either end
 * when @wrap is not set. */
static gboolean
move_focus (HormigaNetworkGraph *self,
            int                  delta,
            gboolean             wrap)
{
  g_autoptr(GPtrArray) order = focus_order (self);
  int index = -1;
  int next;

  if (order->len == 0)
    return FALSE;
  for (guint i = 0; i < order->len; i++)
    if (((Dot *) g_ptr_array_index (order, i))->item == self->focus)
      index = (int) i;

  if (index < 0)
    next = delta > 0 ? 0 : (int) order->len - 1;
  else
    next = index + delta;
  if (next < 0 || next >= (int) order->len)
    {
      if (!wrap)
        return FALSE;
      next = (next + (int) order->len) % (int) order->len;
    }
  set_focus (self, ((Dot *) g_ptr_array_index (order, next))->item);
  return TRUE;
}

static gboolean
hormiga_network_graph_focus (GtkWidget        *widget,
                             GtkDirectionType  direction)
{
  HormigaNetworkGraph *self = HORMIGA_NETWORK_GRAPH (widget);
  gboolean forward = direction == GTK_DIR_TAB_FORWARD || direction == GTK_DIR_RIGHT
                     || direction == GTK_DIR_DOWN;

  if (!gtk_widget_has_focus (widget))
    {
      /* Entering: on the first peer, or the last when going back. */
      gtk_widget_grab_focus (widget);
      self->focus = NULL;
      move_focus (self, forward ? 1 : -1, FALSE);
      gtk_widget_queue_draw (widget);
      return TRUE;
    }
  if (direction != GTK_DIR_TAB_FORWARD && direction != GTK_DIR_TAB_BACKWARD)
    return move_focus (self, forward ? 1 : -1, TRUE);
  /* Tab past the last peer leaves the graph. */
  return move_focus (self, forward ? 1 : -1, FALSE);
}

static gboolean
on_key_pressed (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                gpointer               user_data)
{
  HormigaNetworkGraph *self = user_data;

  switch (keyval)
    {
    case GDK_KEY_Right:
    case GDK_KEY_Down:
    case GDK_KEY_KP_Right:
    case GDK_KEY_KP_Down:
      move_focus (self, 1, TRUE);
      return TRUE;
    case GDK_KEY_Left:
    case GDK_KEY_Up:
    case GDK_KEY_KP_Left:
    case GDK_KEY_KP_Up:
      move_focus (self, -1, TRUE);
      return TRUE;
    case GDK_KEY_Return:
    case GDK_KEY_KP_Enter:
    case GDK_KEY_ISO_Enter:
    case GDK_KEY_space:
      return hormiga_network_graph_show_details (self);
    default:
      return FALSE;
    }
}

static void
on_motion (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           gpointer                  user_data)
{
  HormigaNetworkGraph *self = user_data;
  Dot *dot = hit (self, x, y);
  HormigaPeerItem *item = dot ? dot->item : NULL;

  if (item == self->hover)
    return;
  self->hover = item;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_leave (GtkEventControllerMotion *controller,
          gpointer                  user_data)
{
  HormigaNetworkGraph *self = user_data;

  if (self->hover == NULL)
    return;
  self->hover = NULL;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* A file dragged over a peer: the peer under it is highlighted, and the
 * file is offered to it when dropped. */
static GdkDragAction
on_drop_motion (GtkDropTarget *target,
                double         x,
                double         y,
                gpointer       user_data)
{
  HormigaNetworkGraph *self = user_data;
  Dot *dot = hit (self, x, y);

  on_motion (NULL, x, y, self);
  return dot != NULL ? GDK_ACTION_COPY : 0;
}

static gboolean
on_drop (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         gpointer       user_data)
{
  HormigaNetworkGraph *self = user_data;
  Dot *dot = hit (self, x, y);

  on_leave (NULL, self);
  if (dot == NULL)
    return FALSE;
  return _hormiga_send_dropped_files (GTK_WIDGET (self), hormiga_peer_item_get_peer_id (dot->item),
                                      value);
}

static void
on_drop_leave (GtkDropTarget *target,
               gpointer       user_data)
{
  on_leave (NULL, user_data);
}

static void
on_pressed (GtkGestureClick *gesture,
            int              n_press,
            double           x,
            double           y,
            gpointer         user_data)
{
  HormigaNetworkGraph *self = user_data;
  Dot *dot = hit (self, x, y);

  gtk_widget_grab_focus (GTK_WIDGET (self));
  if (dot == NULL)
    return;
  set_focus (self, dot->item);
  hormiga_network_graph_show_details (self);
}

static gboolean
hormiga_network_graph_query_tooltip (GtkWidget  *widget,
                                     int         x,
                                     int         y,
                                     gboolean    keyboard,
                                     GtkTooltip *tooltip)
{
  HormigaNetworkGraph *self = HORMIGA_NETWORK_GRAPH (widget);
  g_autofree char *text = NULL;
  Geometry geometry;
  Dot *dot = NULL;
  double px, py;

  get_geometry (self, &geometry);
  if (keyboard)
    dot = self->focus ? g_hash_table_lookup (self->by_item, self->focus) : NULL;
  else
    dot = hit (self, x, y);

  if (dot != NULL)
    {
      text = _hormiga_peer_dup_summary (dot->item);
      dot_point (&geometry, dot, &px, &py);
      gtk_tooltip_set_tip_area (tooltip, &(GdkRectangle) {
                                  (int) (px - geometry.dot_radius), (int) (py - geometry.dot_radius),
                                  (int) (2 * geometry.dot_radius), (int) (2 * geometry.dot_radius) });
    }
  else if (!keyboard && hypot (x - geometry.cx, y - geometry.cy) <= CENTRE_RADIUS
           && self->self_peer_id != NULL)
    text = g_strdup_printf ("%s\n%s", _("This node"), self->self_peer_id);

  if (text == NULL)
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

/* ---- widget ---------------------------------------------------------------------- */

static void
hormiga_network_graph_measure (GtkWidget      *widget,
                               GtkOrientation  orientation,
                               int             for_size,
                               int            *minimum,
                               int            *natural,
                               int            *minimum_baseline,
                               int            *natural_baseline)
{
  *minimum = 280;
  *natural = 560;
}

static void
hormiga_network_graph_size_allocate (GtkWidget *widget,
                                     int        width,
                                     int        height,
                                     int        baseline)
{
  HormigaNetworkGraph *self = HORMIGA_NETWORK_GRAPH (widget);

  if (self->popover != NULL)
    gtk_popover_present (GTK_POPOVER (self->popover));
}

static void
hormiga_network_graph_state_flags_changed (GtkWidget     *widget,
                                           GtkStateFlags  previous)
{
  GTK_WIDGET_CLASS (hormiga_network_graph_parent_class)->state_flags_changed (widget, previous);
  /* The focus ring shows only while the graph has the focus. */
  if ((previous ^ gtk_widget_get_state_flags (widget)) & GTK_STATE_FLAG_FOCUS_VISIBLE)
    gtk_widget_queue_draw (widget);
}

static void
hormiga_network_graph_css_changed (GtkWidget         *widget,
                                   GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (hormiga_network_graph_parent_class)->css_changed (widget, change);
  /* Dark or light, another accent. */
  gtk_widget_queue_draw (widget);
}

GtkWidget *
hormiga_network_graph_new (void)
{
  return g_object_new (HORMIGA_TYPE_NETWORK_GRAPH, NULL);
}

void
hormiga_network_graph_set_model (HormigaNetworkGraph *self,
                                 GListModel          *model)
{
  g_return_if_fail (HORMIGA_IS_NETWORK_GRAPH (self));
  g_return_if_fail (model == NULL || G_IS_LIST_MODEL (model));

  if (self->model == model)
    return;
  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_set_object (&self->model, model);
  if (self->model != NULL)
    g_signal_connect_object (self->model, "items-changed", G_CALLBACK (on_items_changed), self, 0);
  sync_dots (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODEL]);
}

GListModel *
hormiga_network_graph_get_model (HormigaNetworkGraph *self)
{
  g_return_val_if_fail (HORMIGA_IS_NETWORK_GRAPH (self), NULL);
  return self->model;
}

void
hormiga_network_graph_set_self_peer_id (HormigaNetworkGraph *self,
                                        const char          *peer_id)
{
  g_autoptr(HormigaPeerId) parsed = NULL;

  g_return_if_fail (HORMIGA_IS_NETWORK_GRAPH (self));

  if (g_strcmp0 (self->self_peer_id, peer_id) == 0)
    return;
  g_free (self->self_peer_id);
  self->self_peer_id = g_strdup (peer_id);
  parsed = peer_id ? hormiga_peer_id_parse (peer_id, NULL) : NULL;
  self->has_self_key = parsed != NULL;
  if (parsed != NULL)
    memcpy (self->self_key, hormiga_peer_id_get_dht_key (parsed), sizeof self->self_key);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELF_PEER_ID]);
}

const char *
hormiga_network_graph_get_self_peer_id (HormigaNetworkGraph *self)
{
  g_return_val_if_fail (HORMIGA_IS_NETWORK_GRAPH (self), NULL);
  return self->self_peer_id;
}

guint
hormiga_network_graph_get_n_peers (HormigaNetworkGraph *self)
{
  g_return_val_if_fail (HORMIGA_IS_NETWORK_GRAPH (self), 0);
  return count_visible (self);
}

guint
hormiga_network_graph_get_n_links (HormigaNetworkGraph *self)
{
  guint n = 0;

  g_return_val_if_fail (HORMIGA_IS_NETWORK_GRAPH (self), 0);

  for (guint i = 0; i < self->dots->len; i++)
    {
      Dot *dot = g_ptr_array_index (self->dots, i);

      if (!dot->leaving && hormiga_peer_item_get_connected (dot->item))
        n++;
    }
  return n;
}

guint
hormiga_network_graph_get_n_pulses (HormigaNetworkGraph *self)
{
  g_return_val_if_fail (HORMIGA_IS_NETWORK_GRAPH (self), 0);
  return count_pulses (self);
}

gboolean
hormiga_network_graph_get_animating (HormigaNetworkGraph *self)
{
  g_return_val_if_fail (HORMIGA_IS_NETWORK_GRAPH (self), FALSE);
  return self->tick_id != 0;
}

guint
hormiga_network_graph_get_n_chain_arrows (HormigaNetworkGraph *self,
                                          guint               *n_out,
                                          guint               *n_in)
{
  guint out = 0, in = 0;

  g_return_val_if_fail (HORMIGA_IS_NETWORK_GRAPH (self), 0);

  for (guint i = 0; i < self->dots->len; i++)
    {
      Dot *dot = g_ptr_array_index (self->dots, i);
      HormigaPeerRole role = hormiga_peer_item_get_role (dot->item);

      if (dot->leaving)
        continue;
      if (role == HORMIGA_PEER_ROLE_CONTINGENT || role == HORMIGA_PEER_ROLE_MUTUAL)
        out++;
      if (role == HORMIGA_PEER_ROLE_PROTECTED || role == HORMIGA_PEER_ROLE_MUTUAL)
        in++;
    }
  if (n_out != NULL)
    *n_out = out;
  if (n_in != NULL)
    *n_in = in;
  return out + in;
}

HormigaPeerItem *
hormiga_network_graph_get_focused_peer (HormigaNetworkGraph *self)
{
  g_return_val_if_fail (HORMIGA_IS_NETWORK_GRAPH (self), NULL);
  return self->focus;
}

void
hormiga_network_graph_focus_peer (HormigaNetworkGraph *self,
                                  HormigaPeerItem     *item)
{
  Dot *dot;

  g_return_if_fail (HORMIGA_IS_NETWORK_GRAPH (self));

  dot = item ? g_hash_table_lookup (self->by_item, item) : NULL;
  set_focus (self, dot && !dot->leaving ? item : NULL);
}

gboolean
hormiga_network_graph_get_peer_position (HormigaNetworkGraph *self,
                                         HormigaPeerItem     *item,
                                         graphene_point_t    *point)
{
  Geometry geometry;
  Dot *dot;
  double x, y;

  g_return_val_if_fail (HORMIGA_IS_NETWORK_GRAPH (self), FALSE);

  dot = item ? g_hash_table_lookup (self->by_item, item) : NULL;
  if (dot == NULL || dot->leaving)
    return FALSE;
  get_geometry (self, &geometry);
  dot_point (&geometry, dot, &x, &y);
  graphene_point_init (point, (float) x, (float) y);
  return TRUE;
}

gboolean
hormiga_network_graph_show_details (HormigaNetworkGraph *self)
{
  g_autofree char *summary = NULL;
  graphene_point_t point;
  int side;

  g_return_val_if_fail (HORMIGA_IS_NETWORK_GRAPH (self), FALSE);

  if (self->focus == NULL || !hormiga_network_graph_get_peer_position (self, self->focus, &point))
    return FALSE;

  if (self->popover == NULL)
    {
      self->popover = gtk_popover_new ();
      self->popover_label = GTK_LABEL (gtk_label_new (NULL));
      gtk_label_set_selectable (self->popover_label, TRUE);
      gtk_label_set_wrap (self->popover_label, TRUE);
      gtk_label_set_max_width_chars (self->popover_label, 60);
      gtk_label_set_xalign (self->popover_label, 0);
      /* Translators: a button in a peer's details, in the Network view */
      self->popover_send = gtk_button_new_with_mnemonic (_("_Send File…"));
      gtk_widget_set_halign (self->popover_send, GTK_ALIGN_END);
      {
        GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);

        gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->popover_label));
        gtk_box_append (GTK_BOX (box), self->popover_send);
        gtk_popover_set_child (GTK_POPOVER (self->popover), box);
      }
      gtk_widget_set_parent (self->popover, GTK_WIDGET (self));
    }
  summary = _hormiga_peer_dup_summary (self->focus);
  gtk_label_set_text (self->popover_label, summary);
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (self->popover_send),
                                          g_variant_new_string (hormiga_peer_item_get_peer_id (self->focus)));
  /* The name after the target: a button with the one but not the other
   * complains that it cannot activate the action. */
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->popover_send), "win.send-file");
  side = 20;
  gtk_popover_set_pointing_to (GTK_POPOVER (self->popover), &(GdkRectangle) {
                                 (int) point.x - side / 2, (int) point.y - side / 2, side, side });
  gtk_popover_popup (GTK_POPOVER (self->popover));
  return TRUE;
}

static void
hormiga_network_graph_dispose (GObject *object)
{
  HormigaNetworkGraph *self = HORMIGA_NETWORK_GRAPH (object);

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_clear_object (&self->model);
  if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
  g_clear_handle_id (&self->accessible_idle, g_source_remove);
  self->focus = self->hover = NULL;
  g_hash_table_remove_all (self->by_item);
  g_ptr_array_set_size (self->dots, 0);
  g_clear_pointer (&self->popover, gtk_widget_unparent);

  G_OBJECT_CLASS (hormiga_network_graph_parent_class)->dispose (object);
}

static void
hormiga_network_graph_finalize (GObject *object)
{
  HormigaNetworkGraph *self = HORMIGA_NETWORK_GRAPH (object);

  g_ptr_array_unref (self->dots);
  g_hash_table_unref (self->by_item);
  g_free (self->rings);
  g_free (self->self_peer_id);

  G_OBJECT_CLASS (hormiga_network_graph_parent_class)->finalize (object);
}

static void
hormiga_network_graph_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  HormigaNetworkGraph *self = HORMIGA_NETWORK_GRAPH (object);

  switch (prop_id)
    {
    case PROP_MODEL:        g_value_set_object (value, self->model); break;
    case PROP_SELF_PEER_ID: g_value_set_string (value, self->self_peer_id); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hormiga_network_graph_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  HormigaNetworkGraph *self = HORMIGA_NETWORK_GRAPH (object);

  switch (prop_id)
    {
    case PROP_MODEL:        hormiga_network_graph_set_model (self, g_value_get_object (value)); break;
    case PROP_SELF_PEER_ID: hormiga_network_graph_set_self_peer_id (self, g_value_get_string (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hormiga_network_graph_class_init (HormigaNetworkGraphClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hormiga_network_graph_dispose;
  object_class->finalize = hormiga_network_graph_finalize;
  object_class->get_property = hormiga_network_graph_get_property;
  object_class->set_property = hormiga_network_graph_set_property;
  widget_class->measure = hormiga_network_graph_measure;
  widget_class->size_allocate = hormiga_network_graph_size_allocate;
  widget_class->snapshot = hormiga_network_graph_snapshot;
  widget_class->focus = hormiga_network_graph_focus;
  widget_class->query_tooltip = hormiga_network_graph_query_tooltip;
  widget_class->state_flags_changed = hormiga_network_graph_state_flags_changed;
  widget_class->css_changed = hormiga_network_graph_css_changed;

  properties[PROP_MODEL] =
    g_param_spec_object ("model", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_SELF_PEER_ID] =
    g_param_spec_string ("self-peer-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "networkgraph");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
hormiga_network_graph_init (HormigaNetworkGraph *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  GtkEventController *controller;
  GtkGesture *gesture;

  self->dots = g_ptr_array_new_with_free_func (dot_free);
  self->by_item = g_hash_table_new (NULL, NULL);
  self->rings = g_new0 (double, 1);

  gtk_widget_set_focusable (widget, TRUE);
  gtk_widget_set_has_tooltip (widget, TRUE);
  gtk_widget_set_hexpand (widget, TRUE);
  gtk_widget_set_vexpand (widget, TRUE);

  controller = gtk_event_controller_key_new ();
  g_signal_connect (controller, "key-pressed", G_CALLBACK (on_key_pressed), self);
  gtk_widget_add_controller (widget, controller);

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (controller, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (widget, controller);

  controller = GTK_EVENT_CONTROLLER (gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY));
  g_signal_connect (controller, "motion", G_CALLBACK (on_drop_motion), self);
  g_signal_connect (controller, "leave", G_CALLBACK (on_drop_leave), self);
  g_signal_connect (controller, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (widget, controller);

  gesture = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (gesture), GDK_BUTTON_PRIMARY);
  g_signal_connect (gesture, "pressed", G_CALLBACK (on_pressed), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (gesture));

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  /* Translators: accessible name of the Network graph */
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Network graph"),
                                  -1);
}
