// Reading the config file: only a regular file, at most MAX_CONFIG_BYTES. `--config
// /dev/zero` would otherwise grow without end and a FIFO would block every command; the file
// is opened without blocking and checked before a byte is read.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { ConfigReadError } from '../errors.js';

export const MAX_CONFIG_BYTES = 1_048_576;

export function readConfigFile(file: string): string {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile())
      throw new ConfigReadError(
        `${file} is not a regular file (${kindOf(stat)}); point --config at a YAML file`,
      );
    if (stat.size > MAX_CONFIG_BYTES)
      throw new ConfigReadError(
        `${file} is ${stat.size} bytes, more than the ${MAX_CONFIG_BYTES} a config may have`,
      );
    // Read at most one byte past the cap, in case the file grew since the stat.
    const buffer = Buffer.alloc(Math.min(stat.size, MAX_CONFIG_BYTES) + 1);
    let length = 0;
    for (;;) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length === buffer.length) break;
    }
    if (length > MAX_CONFIG_BYTES)
      throw new ConfigReadError(`${file} grew past the ${MAX_CONFIG_BYTES} bytes a config may have`);
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function kindOf(stat: ReturnType<typeof fstatSync>): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  return 'not a file';
}
