/*
 * proto.c — framing of the wire protocol: CRC-32, whitening, COBS, the stream
 * decoder and the frame encoder (protocol/spec.md sections 1 and 2).
 *
 * Every loop is bounded by a buffer size (at most PROTO_MAX_ENCODED or
 * PROTO_MAX_RAW) or by the caller's length; nothing is allocated; the decoder
 * decodes each chunk in place in its own buffer.
 */
#include "proto_msgs.h"

#include <assert.h>
#include <string.h>

/* CRC-32/ISO-HDLC (zlib), reflected polynomial 0xEDB88320: entry i is the CRC
 * register after shifting byte i through 8 steps. test_proto.c recomputes it
 * bit by bit and checks the catalogue value 0xCBF43926 for "123456789". */
static const uint32_t k_crc_table[256] = {
    0x00000000u, 0x77073096u, 0xEE0E612Cu, 0x990951BAu, 0x076DC419u, 0x706AF48Fu,
    0xE963A535u, 0x9E6495A3u, 0x0EDB8832u, 0x79DCB8A4u, 0xE0D5E91Eu, 0x97D2D988u,
    0x09B64C2Bu, 0x7EB17CBDu, 0xE7B82D07u, 0x90BF1D91u, 0x1DB71064u, 0x6AB020F2u,
    0xF3B97148u, 0x84BE41DEu, 0x1ADAD47Du, 0x6DDDE4EBu, 0xF4D4B551u, 0x83D385C7u,
    0x136C9856u, 0x646BA8C0u, 0xFD62F97Au, 0x8A65C9ECu, 0x14015C4Fu, 0x63066CD9u,
    0xFA0F3D63u, 0x8D080DF5u, 0x3B6E20C8u, 0x4C69105Eu, 0xD56041E4u, 0xA2677172u,
    0x3C03E4D1u, 0x4B04D447u, 0xD20D85FDu, 0xA50AB56Bu, 0x35B5A8FAu, 0x42B2986Cu,
    0xDBBBC9D6u, 0xACBCF940u, 0x32D86CE3u, 0x45DF5C75u, 0xDCD60DCFu, 0xABD13D59u,
    0x26D930ACu, 0x51DE003Au, 0xC8D75180u, 0xBFD06116u, 0x21B4F4B5u, 0x56B3C423u,
    0xCFBA9599u, 0xB8BDA50Fu, 0x2802B89Eu, 0x5F058808u, 0xC60CD9B2u, 0xB10BE924u,
    0x2F6F7C87u, 0x58684C11u, 0xC1611DABu, 0xB6662D3Du, 0x76DC4190u, 0x01DB7106u,
    0x98D220BCu, 0xEFD5102Au, 0x71B18589u, 0x06B6B51Fu, 0x9FBFE4A5u, 0xE8B8D433u,
    0x7807C9A2u, 0x0F00F934u, 0x9609A88Eu, 0xE10E9818u, 0x7F6A0DBBu, 0x086D3D2Du,
    0x91646C97u, 0xE6635C01u, 0x6B6B51F4u, 0x1C6C6162u, 0x856530D8u, 0xF262004Eu,
    0x6C0695EDu, 0x1B01A57Bu, 0x8208F4C1u, 0xF50FC457u, 0x65B0D9C6u, 0x12B7E950u,
    0x8BBEB8EAu, 0xFCB9887Cu, 0x62DD1DDFu, 0x15DA2D49u, 0x8CD37CF3u, 0xFBD44C65u,
    0x4DB26158u, 0x3AB551CEu, 0xA3BC0074u, 0xD4BB30E2u, 0x4ADFA541u, 0x3DD895D7u,
    0xA4D1C46Du, 0xD3D6F4FBu, 0x4369E96Au, 0x346ED9FCu, 0xAD678846u, 0xDA60B8D0u,
    0x44042D73u, 0x33031DE5u, 0xAA0A4C5Fu, 0xDD0D7CC9u, 0x5005713Cu, 0x270241AAu,
    0xBE0B1010u, 0xC90C2086u, 0x5768B525u, 0x206F85B3u, 0xB966D409u, 0xCE61E49Fu,
    0x5EDEF90Eu, 0x29D9C998u, 0xB0D09822u, 0xC7D7A8B4u, 0x59B33D17u, 0x2EB40D81u,
    0xB7BD5C3Bu, 0xC0BA6CADu, 0xEDB88320u, 0x9ABFB3B6u, 0x03B6E20Cu, 0x74B1D29Au,
    0xEAD54739u, 0x9DD277AFu, 0x04DB2615u, 0x73DC1683u, 0xE3630B12u, 0x94643B84u,
    0x0D6D6A3Eu, 0x7A6A5AA8u, 0xE40ECF0Bu, 0x9309FF9Du, 0x0A00AE27u, 0x7D079EB1u,
    0xF00F9344u, 0x8708A3D2u, 0x1E01F268u, 0x6906C2FEu, 0xF762575Du, 0x806567CBu,
    0x196C3671u, 0x6E6B06E7u, 0xFED41B76u, 0x89D32BE0u, 0x10DA7A5Au, 0x67DD4ACCu,
    0xF9B9DF6Fu, 0x8EBEEFF9u, 0x17B7BE43u, 0x60B08ED5u, 0xD6D6A3E8u, 0xA1D1937Eu,
    0x38D8C2C4u, 0x4FDFF252u, 0xD1BB67F1u, 0xA6BC5767u, 0x3FB506DDu, 0x48B2364Bu,
    0xD80D2BDAu, 0xAF0A1B4Cu, 0x36034AF6u, 0x41047A60u, 0xDF60EFC3u, 0xA867DF55u,
    0x316E8EEFu, 0x4669BE79u, 0xCB61B38Cu, 0xBC66831Au, 0x256FD2A0u, 0x5268E236u,
    0xCC0C7795u, 0xBB0B4703u, 0x220216B9u, 0x5505262Fu, 0xC5BA3BBEu, 0xB2BD0B28u,
    0x2BB45A92u, 0x5CB36A04u, 0xC2D7FFA7u, 0xB5D0CF31u, 0x2CD99E8Bu, 0x5BDEAE1Du,
    0x9B64C2B0u, 0xEC63F226u, 0x756AA39Cu, 0x026D930Au, 0x9C0906A9u, 0xEB0E363Fu,
    0x72076785u, 0x05005713u, 0x95BF4A82u, 0xE2B87A14u, 0x7BB12BAEu, 0x0CB61B38u,
    0x92D28E9Bu, 0xE5D5BE0Du, 0x7CDCEFB7u, 0x0BDBDF21u, 0x86D3D2D4u, 0xF1D4E242u,
    0x68DDB3F8u, 0x1FDA836Eu, 0x81BE16CDu, 0xF6B9265Bu, 0x6FB077E1u, 0x18B74777u,
    0x88085AE6u, 0xFF0F6A70u, 0x66063BCAu, 0x11010B5Cu, 0x8F659EFFu, 0xF862AE69u,
    0x616BFFD3u, 0x166CCF45u, 0xA00AE278u, 0xD70DD2EEu, 0x4E048354u, 0x3903B3C2u,
    0xA7672661u, 0xD06016F7u, 0x4969474Du, 0x3E6E77DBu, 0xAED16A4Au, 0xD9D65ADCu,
    0x40DF0B66u, 0x37D83BF0u, 0xA9BCAE53u, 0xDEBB9EC5u, 0x47B2CF7Fu, 0x30B5FFE9u,
    0xBDBDF21Cu, 0xCABAC28Au, 0x53B39330u, 0x24B4A3A6u, 0xBAD03605u, 0xCDD70693u,
    0x54DE5729u, 0x23D967BFu, 0xB3667A2Eu, 0xC4614AB8u, 0x5D681B02u, 0x2A6F2B94u,
    0xB40BBE37u, 0xC30C8EA1u, 0x5A05DF1Bu, 0x2D02EF8Du
};

