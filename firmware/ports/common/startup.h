/*
 * startup.h — reset and exception entry points of the STM32F4 images.
 */
#ifndef PYEMU_STARTUP_H
#define PYEMU_STARTUP_H

#include <stdint.h>

void Reset_Handler(void);
void NMI_Handler(void);
void HardFault_Handler(void);
void MemManage_Handler(void);
void BusFault_Handler(void);
void UsageFault_Handler(void);
void Default_Handler(void);

/* Deepest stack use so far, in bytes (the reset handler paints the stack). */
uint32_t stack_high_water(void);
/* Size of the stack region, in bytes. */
uint32_t stack_size(void);

/* The image's entry point after RAM is set up (main loop or echo). */
int main(void);

#endif /* PYEMU_STARTUP_H */
