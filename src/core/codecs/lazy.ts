import { codecLoaded } from '../errors';

/**
 * A codec's library, imported the first time a file needs it (so a page that never
 * meets the format never fetches it), and forgotten after a failure to load or a
 * crash, so the next file gets a fresh instance: an aborted WebAssembly instance is
 * not safe to reuse.
 */
export class LazyLibrary<T> {
  private loading: Promise<T> | undefined;

  /** `what` names it in the error a person reads when it cannot be loaded ("The AVIF decoder could not be loaded…"). */
  constructor(
    private readonly what: string,
    private readonly load: () => Promise<T>,
  ) {}

  /** The library; a typed codec-unavailable error (not "damaged") when it could not be fetched or compiled. */
  async get(): Promise<T> {
    const ready = (this.loading ??= this.load());
    await codecLoaded(this.what, ready).catch((e: unknown) => {
      this.forget();
      throw e;
    });
    return ready;
  }

  /** After a crash or an unknown failure: the next get() loads a fresh instance. */
  forget(): void {
    this.loading = undefined;
  }
}
