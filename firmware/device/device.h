/*
 * device.h — the pump as seen from its serial line: bytes and time in, bytes out.
 *
 * The same C runs in the emulator (pyemu.device through cffi) and in the
 * board firmware (firmware/ports), so both answer every frame with the same
 * bytes. A device_t holds the dosing core (pump_t), the stream decoder of the
 * wire protocol, a bounded output queue, the reply cache, the telemetry and
 * alarm reporting state and the clock mode. No dynamic memory; every buffer
 * has a fixed size given below.
 *
 * ----------------------------------------------------------------------
 * HOST CONTRACT (the emulator's serve loop, the board's main loop)
 * ----------------------------------------------------------------------
 *   device_init(d, cfg, opt)            once, for a new pump, or
 *   device_init(...) + device_load(...) to restart from a saved image.
 *   loop:
 *     device_tick(d, now_ms)            realtime/accelerated: the simulated
 *                                       time now; manual mode: time ignored
 *     device_rx(d, bytes, n, &used)     bytes received, in order; keep
 *                                       bytes [used, n) for the next turn
 *                                       and read no more until they are in
 *     (new peer on the line: device_rx_reset(d) before its first byte)
 *     if (device_nv_dirty(d)) {         an accepted command changed the
 *         gen = device_nv_generation(d);   non-volatile state:
 *         device_save(d, buf, cap, &len);  take the image,
 *         write it durably;                 store it (atomically),
 *         device_nv_saved(d, gen);          then release the replies
 *     }
 *     n = device_tx(d, out, cap);       send these bytes
 *
 * Replies wait for the save. With opt.hold_until_saved = 1, device_tx gives
 * out nothing while device_nv_dirty() is true: a reply (ACK of a bolus, say)
 * can never reach the host before the state that produced it is durable, so
 * a host killed at any instant never loses a command the other side saw
 * accepted, and a restarted device answers the retry from its reply cache
 * instead of executing it again. A host that forgets to save sees no reply
 * at all (the client times out): loud, never a silent loss. A host without
 * non-volatile storage (the board firmware, an emulator without a state
 * file) sets hold_until_saved = 0; the generation then only tells it what
 * changed. Only accepted commands (the cached requests below) dirty the
 * state; time moving under device_tick does not (the host saves that
 * periodically: losing some simulated minutes on a crash loses no command).
 *
 * ----------------------------------------------------------------------
 * REPLY CACHE (protocol/spec.md section 3)
 * ----------------------------------------------------------------------
 * The device remembers the last DEVICE_CACHE_ENTRIES requests that changed
 * or could change its state (every request except HELLO, GET_STATUS and
 * READ_EVENTS, which only read): seq, the request itself and the reply
 * (ACK, NAK with a core reason, or ADVANCE's STATUS). A request equal in
 * seq and in its full bytes to a remembered one is not executed: the
 * remembered reply is sent again with flag REPLAYED. A request with a
 * remembered seq but any other byte is new: it is executed and replaces
 * that entry. Otherwise the oldest entry is replaced. Read-only requests
 * are executed again on a retry (nothing to double) and answered with fresh
 * data. Requests refused before execution (codec errors, CLOCK_MODE,
 * UNSUPPORTED, BUSY) are not remembered: nothing happened. The cache is
 * part of the saved image.
 *
 * Matching on the full request. Type, flags (those of the request inside
 * any session: AUTH and its trailer change on every send and are not the
 * request) and payload length are compared as they are; a payload of at
 * most DEVICE_CACHE_INLINE_MAX bytes (every cached request but a long
 * PRESCRIBE) is kept and compared byte for byte; a longer one is kept as
 * its SHA-256 digest (firmware/crypto) and compared by digest. A CRC, as
 * before image version 3, is not enough: CRC-32 is linear, so 4 chosen
 * bytes give any payload the CRC of another, and a crafted 5 mL bolus was
 * answered from the cache as if it were a remembered 60 uL one (never
 * given, reported done). For SHA-256 no second payload with a given
 * digest, nor any two payloads with one digest, is known; finding one
 * takes about 2^256 resp. 2^128 evaluations, so matching the digest is
 * matching the bytes for every practical purpose (an accidental match of
 * two payloads of one seq and type: 2^-256). Why not every request in full: 8 x
 * 224 payload bytes do not fit the board's 16 KiB of RAM (24 B were left);
 * the request and its reply share one DEVICE_CACHE_DATA_MAX area, sized for
 * the largest pair (ADVANCE: 8 + a 77-byte STATUS; PRESCRIBE: a 32-byte
 * digest + NAK), so an entry is no larger than the CRC-keyed one was.
 *
 * Seq choice (spec section 3): a host starts its counter at a random value
 * per connection and counts up. A REPLAYED reply to a request the host had
 * not sent before means "not executed: this seq, type and payload matched an
 * older request" (another process that drew the same seq); the host sends
 * it again with a new seq drawn at random (the neighbouring seqs of that
 * older run may be remembered too) and never reports the first attempt as
 * done (pyemu.client does so, bounded).
 *
 * ----------------------------------------------------------------------
 * OUTPUT QUEUE
 * ----------------------------------------------------------------------
 * DEVICE_TXQ_SIZE bytes of whole wire frames. Every request gets exactly
 * one reply: device_rx hands the decoder more bytes only while the queue has
 * room for the largest frame (PROTO_MAX_WIRE), and otherwise returns early
 * with the count it consumed (backpressure). The host keeps the rest, drains
 * the queue with device_tx and feeds the rest again; meanwhile it reads no
 * more from its line, so a pipelining sender is slowed by the line (OS
 * buffers, flow control), never answered BUSY or ignored. A board whose
 * receive ring overflows while the device is paused loses those bytes on the
 * line (counted by the port, uart_rx_lost); their requests are never seen,
 * as with any byte lost on a wire. The dispatcher's NAK BUSY (queue without
 * room for a reply) stays as a defence and cannot occur through device_rx.
 * Unsolicited frames (STATUS telemetry,
 * ALARM) are queued only if room for one more reply stays free, so they are
 * dropped before any reply is: a dropped STATUS is counted; a dropped ALARM
 * is retried at the next device_rx/device_tick (the reported alarm state is
 * only updated once an ALARM is queued). A dropped frame is not sent, so it
 * is not charged to the battery: for the battery and the frames to be the
 * same on every host, a host drains device_tx after every frame it feeds
 * (the board's loop does; `pyemu serve` feeds one frame per turn and sends
 * its output before the next), never a pipelined burst at once.
 *
 * ----------------------------------------------------------------------
 * TIME AND UNSOLICITED FRAMES
 * ----------------------------------------------------------------------
 * Device time is the core's (ms since implant). Manual mode: only ADVANCE
 * moves it. Realtime/accelerated: device_tick(now_ms) moves it (now_ms is
 * simulated time; the host scales wall time), and ADVANCE is refused with
 * NAK CLOCK_MODE. Whenever time has moved (tick or ADVANCE), and after every
 * executed command:
 *   - if the active or unacknowledged alarm set differs from the last one
 *     reported, one ALARM frame is queued (raised/cleared relative to it);
 *   - if telemetry is on (period > 0) and device time reached the next due
 *     time, one STATUS telemetry frame is queued and the due time moves to
 *     the first multiple of the period after now (missed periods are skipped,
 *     never queued in a burst).
 * Order of frames for one request: its reply, then ALARM, then STATUS.
 * After device_init and device_load a lone 0x00 is queued (ends whatever
 * partial frame the host's decoder holds); after device_load the active
 * alarms are announced again (an ALARM queued before the restart may never
 * have left).
 *
 * SET_CLOCK keeps (unix_ms, device time) as the wall-clock reference (saved)
 * and logs CLOCK_SET with data0/data1 = low/high 32 bits of unix_ms; device
 * time does not move. ADVANCE replies with the STATUS after the jump.
 * PRESCRIBE with step_unit DOSE_UG_DAY: each dose is converted with
 * pump_dose_to_rate at the prescription's concentration; a dose that does not
 * convert is given to the core as an out-of-range rate, so the core applies
 * its checks in its order, logs PRESCRIBE_REFUSED and names the reason.
 *
 * Battery: every byte received and every byte queued for sending is charged
 * to the core (pump_count_telemetry). Received bytes are charged before the
 * frame they complete is executed, so the state any reply shows does not
 * depend on how the bytes were split into device_rx calls.
 *
 * Return codes: 0 ok; 1..127 a pump_result_t from the core; DEVICE_E_* below.
 */
