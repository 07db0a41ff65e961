/*
 * proto.h — framing layer of the pump's wire protocol (protocol/spec.md).
 *
 * Raw frame: version u8 | msg_type u8 | seq u16 | flags u8 | payload_len u8 |
 * payload | [20-byte auth trailer if PROTO_FLAG_AUTH] | crc32 u32, all
 * little-endian. On the wire: 0x00, then every byte XOR 0xA5 ("whitening")
 * and COBS-encoded, then 0x00. The leading delimiter ends whatever garbage
 * preceded the frame, so damage never spreads to the next frame.
 *
 * No dynamic memory. The stream decoder owns one 255-byte buffer and decodes
 * every frame in place there; a delivered frame's payload points into it and
 * stays valid until the next call that feeds the decoder.
 *
 * Message payloads (structs, encoders, decoders) are in proto_msgs.h, which
 * is generated from protocol/messages.json.
 */
#ifndef PYEMU_PROTO_H
#define PYEMU_PROTO_H

#include <stdint.h>
#include <stddef.h>

#define PROTO_VERSION          1u
#define PROTO_HEADER_LEN       6u
#define PROTO_CRC_LEN          4u
#define PROTO_AUTH_LEN         20u   /* reserved: u32 counter + 128-bit tag */
#define PROTO_OVERHEAD         10u   /* header + CRC */
#define PROTO_MAX_PAYLOAD      224u
#define PROTO_MAX_RAW          254u  /* header + payload + auth + CRC */
#define PROTO_MAX_ENCODED      255u  /* COBS of a max raw frame, without delimiter */
#define PROTO_MAX_WIRE         257u  /* with both 0x00 delimiters: size an output buffer so */
#define PROTO_WHITEN           0xA5u
#define PROTO_DELIMITER        0x00u

/* flags */
#define PROTO_KIND_MASK        0x03u
#define PROTO_KIND_REQUEST     0x00u
#define PROTO_KIND_RESPONSE    0x01u
#define PROTO_KIND_UNSOLICITED 0x02u
#define PROTO_FLAG_REPLAYED    0x04u  /* response re-sent from the reply cache */
#define PROTO_FLAG_AUTH        0x08u  /* reserved: auth trailer present */
#define PROTO_FLAG_RESERVED    0xF0u

/*
 * Return codes of this layer and proto_msgs.h. 0 is success. Values 128..199
 * are protocol-level NAK reasons and go on the wire; 0..127 on the wire are
 * the core's pump_result_t. 250..255 never go on the wire.
 */
#define PROTO_OK                     0
#define PROTO_NAK_UNEXPECTED_MESSAGE 128  /* known message, kind it never has */
#define PROTO_NAK_BAD_FLAGS          129  /* reserved bits, kind 3, REPLAYED on a request */
#define PROTO_NAK_BAD_LENGTH         130  /* payload length wrong for the message */
#define PROTO_NAK_BAD_FIELD          131  /* array count, boolean, selector, char[N] */
#define PROTO_NAK_UNSUPPORTED        132  /* AUTH flag; INJECT_FAULT on a production build */
#define PROTO_NAK_CLOCK_MODE         133  /* ADVANCE outside the manual clock mode */
#define PROTO_NAK_BUSY               134  /* retry with the same seq */
#define PROTO_NAK_AUTH_REQUIRED      200  /* 200.. reserved for authenticated sessions */
#define PROTO_NAK_AUTH_FAILED        201
#define PROTO_NAK_AUTH_REPLAY        202
#define PROTO_NAK_AUTH_ROLE          203
#define PROTO_NAK_AUTH_RATE_LIMITED  204  /* handshake throttled, not a verdict on the key */
#define PROTO_ERR_UNKNOWN_TYPE       252  /* encode: msg_type not in the table */
#define PROTO_ERR_ARG                253  /* NULL pointer, or flags/length not encodable */
#define PROTO_ERR_NOSPACE            254  /* output buffer too small */

/* Why the decoder dropped a chunk (spec 1.4, checks 1-7, in this order). */
typedef enum {
    PROTO_DROP_OVERSIZE = 0,
    PROTO_DROP_COBS = 1,
    PROTO_DROP_SHORT = 2,
    PROTO_DROP_VERSION = 3,
    PROTO_DROP_LENGTH = 4,
    PROTO_DROP_UNKNOWN_TYPE = 5,
    PROTO_DROP_CRC = 6,
    PROTO_DROP_COUNT
} proto_drop_t;

/* Static text for a drop reason (never NULL). NAK reason names: proto_nak_name (proto_msgs.h). */
const char *proto_drop_name(int reason);

/* Per-message facts from the table (generated, proto_msgs.c). */
typedef struct {
    uint8_t     msg_type;
    uint8_t     kinds;        /* bit (1 << kind) for each kind the message has */
    uint32_t    def_crc;      /* definition CRC, seeds the frame CRC */
    const char *name;
} proto_msg_info_t;

/* NULL if msg_type is not in the table. */
const proto_msg_info_t *proto_msg_info(uint8_t msg_type);
/* CRC over every message definition (HELLO_INFO.schema_crc). */
uint32_t proto_schema_crc(void);

/* CRC-32 (zlib): continue from crc with len bytes; proto_crc32(0, ...) starts fresh. */
uint32_t proto_crc32(uint32_t crc, const uint8_t *data, size_t len);

