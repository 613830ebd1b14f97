// Test-only: `node --import <this file>` records every module URL the process loads into the file named by
// AIOBSCURA_MODULE_LOG, so a test can prove a code path never loaded a module.
import { register } from 'node:module';

const hooks = `
import fs from 'node:fs';
export async function load(url, context, next) {
  if (process.env.AIOBSCURA_MODULE_LOG) fs.appendFileSync(process.env.AIOBSCURA_MODULE_LOG, url + '\\n');
  return next(url, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
