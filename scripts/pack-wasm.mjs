#!/usr/bin/env node
// Packs a wasm-bindgen module for download, after wasm-opt has optimised it (with -g, so
// that its function names are still there): 11–15 KB off the page's first download,
// gzipped, with the code itself unchanged.
//
// 1. Functions are laid out by name, then size (wasm-opt --reorder-functions-by-name on
//    names we write: the Rust path without its hash, then the body's size). gzip only
//    finds repeats within 32 KB, and the copies of one generic (drop_in_place, Rc, the
//    components' lifecycles) are alike; side by side they compress ~8 KB better than in
//    rustc's order. The names are then stripped.
// 2. Imports get short names ("a", "b", …, module "a" for "./playground_bg.js"), and the
//    glue's import object is rewritten to match. wasm-bindgen names each import
//    `__wbg_<method>_<16 hex digits>`; written twice (wasm and glue), those hashes cost
//    ~6 KB gzipped.
//
// usage: node scripts/pack-wasm.mjs MODULE_bg.wasm MODULE.js
// (wasm-opt is found on PATH; node_modules/.bin has it, from package.json.)
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FEATURES = ['--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-sign-ext', '--enable-mutable-globals'];

function uleb(buf, at) {
  let value = 0, shift = 0, byte;
  do {
    byte = buf[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, at];
}

function encode(n) {
  const out = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return Buffer.from(out);
}

const name = (s) => Buffer.concat([encode(Buffer.byteLength(s)), Buffer.from(s)]);

/** The module's sections: [{ id, start, size }] (start = first byte of the contents). */
function sections(buf) {
  if (buf.readUInt32LE(0) !== 0x6d736100) throw new Error('not a wasm module');
  const out = [];
  for (let at = 8; at < buf.length; ) {
    const id = buf[at];
    const [size, start] = uleb(buf, at + 1);
    out.push({ id, start, size, head: at });
    at = start + size;
  }
  return out;
}

/** Walks the import section: calls `each(module, name, descStart, descEnd)`; returns the count of imported functions. */
function walkImports(buf, sec, each) {
  let [count, at] = uleb(buf, sec.start);
  let funcs = 0;
  for (let i = 0; i < count; i++) {
    let len;
    [len, at] = uleb(buf, at);
    const mod = buf.toString('utf8', at, at + len);
    at += len;
    [len, at] = uleb(buf, at);
    const field = buf.toString('utf8', at, at + len);
    at += len;
    const kind = buf[at];
    let end = at + 1;
    if (kind === 0) {
      [, end] = uleb(buf, end);
      funcs++;
    } else if (kind === 1) {
      end += 1; // element type
      let flags;
      [flags, end] = uleb(buf, end);
      [, end] = uleb(buf, end);
      if (flags & 1) [, end] = uleb(buf, end);
    } else if (kind === 2) {
      let flags;
      [flags, end] = uleb(buf, end);
      [, end] = uleb(buf, end);
      if (flags & 1) [, end] = uleb(buf, end);
    } else if (kind === 3) {
      end += 2;
    } else {
      throw new Error(`import kind ${kind}`);
    }
    each(mod, field, at, end);
    at = end;
  }
  return funcs;
}

/** Replaces the name section's function names with sort keys: path without hash, then size. */
function writeOrderNames(buf) {
  const secs = sections(buf);
  const imports = secs.find((s) => s.id === 2);
  const nimports = imports ? walkImports(buf, imports, () => {}) : 0;
  const code = secs.find((s) => s.id === 10);
  const sizes = [];
  let [count, at] = uleb(buf, code.start);
  for (let i = 0; i < count; i++) {
    let size;
    [size, at] = uleb(buf, at);
    sizes.push(size);
    at += size;
  }
  const nameSec = secs.find((s) => s.id === 0 && buf.toString('utf8', ...(([l, a]) => [a, a + l])(uleb(buf, s.start))) === 'name');
  if (!nameSec) throw new Error('no name section: run wasm-opt with -g before packing');
  const names = new Map();
  let [nlen, p] = uleb(buf, nameSec.start);
  p += nlen;
  const end = nameSec.start + nameSec.size;
  while (p < end) {
    const sub = buf[p];
    const [len, q] = uleb(buf, p + 1);
    if (sub === 1) {
      let [n, r] = uleb(buf, q);
      for (let i = 0; i < n; i++) {
        let idx, l;
        [idx, r] = uleb(buf, r);
        [l, r] = uleb(buf, r);
        names.set(idx, buf.toString('utf8', r, r + l));
        r += l;
      }
    }
    p = q + len;
  }
  const keys = sizes.map((size, i) => {
    const full = names.get(i + nimports) ?? '';
    const path = full.replace(/::h[0-9a-f]{16}(\.\d+)?/g, '');
    return { i, key: `${path}\u0000${String(size).padStart(9, '0')}` };
  });
  keys.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.i - b.i));
  const parts = [encode(sizes.length)];
  keys.forEach(({ i }, rank) => parts.push(encode(i + nimports), name(`f${String(rank).padStart(6, '0')}`)));
  const sub = Buffer.concat(parts);
  const contents = Buffer.concat([name('name'), Buffer.from([1]), encode(sub.length), sub]);
  return Buffer.concat([buf.subarray(0, nameSec.head), Buffer.from([0]), encode(contents.length), contents, buf.subarray(end)]);
}