/* An intact frame (spec 1.4 checks 1-7 passed). Pointers are into the decoder. */
typedef struct {
    uint8_t  version;
    uint8_t  msg_type;
    uint16_t seq;
    uint8_t  flags;
    uint8_t  payload_len;
    const uint8_t *payload;   /* payload_len bytes */
    const uint8_t *auth;      /* PROTO_AUTH_LEN bytes if PROTO_FLAG_AUTH, else NULL */
} proto_frame_t;

/*
 * Stream decoder. Counters saturate at UINT32_MAX. dropped_bytes count a
 * dropped chunk's bytes without its delimiter.
 */
typedef struct {
    uint8_t  buf[PROTO_MAX_ENCODED];
    uint16_t len;             /* bytes of the current chunk held in buf */
    uint32_t discarding;      /* > 0: oversize chunk, bytes seen so far */
    uint32_t frames;          /* intact frames delivered */
    uint32_t dropped_chunks[PROTO_DROP_COUNT];
    uint32_t dropped_bytes[PROTO_DROP_COUNT];
} proto_decoder_t;

void proto_decoder_init(proto_decoder_t *d);

/*
 * Feed up to len bytes. Consumes bytes until a frame is complete or data is
 * used up, and returns how many it consumed. *ready is 1 when *frame holds an
 * intact frame (valid until the next feed/push), else 0. With a NULL
 * argument nothing is decoded and len is returned (the bytes are lost). Loop:
 *     while (len > 0u) { n = proto_decoder_feed(d, p, len, &f, &ready);
 *                        p += n; len -= n; if (ready) handle(&f); }
 */
size_t proto_decoder_feed(proto_decoder_t *d, const uint8_t *data, size_t len,
                          proto_frame_t *frame, int *ready);

/* One byte at a time (e.g. from a UART). Returns 1 when *frame is ready. */
int proto_decoder_push(proto_decoder_t *d, uint8_t byte, proto_frame_t *frame);

/*
 * One frame delivered by proto_decode_bulk (declared in proto_msgs.h, as it
 * also fills a proto_msg_t per frame): the header, copies of the payload and
 * auth trailer (the decoder's buffer is reused by the next frame) and what
 * proto_frame_decode said of it.
 */
typedef struct {
    uint8_t  msg_type;
    uint8_t  flags;
    uint16_t seq;
    uint8_t  payload_len;
    uint8_t  result;          /* PROTO_OK (fields decoded) or the NAK reason, spec 1.4 checks 8-15 */
    uint8_t  auth_len;        /* PROTO_AUTH_LEN with PROTO_FLAG_AUTH, else 0 */
    uint8_t  payload[PROTO_MAX_PAYLOAD];
    uint8_t  auth[PROTO_AUTH_LEN];
} proto_bulk_frame_t;

/*
 * Build one wire frame (0x00, whitened + COBS raw frame, 0x00) from a payload.
 * msg_type must be in the table (its def_crc seeds the CRC); flags with
 * PROTO_FLAG_AUTH are refused (not in version 1). out needs at most
 * PROTO_MAX_WIRE bytes. Returns PROTO_OK, PROTO_ERR_UNKNOWN_TYPE,
 * PROTO_ERR_ARG (NULL, payload_len > PROTO_MAX_PAYLOAD, AUTH/reserved flags)
 * or PROTO_ERR_NOSPACE.
 */
int proto_frame_encode(uint8_t msg_type, uint16_t seq, uint8_t flags,
                       const uint8_t *payload, size_t payload_len,
                       uint8_t *out, size_t cap, size_t *out_len);

/*
 * Build one wire frame from a raw frame without its CRC: header, payload and,
 * when the header's flags have PROTO_FLAG_AUTH, the 20-byte auth trailer
 * (sealed by auth_seal, firmware/crypto/auth.h). The header must match len
 * and carry flags the message may have. Returns as proto_frame_encode.
 */
int proto_frame_encode_raw(const uint8_t *raw, size_t len, uint8_t *out, size_t cap, size_t *out_len);

/* Little-endian field access for the generated payload code. The caller
 * guarantees the bounds (checked once per message against its length). */
void     proto_put_u8(uint8_t *buf, size_t *pos, uint8_t v);
void     proto_put_u16(uint8_t *buf, size_t *pos, uint16_t v);
void     proto_put_u32(uint8_t *buf, size_t *pos, uint32_t v);
void     proto_put_u64(uint8_t *buf, size_t *pos, uint64_t v);
uint8_t  proto_get_u8(const uint8_t *buf, size_t *pos);
uint16_t proto_get_u16(const uint8_t *buf, size_t *pos);
uint32_t proto_get_u32(const uint8_t *buf, size_t *pos);
uint64_t proto_get_u64(const uint8_t *buf, size_t *pos);
/*
 * char[n] fields: on the wire printable ASCII (0x20..0x7E) then NUL padding to
 * n bytes; in a struct a NUL-terminated string in n+1 bytes.
 * proto_text_ok: 1 if s (n+1 bytes) is printable ASCII of at most n chars.
 * proto_put_text writes n bytes (s must be ok). proto_get_text reads n bytes
 * into s (n+1 bytes, NUL-terminated) and returns PROTO_OK or PROTO_NAK_BAD_FIELD.
 */
int  proto_text_ok(const char *s, size_t n);
void proto_put_text(uint8_t *buf, size_t *pos, const char *s, size_t n);
int  proto_get_text(const uint8_t *buf, size_t *pos, char *s, size_t n);

#endif /* PYEMU_PROTO_H */
