/*
 * board.h — what every board port provides to the portable main loop.
 *
 * A port (firmware/ports/<board>/) holds everything that differs between
 * boards: clock set-up, the clock rate SysTick and the USART are programmed
 * from, GPIO for the LED and the button, and how a fatal error is shown.
 * The portable code above it (main loop, UART driver, SysTick clock, LED
 * patterns, button debounce) is the same for every board.
 */
#ifndef PYEMU_BOARD_H
#define PYEMU_BOARD_H

#include <stdint.h>

/* Clock tree the port ended up with after board_init(). */
typedef struct {
    uint32_t core_hz;   /* SysTick counts processor clocks */
    uint32_t apb1_hz;   /* USART2's kernel clock */
} board_clocks_t;

/* Bring up clocks and GPIO; fills *clk. Runs once, before anything else. */
void board_init(board_clocks_t *clk);

/* The device's clock mode: the port may change *mode (DEVICE_CLOCK_*) and
 * *speed from their defaults (manual, 0), e.g. from a boot option. */
void board_clock_options(uint8_t *mode, uint32_t *speed);

/* Called once USART2 receives: a port may announce readiness out of band
 * (the QEMU port writes a line on USART1 that pyemu.hil waits for). */
void board_ready(void);

/* User LED: 1 = on. */
void board_led(uint32_t on);

/* Raw user-button level, 1 = pressed (not debounced). */
uint32_t board_button_raw(void);

/* The debounced button changed (a port may report it; most do nothing). */
void board_button_changed(uint32_t pressed);

/* Fresh entropy for the session nonces (protocol/spec.md 6.2): fill out[0..n)
 * and return 1, or return 0 if the port has none. A device with keys but no
 * entropy refuses every handshake (NAK UNSUPPORTED): it fails closed. */
uint32_t board_entropy(uint8_t *out, uint32_t n);

/* Unrecoverable error: show it as the board can, never return. */
__attribute__((noreturn)) void board_panic(const char *why);

/* Name of the board, for the readiness line. */
extern const char board_name[];

#endif /* PYEMU_BOARD_H */
