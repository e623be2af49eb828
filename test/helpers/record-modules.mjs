// Loaded with `node --import`: records the URL of every module the process resolves into the file named
// by RECORD_MODULES_TO, so that a test can tell which packages a real server process loaded.
import { register } from 'node:module';

register('./record-modules-hooks.mjs', import.meta.url, { data: { file: process.env.RECORD_MODULES_TO } });
