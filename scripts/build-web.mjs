// build-web.mjs: prepares the staff console for `shequ serve` - file by file, no bundling.
//
// web/ holds the console's sources (index.html, CSS, .js modules, .vue single-file components);
// build/web/ is what the server serves. Each .vue file becomes one ES module (template compiled
// ahead of time, so the page's Content-Security-Policy needs no 'unsafe-eval'); each .js module
// is copied. Bare imports ('vue', 'element-plus', ...) are rewritten to /lib/ paths, and the few
// library files the console loads are copied from node_modules to build/web/lib/ with their own
// bare imports rewritten the same way - what an import map would do, without an inline script
// that the policy would have to allow. Styles of all components go to build/web/components.css.
//
// Usage: node scripts/build-web.mjs [SRC=web] [OUT=build/web]
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { dirname, join, relative, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, compileScript, compileTemplate, compileStyle } from 'vue/compiler-sfc';
import { init as lexerReady, parse as parseImports } from 'es-module-lexer';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, process.argv[2] || 'web');
const OUT = join(ROOT, process.argv[3] || 'build/web');
const NM = join(ROOT, 'node_modules');

// Library entry points: the single-file ES module builds each package ships.
const LIBS = {
  'vue': 'vue/dist/vue.runtime.esm-browser.prod.js',
  'vue-router': 'vue-router/dist/vue-router.esm-browser.prod.js',
  'element-plus': 'element-plus/dist/index.full.min.mjs',
  'element-plus/locale/zh-cn': 'element-plus/dist/locale/zh-cn.min.mjs',
  'element-plus/locale/en': 'element-plus/dist/locale/en.min.mjs',
  '@element-plus/icons-vue': '@element-plus/icons-vue/dist/index.js',
  'echarts': 'echarts/dist/echarts.esm.min.mjs',
};
const LIB_FILES = { 'element-plus.css': 'element-plus/dist/index.css' };
const libUrl = (name) => `/lib/${name.replace(/[@/]/g, (c) => (c === '/' ? '--' : ''))}.js`;

// Rewrites import specifiers at the positions es-module-lexer finds (static and dynamic
// imports, re-exports), so strings that merely look like imports are never touched.
function rewriteImports(code, file) {
  const [imports] = parseImports(code);
  let out = '', last = 0;
  for (const im of imports) {
    const spec = im.specifier;
    if (typeof spec !== 'string') continue;            // dynamic import of a computed value
    let to = null;
    if (LIBS[spec]) to = libUrl(spec);
    else if (spec.endsWith('.vue')) to = spec + '.js';
    else if (!spec.startsWith('.') && !spec.startsWith('/'))
      throw new Error(`${file}: import of '${spec}' - add it to LIBS in scripts/build-web.mjs`);
    if (to === null) continue;
    const q = im.type === 'dynamic' ? 1 : 0;           // a dynamic import's start/end include the quotes
    out += code.slice(last, im.start + q) + to;
    last = im.end - q;
  }
  return out + code.slice(last);
}

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

function compileSfc(file, source, styles) {
  const rel = relative(SRC, file);
  const { descriptor, errors } = parse(source, { filename: rel });
  if (errors.length) throw new Error(`${rel}: ${errors.map((e) => e.message).join('; ')}`);
  const id = createHash('sha256').update(rel).digest('hex').slice(0, 8);
  const scoped = descriptor.styles.some((s) => s.scoped);
  let code;
  if (descriptor.scriptSetup || descriptor.script) {
    const script = compileScript(descriptor, { id, inlineTemplate: true, genDefaultAs: '_sfc_main' });
    code = script.content;
    if (!descriptor.scriptSetup && descriptor.template) {
      const t = compileTemplate({ source: descriptor.template.content, filename: rel, id, scoped,
                                  compilerOptions: { scopeId: scoped ? `data-v-${id}` : undefined } });
      if (t.errors.length) throw new Error(`${rel}: ${t.errors.join('; ')}`);
      code += '\n' + t.code.replace('export function render', 'function render') + '\n_sfc_main.render = render;';
    }
  } else {
    const t = compileTemplate({ source: descriptor.template.content, filename: rel, id, scoped,
                                compilerOptions: { scopeId: scoped ? `data-v-${id}` : undefined } });
    if (t.errors.length) throw new Error(`${rel}: ${t.errors.join('; ')}`);
    code = t.code.replace('export function render', 'function render') + '\nconst _sfc_main = { render };';
  }
  if (scoped) code += `\n_sfc_main.__scopeId = "data-v-${id}";`;
  code += `\n_sfc_main.__file = ${JSON.stringify(rel)};\nexport default _sfc_main;\n`;
  for (const s of descriptor.styles) {
    const r = compileStyle({ source: s.content, filename: rel, id: `data-v-${id}`, scoped: !!s.scoped });
    if (r.errors.length) throw new Error(`${rel}: ${r.errors.join('; ')}`);
    styles.push(`/* ${rel} */\n${r.code}`);
  }
  return code;
}

await lexerReady;
// index.html names every module the entry imports statically (<link rel="modulepreload">), so the
// browser fetches them all at once instead of discovering them one import level at a time.
function preloadStaticGraph(entry) {
  const seen = new Set(), order = [];
  const visit = (url) => {
    if (seen.has(url)) return;
    seen.add(url);
    const [imports] = parseImports(readFileSync(join(OUT, url), 'utf8'));
    for (const im of imports) {
      if (im.type !== 'static' || typeof im.specifier !== 'string') continue;
      visit(new URL(im.specifier, 'http://x' + url).pathname);
    }
    order.push(url);
  };
  visit(entry);
  const links = order.map((u) => `<link rel="modulepreload" href="${u}">`).join('\n');
  const index = join(OUT, 'index.html');
  const html = readFileSync(index, 'utf8');
  if (!html.includes('<!-- modulepreload -->')) throw new Error('web/index.html: no <!-- modulepreload --> marker');
  writeFileSync(index, html.replace('<!-- modulepreload -->', links));
}

rmSync(OUT, { recursive: true, force: true });
mkdirSync(join(OUT, 'lib'), { recursive: true });
for (const [name, path] of Object.entries(LIBS)) {
  const code = readFileSync(join(NM, path), 'utf8');
  writeFileSync(join(OUT, libUrl(name)), rewriteImports(code, path));
}
for (const [name, path] of Object.entries(LIB_FILES)) copyFileSync(join(NM, path), join(OUT, 'lib', name));

const styles = [];
let failed = 0, count = 0;
for (const file of walk(SRC).sort()) {
  const rel = relative(SRC, file);
  const dest = join(OUT, rel);
  mkdirSync(dirname(dest), { recursive: true });
  try {
    const ext = extname(file);
    if (ext === '.vue') writeFileSync(dest + '.js', rewriteImports(compileSfc(file, readFileSync(file, 'utf8'), styles), rel));
    else if (ext === '.js' || ext === '.mjs') writeFileSync(dest, rewriteImports(readFileSync(file, 'utf8'), rel));
    else copyFileSync(file, dest);
    count++;
  } catch (e) {
    console.error(`build-web: ${e.message}`);
    failed++;
  }
}
writeFileSync(join(OUT, 'components.css'), styles.join('\n'));
preloadStaticGraph('/src/main.js');
if (failed) process.exit(1);
console.log(`  WEB     ${count} files -> ${relative(ROOT, OUT)}`);
