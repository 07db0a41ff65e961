/*
 * host_link.c -- a client's request and reply in C (see host_link.h).
 */
#define _POSIX_C_SOURCE 200809L

#include "host_link.h"

#include "proto.h"

#include <errno.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
        return 0;   /* cannot happen for CLOCK_MONOTONIC; the wait below still ends */
    }
    return (int64_t)ts.tv_sec * 1000 + (int64_t)(ts.tv_nsec / 1000000);
}

/* rx[0..got) ends a frame: its last byte is a delimiter and some byte before it is not. */
static int ends_frame(const uint8_t *rx, size_t got)
{
    if (got < 2u || rx[got - 1u] != 0u) {
        return 0;
    }
    for (size_t i = got - 1u; i > 0u; i--) {   /* bounded by got */
        if (rx[i - 1u] != 0u) {
            return 1;
        }
    }
    return 0;
}

/* Whether rx[0..got) is one intact frame and nothing else; if so, its header
   and payload into r (the decoder's own buffer is this call's). */
static void decode_one(const uint8_t *rx, size_t got, host_link_t *r)
{
    proto_decoder_t dec;
    proto_frame_t f;
    int ready = 0;
    size_t at = 0u;
    proto_decoder_init(&dec);
    while (at < got && !ready) {   /* each call consumes at least one byte */
        at += proto_decoder_feed(&dec, rx + at, got - at, &f, &ready);
    }
    if (!ready || at != got || (f.flags & PROTO_FLAG_AUTH) != 0u || r->payload == NULL) {
        return;
    }
    for (size_t i = 0u; i < f.payload_len; i++) {   /* payload_len <= PROTO_MAX_PAYLOAD */
        r->payload[i] = f.payload[i];
    }
    r->msg_type = f.msg_type;
    r->flags = f.flags;
    r->seq = f.seq;
    r->payload_len = f.payload_len;
    r->one_frame = 1u;
}

int host_exchange(int fd, const uint8_t *wire, size_t n, uint8_t *rx, size_t cap, int timeout_ms,
                  host_link_t *r)
{
    if (r == NULL) {
        return -EINVAL;
    }
    r->sent = r->got = 0u;
    r->one_frame = 0u;
    if (wire == NULL || rx == NULL || cap == 0u || fd < 0 || timeout_ms < 0) {
        return -EINVAL;
    }
    ssize_t w = write(fd, wire, n);
    if (w < 0) {
        return HOST_LINK_UNSENT;   /* sent 0: the caller writes again and learns why */
    }
    r->sent = (size_t)w;
    if (r->sent != n) {
        return HOST_LINK_UNSENT;
    }
    int64_t deadline = now_ms() + timeout_ms;
    /* Each pass reads at least one byte or ends: bounded by cap reads and the deadline. */
    while (r->got < cap) {
        int64_t left = deadline - now_ms();
        struct pollfd p;
        p.fd = fd;
        p.events = POLLIN;
        p.revents = 0;
        int ready = poll(&p, 1u, left > 0 ? (int)left : 0);
        if (ready <= 0) {
            return HOST_LINK_TIMEOUT;   /* time up, or a signal (EINTR): the caller's loop decides */
        }
        ssize_t got = read(fd, rx + r->got, cap - r->got);
        if (got <= 0) {
            if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                continue;
            }
            return HOST_LINK_READ_ERR;
        }
        r->got += (size_t)got;
        if (ends_frame(rx, r->got)) {
            decode_one(rx, r->got, r);
            return HOST_LINK_OK;
        }
    }
    return HOST_LINK_OK;   /* rx is full: the caller decodes what is there */
}

int host_request(int fd, uint8_t msg_type, uint16_t seq, uint8_t flags, const uint8_t *payload,
                 size_t payload_len, uint8_t *tx, size_t tx_cap, uint8_t *rx, size_t cap,
                 int timeout_ms, host_link_t *r)
{
    size_t n = 0u;
    if (r == NULL) {
        return -EINVAL;
    }
    r->wire_len = 0u;
    r->sent = r->got = 0u;
    if (proto_frame_encode(msg_type, seq, flags, payload, payload_len, tx, tx_cap, &n) != PROTO_OK) {
        return -EINVAL;
    }
    r->wire_len = n;
    return host_exchange(fd, tx, n, rx, cap, timeout_ms, r);
}
