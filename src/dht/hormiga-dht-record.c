/* hormiga-dht-record.c — what the DHT stores: signed and content-addressed records
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A record is one MessagePack map in canonical form: the fields of its kind,
 * in one fixed order, every header in its shortest form, "sig" last. Being
 * canonical, a record has exactly one encoding, and the bytes its owner
 * signed follow from the record itself (docs/PROTOCOL.md, "DHT records").
 */
#include <msgpack.h>

#include "hormiga-msgpack.h"
#include "hormiga-dht-error.h"
#include "hormiga-dht-message.h" /* HORMIGA_DHT_RECORD_MAX_SIZE */
#include "hormiga-dht-record.h"
#include "hormiga-wire-error.h"
#include "hormiga-wire-limits.h"

/* The signed bytes start with these 17 ASCII bytes and a NUL (sizeof). */
#define SIGNATURE_DOMAIN "hormiga/record/v1"
#define MUTABLE_DOMAIN   "hormiga/mutable/v1"
#define RECORD_VERSION   1
#define KEY_LENGTH       32
#define SIG_LENGTH       64

typedef enum {
  FIELD_V,
  FIELD_KIND,
  FIELD_KEY,
  FIELD_OWNER,
  FIELD_NAME,
  FIELD_SEQ,
  FIELD_EXPIRES,
  FIELD_VALUE,
  FIELD_ADDRS,
  FIELD_SIG,
  N_FIELDS
} Field;

/* The canonical order of the fields; each kind uses a subset of it. */
static const char * const field_names[N_FIELDS] = {
  "v", "kind", "key", "owner", "name", "seq", "expires", "value", "addrs", "sig",
};

#define F(field) (1u << FIELD_##field)

static const struct
{
  const char *name;
  guint       fields;
  const char *field_list;
} kinds[] = {
  [HORMIGA_DHT_RECORD_PEER] = {
    "peer",
    F (V) | F (KIND) | F (KEY) | F (OWNER) | F (SEQ) | F (EXPIRES) | F (ADDRS) | F (SIG),
    "v, kind, key, owner, seq, expires, addrs, sig" },
  [HORMIGA_DHT_RECORD_MUTABLE] = {
    "mutable",
    F (V) | F (KIND) | F (KEY) | F (OWNER) | F (NAME) | F (SEQ) | F (EXPIRES) | F (VALUE) |
      F (SIG),
    "v, kind, key, owner, name, seq, expires, value, sig" },
  [HORMIGA_DHT_RECORD_IMMUTABLE] = {
    "immutable",
    F (V) | F (KIND) | F (KEY) | F (EXPIRES) | F (VALUE),
    "v, kind, key, expires, value" },
  [HORMIGA_DHT_RECORD_PROVIDER] = {
    "provider",
    F (V) | F (KIND) | F (KEY) | F (OWNER) | F (SEQ) | F (EXPIRES) | F (SIG),
    "v, kind, key, owner, seq, expires, sig" },
};

static gboolean
kind_is_signed (HormigaDhtRecordKind kind)
{
  return kind != HORMIGA_DHT_RECORD_IMMUTABLE;
}

/* ---- the boxed type ---------------------------------------------------- */

static void
record_clear (HormigaDhtRecord *record)
{
  g_free (record->name);
  g_clear_pointer (&record->value, g_bytes_unref);
  g_strfreev (record->addresses);
  g_clear_pointer (&record->encoded, g_bytes_unref);
}

static HormigaDhtRecord *
record_alloc (HormigaDhtRecordKind kind)
{
  HormigaDhtRecord *record = g_atomic_rc_box_new0 (HormigaDhtRecord);

  record->kind = kind;
  return record;
}

HormigaDhtRecord *
hormiga_dht_record_ref (HormigaDhtRecord *record)
{
  g_return_val_if_fail (record != NULL, NULL);

  return g_atomic_rc_box_acquire (record);
}

void
hormiga_dht_record_unref (HormigaDhtRecord *record)
{
  g_return_if_fail (record != NULL);

  g_atomic_rc_box_release_full (record, (GDestroyNotify) record_clear);
}

