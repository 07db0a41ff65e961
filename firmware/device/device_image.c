/*
 * device_image.c — save and load the device's non-volatile state as one
 * versioned, CRC-protected byte image (layout in device.h).
 */
#include <string.h>

#include "crypto.h"
#include "device.h"
#include "device_int.h"

#define IMG_MAGIC_LEN   4u
#define IMG_HEADER_LEN  16u   /* magic, version, reserved, total size, generation */
#define IMG_SETTINGS_LEN 23u  /* unsolicited seq, wall_set, wall_unix, wall_device, cache_next */
/* Reply cache entries: version 3 keeps the request (device_cache_entry_t);
 * versions 1 and 2 kept a CRC of its payload and load as unused. */
#define IMG_ENTRY_LEN   (7u + DEVICE_CACHE_DATA_MAX)
#define IMG_ENTRY_V2_LEN (10u + 80u)
#define IMG_FIXED_V1    (IMG_HEADER_LEN + IMG_SETTINGS_LEN + \
                         DEVICE_CACHE_ENTRIES * IMG_ENTRY_V2_LEN + 4u + 4u)
#define IMG_FIXED_V2    (IMG_FIXED_V1 + DEVICE_KEY_BLOCK_LEN)
#define IMG_FIXED_V3    (IMG_HEADER_LEN + IMG_SETTINGS_LEN + DEVICE_CACHE_ENTRIES * IMG_ENTRY_LEN + \
                         DEVICE_KEY_BLOCK_LEN + DEVICE_SEC_BLOCK_LEN + 4u + 4u)
#define IMG_FIXED_LEN   (IMG_FIXED_V3 + PLANT_IMAGE_LEN)   /* version 4: the plant block */

static const uint8_t img_magic[IMG_MAGIC_LEN] = {'P', 'Y', 'D', 'V'};

size_t device_image_size(void)
{
    return (size_t)IMG_FIXED_LEN + pump_snapshot_size();
}

static void put_entry(uint8_t *buf, size_t *pos, const device_cache_entry_t *e)
{
    proto_put_u16(buf, pos, e->seq);
    proto_put_u8(buf, pos, e->req_type);
    proto_put_u8(buf, pos, e->req_flags);
    proto_put_u8(buf, pos, e->req_len);
    proto_put_u8(buf, pos, e->reply_type);
    proto_put_u8(buf, pos, e->reply_len);
    (void)memcpy(&buf[*pos], e->data, DEVICE_CACHE_DATA_MAX);
    *pos += DEVICE_CACHE_DATA_MAX;
}

static void get_entry(const uint8_t *buf, size_t *pos, device_cache_entry_t *e)
{
    e->seq = proto_get_u16(buf, pos);
    e->req_type = proto_get_u8(buf, pos);
    e->req_flags = proto_get_u8(buf, pos);
    e->req_len = proto_get_u8(buf, pos);
    e->reply_type = proto_get_u8(buf, pos);
    e->reply_len = proto_get_u8(buf, pos);
    (void)memcpy(e->data, &buf[*pos], DEVICE_CACHE_DATA_MAX);
    *pos += DEVICE_CACHE_DATA_MAX;
}

int device_save(const device_t *d, uint8_t *buf, size_t cap, size_t *len)
{
    size_t need = device_image_size();
    size_t pos = 0u;
    size_t snap_len = 0u;
    uint32_t i;
    int rc;

    if (d == NULL || buf == NULL || len == NULL) {
        return DEVICE_E_ARG;
    }
    if (cap < need) {
        return DEVICE_E_NOSPACE;
    }
    (void)memcpy(buf, img_magic, IMG_MAGIC_LEN);
    pos = IMG_MAGIC_LEN;
    proto_put_u16(buf, &pos, (uint16_t)DEVICE_IMAGE_VERSION);
    proto_put_u16(buf, &pos, 0u);
    proto_put_u32(buf, &pos, (uint32_t)need);
    proto_put_u32(buf, &pos, d->nv_generation);
    proto_put_u16(buf, &pos, d->unsolicited_seq);
    proto_put_u8(buf, &pos, d->wall_set);
    proto_put_u64(buf, &pos, d->wall_unix_ms);
    proto_put_u64(buf, &pos, d->wall_device_ms);
    proto_put_u32(buf, &pos, d->cache_next);
    for (i = 0u; i < DEVICE_CACHE_ENTRIES; i++) {
        put_entry(buf, &pos, &d->cache[i]);
    }
    proto_put_u8(buf, &pos, d->auth.provisioned);
#ifndef DEVICE_NO_AUTH
    (void)memcpy(&buf[pos], d->auth.keys, sizeof d->auth.keys);
#else
    (void)memset(&buf[pos], 0, 2u * AUTH_KEY_LEN);
#endif
    pos += 2u * AUTH_KEY_LEN;
    /* ---- security block (version 3): failed proofs, suppressed SECURITY counts ---- */
    for (i = 0u; i <= DEVICE_SECURITY_REASONS; i++) {
#ifndef DEVICE_NO_AUTH
        proto_put_u32(buf, &pos, (i == 0u) ? d->auth.failed_proofs : d->auth.sec_suppressed[i - 1u]);
#else
        proto_put_u32(buf, &pos, 0u);
#endif
    }
    /* ---- end of the security block ---- */
    plant_save(&d->plant, &buf[pos]);            /* version 4: the plant block */
    pos += PLANT_IMAGE_LEN;
    proto_put_u32(buf, &pos, (uint32_t)pump_snapshot_size());
    rc = pump_snapshot_save(&d->pump, &buf[pos], cap - pos - 4u, &snap_len);
    if (rc != PUMP_OK) {
        return rc;
    }
    if (snap_len != pump_snapshot_size() || pos + snap_len + 4u != need) {
        return DEVICE_E_INTERNAL;
    }
    pos += snap_len;
    proto_put_u32(buf, &pos, proto_crc32(0u, buf, pos));
    *len = pos;
    return DEVICE_OK;
}

