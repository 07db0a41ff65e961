/*
 * host_link.h -- a client's request and reply over a plain descriptor, in C
 * (the host port; pyemu/pump/session.py, WireSession._quick_send).
 *
 * Write the request, then wait and read until what has come ends with a
 * frame's closing delimiter (0x00 after a non-delimiter byte), the buffer is
 * full, or the time is up. The caller decodes what was read (one frame or
 * several) with its own decoder: nothing here interprets a frame.
 */
#ifndef PYEMU_HOST_LINK_H
#define PYEMU_HOST_LINK_H

#include <stddef.h>
#include <stdint.h>

#define HOST_LINK_OK        0   /* rx[0..got) ends with a closing delimiter (or fills rx) */
#define HOST_LINK_UNSENT    1   /* the write took sent < n bytes (err: errno, 0 if short) */
#define HOST_LINK_TIMEOUT   2   /* time is up; rx[0..got) is what came */
#define HOST_LINK_READ_ERR  3   /* read failed (err) or end of stream (err 0); rx[0..got) came before */

typedef struct {
    size_t sent;
    size_t got;
    int    err;
} host_link_t;

int host_exchange(int fd, const uint8_t *wire, size_t n, uint8_t *rx, size_t cap, int timeout_ms,
                  host_link_t *r);

#endif /* PYEMU_HOST_LINK_H */