G_DEFINE_BOXED_TYPE (HormigaDhtRecord, hormiga_dht_record,
                     hormiga_dht_record_ref, hormiga_dht_record_unref)

/* ---- keys -------------------------------------------------------------- */

static void
owner_key (HormigaDhtKey *key,
           const guint8   owner[KEY_LENGTH])
{
  g_autoptr(HormigaPeerId) peer = hormiga_peer_id_new_from_public_key (owner);

  hormiga_dht_key_from_peer_id (key, peer);
}

static void
mutable_key (HormigaDhtKey *key,
             const guint8   owner[KEY_LENGTH],
             const char    *name,
             gsize          name_length)
{
  g_autoptr(GByteArray) input = g_byte_array_sized_new (sizeof MUTABLE_DOMAIN - 1 + KEY_LENGTH +
                                                        name_length);

  g_byte_array_append (input, (const guint8 *) MUTABLE_DOMAIN, sizeof MUTABLE_DOMAIN - 1);
  g_byte_array_append (input, owner, KEY_LENGTH);
  g_byte_array_append (input, (const guint8 *) name, name_length);
  hormiga_dht_key_hash (key, input->data, input->len);
}

void
hormiga_dht_record_mutable_key (const guint8   owner[32],
                                const char    *name,
                                HormigaDhtKey *key)
{
  g_return_if_fail (owner != NULL && name != NULL && key != NULL);

  mutable_key (key, owner, name, strlen (name));
}

/* The key @record must be stored under; FALSE for provider records, whose
 * key is whatever content they announce. */
static gboolean
derive_key (const HormigaDhtRecord *record,
            HormigaDhtKey          *key)
{
  switch (record->kind)
    {
    case HORMIGA_DHT_RECORD_PEER:
      owner_key (key, record->owner);
      return TRUE;
    case HORMIGA_DHT_RECORD_MUTABLE:
      mutable_key (key, record->owner, record->name, strlen (record->name));
      return TRUE;
    case HORMIGA_DHT_RECORD_IMMUTABLE:
      hormiga_dht_key_hash (key, g_bytes_get_data (record->value, NULL),
                            g_bytes_get_size (record->value));
      return TRUE;
    case HORMIGA_DHT_RECORD_PROVIDER:
    default:
      return FALSE;
    }
}

/* ---- encoding ---------------------------------------------------------- */

/* Appends the canonical encoding of @record to @buffer: with "sig" last
 * when @signature is given, without it (the map one entry shorter) when it
 * is NULL — the latter is what the owner signs. */
static void
encode_fields (const HormigaDhtRecord *record,
               const guint8           *signature,
               GByteArray             *buffer)
{
  guint fields = kinds[record->kind].fields;
  msgpack_packer packer;

  if (signature == NULL)
    fields &= ~F (SIG);

  msgpack_packer_init (&packer, buffer, hormiga_msgpack_append);
  msgpack_pack_map (&packer, (size_t) __builtin_popcount (fields));
  for (Field f = 0; f < N_FIELDS; f++)
    {
      if ((fields & (1u << f)) == 0)
        continue;

      hormiga_msgpack_pack_str (&packer, field_names[f]);
      switch (f)
        {
        case FIELD_V:
          msgpack_pack_uint64 (&packer, RECORD_VERSION);
          break;
        case FIELD_KIND:
          hormiga_msgpack_pack_str (&packer, kinds[record->kind].name);
          break;
        case FIELD_KEY:
          hormiga_msgpack_pack_bin (&packer, record->key.bytes, KEY_LENGTH);
          break;
        case FIELD_OWNER:
          hormiga_msgpack_pack_bin (&packer, record->owner, KEY_LENGTH);
          break;
        case FIELD_NAME:
          hormiga_msgpack_pack_str (&packer, record->name);
          break;
        case FIELD_SEQ:
          msgpack_pack_uint64 (&packer, record->seq);
          break;
        case FIELD_EXPIRES:
          msgpack_pack_uint64 (&packer, record->expires);
          break;
        case FIELD_VALUE:
          hormiga_msgpack_pack_bin (&packer, g_bytes_get_data (record->value, NULL),
                    g_bytes_get_size (record->value));
          break;
        case FIELD_ADDRS:
          msgpack_pack_array (&packer, g_strv_length (record->addresses));
          for (guint i = 0; record->addresses[i] != NULL; i++)
            hormiga_msgpack_pack_str (&packer, record->addresses[i]);
          break;
        case FIELD_SIG:
          hormiga_msgpack_pack_bin (&packer, signature, SIG_LENGTH);
          break;
        case N_FIELDS:
        default:
          g_assert_not_reached ();
        }
    }
}

