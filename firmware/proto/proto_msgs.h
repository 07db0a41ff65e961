/* proto_msgs.h — message payloads of the wire protocol. GENERATED from protocol/messages.json by `python protocol/tools/gen.py`: do not edit.
 *
 * Every message with fields has a struct proto_<name>_t and
 *   proto_encode_<name>(msg, buf, cap, &len): PROTO_OK, PROTO_NAK_BAD_FIELD (a codec-checked
 *     field out of range), PROTO_ERR_NOSPACE or PROTO_ERR_ARG;
 *   proto_decode_<name>(buf, len, msg): PROTO_OK, PROTO_NAK_BAD_LENGTH or PROTO_NAK_BAD_FIELD
 *     (spec 1.4 checks 12-15, in that order); *msg is undefined on error.
 * char[N] fields are NUL-terminated strings of N+1 bytes in the structs.
 */
#ifndef PYEMU_PROTO_MSGS_H
#define PYEMU_PROTO_MSGS_H

#include "proto.h"

#define PROTO_SCHEMA_CRC 0x8315B50Bu
#define PROTO_MSG_COUNT 38u

/* message types */
#define PROTO_MSG_HELLO 1u
#define PROTO_MSG_GET_STATUS 2u
#define PROTO_MSG_PRESCRIBE 3u
#define PROTO_MSG_CLINICIAN_BOLUS 4u
#define PROTO_MSG_PRIME_BOLUS 5u
#define PROTO_MSG_PATIENT_BOLUS 6u
#define PROTO_MSG_CANCEL_BOLUS 7u
#define PROTO_MSG_SUSPEND 8u
#define PROTO_MSG_RESUME 9u
#define PROTO_MSG_REFILL 10u
#define PROTO_MSG_ACK_ALARM 11u
#define PROTO_MSG_READ_EVENTS 12u
#define PROTO_MSG_SET_CLOCK 13u
#define PROTO_MSG_ADVANCE 14u
#define PROTO_MSG_INJECT_FAULT 15u
#define PROTO_MSG_CONFIGURE_IMPLANT 16u
#define PROTO_MSG_SET_ALARM_RESOUND 17u
#define PROTO_MSG_REFILL_RECONCILE 18u
#define PROTO_MSG_GET_STATUS_EXT 19u
#define PROTO_MSG_PRESCRIBE_CONFIRM 20u
#define PROTO_MSG_GET_DRUG_STATUS 21u
#define PROTO_MSG_PLANT_FAULT 24u
#define PROTO_MSG_GET_TRUTH 25u
#define PROTO_MSG_AUTH_BEGIN 48u
#define PROTO_MSG_AUTH_PROVE 49u
#define PROTO_MSG_AUTH_END 50u
#define PROTO_MSG_ACK 64u
#define PROTO_MSG_NAK 65u
#define PROTO_MSG_HELLO_INFO 66u
#define PROTO_MSG_STATUS 67u
#define PROTO_MSG_EVENTS 68u
#define PROTO_MSG_ALARM 69u
#define PROTO_MSG_REFILL_RESULT 70u
#define PROTO_MSG_STATUS_EXT 71u
#define PROTO_MSG_DRUG_STATUS 72u
#define PROTO_MSG_TRUTH 74u
#define PROTO_MSG_AUTH_CHALLENGE 112u
#define PROTO_MSG_AUTH_ACCEPT 113u

