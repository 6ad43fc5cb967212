// Writes the files a user names (transcripts, SVG, JUnit, pcap) safely: never through a symlink, never creating parent directories, private temp dirs.
import { closeSync, constants, fsyncSync, lstatSync, mkdtempSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describeErrno } from '../../topology/read-input.js';

/** An output file that could not be written; the CLI prints `tracelab: cannot write FILE: reason` and exits 1. */
export class OutputFileError extends Error {
  override readonly name = 'OutputFileError';
  constructor(readonly file: string, readonly reason: string) {
    super(`cannot write ${file}: ${reason}`);
  }
}

function outputError(file: string, err: unknown): OutputFileError {
  if (err instanceof OutputFileError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return new OutputFileError(file, `no such directory: ${dirname(file)}`);
  if (code === 'ELOOP') return new OutputFileError(file, 'it is a symbolic link; refusing to write through it');
  return new OutputFileError(file, describeErrno(err));
}

function refuseSymlinkOrDirectory(file: string): void {
  let st;
  try {
    st = lstatSync(file);
  } catch {
    return; // does not exist yet: fine
  }
  if (st.isSymbolicLink()) throw new OutputFileError(file, 'it is a symbolic link; refusing to write through it');
  if (st.isDirectory()) throw new OutputFileError(file, 'is a directory');
}

/**
 * Replaces `file` with `data` atomically: refuses a symlink or a directory at `file`, writes a new temp file beside it
 * (O_EXCL, O_NOFOLLOW) and renames it over the final name (a symlink planted in between is replaced, never followed).
 * The parent directory must exist: it is never created.
 */
export function writeOutputFile(file: string, data: string | Uint8Array, mode = 0o644): void {
  refuseSymlinkOrDirectory(file);
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, file);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw outputError(file, err);
  }
}

/**
 * Opens `file` for appending (a transcript written command by command): created if missing, never through a
 * symlink (O_NOFOLLOW), never creating directories. Returns the descriptor; the caller closes it.
 */
export function openAppendFile(file: string, mode = 0o600): number {
  try {
    return openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, mode);
  } catch (err) {
    throw outputError(file, err);
  }
}

/** Appends to a descriptor from openAppendFile, mapping errors (ENOSPC, EIO) to OutputFileError. */
export function appendTo(fd: number, file: string, text: string): void {
  try {
    const bytes = Buffer.from(text, 'utf8');
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
  } catch (err) {
    throw outputError(file, err);
  }
}

/** A new private directory (mode 0700, unpredictable name) under the system temp dir, for one session's files. */
export function makePrivateDir(prefix = 'tracelab-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