#ifndef PYEMU_DEVICE_H
#define PYEMU_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "plant.h"
#include "proto.h"
#include "pump.h"

#define DEVICE_FW_MAJOR        0u
#define DEVICE_FW_MINOR        1u
#define DEVICE_FW_PATCH        0u

/* Output queue. The most one request puts out is ADVANCE in a session: its
 * sealed STATUS (110 bytes on the wire), a sealed ALARM (57) and a sealed
 * STATUS telemetry frame (110), each queued only while a largest reply
 * (PROTO_MAX_WIRE, 257) still fits: 110 + 57 + 110 + 257 = 534 <= 576. A
 * READ_EVENTS reply (up to 257) moves no time and so brings no telemetry.
 * The same size on every target (the board's RAM budget sets it), so a
 * queue-full NAK BUSY comes at the same byte on the emulator and a board. */
#define DEVICE_TXQ_SIZE        576u
#define DEVICE_CACHE_ENTRIES   8u     /* requests remembered by the reply cache */
#define DEVICE_CACHE_REPLY_MAX 80u    /* largest cached reply payload (STATUS: 77) */
#define DEVICE_CACHE_INLINE_MAX 32u   /* longer request payloads are kept as SHA-256 (32 B) */
#define DEVICE_CACHE_DATA_MAX  85u    /* request as kept + reply: ADVANCE 8 + STATUS 77 */
#define DEVICE_TELEMETRY_PERIOD_MAX_MS 2592000000u  /* 30 days */
#define DEVICE_IMAGE_VERSION   4u     /* 4: plant block; 3: cache entries hold the request,
                                         security block; 2: key block; 1, 2 and 3 still load
                                         (1 and 2: cache entries as unused; 1..3: a patent,
                                         error-free plant that agrees with the core) */