/* Non-volatile fields of the device, staged before anything is committed. */
typedef struct {
    uint32_t generation;
    uint16_t unsolicited_seq;
    uint8_t  wall_set;
    uint64_t wall_unix_ms;
    uint64_t wall_device_ms;
    uint32_t cache_next;
    device_cache_entry_t cache[DEVICE_CACHE_ENTRIES];
    uint8_t  provisioned;
    uint8_t  keys[2][AUTH_KEY_LEN];
    uint32_t sec[1u + DEVICE_SECURITY_REASONS];   /* security block: failed proofs, suppressed */
    uint8_t  has_plant;                           /* version 4 */
    plant_t  plant;
} staged_t;

/* Envelope checks: size, magic, version, CRC. *fixed: the version's fixed part. */
static int check_envelope(const uint8_t *buf, size_t len, size_t *fixed, uint16_t *version_out)
{
    size_t pos = IMG_MAGIC_LEN;
    uint16_t version;
    uint16_t reserved;
    uint32_t total;

    if (len < IMG_HEADER_LEN) {
        return DEVICE_E_IMAGE_SIZE;
    }
    if (memcmp(buf, img_magic, IMG_MAGIC_LEN) != 0) {
        return DEVICE_E_IMAGE_MAGIC;
    }
    version = proto_get_u16(buf, &pos);
    reserved = proto_get_u16(buf, &pos);
    total = proto_get_u32(buf, &pos);
    if (version != DEVICE_IMAGE_VERSION && version != 1u && version != 2u && version != 3u) {
        return DEVICE_E_IMAGE_VERSION;
    }
    *version_out = version;
    *fixed = (version == 1u) ? (size_t)IMG_FIXED_V1 :
             (version == 2u) ? (size_t)IMG_FIXED_V2 :
             (version == 3u) ? (size_t)IMG_FIXED_V3 : (size_t)IMG_FIXED_LEN;
    if ((size_t)total != len || len < *fixed) {
        return DEVICE_E_IMAGE_SIZE;
    }
    pos = len - 4u;
    if (proto_crc32(0u, buf, len - 4u) != proto_get_u32(buf, &pos)) {
        return DEVICE_E_IMAGE_CRC;
    }
    return (reserved == 0u) ? DEVICE_OK : DEVICE_E_IMAGE_INVALID;
}

/* Not provisioned: all zero. Provisioned: two non-zero keys (and a build
 * with sessions). */
static int keys_ok(const staged_t *s)
{
    uint8_t any[2] = {0u, 0u};
    uint32_t r;
    uint32_t i;

    for (r = 0u; r < 2u; r++) {
        for (i = 0u; i < AUTH_KEY_LEN; i++) {
            any[r] = (uint8_t)(any[r] | s->keys[r][i]);
        }
    }
    if (s->provisioned == 0u) {
        return (any[0] == 0u && any[1] == 0u) ? 1 : 0;
    }
#ifdef DEVICE_NO_AUTH
    return 0;
#else
    return (s->provisioned == 1u && any[0] != 0u && any[1] != 0u) ? 1 : 0;
#endif
}

/* Parse and check the device's own fields; *snap_pos and *snap_len locate the
 * core's snapshot. */
