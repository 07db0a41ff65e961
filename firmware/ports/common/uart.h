/*
 * uart.h — USART2 driver shared by every STM32F4 port (and QEMU's model).
 *
 * Receive is interrupt driven into a ring, so bytes that arrive while the
 * main loop is busy (sending a long reply, running the core) are kept; the
 * USART itself holds only one byte. Transmit is polled: the main loop hands
 * over whole replies and waits for each byte's slot, at 115200 baud about
 * 87 us a byte on a real board, immediate in QEMU.
 */
#ifndef PYEMU_UART_H
#define PYEMU_UART_H

#include <stddef.h>
#include <stdint.h>

#define UART_BAUD 115200u

/* Program USART2 for 8N1 at baud from its kernel clock, enable RX interrupt. */
void uart_init(uint32_t pclk_hz, uint32_t baud);
/* Take received bytes (up to cap); returns how many. */
size_t uart_read(uint8_t *out, size_t cap);
/* Look at up to cap received bytes without taking them; uart_skip(n) then
 * takes n of them (device_rx backpressure: untaken bytes stay in the ring). */
size_t uart_peek(uint8_t *out, size_t cap);
size_t uart_skip(size_t n);
/* Send n bytes; returns how many left the USART (n unless it stopped
 * signalling TXE, which only a broken peripheral does). */
size_t uart_write(const uint8_t *data, size_t n);
/* Bytes lost: ring full, or the USART's own overrun (a byte arrived before
 * the previous one was read). */
uint32_t uart_rx_lost(void);

/* Interrupt handler, referenced by the vector table. */
void USART2_IRQHandler(void);

#endif /* PYEMU_UART_H */
