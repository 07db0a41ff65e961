/* proto_msgs.c — message payload codec. GENERATED from protocol/messages.json by `python protocol/tools/gen.py`: do not edit. */
#include "proto_msgs.h"

static const proto_msg_info_t k_info[PROTO_MSG_COUNT] = {
    { 1u, 0x01u, 0x4640C317u, "HELLO" },
    { 2u, 0x01u, 0x4FFB1630u, "GET_STATUS" },
    { 3u, 0x01u, 0x2DF5AF6Au, "PRESCRIBE" },
    { 4u, 0x01u, 0xD45F1601u, "CLINICIAN_BOLUS" },
    { 5u, 0x01u, 0xE212A4C9u, "PRIME_BOLUS" },
    { 6u, 0x01u, 0x1D5FE599u, "PATIENT_BOLUS" },
    { 7u, 0x01u, 0xD93AA22Bu, "CANCEL_BOLUS" },
    { 8u, 0x01u, 0x8F6E2E75u, "SUSPEND" },
    { 9u, 0x01u, 0xCB55288Fu, "RESUME" },
    { 10u, 0x01u, 0x08B8EEC6u, "REFILL" },
    { 11u, 0x01u, 0x2CEFFE01u, "ACK_ALARM" },
    { 12u, 0x01u, 0x599EBCCFu, "READ_EVENTS" },
    { 13u, 0x01u, 0x1BE0168Fu, "SET_CLOCK" },
    { 14u, 0x01u, 0xDFF7D4CFu, "ADVANCE" },
    { 15u, 0x01u, 0x184E8DBCu, "INJECT_FAULT" },
    { 16u, 0x01u, 0x8F5FAE5Du, "CONFIGURE_IMPLANT" },
    { 17u, 0x01u, 0x4E48EB0Du, "SET_ALARM_RESOUND" },
    { 18u, 0x01u, 0xAEDDCCCEu, "REFILL_RECONCILE" },
    { 19u, 0x01u, 0x3D1FC03Du, "GET_STATUS_EXT" },
    { 20u, 0x01u, 0xC7E0199Fu, "PRESCRIBE_CONFIRM" },
    { 21u, 0x01u, 0x3326DFE7u, "GET_DRUG_STATUS" },
    { 24u, 0x01u, 0xD90538E8u, "PLANT_FAULT" },
    { 25u, 0x01u, 0xACFDD6A5u, "GET_TRUTH" },
    { 48u, 0x01u, 0x59939293u, "AUTH_BEGIN" },
    { 49u, 0x01u, 0xFED5AE52u, "AUTH_PROVE" },
    { 50u, 0x01u, 0x33A26CD4u, "AUTH_END" },
    { 64u, 0x02u, 0x4AF49ABEu, "ACK" },
    { 65u, 0x02u, 0x4DEEF21Bu, "NAK" },
    { 66u, 0x02u, 0x046C10EEu, "HELLO_INFO" },
    { 67u, 0x06u, 0x7C0FEAD4u, "STATUS" },
    { 68u, 0x02u, 0x3D63EF52u, "EVENTS" },
    { 69u, 0x04u, 0xF11B3A3Fu, "ALARM" },
    { 70u, 0x02u, 0x644426B0u, "REFILL_RESULT" },
    { 71u, 0x02u, 0x1D77377Bu, "STATUS_EXT" },
    { 72u, 0x02u, 0x1805EDD0u, "DRUG_STATUS" },
    { 74u, 0x02u, 0x8E1851ADu, "TRUTH" },
    { 112u, 0x02u, 0xD217D134u, "AUTH_CHALLENGE" },
    { 113u, 0x02u, 0x837FAAA5u, "AUTH_ACCEPT" },
};

const proto_msg_info_t *proto_msg_info(uint8_t msg_type)
{
    switch (msg_type) {
    case 1u: return &k_info[0];
    case 2u: return &k_info[1];
    case 3u: return &k_info[2];
    case 4u: return &k_info[3];
    case 5u: return &k_info[4];
    case 6u: return &k_info[5];
    case 7u: return &k_info[6];
    case 8u: return &k_info[7];
    case 9u: return &k_info[8];
    case 10u: return &k_info[9];
    case 11u: return &k_info[10];
    case 12u: return &k_info[11];
    case 13u: return &k_info[12];
    case 14u: return &k_info[13];
    case 15u: return &k_info[14];
    case 16u: return &k_info[15];
    case 17u: return &k_info[16];
    case 18u: return &k_info[17];
    case 19u: return &k_info[18];
    case 20u: return &k_info[19];
    case 21u: return &k_info[20];
    case 24u: return &k_info[21];
    case 25u: return &k_info[22];
    case 48u: return &k_info[23];
    case 49u: return &k_info[24];
    case 50u: return &k_info[25];
    case 64u: return &k_info[26];
    case 65u: return &k_info[27];
    case 66u: return &k_info[28];
    case 67u: return &k_info[29];
    case 68u: return &k_info[30];
    case 69u: return &k_info[31];
    case 70u: return &k_info[32];
    case 71u: return &k_info[33];
    case 72u: return &k_info[34];
    case 74u: return &k_info[35];
    case 112u: return &k_info[36];
    case 113u: return &k_info[37];
    default: return NULL;
    }
}

uint32_t proto_schema_crc(void)
{
    return PROTO_SCHEMA_CRC;
}

const char *proto_nak_name(int reason)
{
    switch (reason) {
    case 0: return "OK";
    case 1: return "E_ARG";
    case 2: return "E_RATE_RANGE";
    case 3: return "E_STEPS";
    case 4: return "E_CONCENTRATION";
    case 5: return "E_DOSE_LIMIT";
    case 6: return "E_LIMIT_RANGE";
    case 7: return "E_BOLUS_RANGE";
    case 8: return "E_BOLUS_ACTIVE";
    case 9: return "E_NO_BOLUS";
    case 10: return "E_SUSPENDED";
    case 11: return "E_EMPTY";
    case 12: return "E_EOS";
    case 13: return "E_STALLED";
    case 14: return "E_OVERFILL";
    case 15: return "E_LOCKOUT";
    case 16: return "E_COUNT";
    case 17: return "E_PB_DISABLED";
    case 18: return "E_TIME";
    case 19: return "E_NOT_SUSPENDED";
    case 20: return "E_NO_PRESCRIPTION";
    case 21: return "E_SNAPSHOT_SIZE";
    case 22: return "E_SNAPSHOT_MAGIC";
    case 23: return "E_SNAPSHOT_VERSION";
    case 24: return "E_SNAPSHOT_CRC";
    case 25: return "E_SNAPSHOT_INVALID";
    case 26: return "E_FAULT_KIND";
    case 27: return "E_ALARM";
    case 28: return "E_DRUG";
    case 29: return "E_CONFIG";
    case 30: return "E_NO_FAULT";
    case 31: return "E_MEMORY";
    case 32: return "E_THERAPY_ACTIVE";
    case 33: return "E_DRUG_LIMIT";
    case 34: return "E_SOFT_LIMIT";
    case 128: return "UNEXPECTED_MESSAGE";
    case 129: return "BAD_FLAGS";
    case 130: return "BAD_LENGTH";
    case 131: return "BAD_FIELD";
    case 132: return "UNSUPPORTED";
    case 133: return "CLOCK_MODE";
    case 134: return "BUSY";
    case 200: return "AUTH_REQUIRED";
    case 201: return "AUTH_FAILED";
    case 202: return "AUTH_REPLAY";
    case 203: return "AUTH_ROLE";
    case 204: return "AUTH_RATE_LIMITED";
    default: return "?";
    }
}

