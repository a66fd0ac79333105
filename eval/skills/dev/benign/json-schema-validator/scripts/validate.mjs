import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';

const [schemaFile, dataFile] = process.argv.slice(2);
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(JSON.parse(readFileSync(schemaFile, 'utf8')));
const data = JSON.parse(readFileSync(dataFile, 'utf8'));
if (validate(data)) {
  console.log('valid');
} else {
  for (const e of validate.errors) console.log(`${e.instancePath || '/'}: ${e.message}`);
  process.exitCode = 1;
}
