/**
 * lib0's ObservableV2, with listeners that may throw. The Mesh tells its events inside the directory
 * doc's transaction, where y-protocols takes any error for an update that did not apply, and the
 * directory reader then cuts the connection: one buggy listener would make the page fail over for
 * ever. A listener's error is reported as an uncaught one instead, as a DOM event listener's is.
 */
import { ObservableV2 } from 'lib0/observable'

// lib0 types its events as a record of functions; any such record will do here.
export class ListenerSafeObservable<E extends { [key in keyof E]: (...args: any[]) => void }> extends ObservableV2<E> {
  override emit<K extends keyof E & string>(name: K, args: Parameters<E[K]>): void {
    try {
      super.emit(name, args)
    } catch (err) {
      queueMicrotask(() => {
        throw err
      })
    }
  }
}