/* What the owner signs: "hormiga/record/v1", a NUL, then the canonical
 * encoding of the record without "sig". */
static GByteArray *
signed_bytes (const HormigaDhtRecord *record)
{
  GByteArray *buffer = g_byte_array_sized_new (256);

  g_byte_array_append (buffer, (const guint8 *) SIGNATURE_DOMAIN, sizeof SIGNATURE_DOMAIN);
  encode_fields (record, NULL, buffer);
  return buffer;
}

/* Signs @record with @identity (when its kind is signed) and sets its
 * encoding; returns @record. */
static HormigaDhtRecord *
seal (HormigaDhtRecord *record,
      HormigaIdentity  *identity)
{
  GByteArray *buffer = g_byte_array_sized_new (256);
  guint8 signature[SIG_LENGTH];

  if (identity != NULL)
    {
      g_autoptr(GByteArray) message = signed_bytes (record);

      hormiga_identity_sign (identity, message->data, message->len, signature);
      encode_fields (record, signature, buffer);
    }
  else
    encode_fields (record, NULL, buffer);

  record->encoded = g_byte_array_free_to_bytes (buffer);
  g_assert (g_bytes_get_size (record->encoded) <= HORMIGA_DHT_RECORD_MAX_SIZE);
  return record;
}

static gboolean
address_is_valid (const char *address)
{
  gsize length = strlen (address);

  return length >= 1 && length <= HORMIGA_DHT_RECORD_MAX_ADDRESS &&
         g_utf8_validate (address, (gssize) length, NULL);
}

HormigaDhtRecord *
hormiga_dht_record_new_peer (HormigaIdentity    *identity,
                             guint64             seq,
                             guint64             expires,
                             const char * const *addresses)
{
  HormigaDhtRecord *record;
  guint n_addresses = addresses != NULL ? g_strv_length ((char **) addresses) : 0;

  g_return_val_if_fail (HORMIGA_IS_IDENTITY (identity), NULL);
  g_return_val_if_fail (n_addresses <= HORMIGA_DHT_RECORD_MAX_ADDRESSES, NULL);
  for (guint i = 0; i < n_addresses; i++)
    g_return_val_if_fail (address_is_valid (addresses[i]), NULL);

  record = record_alloc (HORMIGA_DHT_RECORD_PEER);
  memcpy (record->owner, hormiga_identity_get_public_key (identity), KEY_LENGTH);
  hormiga_dht_key_from_peer_id (&record->key, hormiga_identity_get_peer_id (identity));
  record->seq = seq;
  record->expires = expires;
  record->value = g_bytes_new (NULL, 0);
  record->addresses = addresses != NULL ? g_strdupv ((char **) addresses) : g_new0 (char *, 1);
  return seal (record, identity);
}

