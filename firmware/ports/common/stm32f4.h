/*
 * stm32f4.h — the few STM32F4 and Cortex-M4 registers the board ports use.
 *
 * Addresses and bit positions from the STM32F4 reference manuals (RM0090 for
 * F405, RM0368 for F401, RM0390 for F446) and the Cortex-M4 generic user
 * guide. They are the same on every STM32F4 part this project targets, and
 * the same on QEMU's netduinoplus2 model, which implements only SysTick, NVIC
 * and the USARTs of this list (RCC, FLASH and GPIO are unmodelled there:
 * reads return 0, writes are ignored).
 */
#ifndef PYEMU_STM32F4_H
#define PYEMU_STM32F4_H

#include <stdint.h>

#define REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))
#define REG8(addr)  (*(volatile uint8_t *)(uintptr_t)(addr))

/* ---- Cortex-M4 core peripherals ---- */
#define SYST_CSR     REG32(0xE000E010u)   /* SysTick control and status */
#define SYST_RVR     REG32(0xE000E014u)   /* reload value (24 bits) */
#define SYST_CVR     REG32(0xE000E018u)   /* current value */
#define SYST_CSR_ENABLE     (1u << 0)
#define SYST_CSR_TICKINT    (1u << 1)
#define SYST_CSR_CLKSOURCE  (1u << 2)     /* 1 = processor clock */
#define SYST_RVR_MAX        0x00FFFFFFu

#define NVIC_ISER(n) REG32(0xE000E100u + 4u * (uint32_t)(n))
#define NVIC_IPR(irq) REG8(0xE000E400u + (uint32_t)(irq))
#define SCB_SHPR3    REG32(0xE000ED20u)   /* priorities of PendSV and SysTick */

/* ---- STM32F4 interrupt numbers (same on F401/F405/F446) ---- */
#define IRQ_USART2   38u

/* ---- RCC (reset and clock control) ---- */
#define RCC_BASE     0x40023800u
#define RCC_CR       REG32(RCC_BASE + 0x00u)
#define RCC_PLLCFGR  REG32(RCC_BASE + 0x04u)
#define RCC_CFGR     REG32(RCC_BASE + 0x08u)
#define RCC_AHB1ENR  REG32(RCC_BASE + 0x30u)
#define RCC_APB1ENR  REG32(RCC_BASE + 0x40u)
#define RCC_APB2ENR  REG32(RCC_BASE + 0x44u)

#define RCC_CR_HSION       (1u << 0)
#define RCC_CR_HSIRDY      (1u << 1)
#define RCC_CR_PLLON       (1u << 24)
#define RCC_CR_PLLRDY      (1u << 25)
#define RCC_CFGR_SW_MASK   (3u << 0)
#define RCC_CFGR_SW_PLL    (2u << 0)
#define RCC_CFGR_SWS_MASK  (3u << 2)
#define RCC_CFGR_SWS_PLL   (2u << 2)
#define RCC_CFGR_HPRE_MASK (0xFu << 4)
#define RCC_CFGR_PPRE1_MASK (7u << 10)
#define RCC_CFGR_PPRE1_DIV2 (4u << 10)
#define RCC_CFGR_PPRE2_MASK (7u << 13)
#define RCC_AHB1ENR_GPIOAEN (1u << 0)
#define RCC_AHB1ENR_GPIOCEN (1u << 2)
#define RCC_APB1ENR_USART2EN (1u << 17)
#define RCC_APB2ENR_USART1EN (1u << 4)

/* ---- FLASH interface ---- */
#define FLASH_ACR    REG32(0x40023C00u)
#define FLASH_ACR_LATENCY_MASK 0xFu
#define FLASH_ACR_PRFTEN   (1u << 8)
#define FLASH_ACR_ICEN     (1u << 9)
#define FLASH_ACR_DCEN     (1u << 10)

/* ---- GPIO ---- */
#define GPIOA_BASE   0x40020000u
#define GPIOC_BASE   0x40020800u
#define GPIO_MODER(b)   REG32((b) + 0x00u)
#define GPIO_PUPDR(b)   REG32((b) + 0x0Cu)
#define GPIO_IDR(b)     REG32((b) + 0x10u)
#define GPIO_BSRR(b)    REG32((b) + 0x18u)
#define GPIO_AFRL(b)    REG32((b) + 0x20u)
#define GPIO_MODE_INPUT  0u
#define GPIO_MODE_OUTPUT 1u
#define GPIO_MODE_AF     2u

/* ---- USART (same layout for USART1/2 on every F4 and in QEMU) ---- */
#define USART1_BASE  0x40011000u
#define USART2_BASE  0x40004400u
#define USART_SR(b)   REG32((b) + 0x00u)
#define USART_DR(b)   REG32((b) + 0x04u)
#define USART_BRR(b)  REG32((b) + 0x08u)
#define USART_CR1(b)  REG32((b) + 0x0Cu)
#define USART_CR2(b)  REG32((b) + 0x10u)
#define USART_CR3(b)  REG32((b) + 0x14u)
#define USART_SR_ORE   (1u << 3)
#define USART_SR_RXNE  (1u << 5)
#define USART_SR_TC    (1u << 6)
#define USART_SR_TXE   (1u << 7)
#define USART_SR_ERRORS 0x0Fu           /* PE, FE, NF, ORE */
#define USART_CR1_RE     (1u << 2)
#define USART_CR1_TE     (1u << 3)
#define USART_CR1_RXNEIE (1u << 5)
#define USART_CR1_UE     (1u << 13)

#endif /* PYEMU_STM32F4_H */