uint32_t proto_crc32(uint32_t crc, const uint8_t *data, size_t len)
{
    uint32_t c = ~crc;
    size_t i;
    if (data == NULL) {
        return crc;
    }
    for (i = 0u; i < len; i++) {
        c = k_crc_table[(c ^ data[i]) & 0xFFu] ^ (c >> 8);
    }
    return ~c;
}

const char *proto_drop_name(int reason)
{
    switch (reason) {
    case PROTO_DROP_OVERSIZE: return "OVERSIZE";
    case PROTO_DROP_COBS: return "COBS";
    case PROTO_DROP_SHORT: return "SHORT";
    case PROTO_DROP_VERSION: return "VERSION";
    case PROTO_DROP_LENGTH: return "LENGTH";
    case PROTO_DROP_UNKNOWN_TYPE: return "UNKNOWN_TYPE";
    case PROTO_DROP_CRC: return "CRC";
    default: return "?";
    }
}

/* ------------------------------------------------------------ field access */

void proto_put_u8(uint8_t *buf, size_t *pos, uint8_t v)
{
    buf[*pos] = v;
    *pos += 1u;
}

void proto_put_u16(uint8_t *buf, size_t *pos, uint16_t v)
{
    buf[*pos] = (uint8_t)(v & 0xFFu);
    buf[*pos + 1u] = (uint8_t)(v >> 8);
    *pos += 2u;
}

