/*
 * harness.S - low-level part of the native single-instruction harness
 * (see harness.c for the protocol). i386, static, no libc.
 *
 * run_case() loads EFLAGS and the seven general registers other than ESP
 * from g_in_flags / g_in_regs, jumps to the code page (g_code_ptr), which
 * holds the instruction under test followed by `jmp *ret_ptr`, and on
 * return (case_return) stores the registers to g_out_regs and EFLAGS to
 * g_out_flags. The instruction runs on the harness's own stack and must
 * not use ESP; g_out_esp receives ESP as seen after the instruction so
 * the C side can detect a violation.
 */
	.text

	.globl	_start
	.type	_start, @function
_start:
	xorl	%ebp, %ebp
	andl	$-16, %esp
	call	harness_main
	movl	%eax, %ebx
	movl	$1, %eax		/* exit */
	int	$0x80
	hlt
	.size	_start, .-_start

/* int sys_read(int fd, void *buf, unsigned len) */
	.globl	sys_read
	.type	sys_read, @function
sys_read:
	pushl	%ebx
	movl	8(%esp), %ebx
	movl	12(%esp), %ecx
	movl	16(%esp), %edx
	movl	$3, %eax
	int	$0x80
	popl	%ebx
	ret
	.size	sys_read, .-sys_read

/* int sys_write(int fd, const void *buf, unsigned len) */
	.globl	sys_write
	.type	sys_write, @function
sys_write:
	pushl	%ebx
	movl	8(%esp), %ebx
	movl	12(%esp), %ecx
	movl	16(%esp), %edx
	movl	$4, %eax
	int	$0x80
	popl	%ebx
	ret
	.size	sys_write, .-sys_write

/* void sys_exit(int status) */
	.globl	sys_exit
	.type	sys_exit, @function
sys_exit:
	movl	4(%esp), %ebx
	movl	$1, %eax
	int	$0x80
	hlt
	.size	sys_exit, .-sys_exit

/* long sys_signal(int sig, void (*handler)(int))  -- old signal(2), nr 48 */
	.globl	sys_signal
	.type	sys_signal, @function
sys_signal:
	pushl	%ebx
	movl	8(%esp), %ebx
	movl	12(%esp), %ecx
	movl	$48, %eax
	int	$0x80
	popl	%ebx
	ret
	.size	sys_signal, .-sys_signal

/* void *sys_mmap2(unsigned len)  -- RWX anonymous private mapping, nr 192 */
	.globl	sys_mmap2
	.type	sys_mmap2, @function
sys_mmap2:
	pushl	%ebp
	pushl	%ebx
	pushl	%esi
	pushl	%edi
	xorl	%ebx, %ebx		/* addr = NULL */
	movl	20(%esp), %ecx		/* len */
	movl	$7, %edx		/* PROT_READ|PROT_WRITE|PROT_EXEC */
	movl	$0x22, %esi		/* MAP_PRIVATE|MAP_ANONYMOUS */
	movl	$-1, %edi		/* fd */
	xorl	%ebp, %ebp		/* pgoffset */
	movl	$192, %eax
	int	$0x80
	popl	%edi
	popl	%esi
	popl	%ebx
	popl	%ebp
	ret
	.size	sys_mmap2, .-sys_mmap2

/* void run_case(void) */
	.globl	run_case
	.type	run_case, @function
run_case:
	pushl	%ebp
	pushl	%ebx
	pushl	%esi
	pushl	%edi
	movl	%esp, saved_esp
	pushl	g_in_flags
	popfl				/* only CF PF AF ZF SF OF DF can be set */
	movl	g_in_regs+0, %eax
	movl	g_in_regs+4, %ecx
	movl	g_in_regs+8, %edx
	movl	g_in_regs+12, %ebx
	movl	g_in_regs+20, %ebp
	movl	g_in_regs+24, %esi
	movl	g_in_regs+28, %edi
	jmp	*g_code_ptr		/* instruction, then jmp *ret_ptr */

	.globl	case_return
case_return:
	/* plain movs only: they leave EFLAGS untouched */
	movl	%eax, g_out_regs+0
	movl	%ecx, g_out_regs+4
	movl	%edx, g_out_regs+8
	movl	%ebx, g_out_regs+12
	movl	%esp, g_out_esp
	movl	%ebp, g_out_regs+20
	movl	%esi, g_out_regs+24
	movl	%edi, g_out_regs+28
	movl	saved_esp, %esp
	pushfl
	popl	g_out_flags
	cld				/* the C ABI requires DF=0 */
	popl	%edi
	popl	%esi
	popl	%ebx
	popl	%ebp
	ret
	.size	run_case, .-run_case

	.data
	.align	4
	.globl	saved_esp
saved_esp:
	.long	0
	.globl	ret_ptr
ret_ptr:
	.long	case_return

	.section .note.GNU-stack,"",@progbits
