/*
 * startup.c — vector table and reset handler for every STM32F4 image.
 *
 * The table sits at the start of flash (0x08000000, aliased at 0 at boot).
 * It lists the 16 Cortex-M4 system entries and 97 interrupt entries, the
 * most any supported part has (F446: 97, F401: 85, F405: 82); entries a part
 * lacks are never taken. Only SysTick and USART2 are enabled; every other
 * entry goes to Default_Handler, which reports and stops.
 *
 * RAM layout (sections.ld): the stack comes first, so an overflow runs off
 * the bottom of RAM into unmapped space and faults, instead of silently
 * overwriting .data/.bss.
 */
#include <stdint.h>

#include "board.h"
#include "clock.h"
#include "startup.h"
#include "uart.h"

#define VT_IRQS 97u

typedef void (*vector_t)(void);

typedef struct {
    uint32_t *initial_sp;
    vector_t system[15];          /* Reset .. SysTick */
    vector_t irq[VT_IRQS];
} vector_table_t;

/* Symbols defined by sections.ld. */
extern uint32_t _sstack;
extern uint32_t _estack;
extern uint32_t _sidata;
extern uint32_t _sdata;
extern uint32_t _edata;
extern uint32_t _sbss;
extern uint32_t _ebss;

#define D Default_Handler
#define D8 D, D, D, D, D, D, D, D

__attribute__((section(".isr_vector"), used))
const vector_table_t vector_table = {
    &_estack,
    {
        Reset_Handler, NMI_Handler, HardFault_Handler, MemManage_Handler,
        BusFault_Handler, UsageFault_Handler, D, D, D, D,
        D /* SVCall */, D /* DebugMon */, D, D /* PendSV */, SysTick_Handler,
    },
    {
        D8, D8, D8, D8, D, D, D, D, D, D,     /* IRQ 0..37 */
        USART2_IRQHandler,                    /* IRQ 38 */
        D8, D8, D8, D8, D8, D8, D8, D, D,     /* IRQ 39..96 */
    },
};

#undef D8
#undef D

/* The table must be exactly what the hardware expects: 16 + 97 words. */
typedef char vector_table_size_check[(sizeof(vector_table_t) == 4u * (16u + VT_IRQS)) ? 1 : -1];

#define STACK_PAINT 0x5AC3A55Cu

/* Fill the unused stack with a pattern, up to 64 bytes below this frame. */
static void paint_stack(void)
{
    uintptr_t sp;
    uint32_t *p = &_sstack;

    __asm__ volatile ("mov %0, sp" : "=r" (sp));
    /* Bounded: from the stack's bottom to 64 bytes below the live frame. */
    while ((uintptr_t)p + 64u < sp) {
        *p = STACK_PAINT;
        p++;
    }
}

uint32_t stack_high_water(void)
{
    const uint32_t *p = &_sstack;

    /* Bounded by the stack's size: stops at the first overwritten word. */
    while (p < &_estack && *p == STACK_PAINT) {
        p++;
    }
    return (uint32_t)((uintptr_t)&_estack - (uintptr_t)p);
}

uint32_t stack_size(void)
{
    return (uint32_t)((uintptr_t)&_estack - (uintptr_t)&_sstack);
}

void Reset_Handler(void)
{
    uint32_t *src = &_sidata;
    uint32_t *dst = &_sdata;

    paint_stack();

    /* Bounded by the linker-computed section sizes. */
    while (dst < &_edata) {
        *dst = *src;
        dst++;
        src++;
    }
    dst = &_sbss;
    while (dst < &_ebss) {
        *dst = 0u;
        dst++;
    }
    (void)main();
    board_panic("main returned");
}

void NMI_Handler(void)        { board_panic("NMI"); }
void HardFault_Handler(void)  { board_panic("HardFault"); }
void MemManage_Handler(void)  { board_panic("MemManage"); }
void BusFault_Handler(void)   { board_panic("BusFault"); }
void UsageFault_Handler(void) { board_panic("UsageFault"); }
void Default_Handler(void)    { board_panic("unexpected interrupt"); }
