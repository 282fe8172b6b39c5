#!/usr/bin/env node
import '@tessera/backend-cpu';
import { USAGE, parseArgs } from './args.js';
import { evaluate } from './evaluate.js';
import { generate } from './sample.js';
import { train } from './train.js';

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (o.command === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  if (o.command === 'generate') await generate(o);
  else if (o.command === 'evaluate') await evaluate(o);
  else await train(o);
}

main().catch((e: unknown) => {
  process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