HormigaDhtRecord *
hormiga_dht_record_new_mutable (HormigaIdentity *identity,
                                const char      *name,
                                guint64          seq,
                                guint64          expires,
                                GBytes          *value)
{
  HormigaDhtRecord *record;

  g_return_val_if_fail (HORMIGA_IS_IDENTITY (identity), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (strlen (name) >= 1 && strlen (name) <= HORMIGA_DHT_RECORD_MAX_NAME, NULL);
  g_return_val_if_fail (g_utf8_validate (name, -1, NULL), NULL);
  g_return_val_if_fail (value != NULL, NULL);
  g_return_val_if_fail (g_bytes_get_size (value) <= HORMIGA_DHT_RECORD_MAX_VALUE, NULL);

  record = record_alloc (HORMIGA_DHT_RECORD_MUTABLE);
  memcpy (record->owner, hormiga_identity_get_public_key (identity), KEY_LENGTH);
  record->name = g_strdup (name);
  mutable_key (&record->key, record->owner, name, strlen (name));
  record->seq = seq;
  record->expires = expires;
  record->value = g_bytes_ref (value);
  return seal (record, identity);
}

HormigaDhtRecord *
hormiga_dht_record_new_immutable (GBytes  *value,
                                  guint64  expires)
{
  HormigaDhtRecord *record;

  g_return_val_if_fail (value != NULL, NULL);
  g_return_val_if_fail (g_bytes_get_size (value) <= HORMIGA_DHT_RECORD_MAX_VALUE, NULL);

  record = record_alloc (HORMIGA_DHT_RECORD_IMMUTABLE);
  hormiga_dht_key_hash (&record->key, g_bytes_get_data (value, NULL), g_bytes_get_size (value));
  record->expires = expires;
  record->value = g_bytes_ref (value);
  return seal (record, NULL);
}

HormigaDhtRecord *
hormiga_dht_record_new_provider (HormigaIdentity     *identity,
                                 const HormigaDhtKey *content,
                                 guint64              seq,
                                 guint64              expires)
{
  HormigaDhtRecord *record;

  g_return_val_if_fail (HORMIGA_IS_IDENTITY (identity), NULL);
  g_return_val_if_fail (content != NULL, NULL);

  record = record_alloc (HORMIGA_DHT_RECORD_PROVIDER);
  record->key = *content;
  memcpy (record->owner, hormiga_identity_get_public_key (identity), KEY_LENGTH);
  record->seq = seq;
  record->expires = expires;
  record->value = g_bytes_new (NULL, 0);
  return seal (record, identity);
}

/* ---- decoding ---------------------------------------------------------- */

/* Untrusted text for an error message: at most 32 bytes (cut on a
 * character boundary, "..." appended), control characters, quotes and
 * backslashes escaped. @text is valid UTF-8 (hormiga_wire_check() made
 * sure). */
static char *
quote_text (const char *text,
            gsize       length)
{
  GString *quoted = g_string_new ("\"");
  const char *end = text + length;

  for (const char *p = text; p < end;)
    {
      const char *next = MIN (g_utf8_next_char (p), end);
      guchar c = (guchar) *p;

      if ((gsize) (next - text) > 32)
        {
          g_string_append (quoted, "...");
          break;
        }
      if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
        g_string_append_printf (quoted, "\\x%02x", c);
      else
        g_string_append_len (quoted, p, next - p);
      p = next;
    }
  g_string_append_c (quoted, '"');
  return g_string_free (quoted, FALSE);
}

/* What an object is, for "got …" in error messages. */
static char *
describe (const msgpack_object *object)
{
  switch (object->type)
    {
    case MSGPACK_OBJECT_NIL:
      return g_strdup ("nil");
    case MSGPACK_OBJECT_BOOLEAN:
      return g_strdup ("a bool");
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
      return g_strdup_printf ("uint %" G_GUINT64_FORMAT, (guint64) object->via.u64);
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
      return g_strdup_printf ("negative int %" G_GINT64_FORMAT, (gint64) object->via.i64);
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
      return g_strdup ("a float");
    case MSGPACK_OBJECT_STR:
      return g_strdup_printf ("a str of %u bytes", object->via.str.size);
    case MSGPACK_OBJECT_BIN:
      return g_strdup_printf ("a bin of %u bytes", object->via.bin.size);
    case MSGPACK_OBJECT_ARRAY:
      return g_strdup_printf ("an array of %u elements", object->via.array.size);
    case MSGPACK_OBJECT_MAP:
      return g_strdup_printf ("a map of %u entries", object->via.map.size);
    case MSGPACK_OBJECT_EXT:
    default:
      return g_strdup ("an extension object");
    }
}

static gboolean
str_is (const msgpack_object *object,
        const char           *text)
{
  size_t length = strlen (text);

  return object->type == MSGPACK_OBJECT_STR && object->via.str.size == length &&
         memcmp (object->via.str.ptr, text, length) == 0;
}

static gboolean
set_wrong_type (GError               **error,
                const char            *field,
                const char            *expected,
                const msgpack_object  *got)
{
  g_autofree char *description = describe (got);

  g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_MALFORMED,
               "DHT record: field \"%s\" must be %s; got %s", field, expected, description);
  return FALSE;
}

