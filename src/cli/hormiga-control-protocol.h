/* hormiga-control-protocol.h — the control socket's messages
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A running `hormiga-node run` is controlled through a Unix socket
 * (hormiga-control-server.h). Each message is a frame: a 4-byte big-endian
 * length, then that many bytes holding one MessagePack map. A request names
 * an operation and carries an id the reply repeats:
 *
 *   {"v": 1, "id": 7, "op": "get", "peer": "12D3KooW…", "name": "greeting"}
 *   {"v": 1, "id": 7, "ok": true, "result": {…}}
 *   {"v": 1, "id": 7, "ok": false, "error": "not-found", "message": "…"}
 *
 * docs/PROTOCOL.md ("Control socket") lists every operation, its fields,
 * its result and the limits. This file does no I/O: bytes in, requests
 * out (server side); requests in, bytes out, replies decoded (client
 * side). The decoders take untrusted input and have a fuzz target
 * (tests/fuzz/fuzz-control-request.c).
 */
#pragma once

#include <glib.h>
#include <msgpack.h>

#include "hormiga-content.h"
#include "hormiga-peer-id.h"

G_BEGIN_DECLS

#define HORMIGA_CONTROL_VERSION          1
#define HORMIGA_CONTROL_HEADER_SIZE      4
/* A request's MessagePack map, in bytes (the header not counted). */
#define HORMIGA_CONTROL_MAX_REQUEST      (64 * 1024)
/* A reply's, as the client accepts it: a full routing table fits. */
#define HORMIGA_CONTROL_MAX_RESPONSE     (4 * 1024 * 1024)
/* A path or a hormiga: link in a request, in bytes. */
#define HORMIGA_CONTROL_MAX_PATH         4096
/* Transfers a `transfers` reply lists at most: the newest ones. */
#define HORMIGA_CONTROL_MAX_TRANSFERS    1024
/* Clients connected at once; the next one is told so and closed. */
#define HORMIGA_CONTROL_MAX_CLIENTS      16
/* Requests of one client being answered at once; more are refused
 * ("busy") until a reply goes out. */
#define HORMIGA_CONTROL_MAX_IN_FLIGHT    8
/* Reply bytes waiting to be written to one client before the server stops
 * reading its requests (it reads on once they are written). */
#define HORMIGA_CONTROL_MAX_OUTPUT       (256 * 1024)
/* A client with no request in flight that sends nothing for this long is
 * closed. */
#define HORMIGA_CONTROL_IDLE_TIMEOUT_S   60

#define HORMIGA_CONTROL_ERROR (hormiga_control_error_quark ())

/**
 * HormigaControlError:
 * Why a request failed. Each has a name on the wire ("error" of a reply,
 * hormiga_control_error_to_string()); docs/PROTOCOL.md explains them.
 */
typedef enum {
  HORMIGA_CONTROL_ERROR_TOO_LARGE = 1,     /* "too-large": frame above the limit; closed */
  HORMIGA_CONTROL_ERROR_MALFORMED,         /* "malformed": not a request map */
  HORMIGA_CONTROL_ERROR_UNSUPPORTED_VERSION, /* "unsupported-version" */
  HORMIGA_CONTROL_ERROR_UNKNOWN_OP,        /* "unknown-op" */
  HORMIGA_CONTROL_ERROR_INVALID_ARGUMENT,  /* "invalid-argument": a field's value */
  HORMIGA_CONTROL_ERROR_BUSY,              /* "busy": a client or request limit */
  HORMIGA_CONTROL_ERROR_NOT_FOUND,         /* "not-found": the DHT has no such peer or record */
  HORMIGA_CONTROL_ERROR_FAILED,            /* "failed": the operation could not be done */
  HORMIGA_CONTROL_ERROR_NO_NODE,           /* "no-node": nothing listens (client side) */
  HORMIGA_CONTROL_ERROR_IN_USE,            /* "in-use": another node holds the socket */
  HORMIGA_CONTROL_ERROR_UNSAFE,            /* "unsafe": the socket's directory is not private */
} HormigaControlError;

GQuark      hormiga_control_error_quark       (void);
const char *hormiga_control_error_to_string   (HormigaControlError code);
/* The code of a wire name; HORMIGA_CONTROL_ERROR_FAILED for unknown ones. */
HormigaControlError hormiga_control_error_from_string (const char *name,
                                                       gsize       length);

typedef enum {
  HORMIGA_CONTROL_OP_PEERS,
  HORMIGA_CONTROL_OP_ROUTING_TABLE,
  HORMIGA_CONTROL_OP_FIND,
  HORMIGA_CONTROL_OP_PUT,
  HORMIGA_CONTROL_OP_GET,
  HORMIGA_CONTROL_OP_STATS,
  HORMIGA_CONTROL_OP_QUIT,
  HORMIGA_CONTROL_OP_SHARE,
  HORMIGA_CONTROL_OP_SEND,
  HORMIGA_CONTROL_OP_DOWNLOAD,
  HORMIGA_CONTROL_OP_TRANSFERS,
  HORMIGA_CONTROL_OP_PAUSE,
  HORMIGA_CONTROL_OP_RESUME,
  HORMIGA_CONTROL_OP_CANCEL,
  HORMIGA_CONTROL_OP_CONTINGENCY,
} HormigaControlOp;

