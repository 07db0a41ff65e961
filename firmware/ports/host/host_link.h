/*
 * host_link.h -- a client's request and reply over a plain descriptor, in C
 * (the host port; pyemu/pump/session.py, WireSession._quick_send).
 *
 * Write the request, then wait and read until what has come ends with a
 * frame's closing delimiter (0x00 after a non-delimiter byte), the buffer is
 * full, or the time is up. When what came is exactly one intact frame (the
 * usual reply), the firmware's own decoder gives its header and payload, so
 * the caller checks flags and decodes fields (spec 1.4 checks 8-15) without
 * decoding the frame again; anything else the caller decodes itself.
 */
#ifndef PYEMU_HOST_LINK_H
#define PYEMU_HOST_LINK_H

#include <stddef.h>
#include <stdint.h>

#define HOST_LINK_OK        0   /* rx[0..got) ends with a closing delimiter (or fills rx) */
#define HOST_LINK_UNSENT    1   /* the write took sent < n bytes (or failed: sent 0) */
#define HOST_LINK_TIMEOUT   2   /* time is up; rx[0..got) is what came */
#define HOST_LINK_READ_ERR  3   /* read failed or end of stream; rx[0..got) came before */

typedef struct {
    uint8_t *payload;      /* the caller's buffer of PROTO_MAX_PAYLOAD bytes */
    size_t   sent;
    size_t   got;
    /* With HOST_LINK_OK: whether rx[0..got) is exactly one intact frame
       (spec 1.4 checks 1-7, the firmware's decoder) and nothing else, no
       auth trailer; then its header, and its payload copied to payload. */
    uint8_t  one_frame;
    uint8_t  msg_type;
    uint8_t  flags;
    uint16_t seq;
    uint8_t  payload_len;
    size_t   wire_len;     /* host_request: the encoded request's length in tx */
} host_link_t;

int host_exchange(int fd, const uint8_t *wire, size_t n, uint8_t *rx, size_t cap, int timeout_ms,
                  host_link_t *r);

/* host_exchange of a request the firmware's encoder builds into tx (at least
   PROTO_MAX_WIRE bytes) from its type, seq, flags and payload. Returns as
   host_exchange, or -EINVAL (nothing sent) if the encoder refuses it. */
int host_request(int fd, uint8_t msg_type, uint16_t seq, uint8_t flags, const uint8_t *payload,
                 size_t payload_len, uint8_t *tx, size_t tx_cap, uint8_t *rx, size_t cap,
                 int timeout_ms, host_link_t *r);

#endif /* PYEMU_HOST_LINK_H */
