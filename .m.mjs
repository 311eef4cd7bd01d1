import * as esbuild from 'esbuild';
import { gzipSync } from 'node:zlib';
const r = await esbuild.build({ stdin: { contents: "import { newEventLoop } from './bindings/index.ts'; const l = newEventLoop(); l.callSoon(()=>l.stop()); l.runForever();", resolveDir: process.cwd() }, bundle: true, minify: true, platform: 'browser', format: 'esm', write: false, metafile: true });
for (const f of r.outputFiles) console.log(f.path, f.contents.length, gzipSync(f.contents, {level: 9}).length);
const out = Object.values(r.metafile.outputs)[0];
const ins = Object.entries(out.inputs).sort((a,b)=>b[1].bytesInOutput-a[1].bytesInOutput);
for (const [k,v] of ins) console.log(v.bytesInOutput, k);