const char *hormiga_control_op_to_string      (HormigaControlOp op);

/* Where a node with the data directory @data_dir listens unless told
 * otherwise: DATA_DIR/control.sock (caller frees). */
char       *hormiga_control_default_path      (const char *data_dir);

/**
 * HormigaControlRequest:
 * @id: chosen by the client, repeated in the reply
 * @op: what to do
 * @peer: find: the peer to look up; get: the record's owner; send: the
 *   peer offered the file; else NULL
 * @name: put, get: the record's name (1–256 bytes of UTF-8, no NUL); else NULL
 * @value: put: the value (at most 16 KiB); else NULL
 * @path: share, send: the file or folder, an absolute path (at most
 *   HORMIGA_CONTROL_MAX_PATH bytes of UTF-8, no NUL); else NULL
 * @link: download: a hormiga: link (at most HORMIGA_CONTROL_MAX_PATH
 *   bytes) that parses; else NULL
 * @folder: download, optional: where it goes, an absolute path like @path;
 *   NULL for the node's download folder
 * @cid: pause, resume, cancel: the transfer's content ID; else NULL
 */
typedef struct
{
  guint64           id;
  HormigaControlOp  op;
  HormigaPeerId    *peer;
  char             *name;
  GBytes           *value;
  char             *path;
  char             *link;
  char             *folder;
  HormigaContentId *cid;
} HormigaControlRequest;

HormigaControlRequest *hormiga_control_request_new    (guint64                      id,
                                                       HormigaControlOp             op);
void                   hormiga_control_request_free   (HormigaControlRequest       *request);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HormigaControlRequest, hormiga_control_request_free)

/* One frame (header included) holding @request. */
GBytes                *hormiga_control_request_encode (const HormigaControlRequest *request);
/* One request from a frame's body (the header stripped). On failure, *@id
 * is the request's id if one could be read (0 otherwise), for the error
 * reply, and @error is a HORMIGA_CONTROL_ERROR: MALFORMED,
 * UNSUPPORTED_VERSION, UNKNOWN_OP or INVALID_ARGUMENT, or TOO_LARGE for a
 * body above HORMIGA_CONTROL_MAX_REQUEST. */
HormigaControlRequest *hormiga_control_request_decode (const guint8                *data,
                                                       gsize                        length,
                                                       guint64                     *id,
                                                       GError                     **error);

/* ---- frames in a byte stream ------------------------------------------------ */

/* Cuts a byte stream into frame bodies. Holds at most one frame's worth
 * beyond what it has been given to cut. */
typedef struct _HormigaControlReader HormigaControlReader;

HormigaControlReader  *hormiga_control_reader_new     (gsize                        max_frame);
void                   hormiga_control_reader_free    (HormigaControlReader        *reader);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HormigaControlReader, hormiga_control_reader_free)

void                   hormiga_control_reader_push    (HormigaControlReader        *reader,
                                                       const guint8                *data,
                                                       gsize                        length);
/* The next complete frame's body, or NULL: with @error unset when more
 * bytes are needed, with HORMIGA_CONTROL_ERROR_TOO_LARGE when a header
 * announces a frame above the limit (the stream cannot go on after it). */
GBytes                *hormiga_control_reader_next    (HormigaControlReader        *reader,
                                                       GError                     **error);
/* Bytes given and not yet returned in a frame. */
gsize                  hormiga_control_reader_get_buffered (HormigaControlReader   *reader);

/* ---- replies -------------------------------------------------------------- */

/* A successful reply is built as: begin, then exactly one object (the
 * result, a map) packed with *@packer, then end. */
GByteArray            *hormiga_control_reply_begin    (msgpack_packer              *packer,
                                                       guint64                      id);
GBytes                *hormiga_control_reply_end      (GByteArray                  *frame);
/* A failed reply: @message says what happened and what to do. */
GBytes                *hormiga_control_error_reply    (guint64                      id,
                                                       HormigaControlError          code,
                                                       const char                  *message);

/**
 * HormigaControlReply:
 * @id: the request's id
 * @result: (nullable): the result map of a successful reply, valid as long
 *   as the reply; NULL for a failed one
 * @error: (nullable): a failed reply's error (its code, and the server's
 *   message)
 */
typedef struct
{
  guint64               id;
  const msgpack_object *result;
  GError               *error;
  /* private: the objects point into data */
  msgpack_unpacked      unpacked;
  guint8               *data;
} HormigaControlReply;

/* One reply from a frame's body (copied); NULL with HORMIGA_CONTROL_ERROR_MALFORMED
 * (or TOO_LARGE) if it is not one. */
HormigaControlReply   *hormiga_control_reply_decode   (const guint8                *data,
                                                       gsize                        length,
                                                       GError                     **error);
void                   hormiga_control_reply_free     (HormigaControlReply         *reply);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HormigaControlReply, hormiga_control_reply_free)

/* The value under @key in the map @map, or NULL. */
const msgpack_object  *hormiga_control_map_lookup     (const msgpack_object        *map,
                                                       const char                  *key);

G_END_DECLS
