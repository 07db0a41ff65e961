/*
 * board_nucleo.c — the STM32 Nucleo-F4 port (NUCLEO-F401RE, NUCLEO-F446RE).
 *
 * Clock: the 16 MHz internal HSI through the PLL to 84 MHz SYSCLK, the most
 * the F401 allows (the F446 would go to 180 MHz; one image for both is worth
 * more than speed the firmware does not need). AHB 84 MHz, APB1 42 MHz (its
 * limit is 42 MHz on the F401, 45 MHz on the F446), APB2 84 MHz.
 *   PLL: VCO in = 16 MHz / M(16) = 1 MHz, VCO out = 1 MHz x N(336) = 336 MHz,
 *   SYSCLK = 336 / P(4) = 84 MHz, 48 MHz domain = 336 / Q(7) = 48 MHz.
 *   Flash: 2 wait states at 84 MHz and 2.7-3.6 V (both parts).
 *   Voltage scaling: the F401 resets to scale 2 (<= 84 MHz), the F446 to
 *   scale 1; both are already right, so PWR is left alone.
 * Every wait on a ready bit is bounded; if the PLL does not lock, the board
 * stays on HSI (16 MHz) and programs SysTick and the USART from that, so it
 * still answers on the serial line.
 *
 * Pins (Nucleo-64 wiring):
 *   PA2 / PA3  USART2 TX / RX, alternate function 7, to the ST-LINK's
 *              virtual COM port (/dev/ttyACM0 on the host)
 *   PA5        user LED LD2, active high
 *   PC13       user button B1, active low (external pull-up on the board)
 *
 * Boot option: B1 held while the board comes out of reset (black button
 * RESET, or power-up) starts the pump in the real-time clock mode; otherwise
 * it starts in the manual clock mode the conformance suite and the demo use.
 * The held press itself never counts as a bolus request (indicator.h).
 */
#include <stddef.h>

#include "board.h"
#include "device.h"
#include "stm32f4.h"

#define HSI_HZ          16000000u
#define PLL_M           16u
#define PLL_N           336u
#define PLL_P_BITS      1u          /* PLLP field: 0 -> /2, 1 -> /4 */
#define PLL_Q           7u
#define SYSCLK_PLL_HZ   84000000u
#define FLASH_LATENCY   2u
#define READY_SPIN_MAX  1000000u    /* far beyond the datasheets' start-up times */

#define LED_PIN     5u
#define BUTTON_PIN  13u

const char board_name[] = "nucleo_f4";

static uint32_t held_at_boot;

/* Wait until (reg & mask) == want, at most READY_SPIN_MAX reads. 0 or -1. */
static int wait_bits(volatile uint32_t *reg, uint32_t mask, uint32_t want)
{
    uint32_t i;
    for (i = 0u; i < READY_SPIN_MAX; i++) {
        if ((*reg & mask) == want) {
            return 0;
        }
    }
    return -1;
}

/* Switch SYSCLK to the PLL at 84 MHz. Returns 0, or -1 (still on HSI). */
static int clock_to_pll(void)
{
    uint32_t pllcfgr;
    uint32_t cfgr;

    RCC_CR |= RCC_CR_HSION;
    if (wait_bits(&RCC_CR, RCC_CR_HSIRDY, RCC_CR_HSIRDY) != 0) {
        return -1;
    }
    /* Flash wait states before the clock goes up. */
    FLASH_ACR = FLASH_LATENCY | FLASH_ACR_PRFTEN | FLASH_ACR_ICEN | FLASH_ACR_DCEN;
    if (wait_bits(&FLASH_ACR, FLASH_ACR_LATENCY_MASK, FLASH_LATENCY) != 0) {
        return -1;
    }
    /* PLL from HSI. Bits 31:28 (PLLR on the F446, reserved on the F401)
     * keep their reset value. */
    RCC_CR &= ~RCC_CR_PLLON;
    if (wait_bits(&RCC_CR, RCC_CR_PLLRDY, 0u) != 0) {
        return -1;
    }
    pllcfgr = RCC_PLLCFGR & 0xF0000000u;
    pllcfgr |= PLL_M | (PLL_N << 6) | (PLL_P_BITS << 16) | (0u << 22) /* HSI */ | (PLL_Q << 24);
    RCC_PLLCFGR = pllcfgr;
    RCC_CR |= RCC_CR_PLLON;
    if (wait_bits(&RCC_CR, RCC_CR_PLLRDY, RCC_CR_PLLRDY) != 0) {
        return -1;
    }
    /* AHB /1, APB1 /2, APB2 /1, then switch to the PLL. */
    cfgr = RCC_CFGR & ~(RCC_CFGR_HPRE_MASK | RCC_CFGR_PPRE1_MASK | RCC_CFGR_PPRE2_MASK | RCC_CFGR_SW_MASK);
    RCC_CFGR = cfgr | RCC_CFGR_PPRE1_DIV2;
    RCC_CFGR = (RCC_CFGR & ~RCC_CFGR_SW_MASK) | RCC_CFGR_SW_PLL;
    return wait_bits(&RCC_CFGR, RCC_CFGR_SWS_MASK, RCC_CFGR_SWS_PLL);
}

static void gpio_mode(uint32_t base, uint32_t pin, uint32_t mode)
{
    uint32_t shift = pin * 2u;
    GPIO_MODER(base) = (GPIO_MODER(base) & ~(3u << shift)) | (mode << shift);
}

static void pins_init(void)
{
    RCC_AHB1ENR |= RCC_AHB1ENR_GPIOAEN | RCC_AHB1ENR_GPIOCEN;
    RCC_APB1ENR |= RCC_APB1ENR_USART2EN;
    (void)RCC_APB1ENR;   /* read back: the clock is on before the first access */

    /* PA2, PA3: AF7 (USART2); pull-up on RX so an idle line reads as mark. */
    GPIO_AFRL(GPIOA_BASE) = (GPIO_AFRL(GPIOA_BASE) & ~((0xFu << 8) | (0xFu << 12))) | (7u << 8) | (7u << 12);
    gpio_mode(GPIOA_BASE, 2u, GPIO_MODE_AF);
    gpio_mode(GPIOA_BASE, 3u, GPIO_MODE_AF);
    GPIO_PUPDR(GPIOA_BASE) = (GPIO_PUPDR(GPIOA_BASE) & ~(3u << 6)) | (1u << 6);

    GPIO_BSRR(GPIOA_BASE) = 1u << (LED_PIN + 16u);   /* LED off */
    gpio_mode(GPIOA_BASE, LED_PIN, GPIO_MODE_OUTPUT);
    gpio_mode(GPIOC_BASE, BUTTON_PIN, GPIO_MODE_INPUT);
}

/* B1 read low 16 times over about 1 ms (pin settled, no bounce). */
static uint32_t button_held(void)
{
    volatile uint32_t spin;
    uint32_t i;

    for (i = 0u; i < 16u; i++) {
        if (((GPIO_IDR(GPIOC_BASE) >> BUTTON_PIN) & 1u) != 0u) {
            return 0u;
        }
        for (spin = 0u; spin < 1000u; spin++) {
        }
    }
    return 1u;
}

void board_init(board_clocks_t *clk)
{
    if (clock_to_pll() == 0) {
        clk->core_hz = SYSCLK_PLL_HZ;
        clk->apb1_hz = SYSCLK_PLL_HZ / 2u;
    } else {
        /* Fall back to HSI with every prescaler at /1. */
        RCC_CFGR &= ~(RCC_CFGR_SW_MASK | RCC_CFGR_HPRE_MASK | RCC_CFGR_PPRE1_MASK | RCC_CFGR_PPRE2_MASK);
        clk->core_hz = HSI_HZ;
        clk->apb1_hz = HSI_HZ;
    }
    pins_init();
    held_at_boot = button_held();
}

void board_clock_options(uint8_t *mode, uint32_t *speed)
{
    if (held_at_boot != 0u) {
        *mode = (uint8_t)DEVICE_CLOCK_REALTIME;
        *speed = 1u;
    }
}

/* No entropy source is used yet (the F401 has no TRNG; the F446's RNG is not
 * driven): an image built with KEYS refuses handshakes on this board, i.e.
 * it fails closed. firmware/ports/README.md says what a port needs. */
uint32_t board_entropy(uint8_t *out, uint32_t n)
{
    (void)out;
    (void)n;
    return 0u;
}

void board_ready(void)
{
    /* The host finds a real board by opening its serial port: nothing to say. */
}

void board_led(uint32_t on)
{
    GPIO_BSRR(GPIOA_BASE) = (on != 0u) ? (1u << LED_PIN) : (1u << (LED_PIN + 16u));
}

uint32_t board_button_raw(void)
{
    return ((GPIO_IDR(GPIOC_BASE) >> BUTTON_PIN) & 1u) == 0u ? 1u : 0u;
}

void board_button_changed(uint32_t pressed)
{
    (void)pressed;
}

/* Fatal error: interrupts off, LED flashing fast (about 10 Hz) for ever,
 * timed by a busy loop because SysTick may be what failed. */
void board_panic(const char *why)
{
    volatile uint32_t spin;
    uint32_t led = 0u;

    (void)why;
    __asm__ volatile ("cpsid i" ::: "memory");
    for (;;) {
        led ^= 1u;
        board_led(led);
        for (spin = 0u; spin < 400000u; spin++) {
        }
    }
}