static gboolean
get_bin_exact (const msgpack_object  *object,
               const char            *field,
               guint8                *out,
               gsize                  size,
               GError               **error)
{
  if (object->type != MSGPACK_OBJECT_BIN || object->via.bin.size != size)
    {
      g_autofree char *expected = g_strdup_printf ("a bin of %" G_GSIZE_FORMAT " bytes", size);

      return set_wrong_type (error, field, expected, object);
    }
  memcpy (out, object->via.bin.ptr, size);
  return TRUE;
}

static gboolean
get_uint (const msgpack_object  *object,
          const char            *field,
          guint64               *out,
          GError               **error)
{
  if (object->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
    return set_wrong_type (error, field, "a uint", object);
  *out = object->via.u64;
  return TRUE;
}

/* A str of 1 to @max_length bytes without NUL (the wire check made sure it
 * is UTF-8); @what names it in messages. */
static gboolean
get_text (const msgpack_object  *object,
          const char            *what,
          gsize                  max_length,
          char                 **out,
          GError               **error)
{
  if (object->type != MSGPACK_OBJECT_STR || object->via.str.size == 0)
    {
      g_autofree char *description = describe (object);

      g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_MALFORMED,
                   "DHT record: %s must be a str of 1 to %" G_GSIZE_FORMAT " bytes; got %s",
                   what, max_length, description);
      return FALSE;
    }
  if (object->via.str.size > max_length)
    {
      g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_TOO_LARGE,
                   "DHT record: %s is %u bytes; the limit is %" G_GSIZE_FORMAT,
                   what, object->via.str.size, max_length);
      return FALSE;
    }
  if (memchr (object->via.str.ptr, '\0', object->via.str.size) != NULL)
    {
      g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_MALFORMED,
                   "DHT record: %s contains a NUL byte; text must not", what);
      return FALSE;
    }
  *out = g_strndup (object->via.str.ptr, object->via.str.size);
  return TRUE;
}

/* Finds the kind, checks the fields are exactly the kind's, in order, and
 * fills @fields (indexed by Field). */