void proto_put_u32(uint8_t *buf, size_t *pos, uint32_t v)
{
    size_t k;
    for (k = 0u; k < 4u; k++) {
        buf[*pos + k] = (uint8_t)((v >> (8u * k)) & 0xFFu);
    }
    *pos += 4u;
}

void proto_put_u64(uint8_t *buf, size_t *pos, uint64_t v)
{
    size_t k;
    for (k = 0u; k < 8u; k++) {
        buf[*pos + k] = (uint8_t)((v >> (8u * k)) & 0xFFu);
    }
    *pos += 8u;
}

uint8_t proto_get_u8(const uint8_t *buf, size_t *pos)
{
    uint8_t v = buf[*pos];
    *pos += 1u;
    return v;
}

uint16_t proto_get_u16(const uint8_t *buf, size_t *pos)
{
    uint16_t v = (uint16_t)((uint16_t)buf[*pos] | (uint16_t)((uint16_t)buf[*pos + 1u] << 8));
    *pos += 2u;
    return v;
}

uint32_t proto_get_u32(const uint8_t *buf, size_t *pos)
{
    uint32_t v = 0u;
    size_t k;
    for (k = 0u; k < 4u; k++) {
        v |= (uint32_t)buf[*pos + k] << (8u * k);
    }
    *pos += 4u;
    return v;
}

uint64_t proto_get_u64(const uint8_t *buf, size_t *pos)
{
    uint64_t v = 0u;
    size_t k;
    for (k = 0u; k < 8u; k++) {
        v |= (uint64_t)buf[*pos + k] << (8u * k);
    }
    *pos += 8u;
    return v;
}

static int printable(unsigned char c)
{
    return (c >= 0x20u) && (c <= 0x7Eu);
}

int proto_text_ok(const char *s, size_t n)
{
    size_t i;
    if (s == NULL) {
        return 0;
    }
    for (i = 0u; i < n; i++) {
        if (s[i] == '\0') {
            return 1;
        }
        if (!printable((unsigned char)s[i])) {
            return 0;
        }
    }
    return s[n] == '\0';
}

void proto_put_text(uint8_t *buf, size_t *pos, const char *s, size_t n)
{
    size_t i;
    int ended = 0;
    for (i = 0u; i < n; i++) {
        if (s[i] == '\0') {
            ended = 1;
        }
        buf[*pos + i] = ended ? 0u : (uint8_t)(unsigned char)s[i];
    }
    *pos += n;
}

int proto_get_text(const uint8_t *buf, size_t *pos, char *s, size_t n)
{
    size_t i;
    int ended = 0;
    int rc = PROTO_OK;
    for (i = 0u; i < n; i++) {
        uint8_t b = buf[*pos + i];
        if (b == 0u) {
            ended = 1;
        } else if (ended || !printable(b)) {
            rc = PROTO_NAK_BAD_FIELD;   /* text after padding, or not printable */
        } else {
            /* printable */
        }
        s[i] = ended ? '\0' : (char)b;
    }
    s[n] = '\0';
    *pos += n;
    return rc;
}