/* tables from vocabulary.json and messages.json "enums" */
#define PROTO_STATE_STOPPED 0u
#define PROTO_STATE_RUNNING 1u
#define PROTO_STATE_SUSPENDED 2u
#define PROTO_STATE_HALTED 3u
#define PROTO_DRUG_NONE 0u
#define PROTO_DRUG_MORPHINE 1u
#define PROTO_DRUG_HYDROMORPHONE 2u
#define PROTO_DRUG_ZICONOTIDE 3u
#define PROTO_DRUG_BACLOFEN 4u
#define PROTO_DRUG_SALINE 5u
#define PROTO_DRUG_OTHER 6u
#define PROTO_BOLUS_KIND_NONE 0u
#define PROTO_BOLUS_KIND_CLINICIAN 1u
#define PROTO_BOLUS_KIND_PRIME 2u
#define PROTO_BOLUS_KIND_PATIENT 3u
#define PROTO_FAULT_NONE 0u
#define PROTO_FAULT_MOTOR_STALL 1u
#define PROTO_FAULT_MEMORY 2u
#define PROTO_FAULT_FLOW_ERROR 3u
#define PROTO_FAULT_OCCLUSION 4u
#define PROTO_FAULT_LEAK 5u
#define PROTO_FAULT_DISCONNECT 6u
#define PROTO_FAULT_POCKET_FILL 7u
#define PROTO_FAULT_MRI 8u
#define PROTO_CATHETER_PATENT 0u
#define PROTO_CATHETER_OCCLUDED 1u
#define PROTO_CATHETER_LEAKING 2u
#define PROTO_CATHETER_DISCONNECTED 3u
#define PROTO_MRI_RECOVERY_IMMEDIATE 0u
#define PROTO_MRI_RECOVERY_DELAY 1u
#define PROTO_MRI_RECOVERY_INTERROGATION 2u
#define PROTO_ALARM_BITS_LOW_RESERVOIR 1u
#define PROTO_ALARM_BITS_RESERVOIR_EMPTY 2u
#define PROTO_ALARM_BITS_ERI 4u
#define PROTO_ALARM_BITS_EOS 8u
#define PROTO_ALARM_BITS_MOTOR_STALL 16u
#define PROTO_ALARM_BITS_DOSE_LIMIT 32u
#define PROTO_ALARM_BITS_MEMORY_ERROR 64u
#define PROTO_ALARM_BITS_DRUG_EXPIRED 128u
#define PROTO_EVENT_KIND_NONE 0u
#define PROTO_EVENT_KIND_INIT 1u
#define PROTO_EVENT_KIND_RESET 2u
#define PROTO_EVENT_KIND_PRESCRIBED 3u
#define PROTO_EVENT_KIND_PRESCRIBE_REFUSED 4u
#define PROTO_EVENT_KIND_BOLUS_START 5u
#define PROTO_EVENT_KIND_BOLUS_END 6u
#define PROTO_EVENT_KIND_BOLUS_CANCELLED 7u
#define PROTO_EVENT_KIND_BOLUS_REFUSED 8u
#define PROTO_EVENT_KIND_PATIENT_GRANTED 9u
#define PROTO_EVENT_KIND_PATIENT_DENIED 10u
#define PROTO_EVENT_KIND_SUSPENDED 11u
#define PROTO_EVENT_KIND_RESUMED 12u
#define PROTO_EVENT_KIND_REFILL 13u
#define PROTO_EVENT_KIND_REFILL_REFUSED 14u
#define PROTO_EVENT_KIND_ALARM_RAISED 15u
#define PROTO_EVENT_KIND_ALARM_CLEARED 16u
#define PROTO_EVENT_KIND_ALARM_ACKED 17u
#define PROTO_EVENT_KIND_FAULT_INJECTED 18u
#define PROTO_EVENT_KIND_FAULT_CLEARED 19u
#define PROTO_EVENT_KIND_CLOCK_SET 20u
#define PROTO_EVENT_KIND_SECURITY 21u
#define PROTO_EVENT_KIND_IMPLANT_CONFIGURED 22u
#define PROTO_EVENT_KIND_RESOUND_SET 23u
#define PROTO_EVENT_KIND_REFILL_RECONCILED 24u
#define PROTO_EVENT_KIND_SOFT_LIMIT_CONFIRMED 25u
#define PROTO_EVENT_KIND_PLANT_FAULT 30u
#define PROTO_EVENT_KIND_PLANT_CLEARED 31u
#define PROTO_EVENT_KIND_MRI_ENDED 32u
#define PROTO_EVENT_KIND_MRI_RECOVERED 33u
#define PROTO_FAULT_ACTION_INJECT 0u
#define PROTO_FAULT_ACTION_CLEAR 1u
#define PROTO_STEP_UNIT_RATE_NL_DAY 0u
#define PROTO_STEP_UNIT_DOSE_UG_DAY 1u
#define PROTO_BOOL_NO 0u
#define PROTO_BOOL_YES 1u
#define PROTO_CLOCK_MODE_MANUAL 0u
#define PROTO_CLOCK_MODE_REALTIME 1u
#define PROTO_CLOCK_MODE_ACCELERATED 2u
#define PROTO_AUTH_ROLE_CLINICIAN 1u
#define PROTO_AUTH_ROLE_PATIENT 2u
#define PROTO_CAPABILITY_BITS_FAULT_INJECTION 1u
#define PROTO_CAPABILITY_BITS_TEST_CLOCK 2u
#define PROTO_CAPABILITY_BITS_AUTH 4u
#define PROTO_REFILL_VERDICT_WITHIN_TOLERANCE 0u
#define PROTO_REFILL_VERDICT_POSSIBLE_OVER_INFUSION 1u
#define PROTO_REFILL_VERDICT_POSSIBLE_UNDER_INFUSION 2u