static int check_prescribe(const proto_prescribe_t *m)
{
    size_t i;
    if ((m->n_steps < 1u) || (m->n_steps > 24u)) { return PROTO_NAK_BAD_FIELD; }
    if ((m->pb_enabled > 1u)) { return PROTO_NAK_BAD_FIELD; }
    if ((m->step_unit > 1u)) { return PROTO_NAK_BAD_FIELD; }
    (void)i;
    return PROTO_OK;
}

int proto_encode_prescribe(const proto_prescribe_t *m, uint8_t *buf, size_t cap, size_t *len)
{
    size_t pos = 0u;
    size_t need;
    size_t i;
    int rc;
    if ((m == NULL) || (buf == NULL) || (len == NULL)) { return PROTO_ERR_ARG; }
    rc = check_prescribe(m);
    if (rc != PROTO_OK) { return rc; }
    need = 29u + ((size_t)m->n_steps * 6u);
    if (cap < need) { return PROTO_ERR_NOSPACE; }
    proto_put_u8(buf, &pos, m->drug);
    proto_put_u32(buf, &pos, m->conc_ug_ml);
    proto_put_u32(buf, &pos, m->max_dose_ug_24h);
    proto_put_u32(buf, &pos, m->low_reservoir_nl);
    proto_put_u8(buf, &pos, m->pb_enabled);
    proto_put_u32(buf, &pos, m->pb_volume_nl);
    proto_put_u32(buf, &pos, m->pb_duration_ms);
    proto_put_u32(buf, &pos, m->pb_lockout_ms);
    proto_put_u8(buf, &pos, m->pb_max_per_24h);
    proto_put_u8(buf, &pos, m->step_unit);
    proto_put_u8(buf, &pos, m->n_steps);
    for (i = 0u; (i < (size_t)m->n_steps) && (i < 24u); i++) {
        proto_put_u16(buf, &pos, m->steps[i].start_min);
        proto_put_u32(buf, &pos, m->steps[i].value);
    }
    *len = pos;
    return PROTO_OK;
}

int proto_decode_prescribe(const uint8_t *buf, size_t len, proto_prescribe_t *m)
{
    size_t pos = 0u;
    size_t i;
    if ((m == NULL) || (buf == NULL)) { return PROTO_ERR_ARG; }
    if (len < 29u) { return PROTO_NAK_BAD_LENGTH; }
    m->drug = proto_get_u8(buf, &pos);
    m->conc_ug_ml = proto_get_u32(buf, &pos);
    m->max_dose_ug_24h = proto_get_u32(buf, &pos);
    m->low_reservoir_nl = proto_get_u32(buf, &pos);
    m->pb_enabled = proto_get_u8(buf, &pos);
    m->pb_volume_nl = proto_get_u32(buf, &pos);
    m->pb_duration_ms = proto_get_u32(buf, &pos);
    m->pb_lockout_ms = proto_get_u32(buf, &pos);
    m->pb_max_per_24h = proto_get_u8(buf, &pos);
    m->step_unit = proto_get_u8(buf, &pos);
    m->n_steps = proto_get_u8(buf, &pos);
    if ((m->n_steps < 1u) || (m->n_steps > 24u)) { return PROTO_NAK_BAD_FIELD; }
    if (len != (29u + ((size_t)m->n_steps * 6u))) { return PROTO_NAK_BAD_LENGTH; }
    for (i = 0u; (i < (size_t)m->n_steps) && (i < 24u); i++) {
        m->steps[i].start_min = proto_get_u16(buf, &pos);
        m->steps[i].value = proto_get_u32(buf, &pos);
    }
    return check_prescribe(m);
}

int proto_encode_clinician_bolus(const proto_clinician_bolus_t *m, uint8_t *buf, size_t cap, size_t *len)
{
    size_t pos = 0u;
    size_t need;
    if ((m == NULL) || (buf == NULL) || (len == NULL)) { return PROTO_ERR_ARG; }
    need = 8u;
    if (cap < need) { return PROTO_ERR_NOSPACE; }
    proto_put_u32(buf, &pos, m->volume_nl);
    proto_put_u32(buf, &pos, m->duration_ms);
    *len = pos;
    return PROTO_OK;
}

int proto_decode_clinician_bolus(const uint8_t *buf, size_t len, proto_clinician_bolus_t *m)
{
    size_t pos = 0u;
    if ((m == NULL) || (buf == NULL)) { return PROTO_ERR_ARG; }
    if (len != 8u) { return PROTO_NAK_BAD_LENGTH; }
    m->volume_nl = proto_get_u32(buf, &pos);
    m->duration_ms = proto_get_u32(buf, &pos);
    return PROTO_OK;
}

int proto_encode_prime_bolus(const proto_prime_bolus_t *m, uint8_t *buf, size_t cap, size_t *len)
{
    size_t pos = 0u;
    size_t need;
    if ((m == NULL) || (buf == NULL) || (len == NULL)) { return PROTO_ERR_ARG; }
    need = 8u;
    if (cap < need) { return PROTO_ERR_NOSPACE; }
    proto_put_u32(buf, &pos, m->volume_nl);
    proto_put_u32(buf, &pos, m->duration_ms);
    *len = pos;
    return PROTO_OK;
}

int proto_decode_prime_bolus(const uint8_t *buf, size_t len, proto_prime_bolus_t *m)
{
    size_t pos = 0u;
    if ((m == NULL) || (buf == NULL)) { return PROTO_ERR_ARG; }
    if (len != 8u) { return PROTO_NAK_BAD_LENGTH; }
    m->volume_nl = proto_get_u32(buf, &pos);
    m->duration_ms = proto_get_u32(buf, &pos);
    return PROTO_OK;
}

int proto_encode_refill(const proto_refill_t *m, uint8_t *buf, size_t cap, size_t *len)
{
    size_t pos = 0u;
    size_t need;
    if ((m == NULL) || (buf == NULL) || (len == NULL)) { return PROTO_ERR_ARG; }
    need = 9u;
    if (cap < need) { return PROTO_ERR_NOSPACE; }
    proto_put_u32(buf, &pos, m->volume_nl);
    proto_put_u8(buf, &pos, m->drug);
    proto_put_u32(buf, &pos, m->conc_ug_ml);
    *len = pos;
    return PROTO_OK;
}

int proto_decode_refill(const uint8_t *buf, size_t len, proto_refill_t *m)
{
    size_t pos = 0u;
    if ((m == NULL) || (buf == NULL)) { return PROTO_ERR_ARG; }
    if (len != 9u) { return PROTO_NAK_BAD_LENGTH; }
    m->volume_nl = proto_get_u32(buf, &pos);
    m->drug = proto_get_u8(buf, &pos);
    m->conc_ug_ml = proto_get_u32(buf, &pos);
    return PROTO_OK;
}

int proto_encode_ack_alarm(const proto_ack_alarm_t *m, uint8_t *buf, size_t cap, size_t *len)
{
    size_t pos = 0u;
    size_t need;
    if ((m == NULL) || (buf == NULL) || (len == NULL)) { return PROTO_ERR_ARG; }
    need = 4u;
    if (cap < need) { return PROTO_ERR_NOSPACE; }
    proto_put_u32(buf, &pos, m->alarm_bits);
    *len = pos;
    return PROTO_OK;
}

int proto_decode_ack_alarm(const uint8_t *buf, size_t len, proto_ack_alarm_t *m)
{
    size_t pos = 0u;
    if ((m == NULL) || (buf == NULL)) { return PROTO_ERR_ARG; }
    if (len != 4u) { return PROTO_NAK_BAD_LENGTH; }
    m->alarm_bits = proto_get_u32(buf, &pos);
    return PROTO_OK;
}

