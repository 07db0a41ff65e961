/*
 * ring.h — single-producer single-consumer byte ring between an interrupt
 * handler and the main loop.
 *
 * The producer (the USART interrupt) only writes head, the consumer (the
 * main loop) only writes tail; both indexes are 32-bit and aligned, so each
 * load and store is a single access on a Cortex-M and needs no lock. The
 * indexes run freely and wrap at 2^32; RING_SIZE is a power of two, so
 * (head - tail) is the fill level even across the wrap.
 */
#ifndef PYEMU_RING_H
#define PYEMU_RING_H

#include <stddef.h>
#include <stdint.h>

#define RING_SIZE 512u   /* bytes; power of two; > largest request frame */

typedef struct {
    volatile uint32_t head;          /* next write position (producer) */
    volatile uint32_t tail;          /* next read position (consumer) */
    volatile uint32_t dropped;       /* bytes lost because the ring was full */
    volatile uint8_t  buf[RING_SIZE];
} ring_t;

void ring_reset(ring_t *r);
/* Producer: store one byte; returns 0, or -1 (and counts a drop) when full. */
int ring_put(ring_t *r, uint8_t byte);
/* Consumer: move up to cap bytes into out; returns how many. */
size_t ring_take(ring_t *r, uint8_t *out, size_t cap);
/* Consumer: copy up to cap waiting bytes into out without taking them;
 * returns how many. ring_skip then takes the first n of them (fewer if
 * fewer wait); returns how many it took. Together they let the consumer
 * leave bytes its reader refused in the ring, where they cost no RAM. */
size_t ring_peek(const ring_t *r, uint8_t *out, size_t cap);
size_t ring_skip(ring_t *r, size_t n);
/* Bytes waiting. */
uint32_t ring_level(const ring_t *r);

#endif /* PYEMU_RING_H */