typedef struct {  /* PRESCRIBE.steps[] element */
    uint16_t start_min;
    uint32_t value;
} proto_step_t;

typedef struct {  /* PRESCRIBE (id 3) */
    uint8_t drug;
    uint32_t conc_ug_ml;
    uint32_t max_dose_ug_24h;
    uint32_t low_reservoir_nl;
    uint8_t pb_enabled;
    uint32_t pb_volume_nl;
    uint32_t pb_duration_ms;
    uint32_t pb_lockout_ms;
    uint8_t pb_max_per_24h;
    uint8_t step_unit;
    uint8_t n_steps;
    proto_step_t steps[24];
} proto_prescribe_t;

typedef struct {  /* CLINICIAN_BOLUS (id 4) */
    uint32_t volume_nl;
    uint32_t duration_ms;
} proto_clinician_bolus_t;

typedef struct {  /* PRIME_BOLUS (id 5) */
    uint32_t volume_nl;
    uint32_t duration_ms;
} proto_prime_bolus_t;

typedef struct {  /* REFILL (id 10) */
    uint32_t volume_nl;
    uint8_t drug;
    uint32_t conc_ug_ml;
} proto_refill_t;

typedef struct {  /* ACK_ALARM (id 11) */
    uint32_t alarm_bits;
} proto_ack_alarm_t;

typedef struct {  /* READ_EVENTS (id 12) */
    uint32_t from_seq;
    uint8_t max_count;
} proto_read_events_t;

typedef struct {  /* SET_CLOCK (id 13) */
    uint64_t unix_ms;
} proto_set_clock_t;

typedef struct {  /* ADVANCE (id 14) */
    uint64_t delta_ms;
} proto_advance_t;

typedef struct {  /* INJECT_FAULT (id 15) */
    uint8_t fault;
    uint8_t action;
} proto_inject_fault_t;

typedef struct {  /* CONFIGURE_IMPLANT (id 16) */
    uint32_t dead_volume_nl;
    uint16_t catheter_length_mm;
    uint32_t catheter_nl_per_cm;
    uint32_t tubing_nl;
} proto_configure_implant_t;

typedef struct {  /* SET_ALARM_RESOUND (id 17) */
    uint32_t interval_ms;
} proto_set_alarm_resound_t;

typedef struct {  /* REFILL_RECONCILE (id 18) */
    uint32_t volume_nl;
    uint8_t drug;
    uint32_t conc_ug_ml;
    uint32_t withdrawn_nl;
} proto_refill_reconcile_t;

typedef struct {  /* PRESCRIBE_CONFIRM.steps[] element */
    uint16_t start_min;
    uint32_t value;
} proto_confirm_step_t;

typedef struct {  /* PRESCRIBE_CONFIRM (id 20) */
    uint8_t confirm_soft_limit;
    uint8_t drug;
    uint32_t conc_ug_ml;
    uint32_t max_dose_ug_24h;
    uint32_t low_reservoir_nl;
    uint8_t pb_enabled;
    uint32_t pb_volume_nl;
    uint32_t pb_duration_ms;
    uint32_t pb_lockout_ms;
    uint8_t pb_max_per_24h;
    uint8_t step_unit;
    uint8_t n_steps;
    proto_confirm_step_t steps[24];
} proto_prescribe_confirm_t;

typedef struct {  /* PLANT_FAULT (id 24) */
    uint8_t fault;
    uint8_t action;
    uint32_t value;
    uint32_t target;
    uint32_t duration_ms;
    uint32_t delay_ms;
} proto_plant_fault_t;

typedef struct {  /* AUTH_BEGIN (id 48) */
    uint8_t role;
    uint64_t host_nonce_lo;
    uint64_t host_nonce_hi;
} proto_auth_begin_t;

typedef struct {  /* AUTH_PROVE (id 49) */
    uint64_t proof_lo;
    uint64_t proof_hi;
} proto_auth_prove_t;

typedef struct {  /* ACK (id 64) */
    uint8_t req_type;
} proto_ack_t;