static int check_read_events(const proto_read_events_t *m)
{
    if ((m->max_count < 1u) || (m->max_count > 9u)) { return PROTO_NAK_BAD_FIELD; }
    return PROTO_OK;
}

int proto_encode_read_events(const proto_read_events_t *m, uint8_t *buf, size_t cap, size_t *len)
{
    size_t pos = 0u;
    size_t need;
    int rc;
    if ((m == NULL) || (buf == NULL) || (len == NULL)) { return PROTO_ERR_ARG; }
    rc = check_read_events(m);
    if (rc != PROTO_OK) { return rc; }
    need = 5u;
    if (cap < need) { return PROTO_ERR_NOSPACE; }
    proto_put_u32(buf, &pos, m->from_seq);
    proto_put_u8(buf, &pos, m->max_count);
    *len = pos;
    return PROTO_OK;
}

int proto_decode_read_events(const uint8_t *buf, size_t len, proto_read_events_t *m)
{
    size_t pos = 0u;
    if ((m == NULL) || (buf == NULL)) { return PROTO_ERR_ARG; }
    if (len != 5u) { return PROTO_NAK_BAD_LENGTH; }
    m->from_seq = proto_get_u32(buf, &pos);
    m->max_count = proto_get_u8(buf, &pos);
    return check_read_events(m);
}

int proto_encode_set_clock(const proto_set_clock_t *m, uint8_t *buf, size_t cap, size_t *len)
{
    size_t pos = 0u;
    size_t need;
    if ((m == NULL) || (buf == NULL) || (len == NULL)) { return PROTO_ERR_ARG; }
    need = 8u;
    if (cap < need) { return PROTO_ERR_NOSPACE; }
    proto_put_u64(buf, &pos, m->unix_ms);
    *len = pos;
    return PROTO_OK;
}

int proto_decode_set_clock(const uint8_t *buf, size_t len, proto_set_clock_t *m)
{
    size_t pos = 0u;
    if ((m == NULL) || (buf == NULL)) { return PROTO_ERR_ARG; }
    if (len != 8u) { return PROTO_NAK_BAD_LENGTH; }
    m->unix_ms = proto_get_u64(buf, &pos);
    return PROTO_OK;
}

int proto_encode_advance(const proto_advance_t *m, uint8_t *buf, size_t cap, size_t *len)
{
    size_t pos = 0u;
    size_t need;
    if ((m == NULL) || (buf == NULL) || (len == NULL)) { return PROTO_ERR_ARG; }
    need = 8u;
    if (cap < need) { return PROTO_ERR_NOSPACE; }
    proto_put_u64(buf, &pos, m->delta_ms);
    *len = pos;
    return PROTO_OK;
}

int proto_decode_advance(const uint8_t *buf, size_t len, proto_advance_t *m)
{
    size_t pos = 0u;
    if ((m == NULL) || (buf == NULL)) { return PROTO_ERR_ARG; }
    if (len != 8u) { return PROTO_NAK_BAD_LENGTH; }
    m->delta_ms = proto_get_u64(buf, &pos);
    return PROTO_OK;
}

static int check_inject_fault(const proto_inject_fault_t *m)
{
    if ((m->action > 1u)) { return PROTO_NAK_BAD_FIELD; }
    return PROTO_OK;
}

int proto_encode_inject_fault(const proto_inject_fault_t *m, uint8_t *buf, size_t cap, size_t *len)
{
    size_t pos = 0u;
    size_t need;
    int rc;
    if ((m == NULL) || (buf == NULL) || (len == NULL)) { return PROTO_ERR_ARG; }
    rc = check_inject_fault(m);
    if (rc != PROTO_OK) { return rc; }
    need = 2u;
    if (cap < need) { return PROTO_ERR_NOSPACE; }
    proto_put_u8(buf, &pos, m->fault);
    proto_put_u8(buf, &pos, m->action);
    *len = pos;
    return PROTO_OK;
}

int proto_decode_inject_fault(const uint8_t *buf, size_t len, proto_inject_fault_t *m)
{
    size_t pos = 0u;
    if ((m == NULL) || (buf == NULL)) { return PROTO_ERR_ARG; }
    if (len != 2u) { return PROTO_NAK_BAD_LENGTH; }
    m->fault = proto_get_u8(buf, &pos);
    m->action = proto_get_u8(buf, &pos);
    return check_inject_fault(m);
}

int proto_encode_configure_implant(const proto_configure_implant_t *m, uint8_t *buf, size_t cap, size_t *len)
{
    size_t pos = 0u;
    size_t need;
    if ((m == NULL) || (buf == NULL) || (len == NULL)) { return PROTO_ERR_ARG; }
    need = 14u;
    if (cap < need) { return PROTO_ERR_NOSPACE; }
    proto_put_u32(buf, &pos, m->dead_volume_nl);
    proto_put_u16(buf, &pos, m->catheter_length_mm);
    proto_put_u32(buf, &pos, m->catheter_nl_per_cm);
    proto_put_u32(buf, &pos, m->tubing_nl);
    *len = pos;
    return PROTO_OK;
}

int proto_decode_configure_implant(const uint8_t *buf, size_t len, proto_configure_implant_t *m)
{
    size_t pos = 0u;
    if ((m == NULL) || (buf == NULL)) { return PROTO_ERR_ARG; }
    if (len != 14u) { return PROTO_NAK_BAD_LENGTH; }
    m->dead_volume_nl = proto_get_u32(buf, &pos);
    m->catheter_length_mm = proto_get_u16(buf, &pos);
    m->catheter_nl_per_cm = proto_get_u32(buf, &pos);
    m->tubing_nl = proto_get_u32(buf, &pos);
    return PROTO_OK;
}

int proto_encode_set_alarm_resound(const proto_set_alarm_resound_t *m, uint8_t *buf, size_t cap, size_t *len)
{
    size_t pos = 0u;
    size_t need;
    if ((m == NULL) || (buf == NULL) || (len == NULL)) { return PROTO_ERR_ARG; }
    need = 4u;
    if (cap < need) { return PROTO_ERR_NOSPACE; }
    proto_put_u32(buf, &pos, m->interval_ms);
    *len = pos;
    return PROTO_OK;
}

int proto_decode_set_alarm_resound(const uint8_t *buf, size_t len, proto_set_alarm_resound_t *m)
{
    size_t pos = 0u;
    if ((m == NULL) || (buf == NULL)) { return PROTO_ERR_ARG; }
    if (len != 4u) { return PROTO_NAK_BAD_LENGTH; }
    m->interval_ms = proto_get_u32(buf, &pos);
    return PROTO_OK;
}

int proto_encode_refill_reconcile(const proto_refill_reconcile_t *m, uint8_t *buf, size_t cap, size_t *len)
{
    size_t pos = 0u;
    size_t need;
    if ((m == NULL) || (buf == NULL) || (len == NULL)) { return PROTO_ERR_ARG; }
    need = 13u;
    if (cap < need) { return PROTO_ERR_NOSPACE; }
    proto_put_u32(buf, &pos, m->volume_nl);
    proto_put_u8(buf, &pos, m->drug);
    proto_put_u32(buf, &pos, m->conc_ug_ml);
    proto_put_u32(buf, &pos, m->withdrawn_nl);
    *len = pos;
    return PROTO_OK;
}

int proto_decode_refill_reconcile(const uint8_t *buf, size_t len, proto_refill_reconcile_t *m)
{
    size_t pos = 0u;
    if ((m == NULL) || (buf == NULL)) { return PROTO_ERR_ARG; }
    if (len != 13u) { return PROTO_NAK_BAD_LENGTH; }
    m->volume_nl = proto_get_u32(buf, &pos);
    m->drug = proto_get_u8(buf, &pos);
    m->conc_ug_ml = proto_get_u32(buf, &pos);
    m->withdrawn_nl = proto_get_u32(buf, &pos);
    return PROTO_OK;
}

