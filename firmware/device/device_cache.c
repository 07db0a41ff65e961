/*
 * device_cache.c — the reply cache: the last DEVICE_CACHE_ENTRIES requests
 * that could change state, with their replies (rules in device.h).
 */
#include <string.h>

#include "device.h"
#include "device_int.h"
#include "proto_msgs.h"

const device_cache_entry_t *device_cache_find(const device_t *d, uint16_t seq,
                                              uint8_t req_type, uint32_t req_crc)
{
    uint32_t i;

    for (i = 0u; i < DEVICE_CACHE_ENTRIES; i++) {
        const device_cache_entry_t *e = &d->cache[i];
        if (e->used != 0u && e->seq == seq && e->req_type == req_type &&
            e->req_crc == req_crc) {
            return e;
        }
    }
    return NULL;
}

/* Slot for a new entry: the one holding the same seq, else the oldest. */
static uint32_t slot_for(device_t *d, uint16_t seq)
{
    uint32_t i;
    uint32_t slot;

    for (i = 0u; i < DEVICE_CACHE_ENTRIES; i++) {
        if (d->cache[i].used != 0u && d->cache[i].seq == seq) {
            return i;
        }
    }
    slot = d->cache_next % DEVICE_CACHE_ENTRIES;
    d->cache_next = (slot + 1u) % DEVICE_CACHE_ENTRIES;
    return slot;
}

int device_cache_store(device_t *d, uint16_t seq, uint8_t req_type, uint32_t req_crc,
                       uint8_t reply_type, const uint8_t *reply, size_t reply_len)
{
    device_cache_entry_t *e;

    if (reply_len > DEVICE_CACHE_REPLY_MAX || (reply == NULL && reply_len > 0u)) {
        return DEVICE_E_INTERNAL;
    }
    e = &d->cache[slot_for(d, seq)];
    (void)memset(e, 0, sizeof *e);
    e->used = 1u;
    e->seq = seq;
    e->req_type = req_type;
    e->req_crc = req_crc;
    e->reply_type = reply_type;
    e->reply_len = (uint8_t)reply_len;
    if (reply_len > 0u) {
        (void)memcpy(e->reply, reply, reply_len);
    }
    return DEVICE_OK;
}

static int reply_tail_zero(const device_cache_entry_t *e, uint32_t from)
{
    uint32_t i;

    for (i = from; i < DEVICE_CACHE_REPLY_MAX; i++) {
        if (e->reply[i] != 0u) {
            return 0;
        }
    }
    return 1;
}

static int entry_ok(const device_cache_entry_t *e)
{
    if (e->used == 0u) {
        /* Unused entries are all zero, so a state has one image. */
        return (e->req_type == 0u && e->seq == 0u && e->req_crc == 0u &&
                e->reply_type == 0u && e->reply_len == 0u &&
                reply_tail_zero(e, 0u) != 0) ? 1 : 0;
    }
    if (e->used != 1u || e->reply_len > DEVICE_CACHE_REPLY_MAX) {
        return 0;
    }
    if (e->reply_type != PROTO_MSG_ACK && e->reply_type != PROTO_MSG_NAK &&
        e->reply_type != PROTO_MSG_STATUS) {
        return 0;
    }
    if (reply_tail_zero(e, e->reply_len) == 0) {
        return 0;
    }
    return (proto_msg_info(e->req_type) != NULL) ? 1 : 0;
}

int device_cache_check(const device_cache_entry_t *cache, uint32_t cache_next)
{
    uint32_t i;

    if (cache_next >= DEVICE_CACHE_ENTRIES) {
        return DEVICE_E_IMAGE_INVALID;
    }
    for (i = 0u; i < DEVICE_CACHE_ENTRIES; i++) {
        uint32_t j;
        if (entry_ok(&cache[i]) == 0) {
            return DEVICE_E_IMAGE_INVALID;
        }
        /* At most one entry per seq (device_cache_store replaces). */
        for (j = i + 1u; j < DEVICE_CACHE_ENTRIES; j++) {
            if (cache[i].used != 0u && cache[j].used != 0u && cache[i].seq == cache[j].seq) {
                return DEVICE_E_IMAGE_INVALID;
            }
        }
    }
    return DEVICE_OK;
}
