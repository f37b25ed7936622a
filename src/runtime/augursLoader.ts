/**
 * Loading of the augurs WASM modules (`@bsull/augurs/prophet`, `@bsull/augurs/mstl` and the Stan optimizer
 * `@bsull/augurs-prophet-wasmstan`).
 *
 * Why this is more than a `require`: all three packages are ES modules ("type": "module"), and the optimizer
 * uses top-level `await`, so none of them can be `require`d from anomalyd's CommonJS build, and TypeScript
 * (module: commonjs) rewrites `import()` into `require()`. The real `import()` is therefore created at run
 * time:
 * - under plain Node (the compiled `dist`), with the Function constructor;
 * - under jest, whose sandbox rejects `import()` without `--experimental-vm-modules`, with a `vm.Script`
 *   that uses Node's default loader (`vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER`, Node >= 20.12).
 * The loading code runs in the same realm as the modules it loads: wasm-bindgen's `initSync` checks
 * `Object.getPrototypeOf(arg) === Object.prototype`, which a sandboxed caller's object literal fails.
 *
 * The `*_bg.wasm` bytes are read with fs and instantiated with `initSync({ module: bytes })`, once per
 * process. Loading is asynchronous, so it is an explicit step: `await initAugurs()` before fitting.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as vm from 'node:vm';
import {
  type AugursModules,
  type MstlStatics,
  type ProphetConstructor,
  type ProphetOptimizer,
  provideAugurs,
} from '../model/augurs/modules';

type LoadInRealm = (moduleUrl: string, wasmUrl: string | null) => Promise<unknown>;

// Same source for both strategies. Reads the wasm bytes in the modules' realm (see the file comment).
const LOAD_SOURCE = `(async (moduleUrl, wasmUrl) => {
  const mod = await import(moduleUrl);
  if (wasmUrl === null) return { mod, init: null };
  const fs = await import('node:fs');
  const init = mod.initSync({ module: fs.readFileSync(new URL(wasmUrl)) });
  return { mod, init };
})`;

function functionLoader(): LoadInRealm {
  // The Function constructor is the only way to keep a real import() in a CommonJS build; the source is a
  // constant above, never user input.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('moduleUrl', 'wasmUrl', `return ${LOAD_SOURCE}(moduleUrl, wasmUrl);`) as LoadInRealm;
}

function vmLoader(): LoadInRealm {
  const useDefault = (vm.constants as { USE_MAIN_CONTEXT_DEFAULT_LOADER?: number } | undefined)
    ?.USE_MAIN_CONTEXT_DEFAULT_LOADER;
  if (useDefault === undefined) {
    throw new Error(
      'loading augurs inside a vm sandbox (e.g. jest) needs Node >= 20.12 (vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER); ' +
        'upgrade Node or run jest with --experimental-vm-modules',
    );
  }
  const script = new vm.Script(LOAD_SOURCE, { importModuleDynamically: useDefault });
  return script.runInThisContext() as LoadInRealm;
}

function isDynamicImportRefused(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    code === 'ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING_FLAG' ||
    code === 'ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING'
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null;
}

interface Loaded {
  readonly mod: Record<string, unknown>;
  readonly memory: { readonly buffer: ArrayBufferLike } | undefined;
}

function asLoaded(raw: unknown, specifier: string): Loaded {
  if (!isObject(raw) || !isObject(raw.mod)) throw new Error(`${specifier} did not load as a module`);
  const init = raw.init;
  const memory =
    isObject(init) && isObject(init.memory) ? (init.memory as { buffer: ArrayBufferLike }) : undefined;
  return { mod: raw.mod, memory };
}

async function loadAll(): Promise<AugursModules> {
  let load = functionLoader();
  const loadOne = async (specifier: string, withWasm: boolean): Promise<Loaded> => {
    const path = require.resolve(specifier);
    const wasmUrl = withWasm ? pathToFileURL(path.replace(/\.js$/, '_bg.wasm')).href : null;
    const moduleUrl = pathToFileURL(path).href;
    try {
      return asLoaded(await load(moduleUrl, wasmUrl), specifier);
    } catch (error) {
      if (!isDynamicImportRefused(error)) throw error;
      load = vmLoader();
      return asLoaded(await load(moduleUrl, wasmUrl), specifier);
    }
  };
  const mstl = await loadOne('@bsull/augurs/mstl', true);
  const prophet = await loadOne('@bsull/augurs/prophet', true);
  const stan = await loadOne('@bsull/augurs-prophet-wasmstan', false);

  const MSTL = mstl.mod.MSTL;
  const Prophet = prophet.mod.Prophet;
  const optimizer = stan.mod.optimizer;
  if (!isObject(MSTL) || typeof MSTL.ets !== 'function')
    throw new Error('@bsull/augurs/mstl has no MSTL.ets');
  if (typeof Prophet !== 'function') throw new Error('@bsull/augurs/prophet has no Prophet class');
  if (!isObject(optimizer) || typeof optimizer.optimize !== 'function') {
    throw new Error('@bsull/augurs-prophet-wasmstan has no optimizer.optimize');
  }
  const mstlMemory = mstl.memory;
  const prophetMemory = prophet.memory;
  return {
    MSTL: MSTL as unknown as MstlStatics,
    Prophet: Prophet as unknown as ProphetConstructor,
    optimizer: optimizer as unknown as ProphetOptimizer,
    version: readVersion(require.resolve('@bsull/augurs/mstl')),
    memoryBytes: () => ({
      prophet: prophetMemory?.buffer.byteLength ?? Number.NaN,
      mstl: mstlMemory?.buffer.byteLength ?? Number.NaN,
    }),
  };
}

function readVersion(modulePath: string): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(join(dirname(modulePath), 'package.json'), 'utf8'));
    return isObject(pkg) && typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

let pending: Promise<AugursModules> | undefined;

/**
 * Loads and initialises the augurs WASM modules, once per process (later calls return the same promise),
 * and hands them to the adapters. Must have resolved before a Prophet or MSTL forecaster fits. A failed
 * load is not cached, so it can be retried.
 */
export function initAugurs(): Promise<AugursModules> {
  pending ??= loadAll().then(
    (modules) => {
      provideAugurs(modules);
      return modules;
    },
    (error: unknown) => {
      pending = undefined;
      throw new Error(
        `cannot load the augurs WASM modules: ${error instanceof Error ? error.message : String(error)}`,
        {
          cause: error,
        },
      );
    },
  );
  return pending;
}
