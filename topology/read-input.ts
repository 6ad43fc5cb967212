// Reads the files a user names (labs, scenarios, transcripts, class files): regular files only, bounded in size, never blocking on a FIFO or device.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

/** The largest input file tracelab reads: far above any real lab or scenario, far below what would exhaust memory. */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

/** A file that cannot be read as input; `reason` is one short clause ("no such file", "is a directory", ...). */
export class InputFileError extends Error {
  override readonly name = 'InputFileError';
  constructor(readonly file: string, readonly reason: string) {
    super(`${file}: cannot read: ${reason}`);
  }
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'is a directory';
  if (st.isFIFO()) return 'is a FIFO, not a regular file';
  if (st.isCharacterDevice()) return 'is a character device, not a regular file';
  if (st.isBlockDevice()) return 'is a block device, not a regular file';
  if (st.isSocket()) return 'is a socket, not a regular file';
  return 'is not a regular file';
}

/** One clause for an errno from open/read (ENOENT -> "no such file"). */
export function describeErrno(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT': return 'no such file';
    case 'EISDIR': return 'is a directory';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'ENOTDIR': return 'a component of the path is not a directory';
    case 'ELOOP': return 'too many symbolic links';
    case 'ENAMETOOLONG': return 'file name too long';
    case 'ENOSPC': return 'no space left on device';
    case 'EROFS': return 'read-only file system';
    case 'EEXIST': return 'already exists';
    default: return err instanceof Error ? err.message : String(err);
  }
}

/**
 * Reads `file` as UTF-8. Refuses anything but a regular file (directories, FIFOs, /dev/zero, sockets) and files
 * larger than `limit` bytes, so no input can hang the process or grow its memory without bound.
 */
export function readInputFile(file: string, limit: number = MAX_INPUT_BYTES): string {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO with no writer must not block; the fstat below refuses it anyway.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    throw new InputFileError(file, describeErrno(err));
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new InputFileError(file, kindOf(st));
    const tooLarge = (): InputFileError => new InputFileError(file, `larger than the ${limit / (1024 * 1024)} MiB limit for input files`);
    if (st.size > limit) throw tooLarge();
    const buf = Buffer.allocUnsafe(Math.min(st.size, limit) + 1);
    let n = 0;
    for (;;) {
      if (n === buf.length) throw tooLarge(); // the file grew past its stat size and the limit
      let got: number;
      try {
        got = readSync(fd, buf, n, buf.length - n, null);
      } catch (err) {
        throw new InputFileError(file, describeErrno(err));
      }
      if (got === 0) break;
      n += got;
      if (n > limit) throw tooLarge();
    }
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
