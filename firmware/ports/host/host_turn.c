/*
 * host_turn.c -- the usual turn of `pyemu serve` in C (see host_turn.h).
 *
 * Every step mirrors Emulator.step: one frame fed per turn (leading
 * delimiters end nothing; the frame ends at its first closing delimiter),
 * the rest of what was read goes back to the caller, who feeds it next
 * turn; no output leaves while the state is dirty (the caller saves first).
 */
#define _POSIX_C_SOURCE 200809L

#include "host_turn.h"

#include <errno.h>
#include <unistd.h>

/* Bytes of rx[0..n) that make the first frame: leading delimiters plus
   everything up to and including the next delimiter (all of it if none). */
static size_t first_frame_len(const uint8_t *rx, size_t n)
{
    size_t i = 0;
    while (i < n && rx[i] == 0u) {
        i++;
    }
    while (i < n) {
        if (rx[i] == 0u) {
            return i + 1u;
        }
        i++;
    }
    return n;
}

/* Write out[0..len) once (the line is non-blocking); sets t->sent. */
static int send_output(int fd, host_turn_t *t)
{
    ssize_t w = write(fd, t->out, t->out_len);
    if (w < 0) {
        return HOST_TURN_UNSENT;   /* the caller writes again and learns why */
    }
    t->sent = (size_t)w;
    return t->sent == t->out_len ? HOST_TURN_SERVED : HOST_TURN_UNSENT;
}

static size_t watched_events(const struct pollfd *fds, size_t nfds)
{
    size_t ready = 0;
    for (size_t i = 1u; i < nfds; i++) {   /* bounded by nfds */
        if (fds[i].revents != 0) {
            ready++;
        }
    }
    return ready;
}

int host_turn(device_t *d, host_turn_t *t, struct pollfd *fds, size_t nfds, int timeout_ms)
{
    if (d == NULL || t == NULL || fds == NULL || nfds == 0u || t->rx == NULL || t->out == NULL
        || t->rx_cap == 0u || t->out_cap <= (size_t)DEVICE_TXQ_SIZE) {
        return -DEVICE_E_ARG;
    }
    t->got = t->used = t->out_len = t->sent = 0u;
    int ready = poll(fds, (nfds_t)nfds, timeout_ms);
    if (ready < 0) {
        /* EINTR (a signal: the caller checks whether to stop) or worse: idle,
           the caller's next turn waits again. */
        return HOST_TURN_IDLE;
    }
    if (ready == 0) {
        return HOST_TURN_IDLE;
    }
    if (watched_events(fds, nfds) != 0u || (fds[0].revents & ~POLLIN) != 0) {
        return HOST_TURN_OTHER;   /* observers, hang-ups, errors: the caller's */
    }
    ssize_t r = read(fds[0].fd, t->rx, t->rx_cap);
    if (r <= 0) {
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return HOST_TURN_IDLE;
        }
        return HOST_TURN_READ_ERR;
    }
    t->got = (size_t)r;
    int rc = device_rx(d, t->rx, first_frame_len(t->rx, t->got), &t->used);
    if (rc != DEVICE_OK) {
        return -rc;
    }
    if (t->saves != 0u && device_nv_dirty(d)) {
        return HOST_TURN_SAVE;
    }
    t->out_len = device_tx(d, t->out, t->out_cap);
    if (t->out_len == 0u) {
        return HOST_TURN_SERVED;
    }
    return send_output(fds[0].fd, t);
}

int host_serve(device_t *d, host_turn_t *t, struct pollfd *fds, size_t nfds, int timeout_ms,
               uint32_t max_turns)
{
    if (t == NULL || max_turns == 0u) {
        return -DEVICE_E_ARG;
    }
    t->rx_total = t->tx_total = 0u;
    t->turns = 0u;
    int code = HOST_TURN_IDLE;
    while (t->turns < max_turns) {   /* bounded by max_turns */
        code = host_turn(d, t, fds, nfds, timeout_ms);
        t->turns++;
        t->rx_total += t->got;
        t->tx_total += t->sent;
        if (t->used != 0u) {
            t->rx_idle = (uint8_t)(t->rx[t->used - 1u] == 0u);
        }
        if (code != HOST_TURN_SERVED || t->used != t->got) {
            break;
        }
    }
    return code;
}