/* ------------------------------------------------------------ COBS */

/* Standard COBS decode of n bytes in place (output never overtakes input).
 * Returns 0 and the decoded length, or -1 if a code byte runs past the end. */
static int cobs_decode(uint8_t *buf, size_t n, size_t *out_len)
{
    size_t i = 0u;
    size_t o = 0u;
    while (i < n) {                 /* i grows by code >= 1 each pass: <= n passes */
        size_t code = buf[i];
        size_t end = i + code;
        if ((code == 0u) || (end > n)) {
            return -1;
        }
        (void)memmove(&buf[o], &buf[i + 1u], code - 1u);   /* o <= i: moves down, in place */
        o += code - 1u;
        i = end;
        if ((code != 0xFFu) && (i < n)) {
            buf[o] = 0u;
            o++;
        }
        assert(o <= i);
    }
    *out_len = o;
    return 0;
}

/* Standard COBS encode of n <= PROTO_MAX_RAW bytes into out (n + 1 bytes). */
static size_t cobs_encode(const uint8_t *in, size_t n, uint8_t *out)
{
    size_t code_pos = 0u;
    size_t o = 1u;
    size_t i;
    uint8_t code = 1u;
    for (i = 0u; i < n; i++) {
        if (in[i] == 0u) {
            out[code_pos] = code;
            code_pos = o;
            o++;
            code = 1u;
        } else {
            out[o] = in[i];
            o++;
            code++;
            if ((code == 0xFFu) && ((i + 1u) < n)) {
                out[code_pos] = code;
                code_pos = o;
                o++;
                code = 1u;
            }
        }
    }
    out[code_pos] = code;
    return o;
}

static void whiten(uint8_t *buf, size_t n)
{
    size_t i;
    for (i = 0u; i < n; i++) {
        buf[i] = (uint8_t)(buf[i] ^ PROTO_WHITEN);
    }
}

/* ------------------------------------------------------------ decoder */

static uint32_t sat_add(uint32_t a, uint32_t b)
{
    return (a > (UINT32_MAX - b)) ? UINT32_MAX : (a + b);
}

void proto_decoder_init(proto_decoder_t *d)
{
    size_t i;
    if (d == NULL) {
        return;
    }
    d->len = 0u;
    d->discarding = 0u;
    d->frames = 0u;
    for (i = 0u; i < (size_t)PROTO_DROP_COUNT; i++) {
        d->dropped_chunks[i] = 0u;
        d->dropped_bytes[i] = 0u;
    }
}

static int drop(proto_decoder_t *d, proto_drop_t reason, uint32_t bytes)
{
    d->dropped_chunks[reason] = sat_add(d->dropped_chunks[reason], 1u);
    d->dropped_bytes[reason] = sat_add(d->dropped_bytes[reason], bytes);
    return 0;
}

/* A delimiter arrived: check the chunk held in d->buf (spec 1.4 checks 1-7).
 * Returns 1 and fills *f for an intact frame, 0 otherwise. */