/* Most core steps one device_advance makes: drift days (a drift lasts
 * < 50 days), stroke-by-stroke steps towards an occlusion stall (at most
 * PLANT_STALL_AFTER_MAX), scan end, recovery, the target. */
#define DEVICE_PLANT_MAX_STEPS (PLANT_STALL_AFTER_MAX + 64u)

/* Return codes of this layer (the core's pump_result_t pass through as they are). */
#define DEVICE_OK              0
#define DEVICE_E_ARG           220  /* NULL pointer or argument out of range */
#define DEVICE_E_OPTIONS       221  /* clock mode, speed or telemetry period out of range */
#define DEVICE_E_NOSPACE       222  /* the caller's buffer is too small */
#define DEVICE_E_IMAGE_SIZE    223  /* image truncated or of the wrong size */
#define DEVICE_E_IMAGE_MAGIC   224  /* not a device image */
#define DEVICE_E_IMAGE_VERSION 225  /* image of an unknown layout version */
#define DEVICE_E_IMAGE_CRC     226  /* image corrupt */
#define DEVICE_E_IMAGE_INVALID 227  /* image decodes but a field is out of range */
#define DEVICE_E_INTERNAL      228  /* an invariant of this layer failed (a defect) */

/* Clock modes (wire values of HELLO_INFO.clock_mode). */
#define DEVICE_CLOCK_MANUAL      0u  /* only ADVANCE moves time: tests, conformance */
#define DEVICE_CLOCK_REALTIME    1u  /* device_tick with wall time */
#define DEVICE_CLOCK_ACCELERATED 2u  /* device_tick with wall time x speed */

