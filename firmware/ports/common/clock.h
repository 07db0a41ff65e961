/*
 * clock.h — milliseconds since boot from SysTick.
 *
 * SysTick interrupts every millisecond and counts a 32-bit value (wraps
 * after 49.7 days); clock_now_ms() widens it to 64 bits in the main loop,
 * which calls it far more often than every 49 days.
 */
#ifndef PYEMU_CLOCK_H
#define PYEMU_CLOCK_H

#include <stdint.h>

/* Start a 1 ms SysTick from the processor clock; returns 0, or -1 if
 * core_hz / 1000 does not fit SysTick's 24-bit reload register. */
int clock_start(uint32_t core_hz);
/* Milliseconds since clock_start(), 64-bit, monotonic. */
uint64_t clock_now_ms(void);
/* Sleep until the next interrupt (SysTick at the latest, 1 ms). */
void clock_idle(void);

void SysTick_Handler(void);

#endif /* PYEMU_CLOCK_H */