static gboolean
check_layout (const msgpack_object  *root,
              HormigaDhtRecordKind  *kind_out,
              const msgpack_object  *fields[N_FIELDS],
              GError               **error)
{
  const msgpack_object_map *map;
  const msgpack_object *kind_name;
  guint64 version;
  guint kind;
  int last = FIELD_KIND;

  if (root->type != MSGPACK_OBJECT_MAP)
    {
      g_autofree char *description = describe (root);

      g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_MALFORMED,
                   "DHT record: the record is %s; a record is a map that starts with \"v\" and "
                   "\"kind\"", description);
      return FALSE;
    }
  map = &root->via.map;
  if (map->size < 2 || !str_is (&map->ptr[0].key, "v") || !str_is (&map->ptr[1].key, "kind"))
    {
      g_set_error_literal (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_MALFORMED,
                           "DHT record: the map must start with \"v\" and then \"kind\"");
      return FALSE;
    }
  if (!get_uint (&map->ptr[0].val, "v", &version, error))
    return FALSE;
  if (version != RECORD_VERSION)
    {
      g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_UNKNOWN_TYPE,
                   "DHT record: version %" G_GUINT64_FORMAT " is unknown; this node reads "
                   "version %d", version, RECORD_VERSION);
      return FALSE;
    }

  kind_name = &map->ptr[1].val;
  if (kind_name->type != MSGPACK_OBJECT_STR)
    return set_wrong_type (error, "kind", "a str", kind_name);
  for (kind = 0; kind < G_N_ELEMENTS (kinds); kind++)
    if (str_is (kind_name, kinds[kind].name))
      break;
  if (kind == G_N_ELEMENTS (kinds))
    {
      g_autofree char *quoted = quote_text (kind_name->via.str.ptr, kind_name->via.str.size);

      g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_UNKNOWN_TYPE,
                   "DHT record: kind %s is unknown; the kinds are peer, mutable, immutable and "
                   "provider", quoted);
      return FALSE;
    }

  fields[FIELD_V] = &map->ptr[0].val;
  fields[FIELD_KIND] = kind_name;
  for (guint32 i = 2; i < map->size; i++)
    {
      const msgpack_object *key = &map->ptr[i].key;
      int f;

      if (key->type != MSGPACK_OBJECT_STR)
        {
          g_autofree char *description = describe (key);

          g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_MALFORMED,
                       "DHT record: key %u of the map is %s; record keys are str", i,
                       description);
          return FALSE;
        }
      for (f = 0; f < N_FIELDS; f++)
        if (str_is (key, field_names[f]))
          break;
      if (f == N_FIELDS || (kinds[kind].fields & (1u << f)) == 0)
        {
          g_autofree char *quoted = quote_text (key->via.str.ptr, key->via.str.size);

          g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_MALFORMED,
                       "DHT record: field %s does not belong to %s records; their fields are %s",
                       quoted, kinds[kind].name, kinds[kind].field_list);
          return FALSE;
        }
      if (f <= last)
        {
          g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_MALFORMED,
                       "DHT record: field \"%s\" is repeated or out of order; the fields of %s "
                       "records come once each, in the order %s",
                       field_names[f], kinds[kind].name, kinds[kind].field_list);
          return FALSE;
        }
      fields[f] = &map->ptr[i].val;
      last = f;
    }

  for (int f = 0; f < N_FIELDS; f++)
    if ((kinds[kind].fields & (1u << f)) != 0 && fields[f] == NULL)
      {
        g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_MALFORMED,
                     "DHT record: %s records need a \"%s\" field; their fields are %s",
                     kinds[kind].name, field_names[f], kinds[kind].field_list);
        return FALSE;
      }

  *kind_out = kind;
  return TRUE;
}

static gboolean
read_addresses (const msgpack_object  *object,
                char                ***out,
                GError               **error)
{
  g_auto(GStrv) addresses = NULL;

  if (object->type != MSGPACK_OBJECT_ARRAY)
    return set_wrong_type (error, "addrs", "an array of str", object);
  if (object->via.array.size > HORMIGA_DHT_RECORD_MAX_ADDRESSES)
    {
      g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_TOO_LARGE,
                   "DHT record: peer records carry at most %d addresses; this one has %u",
                   HORMIGA_DHT_RECORD_MAX_ADDRESSES, object->via.array.size);
      return FALSE;
    }

  addresses = g_new0 (char *, object->via.array.size + 1);
  for (guint32 i = 0; i < object->via.array.size; i++)
    {
      g_autofree char *what = g_strdup_printf ("address %u", i);

      if (!get_text (&object->via.array.ptr[i], what, HORMIGA_DHT_RECORD_MAX_ADDRESS,
                     &addresses[i], error))
        return FALSE;
    }
  *out = g_steal_pointer (&addresses);
  return TRUE;
}

/* Reads the fields check_layout() found into a record; @signature gets
 * "sig" when the kind has one. */