typedef struct {  /* NAK (id 65) */
    uint8_t req_type;
    uint8_t reason;
} proto_nak_t;

typedef struct {  /* HELLO_INFO (id 66) */
    uint8_t protocol_version;
    uint32_t schema_crc;
    char model[17];
    uint32_t serial;
    uint8_t fw_major;
    uint8_t fw_minor;
    uint8_t fw_patch;
    uint16_t capabilities;
    uint8_t clock_mode;
    uint32_t clock_speed;
    uint32_t reservoir_capacity_nl;
    uint8_t max_payload;
} proto_hello_info_t;

typedef struct {  /* STATUS (id 67) */
    uint64_t now_ms;
    uint8_t state;
    uint32_t rate_nl_day;
    uint32_t basal_nl_day;
    uint32_t reservoir_nl;
    uint64_t pumped_nl;
    uint64_t delivered_pg;
    uint64_t battery_nc;
    uint16_t battery_permille;
    uint32_t days_to_eri;
    uint32_t alarms;
    uint32_t unacked_alarms;
    uint8_t bolus_kind;
    uint32_t bolus_remaining_nl;
    uint8_t drug;
    uint32_t conc_ug_ml;
    uint32_t dose_24h_ug;
    uint32_t last_event_seq;
} proto_status_t;

typedef struct {  /* EVENTS.events[] element */
    uint32_t seq;
    uint64_t time_ms;
    uint16_t kind;
    uint32_t data0;
    uint32_t data1;
} proto_event_t;

typedef struct {  /* EVENTS (id 68) */
    uint32_t first_available;
    uint32_t newest_seq;
    uint8_t n_events;
    proto_event_t events[9];
} proto_events_t;

typedef struct {  /* ALARM (id 69) */
    uint64_t now_ms;
    uint32_t alarms;
    uint32_t unacked_alarms;
    uint32_t raised;
    uint32_t cleared;
} proto_alarm_t;

typedef struct {  /* REFILL_RESULT (id 70) */
    uint32_t expected_nl;
    uint32_t withdrawn_nl;
    uint32_t discrepancy_nl;
    uint32_t delivered_nl;
    uint32_t tolerance_nl;
    uint8_t verdict;
} proto_refill_result_t;

typedef struct {  /* STATUS_EXT (id 71) */
    uint64_t now_ms;
    uint32_t dead_volume_nl;
    uint32_t resound_ms;
    uint32_t days_to_low_reservoir;
    uint32_t days_to_low_reservoir_max_use;
    uint32_t unacked_alarms;
} proto_status_ext_t;

typedef struct {  /* DRUG_STATUS (id 72) */
    uint64_t now_ms;
    uint8_t drug;
    uint32_t conc_ug_ml;
    uint64_t refill_ms;
    uint32_t stability_days;
    uint32_t days_to_drug_expiry;
} proto_drug_status_t;

typedef struct {  /* TRUTH (id 74) */
    uint64_t now_ms;
    uint32_t reservoir_nl;
    uint32_t conc_ug_ml;
    uint64_t intrathecal_pg;
    uint64_t tissue_pg;
    uint64_t held_pg;
    uint64_t moved_nl;
    uint8_t catheter;
    uint32_t factor_ppm;
    uint32_t leak_ppm;
    uint8_t pocket_fill;
    uint8_t mri;
    uint32_t faults;
} proto_truth_t;

typedef struct {  /* AUTH_CHALLENGE (id 112) */
    uint32_t session;
    uint64_t device_nonce_lo;
    uint64_t device_nonce_hi;
} proto_auth_challenge_t;

typedef struct {  /* AUTH_ACCEPT (id 113) */
    uint64_t proof_lo;
    uint64_t proof_hi;
} proto_auth_accept_t;

/* Every message with fields; the member is named after the message. */
typedef union {
    proto_prescribe_t prescribe;
    proto_clinician_bolus_t clinician_bolus;
    proto_prime_bolus_t prime_bolus;
    proto_refill_t refill;
    proto_ack_alarm_t ack_alarm;
    proto_read_events_t read_events;
    proto_set_clock_t set_clock;
    proto_advance_t advance;
    proto_inject_fault_t inject_fault;
    proto_configure_implant_t configure_implant;
    proto_set_alarm_resound_t set_alarm_resound;
    proto_refill_reconcile_t refill_reconcile;
    proto_prescribe_confirm_t prescribe_confirm;
    proto_plant_fault_t plant_fault;
    proto_auth_begin_t auth_begin;
    proto_auth_prove_t auth_prove;
    proto_ack_t ack;
    proto_nak_t nak;
    proto_hello_info_t hello_info;
    proto_status_t status;
    proto_events_t events;
    proto_alarm_t alarm;
    proto_refill_result_t refill_result;
    proto_status_ext_t status_ext;
    proto_drug_status_t drug_status;
    proto_truth_t truth;
    proto_auth_challenge_t auth_challenge;
    proto_auth_accept_t auth_accept;
} proto_msg_t;

