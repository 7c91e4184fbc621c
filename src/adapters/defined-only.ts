// Leaves out the keys whose value is undefined. Where an object is spread over another, sent by an
// SDK that writes `undefined` differently, or has its keys enumerated, an absent key and a key set
// to undefined are not the same thing; this keeps such optional fields absent.
export function definedOnly<T extends object>(fields: T): T {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as T;
}