static HormigaDhtRecord *
read_fields (HormigaDhtRecordKind   kind,
             const msgpack_object  *fields[N_FIELDS],
             guint8                 signature[SIG_LENGTH],
             GError               **error)
{
  g_autoptr(HormigaDhtRecord) record = record_alloc (kind);

  if (!get_bin_exact (fields[FIELD_KEY], "key", record->key.bytes, KEY_LENGTH, error))
    return NULL;
  if (fields[FIELD_OWNER] != NULL &&
      !get_bin_exact (fields[FIELD_OWNER], "owner", record->owner, KEY_LENGTH, error))
    return NULL;
  if (fields[FIELD_NAME] != NULL &&
      !get_text (fields[FIELD_NAME], "the name", HORMIGA_DHT_RECORD_MAX_NAME, &record->name,
                 error))
    return NULL;
  if (fields[FIELD_SEQ] != NULL && !get_uint (fields[FIELD_SEQ], "seq", &record->seq, error))
    return NULL;
  if (!get_uint (fields[FIELD_EXPIRES], "expires", &record->expires, error))
    return NULL;

  if (fields[FIELD_VALUE] != NULL)
    {
      const msgpack_object *value = fields[FIELD_VALUE];

      if (value->type != MSGPACK_OBJECT_BIN)
        {
          set_wrong_type (error, "value", "a bin", value);
          return NULL;
        }
      if (value->via.bin.size > HORMIGA_DHT_RECORD_MAX_VALUE)
        {
          g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_TOO_LARGE,
                       "DHT record: the value is %u bytes; the limit is %d (16 KiB)",
                       value->via.bin.size, HORMIGA_DHT_RECORD_MAX_VALUE);
          return NULL;
        }
      record->value = g_bytes_new (value->via.bin.ptr, value->via.bin.size);
    }
  else
    record->value = g_bytes_new (NULL, 0);

  if (fields[FIELD_ADDRS] != NULL &&
      !read_addresses (fields[FIELD_ADDRS], &record->addresses, error))
    return NULL;
  if (fields[FIELD_SIG] != NULL &&
      !get_bin_exact (fields[FIELD_SIG], "sig", signature, SIG_LENGTH, error))
    return NULL;

  return g_steal_pointer (&record);
}

/* The checks that need the whole record: canonical form, expiry, key,
 * signature (cheapest first). */
static gboolean
check_record (const HormigaDhtRecord  *record,
              GBytes                  *encoded,
              const guint8             signature[SIG_LENGTH],
              guint64                  now,
              GError                 **error)
{
  const char *kind = kinds[record->kind].name;
  g_autoptr(GByteArray) canonical = g_byte_array_sized_new (g_bytes_get_size (encoded));
  HormigaDhtKey expected;

  encode_fields (record, kind_is_signed (record->kind) ? signature : NULL, canonical);
  if (canonical->len != g_bytes_get_size (encoded) ||
      memcmp (canonical->data, g_bytes_get_data (encoded, NULL), canonical->len) != 0)
    {
      g_set_error_literal (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_MALFORMED,
                           "DHT record: the record is not in canonical form; every integer and "
                           "every str, bin, array and map header must take its shortest "
                           "MessagePack form");
      return FALSE;
    }

  if (record->expires <= now)
    {
      g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_EXPIRED,
                   "DHT record: the %s record expired at %" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
                   " s before now (%" G_GUINT64_FORMAT ")",
                   kind, record->expires, now - record->expires, now);
      return FALSE;
    }
  if (record->expires - now > HORMIGA_DHT_RECORD_MAX_TTL_S)
    {
      g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_EXPIRED,
                   "DHT record: the %s record expires at %" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
                   " s from now (%" G_GUINT64_FORMAT "); the limit is %d s (48 h) ahead",
                   kind, record->expires, record->expires - now, now,
                   HORMIGA_DHT_RECORD_MAX_TTL_S);
      return FALSE;
    }

  if (derive_key (record, &expected) && !hormiga_dht_key_equal (&expected, &record->key))
    {
      g_autofree char *claimed = hormiga_dht_key_to_hex (&record->key);
      g_autofree char *derived = hormiga_dht_key_to_hex (&expected);

      g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_WRONG_KEY,
                   "DHT record: the %s record claims key %s, but its %s gives %s",
                   kind, claimed,
                   record->kind == HORMIGA_DHT_RECORD_PEER ? "owner's PeerID"
                   : record->kind == HORMIGA_DHT_RECORD_MUTABLE ? "owner and name"
                   : "value", derived);
      return FALSE;
    }

  if (kind_is_signed (record->kind))
    {
      g_autoptr(GByteArray) message = signed_bytes (record);

      if (!hormiga_identity_verify (record->owner, message->data, message->len, signature))
        {
          g_autoptr(HormigaPeerId) owner = hormiga_peer_id_new_from_public_key (record->owner);

          g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_BAD_SIGNATURE,
                       "DHT record: the signature of the %s record does not verify with the key "
                       "of its owner %s; the record was altered or signed by someone else",
                       kind, hormiga_peer_id_to_string (owner));
          return FALSE;
        }
    }
  return TRUE;
}