/* What the host decides when it starts the device; not part of the image. */
typedef struct {
    uint8_t  clock_mode;           /* DEVICE_CLOCK_* */
    uint32_t clock_speed;          /* HELLO_INFO: 0 manual, 1 realtime, N >= 2 accelerated */
    uint64_t telemetry_period_ms;  /* 0 = no periodic STATUS; else 1..30 days */
    uint8_t  test_features;        /* 1: INJECT_FAULT accepted (test benches only) */
    uint8_t  hold_until_saved;     /* 1: device_tx holds output while state is unsaved */
} device_options_t;

/* Fill *opt with: manual clock, speed 0, no telemetry, no test features, no hold. */
void device_default_options(device_options_t *opt);

/* Counters since device_init/device_load (not saved). Saturate at UINT32_MAX. */
typedef struct {
    uint32_t rx_bytes;
    uint32_t rx_frames;            /* intact frames (decoder's count) */
    uint32_t rx_dropped_chunks;    /* damaged chunks, all reasons (decoder's counts) */
    uint32_t rx_ignored;           /* intact frames that were not requests: never answered */
    uint32_t requests;             /* requests answered (executed, replayed or refused) */
    uint32_t executed;             /* requests executed */
    uint32_t replayed;             /* requests answered from the reply cache */
    uint32_t naks;                 /* NAK replies sent (any reason) */
    uint32_t busy;                 /* NAK BUSY: output queue too full to execute */
    uint32_t replies_dropped;      /* no room even for NAK BUSY */
    uint32_t tx_frames;
    uint32_t tx_bytes;             /* bytes queued */
    uint32_t telemetry_sent;       /* STATUS telemetry frames queued */
    uint32_t telemetry_dropped;    /* STATUS telemetry frames dropped (queue full) */
    uint32_t alarms_sent;          /* ALARM frames queued */
    uint32_t alarms_deferred;      /* ALARM frames postponed (queue full) */
} device_stats_t;

/* One remembered request and its reply. data holds the request as kept
 * (req_len payload bytes if req_len <= DEVICE_CACHE_INLINE_MAX, else their
 * SHA-256), then reply_len reply bytes, then zeros. req_type 0: unused
 * (message ids start at 1; an unused entry is all zero). */
typedef struct {
    uint16_t seq;
    uint8_t  req_type;
    uint8_t  req_flags;            /* the request's flags (no AUTH) */
    uint8_t  req_len;              /* request payload length */
    uint8_t  reply_type;           /* ACK, NAK or STATUS */
    uint8_t  reply_len;
    uint8_t  data[DEVICE_CACHE_DATA_MAX];
} device_cache_entry_t;

/*
 * ----------------------------------------------------------------------
 * AUTHENTICATED SESSIONS (protocol/spec.md section 6; device_auth.c)
 * ----------------------------------------------------------------------
 * A device without keys is a version-1 device: open to every request, an
 * AUTH frame or a handshake message is NAK UNSUPPORTED. The host provisions
 * keys with device_provision (pyemu keys provision writes them into a
 * stopped emulator's state file); there is no message that writes or reads
 * a key. Once provisioned, only HELLO, AUTH_BEGIN and AUTH_PROVE are
 * answered without a session (everything else: NAK AUTH_REQUIRED), requests
 * inside a session carry flag AUTH and a counter + tag trailer, replies and
 * unsolicited frames are sealed, and unsolicited frames wait for a session.
 * Refusals are logged as SECURITY events, at most one per reason per minute
 * of device time (the next carries the count suppressed meanwhile; a
 * successful handshake writes the counts still pending, so every burst of
 * refusals ends up in at most two entries per reason and a minute). Nonces
 * come from HMAC(seed, session number): the host gives fresh entropy with
 * device_seed after device_init (device_load keeps the seed; the emulator:
 * os.urandom, a board: its TRNG or the host at boot); without it a
 * provisioned device refuses AUTH_BEGIN. The board images run this same code
 * (keys from `make firmware KEYS=FILE`, firmware/ports/README.md). Built with
 * DEVICE_NO_AUTH (no image does so today), the device is always version 1.
 *
 * DENIAL OF SERVICE. The handshake messages come from anyone on the line,
 * so nothing a keyless sender does may lock a keyholder out (a 128-bit
 * proof is not guessed; the threat is a flood that starves the keyholder):
 *   - No lockout. A failed proof only counts (failed_proofs, saved in the
 *     image: it survives restarts) and is logged (coalesced, above).
 *   - One pending challenge per role; AUTH_PROVE is checked against both, and
 *     a wrong proof cancels none (a stray proof cannot break a keyholder's
 *     handshake). A challenge stays until replaced, or its session ends.
 *   - A pending challenge is held for the next DEVICE_AUTH_HOLD_REQUESTS
 *     requests (any sender, any type): meanwhile AUTH_BEGIN for its role is
 *     NAK AUTH_RATE_LIMITED. After that an AUTH_BEGIN replaces it with
 *     probability 1/DEVICE_AUTH_ADMIT_ODDS (a coin from the seed that no
 *     sender can predict, so no timing of a flood keeps the keyholder's
 *     attempts out of phase), else AUTH_RATE_LIMITED. A slot that is empty
 *     or whose handshake succeeded is taken at once. Time is counted in
 *     requests: it passes on every clock, a manual one included, exactly as
 *     fast as the flood comes.
 *   So a keyholder whose AUTH_PROVE follows its AUTH_BEGIN within g <= 14
 *   other requests gets in as soon as it holds a challenge, and each of its
 *   AUTH_BEGIN gets one with probability >= (1/16)(15/16)^g >= 1/40 however
 *   the flood is made and timed (about 1/32 if its timing is not adversarial);
 *   the client tries up to DEVICE_AUTH_MAX_ATTEMPTS times (all fail: < 10^-5).
 */