static int finish_chunk(proto_decoder_t *d, proto_frame_t *f)
{
    size_t n = d->len;
    uint32_t discarded = d->discarding;
    size_t raw_len = 0u;
    size_t pos;
    size_t expect;
    uint8_t flags;
    uint8_t plen;
    uint32_t crc;
    const proto_msg_info_t *info;

    d->len = 0u;
    d->discarding = 0u;
    if (discarded > 0u) {
        return drop(d, PROTO_DROP_OVERSIZE, discarded);
    }
    if (n == 0u) {
        return 0;                    /* empty chunk: idle fill, not an error */
    }
    if (cobs_decode(d->buf, n, &raw_len) != 0) {
        return drop(d, PROTO_DROP_COBS, (uint32_t)n);
    }
    whiten(d->buf, raw_len);
    if (raw_len < PROTO_OVERHEAD) {
        return drop(d, PROTO_DROP_SHORT, (uint32_t)n);
    }
    if (d->buf[0] != PROTO_VERSION) {
        return drop(d, PROTO_DROP_VERSION, (uint32_t)n);
    }
    flags = d->buf[4];
    plen = d->buf[5];
    expect = PROTO_OVERHEAD + (size_t)plen + (((flags & PROTO_FLAG_AUTH) != 0u) ? PROTO_AUTH_LEN : 0u);
    if ((plen > PROTO_MAX_PAYLOAD) || (raw_len != expect)) {
        return drop(d, PROTO_DROP_LENGTH, (uint32_t)n);
    }
    info = proto_msg_info(d->buf[1]);
    if (info == NULL) {
        return drop(d, PROTO_DROP_UNKNOWN_TYPE, (uint32_t)n);
    }
    pos = raw_len - PROTO_CRC_LEN;
    crc = proto_crc32(info->def_crc, d->buf, pos);
    if (crc != proto_get_u32(d->buf, &pos)) {
        return drop(d, PROTO_DROP_CRC, (uint32_t)n);
    }
    f->version = d->buf[0];
    f->msg_type = d->buf[1];
    f->seq = (uint16_t)((uint16_t)d->buf[2] | (uint16_t)((uint16_t)d->buf[3] << 8));
    f->flags = flags;
    f->payload_len = plen;
    f->payload = &d->buf[PROTO_HEADER_LEN];
    f->auth = ((flags & PROTO_FLAG_AUTH) != 0u) ? &d->buf[PROTO_HEADER_LEN + (size_t)plen] : NULL;
    d->frames = sat_add(d->frames, 1u);
    return 1;
}

/* How many of the n bytes come before the first delimiter (n if none). A plain
 * loop, not memchr: the board's C library would link in another function. */
static size_t chunk_run(const uint8_t *p, size_t n)
{
    size_t k = 0u;
    while ((k < n) && (p[k] != PROTO_DELIMITER)) {
        k++;
    }
    return k;
}

/* n bytes of a chunk (no delimiter among them): buffer them, or count them once the
 * chunk is longer than PROTO_MAX_ENCODED (then discarding = the chunk's bytes so far). */
static void absorb(proto_decoder_t *d, const uint8_t *bytes, size_t n)
{
    if (d->discarding > 0u) {
        d->discarding = sat_add(d->discarding, (n > UINT32_MAX) ? UINT32_MAX : (uint32_t)n);
    } else if (n <= (size_t)(PROTO_MAX_ENCODED - d->len)) {
        (void)memcpy(&d->buf[d->len], bytes, n);
        d->len = (uint16_t)(d->len + n);
    } else {
        /* oversize: stop buffering */
        d->discarding = sat_add((uint32_t)d->len, (n > UINT32_MAX) ? UINT32_MAX : (uint32_t)n);
        d->len = 0u;
    }
    assert(d->len <= PROTO_MAX_ENCODED);
}

size_t proto_decoder_feed(proto_decoder_t *d, const uint8_t *data, size_t len,
                          proto_frame_t *frame, int *ready)
{
    size_t i;
    if (ready != NULL) {
        *ready = 0;
    }
    if ((d == NULL) || (frame == NULL) || (ready == NULL) || (data == NULL)) {
        return len;                  /* nothing can be done with these bytes */
    }
    i = 0u;
    while (i < len) {               /* i grows by run + 1 >= 1 each pass: <= len passes */
        size_t run = chunk_run(&data[i], len - i);
        absorb(d, &data[i], run);
        if (run == (len - i)) {
            break;                  /* no delimiter in the rest */
        }
        i += run + 1u;              /* the chunk and its delimiter */
        if (finish_chunk(d, frame) != 0) {
            *ready = 1;
            return i;
        }
    }
    return len;
}

int proto_decoder_push(proto_decoder_t *d, uint8_t byte, proto_frame_t *frame)
{
    int ready = 0;
    (void)proto_decoder_feed(d, &byte, 1u, frame, &ready);
    return ready;
}

/* ------------------------------------------------------------ encoder */

