/* hormiga-identicon.c — a peer's face: a symmetric 5×5 pattern from its key
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Fifteen bits of the key fill the left three columns of a 5×5 grid, which
 * is mirrored onto the right two; two more bytes give the hue. The same
 * drawing serves the Peers list (this widget) and the Network graph
 * (hormiga_identicon_draw()).
 */
#include <math.h>
#include <string.h>

#include "hormiga-identicon.h"

#define GRID 5

struct _HormigaIdenticon
{
  GtkWidget parent_instance;

  guint8    key[HORMIGA_IDENTICON_KEY_SIZE];
  gboolean  has_key;
  int       pixel_size;
};

G_DEFINE_FINAL_TYPE (HormigaIdenticon, hormiga_identicon, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_PIXEL_SIZE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

void
hormiga_identicon_get_color (const guint8 *key,
                             gboolean      dark,
                             GdkRGBA      *color)
{
  float hue, r, g, b;

  g_return_if_fail (key != NULL && color != NULL);

  hue = (float) ((key[30] << 8) | key[31]) / 65536.0f;
  gtk_hsv_to_rgb (hue, dark ? 0.45f : 0.65f, dark ? 0.92f : 0.72f, &r, &g, &b);
  *color = (GdkRGBA) { r, g, b, 1.0f };
}

static gboolean
cell_filled (const guint8 *key,
             guint         row,
             guint         column)
{
  guint bit;

  if (column >= 3)
    column = GRID - 1 - column;
  bit = row * 3 + column;
  return (key[bit / 8] >> (bit % 8)) & 1;
}

static void
rounded_rectangle (cairo_t *cr,
                   double   x,
                   double   y,
                   double   size,
                   double   radius)
{
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + size - radius, y + radius, radius, -G_PI_2, 0);
  cairo_arc (cr, x + size - radius, y + size - radius, radius, 0, G_PI_2);
  cairo_arc (cr, x + radius, y + size - radius, radius, G_PI_2, G_PI);
  cairo_arc (cr, x + radius, y + radius, radius, G_PI, 3 * G_PI_2);
  cairo_close_path (cr);
}

void
hormiga_identicon_draw (cairo_t      *cr,
                        const guint8 *key,
                        gboolean      dark,
                        double        x,
                        double        y,
                        double        size)
{
  GdkRGBA color;
  double cell, inset;

  g_return_if_fail (cr != NULL && key != NULL);

  hormiga_identicon_get_color (key, dark, &color);
  cairo_save (cr);
  rounded_rectangle (cr, x, y, size, size * 0.22);
  cairo_set_source_rgba (cr, color.red, color.green, color.blue, dark ? 0.22 : 0.16);
  cairo_fill (cr);

  inset = size * 0.14;
  cell = (size - 2 * inset) / GRID;
  cairo_set_source_rgb (cr, color.red, color.green, color.blue);
  for (guint row = 0; row < GRID; row++)
    for (guint column = 0; column < GRID; column++)
      if (cell_filled (key, row, column))
        /* A hair wider than the cell, so that neighbours join seamlessly. */
        cairo_rectangle (cr, x + inset + column * cell, y + inset + row * cell,
                         cell + 0.25, cell + 0.25);
  cairo_fill (cr);
  cairo_restore (cr);
}

GtkWidget *
hormiga_identicon_new (void)
{
  return g_object_new (HORMIGA_TYPE_IDENTICON, NULL);
}

void
hormiga_identicon_set_key (HormigaIdenticon *self,
                           const guint8     *key)
{
  g_return_if_fail (HORMIGA_IS_IDENTICON (self));

  if (key == NULL && !self->has_key)
    return;
  if (key != NULL && self->has_key && memcmp (self->key, key, sizeof self->key) == 0)
    return;
  self->has_key = key != NULL;
  if (key != NULL)
    memcpy (self->key, key, sizeof self->key);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

const guint8 *
hormiga_identicon_get_key (HormigaIdenticon *self)
{
  g_return_val_if_fail (HORMIGA_IS_IDENTICON (self), NULL);
  return self->has_key ? self->key : NULL;
}

void
hormiga_identicon_set_pixel_size (HormigaIdenticon *self,
                                  int               pixel_size)
{
  g_return_if_fail (HORMIGA_IS_IDENTICON (self));

  if (self->pixel_size == pixel_size)
    return;
  self->pixel_size = pixel_size;
  gtk_widget_queue_resize (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PIXEL_SIZE]);
}

int
hormiga_identicon_get_pixel_size (HormigaIdenticon *self)
{
  g_return_val_if_fail (HORMIGA_IS_IDENTICON (self), 0);
  return self->pixel_size;
}

static void
hormiga_identicon_measure (GtkWidget      *widget,
                           GtkOrientation  orientation,
                           int             for_size,
                           int            *minimum,
                           int            *natural,
                           int            *minimum_baseline,
                           int            *natural_baseline)
{
  *minimum = *natural = HORMIGA_IDENTICON (widget)->pixel_size;
}

static void
hormiga_identicon_snapshot (GtkWidget   *widget,
                            GtkSnapshot *snapshot)
{
  HormigaIdenticon *self = HORMIGA_IDENTICON (widget);
  double size = MIN (gtk_widget_get_width (widget), gtk_widget_get_height (widget));
  cairo_t *cr;

  if (!self->has_key || size <= 0)
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, size, size));
  hormiga_identicon_draw (cr, self->key, adw_style_manager_get_dark (adw_style_manager_get_default ()),
                          0, 0, size);
  cairo_destroy (cr);
}

static void
hormiga_identicon_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  HormigaIdenticon *self = HORMIGA_IDENTICON (object);

  switch (prop_id)
    {
    case PROP_PIXEL_SIZE: g_value_set_int (value, self->pixel_size); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hormiga_identicon_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  HormigaIdenticon *self = HORMIGA_IDENTICON (object);

  switch (prop_id)
    {
    case PROP_PIXEL_SIZE: hormiga_identicon_set_pixel_size (self, g_value_get_int (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hormiga_identicon_class_init (HormigaIdenticonClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = hormiga_identicon_get_property;
  object_class->set_property = hormiga_identicon_set_property;
  widget_class->measure = hormiga_identicon_measure;
  widget_class->snapshot = hormiga_identicon_snapshot;

  properties[PROP_PIXEL_SIZE] =
    g_param_spec_int ("pixel-size", NULL, NULL, 8, 512, 32,
                      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "identicon");
  /* Decorative: the row next to it names the peer. */
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_PRESENTATION);
}

static void
hormiga_identicon_init (HormigaIdenticon *self)
{
  self->pixel_size = 32;
}
