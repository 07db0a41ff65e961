/*
 * auth.h — the building blocks of authenticated sessions (protocol/spec.md
 * section 6): key derivation and proofs of the handshake, frame tags, and
 * the receive rule for counters (replay, reorder, retransmission).
 *
 * Pure functions over caller-owned state; no malloc. The device side of a
 * session (firmware/device/device_auth.c) is built on them; pyemu/auth.py is
 * the host side, checked against this code.
 *
 * Raw frames are as in spec section 1.1, without the 4-byte CRC: 6-byte
 * header (flag AUTH set), payload, 20-byte trailer (u32 LE counter, 16-byte
 * tag).
 */
#ifndef PYEMU_AUTH_H
#define PYEMU_AUTH_H

#include <stddef.h>
#include <stdint.h>

#define AUTH_KEY_LEN      32u
#define AUTH_NONCE_LEN    16u
#define AUTH_TAG_LEN      16u
#define AUTH_PROOF_LEN    16u
#define AUTH_TRAILER_LEN  20u   /* counter + tag */
#define AUTH_HEADER_LEN   6u

#define AUTH_ROLE_CLINICIAN 1u
#define AUTH_ROLE_PATIENT   2u

/* Results of auth_accept (AUTH_OK..AUTH_RETRANSMIT accept the frame). */
#define AUTH_OK            0    /* a new frame: counter greater than the last */
#define AUTH_RETRANSMIT    1    /* byte-identical copy of the last accepted frame */
#define AUTH_E_ARG         2    /* NULL, bad length, or no open session */
#define AUTH_E_FAILED      3    /* tag does not verify (NAK AUTH_FAILED) */
#define AUTH_E_REPLAY      4    /* counter not greater than the last (NAK AUTH_REPLAY) */

/* One direction of an open session, as one side sees it. */
typedef struct {
    uint8_t  tx_key[AUTH_KEY_LEN];   /* tags of frames this side sends */
    uint8_t  rx_key[AUTH_KEY_LEN];   /* tags of frames this side receives */
    uint32_t tx_counter;             /* counter of the last frame sent (0: none) */
    uint32_t rx_counter;             /* counter of the last frame accepted (0: none) */
    uint8_t  rx_last_tag[AUTH_TAG_LEN];   /* tag of that frame: spots a retransmission */
    uint8_t  role;
    uint8_t  open;
} auth_session_t;

/*
 * Handshake (spec 6.2): from the role's key and the context, open *s for
 * the device side (is_device = 1: sends with Kdh, receives with Khd) or the
 * host side, and write both proofs (either may be NULL). Returns AUTH_OK or
 * AUTH_E_ARG (role not 1 or 2, NULL key or nonce).
 */
int auth_open(auth_session_t *s, int is_device, const uint8_t key[AUTH_KEY_LEN], uint8_t role,
              uint32_t serial, uint32_t session_id, const uint8_t host_nonce[AUTH_NONCE_LEN],
              const uint8_t device_nonce[AUTH_NONCE_LEN], uint8_t host_proof[AUTH_PROOF_LEN],
              uint8_t device_proof[AUTH_PROOF_LEN]);

/* tag = HMAC(key, data[0:len] || counter LE)[0:16]. */
int auth_tag(const uint8_t key[AUTH_KEY_LEN], const uint8_t *data, size_t len, uint32_t counter,
             uint8_t tag[AUTH_TAG_LEN]);

/*
 * Seal a frame to send: raw holds header + payload (len bytes) and room for
 * the trailer (cap >= len + 20); the next counter and the tag are appended
 * and *out_len = len + 20. AUTH_E_ARG if the session is closed, the counter
 * is exhausted (the session must end) or there is no room.
 */
int auth_seal(auth_session_t *s, uint8_t *raw, size_t len, size_t cap, size_t *out_len);

/*
 * Receive rule for a raw frame with trailer (len bytes, no CRC): verify the
 * tag (constant time), then the counter. Accepts a greater counter (AUTH_OK,
 * remembered) or a byte-identical copy of the last accepted frame
 * (AUTH_RETRANSMIT); refuses everything else without changing *s.
 */
int auth_accept(auth_session_t *s, const uint8_t *raw, size_t len);

/* Forget the session's keys (wiped). */
void auth_close(auth_session_t *s);

#endif /* PYEMU_AUTH_H */