/* Flags an encoder may put on this message (spec 1.4 checks 8-11). */
static int flags_ok(const proto_msg_info_t *info, uint8_t flags)
{
    uint8_t kind = (uint8_t)(flags & PROTO_KIND_MASK);
    if (((flags & (PROTO_FLAG_RESERVED | PROTO_FLAG_AUTH)) != 0u) || (kind == 3u)) {
        return 0;
    }
    if ((info->kinds & (1u << kind)) == 0u) {
        return 0;
    }
    if (((flags & PROTO_FLAG_REPLAYED) != 0u) && (kind != PROTO_KIND_RESPONSE)) {
        return 0;
    }
    return 1;
}

int proto_frame_encode(uint8_t msg_type, uint16_t seq, uint8_t flags,
                       const uint8_t *payload, size_t payload_len,
                       uint8_t *out, size_t cap, size_t *out_len)
{
    uint8_t raw[PROTO_MAX_RAW];
    const proto_msg_info_t *info = proto_msg_info(msg_type);
    size_t pos = 0u;
    size_t i;
    size_t n;
    uint32_t crc;

    if (info == NULL) {
        return PROTO_ERR_UNKNOWN_TYPE;
    }
    if ((out == NULL) || (out_len == NULL) || ((payload == NULL) && (payload_len > 0u)) ||
        (payload_len > PROTO_MAX_PAYLOAD) || (flags_ok(info, flags) == 0)) {
        return PROTO_ERR_ARG;
    }
    if (cap < (PROTO_OVERHEAD + payload_len + 3u)) {
        return PROTO_ERR_NOSPACE;
    }
    proto_put_u8(raw, &pos, PROTO_VERSION);
    proto_put_u8(raw, &pos, msg_type);
    proto_put_u16(raw, &pos, seq);
    proto_put_u8(raw, &pos, flags);
    proto_put_u8(raw, &pos, (uint8_t)payload_len);
    for (i = 0u; i < payload_len; i++) {
        raw[pos] = payload[i];
        pos++;
    }
    crc = proto_crc32(info->def_crc, raw, pos);
    proto_put_u32(raw, &pos, crc);
    whiten(raw, pos);
    out[0] = PROTO_DELIMITER;
    n = cobs_encode(raw, pos, &out[1]);
    assert(n == (pos + 1u));         /* raw frames are <= 254 bytes: COBS adds exactly one */
    out[n + 1u] = PROTO_DELIMITER;
    *out_len = n + 2u;
    return PROTO_OK;
}

int proto_frame_encode_raw(const uint8_t *raw, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    uint8_t buf[PROTO_MAX_RAW];
    const proto_msg_info_t *info;
    size_t pos = len;
    size_t trailer;
    size_t n;

    if ((raw == NULL) || (out == NULL) || (out_len == NULL) || (len < PROTO_HEADER_LEN) ||
        (len > PROTO_MAX_RAW - PROTO_CRC_LEN)) {
        return PROTO_ERR_ARG;
    }
    info = proto_msg_info(raw[1]);
    if (info == NULL) {
        return PROTO_ERR_UNKNOWN_TYPE;
    }
    trailer = ((raw[4] & PROTO_FLAG_AUTH) != 0u) ? PROTO_AUTH_LEN : 0u;
    /* The header must describe these bytes, with the flags a sender may use. */
    if ((raw[0] != PROTO_VERSION) || (raw[5] > PROTO_MAX_PAYLOAD) ||
        (len != PROTO_HEADER_LEN + (size_t)raw[5] + trailer) ||
        (flags_ok(info, (uint8_t)(raw[4] & (uint8_t)~PROTO_FLAG_AUTH)) == 0)) {
        return PROTO_ERR_ARG;
    }
    if (cap < (len + PROTO_CRC_LEN + 3u)) {
        return PROTO_ERR_NOSPACE;
    }
    (void)memcpy(buf, raw, len);
    proto_put_u32(buf, &pos, proto_crc32(info->def_crc, buf, len));
    whiten(buf, pos);
    out[0] = PROTO_DELIMITER;
    n = cobs_encode(buf, pos, &out[1]);
    assert(n == (pos + 1u));
    out[n + 1u] = PROTO_DELIMITER;
    *out_len = n + 2u;
    return PROTO_OK;
}

