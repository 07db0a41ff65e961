/* ring.c — SPSC byte ring; see ring.h for the concurrency argument. */
#include "ring.h"

typedef char ring_size_is_power_of_two[((RING_SIZE & (RING_SIZE - 1u)) == 0u) ? 1 : -1];

void ring_reset(ring_t *r)
{
    r->head = 0u;
    r->tail = 0u;
    r->dropped = 0u;
}

uint32_t ring_level(const ring_t *r)
{
    return r->head - r->tail;   /* unsigned wrap gives the distance */
}

int ring_put(ring_t *r, uint8_t byte)
{
    uint32_t head = r->head;
    if (head - r->tail >= RING_SIZE) {
        r->dropped = r->dropped + 1u;
        return -1;
    }
    r->buf[head & (RING_SIZE - 1u)] = byte;
    /* buf and head are both volatile: the byte is stored before head moves. */
    r->head = head + 1u;
    return 0;
}

size_t ring_take(ring_t *r, uint8_t *out, size_t cap)
{
    /* A look, then the tail moves past what was copied (the consumer owns tail). */
    return ring_skip(r, ring_peek(r, out, cap));
}

size_t ring_peek(const ring_t *r, uint8_t *out, size_t cap)
{
    uint32_t tail = r->tail;
    uint32_t level = r->head - tail;
    size_t n = 0u;

    if (out == NULL) {
        return 0u;
    }
    /* Bounded by cap and by RING_SIZE (level never exceeds it). */
    while (n < cap && level > 0u) {
        out[n] = r->buf[tail & (RING_SIZE - 1u)];
        tail++;
        level--;
        n++;
    }
    return n;
}

size_t ring_skip(ring_t *r, size_t n)
{
    uint32_t level = r->head - r->tail;
    size_t k = (n < (size_t)level) ? n : (size_t)level;

    r->tail = r->tail + (uint32_t)k;
    return k;
}