#define DEVICE_AUTH_IDLE_MS        1800000u  /* a session ends after 30 min without a request */
#define DEVICE_AUTH_HOLD_REQUESTS  16u       /* a pending challenge is held this many requests */
#define DEVICE_AUTH_ADMIT_ODDS     16u       /* then replaced by an AUTH_BEGIN with probability 1/16 */
#define DEVICE_AUTH_MAX_ATTEMPTS   512u      /* handshake attempts of a client (pyemu.client) */
#define DEVICE_SECURITY_PERIOD_MS  60000u    /* at most one SECURITY event per reason per period */
#define DEVICE_SECURITY_REASONS    5u        /* AUTH_REQUIRED, _FAILED, _REPLAY, _ROLE, _RATE_LIMITED */

#ifndef DEVICE_NO_AUTH
/* A challenge sent in answer to AUTH_BEGIN, waiting for its proof. */
typedef struct {
    uint8_t  state;                                /* 0 none, 1 challenged, 2 accepted (session open) */
    uint16_t issued;                               /* auth.requests when sent (wraps; differences only) */
    uint32_t session;                              /* its session number = count of its device nonce */
    uint8_t  host_nonce[AUTH_NONCE_LEN];
} device_challenge_t;

typedef struct {
    uint8_t  provisioned;                          /* saved with the keys */
    uint8_t  keys[2][AUTH_KEY_LEN];                /* saved: [0] clinician, [1] patient */
    uint8_t  seeded;
    uint8_t  seed[AUTH_KEY_LEN];                   /* host entropy: nonces, admission coin */
    auth_session_t session;                        /* never saved */
    uint64_t last_ms;                              /* device time of the last accepted request */
    uint8_t  current;                              /* the request being answered came sealed */
    uint8_t  end_after_reply;                      /* AUTH_END: close once its ACK is sealed */
    uint16_t requests;                             /* requests seen (wraps): the hold's clock */
    device_challenge_t challenge[2];               /* [0] clinician, [1] patient */
    uint32_t next_session;
    uint32_t failed_proofs;                        /* saved; saturates */
    uint64_t sec_last_ms[DEVICE_SECURITY_REASONS];
    uint8_t  sec_logged[DEVICE_SECURITY_REASONS];
    uint32_t sec_suppressed[DEVICE_SECURITY_REASONS];   /* saved */
} device_auth_t;
#else
typedef struct {
    uint8_t  provisioned;                          /* always 0 */
    uint8_t  current;                              /* always 0 */
    uint8_t  end_after_reply;
} device_auth_t;
#endif

/* The device. Allocate it statically (or through cffi); fields are private
 * to firmware/device. Size is dominated by the pump's event log. */
