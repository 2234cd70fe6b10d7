/*
 * Start-up code and exception vectors of the bare-metal aarch64 program (QEMU `virt`).
 *
 * QEMU enters _start at EL1 for `-machine virt` without virtualization=on; if it enters at
 * EL2 (virtualization=on) the code drops to EL1 first. Then: the stack, BSS zeroed, the
 * vector table installed, and C takes over in bm_main (which sets up the MMU and never
 * returns). The program is built with -mgeneral-regs-only, so FP/SIMD stays disabled
 * (CPACR_EL1.FPEN = 0) and the IRQ handler saves only the general-purpose registers.
 */
        .section .text.boot, "ax"
        .global _start
_start:
        mrs     x0, CurrentEL
        lsr     x0, x0, #2
        cmp     x0, #2
        b.ne    1f
        /* EL2 -> EL1: AArch64 at EL1, EL1h with DAIF masked. */
        mov     x0, #(1 << 31)
        msr     hcr_el2, x0
        mov     x0, #0x3c5
        msr     spsr_el2, x0
        adr     x0, 1f
        msr     elr_el2, x0
        eret
1:      ldr     x0, =__stack_top
        mov     sp, x0
        ldr     x0, =__bss_start
        ldr     x1, =__bss_end
2:      cmp     x0, x1
        b.hs    3f
        stp     xzr, xzr, [x0], #16
        b       2b
3:      ldr     x0, =bm_vectors
        msr     vbar_el1, x0
        isb
        bl      bm_main
4:      wfi
        b       4b

/* Every vector but "current EL with SPx, IRQ" reports the exception and powers off. */
.macro bm_fatal_vector kind
        .balign 0x80
        mov     x0, #\kind
        mrs     x1, esr_el1
        mrs     x2, elr_el1
        mrs     x3, far_el1
        b       bm_exception
.endm

        .text
        .balign 2048
        .global bm_vectors
bm_vectors:
        bm_fatal_vector 0
        bm_fatal_vector 1
        bm_fatal_vector 2
        bm_fatal_vector 3
        bm_fatal_vector 4
        .balign 0x80
        b       bm_irq_entry
        bm_fatal_vector 6
        bm_fatal_vector 7
        bm_fatal_vector 8
        bm_fatal_vector 9
        bm_fatal_vector 10
        bm_fatal_vector 11
        bm_fatal_vector 12
        bm_fatal_vector 13
        bm_fatal_vector 14
        bm_fatal_vector 15

/* IRQ from EL1h: save the caller-saved registers (AAPCS64 x0-x18, x29, x30) and the
 * exception return state, run the C dispatcher, restore, return. */
bm_irq_entry:
        sub     sp, sp, #192
        stp     x0, x1, [sp, #0]
        stp     x2, x3, [sp, #16]
        stp     x4, x5, [sp, #32]
        stp     x6, x7, [sp, #48]
        stp     x8, x9, [sp, #64]
        stp     x10, x11, [sp, #80]
        stp     x12, x13, [sp, #96]
        stp     x14, x15, [sp, #112]
        stp     x16, x17, [sp, #128]
        stp     x18, x29, [sp, #144]
        mrs     x0, elr_el1
        mrs     x1, spsr_el1
        stp     x30, x0, [sp, #160]
        str     x1, [sp, #176]
        bl      bm_irq_dispatch
        ldr     x1, [sp, #176]
        ldp     x30, x0, [sp, #160]
        msr     elr_el1, x0
        msr     spsr_el1, x1
        ldp     x18, x29, [sp, #144]
        ldp     x16, x17, [sp, #128]
        ldp     x14, x15, [sp, #112]
        ldp     x12, x13, [sp, #96]
        ldp     x10, x11, [sp, #80]
        ldp     x8, x9, [sp, #64]
        ldp     x6, x7, [sp, #48]
        ldp     x4, x5, [sp, #32]
        ldp     x2, x3, [sp, #16]
        ldp     x0, x1, [sp, #0]
        add     sp, sp, #192
        eret