int proto_encode(uint8_t msg_type, uint16_t seq, uint8_t flags, const proto_msg_t *m,
                 uint8_t *out, size_t cap, size_t *out_len)
{
    uint8_t payload[PROTO_MAX_PAYLOAD];
    size_t plen = 0u;
    int rc = proto_msg_encode(msg_type, m, payload, sizeof payload, &plen);
    if (rc != PROTO_OK) {
        return rc;
    }
    return proto_frame_encode(msg_type, seq, flags, payload, plen, out, cap, out_len);
}

int proto_frame_decode(const proto_frame_t *f, proto_msg_t *out)
{
    const proto_msg_info_t *info;
    uint8_t kind;
    if (f == NULL) {
        return PROTO_ERR_ARG;
    }
    kind = (uint8_t)(f->flags & PROTO_KIND_MASK);
    info = proto_msg_info(f->msg_type);
    if (info == NULL) {
        return PROTO_ERR_UNKNOWN_TYPE;
    }
    if (((f->flags & PROTO_FLAG_RESERVED) != 0u) || (kind == 3u)) {
        return PROTO_NAK_BAD_FLAGS;
    }
    if ((info->kinds & (1u << kind)) == 0u) {
        return PROTO_NAK_UNEXPECTED_MESSAGE;
    }
    if (((f->flags & PROTO_FLAG_REPLAYED) != 0u) && (kind != PROTO_KIND_RESPONSE)) {
        return PROTO_NAK_BAD_FLAGS;
    }
    if ((f->flags & PROTO_FLAG_AUTH) != 0u) {
        return PROTO_NAK_UNSUPPORTED;
    }
    return proto_msg_decode(f->msg_type, f->payload, f->payload_len, out);
}

/* ------------------------------------------------------------ bulk decode */

static void bulk_take(const proto_frame_t *f, proto_bulk_frame_t *out, proto_msg_t *msg)
{
    int rc;
    out->msg_type = f->msg_type;
    out->flags = f->flags;
    out->seq = f->seq;
    out->payload_len = f->payload_len;
    assert(f->payload_len <= PROTO_MAX_PAYLOAD);   /* checked by finish_chunk (LENGTH) */
    (void)memcpy(out->payload, f->payload, f->payload_len);
    out->auth_len = 0u;
    if (f->auth != NULL) {
        (void)memcpy(out->auth, f->auth, PROTO_AUTH_LEN);
        out->auth_len = (uint8_t)PROTO_AUTH_LEN;
    }
    rc = proto_frame_decode(f, msg);
    assert((rc >= 0) && (rc <= 0xFF));              /* PROTO_OK, a NAK reason or PROTO_ERR_* */
    out->result = (uint8_t)rc;
}

size_t proto_decode_bulk(proto_decoder_t *d, const uint8_t *data, size_t len,
                         proto_bulk_frame_t *frames, proto_msg_t *msgs, size_t max_frames,
                         size_t *count, size_t *ok)
{
    size_t off = 0u;
    size_t n = 0u;
    size_t good = 0u;
    if (count != NULL) {
        *count = 0u;
    }
    if (ok != NULL) {
        *ok = 0u;
    }
    if ((d == NULL) || (data == NULL) || (frames == NULL) || (msgs == NULL) || (count == NULL) ||
        (ok == NULL) || (max_frames == 0u)) {
        return 0u;
    }
    /* Each pass consumes at least one byte (proto_decoder_feed with len - off >= 1):
     * at most len passes, and at most max_frames frames are written. */
    while ((off < len) && (n < max_frames)) {
        proto_frame_t f;
        int ready = 0;
        size_t used = proto_decoder_feed(d, &data[off], len - off, &f, &ready);
        assert((used >= 1u) && (used <= (len - off)));
        off += used;
        if (ready != 0) {
            bulk_take(&f, &frames[n], &msgs[n]);
            good += (frames[n].result == PROTO_OK) ? 1u : 0u;
            n++;
        }
    }
    *count = n;
    *ok = good;
    return off;
}
