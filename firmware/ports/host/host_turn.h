/*
 * host_turn.h -- one turn of `pyemu serve`'s loop in C (the host port).
 *
 * The emulator's loop (pyemu/host/emulator.py, Emulator.step) waits for
 * bytes, feeds one frame to the device, saves when a command dirtied the
 * state, and sends the device's output. Its Python costs about as much as
 * the device's own turn on every request, so the usual turn runs here, and
 * Python is handed back everything that is not usual: other descriptors
 * ready (observers), a save due, bytes left over, a short or failed write,
 * a read error. Like the board ports' main loops, this is the only place
 * with OS calls (poll, read, write); it is compiled into the host extension
 * only, never into a board image.
 *
 * HOST CONTRACT: fds[0] is the controlling line (non-blocking); fds[1..]
 * are watched only: if any has an event, host_turn returns HOST_TURN_OTHER
 * at once, reading nothing, with every revents filled in, and the caller
 * handles them (and the line, if fds[0].revents says so). Manual clock
 * only: the device is not ticked here.
 */
#ifndef PYEMU_HOST_TURN_H
#define PYEMU_HOST_TURN_H

#include <stddef.h>
#include <stdint.h>
#include <poll.h>

#include "device.h"

#define HOST_TURN_IDLE     0   /* the wait ended with nothing to read */
#define HOST_TURN_SERVED   1   /* a frame (or part of one) fed; output sent */
#define HOST_TURN_OTHER    2   /* a watched descriptor is ready: see revents */
#define HOST_TURN_SAVE     3   /* fed; the state is dirty: save, then send */
#define HOST_TURN_READ_ERR 4   /* read failed or end of stream: the caller reads again to learn which */
#define HOST_TURN_UNSENT   5   /* fed; output left in out[sent..out_len): send it */

typedef struct {
    uint8_t *rx;        /* receive buffer (the caller's) */
    size_t   rx_cap;
    uint8_t *out;       /* output buffer, more than DEVICE_TXQ_SIZE: one device_tx drains all */
    size_t   out_cap;
    uint8_t  saves;     /* 1: the host keeps a state file: a dirty state ends the turn
                           (HOST_TURN_SAVE); 0: nothing to save, the state is never clean */
    /* results of the last turn */
    size_t   got;       /* bytes read into rx */
    size_t   used;      /* of them, taken by the device; rx[used..got) is the caller's */
    size_t   out_len;   /* output bytes taken from the device into out */
    size_t   sent;      /* of them, written to the line */
    /* totals over the turns of the last host_serve call (the last turn included) */
    size_t   rx_total;
    size_t   tx_total;
    uint32_t turns;
    uint8_t  rx_idle;   /* the last byte fed was a delimiter (between frames) */
} host_turn_t;

/* Wait up to timeout_ms (-1: forever) on fds, then serve the line once.
   Returns a HOST_TURN_* code, or a negative device result (-rc of device_rx). */
int host_turn(device_t *d, host_turn_t *t, struct pollfd *fds, size_t nfds, int timeout_ms);

/* host_turn again and again while each turn is HOST_TURN_SERVED with nothing
   left over, at most max_turns times: a client's requests one after another
   never leave C. Returns the last turn's code; rx_total, tx_total, turns and
   rx_idle say what all of them did. */
int host_serve(device_t *d, host_turn_t *t, struct pollfd *fds, size_t nfds, int timeout_ms,
               uint32_t max_turns);

#endif /* PYEMU_HOST_TURN_H */