typedef struct device {
    pump_t pump;
    proto_decoder_t dec;
    device_options_t opt;

    /* output queue: ring of whole wire frames */
    uint8_t  txq[DEVICE_TXQ_SIZE];
    uint32_t tx_head;              /* index of the next byte to send */
    uint32_t tx_count;             /* bytes queued */

    /* reply cache (saved) */
    device_cache_entry_t cache[DEVICE_CACHE_ENTRIES];
    uint32_t cache_next;           /* slot replaced when no entry has the seq */

    /* unsolicited frames */
    uint16_t unsolicited_seq;      /* seq of the next unsolicited frame (saved) */
    uint64_t telemetry_due_ms;
    uint32_t reported_alarms;      /* alarm sets the last ALARM frame reported */
    uint32_t reported_unacked;

    /* wall clock from SET_CLOCK (saved): unix_ms at device time device_ms */
    uint8_t  wall_set;
    uint64_t wall_unix_ms;
    uint64_t wall_device_ms;

    /* non-volatile bookkeeping */
    uint32_t nv_generation;        /* +1 per accepted command */
    uint32_t nv_saved_generation;  /* generation the host last made durable */

    device_stats_t stats;
    device_auth_t auth;

    /* the physical plant (bench mode; saved): see PHYSICAL PLANT below */
    plant_t plant;
} device_t;

/*
 * Start a new pump (pump_init with *cfg) at time 0. Returns DEVICE_OK, the
 * core's PUMP_E_CONFIG, DEVICE_E_OPTIONS or DEVICE_E_ARG; *d is unusable
 * after an error.
 */
int device_init(device_t *d, const pump_config_t *cfg, const device_options_t *opt);

/*
 * Feed received bytes, in order: every complete frame is checked and
 * executed (or answered from the cache, or refused) and its reply queued.
 * *consumed tells how many of the n bytes were taken: all of them, unless
 * the output queue ran short of room for a largest reply (PROTO_MAX_WIRE);
 * then it stops right after the frame that used the room (or before the
 * first byte), and the host keeps bytes [*consumed, n), sends the queued
 * output (device_tx) and feeds them again (see OUTPUT QUEUE). Returns
 * DEVICE_OK, or DEVICE_E_ARG (nothing consumed; consumed must not be NULL).
 */
int device_rx(device_t *d, const uint8_t *data, size_t n, size_t *consumed);

/*
 * A new peer on the line (a TCP connection accepted, a port reopened): drop
 * the partial frame the decoder holds, so the previous peer's unfinished
 * bytes can never be completed by the next peer's first bytes. Returns how
 * many bytes were dropped (0 if the decoder was between frames).
 */
size_t device_rx_reset(device_t *d);

/*
 * Realtime/accelerated: move device time to now_ms (PUMP_E_TIME if it is
 * before device time; nothing changes then). Manual: now_ms is ignored.
 * Then queue ALARM/STATUS frames that are due (see above).
 */
int device_tick(device_t *d, uint64_t now_ms);

/* Copy up to cap queued bytes to out and remove them; returns how many (0
 * while output is held for a save). */
size_t device_tx(device_t *d, uint8_t *out, size_t cap);
/* Bytes queued (including held ones). */
size_t device_tx_pending(const device_t *d);

/* Non-volatile state: see HOST CONTRACT. */
int      device_nv_dirty(const device_t *d);
uint32_t device_nv_generation(const device_t *d);
/* The image of generation gen (taken after device_nv_generation returned gen)
 * is durable. An older gen leaves the state dirty. */
void     device_nv_saved(device_t *d, uint32_t gen);

