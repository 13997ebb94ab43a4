/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Entry of a tiny guest. nido-vmm starts us in 64-bit mode on its
 * identity map with RSI = the zero page. We take our own page tables,
 * GDT, TSS and IDT (guest_setup, in C), then drop to ring 3 with IOPL 3:
 * on PVM hosts ring-0 code is emulated slowly, ring-3 code runs natively.
 * PVM does not give ring 3 the IOPL: there an in/out faults (#GP) and
 * guest_exception() does the access for it.
 */
	.section .text.boot, "ax"
	.code64
	.globl _start
_start:
	cli
	movabs	$kernel_stack_top, %rsp
	mov	%rsi, %rdi
	call	guest_setup
	/* Reload CS with our GDT's kernel code segment. */
	pushq	$0x08
	movabs	$1f, %rax
	pushq	%rax
	lretq
1:	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$0x28, %ax
	ltr	%ax
	/* iretq to ring 3: SS, RSP, RFLAGS (IOPL 3, IF clear), CS, RIP. */
	pushq	$0x1b
	movabs	$user_stack_top, %rax
	pushq	%rax
	pushq	$0x3002
	pushq	$0x23
	movabs	$guest_user_entry, %rax
	pushq	%rax
	mov	$0x1b, %ax
	mov	%ax, %ds
	mov	%ax, %es
	iretq

/* Exception stubs: push a dummy error code where the CPU pushes none. */
.macro EXC n, has_err
	.globl exc_\n
exc_\n:
	.if \has_err == 0
	pushq	$0
	.endif
	pushq	$\n
	jmp	exc_common
.endm

EXC 0, 0
EXC 1, 0
EXC 2, 0
EXC 3, 0
EXC 4, 0
EXC 5, 0
EXC 6, 0
EXC 7, 0
EXC 8, 1
EXC 9, 0
EXC 10, 1
EXC 11, 1
EXC 12, 1
EXC 13, 1
EXC 14, 1
EXC 15, 0
EXC 16, 0
EXC 17, 1
EXC 18, 0
EXC 19, 0

/*
 * Saves the registers and calls guest_exception(frame). It returns when
 * it handled the exception (a port access it did on ring 3's behalf);
 * the registers, possibly changed, are restored and the code resumes.
 */
exc_common:
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	pushq	%rbx
	pushq	%rbp
	pushq	%rsi
	pushq	%rdi
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	mov	%rsp, %rdi
	call	guest_exception
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rdi
	popq	%rsi
	popq	%rbp
	popq	%rbx
	popq	%rdx
	popq	%rcx
	popq	%rax
	add	$16, %rsp
	iretq

	.section .bss
	.balign 4096
	.space 16384
	.globl kernel_stack_top
kernel_stack_top:
	.space 65536
	.globl user_stack_top
user_stack_top:
