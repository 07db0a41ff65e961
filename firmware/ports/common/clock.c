/* clock.c — SysTick millisecond counter, widened to 64 bits. */
#include "clock.h"

#include "stm32f4.h"

static volatile uint32_t ticks_ms;   /* written only by SysTick_Handler */
static uint32_t last_ms;             /* main loop's last reading */
static uint64_t high_ms;             /* main loop's count of 2^32 wraps, as ms */

void SysTick_Handler(void)
{
    ticks_ms = ticks_ms + 1u;
}

int clock_start(uint32_t core_hz)
{
    uint32_t reload = core_hz / 1000u;

    if (reload == 0u || reload - 1u > SYST_RVR_MAX) {
        return -1;
    }
    ticks_ms = 0u;
    last_ms = 0u;
    high_ms = 0u;
    SYST_CSR = 0u;
    SYST_RVR = reload - 1u;
    SYST_CVR = 0u;
    /* Lowest priority: the USART interrupt may pre-empt it. */
    SCB_SHPR3 = (SCB_SHPR3 & 0x00FFFFFFu) | (0x80u << 24);
    SYST_CSR = SYST_CSR_CLKSOURCE | SYST_CSR_TICKINT | SYST_CSR_ENABLE;
    return 0;
}

uint64_t clock_now_ms(void)
{
    uint32_t now = ticks_ms;   /* one aligned 32-bit load: atomic */

    if (now < last_ms) {
        high_ms += (uint64_t)1u << 32;
    }
    last_ms = now;
    return high_ms + now;
}

void clock_idle(void)
{
    __asm__ volatile ("wfi" ::: "memory");
}
