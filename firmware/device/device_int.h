/*
 * device_int.h — functions shared by the files of firmware/device; not an API.
 */
#ifndef PYEMU_DEVICE_INT_H
#define PYEMU_DEVICE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "device.h"
#include "proto_msgs.h"

/* Room a queued unsolicited frame must leave free: one reply of any size. */
#define DEVICE_TX_RESERVE ((uint32_t)PROTO_MAX_WIRE)

/* Counter increment that saturates instead of wrapping. */
void device_count(uint32_t *counter);

/*
 * Encode one frame and append it to the output queue if, after it, at least
 * `reserve` bytes stay free. Charges its bytes to the battery. Returns
 * DEVICE_OK, DEVICE_E_NOSPACE (nothing queued) or DEVICE_E_INTERNAL (the
 * codec refused to encode: a defect).
 */
int device_queue_frame(device_t *d, uint8_t msg_type, uint16_t seq, uint8_t flags,
                       const uint8_t *payload, size_t len, uint32_t reserve);

/* Free bytes in the output queue. */
uint32_t device_tx_free(const device_t *d);

/* device_load's last step: a reset as device.h describes (device.c). */
void device_after_load(device_t *d);

/* Queue ALARM if the alarm sets changed since the last report, and STATUS
 * telemetry if due. */
void device_service(device_t *d);

/* The STATUS payload of the pump now; returns its length. buf holds
 * DEVICE_CACHE_REPLY_MAX bytes. */
size_t device_status_payload(const device_t *d, uint8_t *buf);

/* An intact frame from the decoder: answer it (device_dispatch.c). */
void device_dispatch(device_t *d, const proto_frame_t *f);

/* Reply cache (device_cache.c). f is the request as answered (inside any
 * session: without AUTH). find: the entry remembering exactly this request
 * (seq, type, flags, payload), or NULL. store: remember f and its reply
 * (DEVICE_E_INTERNAL if they do not fit an entry: a defect). reply: the
 * entry's reply_len reply bytes. */
const device_cache_entry_t *device_cache_find(const device_t *d, const proto_frame_t *f);
int device_cache_store(device_t *d, const proto_frame_t *f,
                       uint8_t reply_type, const uint8_t *reply, size_t reply_len);
const uint8_t *device_cache_reply(const device_cache_entry_t *e);
/* DEVICE_OK if every entry is well-formed (used by device_load). */
int device_cache_check(const device_cache_entry_t *cache, uint32_t cache_next);

/* Physical plant (device_plant.c): a plant effect on the core (motor, log);
 * an interrogation (HELLO, GET_STATUS, GET_STATUS_EXT). */
int device_plant_effect(device_t *d, const plant_effect_t *fx);
void device_plant_interrogated(device_t *d);

/* Authenticated sessions (device_auth.c). */
/* Check a request against the session rules. PROTO_OK: answer *inner (the
 * frame without its AUTH flag); d->auth.current says if the reply is sealed.
 * Otherwise the NAK reason to answer unsealed (already logged). */
int device_auth_check(device_t *d, const proto_frame_t *f, proto_frame_t *inner);
/* PROTO_OK if the session's role may send this request, else AUTH_ROLE (logged). */
int device_auth_role(device_t *d, uint8_t msg_type);
/* Handshake steps: PROTO_OK and *out filled, or a NAK reason (logged). */
int device_auth_begin(device_t *d, const proto_auth_begin_t *m, proto_auth_challenge_t *out);
int device_auth_prove(device_t *d, const proto_auth_prove_t *m, proto_auth_accept_t *out);
/* Seal raw (header with AUTH + payload, len bytes, room for the trailer in cap). */
int device_auth_seal(device_t *d, uint8_t *raw, size_t len, size_t cap, size_t *out_len);
/* Unsolicited frames: 0 send plain (no keys), 1 seal, -1 hold (keys, no session). */
int device_auth_unsolicited(const device_t *d);
/* End the session after a reply (AUTH_END) or at once. */
void device_auth_after_reply(device_t *d);
/* Image key block (device_image.c). */
#define DEVICE_KEY_BLOCK_LEN (1u + 2u * AUTH_KEY_LEN)
/* Image security block (version 3): failed proofs, suppressed SECURITY counts. */
#define DEVICE_SEC_BLOCK_LEN (4u + 4u * DEVICE_SECURITY_REASONS)

#endif /* PYEMU_DEVICE_INT_H */
