/*
 * test_board_logic.c — host test of the board ports' portable logic: the
 * UART receive ring, the LED patterns and the button debounce
 * (firmware/ports/common). Runs under ASan/UBSan with `make ctest`.
 * The sources are included directly: they are not part of the host
 * extension, only of the board images.
 */
#include <stdio.h>
#include <string.h>

#include "../ports/common/indicator.c"
#include "../ports/common/ring.c"

#include "check_eq.h"

static void test_ring_fifo_order_and_wrap(void)
{
    static ring_t r;
    uint8_t out[RING_SIZE];
    uint32_t i;
    uint32_t round;

    ring_reset(&r);
    /* Several fill/drain rounds with an odd chunk size so indexes wrap. */
    for (round = 0u; round < 10u; round++) {
        for (i = 0u; i < 300u; i++) {
            CHECK(ring_put(&r, (uint8_t)(i + round)) == 0);
        }
        CHECK(ring_level(&r) == 300u);
        CHECK(ring_take(&r, out, sizeof out) == 300u);
        for (i = 0u; i < 300u; i++) {
            CHECK(out[i] == (uint8_t)(i + round));
        }
    }
    CHECK(r.dropped == 0u);
}

static void test_ring_full_drops_and_counts(void)
{
    static ring_t r;
    uint8_t out[8];
    uint32_t i;

    ring_reset(&r);
    for (i = 0u; i < RING_SIZE; i++) {
        CHECK(ring_put(&r, (uint8_t)i) == 0);
    }
    CHECK(ring_put(&r, 0xEEu) == -1);
    CHECK(ring_put(&r, 0xEEu) == -1);
    CHECK(r.dropped == 2u);
    CHECK(ring_take(&r, out, 3u) == 3u);
    CHECK(out[0] == 0u && out[1] == 1u && out[2] == 2u);
    CHECK(ring_take(&r, NULL, 3u) == 0u);
    CHECK(ring_level(&r) == RING_SIZE - 3u);
}

static void test_ring_indexes_wrap_at_2_pow_32(void)
{
    static ring_t r;
    uint8_t out[4];

    ring_reset(&r);
    r.head = 0xFFFFFFFEu;
    r.tail = 0xFFFFFFFEu;
    CHECK(ring_put(&r, 1u) == 0);
    CHECK(ring_put(&r, 2u) == 0);
    CHECK(ring_put(&r, 3u) == 0);       /* head wraps to 1 */
    CHECK(ring_level(&r) == 3u);
    CHECK(ring_take(&r, out, 4u) == 3u);
    CHECK(out[0] == 1u && out[1] == 2u && out[2] == 3u);
}

/* Backpressure (main.c feed_input): peeked bytes stay until skipped, a skip
 * takes only what waits, and the order survives a partial skip. */
static void test_ring_peek_leaves_bytes_until_skipped(void)
{
    static ring_t r;
    uint8_t out[4];

    ring_reset(&r);
    CHECK(ring_peek(&r, out, 4u) == 0u);
    CHECK(ring_put(&r, 7u) == 0 && ring_put(&r, 8u) == 0 && ring_put(&r, 9u) == 0);
    CHECK(ring_peek(&r, out, 2u) == 2u && out[0] == 7u && out[1] == 8u);
    CHECK(ring_level(&r) == 3u);
    CHECK(ring_skip(&r, 1u) == 1u && ring_level(&r) == 2u);
    CHECK(ring_peek(&r, out, 4u) == 2u && out[0] == 8u && out[1] == 9u);
    CHECK(ring_peek(&r, NULL, 4u) == 0u);
    CHECK(ring_skip(&r, 5u) == 2u && ring_level(&r) == 0u);
}

static void test_led_one_flash_per_stroke_batch(void)
{
    led_logic_t led;

    led_logic_init(&led);
    CHECK(led_logic_update(&led, 1000u, 5000u, 0u) == 0u);   /* first reading: no flash */
    CHECK(led_logic_update(&led, 1001u, 5000u, 0u) == 0u);
    CHECK(led_logic_update(&led, 1002u, 7000u, 0u) == 1u);   /* stroke */
    CHECK(led_logic_update(&led, 1002u + LED_STROKE_FLASH_MS - 1u, 7000u, 0u) == 1u);
    CHECK(led_logic_update(&led, 1002u + LED_STROKE_FLASH_MS, 7000u, 0u) == 0u);
    /* A non-critical alarm does not change the stroke display. */
    CHECK(led_logic_update(&led, 2000u, 7000u, PUMP_ALARM_LOW_RESERVOIR | PUMP_ALARM_ERI) == 0u);
    CHECK(led_logic_update(&led, 2001u, 9000u, PUMP_ALARM_LOW_RESERVOIR) == 1u);
}

