/*
 * device_cache.c — the reply cache: the last DEVICE_CACHE_ENTRIES requests
 * that could change state, with their replies, matched on the full request
 * (rules in device.h).
 */
#include <string.h>

#include "crypto.h"
#include "device.h"
#include "device_int.h"
#include "proto_msgs.h"

/* The request and its reply share an entry's data: the largest pair must fit. */
typedef char device_cache_digest_fits[(CRYPTO_SHA256_SIZE + 2u <= DEVICE_CACHE_DATA_MAX &&
                                       DEVICE_CACHE_INLINE_MAX == CRYPTO_SHA256_SIZE) ? 1 : -1];

/* Bytes of data the request takes: its payload, or the payload's digest. */
static size_t kept_len(size_t payload_len)
{
    return (payload_len <= DEVICE_CACHE_INLINE_MAX) ? payload_len : (size_t)CRYPTO_SHA256_SIZE;
}

/* The request as an entry keeps it: the payload itself, or its SHA-256.
 * out holds DEVICE_CACHE_INLINE_MAX bytes. Returns DEVICE_OK or DEVICE_E_INTERNAL. */
static int keep_request(const proto_frame_t *f, uint8_t *out)
{
    if (f->payload_len <= DEVICE_CACHE_INLINE_MAX) {
        if (f->payload_len > 0u) {
            (void)memcpy(out, f->payload, f->payload_len);
        }
        return DEVICE_OK;
    }
    return (crypto_sha256(f->payload, f->payload_len, out) == CRYPTO_OK) ? DEVICE_OK : DEVICE_E_INTERNAL;
}

const device_cache_entry_t *device_cache_find(const device_t *d, const proto_frame_t *f)
{
    uint8_t kept[DEVICE_CACHE_INLINE_MAX];
    uint32_t i;

    for (i = 0u; i < DEVICE_CACHE_ENTRIES; i++) {
        const device_cache_entry_t *e = &d->cache[i];
        if (e->req_type != 0u && e->seq == f->seq) {
            /* At most one entry per seq (device_cache_store replaces). */
            if (e->req_type != f->msg_type || e->req_flags != f->flags ||
                (size_t)e->req_len != f->payload_len || keep_request(f, kept) != DEVICE_OK) {
                return NULL;
            }
            return (memcmp(e->data, kept, kept_len(f->payload_len)) == 0) ? e : NULL;
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
        if (d->cache[i].req_type != 0u && d->cache[i].seq == seq) {
            return i;
        }
    }
    slot = d->cache_next % DEVICE_CACHE_ENTRIES;
    d->cache_next = (slot + 1u) % DEVICE_CACHE_ENTRIES;
    return slot;
}

int device_cache_store(device_t *d, const proto_frame_t *f,
                       uint8_t reply_type, const uint8_t *reply, size_t reply_len)
{
    uint8_t kept[DEVICE_CACHE_INLINE_MAX];
    device_cache_entry_t *e;
    size_t k = kept_len(f->payload_len);

    if (f->msg_type == 0u || reply_len > DEVICE_CACHE_REPLY_MAX ||
        k + reply_len > DEVICE_CACHE_DATA_MAX || (reply == NULL && reply_len > 0u) ||
        keep_request(f, kept) != DEVICE_OK) {
        return DEVICE_E_INTERNAL;
    }
    e = &d->cache[slot_for(d, f->seq)];
    (void)memset(e, 0, sizeof *e);
    e->seq = f->seq;
    e->req_type = f->msg_type;
    e->req_flags = f->flags;
    e->req_len = (uint8_t)f->payload_len;
    e->reply_type = reply_type;
    e->reply_len = (uint8_t)reply_len;
    if (k > 0u) {
        (void)memcpy(e->data, kept, k);
    }
    if (reply_len > 0u) {
        (void)memcpy(&e->data[k], reply, reply_len);
    }
    return DEVICE_OK;
}

const uint8_t *device_cache_reply(const device_cache_entry_t *e)
{
    return &e->data[kept_len(e->req_len)];
}

static int data_tail_zero(const device_cache_entry_t *e, size_t from)
{
    size_t i;

    for (i = from; i < DEVICE_CACHE_DATA_MAX; i++) {
        if (e->data[i] != 0u) {
            return 0;
        }
    }
    return 1;
}

static int entry_ok(const device_cache_entry_t *e)
{
    const proto_msg_info_t *info;
    size_t k;

    if (e->req_type == 0u) {
        /* Unused entries are all zero, so a state has one image. */
        return (e->seq == 0u && e->req_flags == 0u && e->req_len == 0u &&
                e->reply_type == 0u && e->reply_len == 0u &&
                data_tail_zero(e, 0u) != 0) ? 1 : 0;
    }
    k = kept_len(e->req_len);
    if (e->reply_len > DEVICE_CACHE_REPLY_MAX || k + e->reply_len > DEVICE_CACHE_DATA_MAX ||
        (size_t)e->req_len > PROTO_MAX_PAYLOAD) {
        return 0;
    }
    /* A request's flags: kind REQUEST, nothing else (proto.h). */
    if (e->req_flags != PROTO_KIND_REQUEST) {
        return 0;
    }
    /* Any response message of the table (ACK, NAK, STATUS, REFILL_RESULT ...):
     * a list here would have to follow every request added to the table, and
     * a missed one makes a saved image that cannot be loaded again. */
    info = proto_msg_info(e->reply_type);
    if (info == NULL || (info->kinds & (1u << PROTO_KIND_RESPONSE)) == 0u) {
        return 0;
    }
    if (data_tail_zero(e, k + e->reply_len) == 0) {
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
            if (cache[i].req_type != 0u && cache[j].req_type != 0u && cache[i].seq == cache[j].seq) {
                return DEVICE_E_IMAGE_INVALID;
            }
        }
    }
    return DEVICE_OK;
}