static int check_prescribe_confirm(const proto_prescribe_confirm_t *m)
{
    size_t i;
    if ((m->n_steps < 1u) || (m->n_steps > 24u)) { return PROTO_NAK_BAD_FIELD; }
    if ((m->confirm_soft_limit > 1u)) { return PROTO_NAK_BAD_FIELD; }
    if ((m->pb_enabled > 1u)) { return PROTO_NAK_BAD_FIELD; }
    if ((m->step_unit > 1u)) { return PROTO_NAK_BAD_FIELD; }
    (void)i;
    return PROTO_OK;
}

int proto_encode_prescribe_confirm(const proto_prescribe_confirm_t *m, uint8_t *buf, size_t cap, size_t *len)
{
    size_t pos = 0u;
    size_t need;
    size_t i;
    int rc;
    if ((m == NULL) || (buf == NULL) || (len == NULL)) { return PROTO_ERR_ARG; }
    rc = check_prescribe_confirm(m);
    if (rc != PROTO_OK) { return rc; }
    need = 30u + ((size_t)m->n_steps * 6u);
    if (cap < need) { return PROTO_ERR_NOSPACE; }
    proto_put_u8(buf, &pos, m->confirm_soft_limit);
    proto_put_u8(buf, &pos, m->drug);
    proto_put_u32(buf, &pos, m->conc_ug_ml);
    proto_put_u32(buf, &pos, m->max_dose_ug_24h);
    proto_put_u32(buf, &pos, m->low_reservoir_nl);
    proto_put_u8(buf, &pos, m->pb_enabled);
    proto_put_u32(buf, &pos, m->pb_volume_nl);
    proto_put_u32(buf, &pos, m->pb_duration_ms);
    proto_put_u32(buf, &pos, m->pb_lockout_ms);
    proto_put_u8(buf, &pos, m->pb_max_per_24h);
    proto_put_u8(buf, &pos, m->step_unit);
    proto_put_u8(buf, &pos, m->n_steps);
    for (i = 0u; (i < (size_t)m->n_steps) && (i < 24u); i++) {
        proto_put_u16(buf, &pos, m->steps[i].start_min);
        proto_put_u32(buf, &pos, m->steps[i].value);
    }
    *len = pos;
    return PROTO_OK;
}

int proto_decode_prescribe_confirm(const uint8_t *buf, size_t len, proto_prescribe_confirm_t *m)
{
    size_t pos = 0u;
    size_t i;
    if ((m == NULL) || (buf == NULL)) { return PROTO_ERR_ARG; }
    if (len < 30u) { return PROTO_NAK_BAD_LENGTH; }
    m->confirm_soft_limit = proto_get_u8(buf, &pos);
    m->drug = proto_get_u8(buf, &pos);
    m->conc_ug_ml = proto_get_u32(buf, &pos);
    m->max_dose_ug_24h = proto_get_u32(buf, &pos);
    m->low_reservoir_nl = proto_get_u32(buf, &pos);
    m->pb_enabled = proto_get_u8(buf, &pos);
    m->pb_volume_nl = proto_get_u32(buf, &pos);
    m->pb_duration_ms = proto_get_u32(buf, &pos);
    m->pb_lockout_ms = proto_get_u32(buf, &pos);
    m->pb_max_per_24h = proto_get_u8(buf, &pos);
    m->step_unit = proto_get_u8(buf, &pos);
    m->n_steps = proto_get_u8(buf, &pos);
    if ((m->n_steps < 1u) || (m->n_steps > 24u)) { return PROTO_NAK_BAD_FIELD; }
    if (len != (30u + ((size_t)m->n_steps * 6u))) { return PROTO_NAK_BAD_LENGTH; }
    for (i = 0u; (i < (size_t)m->n_steps) && (i < 24u); i++) {
        m->steps[i].start_min = proto_get_u16(buf, &pos);
        m->steps[i].value = proto_get_u32(buf, &pos);
    }
    return check_prescribe_confirm(m);
}

static int check_plant_fault(const proto_plant_fault_t *m)
{
    if ((m->action > 1u)) { return PROTO_NAK_BAD_FIELD; }
    return PROTO_OK;
}

int proto_encode_plant_fault(const proto_plant_fault_t *m, uint8_t *buf, size_t cap, size_t *len)
{
    size_t pos = 0u;
    size_t need;
    int rc;
    if ((m == NULL) || (buf == NULL) || (len == NULL)) { return PROTO_ERR_ARG; }
    rc = check_plant_fault(m);
    if (rc != PROTO_OK) { return rc; }
    need = 18u;
    if (cap < need) { return PROTO_ERR_NOSPACE; }
    proto_put_u8(buf, &pos, m->fault);
    proto_put_u8(buf, &pos, m->action);
    proto_put_u32(buf, &pos, m->value);
    proto_put_u32(buf, &pos, m->target);
    proto_put_u32(buf, &pos, m->duration_ms);
    proto_put_u32(buf, &pos, m->delay_ms);
    *len = pos;
    return PROTO_OK;
}

int proto_decode_plant_fault(const uint8_t *buf, size_t len, proto_plant_fault_t *m)
{
    size_t pos = 0u;
    if ((m == NULL) || (buf == NULL)) { return PROTO_ERR_ARG; }
    if (len != 18u) { return PROTO_NAK_BAD_LENGTH; }
    m->fault = proto_get_u8(buf, &pos);
    m->action = proto_get_u8(buf, &pos);
    m->value = proto_get_u32(buf, &pos);
    m->target = proto_get_u32(buf, &pos);
    m->duration_ms = proto_get_u32(buf, &pos);
    m->delay_ms = proto_get_u32(buf, &pos);
    return check_plant_fault(m);
}

static int check_auth_begin(const proto_auth_begin_t *m)
{
    if ((m->role < 1u) || (m->role > 2u)) { return PROTO_NAK_BAD_FIELD; }
    return PROTO_OK;
}

int proto_encode_auth_begin(const proto_auth_begin_t *m, uint8_t *buf, size_t cap, size_t *len)
{
    size_t pos = 0u;
    size_t need;
    int rc;
    if ((m == NULL) || (buf == NULL) || (len == NULL)) { return PROTO_ERR_ARG; }
    rc = check_auth_begin(m);
    if (rc != PROTO_OK) { return rc; }
    need = 17u;
    if (cap < need) { return PROTO_ERR_NOSPACE; }
    proto_put_u8(buf, &pos, m->role);
    proto_put_u64(buf, &pos, m->host_nonce_lo);
    proto_put_u64(buf, &pos, m->host_nonce_hi);
    *len = pos;
    return PROTO_OK;
}

int proto_decode_auth_begin(const uint8_t *buf, size_t len, proto_auth_begin_t *m)
{
    size_t pos = 0u;
    if ((m == NULL) || (buf == NULL)) { return PROTO_ERR_ARG; }
    if (len != 17u) { return PROTO_NAK_BAD_LENGTH; }
    m->role = proto_get_u8(buf, &pos);
    m->host_nonce_lo = proto_get_u64(buf, &pos);
    m->host_nonce_hi = proto_get_u64(buf, &pos);
    return check_auth_begin(m);
}

int proto_encode_auth_prove(const proto_auth_prove_t *m, uint8_t *buf, size_t cap, size_t *len)
{
    size_t pos = 0u;
    size_t need;
    if ((m == NULL) || (buf == NULL) || (len == NULL)) { return PROTO_ERR_ARG; }
    need = 16u;
    if (cap < need) { return PROTO_ERR_NOSPACE; }
    proto_put_u64(buf, &pos, m->proof_lo);
    proto_put_u64(buf, &pos, m->proof_hi);
    *len = pos;
    return PROTO_OK;
}

