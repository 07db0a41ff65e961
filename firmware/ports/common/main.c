/*
 * main.c — the pump firmware's main loop, the same on every board.
 *
 * Bytes from USART2 (interrupt-driven ring) go to the device layer, which
 * decodes frames, runs the dosing core and queues replies and telemetry;
 * its output goes back out of USART2. Everything the pump decides is in
 * firmware/core, firmware/proto and firmware/device, compiled unchanged: this
 * file only moves bytes and time, and drives the LED and the button.
 *
 * Sessions (protocol/spec.md section 6): an image built with KEYS
 * (board_keys.h) provisions the device with its two role keys at every
 * start, as `pyemu serve --keys` does, and seeds the handshake nonces from
 * the port's entropy (board_entropy). Without KEYS the pump is open.
 *
 * Clock: the device starts in the manual clock mode (time moves only on
 * ADVANCE) unless the port asks for real time (board_clock_options): that
 * is what the conformance suite, the demo and `pyemu ctl advance` use, as
 * they do with `pyemu serve --clock manual`. In real time, device time is
 * milliseconds since boot times the speed (1 for a real pump).
 *
 * The options match `pyemu serve --clock manual --test-features` with its
 * default telemetry period, so the same script gets the same bytes from the
 * emulator and the board. There is no non-volatile memory on the boards: a
 * reset starts a new pump (replies are not held for a save).
 */
#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "board_keys.h"
#include "clock.h"
#include "device.h"
#include "indicator.h"
#include "startup.h"
#include "uart.h"

#define TELEMETRY_PERIOD_MS 60000u   /* pyemu serve's default, --telemetry-period 60s */
#define IO_CHUNK            64u      /* bytes moved per call between ring, device, USART */
#define RX_CHUNK            16u      /* bytes offered to device_rx per call (on the stack) */
/* Output drained per pass: the whole queue at most, in IO_CHUNK pieces. */
#define TX_PASSES_MAX       (DEVICE_TXQ_SIZE / IO_CHUNK + 1u)

static device_t dev;   /* the pump: static, never on the stack */

/* Keys from the image (if built with KEYS) and nonce entropy from the port. */
static void device_secure(void)
{
    uint8_t entropy[32];
    volatile uint8_t *wipe = entropy;        /* volatile: the wipe is not optimised away */
    uint32_t i;

    if (board_keys_present != 0u &&
        device_provision(&dev, board_role_keys[0], board_role_keys[1]) != DEVICE_OK) {
        board_panic("role keys refused");   /* make_keys.py never emits a zero key */
    }
    if (board_entropy(entropy, (uint32_t)sizeof entropy) != 0u &&
        device_seed(&dev, entropy, sizeof entropy) != DEVICE_OK) {
        board_panic("nonce seed refused");
    }
    for (i = 0u; i < (uint32_t)sizeof entropy; i++) {
        wipe[i] = 0u;                        /* no copy of the seed input stays behind */
    }
}

/* Start the pump with the board's options; *opt keeps them for the loop
 * (device_t's fields are the device layer's own). */
static void device_start(device_options_t *opt_out)
{
    pump_config_t cfg;
    device_options_t opt;
    int rc;

    pump_default_config(&cfg);
    device_default_options(&opt);
    opt.clock_mode = (uint8_t)DEVICE_CLOCK_MANUAL;
    opt.clock_speed = 0u;
    board_clock_options(&opt.clock_mode, &opt.clock_speed);
    opt.telemetry_period_ms = TELEMETRY_PERIOD_MS;
    opt.test_features = 1u;          /* a dev board is a test bench: INJECT_FAULT works */
    opt.hold_until_saved = 0u;       /* nothing to save to */
    rc = device_init(&dev, &cfg, &opt);
    if (rc != DEVICE_OK) {
        board_panic(device_result_name(rc));
    }
    device_secure();
    *opt_out = opt;
}

/* Device time for the realtime/accelerated modes: board ms x speed.
 * now_ms < 2^42 for 139 years of uptime and speed < 2^20 keeps the product
 * below 2^62, inside the core's 2^63 bound; a larger product saturates. */
static uint64_t device_time(uint64_t now_ms, uint32_t speed)
{
    if (speed > 1u && now_ms > UINT64_C(0x3FFFFFFFFFFFFFFF) / speed) {
        return UINT64_C(0x3FFFFFFFFFFFFFFF);
    }
    return (speed > 1u) ? now_ms * speed : now_ms;
}

/* Send everything the device has queued. Returns 1 if anything was sent. */
static uint32_t flush_output(void)
{
    uint8_t out[IO_CHUNK];
    uint32_t pass;
    uint32_t sent = 0u;

    for (pass = 0u; pass < TX_PASSES_MAX; pass++) {
        size_t n = device_tx(&dev, out, sizeof out);
        if (n == 0u) {
            break;
        }
        if (uart_write(out, n) != n) {
            board_panic("USART2 transmit stuck");
        }
        sent = 1u;
    }
    return sent;
}

/* Move received bytes into the device. Bytes it does not take (device_rx
 * backpressure, device.h OUTPUT QUEUE) stay in the receive ring, so they cost
 * no RAM here; the ring keeps what arrives meanwhile and, if it overflows,
 * those bytes are lost on the line and counted (uart_rx_lost). The chunk is
 * on the stack: static RAM is the board's scarcest budget.
 * Returns 1 if any byte was taken. */
static uint32_t feed_input(void)
{
    uint8_t chunk[RX_CHUNK];
    size_t used = 0u;
    size_t n = uart_peek(chunk, sizeof chunk);

    if (n == 0u) {
        return 0u;
    }
    if (device_rx(&dev, chunk, n, &used) != DEVICE_OK || used > n) {
        board_panic("device_rx refused its arguments");
    }
    if (uart_skip(used) != used) {
        board_panic("receive ring lost bytes it held");
    }
    return (used > 0u) ? 1u : 0u;
}

static void user_io(uint64_t now_ms, led_logic_t *led, button_logic_t *button)
{
    pump_status_t st;
    uint32_t changed = 0u;

    if (button_logic_update(button, now_ms, board_button_raw(), &changed) != 0u) {
        /* Granted or denied, the core logs it and the device reports it;
         * a refusal is an ordinary outcome, not an error of this loop. */
        (void)device_patient_button(&dev);
    }
    if (changed != 0u) {
        board_button_changed(button->stable);
    }
    pump_get_status(device_pump(&dev), &st);
    board_led(led_logic_update(led, now_ms, st.pumped_nl, st.alarms));
}

int main(void)
{
    board_clocks_t clk;
    led_logic_t led;
    button_logic_t button;
    device_options_t opt;

    board_init(&clk);
    if (clock_start(clk.core_hz) != 0) {
        board_panic("SysTick reload out of range");
    }
    device_start(&opt);
    led_logic_init(&led);
    button_logic_init(&button, clock_now_ms());
    uart_init(clk.apb1_hz, UART_BAUD);
    board_ready();

    for (;;) {
        uint64_t now_ms = clock_now_ms();
        uint32_t busy;

        if (opt.clock_mode != (uint8_t)DEVICE_CLOCK_MANUAL) {
            /* Time only moves forward here, so PUMP_E_TIME cannot occur. */
            if (device_tick(&dev, device_time(now_ms, opt.clock_speed)) != DEVICE_OK) {
                board_panic("device_tick refused the time");
            }
        }
        busy = feed_input();
        busy |= flush_output();
        user_io(now_ms, &led, &button);
        if (busy == 0u) {
            clock_idle();            /* next byte or the next 1 ms tick */
        }
    }
}