HormigaDhtRecord *
hormiga_dht_record_decode (GBytes   *encoded,
                           guint64   now,
                           GError  **error)
{
  HormigaWireLimits limits = *hormiga_wire_limits_default ();
  const msgpack_object *fields[N_FIELDS] = { NULL };
  g_autoptr(GError) local_error = NULL;
  g_autoptr(HormigaDhtRecord) record = NULL;
  guint8 signature[SIG_LENGTH] = { 0 };
  HormigaDhtRecordKind kind = HORMIGA_DHT_RECORD_PEER;
  msgpack_unpacked unpacked;
  const guint8 *data;
  gsize length;
  size_t offset = 0;

  g_return_val_if_fail (encoded != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = g_bytes_get_data (encoded, &length);
  if (length > HORMIGA_DHT_RECORD_MAX_SIZE)
    {
      g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_TOO_LARGE,
                   "DHT record: the record is %" G_GSIZE_FORMAT " bytes; the limit is %d",
                   length, HORMIGA_DHT_RECORD_MAX_SIZE);
      return NULL;
    }

  /* Loose enough that the field checks below give the precise messages
   * (a 17th address, a 17 KiB value), tight enough that nothing costs. */
  limits.max_frame_size = HORMIGA_DHT_RECORD_MAX_SIZE;
  limits.max_depth = 2;
  limits.max_string_length = HORMIGA_DHT_RECORD_MAX_SIZE;
  limits.max_binary_length = HORMIGA_DHT_RECORD_MAX_SIZE;
  limits.max_array_length = 4 * HORMIGA_DHT_RECORD_MAX_ADDRESSES;
  limits.max_map_length = 2 * N_FIELDS;
  limits.max_total_items = 256;
  if (!hormiga_wire_check (data, length, &limits, &local_error))
    {
      gboolean too_large = hormiga_wire_error_is_over_limit (local_error);

      g_set_error (error, HORMIGA_DHT_ERROR,
                   too_large ? HORMIGA_DHT_ERROR_TOO_LARGE : HORMIGA_DHT_ERROR_MALFORMED,
                   "DHT record: %s: %s",
                   too_large ? "above a record limit" : "does not decode", local_error->message);
      return NULL;
    }

  msgpack_unpacked_init (&unpacked);
  if (msgpack_unpack_next (&unpacked, (const char *) data, length, &offset) !=
        MSGPACK_UNPACK_SUCCESS || offset != length)
    {
      msgpack_unpacked_destroy (&unpacked);
      g_set_error_literal (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_MALFORMED,
                           "DHT record: the record is not one MessagePack map");
      return NULL;
    }
  if (check_layout (&unpacked.data, &kind, fields, error))
    record = read_fields (kind, fields, signature, error);
  msgpack_unpacked_destroy (&unpacked);
  if (record == NULL)
    return NULL;

  if (!check_record (record, encoded, signature, now, error))
    return NULL;

  record->encoded = g_bytes_ref (encoded);
  return g_steal_pointer (&record);
}

/* ---- queries ----------------------------------------------------------- */

HormigaPeerId *
hormiga_dht_record_dup_owner (const HormigaDhtRecord *record)
{
  g_return_val_if_fail (record != NULL, NULL);

  if (!kind_is_signed (record->kind))
    return NULL;
  return hormiga_peer_id_new_from_public_key (record->owner);
}

gboolean
hormiga_dht_record_supersedes (const HormigaDhtRecord *record,
                               const HormigaDhtRecord *held)
{
  g_return_val_if_fail (record != NULL && held != NULL, FALSE);

  return record->kind == held->kind && hormiga_dht_key_equal (&record->key, &held->key) &&
         memcmp (record->owner, held->owner, KEY_LENGTH) == 0 && record->seq > held->seq;
}
