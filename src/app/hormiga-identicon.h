/* hormiga-identicon.h — a peer's face: a symmetric 5×5 pattern from its key
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define HORMIGA_IDENTICON_KEY_SIZE 32

/* The pattern's colour for @key (HORMIGA_IDENTICON_KEY_SIZE bytes): its
 * hue comes from the key; lighter in a dark style. */
void  hormiga_identicon_get_color (const guint8 *key,
                                   gboolean      dark,
                                   GdkRGBA      *color);
/* Draws the identicon of @key into the square (@x, @y, @size) of @cr, on a
 * rounded background tinted with its colour. */
void  hormiga_identicon_draw      (cairo_t      *cr,
                                   const guint8 *key,
                                   gboolean      dark,
                                   double        x,
                                   double        y,
                                   double        size);

#define HORMIGA_TYPE_IDENTICON (hormiga_identicon_get_type ())
G_DECLARE_FINAL_TYPE (HormigaIdenticon, hormiga_identicon, HORMIGA, IDENTICON, GtkWidget)

GtkWidget    *hormiga_identicon_new            (void);
/* @key: HORMIGA_IDENTICON_KEY_SIZE bytes, or NULL for none (nothing is
 * drawn). */
void          hormiga_identicon_set_key        (HormigaIdenticon *self,
                                                const guint8     *key);
const guint8 *hormiga_identicon_get_key        (HormigaIdenticon *self);
void          hormiga_identicon_set_pixel_size (HormigaIdenticon *self,
                                                int               pixel_size);
int           hormiga_identicon_get_pixel_size (HormigaIdenticon *self);

G_END_DECLS
