type Given<T> = { [K in keyof T]?: Exclude<T[K], undefined> };

// The fields that have a value, the others left out rather than present as `undefined` (as
// `...(x ? { x } : {})` would), for objects that are spread into job data or sent on as they are.
// A field counts as given when it is truthy, so an empty string is left out too.
export function onlyGiven<T extends Record<string, string | object | undefined>>(fields: T): Given<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => Boolean(value))) as Given<T>;
}