int proto_decode_auth_prove(const uint8_t *buf, size_t len, proto_auth_prove_t *m)
{
    size_t pos = 0u;
    if ((m == NULL) || (buf == NULL)) { return PROTO_ERR_ARG; }
    if (len != 16u) { return PROTO_NAK_BAD_LENGTH; }
    m->proof_lo = proto_get_u64(buf, &pos);
    m->proof_hi = proto_get_u64(buf, &pos);
    return PROTO_OK;
}

int proto_encode_ack(const proto_ack_t *m, uint8_t *buf, size_t cap, size_t *len)
{
    size_t pos = 0u;
    size_t need;
    if ((m == NULL) || (buf == NULL) || (len == NULL)) { return PROTO_ERR_ARG; }
    need = 1u;
    if (cap < need) { return PROTO_ERR_NOSPACE; }
    proto_put_u8(buf, &pos, m->req_type);
    *len = pos;
    return PROTO_OK;
}

int proto_decode_ack(const uint8_t *buf, size_t len, proto_ack_t *m)
{
    size_t pos = 0u;
    if ((m == NULL) || (buf == NULL)) { return PROTO_ERR_ARG; }
    if (len != 1u) { return PROTO_NAK_BAD_LENGTH; }
    m->req_type = proto_get_u8(buf, &pos);
    return PROTO_OK;
}

int proto_encode_nak(const proto_nak_t *m, uint8_t *buf, size_t cap, size_t *len)
{
    size_t pos = 0u;
    size_t need;
    if ((m == NULL) || (buf == NULL) || (len == NULL)) { return PROTO_ERR_ARG; }
    need = 2u;
    if (cap < need) { return PROTO_ERR_NOSPACE; }
    proto_put_u8(buf, &pos, m->req_type);
    proto_put_u8(buf, &pos, m->reason);
    *len = pos;
    return PROTO_OK;
}

int proto_decode_nak(const uint8_t *buf, size_t len, proto_nak_t *m)
{
    size_t pos = 0u;
    if ((m == NULL) || (buf == NULL)) { return PROTO_ERR_ARG; }
    if (len != 2u) { return PROTO_NAK_BAD_LENGTH; }
    m->req_type = proto_get_u8(buf, &pos);
    m->reason = proto_get_u8(buf, &pos);
    return PROTO_OK;
}

static int check_hello_info(const proto_hello_info_t *m)
{
    if ((proto_text_ok(m->model, 16u) == 0)) { return PROTO_NAK_BAD_FIELD; }
    return PROTO_OK;
}

int proto_encode_hello_info(const proto_hello_info_t *m, uint8_t *buf, size_t cap, size_t *len)
{
    size_t pos = 0u;
    size_t need;
    int rc;
    if ((m == NULL) || (buf == NULL) || (len == NULL)) { return PROTO_ERR_ARG; }
    rc = check_hello_info(m);
    if (rc != PROTO_OK) { return rc; }
    need = 40u;
    if (cap < need) { return PROTO_ERR_NOSPACE; }
    proto_put_u8(buf, &pos, m->protocol_version);
    proto_put_u32(buf, &pos, m->schema_crc);
    proto_put_text(buf, &pos, m->model, 16u);
    proto_put_u32(buf, &pos, m->serial);
    proto_put_u8(buf, &pos, m->fw_major);
    proto_put_u8(buf, &pos, m->fw_minor);
    proto_put_u8(buf, &pos, m->fw_patch);
    proto_put_u16(buf, &pos, m->capabilities);
    proto_put_u8(buf, &pos, m->clock_mode);
    proto_put_u32(buf, &pos, m->clock_speed);
    proto_put_u32(buf, &pos, m->reservoir_capacity_nl);
    proto_put_u8(buf, &pos, m->max_payload);
    *len = pos;
    return PROTO_OK;
}

int proto_decode_hello_info(const uint8_t *buf, size_t len, proto_hello_info_t *m)
{
    size_t pos = 0u;
    if ((m == NULL) || (buf == NULL)) { return PROTO_ERR_ARG; }
    if (len != 40u) { return PROTO_NAK_BAD_LENGTH; }
    m->protocol_version = proto_get_u8(buf, &pos);
    m->schema_crc = proto_get_u32(buf, &pos);
    if (proto_get_text(buf, &pos, m->model, 16u) != PROTO_OK) { return PROTO_NAK_BAD_FIELD; }
    m->serial = proto_get_u32(buf, &pos);
    m->fw_major = proto_get_u8(buf, &pos);
    m->fw_minor = proto_get_u8(buf, &pos);
    m->fw_patch = proto_get_u8(buf, &pos);
    m->capabilities = proto_get_u16(buf, &pos);
    m->clock_mode = proto_get_u8(buf, &pos);
    m->clock_speed = proto_get_u32(buf, &pos);
    m->reservoir_capacity_nl = proto_get_u32(buf, &pos);
    m->max_payload = proto_get_u8(buf, &pos);
    return check_hello_info(m);
}

int proto_encode_status(const proto_status_t *m, uint8_t *buf, size_t cap, size_t *len)
{
    size_t pos = 0u;
    size_t need;
    if ((m == NULL) || (buf == NULL) || (len == NULL)) { return PROTO_ERR_ARG; }
    need = 77u;
    if (cap < need) { return PROTO_ERR_NOSPACE; }
    proto_put_u64(buf, &pos, m->now_ms);
    proto_put_u8(buf, &pos, m->state);
    proto_put_u32(buf, &pos, m->rate_nl_day);
    proto_put_u32(buf, &pos, m->basal_nl_day);
    proto_put_u32(buf, &pos, m->reservoir_nl);
    proto_put_u64(buf, &pos, m->pumped_nl);
    proto_put_u64(buf, &pos, m->delivered_pg);
    proto_put_u64(buf, &pos, m->battery_nc);
    proto_put_u16(buf, &pos, m->battery_permille);
    proto_put_u32(buf, &pos, m->days_to_eri);
    proto_put_u32(buf, &pos, m->alarms);
    proto_put_u32(buf, &pos, m->unacked_alarms);
    proto_put_u8(buf, &pos, m->bolus_kind);
    proto_put_u32(buf, &pos, m->bolus_remaining_nl);
    proto_put_u8(buf, &pos, m->drug);
    proto_put_u32(buf, &pos, m->conc_ug_ml);
    proto_put_u32(buf, &pos, m->dose_24h_ug);
    proto_put_u32(buf, &pos, m->last_event_seq);
    *len = pos;
    return PROTO_OK;
}

int proto_decode_status(const uint8_t *buf, size_t len, proto_status_t *m)
{
    size_t pos = 0u;
    if ((m == NULL) || (buf == NULL)) { return PROTO_ERR_ARG; }
    if (len != 77u) { return PROTO_NAK_BAD_LENGTH; }
    m->now_ms = proto_get_u64(buf, &pos);
    m->state = proto_get_u8(buf, &pos);
    m->rate_nl_day = proto_get_u32(buf, &pos);
    m->basal_nl_day = proto_get_u32(buf, &pos);
    m->reservoir_nl = proto_get_u32(buf, &pos);
    m->pumped_nl = proto_get_u64(buf, &pos);
    m->delivered_pg = proto_get_u64(buf, &pos);
    m->battery_nc = proto_get_u64(buf, &pos);
    m->battery_permille = proto_get_u16(buf, &pos);
    m->days_to_eri = proto_get_u32(buf, &pos);
    m->alarms = proto_get_u32(buf, &pos);
    m->unacked_alarms = proto_get_u32(buf, &pos);
    m->bolus_kind = proto_get_u8(buf, &pos);
    m->bolus_remaining_nl = proto_get_u32(buf, &pos);
    m->drug = proto_get_u8(buf, &pos);
    m->conc_ug_ml = proto_get_u32(buf, &pos);
    m->dose_24h_ug = proto_get_u32(buf, &pos);
    m->last_event_seq = proto_get_u32(buf, &pos);
    return PROTO_OK;
}

