/**
 * lib0's ObservableV2, with listeners that may throw. The Mesh tells its events inside the directory
 * doc's transaction, where y-protocols takes any error for an update that did not apply, and the
 * directory reader then cuts the connection: one buggy listener would make the page fail over for
 * ever. As with DOM event listeners, every listener is called, and a listener's error is reported as
 * an uncaught one without keeping the event from the listeners after it (lib0's own emit stops at the
 * first throw).
 */
import { ObservableV2 } from 'lib0/observable'

/** A browser's reportError (to window.onerror and the console, as a listener's error is); else thrown on its own. */
const report = (err: unknown): void => {
  if (typeof globalThis.reportError === 'function') return globalThis.reportError(err)
  queueMicrotask(() => {
    throw err
  })
}

// lib0 types its events as a record of functions; any such record will do here.
export class ListenerSafeObservable<E extends { [key in keyof E]: (...args: any[]) => void }> extends ObservableV2<E> {
  override emit<K extends keyof E & string>(name: K, args: Parameters<E[K]>): void {
    // A copy, as lib0's: a listener added while the event is told does not hear it.
    for (const listener of Array.from(this._observers.get(name) ?? [])) {
      try {
        listener(...args)
      } catch (err) {
        report(err)
      }
    }
  }
}
