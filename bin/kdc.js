#!/usr/bin/env node
// Thin launcher: the CLI itself is compiled from compiler/cli.ts into dist/ by `npm install` (prepare).
import { main } from "../dist/compiler/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