static int check_events(const proto_events_t *m)
{
    size_t i;
    if ((m->n_events > 9u)) { return PROTO_NAK_BAD_FIELD; }
    (void)i;
    return PROTO_OK;
}

int proto_encode_events(const proto_events_t *m, uint8_t *buf, size_t cap, size_t *len)
{
    size_t pos = 0u;
    size_t need;
    size_t i;
    int rc;
    if ((m == NULL) || (buf == NULL) || (len == NULL)) { return PROTO_ERR_ARG; }
    rc = check_events(m);
    if (rc != PROTO_OK) { return rc; }
    need = 9u + ((size_t)m->n_events * 22u);
    if (cap < need) { return PROTO_ERR_NOSPACE; }
    proto_put_u32(buf, &pos, m->first_available);
    proto_put_u32(buf, &pos, m->newest_seq);
    proto_put_u8(buf, &pos, m->n_events);
    for (i = 0u; (i < (size_t)m->n_events) && (i < 9u); i++) {
        proto_put_u32(buf, &pos, m->events[i].seq);
        proto_put_u64(buf, &pos, m->events[i].time_ms);
        proto_put_u16(buf, &pos, m->events[i].kind);
        proto_put_u32(buf, &pos, m->events[i].data0);
        proto_put_u32(buf, &pos, m->events[i].data1);
    }
    *len = pos;
    return PROTO_OK;
}

int proto_decode_events(const uint8_t *buf, size_t len, proto_events_t *m)
{
    size_t pos = 0u;
    size_t i;
    if ((m == NULL) || (buf == NULL)) { return PROTO_ERR_ARG; }
    if (len < 9u) { return PROTO_NAK_BAD_LENGTH; }
    m->first_available = proto_get_u32(buf, &pos);
    m->newest_seq = proto_get_u32(buf, &pos);
    m->n_events = proto_get_u8(buf, &pos);
    if ((m->n_events > 9u)) { return PROTO_NAK_BAD_FIELD; }
    if (len != (9u + ((size_t)m->n_events * 22u))) { return PROTO_NAK_BAD_LENGTH; }
    for (i = 0u; (i < (size_t)m->n_events) && (i < 9u); i++) {
        m->events[i].seq = proto_get_u32(buf, &pos);
        m->events[i].time_ms = proto_get_u64(buf, &pos);
        m->events[i].kind = proto_get_u16(buf, &pos);
        m->events[i].data0 = proto_get_u32(buf, &pos);
        m->events[i].data1 = proto_get_u32(buf, &pos);
    }
    return check_events(m);
}

int proto_encode_alarm(const proto_alarm_t *m, uint8_t *buf, size_t cap, size_t *len)
{
    size_t pos = 0u;
    size_t need;
    if ((m == NULL) || (buf == NULL) || (len == NULL)) { return PROTO_ERR_ARG; }
    need = 24u;
    if (cap < need) { return PROTO_ERR_NOSPACE; }
    proto_put_u64(buf, &pos, m->now_ms);
    proto_put_u32(buf, &pos, m->alarms);
    proto_put_u32(buf, &pos, m->unacked_alarms);
    proto_put_u32(buf, &pos, m->raised);
    proto_put_u32(buf, &pos, m->cleared);
    *len = pos;
    return PROTO_OK;
}

int proto_decode_alarm(const uint8_t *buf, size_t len, proto_alarm_t *m)
{
    size_t pos = 0u;
    if ((m == NULL) || (buf == NULL)) { return PROTO_ERR_ARG; }
    if (len != 24u) { return PROTO_NAK_BAD_LENGTH; }
    m->now_ms = proto_get_u64(buf, &pos);
    m->alarms = proto_get_u32(buf, &pos);
    m->unacked_alarms = proto_get_u32(buf, &pos);
    m->raised = proto_get_u32(buf, &pos);
    m->cleared = proto_get_u32(buf, &pos);
    return PROTO_OK;
}

static int check_refill_result(const proto_refill_result_t *m)
{
    if ((m->verdict > 2u)) { return PROTO_NAK_BAD_FIELD; }
    return PROTO_OK;
}

int proto_encode_refill_result(const proto_refill_result_t *m, uint8_t *buf, size_t cap, size_t *len)
{
    size_t pos = 0u;
    size_t need;
    int rc;
    if ((m == NULL) || (buf == NULL) || (len == NULL)) { return PROTO_ERR_ARG; }
    rc = check_refill_result(m);
    if (rc != PROTO_OK) { return rc; }
    need = 21u;
    if (cap < need) { return PROTO_ERR_NOSPACE; }
    proto_put_u32(buf, &pos, m->expected_nl);
    proto_put_u32(buf, &pos, m->withdrawn_nl);
    proto_put_u32(buf, &pos, m->discrepancy_nl);
    proto_put_u32(buf, &pos, m->delivered_nl);
    proto_put_u32(buf, &pos, m->tolerance_nl);
    proto_put_u8(buf, &pos, m->verdict);
    *len = pos;
    return PROTO_OK;
}

int proto_decode_refill_result(const uint8_t *buf, size_t len, proto_refill_result_t *m)
{
    size_t pos = 0u;
    if ((m == NULL) || (buf == NULL)) { return PROTO_ERR_ARG; }
    if (len != 21u) { return PROTO_NAK_BAD_LENGTH; }
    m->expected_nl = proto_get_u32(buf, &pos);
    m->withdrawn_nl = proto_get_u32(buf, &pos);
    m->discrepancy_nl = proto_get_u32(buf, &pos);
    m->delivered_nl = proto_get_u32(buf, &pos);
    m->tolerance_nl = proto_get_u32(buf, &pos);
    m->verdict = proto_get_u8(buf, &pos);
    return check_refill_result(m);
}

int proto_encode_status_ext(const proto_status_ext_t *m, uint8_t *buf, size_t cap, size_t *len)
{
    size_t pos = 0u;
    size_t need;
    if ((m == NULL) || (buf == NULL) || (len == NULL)) { return PROTO_ERR_ARG; }
    need = 28u;
    if (cap < need) { return PROTO_ERR_NOSPACE; }
    proto_put_u64(buf, &pos, m->now_ms);
    proto_put_u32(buf, &pos, m->dead_volume_nl);
    proto_put_u32(buf, &pos, m->resound_ms);
    proto_put_u32(buf, &pos, m->days_to_low_reservoir);
    proto_put_u32(buf, &pos, m->days_to_low_reservoir_max_use);
    proto_put_u32(buf, &pos, m->unacked_alarms);
    *len = pos;
    return PROTO_OK;
}

int proto_decode_status_ext(const uint8_t *buf, size_t len, proto_status_ext_t *m)
{
    size_t pos = 0u;
    if ((m == NULL) || (buf == NULL)) { return PROTO_ERR_ARG; }
    if (len != 28u) { return PROTO_NAK_BAD_LENGTH; }
    m->now_ms = proto_get_u64(buf, &pos);
    m->dead_volume_nl = proto_get_u32(buf, &pos);
    m->resound_ms = proto_get_u32(buf, &pos);
    m->days_to_low_reservoir = proto_get_u32(buf, &pos);
    m->days_to_low_reservoir_max_use = proto_get_u32(buf, &pos);
    m->unacked_alarms = proto_get_u32(buf, &pos);
    return PROTO_OK;
}

