/*
 * indicator.h — what the user LED and button mean, independent of any board.
 *
 * LED (board time, milliseconds from SysTick, not the pump's clock):
 *   - a critical alarm active (reservoir empty, end of service, motor stall,
 *     memory error): triple flash every second — 100 ms on, 100 ms off,
 *     three times, then 500 ms off — for as long as the alarm is active;
 *   - otherwise one 50 ms flash for each batch of pump strokes seen (the
 *     pump's pumped volume grew since the last look). In the manual clock
 *     mode one ADVANCE may run hundreds of strokes: that is one flash.
 * Button: a press counts when the level has been stable for
 * BUTTON_DEBOUNCE_MS, and only after a stable release has been seen, so a
 * button held (or stuck) at power-up never requests a bolus.
 *
 * Pure functions of their inputs: the board ports drive the pins, the host
 * test (firmware/tests/test_board_indicator.c) drives the logic.
 */
#ifndef PYEMU_INDICATOR_H
#define PYEMU_INDICATOR_H

#include <stdint.h>

#define LED_STROKE_FLASH_MS     50u
#define LED_ALARM_PERIOD_MS     1000u
#define LED_ALARM_FLASH_MS      100u
#define LED_ALARM_FLASHES       3u
#define BUTTON_DEBOUNCE_MS      30u

typedef struct {
    uint64_t last_pumped_nl;
    uint64_t flash_until_ms;   /* stroke flash lit while now < this */
    uint32_t primed;           /* last_pumped_nl holds a real reading */
} led_logic_t;

typedef struct {
    uint32_t stable;           /* debounced level, 1 = pressed */
    uint32_t candidate;        /* level being timed */
    uint64_t candidate_since;
    uint32_t released_seen;    /* a stable release happened since start */
} button_logic_t;

void led_logic_init(led_logic_t *led);
/* LED level (1 = on) at board time now_ms, given the pump's cumulative
 * pumped volume and its active alarm bits (PUMP_ALARM_*). */
uint32_t led_logic_update(led_logic_t *led, uint64_t now_ms, uint64_t pumped_nl,
                          uint32_t alarms);

void button_logic_init(button_logic_t *b, uint64_t now_ms);
/* Feed the raw level at now_ms. Returns 1 exactly once per accepted press.
 * *changed is set to 1 when the debounced level changed (else 0). */
uint32_t button_logic_update(button_logic_t *b, uint64_t now_ms, uint32_t raw,
                             uint32_t *changed);

#endif /* PYEMU_INDICATOR_H */