static int stage_fields(const uint8_t *buf, size_t len, size_t fixed, uint16_t version, staged_t *s,
                        size_t *snap_pos, size_t *snap_len)
{
    size_t pos = 12u;   /* after magic, version, reserved, total */
    uint32_t i;
    uint32_t n;

    (void)memset(s, 0, sizeof *s);
    s->generation = proto_get_u32(buf, &pos);
    s->unsolicited_seq = proto_get_u16(buf, &pos);
    s->wall_set = proto_get_u8(buf, &pos);
    s->wall_unix_ms = proto_get_u64(buf, &pos);
    s->wall_device_ms = proto_get_u64(buf, &pos);
    s->cache_next = proto_get_u32(buf, &pos);
    if (version >= 3u) {
        for (i = 0u; i < DEVICE_CACHE_ENTRIES; i++) {
            get_entry(buf, &pos, &s->cache[i]);
        }
    } else {
        /* Versions 1 and 2: entries keyed by a payload CRC cannot be
         * matched on the request's bytes; they load as unused. */
        pos += (size_t)DEVICE_CACHE_ENTRIES * IMG_ENTRY_V2_LEN;
        s->cache_next = 0u;
    }
    if (version >= 2u) {                    /* the key block */
        s->provisioned = proto_get_u8(buf, &pos);
        (void)memcpy(s->keys, &buf[pos], sizeof s->keys);
        pos += sizeof s->keys;
    }
    if (version >= 3u) {                    /* the security block (any value is valid) */
        for (i = 0u; i <= DEVICE_SECURITY_REASONS; i++) {
            s->sec[i] = proto_get_u32(buf, &pos);
        }
    }
    if (version >= 4u) {                    /* the plant block */
        if (plant_load(&s->plant, &buf[pos]) != PLANT_OK) {
            return DEVICE_E_IMAGE_INVALID;
        }
        s->has_plant = 1u;
        pos += PLANT_IMAGE_LEN;
    }
    n = proto_get_u32(buf, &pos);
    if (s->wall_set > 1u ||
        (s->wall_set == 0u && (s->wall_unix_ms != 0u || s->wall_device_ms != 0u))) {
        return DEVICE_E_IMAGE_INVALID;
    }
    if (device_cache_check(s->cache, s->cache_next) != DEVICE_OK || keys_ok(s) == 0) {
        return DEVICE_E_IMAGE_INVALID;
    }
    /* The snapshot fills the image up to the CRC exactly. */
    if ((size_t)n != len - fixed) {
        return DEVICE_E_IMAGE_SIZE;
    }
    *snap_pos = pos;
    *snap_len = (size_t)n;
    return DEVICE_OK;
}

int device_load(device_t *d, const uint8_t *buf, size_t len)
{
    staged_t s;
    size_t snap_pos = 0u;
    size_t snap_len = 0u;
    size_t fixed = 0u;
    uint16_t version = 0u;
    int rc;

    if (d == NULL || buf == NULL) {
        return DEVICE_E_ARG;
    }
    rc = check_envelope(buf, len, &fixed, &version);
    if (rc == DEVICE_OK) {
        rc = stage_fields(buf, len, fixed, version, &s, &snap_pos, &snap_len);
    }
    if (rc == DEVICE_OK) {
        rc = pump_snapshot_load(&d->pump, &buf[snap_pos], snap_len);  /* untouched on error */
    }
    if (rc != DEVICE_OK) {
        crypto_wipe(&s, sizeof s);
        return rc;
    }
    (void)memcpy(d->cache, s.cache, sizeof d->cache);
    d->cache_next = s.cache_next;
    d->unsolicited_seq = s.unsolicited_seq;
    d->wall_set = s.wall_set;
    d->wall_unix_ms = s.wall_unix_ms;
    d->wall_device_ms = s.wall_device_ms;
    d->nv_generation = s.generation;
    d->nv_saved_generation = s.generation;   /* it came from storage */
    d->auth.provisioned = s.provisioned;     /* 0 in a build without sessions (keys_ok) */
    {
        pump_balance_t b;
        pump_status_t st;
        pump_get_balance(&d->pump, &b);
        if (s.has_plant != 0u) {
            d->plant = s.plant;
            /* The plant's record of the core's totals is the core's (saved at
             * the same instant; a crafted image cannot make them differ). */
            d->plant.seen_pumped_nl = b.pumped_nl;
            d->plant.seen_delivered_pg = b.delivered_pg;
        } else {
            pump_get_status(&d->pump, &st);   /* versions 1..3: a plant that agrees */
            plant_mirror(&d->plant, st.reservoir_nl, st.conc_ug_ml, b.pumped_nl, b.delivered_pg);
        }
    }
#ifndef DEVICE_NO_AUTH
    (void)memcpy(d->auth.keys, s.keys, sizeof d->auth.keys);
    auth_close(&d->auth.session);            /* session keys are never saved */
    (void)memset(d->auth.challenge, 0, sizeof d->auth.challenge);
    d->auth.failed_proofs = s.sec[0];        /* security block: survives the restart */
    (void)memcpy(d->auth.sec_suppressed, &s.sec[1], sizeof d->auth.sec_suppressed);
#endif
    crypto_wipe(&s, sizeof s);
    device_after_load(d);
    return DEVICE_OK;
}