/** Short import names, and the map from the old ones. */
function shortenImports(buf) {
  const secs = sections(buf);
  const imports = secs.find((s) => s.id === 2);
  if (!imports) return { buf, modules: new Map(), fields: new Map() };
  const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const short = (k) => {
    let s = '';
    do {
      s += letters[k % 52];
      k = Math.floor(k / 52);
    } while (k);
    return s;
  };
  const modules = new Map(), fields = new Map();
  const entries = [];
  walkImports(buf, imports, (mod, field, descStart, descEnd) => {
    if (!modules.has(mod)) modules.set(mod, short(modules.size));
    const key = `${mod}\u0000${field}`;
    if (!fields.has(key)) fields.set(key, short(fields.size));
    entries.push(Buffer.concat([name(modules.get(mod)), name(fields.get(key)), buf.subarray(descStart, descEnd)]));
  });
  const body = Buffer.concat([encode(entries.length), ...entries]);
  const out = Buffer.concat([buf.subarray(0, imports.head), Buffer.from([2]), encode(body.length), body, buf.subarray(imports.start + imports.size)]);
  return { buf: out, modules, fields };
}

/** Rewrites the glue's import object: `"./m_bg.js":{…, __wbg_x_hash:function…}` → `a:{…, b:function…}`. */
function rewriteGlue(js, modules, fields) {
  const esc = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  for (const [mod, short] of modules) {
    const re = new RegExp(`(["'])${esc(mod)}\\1(\\s*:)`, 'g');
    const n = (js.match(re) || []).length;
    if (n !== 1) throw new Error(`the glue names import module ${mod} ${n} times as a key (expected once)`);
    js = js.replace(re, `${short}$2`);
  }
  for (const [key, short] of fields) {
    const field = key.split('\u0000')[1];
    if (!/^[A-Za-z_$][\w$]*$/.test(field)) throw new Error(`import name ${field} is not an identifier`);
    const re = new RegExp(`(?<![\\w$.])${esc(field)}(?=\\s*:)`, 'g');
    const n = (js.match(re) || []).length;
    if (n !== 1) throw new Error(`the glue defines import ${field} ${n} times (expected once)`);
    js = js.replace(re, short);
  }
  return js;
}

const [wasmPath, jsPath] = process.argv.slice(2);
if (!wasmPath || !jsPath) {
  console.error('usage: node scripts/pack-wasm.mjs MODULE_bg.wasm MODULE.js');
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'pack-wasm-'));
try {
  const named = join(dir, 'named.wasm'), laid = join(dir, 'laid.wasm');
  writeFileSync(named, writeOrderNames(readFileSync(wasmPath)));
  execFileSync('wasm-opt', [...FEATURES, '--reorder-functions-by-name', '--strip-debug', '--strip-producers', '--strip-target-features', named, '-o', laid], { stdio: 'inherit' });
  const { buf, modules, fields } = shortenImports(readFileSync(laid));
  const js = rewriteGlue(readFileSync(jsPath, 'utf8'), modules, fields);
  writeFileSync(wasmPath, buf);
  writeFileSync(jsPath, js);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
