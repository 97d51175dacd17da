// The project folder, found from this file, so that the same code works from src/
// (tsx) and from dist/src/ (compiled).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findProjectRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'cards'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`Cannot find the project folder (package.json + cards/) above ${start}`);
    dir = parent;
  }
  return dir;
}

export const projectRoot = findProjectRoot(dirname(fileURLToPath(import.meta.url)));
export const cardsDir = join(projectRoot, 'cards');
/** The examples and product words the bot learns language from (language/*.json). */
export const languageDir = join(projectRoot, 'language');
