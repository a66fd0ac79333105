/**
 * Small, checked edits of config.yaml for commands that create what config must then name (TLS files, client
 * certificate mappings). The YAML document is edited in place (comments and order kept), the result must pass the
 * same validation `start` applies, and it is written atomically; a config that would not load is never written.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseDocument, type Document } from 'yaml';
import { configPath, parseConfigText, type Config } from '../config/index.js';
import {
  writeFileAtomic,
  bulwarkError,
  describeCause,
  type BulwarkError,
  err,
  ok,
  type Result,
} from '../core/index.js';

export function editConfig(
  dataDir: string,
  edit: (doc: Document, current: Config) => void,
): Result<{ file: string; config: Config }, BulwarkError> {
  const file = configPath(dataDir);
  let text = '';
  try {
    if (existsSync(file)) text = readFileSync(file, 'utf8');
  } catch (cause) {
    return err(bulwarkError('config.unreadable', `cannot read ${file}: ${describeCause(cause)}`));
  }
  const current = parseConfigText(text, file);
  if (!current.ok) return current;
  const doc = parseDocument(text);
  if (doc.errors.length > 0)
    return err(bulwarkError('config.yaml', `${file}: ${doc.errors[0]?.message ?? 'not YAML'}`));
  if (doc.contents === null) doc.contents = doc.createNode({}) as unknown as typeof doc.contents;
  edit(doc, current.value);
  const next = doc.toString();
  const checked = parseConfigText(next, file);
  if (!checked.ok)
    return err(
      bulwarkError(
        'config.edit',
        `${file} was left unchanged: the edit would make it invalid: ${checked.error.message}`,
      ),
    );
  try {
    writeFileAtomic(file, next, 0o600);
  } catch (cause) {
    return err(bulwarkError('config.write', `cannot write ${file}: ${describeCause(cause)}`));
  }
  return ok({ file, config: checked.value });
}