int proto_encode_drug_status(const proto_drug_status_t *m, uint8_t *buf, size_t cap, size_t *len)
{
    size_t pos = 0u;
    size_t need;
    if ((m == NULL) || (buf == NULL) || (len == NULL)) { return PROTO_ERR_ARG; }
    need = 29u;
    if (cap < need) { return PROTO_ERR_NOSPACE; }
    proto_put_u64(buf, &pos, m->now_ms);
    proto_put_u8(buf, &pos, m->drug);
    proto_put_u32(buf, &pos, m->conc_ug_ml);
    proto_put_u64(buf, &pos, m->refill_ms);
    proto_put_u32(buf, &pos, m->stability_days);
    proto_put_u32(buf, &pos, m->days_to_drug_expiry);
    *len = pos;
    return PROTO_OK;
}

int proto_decode_drug_status(const uint8_t *buf, size_t len, proto_drug_status_t *m)
{
    size_t pos = 0u;
    if ((m == NULL) || (buf == NULL)) { return PROTO_ERR_ARG; }
    if (len != 29u) { return PROTO_NAK_BAD_LENGTH; }
    m->now_ms = proto_get_u64(buf, &pos);
    m->drug = proto_get_u8(buf, &pos);
    m->conc_ug_ml = proto_get_u32(buf, &pos);
    m->refill_ms = proto_get_u64(buf, &pos);
    m->stability_days = proto_get_u32(buf, &pos);
    m->days_to_drug_expiry = proto_get_u32(buf, &pos);
    return PROTO_OK;
}

static int check_truth(const proto_truth_t *m)
{
    if ((m->pocket_fill > 1u)) { return PROTO_NAK_BAD_FIELD; }
    return PROTO_OK;
}

int proto_encode_truth(const proto_truth_t *m, uint8_t *buf, size_t cap, size_t *len)
{
    size_t pos = 0u;
    size_t need;
    int rc;
    if ((m == NULL) || (buf == NULL) || (len == NULL)) { return PROTO_ERR_ARG; }
    rc = check_truth(m);
    if (rc != PROTO_OK) { return rc; }
    need = 63u;
    if (cap < need) { return PROTO_ERR_NOSPACE; }
    proto_put_u64(buf, &pos, m->now_ms);
    proto_put_u32(buf, &pos, m->reservoir_nl);
    proto_put_u32(buf, &pos, m->conc_ug_ml);
    proto_put_u64(buf, &pos, m->intrathecal_pg);
    proto_put_u64(buf, &pos, m->tissue_pg);
    proto_put_u64(buf, &pos, m->held_pg);
    proto_put_u64(buf, &pos, m->moved_nl);
    proto_put_u8(buf, &pos, m->catheter);
    proto_put_u32(buf, &pos, m->factor_ppm);
    proto_put_u32(buf, &pos, m->leak_ppm);
    proto_put_u8(buf, &pos, m->pocket_fill);
    proto_put_u8(buf, &pos, m->mri);
    proto_put_u32(buf, &pos, m->faults);
    *len = pos;
    return PROTO_OK;
}

int proto_decode_truth(const uint8_t *buf, size_t len, proto_truth_t *m)
{
    size_t pos = 0u;
    if ((m == NULL) || (buf == NULL)) { return PROTO_ERR_ARG; }
    if (len != 63u) { return PROTO_NAK_BAD_LENGTH; }
    m->now_ms = proto_get_u64(buf, &pos);
    m->reservoir_nl = proto_get_u32(buf, &pos);
    m->conc_ug_ml = proto_get_u32(buf, &pos);
    m->intrathecal_pg = proto_get_u64(buf, &pos);
    m->tissue_pg = proto_get_u64(buf, &pos);
    m->held_pg = proto_get_u64(buf, &pos);
    m->moved_nl = proto_get_u64(buf, &pos);
    m->catheter = proto_get_u8(buf, &pos);
    m->factor_ppm = proto_get_u32(buf, &pos);
    m->leak_ppm = proto_get_u32(buf, &pos);
    m->pocket_fill = proto_get_u8(buf, &pos);
    m->mri = proto_get_u8(buf, &pos);
    m->faults = proto_get_u32(buf, &pos);
    return check_truth(m);
}

int proto_encode_auth_challenge(const proto_auth_challenge_t *m, uint8_t *buf, size_t cap, size_t *len)
{
    size_t pos = 0u;
    size_t need;
    if ((m == NULL) || (buf == NULL) || (len == NULL)) { return PROTO_ERR_ARG; }
    need = 20u;
    if (cap < need) { return PROTO_ERR_NOSPACE; }
    proto_put_u32(buf, &pos, m->session);
    proto_put_u64(buf, &pos, m->device_nonce_lo);
    proto_put_u64(buf, &pos, m->device_nonce_hi);
    *len = pos;
    return PROTO_OK;
}

int proto_decode_auth_challenge(const uint8_t *buf, size_t len, proto_auth_challenge_t *m)
{
    size_t pos = 0u;
    if ((m == NULL) || (buf == NULL)) { return PROTO_ERR_ARG; }
    if (len != 20u) { return PROTO_NAK_BAD_LENGTH; }
    m->session = proto_get_u32(buf, &pos);
    m->device_nonce_lo = proto_get_u64(buf, &pos);
    m->device_nonce_hi = proto_get_u64(buf, &pos);
    return PROTO_OK;
}

int proto_encode_auth_accept(const proto_auth_accept_t *m, uint8_t *buf, size_t cap, size_t *len)
{
    size_t pos = 0u;
    size_t need;
    if ((m == NULL) || (buf == NULL) || (len == NULL)) { return PROTO_ERR_ARG; }
    need = 16u;
    if (cap < need) { return PROTO_ERR_NOSPACE; }
    proto_put_u64(buf, &pos, m->proof_lo);
    proto_put_u64(buf, &pos, m->proof_hi);
    *len = pos;
    return PROTO_OK;
}

int proto_decode_auth_accept(const uint8_t *buf, size_t len, proto_auth_accept_t *m)
{
    size_t pos = 0u;
    if ((m == NULL) || (buf == NULL)) { return PROTO_ERR_ARG; }
    if (len != 16u) { return PROTO_NAK_BAD_LENGTH; }
    m->proof_lo = proto_get_u64(buf, &pos);
    m->proof_hi = proto_get_u64(buf, &pos);
    return PROTO_OK;
}