int proto_encode_prescribe(const proto_prescribe_t *m, uint8_t *buf, size_t cap, size_t *len);
int proto_decode_prescribe(const uint8_t *buf, size_t len, proto_prescribe_t *m);
int proto_encode_clinician_bolus(const proto_clinician_bolus_t *m, uint8_t *buf, size_t cap, size_t *len);
int proto_decode_clinician_bolus(const uint8_t *buf, size_t len, proto_clinician_bolus_t *m);
int proto_encode_prime_bolus(const proto_prime_bolus_t *m, uint8_t *buf, size_t cap, size_t *len);
int proto_decode_prime_bolus(const uint8_t *buf, size_t len, proto_prime_bolus_t *m);
int proto_encode_refill(const proto_refill_t *m, uint8_t *buf, size_t cap, size_t *len);
int proto_decode_refill(const uint8_t *buf, size_t len, proto_refill_t *m);
int proto_encode_ack_alarm(const proto_ack_alarm_t *m, uint8_t *buf, size_t cap, size_t *len);
int proto_decode_ack_alarm(const uint8_t *buf, size_t len, proto_ack_alarm_t *m);
int proto_encode_read_events(const proto_read_events_t *m, uint8_t *buf, size_t cap, size_t *len);
int proto_decode_read_events(const uint8_t *buf, size_t len, proto_read_events_t *m);
int proto_encode_set_clock(const proto_set_clock_t *m, uint8_t *buf, size_t cap, size_t *len);
int proto_decode_set_clock(const uint8_t *buf, size_t len, proto_set_clock_t *m);
int proto_encode_advance(const proto_advance_t *m, uint8_t *buf, size_t cap, size_t *len);
int proto_decode_advance(const uint8_t *buf, size_t len, proto_advance_t *m);
int proto_encode_inject_fault(const proto_inject_fault_t *m, uint8_t *buf, size_t cap, size_t *len);
int proto_decode_inject_fault(const uint8_t *buf, size_t len, proto_inject_fault_t *m);
int proto_encode_configure_implant(const proto_configure_implant_t *m, uint8_t *buf, size_t cap, size_t *len);
int proto_decode_configure_implant(const uint8_t *buf, size_t len, proto_configure_implant_t *m);
int proto_encode_set_alarm_resound(const proto_set_alarm_resound_t *m, uint8_t *buf, size_t cap, size_t *len);
int proto_decode_set_alarm_resound(const uint8_t *buf, size_t len, proto_set_alarm_resound_t *m);
int proto_encode_refill_reconcile(const proto_refill_reconcile_t *m, uint8_t *buf, size_t cap, size_t *len);
int proto_decode_refill_reconcile(const uint8_t *buf, size_t len, proto_refill_reconcile_t *m);
int proto_encode_prescribe_confirm(const proto_prescribe_confirm_t *m, uint8_t *buf, size_t cap, size_t *len);
int proto_decode_prescribe_confirm(const uint8_t *buf, size_t len, proto_prescribe_confirm_t *m);
int proto_encode_plant_fault(const proto_plant_fault_t *m, uint8_t *buf, size_t cap, size_t *len);
int proto_decode_plant_fault(const uint8_t *buf, size_t len, proto_plant_fault_t *m);
int proto_encode_auth_begin(const proto_auth_begin_t *m, uint8_t *buf, size_t cap, size_t *len);
int proto_decode_auth_begin(const uint8_t *buf, size_t len, proto_auth_begin_t *m);
int proto_encode_auth_prove(const proto_auth_prove_t *m, uint8_t *buf, size_t cap, size_t *len);
int proto_decode_auth_prove(const uint8_t *buf, size_t len, proto_auth_prove_t *m);
int proto_encode_ack(const proto_ack_t *m, uint8_t *buf, size_t cap, size_t *len);
int proto_decode_ack(const uint8_t *buf, size_t len, proto_ack_t *m);
int proto_encode_nak(const proto_nak_t *m, uint8_t *buf, size_t cap, size_t *len);
int proto_decode_nak(const uint8_t *buf, size_t len, proto_nak_t *m);
int proto_encode_hello_info(const proto_hello_info_t *m, uint8_t *buf, size_t cap, size_t *len);
int proto_decode_hello_info(const uint8_t *buf, size_t len, proto_hello_info_t *m);
int proto_encode_status(const proto_status_t *m, uint8_t *buf, size_t cap, size_t *len);
int proto_decode_status(const uint8_t *buf, size_t len, proto_status_t *m);
int proto_encode_events(const proto_events_t *m, uint8_t *buf, size_t cap, size_t *len);
int proto_decode_events(const uint8_t *buf, size_t len, proto_events_t *m);
int proto_encode_alarm(const proto_alarm_t *m, uint8_t *buf, size_t cap, size_t *len);
int proto_decode_alarm(const uint8_t *buf, size_t len, proto_alarm_t *m);
int proto_encode_refill_result(const proto_refill_result_t *m, uint8_t *buf, size_t cap, size_t *len);
int proto_decode_refill_result(const uint8_t *buf, size_t len, proto_refill_result_t *m);
int proto_encode_status_ext(const proto_status_ext_t *m, uint8_t *buf, size_t cap, size_t *len);
int proto_decode_status_ext(const uint8_t *buf, size_t len, proto_status_ext_t *m);
int proto_encode_drug_status(const proto_drug_status_t *m, uint8_t *buf, size_t cap, size_t *len);
int proto_decode_drug_status(const uint8_t *buf, size_t len, proto_drug_status_t *m);
int proto_encode_truth(const proto_truth_t *m, uint8_t *buf, size_t cap, size_t *len);
int proto_decode_truth(const uint8_t *buf, size_t len, proto_truth_t *m);
int proto_encode_auth_challenge(const proto_auth_challenge_t *m, uint8_t *buf, size_t cap, size_t *len);
int proto_decode_auth_challenge(const uint8_t *buf, size_t len, proto_auth_challenge_t *m);
int proto_encode_auth_accept(const proto_auth_accept_t *m, uint8_t *buf, size_t cap, size_t *len);
int proto_decode_auth_accept(const uint8_t *buf, size_t len, proto_auth_accept_t *m);

