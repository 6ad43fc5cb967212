#!/usr/bin/env node
// The `tracelab` executable: runs main() on the process arguments and exits with its code.
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
