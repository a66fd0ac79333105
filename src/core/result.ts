import type { BulwarkError } from './errors.js';

export interface Ok<T> {
  readonly ok: true;
  readonly value: T;
}
export interface Err<E> {
  readonly ok: false;
  readonly error: E;
}
/** Security operations return a Result: failures are values with a code, never hidden throws. */
export type Result<T, E = BulwarkError> = Ok<T> | Err<E>;

export const ok = <T>(value: T): Ok<T> => ({ ok: true, value });
export const err = <E>(error: E): Err<E> => ({ ok: false, error });

export function map<T, U, E>(r: Result<T, E>, f: (v: T) => U): Result<U, E> {
  return r.ok ? ok(f(r.value)) : r;
}

export function andThen<T, U, E>(r: Result<T, E>, f: (v: T) => Result<U, E>): Result<U, E> {
  return r.ok ? f(r.value) : r;
}

export function mapErr<T, E, F>(r: Result<T, E>, f: (e: E) => F): Result<T, F> {
  return r.ok ? r : err(f(r.error));
}

/** Runs a function that may throw and turns the throw into an Err. */
export function attempt<T, E>(f: () => T, onThrow: (cause: unknown) => E): Result<T, E> {
  try {
    return ok(f());
  } catch (cause) {
    return err(onThrow(cause));
  }
}

export async function attemptAsync<T, E>(f: () => Promise<T>, onThrow: (cause: unknown) => E): Promise<Result<T, E>> {
  try {
    return ok(await f());
  } catch (cause) {
    return err(onThrow(cause));
  }
}

/** For places (CLI entry, tests) where an Err must end the program with its message. */
export function unwrap<T>(r: Result<T, BulwarkError>): T {
  if (r.ok) return r.value;
  throw new BulwarkFailure(r.error);
}

export class BulwarkFailure extends Error {
  readonly error: BulwarkError;
  constructor(error: BulwarkError) {
    super(error.message);
    this.name = 'BulwarkFailure';
    this.error = error;
  }
}
