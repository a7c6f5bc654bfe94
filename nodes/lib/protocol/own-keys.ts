/**
 * Copies of maps from outside (msg.properties, a server's properties) keep every own key as a key.
 * A plain `out[key] = value` with the key `__proto__` sets the copy's prototype instead: the
 * property is dropped without a word, and the copy's prototype is something a message chose.
 */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === "__proto__") Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}
