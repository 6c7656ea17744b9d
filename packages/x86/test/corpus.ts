/**
 * Native corpus for the @nooks/x86 differential tests.
 *
 * The corpus consists of freestanding C programs in `corpus/programs/*.c`
 * linked against a tiny runtime (`corpus/runtime/`), compiled with the
 * host gcc in 32-bit mode (`-m32 -nostdlib`, no 32-bit libc needed) into
 * static ELF32 executables. Every program is built at each level in
 * CORPUS_OPT_LEVELS. The only system calls the binaries make are exit (1),
 * write (4, fds 1 and 2) and brk (45), via `int $0x80`; they use no x87,
 * MMX or SSE instructions.
 *
 * Programs named `bench-*.c` are CPU-bound benchmarks (50-200 million
 * instructions each) and are only built with `{ includeBench: true }`.
 *
 * Outputs are cached in `corpus/.build/` (git-ignored), keyed on a hash of
 * the sources, the runtime, the flags and the compiler version.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
	existsSync,
	mkdirSync,
	mkdtempSync,
	readFileSync,
	readdirSync,
	renameSync,
	rmSync,
	writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CORPUS_DIR = join(PACKAGE_DIR, 'corpus');
export const RUNTIME_DIR = join(CORPUS_DIR, 'runtime');
export const PROGRAMS_DIR = join(CORPUS_DIR, 'programs');
export const BUILD_DIR = join(CORPUS_DIR, '.build');

export const CORPUS_OPT_LEVELS = ['-O0', '-O2'] as const;
export type CorpusOptLevel = (typeof CORPUS_OPT_LEVELS)[number];

/** Compiler used for the corpus and the native harness. */
export const CC = process.env.NOOKS_X86_CC ?? 'gcc';

/** Flags shared by every freestanding 32-bit build (corpus and harness). */
export const FREESTANDING_FLAGS: readonly string[] = [
	'-m32',
	'-march=i686',
	'-mtune=generic',
	'-mno-sse',
	'-mno-mmx',
	'-mno-80387', // any floating point fails to link instead of emitting x87 code
	'-static',
	'-nostdlib',
	'-ffreestanding',
	'-fno-pic',
	'-fno-pie',
	'-no-pie',
	'-fno-stack-protector',
	'-fno-asynchronous-unwind-tables',
	'-fno-unwind-tables',
	'-fcf-protection=none', // no endbr32
	'-Wl,--build-id=none',
];

/** Flags for corpus programs (the optimisation level is appended). */
export const CORPUS_CFLAGS: readonly string[] = [...FREESTANDING_FLAGS, '-Wall', '-Wno-unused-parameter'];

/** Maximum number of gcc processes run at once. */
export const MAX_PARALLEL_COMPILES = 2;

export interface CorpusProgram {
	/** program name, e.g. "sort" (file corpus/programs/sort.c) */
	name: string;
	/** optimisation flag, e.g. "-O2" */
	opt: string;
	/** absolute path of the static ELF32 executable */
	path: string;
}

export interface BuildCorpusOptions {
	/** also build the bench-*.c programs (default false) */
	includeBench?: boolean;
	/** optimisation levels to build (default CORPUS_OPT_LEVELS) */
	optLevels?: readonly string[];
	/** restrict to these program names */
	only?: readonly string[];
}

const RUNTIME_SOURCES = ['start.S', 'rt.c', 'libgcc.c'];

let compilerChecked = false;
let compilerIdentity: string | undefined;

function gccIdentity(): string {
	if (compilerIdentity === undefined) {
		const r = spawnSync(CC, ['--version'], { encoding: 'utf8' });
		compilerIdentity = r.status === 0 ? r.stdout.split('\n')[0] ?? CC : `${CC} (unknown version)`;
	}
	return compilerIdentity;
}

/**
 * Throws an Error with installation advice when the host compiler cannot
 * build a freestanding 32-bit program. Succeeds silently otherwise; the
 * result is cached for the process.
 */
