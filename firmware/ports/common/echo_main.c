/*
 * echo_main.c — bring-up image: every byte received on USART2 is sent back.
 *
 * Proves the link before the pump firmware is involved: vector table, reset,
 * SysTick, the USART2 receive interrupt and ring, and transmit. The LED
 * toggles on every chunk received. On a real board, flash this first when
 * the pump image does not answer.
 */
#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "clock.h"
#include "startup.h"
#include "uart.h"

int main(void)
{
    board_clocks_t clk;
    uint8_t buf[64];
    uint32_t led = 0u;

    board_init(&clk);
    if (clock_start(clk.core_hz) != 0) {
        board_panic("SysTick reload out of range");
    }
    uart_init(clk.apb1_hz, UART_BAUD);
    board_ready();
    for (;;) {
        size_t n = uart_read(buf, sizeof buf);
        if (n > 0u) {
            led ^= 1u;
            board_led(led);
            if (uart_write(buf, n) != n) {
                board_panic("USART2 transmit stuck");
            }
        } else {
            clock_idle();
        }
    }
}