/*
 * Image of the non-volatile state, little-endian, version DEVICE_IMAGE_VERSION:
 *   "PYDV" | u16 version | u16 0 | u32 total size | u32 nv generation |
 *   u16 unsolicited seq | u8 wall_set | u64 wall_unix_ms | u64 wall_device_ms |
 *   u32 cache_next | DEVICE_CACHE_ENTRIES x (u16 seq, u8 req_type,
 *   u8 req_flags, u8 req_len, u8 reply_type, u8 reply_len,
 *   DEVICE_CACHE_DATA_MAX bytes data as device_cache_entry_t) | u8
 *   provisioned, 32-byte clinician key, 32-byte patient key (all zero if not
 *   provisioned) |
 *   the security block: u32 failed proofs, 5 x u32 SECURITY counts
 *   suppressed and not yet logged (AUTH_REQUIRED .. AUTH_RATE_LIMITED;
 *   versions 1 and 2 have no security block and load with all zero) |
 *   the plant block (version 4): PLANT_IMAGE_LEN bytes of plant_save
 *   (versions 1..3 load with a patent, error-free plant that agrees with
 *   the core's reservoir and delivered mass) |
 *   u32 pump snapshot size | pump snapshot |
 *   u32 CRC-32 (as zlib.crc32) of everything before it.
 * Older versions still load: version 2 had cache entries of (u8 used,
 * u8 req_type, u16 seq, u32 CRC-32 of the payload, u8 reply_type,
 * u8 reply_len, 80 bytes reply); version 1 that without the key block.
 * Their entries hold no request bytes, so they load as unused (read and
 * dropped; cache_next restarts at 0): a retry of a request answered just before the upgrade
 * runs again, as after 8 newer requests.
 */
size_t device_image_size(void);
int device_save(const device_t *d, uint8_t *buf, size_t cap, size_t *len);
/*
 * Restore from an image onto a device made by device_init (its options are
 * kept). Checks size, magic, version, CRC and every field, then the core
 * loads its snapshot; on any error *d is untouched. On success: logs a reset
 * (pump_note_reset), drops any partial frame and queued output, queues a
 * lone 0x00 and re-announces active alarms; the state is then dirty (the
 * reset entry is new) with the image's generation + 1.
 */
int device_load(device_t *d, const uint8_t *buf, size_t len);

/*
 * Provision the two role keys (spec 6.1): replaces any keys, ends any
 * session, dirties the state. DEVICE_E_ARG if a pointer is NULL or a key is
 * all zero. device_provisioned: 1 if keys are set.
 */
int device_provision(device_t *d, const uint8_t clinician[AUTH_KEY_LEN],
                     const uint8_t patient[AUTH_KEY_LEN]);
int device_provisioned(const device_t *d);
/* Failed proofs (AUTH_PROVE refused) since the keys were provisioned; saved
 * in the image, saturates at UINT32_MAX. 0 in a build without sessions. */
uint32_t device_auth_failed_proofs(const device_t *d);
/* Mix n >= 16 bytes of fresh entropy into the nonce seed (DEVICE_E_ARG otherwise). */
int device_seed(device_t *d, const uint8_t *entropy, size_t n);

/* The patient's button on a board: same as a PATIENT_BOLUS request (logged
 * granted or denied; an accepted command for device_nv_dirty). Returns the
 * core's result. */
int device_patient_button(device_t *d);

/* Read access for hosts (status, events, LED per stroke). */
const pump_t *device_pump(const device_t *d);
uint64_t device_now_ms(const device_t *d);
void device_get_stats(const device_t *d, device_stats_t *out);

/*
 * ----------------------------------------------------------------------
 * PHYSICAL PLANT (firmware/plant/plant.h; test features only)
 * ----------------------------------------------------------------------
 * Every device carries a plant between the core's strokes and the patient;
 * without faults it agrees with the core exactly. Only a device with test
 * features accepts PLANT_FAULT and GET_TRUTH (else NAK UNSUPPORTED). Time:
 * the core's time is advanced in steps that stop at the plant's instants
 * (drift days, scan end, recovery delay; stroke by stroke while an
 * occlusion counts towards its stall, at most DEVICE_PLANT_MAX_STEPS
 * steps); after each step the plant takes the core's totals. The plant's
 * motor requests become the core's MOTOR_STALL fault (injected: the next
 * stroke fails and the firmware raises MOTOR_STALL; cleared when the motor
 * runs again), so the firmware sees exactly what a real one would. HELLO,
 * GET_STATUS and GET_STATUS_EXT are interrogations (MRI recovery rule
 * INTERROGATION): the reply shows the pump as the programmer found it
 * (still stalled), then the motor runs again (MRI_RECOVERED logged; the
 * ALARM frame of the cleared stall follows the reply). GET_TRUTH and
 * READ_EVENTS are not interrogations. Accepted refills go through the plant's needle. The
 * plant is saved in the image (version 4) and is reported by device_truth.
 */