export function checkCompilerAvailable(): void {
	if (compilerChecked) return;
	const advice =
		`The x86 corpus and native harness are built with "${CC} -m32 -nostdlib" (no 32-bit libc is needed). ` +
		'Install gcc and binutils with x86 32-bit support, e.g. on Debian/Ubuntu: apt-get install gcc binutils ' +
		'(on non-x86 hosts a cross compiler such as gcc-i686-linux-gnu, selected with NOOKS_X86_CC). ' +
		'Running the resulting binaries natively additionally needs an x86 Linux kernel with IA-32 emulation.';
	const version = spawnSync(CC, ['--version'], { encoding: 'utf8' });
	if (version.error || version.status !== 0) {
		throw new Error(`C compiler "${CC}" not found or not runnable (${version.error?.message ?? version.stderr}). ${advice}`);
	}
	const dir = mkdtempSync(join(tmpdir(), 'nooks-x86-cc-'));
	try {
		const src = join(dir, 'probe.c');
		const out = join(dir, 'probe');
		writeFileSync(
			src,
			'void _start(void) { __asm__ volatile("int $0x80" : : "a"(1), "b"(0)); for (;;) {} }\n' +
				'unsigned long long probe_div(unsigned long long a, unsigned b) { return a * b + (a >> 3); }\n',
		);
		const r = spawnSync(CC, [...FREESTANDING_FLAGS, '-O2', src, '-o', out], { encoding: 'utf8' });
		if (r.error || r.status !== 0) {
			throw new Error(`"${CC} -m32" cannot build a freestanding 32-bit program:\n${r.error?.message ?? r.stderr}\n${advice}`);
		}
		const hdr = readFileSync(out).subarray(0, 20);
		const isElf32x86 = hdr[0] === 0x7f && hdr[1] === 0x45 && hdr[2] === 0x4c && hdr[3] === 0x46 && hdr[4] === 1 && hdr[18] === 3;
		if (!isElf32x86) throw new Error(`"${CC} -m32" did not produce an ELF32 i386 executable. ${advice}`);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
	compilerChecked = true;
}

/** Names of the corpus programs (without .c), sorted. */
export function listCorpusPrograms(opts: { includeBench?: boolean } = {}): string[] {
	return readdirSync(PROGRAMS_DIR)
		.filter((f) => f.endsWith('.c'))
		.map((f) => f.slice(0, -2))
		.filter((n) => opts.includeBench || !n.startsWith('bench-'))
		.sort();
}

function sha256(parts: readonly (string | Buffer)[]): string {
	const h = createHash('sha256');
	for (const p of parts) {
		const b = typeof p === 'string' ? Buffer.from(p) : p;
		h.update(`${b.length}:`);
		h.update(b);
	}
	return h.digest('hex');
}

/** Hash of everything a corpus program's build depends on except its own source. */
function commonInputs(): Buffer[] {
	const files = [
		...RUNTIME_SOURCES.map((f) => join(RUNTIME_DIR, f)),
		...readdirSync(RUNTIME_DIR)
			.filter((f) => f.endsWith('.h'))
			.sort()
			.map((f) => join(RUNTIME_DIR, f)),
		...readdirSync(PROGRAMS_DIR)
			.filter((f) => f.endsWith('.h'))
			.sort()
			.map((f) => join(PROGRAMS_DIR, f)),
	];
	return files.map((f) => Buffer.concat([Buffer.from(f.slice(CORPUS_DIR.length)), readFileSync(f)]));
}

function outputName(name: string, opt: string): string {
	return `${name}${opt}`; // e.g. "sort-O2"
}

/** Runs a command asynchronously, resolving with its exit status and output. */
function run(cmd: string, args: readonly string[]): Promise<{ status: number | null; stderr: string }> {
	return new Promise((resolvePromise, reject) => {
		const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
		let stderr = '';
		child.stderr.setEncoding('utf8');
		child.stderr.on('data', (d: string) => (stderr += d));
		child.on('error', reject);
		child.on('close', (status) => resolvePromise({ status, stderr }));
	});
}

/**
 * Compiles every corpus program at every optimisation level into
 * corpus/.build/, skipping outputs whose key (hash of sources + flags +
 * compiler) is unchanged. At most MAX_PARALLEL_COMPILES gcc processes run
 * at once. Resolves with the list of programs, sorted by name then level.
 */
export async function buildCorpus(opts: BuildCorpusOptions = {}): Promise<CorpusProgram[]> {
	checkCompilerAvailable();
	mkdirSync(BUILD_DIR, { recursive: true });
	const optLevels = opts.optLevels ?? CORPUS_OPT_LEVELS;
	let names = listCorpusPrograms({ includeBench: opts.includeBench });
	if (opts.only) {
		const want = new Set(opts.only);
		names = names.filter((n) => want.has(n));
	}
	const common = commonInputs();
	const identity = gccIdentity();

	interface Job {
		prog: CorpusProgram;
		key: string;
		src: string;
	}
	const result: CorpusProgram[] = [];
	const jobs: Job[] = [];
	for (const name of names) {
		const src = join(PROGRAMS_DIR, `${name}.c`);
		const source = readFileSync(src);
		for (const opt of optLevels) {
			const path = join(BUILD_DIR, outputName(name, opt));
			const key = sha256([identity, CC, CORPUS_CFLAGS.join(' '), opt, ...common, source]);
			const prog = { name, opt, path };
			result.push(prog);
			const keyFile = `${path}.key`;
			if (existsSync(path) && existsSync(keyFile) && readFileSync(keyFile, 'utf8') === key) continue;
			jobs.push({ prog, key, src });
		}
	}

	const errors: string[] = [];
	let next = 0;
	const worker = async (): Promise<void> => {
		while (next < jobs.length) {
			const job = jobs[next++]!;
			const { path } = job.prog;
			const tmp = `${path}.tmp-${process.pid}`;
			mkdirSync(BUILD_DIR, { recursive: true }); // tolerate the cache being cleaned meanwhile
			const args = [
				...CORPUS_CFLAGS,
				job.prog.opt,
				'-I',
				RUNTIME_DIR,
				...RUNTIME_SOURCES.map((f) => join(RUNTIME_DIR, f)),
				job.src,
				'-o',
				tmp,
			];
			const r = await run(CC, args);
			if (r.status !== 0) {
				rmSync(tmp, { force: true });
				errors.push(`${job.prog.name} ${job.prog.opt}:\n${r.stderr}`);
				continue;
			}
			renameSync(tmp, path);
			writeFileSync(`${path}.key`, job.key);
		}
	};
	await Promise.all(Array.from({ length: Math.min(MAX_PARALLEL_COMPILES, jobs.length) }, worker));
	if (errors.length) throw new Error(`corpus build failed:\n${errors.join('\n')}`);
	return result;
}

export interface NativeRun {
	stdout: Buffer;
	stderr: Buffer;
	/** exit status (0-255) */
	status: number;
}

/**
 * Runs a corpus executable natively (the host must be x86 Linux with
 * IA-32 support). Throws if the program is killed by a signal or times out.
 */
export function runNative(path: string, timeoutMs = 20_000): NativeRun {
	const r = spawnSync(path, [], {
		timeout: timeoutMs,
		maxBuffer: 64 * 1024 * 1024,
		stdio: ['ignore', 'pipe', 'pipe'],
		env: {},
	});
	if (r.error) throw new Error(`running ${path} failed: ${r.error.message}`);
	if (r.signal) throw new Error(`${path} was killed by ${r.signal}${r.signal === 'SIGTERM' ? ' (timeout?)' : ''}`);
	return { stdout: r.stdout, stderr: r.stderr, status: r.status ?? -1 };
}