/* By type: m may be NULL for messages without fields. Unknown type: PROTO_ERR_UNKNOWN_TYPE. */
int proto_msg_encode(uint8_t msg_type, const proto_msg_t *m, uint8_t *buf, size_t cap, size_t *len);
int proto_msg_decode(uint8_t msg_type, const uint8_t *buf, size_t len, proto_msg_t *m);

/* Spec 1.4 checks 8-15 on an intact frame, decoding its payload into *out.
 * Returns PROTO_OK or the NAK reason (BAD_FLAGS, UNEXPECTED_MESSAGE, UNSUPPORTED,
 * BAD_LENGTH, BAD_FIELD). */
int proto_frame_decode(const proto_frame_t *f, proto_msg_t *out);

/* Bulk decode (recordings, event logs): feed len bytes to d as proto_decoder_feed
 * does and, for each intact frame, fill frames[i] (header, payload copy) and
 * msgs[i] (proto_frame_decode; its result in frames[i].result), i < max_frames.
 * Stops when frames is full or data is used up and returns the bytes consumed:
 * call again with the rest. *count = frames filled, *ok = those with PROTO_OK.
 * Same frames, drops and counters as the stream decoder given the same bytes.
 * With a NULL pointer or max_frames 0 nothing is consumed (returns 0). */
size_t proto_decode_bulk(proto_decoder_t *d, const uint8_t *data, size_t len,
                         proto_bulk_frame_t *frames, proto_msg_t *msgs, size_t max_frames,
                         size_t *count, size_t *ok);

/* Encode a message (m NULL for messages without fields) as one wire frame into out
 * (PROTO_MAX_WIRE bytes suffice). Refuses flags the message cannot have (PROTO_ERR_ARG). */
int proto_encode(uint8_t msg_type, uint16_t seq, uint8_t flags, const proto_msg_t *m,
                 uint8_t *out, size_t cap, size_t *out_len);

/* Name of a NAK reason (core or protocol), "?" if unknown; never NULL. */
const char *proto_nak_name(int reason);

#endif /* PYEMU_PROTO_MSGS_H */
