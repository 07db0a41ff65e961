/* vocab_check.h — the wire's values are the core's. GENERATED from protocol/vocabulary.json by `python protocol/tools/gen.py`: do not edit.
 *
 * Included by device.c: compiling it proves, for every value both layers
 * name, that proto_msgs.h / proto.h (PROTO_*) and pump_vocab.h (PUMP_*) agree,
 * and that the core's reason codes stay below the protocol's (128..).
 * C99 has no _Static_assert: a negative array size stops the build.
 */
#ifndef PYEMU_VOCAB_CHECK_H
#define PYEMU_VOCAB_CHECK_H

#include "pump.h"
#include "proto_msgs.h"

#define VOCAB_CHECK(tag, cond) typedef char vocab_check_##tag[(cond) ? 1 : -1]

VOCAB_CHECK(state_stopped, (uint32_t)PROTO_STATE_STOPPED == (uint32_t)PUMP_STATE_STOPPED);
VOCAB_CHECK(state_running, (uint32_t)PROTO_STATE_RUNNING == (uint32_t)PUMP_STATE_RUNNING);
VOCAB_CHECK(state_suspended, (uint32_t)PROTO_STATE_SUSPENDED == (uint32_t)PUMP_STATE_SUSPENDED);
VOCAB_CHECK(state_halted, (uint32_t)PROTO_STATE_HALTED == (uint32_t)PUMP_STATE_HALTED);
VOCAB_CHECK(drug_none, (uint32_t)PROTO_DRUG_NONE == (uint32_t)PUMP_DRUG_NONE);
VOCAB_CHECK(drug_morphine, (uint32_t)PROTO_DRUG_MORPHINE == (uint32_t)PUMP_DRUG_MORPHINE);
VOCAB_CHECK(drug_hydromorphone, (uint32_t)PROTO_DRUG_HYDROMORPHONE == (uint32_t)PUMP_DRUG_HYDROMORPHONE);
VOCAB_CHECK(drug_ziconotide, (uint32_t)PROTO_DRUG_ZICONOTIDE == (uint32_t)PUMP_DRUG_ZICONOTIDE);
VOCAB_CHECK(drug_baclofen, (uint32_t)PROTO_DRUG_BACLOFEN == (uint32_t)PUMP_DRUG_BACLOFEN);
VOCAB_CHECK(drug_saline, (uint32_t)PROTO_DRUG_SALINE == (uint32_t)PUMP_DRUG_SALINE);
VOCAB_CHECK(drug_other, (uint32_t)PROTO_DRUG_OTHER == (uint32_t)PUMP_DRUG_OTHER);
VOCAB_CHECK(drug_count, (uint32_t)PROTO_DRUG_OTHER + 1u == (uint32_t)PUMP_DRUG_COUNT);
VOCAB_CHECK(bolus_kind_none, (uint32_t)PROTO_BOLUS_KIND_NONE == (uint32_t)PUMP_BOLUS_NONE);
VOCAB_CHECK(bolus_kind_clinician, (uint32_t)PROTO_BOLUS_KIND_CLINICIAN == (uint32_t)PUMP_BOLUS_CLINICIAN);
VOCAB_CHECK(bolus_kind_prime, (uint32_t)PROTO_BOLUS_KIND_PRIME == (uint32_t)PUMP_BOLUS_PRIME);
VOCAB_CHECK(bolus_kind_patient, (uint32_t)PROTO_BOLUS_KIND_PATIENT == (uint32_t)PUMP_BOLUS_PATIENT);
VOCAB_CHECK(fault_none, (uint32_t)PROTO_FAULT_NONE == (uint32_t)PUMP_FAULT_NONE);
VOCAB_CHECK(fault_motor_stall, (uint32_t)PROTO_FAULT_MOTOR_STALL == (uint32_t)PUMP_FAULT_MOTOR_STALL);
VOCAB_CHECK(fault_memory, (uint32_t)PROTO_FAULT_MEMORY == (uint32_t)PUMP_FAULT_MEMORY);
VOCAB_CHECK(fault_flow_error, (uint32_t)PROTO_FAULT_FLOW_ERROR == (uint32_t)PUMP_FAULT_FLOW_ERROR);
VOCAB_CHECK(fault_occlusion, (uint32_t)PROTO_FAULT_OCCLUSION == (uint32_t)PUMP_FAULT_OCCLUSION);
VOCAB_CHECK(fault_leak, (uint32_t)PROTO_FAULT_LEAK == (uint32_t)PUMP_FAULT_LEAK);
VOCAB_CHECK(fault_disconnect, (uint32_t)PROTO_FAULT_DISCONNECT == (uint32_t)PUMP_FAULT_DISCONNECT);
VOCAB_CHECK(fault_pocket_fill, (uint32_t)PROTO_FAULT_POCKET_FILL == (uint32_t)PUMP_FAULT_POCKET_FILL);
VOCAB_CHECK(fault_mri, (uint32_t)PROTO_FAULT_MRI == (uint32_t)PUMP_FAULT_MRI);
VOCAB_CHECK(alarm_low_reservoir, (uint32_t)PROTO_ALARM_BITS_LOW_RESERVOIR == (uint32_t)PUMP_ALARM_LOW_RESERVOIR);
VOCAB_CHECK(alarm_reservoir_empty, (uint32_t)PROTO_ALARM_BITS_RESERVOIR_EMPTY == (uint32_t)PUMP_ALARM_RESERVOIR_EMPTY);
VOCAB_CHECK(alarm_eri, (uint32_t)PROTO_ALARM_BITS_ERI == (uint32_t)PUMP_ALARM_ERI);
VOCAB_CHECK(alarm_eos, (uint32_t)PROTO_ALARM_BITS_EOS == (uint32_t)PUMP_ALARM_EOS);
VOCAB_CHECK(alarm_motor_stall, (uint32_t)PROTO_ALARM_BITS_MOTOR_STALL == (uint32_t)PUMP_ALARM_MOTOR_STALL);
VOCAB_CHECK(alarm_dose_limit, (uint32_t)PROTO_ALARM_BITS_DOSE_LIMIT == (uint32_t)PUMP_ALARM_DOSE_LIMIT);
VOCAB_CHECK(alarm_memory_error, (uint32_t)PROTO_ALARM_BITS_MEMORY_ERROR == (uint32_t)PUMP_ALARM_MEMORY_ERROR);
VOCAB_CHECK(alarm_drug_expired, (uint32_t)PROTO_ALARM_BITS_DRUG_EXPIRED == (uint32_t)PUMP_ALARM_DRUG_EXPIRED);
VOCAB_CHECK(event_kind_none, (uint32_t)PROTO_EVENT_KIND_NONE == (uint32_t)PUMP_EV_NONE);
VOCAB_CHECK(event_kind_init, (uint32_t)PROTO_EVENT_KIND_INIT == (uint32_t)PUMP_EV_INIT);
VOCAB_CHECK(event_kind_reset, (uint32_t)PROTO_EVENT_KIND_RESET == (uint32_t)PUMP_EV_RESET);
VOCAB_CHECK(event_kind_prescribed, (uint32_t)PROTO_EVENT_KIND_PRESCRIBED == (uint32_t)PUMP_EV_PRESCRIBED);
VOCAB_CHECK(event_kind_prescribe_refused, (uint32_t)PROTO_EVENT_KIND_PRESCRIBE_REFUSED == (uint32_t)PUMP_EV_PRESCRIBE_REFUSED);
VOCAB_CHECK(event_kind_bolus_start, (uint32_t)PROTO_EVENT_KIND_BOLUS_START == (uint32_t)PUMP_EV_BOLUS_START);
VOCAB_CHECK(event_kind_bolus_end, (uint32_t)PROTO_EVENT_KIND_BOLUS_END == (uint32_t)PUMP_EV_BOLUS_END);
VOCAB_CHECK(event_kind_bolus_cancelled, (uint32_t)PROTO_EVENT_KIND_BOLUS_CANCELLED == (uint32_t)PUMP_EV_BOLUS_CANCELLED);
VOCAB_CHECK(event_kind_bolus_refused, (uint32_t)PROTO_EVENT_KIND_BOLUS_REFUSED == (uint32_t)PUMP_EV_BOLUS_REFUSED);
VOCAB_CHECK(event_kind_patient_granted, (uint32_t)PROTO_EVENT_KIND_PATIENT_GRANTED == (uint32_t)PUMP_EV_PATIENT_GRANTED);
VOCAB_CHECK(event_kind_patient_denied, (uint32_t)PROTO_EVENT_KIND_PATIENT_DENIED == (uint32_t)PUMP_EV_PATIENT_DENIED);
VOCAB_CHECK(event_kind_suspended, (uint32_t)PROTO_EVENT_KIND_SUSPENDED == (uint32_t)PUMP_EV_SUSPENDED);
VOCAB_CHECK(event_kind_resumed, (uint32_t)PROTO_EVENT_KIND_RESUMED == (uint32_t)PUMP_EV_RESUMED);
VOCAB_CHECK(event_kind_refill, (uint32_t)PROTO_EVENT_KIND_REFILL == (uint32_t)PUMP_EV_REFILL);
VOCAB_CHECK(event_kind_refill_refused, (uint32_t)PROTO_EVENT_KIND_REFILL_REFUSED == (uint32_t)PUMP_EV_REFILL_REFUSED);
VOCAB_CHECK(event_kind_alarm_raised, (uint32_t)PROTO_EVENT_KIND_ALARM_RAISED == (uint32_t)PUMP_EV_ALARM_RAISED);
VOCAB_CHECK(event_kind_alarm_cleared, (uint32_t)PROTO_EVENT_KIND_ALARM_CLEARED == (uint32_t)PUMP_EV_ALARM_CLEARED);
VOCAB_CHECK(event_kind_alarm_acked, (uint32_t)PROTO_EVENT_KIND_ALARM_ACKED == (uint32_t)PUMP_EV_ALARM_ACKED);
VOCAB_CHECK(event_kind_fault_injected, (uint32_t)PROTO_EVENT_KIND_FAULT_INJECTED == (uint32_t)PUMP_EV_FAULT_INJECTED);
VOCAB_CHECK(event_kind_fault_cleared, (uint32_t)PROTO_EVENT_KIND_FAULT_CLEARED == (uint32_t)PUMP_EV_FAULT_CLEARED);
VOCAB_CHECK(event_kind_clock_set, (uint32_t)PROTO_EVENT_KIND_CLOCK_SET == (uint32_t)PUMP_EV_CLOCK_SET);
VOCAB_CHECK(event_kind_security, (uint32_t)PROTO_EVENT_KIND_SECURITY == (uint32_t)PUMP_EV_SECURITY);
VOCAB_CHECK(event_kind_implant_configured, (uint32_t)PROTO_EVENT_KIND_IMPLANT_CONFIGURED == (uint32_t)PUMP_EV_IMPLANT_CONFIGURED);
VOCAB_CHECK(event_kind_resound_set, (uint32_t)PROTO_EVENT_KIND_RESOUND_SET == (uint32_t)PUMP_EV_RESOUND_SET);
VOCAB_CHECK(event_kind_refill_reconciled, (uint32_t)PROTO_EVENT_KIND_REFILL_RECONCILED == (uint32_t)PUMP_EV_REFILL_RECONCILED);
VOCAB_CHECK(event_kind_soft_limit_confirmed, (uint32_t)PROTO_EVENT_KIND_SOFT_LIMIT_CONFIRMED == (uint32_t)PUMP_EV_SOFT_LIMIT_CONFIRMED);
VOCAB_CHECK(event_kind_plant_fault, (uint32_t)PROTO_EVENT_KIND_PLANT_FAULT == (uint32_t)PUMP_EV_PLANT_FAULT);
VOCAB_CHECK(event_kind_plant_cleared, (uint32_t)PROTO_EVENT_KIND_PLANT_CLEARED == (uint32_t)PUMP_EV_PLANT_CLEARED);
VOCAB_CHECK(event_kind_mri_ended, (uint32_t)PROTO_EVENT_KIND_MRI_ENDED == (uint32_t)PUMP_EV_MRI_ENDED);
VOCAB_CHECK(event_kind_mri_recovered, (uint32_t)PROTO_EVENT_KIND_MRI_RECOVERED == (uint32_t)PUMP_EV_MRI_RECOVERED);
VOCAB_CHECK(event_kind_count, (uint32_t)PROTO_EVENT_KIND_MRI_RECOVERED + 1u == (uint32_t)PUMP_EV_KIND_COUNT);
VOCAB_CHECK(alarm_all, (uint32_t)PUMP_ALARM_ALL_MASK == 255u);
VOCAB_CHECK(reason_ok, (uint32_t)PUMP_OK == 0u);
VOCAB_CHECK(reason_arg, (uint32_t)PUMP_E_ARG == 1u);
VOCAB_CHECK(reason_rate_range, (uint32_t)PUMP_E_RATE_RANGE == 2u);
VOCAB_CHECK(reason_steps, (uint32_t)PUMP_E_STEPS == 3u);
VOCAB_CHECK(reason_concentration, (uint32_t)PUMP_E_CONCENTRATION == 4u);
VOCAB_CHECK(reason_dose_limit, (uint32_t)PUMP_E_DOSE_LIMIT == 5u);
VOCAB_CHECK(reason_limit_range, (uint32_t)PUMP_E_LIMIT_RANGE == 6u);
VOCAB_CHECK(reason_bolus_range, (uint32_t)PUMP_E_BOLUS_RANGE == 7u);
VOCAB_CHECK(reason_bolus_active, (uint32_t)PUMP_E_BOLUS_ACTIVE == 8u);
VOCAB_CHECK(reason_no_bolus, (uint32_t)PUMP_E_NO_BOLUS == 9u);
VOCAB_CHECK(reason_suspended, (uint32_t)PUMP_E_SUSPENDED == 10u);
VOCAB_CHECK(reason_empty, (uint32_t)PUMP_E_EMPTY == 11u);
VOCAB_CHECK(reason_eos, (uint32_t)PUMP_E_EOS == 12u);
VOCAB_CHECK(reason_stalled, (uint32_t)PUMP_E_STALLED == 13u);
VOCAB_CHECK(reason_overfill, (uint32_t)PUMP_E_OVERFILL == 14u);
VOCAB_CHECK(reason_lockout, (uint32_t)PUMP_E_LOCKOUT == 15u);
VOCAB_CHECK(reason_count, (uint32_t)PUMP_E_COUNT == 16u);
VOCAB_CHECK(reason_pb_disabled, (uint32_t)PUMP_E_PB_DISABLED == 17u);
VOCAB_CHECK(reason_time, (uint32_t)PUMP_E_TIME == 18u);
VOCAB_CHECK(reason_not_suspended, (uint32_t)PUMP_E_NOT_SUSPENDED == 19u);
VOCAB_CHECK(reason_no_prescription, (uint32_t)PUMP_E_NO_PRESCRIPTION == 20u);
VOCAB_CHECK(reason_snapshot_size, (uint32_t)PUMP_E_SNAPSHOT_SIZE == 21u);
VOCAB_CHECK(reason_snapshot_magic, (uint32_t)PUMP_E_SNAPSHOT_MAGIC == 22u);
VOCAB_CHECK(reason_snapshot_version, (uint32_t)PUMP_E_SNAPSHOT_VERSION == 23u);
VOCAB_CHECK(reason_snapshot_crc, (uint32_t)PUMP_E_SNAPSHOT_CRC == 24u);
VOCAB_CHECK(reason_snapshot_invalid, (uint32_t)PUMP_E_SNAPSHOT_INVALID == 25u);
VOCAB_CHECK(reason_fault_kind, (uint32_t)PUMP_E_FAULT_KIND == 26u);
VOCAB_CHECK(reason_alarm, (uint32_t)PUMP_E_ALARM == 27u);
VOCAB_CHECK(reason_drug, (uint32_t)PUMP_E_DRUG == 28u);
VOCAB_CHECK(reason_config, (uint32_t)PUMP_E_CONFIG == 29u);
VOCAB_CHECK(reason_no_fault, (uint32_t)PUMP_E_NO_FAULT == 30u);
VOCAB_CHECK(reason_memory, (uint32_t)PUMP_E_MEMORY == 31u);
VOCAB_CHECK(reason_therapy_active, (uint32_t)PUMP_E_THERAPY_ACTIVE == 32u);
VOCAB_CHECK(reason_drug_limit, (uint32_t)PUMP_E_DRUG_LIMIT == 33u);
VOCAB_CHECK(reason_soft_limit, (uint32_t)PUMP_E_SOFT_LIMIT == 34u);
VOCAB_CHECK(reason_unexpected_message, (uint32_t)PROTO_NAK_UNEXPECTED_MESSAGE == 128u);
VOCAB_CHECK(reason_bad_flags, (uint32_t)PROTO_NAK_BAD_FLAGS == 129u);
VOCAB_CHECK(reason_bad_length, (uint32_t)PROTO_NAK_BAD_LENGTH == 130u);
VOCAB_CHECK(reason_bad_field, (uint32_t)PROTO_NAK_BAD_FIELD == 131u);
VOCAB_CHECK(reason_unsupported, (uint32_t)PROTO_NAK_UNSUPPORTED == 132u);
VOCAB_CHECK(reason_clock_mode, (uint32_t)PROTO_NAK_CLOCK_MODE == 133u);
VOCAB_CHECK(reason_busy, (uint32_t)PROTO_NAK_BUSY == 134u);
VOCAB_CHECK(reason_auth_required, (uint32_t)PROTO_NAK_AUTH_REQUIRED == 200u);
VOCAB_CHECK(reason_auth_failed, (uint32_t)PROTO_NAK_AUTH_FAILED == 201u);
VOCAB_CHECK(reason_auth_replay, (uint32_t)PROTO_NAK_AUTH_REPLAY == 202u);
VOCAB_CHECK(reason_auth_role, (uint32_t)PROTO_NAK_AUTH_ROLE == 203u);
VOCAB_CHECK(reason_auth_rate_limited, (uint32_t)PROTO_NAK_AUTH_RATE_LIMITED == 204u);
VOCAB_CHECK(reason_core_below_protocol, (uint32_t)PUMP_RESULT_COUNT <= 128u);

#endif /* PYEMU_VOCAB_CHECK_H */