int device_advance(device_t *d, uint64_t to_ms);
const plant_t *device_plant(const device_t *d);

/*
 * ----------------------------------------------------------------------
 * FLEET BATCH (device_fleet.c; host builds and benches)
 * ----------------------------------------------------------------------
 * device_fleet_run plays one planned virtual patient for span_days on *d
 * (re-initialised: any state is lost): fill, a one-step prescription with
 * patient boluses, each day 0..pb_requests_max requests at random waking
 * minutes (xorshift32 from seed: the same plan gives the same result), a
 * refill every refill_interval_days at 10:00 with REFILL_RECONCILE of what
 * the plant's reservoir really holds (the visit interrogates the pump), and
 * the plant's faults: flow error from flow_onset_day, occlusion from
 * occlusion_onset_day (no stall), pocket fill at refill number
 * pocket_fill_refill (1-based; 0 none), an MRI scan at 14:00 of mri_day.
 * A day's requests, visit and scan happen in time order (a scan on a visit
 * day comes after the visit, so it stalls the motor until the next one).
 * A day with no fault is DEVICE_FLEET_NEVER. After each day the result
 * notes the first day each clinical check fired: a flagged reconciliation,
 * LOW_RESERVOIR or MOTOR_STALL raised (from the event log); and the days
 * that ended with the real reservoir empty or the motor stalled. Bounded: span_days <= DEVICE_FLEET_MAX_DAYS, at most
 * DEVICE_FLEET_MAX_REQUESTS requests a day. Returns DEVICE_OK, DEVICE_E_ARG
 * or the core's refusal of the plan (PUMP_E_*).
 */
#define DEVICE_FLEET_NEVER        UINT32_MAX
#define DEVICE_FLEET_MAX_DAYS     36600u    /* 100 years */
#define DEVICE_FLEET_MAX_REQUESTS 8u
typedef struct {
    uint32_t seed;
    uint32_t serial;
    uint32_t span_days;
    uint32_t capacity_nl;           /* 20 or 40 mL */
    uint32_t fill_nl;
    uint16_t drug;
    uint32_t conc_ug_ml;
    uint32_t rate_nl_day;
    uint32_t max_dose_ug_24h;
    uint32_t low_reservoir_nl;
    uint32_t refill_interval_days;
    uint32_t pb_requests_max;       /* 0: no patient boluses */
    uint32_t pb_volume_nl;
    uint32_t pb_duration_ms;
    uint32_t pb_lockout_ms;
    uint8_t  pb_max_per_24h;
    uint32_t flow_onset_day;
    uint32_t flow_factor_ppm;
    uint32_t occlusion_onset_day;
    uint32_t pocket_fill_refill;
    uint32_t mri_day;
    uint32_t mri_duration_ms;
    uint8_t  mri_recovery;          /* plant_mri_recovery_t */
} device_fleet_plan_t;
typedef struct {
    uint32_t refills;
    uint32_t flagged_refills;
    uint32_t first_flagged_day;
    uint32_t first_low_reservoir_day;
    uint32_t first_motor_stall_day;
    uint32_t first_dry_day;
    uint32_t dry_days;
    uint32_t stalled_days;
    uint32_t boluses_granted;
    uint32_t boluses_denied;
    uint64_t delivered_pg;          /* the firmware's belief */
    uint64_t intrathecal_pg;        /* the truth */
    uint64_t tissue_pg;
    uint64_t held_pg;
} device_fleet_result_t;
int device_fleet_run(device_t *d, const device_fleet_plan_t *pl, device_fleet_result_t *out);

/* Static name of any return code of this layer or the core (never NULL). */
const char *device_result_name(int result);

#endif /* PYEMU_DEVICE_H */
