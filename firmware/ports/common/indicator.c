/* indicator.c — LED patterns and button debounce; see indicator.h. */
#include "indicator.h"

#include <stddef.h>

#include "pump.h"

void led_logic_init(led_logic_t *led)
{
    led->last_pumped_nl = 0u;
    led->flash_until_ms = 0u;
    led->primed = 0u;
}

static uint32_t alarm_pattern(uint64_t now_ms)
{
    /* now_ms % 1000 < 1000, so the narrowing is exact. */
    uint32_t phase = (uint32_t)(now_ms % LED_ALARM_PERIOD_MS);
    uint32_t slot = phase / LED_ALARM_FLASH_MS;          /* 0..9 */

    /* Slots 0, 2, 4 lit: three flashes, then dark to the period's end. */
    return (slot < 2u * LED_ALARM_FLASHES && (slot % 2u) == 0u) ? 1u : 0u;
}

uint32_t led_logic_update(led_logic_t *led, uint64_t now_ms, uint64_t pumped_nl,
                          uint32_t alarms)
{
    if (led->primed != 0u && pumped_nl != led->last_pumped_nl) {
        /* now_ms < 2^63 (ms since boot), so adding 50 cannot wrap. */
        led->flash_until_ms = now_ms + LED_STROKE_FLASH_MS;
    }
    led->last_pumped_nl = pumped_nl;
    led->primed = 1u;

    if ((alarms & PUMP_ALARM_CRITICAL_MASK) != 0u) {
        return alarm_pattern(now_ms);
    }
    return (now_ms < led->flash_until_ms) ? 1u : 0u;
}

void button_logic_init(button_logic_t *b, uint64_t now_ms)
{
    b->stable = 1u;              /* assume pressed until a release is seen */
    b->candidate = 1u;
    b->candidate_since = now_ms;
    b->released_seen = 0u;
}

uint32_t button_logic_update(button_logic_t *b, uint64_t now_ms, uint32_t raw,
                             uint32_t *changed)
{
    uint32_t level = (raw != 0u) ? 1u : 0u;
    uint32_t press = 0u;

    if (changed != NULL) {
        *changed = 0u;
    }
    if (level != b->candidate) {
        b->candidate = level;
        b->candidate_since = now_ms;
        return 0u;
    }
    if (level == b->stable || now_ms - b->candidate_since < BUTTON_DEBOUNCE_MS) {
        return 0u;
    }
    b->stable = level;
    if (changed != NULL) {
        *changed = 1u;
    }
    if (level == 0u) {
        b->released_seen = 1u;
    } else if (b->released_seen != 0u) {
        press = 1u;
    } else {
        /* pressed again without a release seen since start: ignored */
    }
    return press;
}