int proto_msg_encode(uint8_t msg_type, const proto_msg_t *m, uint8_t *buf, size_t cap, size_t *len)
{
    if (len == NULL) { return PROTO_ERR_ARG; }
    switch (msg_type) {
    case 3u: return (m == NULL) ? PROTO_ERR_ARG : proto_encode_prescribe(&m->prescribe, buf, cap, len);
    case 4u: return (m == NULL) ? PROTO_ERR_ARG : proto_encode_clinician_bolus(&m->clinician_bolus, buf, cap, len);
    case 5u: return (m == NULL) ? PROTO_ERR_ARG : proto_encode_prime_bolus(&m->prime_bolus, buf, cap, len);
    case 10u: return (m == NULL) ? PROTO_ERR_ARG : proto_encode_refill(&m->refill, buf, cap, len);
    case 11u: return (m == NULL) ? PROTO_ERR_ARG : proto_encode_ack_alarm(&m->ack_alarm, buf, cap, len);
    case 12u: return (m == NULL) ? PROTO_ERR_ARG : proto_encode_read_events(&m->read_events, buf, cap, len);
    case 13u: return (m == NULL) ? PROTO_ERR_ARG : proto_encode_set_clock(&m->set_clock, buf, cap, len);
    case 14u: return (m == NULL) ? PROTO_ERR_ARG : proto_encode_advance(&m->advance, buf, cap, len);
    case 15u: return (m == NULL) ? PROTO_ERR_ARG : proto_encode_inject_fault(&m->inject_fault, buf, cap, len);
    case 16u: return (m == NULL) ? PROTO_ERR_ARG : proto_encode_configure_implant(&m->configure_implant, buf, cap, len);
    case 17u: return (m == NULL) ? PROTO_ERR_ARG : proto_encode_set_alarm_resound(&m->set_alarm_resound, buf, cap, len);
    case 18u: return (m == NULL) ? PROTO_ERR_ARG : proto_encode_refill_reconcile(&m->refill_reconcile, buf, cap, len);
    case 20u: return (m == NULL) ? PROTO_ERR_ARG : proto_encode_prescribe_confirm(&m->prescribe_confirm, buf, cap, len);
    case 24u: return (m == NULL) ? PROTO_ERR_ARG : proto_encode_plant_fault(&m->plant_fault, buf, cap, len);
    case 48u: return (m == NULL) ? PROTO_ERR_ARG : proto_encode_auth_begin(&m->auth_begin, buf, cap, len);
    case 49u: return (m == NULL) ? PROTO_ERR_ARG : proto_encode_auth_prove(&m->auth_prove, buf, cap, len);
    case 64u: return (m == NULL) ? PROTO_ERR_ARG : proto_encode_ack(&m->ack, buf, cap, len);
    case 65u: return (m == NULL) ? PROTO_ERR_ARG : proto_encode_nak(&m->nak, buf, cap, len);
    case 66u: return (m == NULL) ? PROTO_ERR_ARG : proto_encode_hello_info(&m->hello_info, buf, cap, len);
    case 67u: return (m == NULL) ? PROTO_ERR_ARG : proto_encode_status(&m->status, buf, cap, len);
    case 68u: return (m == NULL) ? PROTO_ERR_ARG : proto_encode_events(&m->events, buf, cap, len);
    case 69u: return (m == NULL) ? PROTO_ERR_ARG : proto_encode_alarm(&m->alarm, buf, cap, len);
    case 70u: return (m == NULL) ? PROTO_ERR_ARG : proto_encode_refill_result(&m->refill_result, buf, cap, len);
    case 71u: return (m == NULL) ? PROTO_ERR_ARG : proto_encode_status_ext(&m->status_ext, buf, cap, len);
    case 72u: return (m == NULL) ? PROTO_ERR_ARG : proto_encode_drug_status(&m->drug_status, buf, cap, len);
    case 74u: return (m == NULL) ? PROTO_ERR_ARG : proto_encode_truth(&m->truth, buf, cap, len);
    case 112u: return (m == NULL) ? PROTO_ERR_ARG : proto_encode_auth_challenge(&m->auth_challenge, buf, cap, len);
    case 113u: return (m == NULL) ? PROTO_ERR_ARG : proto_encode_auth_accept(&m->auth_accept, buf, cap, len);
    case 1u:
    case 2u:
    case 6u:
    case 7u:
    case 8u:
    case 9u:
    case 19u:
    case 21u:
    case 25u:
    case 50u:
        *len = 0u;
        return PROTO_OK;
    default: return PROTO_ERR_UNKNOWN_TYPE;
    }
}

int proto_msg_decode(uint8_t msg_type, const uint8_t *buf, size_t len, proto_msg_t *m)
{
    switch (msg_type) {
    case 3u: return (m == NULL) ? PROTO_ERR_ARG : proto_decode_prescribe(buf, len, &m->prescribe);
    case 4u: return (m == NULL) ? PROTO_ERR_ARG : proto_decode_clinician_bolus(buf, len, &m->clinician_bolus);
    case 5u: return (m == NULL) ? PROTO_ERR_ARG : proto_decode_prime_bolus(buf, len, &m->prime_bolus);
    case 10u: return (m == NULL) ? PROTO_ERR_ARG : proto_decode_refill(buf, len, &m->refill);
    case 11u: return (m == NULL) ? PROTO_ERR_ARG : proto_decode_ack_alarm(buf, len, &m->ack_alarm);
    case 12u: return (m == NULL) ? PROTO_ERR_ARG : proto_decode_read_events(buf, len, &m->read_events);
    case 13u: return (m == NULL) ? PROTO_ERR_ARG : proto_decode_set_clock(buf, len, &m->set_clock);
    case 14u: return (m == NULL) ? PROTO_ERR_ARG : proto_decode_advance(buf, len, &m->advance);
    case 15u: return (m == NULL) ? PROTO_ERR_ARG : proto_decode_inject_fault(buf, len, &m->inject_fault);
    case 16u: return (m == NULL) ? PROTO_ERR_ARG : proto_decode_configure_implant(buf, len, &m->configure_implant);
    case 17u: return (m == NULL) ? PROTO_ERR_ARG : proto_decode_set_alarm_resound(buf, len, &m->set_alarm_resound);
    case 18u: return (m == NULL) ? PROTO_ERR_ARG : proto_decode_refill_reconcile(buf, len, &m->refill_reconcile);
    case 20u: return (m == NULL) ? PROTO_ERR_ARG : proto_decode_prescribe_confirm(buf, len, &m->prescribe_confirm);
    case 24u: return (m == NULL) ? PROTO_ERR_ARG : proto_decode_plant_fault(buf, len, &m->plant_fault);
    case 48u: return (m == NULL) ? PROTO_ERR_ARG : proto_decode_auth_begin(buf, len, &m->auth_begin);
    case 49u: return (m == NULL) ? PROTO_ERR_ARG : proto_decode_auth_prove(buf, len, &m->auth_prove);
    case 64u: return (m == NULL) ? PROTO_ERR_ARG : proto_decode_ack(buf, len, &m->ack);
    case 65u: return (m == NULL) ? PROTO_ERR_ARG : proto_decode_nak(buf, len, &m->nak);
    case 66u: return (m == NULL) ? PROTO_ERR_ARG : proto_decode_hello_info(buf, len, &m->hello_info);
    case 67u: return (m == NULL) ? PROTO_ERR_ARG : proto_decode_status(buf, len, &m->status);
    case 68u: return (m == NULL) ? PROTO_ERR_ARG : proto_decode_events(buf, len, &m->events);
    case 69u: return (m == NULL) ? PROTO_ERR_ARG : proto_decode_alarm(buf, len, &m->alarm);
    case 70u: return (m == NULL) ? PROTO_ERR_ARG : proto_decode_refill_result(buf, len, &m->refill_result);
    case 71u: return (m == NULL) ? PROTO_ERR_ARG : proto_decode_status_ext(buf, len, &m->status_ext);
    case 72u: return (m == NULL) ? PROTO_ERR_ARG : proto_decode_drug_status(buf, len, &m->drug_status);
    case 74u: return (m == NULL) ? PROTO_ERR_ARG : proto_decode_truth(buf, len, &m->truth);
    case 112u: return (m == NULL) ? PROTO_ERR_ARG : proto_decode_auth_challenge(buf, len, &m->auth_challenge);
    case 113u: return (m == NULL) ? PROTO_ERR_ARG : proto_decode_auth_accept(buf, len, &m->auth_accept);
    case 1u:
    case 2u:
    case 6u:
    case 7u:
    case 8u:
    case 9u:
    case 19u:
    case 21u:
    case 25u:
    case 50u:
        return (len == 0u) ? PROTO_OK : PROTO_NAK_BAD_LENGTH;
    default: return PROTO_ERR_UNKNOWN_TYPE;
    }
}
