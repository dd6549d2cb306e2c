// Writes that never leave a half-written file or folder behind: write to a temporary name in the
// same directory, then rename (atomic on POSIX file systems).
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { dirname, basename, join } from "node:path";

/** A temporary sibling of `path`, unique to this process and call. */
export function temporarySibling(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
}

/** Writes a file via a temporary sibling and rename. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = temporarySibling(path);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/**
 * Fills a temporary folder with `fill`, then renames it to `path`. An existing folder at `path`
 * is replaced (moved aside first, removed after the rename), so readers see old or new, never half.
 */
export async function writeDirAtomic(path: string, fill: (tmpDir: string) => Promise<void>): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = temporarySibling(path);
  await mkdir(tmp);
  try {
    await fill(tmp);
    const old = temporarySibling(path);
    const replaced = await rename(path, old).then(() => true, () => false);
    await rename(tmp, path);
    if (replaced) await rm(old, { recursive: true, force: true });
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
}
