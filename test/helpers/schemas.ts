/**
 * The JSON Schemas in schemas/ (draft-07), loaded into one strict Ajv so `$ref`s between files
 * resolve by `$id`. `check('list', value)` throws with every violation named, for a readable failure.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type AnySchemaObject } from 'ajv';

export const SCHEMA_DIR = path.resolve(import.meta.dirname, '../../schemas');
const BASE = 'https://attend.invalid/schemas/';

/** Every *.schema.json under schemas/, as [relative path, schema]. */
export function schemaFiles(): Array<[string, AnySchemaObject]> {
  const files = readdirSync(SCHEMA_DIR, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.schema.json'));
  return files.sort().map((f) => [f.split(path.sep).join('/'), JSON.parse(readFileSync(path.join(SCHEMA_DIR, f), 'utf8'))]);
}

let ajv: Ajv | null = null;

export function schemas(): Ajv {
  if (!ajv) {
    // strict: unknown keywords or formats are errors, so a typo in a schema cannot pass silently.
    ajv = new Ajv({ strict: true, allowUnionTypes: true, allErrors: true });
    for (const [, schema] of schemaFiles()) ajv.addSchema(schema);
  }
  return ajv;
}

/** Validates against schemas/NAME.schema.json (e.g. 'list', 'events/message.received'); throws on a violation. */
export function check(name: string, value: unknown): void {
  const validate = schemas().getSchema(`${BASE}${name}.schema.json`);
  if (!validate) throw new Error(`no schema ${name}`);
  if (!validate(value)) {
    const errors = schemas().errorsText(validate.errors, { separator: '\n  ' });
    throw new Error(`output does not match schemas/${name}.schema.json:\n  ${errors}\nvalue: ${JSON.stringify(value).slice(0, 2000)}`);
  }
}
