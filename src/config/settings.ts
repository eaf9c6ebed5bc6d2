// Environment variables declared as data: each with its parser, default and one line of
// documentation. A subsystem's settings are read together and every problem is reported at
// once; the configuration reference (docs/configuration.md) is generated from the same
// declarations, so the two cannot disagree.
import path from "node:path";
import { ConfigError, type ConfigProblem } from "./configError.ts";

export type Env = Readonly<Record<string, string | undefined>>;

export interface Setting<T> {
  /** One sentence for the reference: what it does. */
  doc: string;
  /** The default as the reference shows it ("" when there is none). */
  shown: string;
  /** The values allowed, as the reference shows them. */
  allowed?: string;
  read(value: string | undefined, env: Env): T;
}

/** A variable's value, trimmed; empty counts as unset. */
export function rawValue(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

/** Thrown by a parser; readSettings names the variable. */
export class SettingProblem extends Error {}

export function int(doc: string, fallback: number | ((env: Env) => number), min: number, max: number, shown = String(fallback)): Setting<number> {
  return {
    doc,
    shown,
    allowed: `${min} to ${max}`,
    read(value, env) {
      if (value === undefined) return typeof fallback === "function" ? fallback(env) : fallback;
      if (!/^\d+$/.test(value)) throw new SettingProblem(`must be a whole number, got '${value.slice(0, 40)}'`);
      const n = Number(value);
      if (n < min || n > max) throw new SettingProblem(`must be between ${min} and ${max}, got ${n}`);
      return n;
    },
  };
}

/** A number with a fraction allowed (e.g. 0.75), within [min, max]. */
export function decimal(doc: string, fallback: number, min: number, max: number): Setting<number> {
  return {
    doc,
    shown: String(fallback),
    allowed: `${min} to ${max}`,
    read(value) {
      if (value === undefined) return fallback;
      if (!/^\d+(\.\d+)?$/.test(value)) throw new SettingProblem(`must be a number like 0.75, got '${value.slice(0, 40)}'`);
      const n = Number(value);
      if (n < min || n > max) throw new SettingProblem(`must be between ${min} and ${max}, got ${n}`);
      return n;
    },
  };
}

export const optionalInt = (doc: string, min: number, max: number): Setting<number | undefined> => {
  const parse = int(doc, 0, min, max);
  return { doc, shown: "", allowed: parse.allowed, read: (value, env) => (value === undefined ? undefined : parse.read(value, env)) };
};

export function bool(doc: string, fallback: boolean): Setting<boolean> {
  return {
    doc,
    shown: String(fallback),
    allowed: "true, false",
    read(value) {
      if (value === undefined) return fallback;
      if (/^(1|true|yes|on)$/i.test(value)) return true;
      if (/^(0|false|no|off)$/i.test(value)) return false;
      throw new SettingProblem(`must be true or false, got '${value.slice(0, 40)}'`);
    },
  };
}

export function text<T extends string | undefined>(doc: string, fallback: T, check?: (value: string) => string | undefined): Setting<string | T> {
  return {
    doc,
    shown: fallback ?? "",
    read(value) {
      if (value === undefined) return fallback;
      const problem = check?.(value);
      if (problem) throw new SettingProblem(problem);
      return value;
    },
  };
}

export function oneOf<const T extends string>(doc: string, values: readonly T[], fallback: T): Setting<T> {
  const setting = text(doc, fallback, (v) => (values.includes(v as T) ? undefined : `must be one of ${values.join(", ")}`)) as Setting<T>;
  return { ...setting, allowed: values.join(", ") };
}

/** A connection URL: checked for its scheme, never echoed (it may carry a password). */
export const postgresUrl = (doc: string): Setting<string | undefined> =>
  text(doc, undefined, (v) => (/^postgres(ql)?:\/\//.test(v) ? undefined : "must be a postgres:// connection URL"));

export const httpUrl = (doc: string): Setting<string | undefined> => text(doc, undefined, (v) => (/^https?:\/\//.test(v) ? undefined : "must be an http(s) URL"));

/** A comma-separated list, each item checked. */
export function list(doc: string, check: (item: string) => string | undefined): Setting<string[]> {
  return {
    doc,
    shown: "",
    read(value) {
      const items = (value ?? "").split(",").map((s) => s.trim()).filter(Boolean);
      for (const item of items) {
        const problem = check(item);
        if (problem) throw new SettingProblem(problem);
      }
      return items;
    },
  };
}

/** A path, resolved against the working directory; the default may depend on other variables. */
export function filePath(doc: string, fallback: ((env: Env) => string) | undefined, shown = ""): Setting<string> {
  return {
    doc,
    shown,
    read(value, env) {
      if (value !== undefined) return path.resolve(value);
      if (!fallback) throw new SettingProblem("is required");
      return fallback(env);
    },
  };
}

export const optionalPath = (doc: string): Setting<string | undefined> => ({ doc, shown: "", read: (value) => (value === undefined ? undefined : path.resolve(value)) });

export type Settings = Record<string, Setting<unknown>>;
export type SettingsOf<S extends Settings> = { readonly [K in keyof S]: S[K] extends Setting<infer T> ? T : never };

/** Reads every variable of `spec` from `env`; one ConfigError lists every problem. */
export function readSettings<S extends Settings>(spec: S, env: Env = process.env): SettingsOf<S> {
  const out: Record<string, unknown> = {};
  const problems: ConfigProblem[] = [];
  for (const [name, setting] of Object.entries(spec)) {
    try {
      out[name] = setting.read(rawValue(env, name), env);
    } catch (err) {
      if (err instanceof SettingProblem) problems.push({ variable: name, problem: err.message });
      else if (err instanceof ConfigError) problems.push(...err.problems);
      else throw err;
    }
  }
  if (problems.length) throw ConfigError.of(problems);
  return out as SettingsOf<S>;
}