static void test_led_critical_alarm_triple_flash(void)
{
    led_logic_t led;
    uint32_t ms;
    uint32_t lit = 0u;
    uint32_t edges = 0u;
    uint32_t prev = 0u;
    static const uint32_t critical[] = {
        PUMP_ALARM_RESERVOIR_EMPTY, PUMP_ALARM_EOS, PUMP_ALARM_MOTOR_STALL, PUMP_ALARM_MEMORY_ERROR,
    };
    uint32_t k;

    for (k = 0u; k < sizeof critical / sizeof critical[0]; k++) {
        led_logic_init(&led);
        lit = 0u;
        edges = 0u;
        prev = 0u;
        /* One period from a period boundary: 3 rising edges, 300 ms lit. */
        for (ms = 0u; ms < LED_ALARM_PERIOD_MS; ms++) {
            uint32_t on = led_logic_update(&led, 5000u + ms, 100u, critical[k]);
            lit += on;
            edges += (on != 0u && prev == 0u) ? 1u : 0u;
            prev = on;
        }
        CHECK(edges == LED_ALARM_FLASHES);
        CHECK(lit == LED_ALARM_FLASHES * LED_ALARM_FLASH_MS);
    }
    /* Strokes during a critical alarm do not break the pattern: dark slot stays dark. */
    led_logic_init(&led);
    (void)led_logic_update(&led, 5000u, 100u, PUMP_ALARM_MOTOR_STALL);
    CHECK(led_logic_update(&led, 5700u, 200u, PUMP_ALARM_MOTOR_STALL) == 0u);
}

static void test_button_debounce_and_press_once(void)
{
    button_logic_t b;
    uint32_t changed = 0u;
    uint64_t t = 0u;
    uint32_t presses = 0u;

    button_logic_init(&b, 0u);
    /* Released at boot: becomes the stable level after the debounce time. */
    for (t = 0u; t <= BUTTON_DEBOUNCE_MS + 1u; t++) {
        presses += button_logic_update(&b, t, 0u, &changed);
    }
    CHECK(presses == 0u);
    CHECK(b.stable == 0u && b.released_seen == 1u);
    /* Bounce: pressed/released every ms for 20 ms: no press. */
    for (; t < 100u; t++) {
        presses += button_logic_update(&b, t, (uint32_t)(t & 1u), &changed);
    }
    CHECK(presses == 0u);
    /* Held for 200 ms: exactly one press. */
    for (; t < 300u; t++) {
        presses += button_logic_update(&b, t, 1u, &changed);
    }
    CHECK(presses == 1u);
    /* Release, then press again: a second press. */
    for (; t < 400u; t++) {
        presses += button_logic_update(&b, t, 0u, &changed);
    }
    for (; t < 500u; t++) {
        presses += button_logic_update(&b, t, 1u, &changed);
    }
    CHECK(presses == 2u);
}

static void test_button_held_at_boot_never_presses(void)
{
    button_logic_t b;
    uint64_t t;
    uint32_t presses = 0u;
    uint32_t changed = 0u;

    button_logic_init(&b, 0u);
    for (t = 0u; t < 10000u; t++) {
        presses += button_logic_update(&b, t, 1u, &changed);
        CHECK(changed == 0u);
    }
    CHECK(presses == 0u);
    /* Released, then pressed: now it counts. */
    for (; t < 10100u; t++) {
        presses += button_logic_update(&b, t, 0u, NULL);
    }
    for (; t < 10200u; t++) {
        presses += button_logic_update(&b, t, 1u, NULL);
    }
    CHECK(presses == 1u);
}

int main(void)
{
    test_ring_fifo_order_and_wrap();
    test_ring_full_drops_and_counts();
    test_ring_indexes_wrap_at_2_pow_32();
    test_ring_peek_leaves_bytes_until_skipped();
    test_led_one_flash_per_stroke_batch();
    test_led_critical_alarm_triple_flash();
    test_button_debounce_and_press_once();
    test_button_held_at_boot_never_presses();
    if (failures != 0) {
        fprintf(stderr, "test_board_logic: %d check(s) failed\n", failures);
        return 1;
    }
    printf("test_board_logic: all checks passed\n");
    return 0;
}
