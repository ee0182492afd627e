// What a command writes to and reads its environment from: the process, or a test's buffers.
export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
};

/** sysexits.h's EX_USAGE: the command line was wrong (PRODUCT.md: unknown command or flag). */
export const EXIT_USAGE = 64;
