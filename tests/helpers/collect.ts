/** Gathers what a streaming call hands to its callback, in order (for asserting on streamed history). */
export async function collect<T>(run: (onItem: (item: T) => void) => Promise<void>): Promise<T[]> {
  const items: T[] = [];
  await run((item) => items.push(item));
  return items;
}
